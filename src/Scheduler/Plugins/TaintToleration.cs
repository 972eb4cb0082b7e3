using k8s.Models;
using KubeNet.Scheduler.Cache;
using KubeNet.Scheduler.Framework;

namespace KubeNet.Scheduler.Plugins;

/// <summary>
/// TaintToleration: NoSchedule and NoExecute taints need a matching toleration (Filter); nodes with fewer untolerated
/// PreferNoSchedule taints score higher (Score, normalized in reverse).
/// </summary>
internal sealed class TaintToleration : IFilterPlugin, IPreScorePlugin, IScorePlugin, IScoreExtensions, IEnqueueExtensions
{
    public const string PluginName = "TaintToleration";
    private const string PreScoreKey = "PreScore" + PluginName;

    public string Name => PluginName;

    public IScoreExtensions ScoreExtensions => this;

    public Status? Filter(CycleState state, PodInfo pod, NodeInfo nodeInfo)
    {
        if (nodeInfo.Taints.Count == 0)
        {
            return null;
        }

        var taint = Taints.FirstUntoleratedNoSchedule(nodeInfo.Taints, pod.Pod.Spec?.Tolerations);
        return taint is null ? null
            : Status.For(PluginName, StatusCode.UnschedulableAndUnresolvable, $"node(s) had untolerated taint {{{taint.Key}: {taint.Value}}}");
    }

    public Status? PreScore(CycleState state, PodInfo pod, IReadOnlyList<NodeInfo> nodes)
    {
        // Only tolerations with effect PreferNoSchedule or none can tolerate a PreferNoSchedule taint.
        var tolerations = pod.Pod.Spec?.Tolerations?.Where(t => string.IsNullOrEmpty(t.Effect) || t.Effect == "PreferNoSchedule").ToList() ?? [];
        state.Write(PreScoreKey, new PreScoreState(tolerations));
        return null;
    }

    public long Score(CycleState state, PodInfo pod, NodeInfo nodeInfo)
    {
        if (nodeInfo.Taints.Count == 0)
        {
            return 0;
        }

        var tolerations = state.Read<PreScoreState>(PreScoreKey)?.Tolerations ?? [];
        long count = 0;
        foreach (var taint in nodeInfo.Taints)
        {
            if (taint.Effect == "PreferNoSchedule" && !Taints.TolerationsTolerate(tolerations, taint))
            {
                count++;
            }
        }

        return count;
    }

    public Status? NormalizeScore(CycleState state, PodInfo pod, IReadOnlyList<NodeInfo> nodes, Span<long> scores)
    {
        ScoreNormalizer.Default(IScorePlugin.MaxNodeScore, reverse: true, scores);
        return null;
    }

    public IReadOnlyList<ClusterEventWithHint> EventsToRegister() =>
    [
        new(new ClusterEvent(EventResource.Node, ActionType.Add | ActionType.UpdateNodeTaint, "NodeTaintChange"), static (pod, _, n) =>
            n is V1Node node && Taints.FirstUntoleratedNoSchedule(node.Spec?.Taints?.ToList() ?? [], pod.Pod.Spec?.Tolerations) is null
                ? QueueingHint.Queue : QueueingHint.Skip),
        new(new ClusterEvent(EventResource.UnscheduledPod, ActionType.UpdatePodToleration, "UnscheduledPodUpdate")),
    ];

    private sealed class PreScoreState(List<V1Toleration> tolerations) : IStateData
    {
        public List<V1Toleration> Tolerations { get; } = tolerations;

        public IStateData Clone() => this;
    }
}
