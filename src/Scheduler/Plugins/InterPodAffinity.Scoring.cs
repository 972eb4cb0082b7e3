using KubeNet.Scheduler.Cache;
using KubeNet.Scheduler.Framework;

namespace KubeNet.Scheduler.Plugins;

/// <summary>
/// InterPodAffinity, scoring: every preferred term of the pod adds (affinity) or subtracts (anti-affinity) its weight for
/// each matching pod in a topology domain; existing pods' required affinity terms matching the pod add
/// hardPodAffinityWeight, and their preferred terms their weights. Scores are then scaled between the lowest and highest.
/// </summary>
internal sealed partial class InterPodAffinity : IPreScorePlugin, IScorePlugin, IScoreExtensions
{
    private const string PreScoreKey = "PreScore" + PluginName;

    public IScoreExtensions ScoreExtensions => this;

    public Status? PreScore(CycleState state, PodInfo pod, IReadOnlyList<NodeInfo> nodes)
    {
        if (nodes.Count == 0)
        {
            return Status.Skip;
        }

        var hasConstraints = pod.PreferredAffinityTerms.Length > 0 || pod.PreferredAntiAffinityTerms.Length > 0;
        var snapshot = handle.Snapshot;

        // Without preferred terms of its own, only nodes with pods that have affinity can contribute.
        var nodesToScan = hasConstraints ? snapshot.NodeInfoList : snapshot.HavePodsWithAffinityList;
        if (nodesToScan.Count == 0)
        {
            return Status.Skip;
        }

        var s = new ScoreState(
            [.. pod.PreferredAffinityTerms.Select(t => t with { Term = MergeNamespaces(t.Term) })],
            [.. pod.PreferredAntiAffinityTerms.Select(t => t with { Term = MergeNamespaces(t.Term) })],
            handle.Listers.NamespaceLabels(pod.Namespace));
        foreach (var node in nodesToScan)
        {
            if (node.Labels.Count == 0)
            {
                continue;
            }

            foreach (var existing in hasConstraints ? node.Pods : node.PodsWithAffinity)
            {
                ProcessExistingPod(s, existing, node, pod);
            }
        }

        if (s.TopologyScore.Count == 0)
        {
            return Status.Skip;
        }

        state.Write(PreScoreKey, s);
        return null;
    }

    public long Score(CycleState state, PodInfo pod, NodeInfo nodeInfo)
    {
        var s = state.Read<ScoreState>(PreScoreKey);
        if (s is null)
        {
            return 0;
        }

        long score = 0;
        foreach (var (key, values) in s.TopologyScore)
        {
            if (nodeInfo.Labels.TryGetValue(key, out var value))
            {
                score += values.GetValueOrDefault(value);
            }
        }

        return score;
    }

    public Status? NormalizeScore(CycleState state, PodInfo pod, IReadOnlyList<NodeInfo> nodes, Span<long> scores)
    {
        if (state.Read<ScoreState>(PreScoreKey) is not { TopologyScore.Count: > 0 })
        {
            return null;
        }

        long min = long.MaxValue, max = long.MinValue;
        foreach (var score in scores)
        {
            min = Math.Min(min, score);
            max = Math.Max(max, score);
        }

        var diff = max - min;
        for (var i = 0; i < scores.Length; i++)
        {
            scores[i] = diff > 0 ? (long)(IScorePlugin.MaxNodeScore * ((double)(scores[i] - min) / diff)) : 0;
        }

        return null;
    }

    private void ProcessExistingPod(ScoreState s, PodInfo existing, NodeInfo node, PodInfo incoming)
    {
        // The incoming pod's terms already have their namespace selectors folded in: no namespace labels needed.
        foreach (var t in s.PreferredAffinity)
        {
            ProcessTerm(s, t.Term, t.Weight, existing, null, node);
        }

        foreach (var t in s.PreferredAntiAffinity)
        {
            ProcessTerm(s, t.Term, -t.Weight, existing, null, node);
        }

        if (profile.HardPodAffinityWeight > 0)
        {
            foreach (var term in existing.RequiredAffinityTerms)
            {
                ProcessTerm(s, term, profile.HardPodAffinityWeight, incoming, s.NamespaceLabels, node);
            }
        }

        foreach (var t in existing.PreferredAffinityTerms)
        {
            ProcessTerm(s, t.Term, t.Weight, incoming, s.NamespaceLabels, node);
        }

        foreach (var t in existing.PreferredAntiAffinityTerms)
        {
            ProcessTerm(s, t.Term, -t.Weight, incoming, s.NamespaceLabels, node);
        }
    }

    private static void ProcessTerm(ScoreState s, AffinityTerm term, long weight, PodInfo pod, IReadOnlyDictionary<string, string>? namespaceLabels, NodeInfo node)
    {
        if (!term.Matches(pod, namespaceLabels) || !node.Labels.TryGetValue(term.TopologyKey, out var value))
        {
            return;
        }

        if (!s.TopologyScore.TryGetValue(term.TopologyKey, out var values))
        {
            values = new Dictionary<string, long>(StringComparer.Ordinal);
            s.TopologyScore[term.TopologyKey] = values;
        }

        values[value] = values.GetValueOrDefault(value) + weight;
    }

    private sealed class ScoreState(WeightedAffinityTerm[] preferredAffinity, WeightedAffinityTerm[] preferredAntiAffinity, IReadOnlyDictionary<string, string> namespaceLabels)
        : IStateData
    {
        public WeightedAffinityTerm[] PreferredAffinity { get; } = preferredAffinity;

        public WeightedAffinityTerm[] PreferredAntiAffinity { get; } = preferredAntiAffinity;

        public IReadOnlyDictionary<string, string> NamespaceLabels { get; } = namespaceLabels;

        public Dictionary<string, Dictionary<string, long>> TopologyScore { get; } = new(StringComparer.Ordinal);

        public IStateData Clone() => this;
    }
}
