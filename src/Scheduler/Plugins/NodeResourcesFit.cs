using KubeNet.Scheduler.Cache;
using KubeNet.Scheduler.Framework;

namespace KubeNet.Scheduler.Plugins;

/// <summary>
/// NodeResourcesFit: the pod's requests (containers, init containers, sidecars, overhead) must fit in the node's
/// allocatable less what its pods already request, and the pod count must stay within allocatable pods (Filter).
/// Score by the profile's strategy: LeastAllocated (default), MostAllocated or RequestedToCapacityRatio.
/// </summary>
internal sealed class NodeResourcesFit : IFilterPlugin, IScorePlugin, IEnqueueExtensions
{
    public const string PluginName = "NodeResourcesFit";

    // Filter statuses for the common combinations of cpu, memory, ephemeral-storage and pod count, built once.
    private static readonly Status?[] Cached = new Status?[16];

    private readonly ResourceAllocation _allocation;
    private readonly Func<ReadOnlySpan<long>, ReadOnlySpan<long>, long> _scorer;

    public NodeResourcesFit(SchedulerProfile profile)
    {
        var resources = profile.ScoringResources.Select(r => (r.Name, r.Weight)).ToList();
        _allocation = new ResourceAllocation(resources, useRequested: false);
        var weights = resources.Select(r => r.Weight).ToArray();
        _scorer = profile.ScoringStrategy switch
        {
            ScoringStrategyType.MostAllocated => (req, alloc) => Weighted(req, alloc, weights, MostRequested),
            ScoringStrategyType.RequestedToCapacityRatio => RequestedToCapacityRatio(profile.RequestedToCapacityRatioShape, weights),
            _ => (req, alloc) => Weighted(req, alloc, weights, LeastRequested),
        };
    }

    public string Name => PluginName;

    public IScoreExtensions? ScoreExtensions => null;

    public Status? Filter(CycleState state, PodInfo pod, NodeInfo nodeInfo)
    {
        var mask = 0;
        List<string>? scalarReasons = null;
        var allocatable = nodeInfo.Allocatable;
        var requested = nodeInfo.Requested;
        if (nodeInfo.Pods.Count + 1 > allocatable.AllowedPodNumber)
        {
            mask |= 1;
        }

        var request = pod.Requests;
        if (request.MilliCpu > 0 && request.MilliCpu > allocatable.MilliCpu - requested.MilliCpu)
        {
            mask |= 2;
        }

        if (request.MemoryBytes > 0 && request.MemoryBytes > allocatable.MemoryBytes - requested.MemoryBytes)
        {
            mask |= 4;
        }

        if (request.EphemeralStorageBytes > 0 && request.EphemeralStorageBytes > allocatable.EphemeralStorageBytes - requested.EphemeralStorageBytes)
        {
            mask |= 8;
        }

        if (request.Scalars is { } scalars)
        {
            foreach (var (name, quantity) in scalars)
            {
                if (quantity > 0 && quantity > allocatable.Scalar(name) - requested.Scalar(name))
                {
                    (scalarReasons ??= []).Add("Insufficient " + name);
                }
            }
        }

        if (mask == 0 && scalarReasons is null)
        {
            return null;
        }

        if (scalarReasons is null)
        {
            return Cached[mask] ??= Status.For(PluginName, StatusCode.Unschedulable, [.. Reasons(mask)]);
        }

        scalarReasons.InsertRange(0, Reasons(mask));
        return Status.For(PluginName, StatusCode.Unschedulable, [.. scalarReasons]);
    }

    public long Score(CycleState state, PodInfo pod, NodeInfo nodeInfo)
    {
        var count = _allocation.Resources.Count;
        Span<long> requested = stackalloc long[ResourceAllocation.MaxResources];
        Span<long> allocatable = stackalloc long[ResourceAllocation.MaxResources];
        _allocation.Fill(pod, nodeInfo, requested, allocatable);
        return _scorer(requested[..count], allocatable[..count]);
    }

