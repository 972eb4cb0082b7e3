using k8s.Models;
using KubeNet.ApiMachinery.Selectors;
using KubeNet.Scheduler.Cache;
using KubeNet.Scheduler.Framework;

namespace KubeNet.Scheduler.Plugins;

/// <summary>
/// PodTopologySpread, filtering: for each DoNotSchedule constraint, placing the pod in a node's domain must keep
/// (matching pods there + 1 if the pod matches) - (fewest matching pods in any eligible domain) within maxSkew; with
/// fewer eligible domains than minDomains the minimum counts as 0. Nodes lacking a constraint's topology label are
/// rejected outright. PreFilter counts matching pods per domain once per cycle.
/// </summary>
internal sealed partial class PodTopologySpread : IPreFilterPlugin, IPreFilterExtensions, IFilterPlugin, IEnqueueExtensions
{
    public const string PluginName = "PodTopologySpread";
    public const string ErrReasonConstraintsNotMatch = "node(s) didn't match pod topology spread constraints";
    public const string ErrReasonNodeLabelNotMatch = ErrReasonConstraintsNotMatch + " (missing required label)";
    private const string PreFilterKey = "PreFilter" + PluginName;
    private const string LabelHostname = "kubernetes.io/hostname";
    private const string LabelZone = "topology.kubernetes.io/zone";

    private static readonly Status ConstraintsNotMatch = Status.For(PluginName, StatusCode.Unschedulable, ErrReasonConstraintsNotMatch);
    private static readonly Status NodeLabelNotMatch = Status.For(PluginName, StatusCode.UnschedulableAndUnresolvable, ErrReasonNodeLabelNotMatch);

    private readonly IFrameworkHandle _handle;
    private readonly IReadOnlyList<V1TopologySpreadConstraint> _defaultConstraints;
    private readonly bool _systemDefaulted;

    public PodTopologySpread(SchedulerProfile profile, IFrameworkHandle handle)
    {
        _handle = handle;
        _systemDefaulted = profile.DefaultTopologySpreadConstraints is null;
        _defaultConstraints = profile.DefaultTopologySpreadConstraints ??
        [
            new V1TopologySpreadConstraint { TopologyKey = LabelHostname, WhenUnsatisfiable = "ScheduleAnyway", MaxSkew = 3 },
            new V1TopologySpreadConstraint { TopologyKey = LabelZone, WhenUnsatisfiable = "ScheduleAnyway", MaxSkew = 5 },
        ];
    }

    public string Name => PluginName;

    public IPreFilterExtensions Extensions => this;

    public (PreFilterResult? Result, Status? Status) PreFilter(CycleState state, PodInfo pod)
    {
        List<SpreadConstraint> constraints;
        try
        {
            constraints = GetConstraints(pod, "DoNotSchedule");
        }
        catch (FormatException e)
        {
            return (null, Status.For(PluginName, StatusCode.UnschedulableAndUnresolvable, "obtaining pod's hard topology spread constraints: " + e.Message));
        }

        if (constraints.Count == 0)
        {
            return (null, Status.Skip);
        }

        var s = new PreFilterState(constraints);
        foreach (var node in _handle.Snapshot.NodeInfoList)
        {
            if (!HasAllTopologyKeys(node, constraints))
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

                var value = node.Labels[c.TopologyKey];
                var count = CountMatching(node.Pods, c.Selector, pod.Namespace);
                s.MatchNum[i][value] = s.MatchNum[i].GetValueOrDefault(value) + count;
            }
        }

        for (var i = 0; i < constraints.Count; i++)
        {
            foreach (var (value, num) in s.MatchNum[i])
            {
                s.CriticalPaths[i].Update(value, num);
            }
        }

