using KubeNet.Scheduler.Cache;

namespace KubeNet.Scheduler.Plugins;

/// <summary>
/// The shared half of NodeResourcesFit's and NodeResourcesBalancedAllocation's scoring (upstream
/// resourceAllocationScorer): per configured resource, what the node would have requested with the pod on it, against
/// its allocatable. Fit counts the 100m/200Mi defaults for containers without requests; BalancedAllocation uses the
/// plain requests.
/// </summary>
internal sealed class ResourceAllocation(IReadOnlyList<(string Name, long Weight)> resources, bool useRequested)
{
    public const int MaxResources = 16;

    public IReadOnlyList<(string Name, long Weight)> Resources { get; } = resources;

    /// <summary>Fills <paramref name="requested"/> and <paramref name="allocatable"/> (one slot per resource; zeros are skipped by scorers).</summary>
    public void Fill(PodInfo pod, NodeInfo node, Span<long> requested, Span<long> allocatable)
    {
        for (var i = 0; i < Resources.Count; i++)
        {
            var name = Resources[i].Name;
            var podRequest = PodRequest(pod, name);
            var (alloc, req) = AllocatableAndRequested(node, name, podRequest);
            allocatable[i] = alloc;
            requested[i] = alloc == 0 ? 0 : req;
        }
    }

    private long PodRequest(PodInfo pod, string name) => name switch
    {
        Resource.Cpu => useRequested ? pod.Requests.MilliCpu : pod.NonZeroMilliCpu,
        Resource.Memory => useRequested ? pod.Requests.MemoryBytes : pod.NonZeroMemory,
        _ => pod.Requests.Get(name),
    };

    private (long Allocatable, long Requested) AllocatableAndRequested(NodeInfo node, string name, long podRequest)
    {
        // An extended resource the pod does not ask for does not count for this node.
        if (podRequest == 0 && Resource.IsScalarResourceName(name))
        {
            return (0, 0);
        }

        switch (name)
        {
            case Resource.Cpu:
                return (node.Allocatable.MilliCpu, (useRequested ? node.Requested.MilliCpu : node.NonZeroMilliCpu) + podRequest);
            case Resource.Memory:
                return (node.Allocatable.MemoryBytes, (useRequested ? node.Requested.MemoryBytes : node.NonZeroMemory) + podRequest);
            case Resource.EphemeralStorage:
                return (node.Allocatable.EphemeralStorageBytes, node.Requested.EphemeralStorageBytes + podRequest);
            default:
                if (node.Allocatable.Scalars is { } scalars && scalars.TryGetValue(name, out var alloc))
                {
                    return (alloc, node.Requested.Scalar(name) + podRequest);
                }

                return (0, 0);
        }
    }
}
