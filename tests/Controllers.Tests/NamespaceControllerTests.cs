using k8s;
using k8s.Autorest;
using k8s.Models;
using KubeNet.ApiServer;
using KubeNet.Client;
using KubeNet.Controllers.Namespace;
using Microsoft.Extensions.Logging.Abstractions;

namespace KubeNet.Controllers.Tests;

/// <summary>Deleting a namespace empties it through the API and then removes it, as upstream's namespace controller does.</summary>
public sealed class NamespaceControllerTests : IAsyncLifetime
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "kube-net-ns-" + Guid.NewGuid().ToString("N"));
    private KubeApiServer? _server;
    private SharedInformerFactory? _informers;
    private NamespaceController? _controller;
    private Kubernetes _client = null!;

    public async Task InitializeAsync()
    {
        _server = await KubeApiServer.StartAsync(new ApiServerOptions { DataDirectory = _dataDir, SecurePort = 0 });
        _client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(_server.KubeconfigPath));
        _informers = new SharedInformerFactory(_client);
        _controller = new NamespaceController(_informers, NullLogger.Instance);
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

    [Fact]
    public async Task Deleting_a_namespace_removes_its_content_and_then_the_namespace()
    {
        await _client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "doomed" } });
        await _client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "cm" }, Data = new Dictionary<string, string> { ["a"] = "b" } }, "doomed");
        await _client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "s" } }, "doomed");
        await _client.CoreV1.CreateNamespacedPodAsync(new V1Pod { Metadata = new V1ObjectMeta { Name = "p" }, Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "busybox" }] } }, "doomed");

        await _client.CoreV1.DeleteNamespaceAsync("doomed");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                var ns = await _client.CoreV1.ReadNamespaceAsync("doomed");
                Assert.Equal("Terminating", ns.Status.Phase);
            }
            catch (HttpOperationException ex) when (ex.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, "the namespace was not removed");
            await Task.Delay(100);
        }

        Assert.Empty((await _client.CoreV1.ListNamespacedConfigMapAsync("doomed")).Items);
        Assert.Empty((await _client.CoreV1.ListNamespacedPodAsync("doomed")).Items);
    }
}
