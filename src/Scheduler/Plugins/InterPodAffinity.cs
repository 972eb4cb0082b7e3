using k8s.Models;
using KubeNet.Scheduler.Cache;
using KubeNet.Scheduler.Framework;

namespace KubeNet.Scheduler.Plugins;

/// <summary>
/// InterPodAffinity, filtering: the pod's required affinity terms must find matching pods in the node's topology
/// domain, its required anti-affinity terms must find none, and no existing pod's required anti-affinity may reject the
/// pod in that domain. PreFilter counts matches per (topologyKey, value) over the cluster once; Filter reads counts.
/// </summary>
internal sealed partial class InterPodAffinity(SchedulerProfile profile, IFrameworkHandle handle)
    : IPreFilterPlugin, IPreFilterExtensions, IFilterPlugin, IEnqueueExtensions
{
    public const string PluginName = "InterPodAffinity";
    public const string ErrReasonExistingAntiAffinityRulesNotMatch = "node(s) didn't satisfy existing pods anti-affinity rules";
    public const string ErrReasonAffinityRulesNotMatch = "node(s) didn't match pod affinity rules";
    public const string ErrReasonAntiAffinityRulesNotMatch = "node(s) didn't match pod anti-affinity rules";
    private const string PreFilterKey = "PreFilter" + PluginName;

    private static readonly Status AffinityRejected = Status.For(PluginName, StatusCode.UnschedulableAndUnresolvable, ErrReasonAffinityRulesNotMatch);
    private static readonly Status AntiAffinityRejected = Status.For(PluginName, StatusCode.Unschedulable, ErrReasonAntiAffinityRulesNotMatch);
    private static readonly Status ExistingAntiAffinityRejected = Status.For(PluginName, StatusCode.Unschedulable, ErrReasonExistingAntiAffinityRulesNotMatch);

    public string Name => PluginName;

    public IPreFilterExtensions Extensions => this;

    public (PreFilterResult? Result, Status? Status) PreFilter(CycleState state, PodInfo pod)
    {
        if (pod.ParseError is not null)
        {
            return (null, Status.For(PluginName, StatusCode.UnschedulableAndUnresolvable, "parsing pod: " + pod.ParseError));
        }

        var snapshot = handle.Snapshot;
        var s = new PreFilterState(
            pod,
            [.. pod.RequiredAffinityTerms.Select(MergeNamespaces)],
            [.. pod.RequiredAntiAffinityTerms.Select(MergeNamespaces)],
            handle.Listers.NamespaceLabels(pod.Namespace));

        foreach (var node in snapshot.HavePodsWithRequiredAntiAffinityList)
        {
            foreach (var existing in node.PodsWithRequiredAntiAffinity)
            {
                AddAntiAffinityMatches(s.ExistingAntiAffinityCounts, existing.RequiredAntiAffinityTerms, pod, s.NamespaceLabels, node, 1);
            }
        }

        if (s.RequiredAffinity.Length > 0 || s.RequiredAntiAffinity.Length > 0)
        {
            foreach (var node in snapshot.NodeInfoList)
            {
                foreach (var existing in node.Pods)
                {
                    AddAffinityMatches(s.AffinityCounts, s.RequiredAffinity, existing, node, 1);
                    AddAntiAffinityMatches(s.AntiAffinityCounts, s.RequiredAntiAffinity, existing, null, node, 1);
                }
            }
        }

        if (s.ExistingAntiAffinityCounts.Count == 0 && s.RequiredAffinity.Length == 0 && s.RequiredAntiAffinity.Length == 0)
        {
            return (null, Status.Skip);
        }

        state.Write(PreFilterKey, s);
        return (null, null);
    }

    public Status? AddPod(CycleState state, PodInfo podToSchedule, PodInfo podToAdd, NodeInfo nodeInfo)
    {
        state.Read<PreFilterState>(PreFilterKey)?.UpdateWithPod(podToAdd, nodeInfo, 1);
        return null;
    }

    public Status? RemovePod(CycleState state, PodInfo podToSchedule, PodInfo podToRemove, NodeInfo nodeInfo)
    {
        state.Read<PreFilterState>(PreFilterKey)?.UpdateWithPod(podToRemove, nodeInfo, -1);
        return null;
    }

    public Status? Filter(CycleState state, PodInfo pod, NodeInfo nodeInfo)
    {
        var s = state.Read<PreFilterState>(PreFilterKey);
        if (s is null)
        {
            return Status.Error("reading \"" + PreFilterKey + "\" from cycleState: not found");
        }

        if (!SatisfyPodAffinity(s, nodeInfo))
        {
            return AffinityRejected;
        }

        if (!SatisfyPodAntiAffinity(s, nodeInfo))
        {
            return AntiAffinityRejected;
        }

        return SatisfyExistingPodsAntiAffinity(s, nodeInfo) ? null : ExistingAntiAffinityRejected;
    }

    public IReadOnlyList<ClusterEventWithHint> EventsToRegister() =>
    [
        new(new ClusterEvent(EventResource.AssignedPod, ActionType.All, "AssignedPodChange"), AfterPodChange),
        new(new ClusterEvent(EventResource.Node, ActionType.Add | ActionType.UpdateNodeLabel, "NodeLabelChange")),
    ];

    private static bool SatisfyPodAffinity(PreFilterState s, NodeInfo node)
    {
        var podsExist = true;
        foreach (var term in s.RequiredAffinity)
        {
            if (!node.Labels.TryGetValue(term.TopologyKey, out var value))
            {
                // Every topology label must be on the node.
                return false;
            }

            if (s.AffinityCounts.GetValueOrDefault(new TopologyPair(term.TopologyKey, value)) <= 0)
            {
                podsExist = false;
            }
        }

        if (podsExist)
        {
            return true;
        }

        // The first pod of a group with affinity to itself: nothing matches anywhere yet, so it may go where the
        // topology exists as long as it matches its own terms.
        return s.AffinityCounts.Count == 0 && MatchesAll(s.RequiredAffinity, s.Pod);
    }

    private static bool SatisfyPodAntiAffinity(PreFilterState s, NodeInfo node)
    {
        if (s.AntiAffinityCounts.Count == 0)
        {
            return true;
        }

        foreach (var term in s.RequiredAntiAffinity)
        {
            if (node.Labels.TryGetValue(term.TopologyKey, out var value) && s.AntiAffinityCounts.GetValueOrDefault(new TopologyPair(term.TopologyKey, value)) > 0)
            {
                return false;
            }
        }

        return true;
    }

    private static bool SatisfyExistingPodsAntiAffinity(PreFilterState s, NodeInfo node)
    {
        foreach (var (pair, count) in s.ExistingAntiAffinityCounts)
        {
            if (count > 0 && node.Labels.TryGetValue(pair.Key, out var value) && string.Equals(value, pair.Value, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Folds the namespaces a term's namespaceSelector picks into its namespace list, as upstream does per cycle.</summary>
    private AffinityTerm MergeNamespaces(AffinityTerm term)
    {
        if (term.NamespaceSelector.IsEmpty || term.NamespaceSelector.MatchesNothing)
        {
            return term;
        }

        var selected = handle.Listers.Namespaces?.List(term.NamespaceSelector).Select(n => n.Metadata.Name) ?? [];
        return term.WithNamespaces(selected);
    }

    internal static bool MatchesAll(AffinityTerm[] terms, PodInfo pod)
    {
        if (terms.Length == 0)
        {
            return false;
        }

        foreach (var term in terms)
        {
            if (!term.Matches(pod, null))
            {
                return false;
            }
        }

        return true;
    }

    private static void AddAffinityMatches(Dictionary<TopologyPair, long> counts, AffinityTerm[] terms, PodInfo target, NodeInfo node, long delta)
    {
        if (!MatchesAll(terms, target))
        {
            return;
        }

        foreach (var term in terms)
        {
            if (node.Labels.TryGetValue(term.TopologyKey, out var value))
            {
                Bump(counts, new TopologyPair(term.TopologyKey, value), delta);
            }
        }
    }

    private static void AddAntiAffinityMatches(
        Dictionary<TopologyPair, long> counts, AffinityTerm[] terms, PodInfo target, IReadOnlyDictionary<string, string>? namespaceLabels, NodeInfo node, long delta)
    {
        foreach (var term in terms)
        {
            if (term.Matches(target, namespaceLabels) && node.Labels.TryGetValue(term.TopologyKey, out var value))
            {
                Bump(counts, new TopologyPair(term.TopologyKey, value), delta);
            }
        }
    }

    private static void Bump(Dictionary<TopologyPair, long> counts, TopologyPair pair, long delta)
    {
        var next = counts.GetValueOrDefault(pair) + delta;
        if (next == 0)
        {
            counts.Remove(pair);
        }
        else
        {
            counts[pair] = next;
        }
    }

    // An assigned pod that appears (or changes labels) may satisfy the pod's affinity; one that leaves (or stops
    // matching) may lift the pod's anti-affinity or take its own anti-affinity away.
    private static QueueingHint AfterPodChange(PodInfo target, object? oldObj, object? newObj)
    {
        var before = oldObj as PodInfo;
        var after = newObj as PodInfo;
        var affinity = target.RequiredAffinityTerms;
        var anti = target.RequiredAntiAffinityTerms;
        if (after is not null && MatchesAll(affinity, after) && (before is null || !MatchesAll(affinity, before)))
        {
            return QueueingHint.Queue;
        }

        if (before is not null && anti.Any(t => t.Matches(before, null)) && (after is null || !anti.Any(t => t.Matches(after, null))))
        {
            return QueueingHint.Queue;
        }

        return before is not null && after is null && before.HasRequiredAntiAffinity ? QueueingHint.Queue : QueueingHint.Skip;
    }

    internal readonly record struct TopologyPair(string Key, string Value);

    private sealed class PreFilterState(PodInfo pod, AffinityTerm[] requiredAffinity, AffinityTerm[] requiredAntiAffinity, IReadOnlyDictionary<string, string> namespaceLabels)
        : IStateData
    {
        public PodInfo Pod { get; } = pod;

        public AffinityTerm[] RequiredAffinity { get; } = requiredAffinity;

        public AffinityTerm[] RequiredAntiAffinity { get; } = requiredAntiAffinity;

        public IReadOnlyDictionary<string, string> NamespaceLabels { get; } = namespaceLabels;

        public Dictionary<TopologyPair, long> ExistingAntiAffinityCounts { get; private init; } = [];

        public Dictionary<TopologyPair, long> AffinityCounts { get; private init; } = [];

        public Dictionary<TopologyPair, long> AntiAffinityCounts { get; private init; } = [];

        public void UpdateWithPod(PodInfo other, NodeInfo node, long delta)
        {
            AddAntiAffinityMatches(ExistingAntiAffinityCounts, other.RequiredAntiAffinityTerms, Pod, NamespaceLabels, node, delta);
            AddAffinityMatches(AffinityCounts, RequiredAffinity, other, node, delta);
            AddAntiAffinityMatches(AntiAffinityCounts, RequiredAntiAffinity, other, null, node, delta);
        }

        public IStateData Clone() => new PreFilterState(Pod, RequiredAffinity, RequiredAntiAffinity, NamespaceLabels)
        {
            ExistingAntiAffinityCounts = new Dictionary<TopologyPair, long>(ExistingAntiAffinityCounts),
            AffinityCounts = new Dictionary<TopologyPair, long>(AffinityCounts),
            AntiAffinityCounts = new Dictionary<TopologyPair, long>(AntiAffinityCounts),
        };
    }
}
