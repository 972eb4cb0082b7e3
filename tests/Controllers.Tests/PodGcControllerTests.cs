using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using KubeNet.ApiServer;
using KubeNet.Client;
using KubeNet.Controllers.PodGc;
using Microsoft.Extensions.Logging.Abstractions;

namespace KubeNet.Controllers.Tests;

/// <summary>
/// Pod GC against an API server of its own (it acts on every pod of the cluster), with a threshold of two terminated
/// pods and short check and quarantine periods: the oldest terminated pods beyond the threshold go, and so do pods
/// bound to a deleted node and terminating pods never scheduled, each marked Failed first.
/// </summary>
public sealed class PodGcControllerTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "kube-net-podgc-" + Guid.NewGuid().ToString("N"));
    private KubeApiServer? _server;
    private SharedInformerFactory? _informers;
    private PodGcController? _controller;
    private Kubernetes _client = null!;

    public async Task InitializeAsync()
    {
        _server = await KubeApiServer.StartAsync(new ApiServerOptions { DataDirectory = _dataDir, SecurePort = 0 });
        _client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(_server.KubeconfigPath));
        _informers = new SharedInformerFactory(_client);
        _controller = new PodGcController(_informers, terminatedPodThreshold: 2, NullLogger.Instance, TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(500));
        _informers.Start();
        await _informers.WaitForCacheSyncAsync();
        _controller.Start();
    }

    public async Task DisposeAsync()
    {
        if (_controller is not null)
        {
            await _controller.DisposeAsync();
        }

        if (_informers is not null)
        {
            await _informers.DisposeAsync();
        }

        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _client.Dispose();
        Directory.Delete(_dataDir, recursive: true);
    }

    private async Task NodeAsync(string name)
        => await _client.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = name } });

    private async Task<V1Pod> PodAsync(string name, string? nodeName, string? phase = null, IList<string>? finalizers = null)
    {
        var pod = await _client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name, Finalizers = finalizers },
            Spec = new V1PodSpec { NodeName = nodeName, Containers = [new V1Container { Name = "c", Image = "busybox" }] },
        }, "default");
        if (phase is not null)
        {
            pod.Status = new V1PodStatus { Phase = phase };
            pod = await _client.CoreV1.ReplaceNamespacedPodStatusAsync(pod, name, "default");
        }

        return pod;
    }

    private async Task<V1Pod?> TryReadAsync(string name)
    {
        try
        {
            return await _client.CoreV1.ReadNamespacedPodAsync(name, "default");
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, what);
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Terminated_pods_beyond_the_threshold_are_deleted_oldest_first()
    {
        await NodeAsync("worker");
        await PodAsync("running", "worker", "Running");
        await PodAsync("done-0", "worker", "Succeeded");
        await PodAsync("done-1", "worker", "Failed");
        await PodAsync("done-2", "worker", "Succeeded");
        await PodAsync("done-3", "worker", "Succeeded");

        await EventuallyAsync(async () => await TryReadAsync("done-0") is null && await TryReadAsync("done-1") is null, "the oldest terminated pods remain");
        Assert.NotNull(await TryReadAsync("done-2"));
        Assert.NotNull(await TryReadAsync("done-3"));
        Assert.NotNull(await TryReadAsync("running"));
    }

    [Fact]
    public async Task A_pod_bound_to_a_deleted_node_is_marked_failed_and_deleted()
    {
        await NodeAsync("doomed");
        await PodAsync("stranded", "doomed", "Running", ["example.com/hold"]);
        await _client.CoreV1.DeleteNodeAsync("doomed");

        // The finalizer keeps the pod readable after pod GC's delete.
        V1Pod? pod = null;
        await EventuallyAsync(async () => (pod = await TryReadAsync("stranded"))?.Metadata.DeletionTimestamp is not null, "the pod was not deleted");
        Assert.Equal("Failed", pod!.Status.Phase);
        var condition = Assert.Single(pod.Status.Conditions, c => c.Type == "DisruptionTarget");
        Assert.Equal(("True", "DeletionByPodGC", "PodGC: node no longer exists"), (condition.Status, condition.Reason, condition.Message));
        Assert.Equal(0, pod.Metadata.DeletionGracePeriodSeconds);
    }

    [Fact]
    public async Task A_terminating_pod_that_was_never_scheduled_is_marked_failed_and_deleted()
    {
        await PodAsync("unscheduled", null, finalizers: ["example.com/hold"]);
        await _client.CoreV1.DeleteNamespacedPodAsync("unscheduled", "default");
        await EventuallyAsync(async () => (await TryReadAsync("unscheduled"))?.Status?.Phase == "Failed", "the pod was not marked failed");

        await _client.CoreV1.PatchNamespacedPodAsync(new V1Patch("""{"metadata":{"finalizers":null}}""", V1Patch.PatchType.MergePatch), "unscheduled", "default");
        await EventuallyAsync(async () => await TryReadAsync("unscheduled") is null, "the pod was not removed");
    }
}
