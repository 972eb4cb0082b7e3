using KubeNet.Scheduler.Cache;

namespace KubeNet.Scheduler.Plugins;

/// <summary>
/// The shared half of NodeResourcesFit's and NodeResourcesBalancedAllocation's scoring (upstream
/// resourceAllocationScorer): per configured resource, what the node would have requested with the pod on it, against
/// its allocatable. Fit counts the 100m/200Mi defaults for containers without requests; BalancedAllocation uses the
/// plain requests.
/// </summary>
internal sealed class ResourceAllocation
{
    public const int MaxResources = 16;

    private readonly bool _useRequested;

    // What each configured resource is, worked out once: scoring runs for hundreds of nodes per pod.
    private readonly Kind[] _kinds;

    public ResourceAllocation(IReadOnlyList<(string Name, long Weight)> resources, bool useRequested)
    {
        Resources = resources;
        _useRequested = useRequested;
        _kinds = [.. resources.Select(r => r.Name switch
        {
            Resource.Cpu => Kind.Cpu,
            Resource.Memory => Kind.Memory,
            Resource.EphemeralStorage => Kind.EphemeralStorage,
            _ when Resource.IsScalarResourceName(r.Name) => Kind.Scalar,
            _ => Kind.Other,
        })];
    }

    private enum Kind : byte
    {
        Cpu,
        Memory,
        EphemeralStorage,
        Scalar,
        Other,
    }

    public IReadOnlyList<(string Name, long Weight)> Resources { get; }

    /// <summary>Fills <paramref name="requested"/> and <paramref name="allocatable"/> (one slot per resource; zeros are skipped by scorers).</summary>
    public void Fill(PodInfo pod, NodeInfo node, Span<long> requested, Span<long> allocatable)
    {
        for (var i = 0; i < _kinds.Length; i++)
        {
            var (alloc, req) = AllocatableAndRequested(pod, node, _kinds[i], Resources[i].Name);
            allocatable[i] = alloc;
            requested[i] = alloc == 0 ? 0 : req;
        }
    }

    private (long Allocatable, long Requested) AllocatableAndRequested(PodInfo pod, NodeInfo node, Kind kind, string name)
    {
        switch (kind)
        {
            case Kind.Cpu:
                return _useRequested
                    ? (node.Allocatable.MilliCpu, node.Requested.MilliCpu + pod.Requests.MilliCpu)
                    : (node.Allocatable.MilliCpu, node.NonZeroMilliCpu + pod.NonZeroMilliCpu);
            case Kind.Memory:
                return _useRequested
                    ? (node.Allocatable.MemoryBytes, node.Requested.MemoryBytes + pod.Requests.MemoryBytes)
                    : (node.Allocatable.MemoryBytes, node.NonZeroMemory + pod.NonZeroMemory);
            case Kind.EphemeralStorage:
                return (node.Allocatable.EphemeralStorageBytes, node.Requested.EphemeralStorageBytes + pod.Requests.EphemeralStorageBytes);
            default:
                var podRequest = pod.Requests.Get(name);

                // An extended resource the pod does not ask for does not count for this node.
                if (podRequest == 0 && kind == Kind.Scalar)
                {
                    return (0, 0);
                }

                if (node.Allocatable.Scalars is { } scalars && scalars.TryGetValue(name, out var alloc))
                {
                    return (alloc, node.Requested.Scalar(name) + podRequest);
                }

                return (0, 0);
        }
    }
}
