using k8s.Models;
using KubeNet.Scheduler.Cache;
using KubeNet.Scheduler.Framework;

namespace KubeNet.Scheduler.Plugins;

/// <summary>
/// NodeAffinity: nodeSelector and required node affinity must match (Filter; a metadata.name In term narrows the
/// search to the named nodes in PreFilter); preferred terms add their weights (Score, normalized by the best node).
/// </summary>
internal sealed class NodeAffinity : IPreFilterPlugin, IFilterPlugin, IPreScorePlugin, IScorePlugin, IScoreExtensions, IEnqueueExtensions
{
    public const string PluginName = "NodeAffinity";
    public const string ErrReasonPod = "node(s) didn't match Pod's node affinity/selector";
    private const string ErrReasonConflict = "pod affinity terms conflict";
    private const string PreScoreKey = "PreScore" + PluginName;

    private static readonly Status Rejected = Status.For(PluginName, StatusCode.UnschedulableAndUnresolvable, ErrReasonPod);

    public string Name => PluginName;

    public IPreFilterExtensions? Extensions => null;

    public IScoreExtensions ScoreExtensions => this;

    public (PreFilterResult? Result, Status? Status) PreFilter(CycleState state, PodInfo pod)
    {
        if (pod.RequiredNodeAffinity.IsEmpty)
        {
            return (null, Status.Skip);
        }

        var terms = pod.Pod.Spec?.Affinity?.NodeAffinity?.RequiredDuringSchedulingIgnoredDuringExecution?.NodeSelectorTerms;
        if (terms is not { Count: > 0 })
        {
            return (null, null);
        }

        // Terms are ORed: the search narrows only when every term pins node names.
        HashSet<string>? names = null;
        foreach (var term in terms)
        {
            var pinned = NodeSelectorTerm.PinnedNodeNames(term);
            if (pinned is null)
            {
                return (null, null);
            }

            names ??= new HashSet<string>(StringComparer.Ordinal);
            names.UnionWith(pinned);
        }

        if (names is { Count: 0 })
        {
            return (null, Status.For(PluginName, StatusCode.UnschedulableAndUnresolvable, ErrReasonConflict));
        }

        return (new PreFilterResult(names), null);
    }

    public Status? Filter(CycleState state, PodInfo pod, NodeInfo nodeInfo) =>
        pod.RequiredNodeAffinity.Match(nodeInfo) ? null : Rejected;

    public Status? PreScore(CycleState state, PodInfo pod, IReadOnlyList<NodeInfo> nodes)
    {
        var preferred = pod.Pod.Spec?.Affinity?.NodeAffinity?.PreferredDuringSchedulingIgnoredDuringExecution;
        if (preferred is not { Count: > 0 })
        {
            return Status.Skip;
        }

        var terms = new List<(NodeSelectorTerm Term, long Weight)>();
        foreach (var p in preferred)
        {
            var term = NodeSelectorTerm.Compile(p.Preference ?? new V1NodeSelectorTerm());
            if (p.Weight != 0 && !term.IsEmpty)
            {
                terms.Add((term, p.Weight));
            }
        }

        if (terms.Count == 0)
        {
            return Status.Skip;
        }

        state.Write(PreScoreKey, new PreScoreState(terms));
        return null;
    }

    public long Score(CycleState state, PodInfo pod, NodeInfo nodeInfo)
    {
        var s = state.Read<PreScoreState>(PreScoreKey);
        if (s is null)
        {
            return 0;
        }

        long score = 0;
        foreach (var (term, weight) in s.Terms)
        {
            if (term.Match(nodeInfo.Labels, nodeInfo.Name))
            {
                score += weight;
            }
        }

        return score;
    }

    public Status? NormalizeScore(CycleState state, PodInfo pod, IReadOnlyList<NodeInfo> nodes, Span<long> scores)
    {
        ScoreNormalizer.Default(IScorePlugin.MaxNodeScore, reverse: false, scores);
        return null;
    }

    public IReadOnlyList<ClusterEventWithHint> EventsToRegister() =>
    [
        new(new ClusterEvent(EventResource.Node, ActionType.Add | ActionType.UpdateNodeLabel, "NodeLabelChange"), static (pod, _, n) =>
        {
            if (n is not V1Node node)
            {
                return QueueingHint.Queue;
            }

            return pod.RequiredNodeAffinity.Match(PodInfo.AsReadOnly(node.Metadata.Labels), node.Metadata.Name) ? QueueingHint.Queue : QueueingHint.Skip;
        }),
        new(new ClusterEvent(EventResource.UnscheduledPod, ActionType.UpdateOther, "UnscheduledPodUpdate")),
    ];

    private sealed class PreScoreState(List<(NodeSelectorTerm Term, long Weight)> terms) : IStateData
    {
        public List<(NodeSelectorTerm Term, long Weight)> Terms { get; } = terms;

        public IStateData Clone() => this;
    }
}
