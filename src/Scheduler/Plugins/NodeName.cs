using KubeNet.Scheduler.Cache;
using KubeNet.Scheduler.Framework;

namespace KubeNet.Scheduler.Plugins;

/// <summary>NodeName: a pod that already names a node (spec.nodeName) fits only that node.</summary>
internal sealed class NodeName : IFilterPlugin, IEnqueueExtensions
{
    public const string PluginName = "NodeName";
    public const string ErrReason = "node(s) didn't match the requested node name";

    private static readonly Status Rejected = Status.For(PluginName, StatusCode.UnschedulableAndUnresolvable, ErrReason);

    public string Name => PluginName;

    public Status? Filter(CycleState state, PodInfo pod, NodeInfo nodeInfo)
    {
        var wanted = pod.NodeName;
        return string.IsNullOrEmpty(wanted) || string.Equals(wanted, nodeInfo.Name, StringComparison.Ordinal) ? null : Rejected;
    }

    public IReadOnlyList<ClusterEventWithHint> EventsToRegister() => [new(ClusterEvent.NodeAdd)];
}
