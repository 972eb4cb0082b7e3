using KubeNet.Scheduler.Cache;

namespace KubeNet.Scheduler.Framework;

// The scheduling framework's extension points, as kube-scheduler's framework/interface.go defines them. A profile
// holds one instance of each enabled plugin; a plugin implements any number of these interfaces and the framework
// calls it at each point it implements, in the profile's order. The scheduling cycle (PreEnqueue to Permit) runs on
// one thread, pod after pod, against a snapshot; the binding cycle (WaitOnPermit to PostBind) runs concurrently for
// pods already assumed. Success is a null Status everywhere.

/// <summary>Every plugin has a name, unique in its profile, used in configuration, statuses and logs.</summary>
internal interface IPlugin
{
    string Name { get; }
}

/// <summary>
/// PreEnqueue: called before a pod enters the active queue. A non-success keeps the pod out of the queue (gated) until
/// an update to the pod makes every PreEnqueue plugin pass. Must be cheap: it runs on every add and update of a pod.
/// </summary>
internal interface IPreEnqueuePlugin : IPlugin
{
    Status? PreEnqueue(PodInfo pod);
}

/// <summary>
/// Plugins that reject pods (PreEnqueue, PreFilter, Filter, Reserve, Permit) say which cluster events may make a pod
/// they rejected schedulable. The queue moves a parked pod only for events registered by the plugins that rejected it;
/// a hint may look at the changed object and decline. A plugin that registers nothing is never the reason a pod stays.
/// </summary>
internal interface IEnqueueExtensions : IPlugin
{
    IReadOnlyList<ClusterEventWithHint> EventsToRegister();
}

/// <summary>
/// PreFilter: runs once per cycle before any Filter. It may precompute state into the <see cref="CycleState"/>, narrow
/// the nodes to consider (a <see cref="PreFilterResult"/> with node names; results of several plugins intersect),
/// return Skip (its Filter is then not called this cycle), or reject the pod for every node (the reason appears once in
/// the FailedScheduling message, before the per-node reasons).
/// </summary>
internal interface IPreFilterPlugin : IPlugin
{
    (PreFilterResult? Result, Status? Status) PreFilter(CycleState state, PodInfo pod);

    /// <summary>Incremental updates of the precomputed state, or null when Filter reads the node info directly.</summary>
    IPreFilterExtensions? Extensions { get; }
}

/// <summary>
/// Lets preemption and nominated pods simulate adding or removing a pod on a node copy without rerunning PreFilter:
/// AddPod/RemovePod must update the plugin's cycle state exactly as if PreFilter had seen the node with/without the pod.
/// </summary>
internal interface IPreFilterExtensions
{
    Status? AddPod(CycleState state, PodInfo podToSchedule, PodInfo podToAdd, NodeInfo nodeInfo);

    Status? RemovePod(CycleState state, PodInfo podToSchedule, PodInfo podToRemove, NodeInfo nodeInfo);
}

/// <summary>
/// Filter: may the pod run on this node? Called for many nodes per cycle and must not change shared state; reads the
/// node info (a snapshot copy) and its own cycle state. Unschedulable means preemption may help on this node;
/// UnschedulableAndUnresolvable means it cannot. The reasons are what FailedScheduling counts per node.
/// </summary>
internal interface IFilterPlugin : IPlugin
{
    Status? Filter(CycleState state, PodInfo pod, NodeInfo nodeInfo);
}

/// <summary>
/// PostFilter: runs only when no node passed the filters, in order until one succeeds. DefaultPreemption evicts
/// lower-priority pods here and returns the node the pod is nominated to. A rejection's message is appended to the
/// FailedScheduling message.
/// </summary>
internal interface IPostFilterPlugin : IPlugin
{
    Task<(PostFilterResult? Result, Status? Status)> PostFilterAsync(CycleState state, PodInfo pod, NodeToStatus filteredNodeStatus, CancellationToken ct);
}

/// <summary>
/// PreScore: runs once with the feasible nodes before Score, to precompute state. Skip means the plugin's Score is not
/// called this cycle (and its weight adds nothing).
/// </summary>
internal interface IPreScorePlugin : IPlugin
{
    Status? PreScore(CycleState state, PodInfo pod, IReadOnlyList<NodeInfo> nodes);
}

