using k8s;
using k8s.Models;
using KubeNet.ApiServer;
using KubeNet.Kubelet.Simulation;
using Microsoft.Extensions.Logging.Abstractions;

namespace KubeNet.Scheduler.Tests;

/// <summary>The scheduler against a real API server and simulated nodes: placement, failure reporting, recovery.</summary>
public sealed class SchedulingTests : IAsyncLifetime
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "kube-net-sched-" + Guid.NewGuid().ToString("N"));
    private KubeApiServer? _server;
    private HollowNodePool? _nodes;
    private KubeScheduler? _scheduler;
    private Kubernetes _client = null!;

    public async Task InitializeAsync()
    {
        _server = await KubeApiServer.StartAsync(new ApiServerOptions { DataDirectory = _dataDir, SecurePort = 0 });
        _client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(_server.KubeconfigPath));
        _nodes = await HollowNodePool.StartAsync(_client, new HollowNodeOptions { Count = 3, Cpu = "2" }, NullLogger.Instance, CancellationToken.None);
        _scheduler = KubeScheduler.Start(_client, new SchedulerOptions { LeaderElect = false });
    }

    public async Task DisposeAsync()
    {
        if (_scheduler is not null)
        {
            await _scheduler.DisposeAsync();
        }

        if (_nodes is not null)
        {
            await _nodes.DisposeAsync();
        }

        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _client.Dispose();
        Directory.Delete(_dataDir, recursive: true);
    }

    private static V1Pod Pod(string name, string? cpu = null, IDictionary<string, string>? nodeSelector = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1PodSpec
        {
            NodeSelector = nodeSelector,
            Containers =
            [
                new V1Container
                {
                    Name = "c",
                    Image = "busybox",
                    Resources = cpu is null ? null : new V1ResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(cpu) } },
                },
            ],
        },
    };

    private async Task<V1Pod> WaitForAsync(string name, Func<V1Pod, bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var pod = await _client.CoreV1.ReadNamespacedPodAsync(name, "default");
            if (condition(pod))
            {
                return pod;
            }

            Assert.True(DateTime.UtcNow < deadline, $"pod {name} did not reach the expected state: {KubernetesJson.Serialize(pod.Status)}");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task A_pod_is_bound_to_a_node_and_runs_there()
    {
        await _client.CoreV1.CreateNamespacedPodAsync(Pod("plain"), "default");
        var pod = await WaitForAsync("plain", p => p.Status?.Phase == "Running");
        Assert.StartsWith("hollow-node-", pod.Spec.NodeName, StringComparison.Ordinal);
        Assert.Contains(pod.Status.Conditions, c => c.Type == "PodScheduled" && c.Status == "True");
        var events = await _client.CoreV1.ListNamespacedEventAsync("default", fieldSelector: "involvedObject.name=plain,reason=Scheduled");
        Assert.Contains(events.Items, e => e.Message == $"Successfully assigned default/plain to {pod.Spec.NodeName}");
    }

    [Fact]
    public async Task A_node_selector_picks_the_matching_zone()
    {
        await _client.CoreV1.CreateNamespacedPodAsync(Pod("zoned", nodeSelector: new Dictionary<string, string> { ["topology.kubernetes.io/zone"] = "zone-b" }), "default");
        var pod = await WaitForAsync("zoned", p => !string.IsNullOrEmpty(p.Spec.NodeName));
        var node = await _client.CoreV1.ReadNodeAsync(pod.Spec.NodeName);
        Assert.Equal("zone-b", node.Metadata.Labels["topology.kubernetes.io/zone"]);
    }

    [Fact]
    public async Task A_pod_that_fits_nowhere_reports_why_and_runs_once_a_node_fits()
    {
        await _client.CoreV1.CreateNamespacedPodAsync(Pod("big", cpu: "3"), "default");
        var pending = await WaitForAsync("big", p => p.Status?.Conditions?.Any(c => c.Type == "PodScheduled" && c.Status == "False") == true);
        var condition = pending.Status.Conditions.Single(c => c.Type == "PodScheduled");
        Assert.Equal("Unschedulable", condition.Reason);
        Assert.StartsWith("0/3 nodes are available: 3 Insufficient cpu.", condition.Message, StringComparison.Ordinal);
        var events = await _client.CoreV1.ListNamespacedEventAsync("default", fieldSelector: "involvedObject.name=big,reason=FailedScheduling");
        Assert.NotEmpty(events.Items);

        await using var bigger = await HollowNodePool.StartAsync(
            _client, new HollowNodeOptions { Count = 1, Cpu = "8", NamePrefix = "big-node-", PodCidrBase = "10.245.0.0/16" }, NullLogger.Instance, CancellationToken.None);
        var scheduled = await WaitForAsync("big", p => !string.IsNullOrEmpty(p.Spec.NodeName));
        Assert.Equal("big-node-0", scheduled.Spec.NodeName);
    }
}
