using k8s;
using k8s.Autorest;
using k8s.Models;

namespace KubeNet.Conformance.Framework;

/// <summary>
/// What a scheduler and a kubelet would do, for scenarios whose upstream version waits for running
/// pods. Each helper first gives the cluster a moment to do it itself and only stands in when nothing happened, so the
/// scenarios still run unchanged against a full cluster. Status is written through the status subresource, as a
/// kubelet writes it.
/// </summary>
internal static class StandIns
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan RealClusterLimit = TimeSpan.FromMinutes(5);

    /// <summary>Waits for the pod to be Running and Ready; if no node takes it, reports it Running as a kubelet would.</summary>
    public static async Task<V1Pod> PodRunningAsync(this ConformanceCluster cluster, string ns, string name)
    {
        var deadline = DateTime.UtcNow + Grace;
        var pod = await cluster.Client.CoreV1.ReadNamespacedPodAsync(name, ns);
        while (!IsReady(pod) && string.IsNullOrEmpty(pod.Spec.NodeName) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
            pod = await cluster.Client.CoreV1.ReadNamespacedPodAsync(name, ns);
        }

        if (IsReady(pod))
        {
            return pod;
        }

        if (string.IsNullOrEmpty(pod.Spec.NodeName))
        {
            // No scheduler here: nothing will run this pod. Report it Running and Ready.
            var now = DateTime.UtcNow;
            pod.Status = new V1PodStatus
            {
                Phase = "Running",
                PodIP = "10.244.0.10",
                PodIPs = [new V1PodIP { Ip = "10.244.0.10" }],
                StartTime = now,
                Conditions =
                [
                    new V1PodCondition { Type = "PodScheduled", Status = "True", LastTransitionTime = now },
                    new V1PodCondition { Type = "Ready", Status = "True", LastTransitionTime = now },
                    new V1PodCondition { Type = "ContainersReady", Status = "True", LastTransitionTime = now },
                ],
                ContainerStatuses = [.. pod.Spec.Containers.Select(c => new V1ContainerStatus
                {
                    Name = c.Name,
                    Image = c.Image,
                    ImageID = "",
                    ContainerID = "containerd://" + c.Name,
                    Ready = true,
                    Started = true,
                    RestartCount = 0,
                    State = new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = now } },
                })],
            };
            return await cluster.Client.CoreV1.ReplaceNamespacedPodStatusAsync(pod, name, ns);
        }

        deadline = DateTime.UtcNow + RealClusterLimit;
        while (!IsReady(pod))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException($"pod {ns}/{name} did not become ready on node {pod.Spec.NodeName}");
            }

            await Task.Delay(1000);
            pod = await cluster.Client.CoreV1.ReadNamespacedPodAsync(name, ns);
        }

        return pod;
    }

    /// <summary>A node to describe: the first one listed, or, on a cluster without nodes, one registered as a kubelet would.</summary>
    public static async Task<V1Node> AnyNodeAsync(this ConformanceCluster cluster)
    {
        var nodes = await cluster.Client.CoreV1.ListNodeAsync();
        if (nodes.Items.Count > 0)
        {
            return nodes.Items[0];
        }

        var name = "standin-node-" + Guid.NewGuid().ToString("N")[..6];
        try
        {
            await cluster.Client.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["kubernetes.io/hostname"] = name } } });
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.Conflict)
        {
        }

        var node = await cluster.Client.CoreV1.ReadNodeAsync(name);
        var now = DateTime.UtcNow;
        node.Status = new V1NodeStatus
        {
            Conditions = [new V1NodeCondition { Type = "Ready", Status = "True", Reason = "KubeletReady", Message = "kubelet is posting ready status", LastHeartbeatTime = now, LastTransitionTime = now }],
            Addresses = [new V1NodeAddress { Type = "InternalIP", Address = "192.168.50.20" }, new V1NodeAddress { Type = "Hostname", Address = name }],
            Capacity = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("2"), ["memory"] = new("4Gi"), ["pods"] = new("110") },
            Allocatable = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("2"), ["memory"] = new("4Gi"), ["pods"] = new("110") },
            NodeInfo = new V1NodeSystemInfo
            {
                MachineID = "m", SystemUUID = "s", BootID = "b", KernelVersion = "6.1.0", OsImage = "Debian GNU/Linux 12 (bookworm)",
                ContainerRuntimeVersion = "containerd://1.7.0", KubeletVersion = "v1.32.4", KubeProxyVersion = "v1.32.4",
                OperatingSystem = "linux", Architecture = "amd64",
            },
        };
        return await cluster.Client.CoreV1.ReplaceNodeStatusAsync(node, name);
    }

    private static bool IsReady(V1Pod pod)
        => pod.Status?.Phase == "Running" && pod.Status.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;
}
