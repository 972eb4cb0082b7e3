using KubeNet.Scheduler.Cache;
using KubeNet.Scheduler.Framework;

namespace KubeNet.Scheduler.Plugins;

/// <summary>NodePorts: the host ports a pod asks for must be free on the node (same protocol and port, overlapping address).</summary>
internal sealed class NodePorts : IPreFilterPlugin, IFilterPlugin, IEnqueueExtensions
{
    public const string PluginName = "NodePorts";
    public const string ErrReason = "node(s) didn't have free ports for the requested pod ports";

    private static readonly Status Rejected = Status.For(PluginName, StatusCode.Unschedulable, ErrReason);

    public string Name => PluginName;

    public IPreFilterExtensions? Extensions => null;

    public (PreFilterResult? Result, Status? Status) PreFilter(CycleState state, PodInfo pod) =>
        pod.HostPorts.Count == 0 ? (null, Status.Skip) : (null, null);

    public Status? Filter(CycleState state, PodInfo pod, NodeInfo nodeInfo)
    {
        if (nodeInfo.UsedPorts.Count == 0)
        {
            return null;
        }

        foreach (var port in pod.HostPorts)
        {
            if (nodeInfo.UsedPorts.Conflicts(port))
            {
                return Rejected;
            }
        }

        return null;
    }

    public IReadOnlyList<ClusterEventWithHint> EventsToRegister() =>
    [
        new(ClusterEvent.AssignedPodDelete, static (pod, o, _) =>
            o is PodInfo deleted && PortsOverlap(pod, deleted) ? QueueingHint.Queue : QueueingHint.Skip),
        new(ClusterEvent.NodeAdd),
    ];

    private static bool PortsOverlap(PodInfo pod, PodInfo deleted) =>
        pod.HostPorts.Any(w => deleted.HostPorts.Any(f => f.Port == w.Port && f.Protocol == w.Protocol));
}
