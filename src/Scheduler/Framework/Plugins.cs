using k8s.Models;
using KubeNet.Scheduler.Cache;

namespace KubeNet.Scheduler.Framework;

/// <summary>
/// Filter extension point (kube-scheduler framework/interface.go): says whether a pod may run on a node. Filters are pure
/// functions of the pod and the node's cached state; the reason is the text FailedScheduling events count per node.
/// </summary>
internal interface IFilterPlugin
{
    string Name { get; }

    /// <summary>Null when the pod fits; otherwise the reason, e.g. "Insufficient cpu".</summary>
    string? Filter(V1Pod pod, PodRequests requests, NodeInfo node);
}

/// <summary>Score extension point: 0 (worst) to 100 (best) for a node that passed every filter.</summary>
internal interface IScorePlugin
{
    string Name { get; }

    int Weight { get; }

    long Score(V1Pod pod, PodRequests requests, NodeInfo node);
}