/// <summary>
/// Score: ranks each feasible node. Scores are 0..100 (<see cref="MaxNodeScore"/>) after normalization; the framework
/// multiplies them by the plugin's weight and sums over plugins. Must be cheap and must not change shared state.
/// </summary>
internal interface IScorePlugin : IPlugin
{
    const long MaxNodeScore = 100;
    const long MinNodeScore = 0;

    long Score(CycleState state, PodInfo pod, NodeInfo nodeInfo);

    /// <summary>Normalization of the raw scores to 0..100, or null when Score already returns that range.</summary>
    IScoreExtensions? ScoreExtensions { get; }
}

internal interface IScoreExtensions
{
    /// <summary>Rewrites <paramref name="scores"/> (one per node of <paramref name="nodes"/>, same order) into 0..100.</summary>
    Status? NormalizeScore(CycleState state, PodInfo pod, IReadOnlyList<NodeInfo> nodes, Span<long> scores);
}

/// <summary>
/// Reserve: the pod is assumed on the node; plugins with their own bookkeeping record it. If any later step fails,
/// Unreserve is called on every Reserve plugin in reverse order and must undo what Reserve did (idempotently).
/// </summary>
internal interface IReservePlugin : IPlugin
{
    Status? Reserve(CycleState state, PodInfo pod, string nodeName);

    void Unreserve(CycleState state, PodInfo pod, string nodeName);
}

/// <summary>
/// Permit: the last word before binding. Wait holds the pod (with the timeout returned, at most 15 minutes) until a
/// plugin allows or rejects it through the waiting-pods handle; rejection unreserves the pod.
/// </summary>
internal interface IPermitPlugin : IPlugin
{
    (Status? Status, TimeSpan Timeout) Permit(CycleState state, PodInfo pod, string nodeName);
}

/// <summary>PreBind: work that must finish before the binding (e.g. binding volumes); runs in the binding cycle.</summary>
internal interface IPreBindPlugin : IPlugin
{
    Task<Status?> PreBindAsync(CycleState state, PodInfo pod, string nodeName, CancellationToken ct);
}

/// <summary>
/// Bind: binds the pod to the node. Bind plugins run in order until one does not return Skip; DefaultBinder posts the
/// pods/binding subresource.
/// </summary>
internal interface IBindPlugin : IPlugin
{
    Task<Status?> BindAsync(CycleState state, PodInfo pod, string nodeName, CancellationToken ct);
}

/// <summary>PostBind: informational, after a successful binding.</summary>
internal interface IPostBindPlugin : IPlugin
{
    void PostBind(CycleState state, PodInfo pod, string nodeName);
}

/// <summary>The nodes PreFilter narrowed the search to; null <see cref="NodeNames"/> means every node.</summary>
internal sealed class PreFilterResult(IReadOnlySet<string>? nodeNames)
{
    public IReadOnlySet<string>? NodeNames { get; } = nodeNames;

    public bool AllNodes => NodeNames is null;

    public PreFilterResult Merge(PreFilterResult? other)
    {
        if (other is null || other.AllNodes)
        {
            return this;
        }

        if (AllNodes)
        {
            return other;
        }

        var both = new HashSet<string>(NodeNames!, StringComparer.Ordinal);
        both.IntersectWith(other.NodeNames!);
        return new PreFilterResult(both);
    }
}

/// <summary>What PostFilter decided: the node the pod is nominated to (empty clears a nomination), or null to keep it.</summary>
internal sealed record PostFilterResult(string? NominatedNodeName);

/// <summary>
/// Why each node was rejected in a cycle. Nodes without an entry (not evaluated, or filtered out by PreFilter) share
/// <see cref="AbsentNodesStatus"/>.
/// </summary>
internal sealed class NodeToStatus
{
    private readonly Dictionary<string, Status> _statuses = new(StringComparer.Ordinal);

    public Status AbsentNodesStatus { get; set; } = new(StatusCode.UnschedulableAndUnresolvable);

    public int Count => _statuses.Count;

    public IEnumerable<KeyValuePair<string, Status>> Explicit => _statuses;

    public void Set(string nodeName, Status status) => _statuses[nodeName] = status;

    public Status Get(string nodeName) => _statuses.TryGetValue(nodeName, out var s) ? s : AbsentNodesStatus;

    public bool Contains(string nodeName) => _statuses.ContainsKey(nodeName);
}
