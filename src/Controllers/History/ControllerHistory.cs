using k8s;
using k8s.Models;
using KubeNet.ApiMachinery.Selectors;
using KubeNet.Client;
using KubeNet.Controllers.Workloads;

namespace KubeNet.Controllers.History;

/// <summary>history.realHistory: reads revisions from the informer's cache and writes them through the API.</summary>
internal sealed class ControllerHistory(IKubernetes client, Lister<V1ControllerRevision> lister)
{
    /// <summary>Revisions in the parent's namespace matching the selector that the parent controls or nobody does.</summary>
    public List<V1ControllerRevision> List(V1ObjectMeta parent, LabelSelector selector) =>
        lister.List(parent.NamespaceProperty, selector)
            .Where(r => Objects.ControllerOf(r.Metadata) is not { } owner || owner.Uid == parent.Uid)
            .ToList();

    /// <summary>
    /// Creates the revision; on a name collision with different data the collision count goes up and the name is
    /// recomputed, as upstream. Returns the stored revision (an identical existing one counts as created).
    /// </summary>
    public async Task<V1ControllerRevision> CreateAsync(V1ObjectMeta parent, V1ControllerRevision revision, Ref<int> collisionCount, CancellationToken ct)
    {
        var data = Revisions.Data(revision);
        while (true)
        {
            var hash = Revisions.Hash(data, collisionCount.Value);
            revision.Metadata.Name = Revisions.Name(parent.Name, hash);
            try
            {
                return await client.AppsV1.CreateNamespacedControllerRevisionAsync(revision, parent.NamespaceProperty, cancellationToken: ct);
            }
            catch (Exception ex) when (ApiErrors.IsAlreadyExists(ex))
            {
                var existing = await client.AppsV1.ReadNamespacedControllerRevisionAsync(revision.Metadata.Name, parent.NamespaceProperty, cancellationToken: ct);
                if (GoJson.SameValue(Revisions.Data(existing), data))
                {
                    return existing;
                }

                collisionCount.Value++;
            }
        }
    }

    /// <summary>Sets the revision number, rereading on conflict.</summary>
    public async Task<V1ControllerRevision> UpdateRevisionAsync(V1ControllerRevision revision, long newRevision, CancellationToken ct)
    {
        var clone = Objects.DeepCopy(revision);
        for (var attempt = 0; ; attempt++)
        {
            if (clone.Revision == newRevision)
            {
                return clone;
            }

            clone.Revision = newRevision;
            try
            {
                return await client.AppsV1.ReplaceNamespacedControllerRevisionAsync(clone, clone.Metadata.Name, clone.Metadata.NamespaceProperty, cancellationToken: ct);
            }
            catch (Exception ex) when (ApiErrors.IsConflict(ex) && attempt < 5)
            {
                clone = await client.AppsV1.ReadNamespacedControllerRevisionAsync(clone.Metadata.Name, clone.Metadata.NamespaceProperty, cancellationToken: ct);
            }
        }
    }

    public Task DeleteAsync(V1ControllerRevision revision, CancellationToken ct) =>
        client.AppsV1.DeleteNamespacedControllerRevisionAsync(revision.Metadata.Name, revision.Metadata.NamespaceProperty, cancellationToken: ct);

    public Task PatchAsync(string ns, string name, string patch, CancellationToken ct) =>
        client.AppsV1.PatchNamespacedControllerRevisionAsync(new V1Patch(patch, V1Patch.PatchType.StrategicMergePatch), name, ns, cancellationToken: ct);
}

/// <summary>A mutable box for a value a callee updates, as Go passes *int32.</summary>
internal sealed class Ref<T>(T value)
{
    public T Value { get; set; } = value;
}
