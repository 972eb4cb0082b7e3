using k8s;
using k8s.Models;
using KubeNet.ApiServer;
using KubeNet.Kubelet.Tests.Docker;
using Microsoft.Extensions.Logging.Abstractions;

namespace KubeNet.Kubelet.Tests.Containerd;

/// <summary>
/// A node whose runtime is a CRI server we did not write: containerd's CRI plugin (started by hack/containerd.sh
/// with its own socket, CNI bridge and locally built images), an in-process API server and our kubelet speaking
/// runtime.v1 to it. Fails, never skips, when containerd cannot run. Stops containerd at the end if it started it.
/// </summary>
public sealed class ContainerdNodeFixture : IAsyncLifetime
{
    public const string PodCidr = "10.214.0.0/24";

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "kubenet-ctrd-" + Guid.NewGuid().ToString("N")[..10]);
    private KubeApiServer? _server;
    private KubeletHost? _kubelet;
    private bool _startedContainerd;

    public string NodeName { get; } = "ctrd-" + Guid.NewGuid().ToString("N")[..6];

    public string Endpoint { get; private set; } = string.Empty;

    public Kubernetes Client { get; private set; } = null!;

    public IReadOnlyDictionary<string, string?> ClientEnvironment => new Dictionary<string, string?>
    {
        ["KUBECONFIG"] = _server!.KubeconfigPath,
        ["KUBECACHEDIR"] = Path.Combine(_dir, "kubectl-cache"),
        ["HOME"] = _dir,
    };

    private static string Script => Path.Combine(DockerNodeFixture.RepositoryRoot, "hack", "containerd.sh");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        var (running, _) = await DockerNodeFixture.RunAsync("bash", Script, "running");
        _startedContainerd = running != 0;
        var (code, output) = await DockerNodeFixture.RunAsync("bash", Script, "up");
        if (code != 0)
        {
            throw new InvalidOperationException(
                "containerd (with its CRI plugin) is required for the containerd node tests and hack/containerd.sh could not start it; "
                + $"install containerd, runc and containernetworking-plugins (apt-get install -y containerd runc containernetworking-plugins busybox-static): {output}");
        }

        Endpoint = output.Trim().Split('\n')[^1];
        _server = await KubeApiServer.StartAsync(new ApiServerOptions { DataDirectory = Path.Combine(_dir, "api"), SecurePort = 0, SynchronousFull = false });
        Client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(_server.KubeconfigPath));
        _kubelet = await KubeletHost.StartAsync(_server.KubeconfigPath, new KubeletOptions
        {
            NodeName = NodeName,
            RuntimeEndpoint = Endpoint,
            RootDirectory = Path.Combine(_dir, "kubelet"),
            Port = 0,
            PodCidr = PodCidr,
            LeaseRenewInterval = TimeSpan.FromSeconds(2),
            StatsInterval = TimeSpan.FromSeconds(2),
        }, NullLoggerFactory.Instance);
    }

    public async Task DisposeAsync()
    {
        if (_server is not null && _kubelet is not null)
        {
            // Pods go through the kubelet's deletion path, so containerd tears their sandboxes and addresses down.
            foreach (var pod in (await Client.CoreV1.ListPodForAllNamespacesAsync()).Items)
            {
                await Client.CoreV1.DeleteNamespacedPodAsync(pod.Metadata.Name, pod.Metadata.NamespaceProperty, new V1DeleteOptions { GracePeriodSeconds = 1 });
            }

            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (DateTime.UtcNow < deadline && (await Client.CoreV1.ListPodForAllNamespacesAsync()).Items.Count > 0)
            {
                await Task.Delay(250);
            }
        }

        if (_kubelet is not null)
        {
            await _kubelet.DisposeAsync();
        }

        if (_startedContainerd)
        {
            await DockerNodeFixture.RunAsync("bash", Script, "down");
        }

        Client?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public async Task<(int Code, string Output)> KubectlAsync(string? stdin, params string[] args) =>
        await DockerNodeFixture.RunAsync("/usr/bin/kubectl", ClientEnvironment, stdin, args);
}

[CollectionDefinition(Name)]
public sealed class ContainerdNodeCollection : ICollectionFixture<ContainerdNodeFixture>
{
    public const string Name = "containerd-node";
}