    public IReadOnlyList<ClusterEventWithHint> EventsToRegister() =>
    [
        new(new ClusterEvent(EventResource.AssignedPod, ActionType.Delete | ActionType.UpdatePodScaleDown, "AssignedPodDelete")),
        new(new ClusterEvent(EventResource.Node, ActionType.Add | ActionType.UpdateNodeAllocatable | ActionType.UpdateNodeTaint | ActionType.UpdateNodeLabel, "NodeChange"),
            static (pod, _, n) => n is k8s.Models.V1Node node && !FitsAllocatable(pod, node) ? QueueingHint.Skip : QueueingHint.Queue),
        new(new ClusterEvent(EventResource.UnscheduledPod, ActionType.UpdatePodScaleDown, "UnscheduledPodUpdate")),
    ];

    // A node whose whole allocatable cannot hold the pod will not help it.
    private static bool FitsAllocatable(PodInfo pod, k8s.Models.V1Node node)
    {
        var request = pod.Requests;
        var allocatable = Resource.FromList(node.Status?.Allocatable);
        if (request.MilliCpu > allocatable.MilliCpu || request.MemoryBytes > allocatable.MemoryBytes
            || request.EphemeralStorageBytes > allocatable.EphemeralStorageBytes)
        {
            return false;
        }

        return request.Scalars is null || request.Scalars.All(s => s.Value <= allocatable.Scalar(s.Key));
    }

    private static IEnumerable<string> Reasons(int mask)
    {
        if ((mask & 1) != 0)
        {
            yield return "Too many pods";
        }

        if ((mask & 2) != 0)
        {
            yield return "Insufficient cpu";
        }

        if ((mask & 4) != 0)
        {
            yield return "Insufficient memory";
        }

        if ((mask & 8) != 0)
        {
            yield return "Insufficient ephemeral-storage";
        }
    }

    private static long Weighted(ReadOnlySpan<long> requested, ReadOnlySpan<long> allocatable, long[] weights, Func<long, long, long> perResource)
    {
        long score = 0, weightSum = 0;
        for (var i = 0; i < requested.Length; i++)
        {
            if (allocatable[i] == 0)
            {
                continue;
            }

            score += perResource(requested[i], allocatable[i]) * weights[i];
            weightSum += weights[i];
        }

        return weightSum == 0 ? 0 : score / weightSum;
    }

    /// <summary>leastRequestedScore: the share left free, 0..100; nothing left (or over) scores 0.</summary>
    internal static long LeastRequested(long requested, long capacity) =>
        capacity == 0 || requested > capacity ? 0 : (capacity - requested) * IScorePlugin.MaxNodeScore / capacity;

    /// <summary>mostRequestedScore: the share used, 0..100 (requests over capacity count as full).</summary>
    internal static long MostRequested(long requested, long capacity) =>
        capacity == 0 ? 0 : Math.Min(requested, capacity) * IScorePlugin.MaxNodeScore / capacity;

    private static Func<ReadOnlySpan<long>, ReadOnlySpan<long>, long> RequestedToCapacityRatio(IReadOnlyList<UtilizationShapePoint> shape, long[] weights)
    {
        // Shape scores are 0..10 (MaxCustomPriorityScore); the framework's range is 0..100.
        var function = ScoreNormalizer.BrokenLinear([.. shape.Select(p => ((long)p.Utilization, (long)p.Score * (IScorePlugin.MaxNodeScore / 10)))]);
        long ResourceScore(long requested, long capacity) =>
            capacity == 0 || requested > capacity ? function(100) : function(requested * 100 / capacity);

        return (requested, allocatable) =>
        {
            long score = 0, weightSum = 0;
            for (var i = 0; i < requested.Length; i++)
            {
                if (allocatable[i] == 0)
                {
                    continue;
                }

                var resourceScore = ResourceScore(requested[i], allocatable[i]);
                if (resourceScore > 0)
                {
                    score += resourceScore * weights[i];
                    weightSum += weights[i];
                }
            }

            return weightSum == 0 ? 0 : (long)Math.Round((double)score / weightSum, MidpointRounding.AwayFromZero);
        };
    }
}
