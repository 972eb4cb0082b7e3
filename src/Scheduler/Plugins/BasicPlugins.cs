using k8s.Models;
using KubeNet.Scheduler.Cache;
using KubeNet.Scheduler.Framework;

namespace KubeNet.Scheduler.Plugins;

/// <summary>NodeName: a pod that names a node fits only there.</summary>
internal sealed class NodeName : IFilterPlugin
{
    public string Name => "NodeName";

    public string? Filter(V1Pod pod, PodRequests requests, NodeInfo node)
        => string.IsNullOrEmpty(pod.Spec?.NodeName) || pod.Spec.NodeName == node.Name ? null : "node(s) didn't match the requested node name";
}

/// <summary>NodeUnschedulable: cordoned nodes take only pods that tolerate node.kubernetes.io/unschedulable.</summary>
internal sealed class NodeUnschedulable : IFilterPlugin
{
    public string Name => "NodeUnschedulable";

    public string? Filter(V1Pod pod, PodRequests requests, NodeInfo node)
    {
        if (node.Node.Spec?.Unschedulable != true)
        {
            return null;
        }

        var tolerated = pod.Spec?.Tolerations?.Any(t => TaintToleration.Tolerates(t, new V1Taint { Key = "node.kubernetes.io/unschedulable", Effect = "NoSchedule" })) == true;
        return tolerated ? null : "node(s) were unschedulable";
    }
}

/// <summary>TaintToleration: NoSchedule and NoExecute taints need a matching toleration.</summary>
internal sealed class TaintToleration : IFilterPlugin
{
    public string Name => "TaintToleration";

    public string? Filter(V1Pod pod, PodRequests requests, NodeInfo node)
    {
        foreach (var taint in node.Node.Spec?.Taints ?? [])
        {
            if (taint.Effect is "NoSchedule" or "NoExecute" && !(pod.Spec?.Tolerations?.Any(t => Tolerates(t, taint)) ?? false))
            {
                return $"node(s) had untolerated taint {{{taint.Key}: {taint.Value}}}";
            }
        }

        return null;
    }

    public static bool Tolerates(V1Toleration toleration, V1Taint taint)
    {
        if (!string.IsNullOrEmpty(toleration.Effect) && toleration.Effect != taint.Effect)
        {
            return false;
        }

        if (string.IsNullOrEmpty(toleration.Key))
        {
            return toleration.OperatorProperty == "Exists";
        }

        if (toleration.Key != taint.Key)
        {
            return false;
        }

        return toleration.OperatorProperty == "Exists" || (toleration.Value ?? string.Empty) == (taint.Value ?? string.Empty);
    }
}

/// <summary>NodeAffinity, the nodeSelector part: every selector label must be on the node.</summary>
internal sealed class NodeSelector : IFilterPlugin
{
    public string Name => "NodeAffinity";

    public string? Filter(V1Pod pod, PodRequests requests, NodeInfo node)
    {
        var labels = node.Node.Metadata.Labels;
        foreach (var (k, v) in pod.Spec?.NodeSelector ?? new Dictionary<string, string>())
        {
            if (labels is null || !labels.TryGetValue(k, out var actual) || actual != v)
            {
                return "node(s) didn't match Pod's node affinity/selector";
            }
        }

        return null;
    }
}

/// <summary>NodeResourcesFit: requests must fit the node's allocatable less what its pods already request.</summary>
internal sealed class NodeResourcesFit : IFilterPlugin, IScorePlugin
{
    public string Name => "NodeResourcesFit";

    public int Weight => 1;

    public string? Filter(V1Pod pod, PodRequests requests, NodeInfo node)
    {
        if (node.PodCount + 1 > node.AllocatablePods)
        {
            return "Too many pods";
        }

        if (requests.MilliCpu > 0 && node.RequestedMilliCpu + requests.MilliCpu > node.AllocatableMilliCpu)
        {
            return "Insufficient cpu";
        }

        if (requests.Memory > 0 && node.RequestedMemory + requests.Memory > node.AllocatableMemory)
        {
            return "Insufficient memory";
        }

        return null;
    }

    /// <summary>LeastAllocated: the mean free share of cpu and memory after placing the pod.</summary>
    public long Score(V1Pod pod, PodRequests requests, NodeInfo node)
    {
        static long Free(long requested, long allocatable) => allocatable <= 0 ? 0 : Math.Max(0, (allocatable - requested) * 100 / allocatable);

        // Pods without requests count the upstream defaults (100m cpu, 200Mi memory) so empty nodes still win.
        var cpu = node.RequestedMilliCpu + (requests.MilliCpu > 0 ? requests.MilliCpu : 100);
        var memory = node.RequestedMemory + (requests.Memory > 0 ? requests.Memory : 200L * 1024 * 1024);
        return (Free(cpu, node.AllocatableMilliCpu) + Free(memory, node.AllocatableMemory)) / 2;
    }
}