        state.Write(PreFilterKey, s);
        return (null, null);
    }

    public Status? AddPod(CycleState state, PodInfo podToSchedule, PodInfo podToAdd, NodeInfo nodeInfo)
    {
        UpdateWithPod(state.Read<PreFilterState>(PreFilterKey), podToAdd, podToSchedule, nodeInfo, 1);
        return null;
    }

    public Status? RemovePod(CycleState state, PodInfo podToSchedule, PodInfo podToRemove, NodeInfo nodeInfo)
    {
        UpdateWithPod(state.Read<PreFilterState>(PreFilterKey), podToRemove, podToSchedule, nodeInfo, -1);
        return null;
    }

    public Status? Filter(CycleState state, PodInfo pod, NodeInfo nodeInfo)
    {
        var s = state.Read<PreFilterState>(PreFilterKey);
        if (s is null)
        {
            return Status.Error("reading \"" + PreFilterKey + "\" from cycleState: not found");
        }

        for (var i = 0; i < s.Constraints.Count; i++)
        {
            var c = s.Constraints[i];
            if (!nodeInfo.Labels.TryGetValue(c.TopologyKey, out var value))
            {
                return NodeLabelNotMatch;
            }

            var minMatch = s.MatchNum[i].Count < c.MinDomains ? 0 : s.CriticalPaths[i].Min;
            var selfMatch = c.Selector.Matches(pod.Labels) ? 1 : 0;
            var skew = s.MatchNum[i].GetValueOrDefault(value) + selfMatch - minMatch;
            if (skew > c.MaxSkew)
            {
                return ConstraintsNotMatch;
            }
        }

        return null;
    }

    public IReadOnlyList<ClusterEventWithHint> EventsToRegister() =>
    [
        new(new ClusterEvent(EventResource.AssignedPod, ActionType.All, "AssignedPodChange"), AfterPodChange),
        new(new ClusterEvent(EventResource.Node, ActionType.Add | ActionType.Delete | ActionType.UpdateNodeLabel | ActionType.UpdateNodeTaint, "NodeChange")),
        new(new ClusterEvent(EventResource.UnscheduledPod, ActionType.UpdatePodLabel, "UnscheduledPodUpdate")),
    ];

    /// <summary>The pod's constraints for <paramref name="action"/>, or the default ones when the pod sets none.</summary>
    private List<SpreadConstraint> GetConstraints(PodInfo pod, string action)
    {
        var own = pod.Pod.Spec?.TopologySpreadConstraints;
        if (own is { Count: > 0 })
        {
            return Filter(own, pod, action);
        }

        var defaults = Filter(_defaultConstraints, pod, action);
        if (defaults.Count == 0)
        {
            return defaults;
        }

        var selector = DefaultSelector(pod);
        if (selector.IsEmpty)
        {
            return [];
        }

        foreach (var c in defaults)
        {
            c.Selector = selector;
        }

        return defaults;
    }

    private static List<SpreadConstraint> Filter(IEnumerable<V1TopologySpreadConstraint> constraints, PodInfo pod, string action)
    {
        var result = new List<SpreadConstraint>();
        foreach (var c in constraints)
        {
            if (c.WhenUnsatisfiable != action)
            {
                continue;
            }

            var selector = c.LabelSelector;
            if (c.MatchLabelKeys is { Count: > 0 } keys && selector is not null)
            {
                // matchLabelKeys: the pod's own values of these labels narrow the selector.
                var expressions = new List<V1LabelSelectorRequirement>(selector.MatchExpressions ?? []);
                foreach (var key in keys)
                {
                    if (pod.Labels.TryGetValue(key, out var value))
                    {
                        expressions.Add(new V1LabelSelectorRequirement { Key = key, OperatorProperty = "In", Values = [value] });
                    }
                }

                selector = new V1LabelSelector { MatchLabels = selector.MatchLabels, MatchExpressions = expressions };
            }

            if (!LabelSelector.TryFromLabelSelector(selector, out var parsed, out var error))
            {
                throw new FormatException(error);
            }

            result.Add(new SpreadConstraint
            {
                MaxSkew = c.MaxSkew,
                TopologyKey = c.TopologyKey,
                Selector = parsed,
                MinDomains = c.MinDomains ?? 1,
                HonorNodeAffinity = c.NodeAffinityPolicy is null or "Honor",
                HonorNodeTaints = c.NodeTaintsPolicy == "Honor",
            });
        }

        return result;
    }

    /// <summary>
    /// helper.DefaultSelector: the union of the selectors of the Services selecting the pod and of its controlling
    /// ReplicationController, ReplicaSet or StatefulSet.
    /// </summary>
    private LabelSelector DefaultSelector(PodInfo pod)
    {
        var matchLabels = new Dictionary<string, string>(StringComparer.Ordinal);
        var expressions = new List<V1LabelSelectorRequirement>();
        var listers = _handle.Listers;
        foreach (var service in listers.Services?.List(pod.Namespace) ?? [])
        {
            if (service.Spec?.Selector is { } selector && LabelSelector.FromSet(selector.AsReadOnly()).Matches(pod.Labels))
            {
                foreach (var (k, v) in selector)
                {
                    matchLabels[k] = v;
                }
            }
        }

        var owner = pod.Pod.Metadata.OwnerReferences?.FirstOrDefault(o => o.Controller == true);
        V1LabelSelector? ownerSelector = null;
        switch (owner?.ApiVersion, owner?.Kind)
        {
            case ("v1", "ReplicationController"):
                if (listers.ReplicationControllers?.Get(pod.Namespace, owner.Name)?.Spec?.Selector is { } rcSelector)
                {
                    foreach (var (k, v) in rcSelector)
                    {
                        matchLabels[k] = v;
                    }
                }

                break;
            case ("apps/v1", "ReplicaSet"):
                ownerSelector = listers.ReplicaSets?.Get(pod.Namespace, owner.Name)?.Spec?.Selector;
                break;
            case ("apps/v1", "StatefulSet"):
                ownerSelector = listers.StatefulSets?.Get(pod.Namespace, owner.Name)?.Spec?.Selector;
                break;
        }

        if (ownerSelector is not null)
        {
            foreach (var (k, v) in ownerSelector.MatchLabels ?? new Dictionary<string, string>())
            {
                expressions.Add(new V1LabelSelectorRequirement { Key = k, OperatorProperty = "In", Values = [v] });
            }

            expressions.AddRange(ownerSelector.MatchExpressions ?? []);
        }

        if (matchLabels.Count == 0 && expressions.Count == 0)
        {
            return LabelSelector.Everything;
        }

        return LabelSelector.TryFromLabelSelector(new V1LabelSelector { MatchLabels = matchLabels, MatchExpressions = expressions }, out var parsed, out _)
            ? parsed
            : LabelSelector.Everything;
    }

    private static bool HasAllTopologyKeys(NodeInfo node, List<SpreadConstraint> constraints)
    {
        foreach (var c in constraints)
        {
            if (!node.Labels.ContainsKey(c.TopologyKey))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Pods of <paramref name="ns"/> matching the selector, terminating ones left out; an empty selector counts none.</summary>
    private static int CountMatching(List<PodInfo> pods, LabelSelector selector, string ns)
    {
        if (selector.IsEmpty)
        {
            return 0;
        }

        var count = 0;
        foreach (var p in pods)
        {
            if (!p.IsTerminating && string.Equals(p.Namespace, ns, StringComparison.Ordinal) && selector.Matches(p.Labels))
            {
                count++;
            }
        }

        return count;
    }

    private static void UpdateWithPod(PreFilterState? s, PodInfo updated, PodInfo preemptor, NodeInfo node, int delta)
    {
        if (s is null || !string.Equals(updated.Namespace, preemptor.Namespace, StringComparison.Ordinal) || node.Node is null
            || !HasAllTopologyKeys(node, s.Constraints))
        {
            return;
        }

        for (var i = 0; i < s.Constraints.Count; i++)
        {
            var c = s.Constraints[i];
            if (!c.Selector.Matches(updated.Labels) || !c.Includes(preemptor, node))
            {
                continue;
            }

            var value = node.Labels[c.TopologyKey];
            var next = s.MatchNum[i].GetValueOrDefault(value) + delta;
            s.MatchNum[i][value] = next;
            s.CriticalPaths[i].Update(value, next);
        }
    }

    private static QueueingHint AfterPodChange(PodInfo target, object? oldObj, object? newObj)
    {
        foreach (var changed in new[] { oldObj as PodInfo, newObj as PodInfo })
        {
            if (changed is not null && changed.Namespace == target.Namespace
                && (target.Pod.Spec?.TopologySpreadConstraints is not { Count: > 0 } constraints
                    || constraints.Any(c => LabelSelector.TryFromLabelSelector(c.LabelSelector, out var sel, out _) && sel.Matches(changed.Labels))))
            {
                return QueueingHint.Queue;
            }
        }

        return QueueingHint.Skip;
    }

    internal sealed class SpreadConstraint
    {
        public int MaxSkew { get; init; }

        public required string TopologyKey { get; init; }

        public required LabelSelector Selector { get; set; }

        public int MinDomains { get; init; } = 1;

        public bool HonorNodeAffinity { get; init; } = true;

        public bool HonorNodeTaints { get; init; }

        /// <summary>nodeAffinityPolicy and nodeTaintsPolicy: whether the node's domain counts for this pod.</summary>
        public bool Includes(PodInfo pod, NodeInfo node)
        {
            if (HonorNodeAffinity && !pod.RequiredNodeAffinity.Match(node))
            {
                return false;
            }

            return !HonorNodeTaints || Taints.FirstUntoleratedNoSchedule(node.Taints, pod.Pod.Spec?.Tolerations) is null;
        }
    }

    /// <summary>The two domains with the fewest matching pods; [0] always holds the minimum.</summary>
    internal sealed class CriticalPaths
    {
        private (string? Value, int Num) _first = (null, int.MaxValue);
        private (string? Value, int Num) _second = (null, int.MaxValue);

        public int Min => _first.Num;

        public CriticalPaths Clone() => new() { _first = _first, _second = _second };

        public void Update(string value, int num)
        {
            if (value == _first.Value || value == _second.Value)
            {
                if (value == _first.Value)
                {
                    _first.Num = num;
                }
                else
                {
                    _second.Num = num;
                }

                if (_first.Num > _second.Num)
                {
                    (_first, _second) = (_second, _first);
                }
            }
            else if (num < _first.Num)
            {
                _second = _first;
                _first = (value, num);
            }
            else if (num < _second.Num)
            {
                _second = (value, num);
            }
        }
    }

    private sealed class PreFilterState : IStateData
    {
        public PreFilterState(List<SpreadConstraint> constraints)
        {
            Constraints = constraints;
            MatchNum = [.. constraints.Select(_ => new Dictionary<string, int>(StringComparer.Ordinal))];
            CriticalPaths = [.. constraints.Select(_ => new CriticalPaths())];
        }

        private PreFilterState(List<SpreadConstraint> constraints, List<Dictionary<string, int>> matchNum, List<CriticalPaths> paths)
        {
            Constraints = constraints;
            MatchNum = matchNum;
            CriticalPaths = paths;
        }

        public List<SpreadConstraint> Constraints { get; }

        /// <summary>Per constraint: matching pods per domain value (every eligible domain present, possibly 0).</summary>
        public List<Dictionary<string, int>> MatchNum { get; }

        public List<CriticalPaths> CriticalPaths { get; }

        public IStateData Clone() => new PreFilterState(
            Constraints,
            [.. MatchNum.Select(m => new Dictionary<string, int>(m, StringComparer.Ordinal))],
            [.. CriticalPaths.Select(p => p.Clone())]);
    }
}
