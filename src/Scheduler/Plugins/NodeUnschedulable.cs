using k8s.Models;
using KubeNet.Scheduler.Cache;
using KubeNet.Scheduler.Framework;

namespace KubeNet.Scheduler.Plugins;

/// <summary>NodeUnschedulable: a cordoned node (spec.unschedulable) takes only pods tolerating node.kubernetes.io/unschedulable.</summary>
internal sealed class NodeUnschedulable : IFilterPlugin, IEnqueueExtensions
{
    public const string PluginName = "NodeUnschedulable";
    public const string ErrReasonUnschedulable = "node(s) were unschedulable";

    private static readonly Status Rejected = Status.For(PluginName, StatusCode.UnschedulableAndUnresolvable, ErrReasonUnschedulable);
    private static readonly V1Taint UnschedulableTaint = new() { Key = "node.kubernetes.io/unschedulable", Effect = "NoSchedule" };

    public string Name => PluginName;

    public Status? Filter(CycleState state, PodInfo pod, NodeInfo nodeInfo)
    {
        if (!nodeInfo.Unschedulable)
        {
            return null;
        }

        return Taints.TolerationsTolerate(pod.Pod.Spec?.Tolerations, UnschedulableTaint) ? null : Rejected;
    }

    public IReadOnlyList<ClusterEventWithHint> EventsToRegister() =>
    [
        new(ClusterEvent.NodeAdd),
        new(new ClusterEvent(EventResource.Node, ActionType.UpdateNodeTaint, "NodeSpecUnschedulableChange"), static (_, _, n) =>
            n is V1Node node && node.Spec?.Unschedulable != true ? QueueingHint.Queue : QueueingHint.Skip),
        new(new ClusterEvent(EventResource.UnscheduledPod, ActionType.UpdatePodToleration, "UnscheduledPodUpdate")),
    ];
}
