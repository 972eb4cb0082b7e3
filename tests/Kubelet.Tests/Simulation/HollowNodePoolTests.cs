using k8s;
using k8s.Autorest;
using k8s.Models;
using KubeNet.Kubelet.Simulation;
using Xunit.Abstractions;

namespace KubeNet.Kubelet.Tests.Simulation;

[Collection(ApiServerCollection.Name)]
public sealed class HollowNodePoolTests(ApiServerFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private Kubernetes Client => fixture.Client;

    [Fact]
    public async Task Nodes_register_ready_with_labels_and_leases_that_renew()
    {
        await using var pool = await StartAsync("ready-", o =>
        {
            o.HeartbeatInterval = TimeSpan.FromMilliseconds(300);
            o.NodeStatusInterval = TimeSpan.FromSeconds(1);
        });

        Assert.Equal(["ready-0", "ready-1", "ready-2"], pool.NodeNames);
        var zones = new List<string>();
        foreach (var name in pool.NodeNames)
        {
            var node = await Client.CoreV1.ReadNodeAsync(name);
            var labels = node.Metadata.Labels;
            Assert.Equal(name, labels["kubernetes.io/hostname"]);
            Assert.Equal("linux", labels["kubernetes.io/os"]);
            Assert.Equal("amd64", labels["kubernetes.io/arch"]);
            Assert.True(labels.ContainsKey("topology.kubernetes.io/region"));
            Assert.True(labels.ContainsKey("node.kubernetes.io/instance-type"));
            zones.Add(labels["topology.kubernetes.io/zone"]);

            var ready = Assert.Single(node.Status.Conditions, c => c.Type == "Ready");
            Assert.Equal("True", ready.Status);
            Assert.Equal("KubeletReady", ready.Reason);
            Assert.Equal("kubelet is posting ready status", ready.Message);
            foreach (var pressure in new[] { "MemoryPressure", "DiskPressure", "PIDPressure" })
            {
                Assert.Equal("False", Assert.Single(node.Status.Conditions, c => c.Type == pressure).Status);
            }

            Assert.Equal("4", node.Status.Capacity["cpu"].ToString());
            Assert.Equal("16Gi", node.Status.Capacity["memory"].ToString());
            Assert.Equal("110", node.Status.Allocatable["pods"].ToString());
            Assert.True(node.Status.Allocatable.ContainsKey("ephemeral-storage"));
            Assert.Equal("v1.32.4-kube-net", node.Status.NodeInfo.KubeletVersion);
            Assert.Equal("simulated://1.0", node.Status.NodeInfo.ContainerRuntimeVersion);
            Assert.Equal("linux", node.Status.NodeInfo.OperatingSystem);
            var address = Assert.Single(node.Status.Addresses, a => a.Type == "InternalIP").Address;
            Assert.False(System.Net.IPAddress.IsLoopback(System.Net.IPAddress.Parse(address)));
            Assert.Matches(@"^10\.244\.\d+\.0/24$", node.Spec.PodCIDR);
            Assert.Equal([node.Spec.PodCIDR], node.Spec.PodCIDRs);

            var lease = await Client.CoordinationV1.ReadNamespacedLeaseAsync(name, "kube-node-lease");
            Assert.Equal(name, lease.Spec.HolderIdentity);
            Assert.Equal(40, lease.Spec.LeaseDurationSeconds);
            Assert.Equal(node.Metadata.Uid, Assert.Single(lease.Metadata.OwnerReferences).Uid);
        }

        Assert.Equal(["zone-a", "zone-b", "zone-c"], zones);
        Assert.Equal(3, pool.NodeNames.Select(n => Client.CoreV1.ReadNode(n).Spec.PodCIDR).Distinct().Count());

        var first = await Client.CoordinationV1.ReadNamespacedLeaseAsync("ready-0", "kube-node-lease");
        await Eventually.Get(
            async () =>
            {
                var lease = await Client.CoordinationV1.ReadNamespacedLeaseAsync("ready-0", "kube-node-lease");
                return lease.Spec.RenewTime > first.Spec.RenewTime ? lease : null;
            },
            Timeout,
            "the lease to renew");

        var heartbeat = ReadyCondition(await Client.CoreV1.ReadNodeAsync("ready-1")).LastHeartbeatTime;
        await Eventually.Get(
            async () => ReadyCondition(await Client.CoreV1.ReadNodeAsync("ready-1")).LastHeartbeatTime > heartbeat ? "refreshed" : null,
            Timeout,
            "the Ready heartbeat to refresh");
    }

    [Fact]
    public async Task A_bound_pod_runs_with_an_address_from_its_node()
    {
        await using var pool = await StartAsync("run-");
        var created = await Client.CoreV1.CreateNamespacedPodAsync(Pod("runner", "run-1", restartPolicy: null), "default");

        var pod = await WaitForPhaseAsync("runner", "Running");
        var node = await Client.CoreV1.ReadNodeAsync("run-1");
        Assert.StartsWith(node.Spec.PodCIDR[..^"0/24".Length], pod.Status.PodIP, StringComparison.Ordinal);
        Assert.Equal(pod.Status.PodIP, Assert.Single(pod.Status.PodIPs).Ip);
        Assert.Equal(Assert.Single(node.Status.Addresses, a => a.Type == "InternalIP").Address, pod.Status.HostIP);
        Assert.NotNull(pod.Status.StartTime);
        Assert.Equal(created.Status.QosClass, pod.Status.QosClass);
        foreach (var type in new[] { "PodScheduled", "Initialized", "ContainersReady", "Ready", "PodReadyToStartContainers" })
        {
            Assert.Equal("True", Assert.Single(pod.Status.Conditions, c => c.Type == type).Status);
        }

        var container = Assert.Single(pod.Status.ContainerStatuses);
        Assert.True(container.Ready);
        Assert.True(container.Started);
        Assert.NotNull(container.State.Running?.StartedAt);
        Assert.Equal("busybox:1.36", container.Image);
        Assert.Equal("simulated://busybox:1.36", container.ImageID);
        Assert.Equal($"simulated://{created.Metadata.Uid}-main", container.ContainerID);
        Assert.Equal(0, container.RestartCount);
        var init = Assert.Single(pod.Status.InitContainerStatuses);
        Assert.Equal("Completed", init.State.Terminated?.Reason);

        await Client.CoreV1.DeleteNamespacedPodAsync("runner", "default");
        await WaitForGoneAsync("runner");
    }

    [Fact]
    public async Task A_pod_that_never_restarts_succeeds()
    {
        await using var pool = await StartAsync("job-", o => o.CompletionDelay = TimeSpan.FromMilliseconds(300));
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("once", "job-0", restartPolicy: "Never"), "default");

        var pod = await WaitForPhaseAsync("once", "Succeeded");
        var container = Assert.Single(pod.Status.ContainerStatuses);
        Assert.False(container.Ready);
        Assert.Equal(0, container.State.Terminated?.ExitCode);
        Assert.Equal("Completed", container.State.Terminated?.Reason);
        Assert.Equal("False", Assert.Single(pod.Status.Conditions, c => c.Type == "Ready").Status);
        Assert.NotNull(pod.Status.PodIP);

        await Client.CoreV1.DeleteNamespacedPodAsync("once", "default");
        await WaitForGoneAsync("once");
    }

    [Fact]
    public async Task Deleting_a_bound_pod_is_finished_by_the_pool()
    {
        await using var pool = await StartAsync("del-", o => o.TerminationDelay = TimeSpan.FromMilliseconds(500));
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("doomed", "del-2", restartPolicy: null), "default");
        await WaitForPhaseAsync("doomed", "Running");

        var deleting = await Client.CoreV1.DeleteNamespacedPodAsync("doomed", "default");
        Assert.NotNull(deleting.Metadata.DeletionTimestamp);
        await WaitForGoneAsync("doomed");
        await Eventually.Get(() => Task.FromResult(pool.TrackedPods == 0 ? "forgotten" : null), Timeout, "the pool to forget the pod");
    }

    [Fact]
    public async Task A_restarted_pool_takes_over_its_nodes_and_ignores_pods_of_other_nodes()
    {
        await using (await StartAsync("again-"))
        {
        }

        await using var pool = await StartAsync("again-");
        var node = await Client.CoreV1.ReadNodeAsync("again-0");
        Assert.Equal("True", ReadyCondition(node).Status);

        await Client.CoreV1.CreateNamespacedPodAsync(Pod("elsewhere", "not-ours", restartPolicy: null), "default");
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("here", "again-0", restartPolicy: null), "default");
        await WaitForPhaseAsync("here", "Running");
        Assert.Equal("Pending", (await Client.CoreV1.ReadNamespacedPodAsync("elsewhere", "default")).Status.Phase);

        await Client.CoreV1.DeleteNamespacedPodAsync("here", "default");
        await Client.CoreV1.DeleteNamespacedPodAsync("elsewhere", "default", new V1DeleteOptions { GracePeriodSeconds = 0 });
        await WaitForGoneAsync("here");
    }

    [Fact]
    public async Task Two_hundred_nodes_register_quickly()
    {
        var started = DateTime.UtcNow;
        await using var pool = await StartAsync("many-", o => o.Count = 200);
        output.WriteLine($"200 nodes registered in {(DateTime.UtcNow - started).TotalMilliseconds:F0} ms");

        var nodes = await Client.CoreV1.ListNodeAsync();
        var ours = nodes.Items.Where(n => n.Metadata.Name.StartsWith("many-", StringComparison.Ordinal)).ToList();
        Assert.Equal(200, ours.Count);
        Assert.All(ours, n => Assert.Equal("True", ReadyCondition(n).Status));
        Assert.Equal(200, ours.Select(n => n.Spec.PodCIDR).Distinct().Count());
        var leases = await Client.CoordinationV1.ListNamespacedLeaseAsync("kube-node-lease");
        Assert.Equal(200, leases.Items.Count(l => l.Metadata.Name.StartsWith("many-", StringComparison.Ordinal)));
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.Zero, TimeSpan.FromSeconds(30));
    }

    private Task<HollowNodePool> StartAsync(string prefix, Action<HollowNodeOptions>? configure = null)
    {
        var options = new HollowNodeOptions { Count = 3, NamePrefix = prefix, HeartbeatInterval = TimeSpan.FromSeconds(1) };
        configure?.Invoke(options);
        return HollowNodePool.StartAsync(Client, options, new TestOutputLogger(output), CancellationToken.None);
    }

    private static V1NodeCondition ReadyCondition(V1Node node) => node.Status.Conditions.Single(c => c.Type == "Ready");

    private static V1Pod Pod(string name, string nodeName, string? restartPolicy) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1PodSpec
        {
            NodeName = nodeName,
            RestartPolicy = restartPolicy,
            InitContainers = [new V1Container { Name = "setup", Image = "busybox:1.36" }],
            Containers = [new V1Container { Name = "main", Image = "busybox:1.36" }],
        },
    };

    private Task<V1Pod> WaitForPhaseAsync(string name, string phase) => Eventually.Get(
        async () =>
        {
            var pod = await Client.CoreV1.ReadNamespacedPodAsync(name, "default");
            return pod.Status?.Phase == phase ? pod : null;
        },
        Timeout,
        $"pod {name} to reach {phase}");

    private Task WaitForGoneAsync(string name) => Eventually.Get(
        async () =>
        {
            try
            {
                await Client.CoreV1.ReadNamespacedPodAsync(name, "default");
                return null;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                return "gone";
            }
        },
        Timeout,
        $"pod {name} to be deleted");
}
