using k8s.Models;
using KubeNet.Scheduler.Cache;
using KubeNet.Scheduler.Framework;

namespace KubeNet.Scheduler.Plugins;

/// <summary>
/// VolumeBinding for claims that are already bound: every PersistentVolumeClaim the pod mounts must exist, not be
/// deleted, and (once bound) its PersistentVolume's node affinity must match the node. Unbound claims of an Immediate
/// class wait for the volume controller; unbound claims of a WaitForFirstConsumer class find no volume, since no
/// provisioner or binder runs here.
/// </summary>
internal sealed class VolumeBinding(IFrameworkHandle handle) : IPreFilterPlugin, IFilterPlugin, IEnqueueExtensions
{
    public const string PluginName = "VolumeBinding";
    public const string ErrReasonBindConflict = "node(s) didn't find available persistent volumes to bind";
    public const string ErrReasonNodeConflict = "node(s) had volume node affinity conflict";
    public const string ErrReasonUnboundImmediate = "pod has unbound immediate PersistentVolumeClaims";
    private const string StateKey = "PreFilter" + PluginName;

    private static readonly Status NodeConflict = Status.For(PluginName, StatusCode.UnschedulableAndUnresolvable, ErrReasonNodeConflict);
    private static readonly Status BindConflict = Status.For(PluginName, StatusCode.UnschedulableAndUnresolvable, ErrReasonBindConflict);

    public string Name => PluginName;

    public IPreFilterExtensions? Extensions => null;

    public (PreFilterResult? Result, Status? Status) PreFilter(CycleState state, PodInfo pod)
    {
        var claims = ClaimNames(pod.Pod);
        if (claims.Count == 0)
        {
            return (null, Status.Skip);
        }

        var bound = new List<NodeSelectorTerm[]>();
        var unboundDelayed = false;
        foreach (var claimName in claims)
        {
            var claim = handle.Listers.PersistentVolumeClaims?.Get(pod.Namespace, claimName);
            if (claim is null)
            {
                return (null, Status.For(PluginName, StatusCode.UnschedulableAndUnresolvable, $"persistentvolumeclaim \"{claimName}\" not found"));
            }

            if (claim.Metadata.DeletionTimestamp is not null)
            {
                return (null, Status.For(PluginName, StatusCode.UnschedulableAndUnresolvable, $"persistentvolumeclaim \"{claimName}\" is being deleted"));
            }

            var volumeName = claim.Spec?.VolumeName;
            if (string.IsNullOrEmpty(volumeName))
            {
                var className = claim.Spec?.StorageClassName;
                var storageClass = string.IsNullOrEmpty(className) ? null : handle.Listers.StorageClasses?.Get(null, className);
                if (storageClass?.VolumeBindingMode != "WaitForFirstConsumer")
                {
                    return (null, Status.For(PluginName, StatusCode.UnschedulableAndUnresolvable, ErrReasonUnboundImmediate));
                }

                unboundDelayed = true;
                continue;
            }

            var volume = handle.Listers.PersistentVolumes?.Get(null, volumeName);
            if (volume is null)
            {
                return (null, Status.For(PluginName, StatusCode.UnschedulableAndUnresolvable, $"pvc {pod.Namespace}/{claimName} is bound to non-existent pv {volumeName}"));
            }

            if (volume.Spec?.NodeAffinity?.Required?.NodeSelectorTerms is { Count: > 0 } terms)
            {
                bound.Add([.. terms.Select(NodeSelectorTerm.Compile)]);
            }
        }

        if (bound.Count == 0 && !unboundDelayed)
        {
            return (null, Status.Skip);
        }

        state.Write(StateKey, new PreFilterState(bound, unboundDelayed));
        return (null, null);
    }

    public Status? Filter(CycleState state, PodInfo pod, NodeInfo nodeInfo)
    {
        var s = state.Read<PreFilterState>(StateKey);
        if (s is null)
        {
            return null;
        }

        foreach (var terms in s.BoundVolumeAffinity)
        {
            if (!terms.Any(t => t.Match(nodeInfo.Labels, nodeInfo.Name)))
            {
                return NodeConflict;
            }
        }

        return s.UnboundDelayed ? BindConflict : null;
    }

    public IReadOnlyList<ClusterEventWithHint> EventsToRegister() =>
    [
        new(new ClusterEvent(EventResource.PersistentVolumeClaim, ActionType.Add | ActionType.UpdateOther, "PersistentVolumeClaimChange")),
        new(new ClusterEvent(EventResource.PersistentVolume, ActionType.Add | ActionType.UpdateOther, "PersistentVolumeChange")),
        new(new ClusterEvent(EventResource.StorageClass, ActionType.Add | ActionType.UpdateOther, "StorageClassChange")),
        new(new ClusterEvent(EventResource.Node, ActionType.Add | ActionType.UpdateNodeLabel | ActionType.UpdateNodeTaint, "NodeChange")),
    ];

    /// <summary>Claims the pod mounts: persistentVolumeClaim volumes and the claims of generic ephemeral volumes.</summary>
    internal static List<string> ClaimNames(V1Pod pod)
    {
        var names = new List<string>();
        foreach (var volume in pod.Spec?.Volumes ?? [])
        {
            if (volume.PersistentVolumeClaim?.ClaimName is { Length: > 0 } claim)
            {
                names.Add(claim);
            }
            else if (volume.Ephemeral is not null)
            {
                names.Add(pod.Metadata.Name + "-" + volume.Name);
            }
        }

        return names;
    }

    private sealed class PreFilterState(List<NodeSelectorTerm[]> boundVolumeAffinity, bool unboundDelayed) : IStateData
    {
        public List<NodeSelectorTerm[]> BoundVolumeAffinity { get; } = boundVolumeAffinity;

        public bool UnboundDelayed { get; } = unboundDelayed;

        public IStateData Clone() => this;
    }
}
