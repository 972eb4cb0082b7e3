using KubeNet.Scheduler.Cache;

namespace KubeNet.Scheduler.Framework;

/// <summary>The kinds of objects whose changes can make a pending pod schedulable.</summary>
internal enum EventResource
{
    Node,
    AssignedPod,
    UnscheduledPod,
    PersistentVolume,
    PersistentVolumeClaim,
    StorageClass,
    Namespace,

    /// <summary>Matches every resource; a wildcard event moves every unschedulable pod.</summary>
    WildCard,
}

/// <summary>What changed, finer for updates so plugins register only for the changes that matter to them.</summary>
[Flags]
internal enum ActionType
{
    None = 0,
    Add = 1 << 0,
    Delete = 1 << 1,
    UpdateNodeAllocatable = 1 << 2,
    UpdateNodeLabel = 1 << 3,
    UpdateNodeTaint = 1 << 4,
    UpdateNodeCondition = 1 << 5,
    UpdateNodeAnnotation = 1 << 6,
    UpdatePodLabel = 1 << 7,
    UpdatePodScaleDown = 1 << 8,
    UpdatePodToleration = 1 << 9,
    UpdatePodSchedulingGatesEliminated = 1 << 10,

    /// <summary>Any other update (objects other than nodes and pods report only this).</summary>
    UpdateOther = 1 << 11,

    Update = UpdateNodeAllocatable | UpdateNodeLabel | UpdateNodeTaint | UpdateNodeCondition | UpdateNodeAnnotation
        | UpdatePodLabel | UpdatePodScaleDown | UpdatePodToleration | UpdatePodSchedulingGatesEliminated | UpdateOther,

    All = Add | Delete | Update,
}

/// <summary>A change in the cluster, as the queue reports it to the plugins' registrations.</summary>
internal readonly record struct ClusterEvent(EventResource Resource, ActionType Action, string Label)
{
    public static readonly ClusterEvent UnschedulableTimeout = new(EventResource.WildCard, ActionType.All, "UnschedulableTimeout");

    public static readonly ClusterEvent NodeAdd = new(EventResource.Node, ActionType.Add, "NodeAdd");
    public static readonly ClusterEvent NodeDelete = new(EventResource.Node, ActionType.Delete, "NodeDelete");
    public static readonly ClusterEvent AssignedPodAdd = new(EventResource.AssignedPod, ActionType.Add, "AssignedPodAdd");
    public static readonly ClusterEvent AssignedPodDelete = new(EventResource.AssignedPod, ActionType.Delete, "AssignedPodDelete");

    public bool IsWildCard => Resource == EventResource.WildCard;

    /// <summary>True when <paramref name="incoming"/> is this registration or a more specific form of it.</summary>
    public bool Matches(ClusterEvent incoming) =>
        IsWildCard
        || (Resource == incoming.Resource && (Action & incoming.Action) != 0 && (incoming.Action & ~Action) == 0);
}

/// <summary>A plugin's verdict on whether an event may make a pod it rejected schedulable.</summary>
internal enum QueueingHint
{
    Skip,
    Queue,
}

/// <summary>
/// Called with the rejected pod and the changed object before and after (null when absent); answers whether the pod is
/// worth another attempt. Pods arrive as <see cref="PodInfo"/> (parsed once per event), nodes and other objects as the
/// API types. Exceptions count as Queue.
/// </summary>
internal delegate QueueingHint QueueingHintFn(PodInfo pod, object? oldObj, object? newObj);

/// <summary>An event a plugin registers, with an optional hint that filters it per pod.</summary>
internal readonly record struct ClusterEventWithHint(ClusterEvent Event, QueueingHintFn? Hint = null);
