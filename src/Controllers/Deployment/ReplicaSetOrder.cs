using k8s.Models;

namespace KubeNet.Controllers.Deployment;

/// <summary>The ReplicaSet orderings of pkg/controller (controller_utils.go) and deployment/util.</summary>
internal static class ReplicaSetOrder
{
    /// <summary>Oldest first, by name when created in the same second.</summary>
    public static readonly IComparer<V1ReplicaSet> ByCreationTimestamp = Comparer<V1ReplicaSet>.Create(CompareCreation);

    /// <summary>Largest first; among equals the older first (scaling down takes from old ReplicaSets first).</summary>
    public static readonly IComparer<V1ReplicaSet> BySizeOlder = Comparer<V1ReplicaSet>.Create((a, b) =>
    {
        var (ra, rb) = (DeploymentUtil.Replicas(a), DeploymentUtil.Replicas(b));
        return ra == rb ? CompareCreation(a, b) : rb.CompareTo(ra);
    });

    /// <summary>Largest first; among equals the newer first (scaling up gives to new ReplicaSets first).</summary>
    public static readonly IComparer<V1ReplicaSet> BySizeNewer = Comparer<V1ReplicaSet>.Create((a, b) =>
    {
        var (ra, rb) = (DeploymentUtil.Replicas(a), DeploymentUtil.Replicas(b));
        return ra == rb ? CompareCreation(b, a) : rb.CompareTo(ra);
    });

    /// <summary>Lowest revision first, by creation when revisions tie or cannot be read.</summary>
    public static readonly IComparer<V1ReplicaSet> ByRevision = Comparer<V1ReplicaSet>.Create((a, b) =>
    {
        var (va, vb) = (DeploymentUtil.Revision(a.Metadata), DeploymentUtil.Revision(b.Metadata));
        return va is null || vb is null || va == vb ? CompareCreation(a, b) : va.Value.CompareTo(vb.Value);
    });

    private static int CompareCreation(V1ReplicaSet a, V1ReplicaSet b)
    {
        var (ta, tb) = (a.Metadata.CreationTimestamp?.ToUniversalTime(), b.Metadata.CreationTimestamp?.ToUniversalTime());
        if (ta == tb)
        {
            return string.CompareOrdinal(a.Metadata.Name, b.Metadata.Name);
        }

        // A missing timestamp is the zero time: before any other.
        return (ta ?? DateTime.MinValue).CompareTo(tb ?? DateTime.MinValue);
    }
}
