using KubeNet.Scheduler.Cache;
using KubeNet.Scheduler.Framework;

namespace KubeNet.Scheduler.Plugins;

/// <summary>
/// PodTopologySpread, scoring: ScheduleAnyway constraints (the pod's own, or the defaults for pods owned by a Service,
/// ReplicaSet, StatefulSet or ReplicationController) prefer domains with fewer matching pods. Each domain's count is
/// weighted by log(number of domains + 2), so small topologies are not drowned by large ones.
/// </summary>
internal sealed partial class PodTopologySpread : IPreScorePlugin, IScorePlugin, IScoreExtensions
{
    private const string PreScoreKey = "PreScore" + PluginName;

    public IScoreExtensions ScoreExtensions => this;

    public Status? PreScore(CycleState state, PodInfo pod, IReadOnlyList<NodeInfo> nodes)
    {
        var allNodes = _handle.Snapshot.NodeInfoList;
        if (nodes.Count == 0 || allNodes.Count == 0)
        {
            return Status.Skip;
        }

        List<SpreadConstraint> constraints;
        try
        {
            constraints = GetConstraints(pod, "ScheduleAnyway");
        }
        catch (FormatException e)
        {
            return Status.Error("obtaining pod's soft topology spread constraints: " + e.Message);
        }

        if (constraints.Count == 0)
        {
            return Status.Skip;
        }

        // Nodes lacking a zone label still get hostname spreading under the system defaults.
        var requireAllTopologies = pod.Pod.Spec?.TopologySpreadConstraints is { Count: > 0 } || !_systemDefaulted;
        var s = new ScoreState(constraints);
        var domains = new int[constraints.Count];
        foreach (var node in nodes)
        {
            if (requireAllTopologies && !HasAllTopologyKeys(node, constraints))
            {
                s.IgnoredNodes.Add(node.Name);
                continue;
            }

            for (var i = 0; i < constraints.Count; i++)
            {
                var c = constraints[i];
                if (c.TopologyKey == LabelHostname)
                {
                    continue;
                }

                var value = node.Labels.GetValueOrDefault(c.TopologyKey) ?? string.Empty;
                if (s.PodCounts[i].TryAdd(value, 0))
                {
                    domains[i]++;
                }
            }
        }

        for (var i = 0; i < constraints.Count; i++)
        {
            var size = constraints[i].TopologyKey == LabelHostname ? nodes.Count - s.IgnoredNodes.Count : domains[i];
            s.Weights[i] = Math.Log(size + 2);
        }

        foreach (var node in allNodes)
        {
            if (requireAllTopologies && !HasAllTopologyKeys(node, constraints))
            {
                continue;
            }

            for (var i = 0; i < constraints.Count; i++)
            {
                var c = constraints[i];
                if (!c.Includes(pod, node))
                {
                    continue;
                }

                // Only domains of candidate nodes matter; per-node (hostname) counts are taken in Score.
                var value = node.Labels.GetValueOrDefault(c.TopologyKey) ?? string.Empty;
                if (s.PodCounts[i].TryGetValue(value, out var current))
                {
                    s.PodCounts[i][value] = current + CountMatching(node.Pods, c.Selector, pod.Namespace);
                }
            }
        }

        state.Write(PreScoreKey, s);
        return null;
    }

    public long Score(CycleState state, PodInfo pod, NodeInfo nodeInfo)
    {
        var s = state.Read<ScoreState>(PreScoreKey);
        if (s is null || s.IgnoredNodes.Contains(nodeInfo.Name))
        {
            return 0;
        }

        double score = 0;
        for (var i = 0; i < s.Constraints.Count; i++)
        {
            var c = s.Constraints[i];
            if (!nodeInfo.Labels.TryGetValue(c.TopologyKey, out var value))
            {
                continue;
            }

            long count = c.TopologyKey == LabelHostname
                ? CountMatching(nodeInfo.Pods, c.Selector, pod.Namespace)
                : s.PodCounts[i].GetValueOrDefault(value);

            // maxSkew - 1 waters differences down: a larger skew tolerance makes the score less sensitive.
            score += (count * s.Weights[i]) + (c.MaxSkew - 1);
        }

        return (long)Math.Round(score, MidpointRounding.AwayFromZero);
    }

    public Status? NormalizeScore(CycleState state, PodInfo pod, IReadOnlyList<NodeInfo> nodes, Span<long> scores)
    {
        var s = state.Read<ScoreState>(PreScoreKey);
        if (s is null)
        {
            return null;
        }

        long min = long.MaxValue, max = 0;
        for (var i = 0; i < scores.Length; i++)
        {
            if (s.IgnoredNodes.Contains(nodes[i].Name))
            {
                continue;
            }

            min = Math.Min(min, scores[i]);
            max = Math.Max(max, scores[i]);
        }

        for (var i = 0; i < scores.Length; i++)
        {
            if (s.IgnoredNodes.Contains(nodes[i].Name))
            {
                scores[i] = 0;
            }
            else if (max == 0)
            {
                scores[i] = IScorePlugin.MaxNodeScore;
            }
            else
            {
                scores[i] = IScorePlugin.MaxNodeScore * (max + min - scores[i]) / max;
            }
        }

        return null;
    }

    private sealed class ScoreState : IStateData
    {
        public ScoreState(List<SpreadConstraint> constraints)
        {
            Constraints = constraints;
            PodCounts = [.. constraints.Select(_ => new Dictionary<string, long>(StringComparer.Ordinal))];
            Weights = new double[constraints.Count];
        }

        public List<SpreadConstraint> Constraints { get; }

        public HashSet<string> IgnoredNodes { get; } = new(StringComparer.Ordinal);

        public List<Dictionary<string, long>> PodCounts { get; }

        public double[] Weights { get; }

        public IStateData Clone() => this;
    }
}
