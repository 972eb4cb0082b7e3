using KubeNet.Scheduler.Cache;
using KubeNet.Scheduler.Framework;

namespace KubeNet.Scheduler.Plugins;

/// <summary>
/// NodeResourcesBalancedAllocation: prefers nodes whose resource utilizations (with the pod) are close to each other:
/// the score is (1 - standard deviation of the fractions) * 100.
/// </summary>
internal sealed class NodeResourcesBalancedAllocation(SchedulerProfile profile) : IScorePlugin
{
    public const string PluginName = "NodeResourcesBalancedAllocation";

    private readonly ResourceAllocation _allocation = new([.. profile.BalancedResources.Select(r => (r.Name, r.Weight))], useRequested: true);

    public string Name => PluginName;

    public IScoreExtensions? ScoreExtensions => null;

    public long Score(CycleState state, PodInfo pod, NodeInfo nodeInfo)
    {
        var count = _allocation.Resources.Count;
        Span<long> requested = stackalloc long[ResourceAllocation.MaxResources];
        Span<long> allocatable = stackalloc long[ResourceAllocation.MaxResources];
        _allocation.Fill(pod, nodeInfo, requested, allocatable);
        return BalancedScore(requested[..count], allocatable[..count]);
    }

    internal static long BalancedScore(ReadOnlySpan<long> requested, ReadOnlySpan<long> allocatable)
    {
        Span<double> fractions = stackalloc double[ResourceAllocation.MaxResources];
        var n = 0;
        double total = 0;
        for (var i = 0; i < requested.Length; i++)
        {
            if (allocatable[i] == 0)
            {
                continue;
            }

            var fraction = Math.Min(1.0, (double)requested[i] / allocatable[i]);
            total += fraction;
            fractions[n++] = fraction;
        }

        double std = 0;
        if (n == 2)
        {
            std = Math.Abs((fractions[0] - fractions[1]) / 2);
        }
        else if (n > 2)
        {
            var mean = total / n;
            double sum = 0;
            for (var i = 0; i < n; i++)
            {
                sum += (fractions[i] - mean) * (fractions[i] - mean);
            }

            std = Math.Sqrt(sum / n);
        }

        return (long)((1 - std) * IScorePlugin.MaxNodeScore);
    }
}
