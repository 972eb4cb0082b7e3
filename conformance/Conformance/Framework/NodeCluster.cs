using System.Diagnostics;
using k8s;
using k8s.Models;
using KubeNet.ApiServer;
using KubeNet.Cluster;
using KubeNet.Kubelet;
using KubeNet.Kubelet.Runtimes.Docker;
using Microsoft.Extensions.Logging.Abstractions;

namespace KubeNet.Conformance.Framework;

/// <summary>
/// The cluster for the node-tier scenarios, which need real containers: the all-in-one cluster (API server, scheduler,
/// controller-manager) with one real node, a kubelet speaking CRI to our Docker runtime (Docker started by
/// hack/docker.sh when not running). Fails, never skips, when Docker cannot run. Everything it made (pods, containers,
/// the bridge) is removed at the end.
/// </summary>
public sealed class NodeCluster : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "kubenet-node-conformance-" + Guid.NewGuid().ToString("N")[..10]);
    private readonly HashSet<string> _namespaces = [];
    private LocalCluster? _cluster;
    private DockerCriServer? _cri;
    private KubeletHost? _kubelet;

    public string NodeName { get; } = "node-" + Guid.NewGuid().ToString("N")[..6];

    private string BridgeName { get; } = "kc" + Guid.NewGuid().ToString("N")[..8];

    public Kubernetes Client { get; private set; } = null!;

    public string KubeconfigPath => _cluster!.KubeconfigPath;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        var (code, output) = await RunAsync("bash", Path.Combine(RepositoryRoot, "hack", "docker.sh"), "up");
        if (code != 0)
        {
            throw new InvalidOperationException($"Docker is required for the node scenarios and hack/docker.sh could not start it: {output}");
        }

        _cluster = await LocalCluster.StartAsync(new LocalClusterOptions
        {
            ApiServer = new ApiServerOptions { DataDirectory = Path.Combine(_dir, "api"), SecurePort = 0, SynchronousFull = false },
        });
        Client = _cluster.NewClient();
        _cri = await DockerCriServer.StartAsync(new DockerCriOptions
        {
            Listen = "unix://" + Path.Combine(_dir, "cri.sock"),
            StateDirectory = Path.Combine(_dir, "cri"),
            BridgeName = BridgeName,
        }, NullLoggerFactory.Instance);
        _kubelet = await KubeletHost.StartAsync(_cluster.KubeconfigPath, new KubeletOptions
        {
            NodeName = NodeName,
            RuntimeEndpoint = _cri.Endpoint,
            RootDirectory = Path.Combine(_dir, "kubelet"),
            Port = 0,
            PodCidr = $"10.249.{Random.Shared.Next(1, 250)}.0/24",
            LeaseRenewInterval = TimeSpan.FromSeconds(2),
            StatsInterval = TimeSpan.FromSeconds(2),
        }, NullLoggerFactory.Instance);

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!(await Client.CoreV1.ListNodeAsync()).Items.Any(n => n.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"node {NodeName} did not become Ready within 60 s");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>A namespace per scenario, as the e2e framework makes one per test (basename + random suffix).</summary>
    public async Task<string> CreateNamespaceAsync(string basename)
    {
        var ns = await Client.CoreV1.CreateNamespaceAsync(new V1Namespace
        {
            Metadata = new V1ObjectMeta { GenerateName = basename + "-", Labels = new Dictionary<string, string> { ["e2e-framework"] = basename } },
        });
        lock (_namespaces)
        {
            _namespaces.Add(ns.Metadata.Name);
        }

        return ns.Metadata.Name;
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            // Pods go through the kubelet's own deletion path, so their containers and addresses are released.
            foreach (var pod in (await Client.CoreV1.ListPodForAllNamespacesAsync()).Items)
            {
                try
                {
                    await Client.CoreV1.DeleteNamespacedPodAsync(pod.Metadata.Name, pod.Metadata.NamespaceProperty, new V1DeleteOptions { GracePeriodSeconds = 1 });
                }
                catch (k8s.Autorest.HttpOperationException)
                {
                    // Gone meanwhile.
                }
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

        if (_cri is not null)
        {
            await _cri.DisposeAsync();
        }

        // Containers a failed scenario may have left in this cluster's namespaces, then the bridge this node made.
        var (_, ids) = await RunAsync("docker", "ps", "-aq", "--filter", "label=io.kubernetes.pod.namespace");
        foreach (var id in ids.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var (_, ns) = await RunAsync("docker", "inspect", "-f", "{{index .Config.Labels \"io.kubernetes.pod.namespace\"}}", id);
            bool ours;
            lock (_namespaces)
            {
                ours = _namespaces.Contains(ns.Trim());
            }

            if (ours)
            {
                await RunAsync("docker", "rm", "-f", id);
            }
        }

        await RunAsync("ip", "link", "del", BridgeName);
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }

        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static string RepositoryRoot
    {
        get
        {
            var dir = AppContext.BaseDirectory;
            while (dir is not null && !File.Exists(Path.Combine(dir, "Kube.NET.sln")))
            {
                dir = Path.GetDirectoryName(dir);
            }

            return dir ?? throw new InvalidOperationException("Kube.NET.sln not found above the test binaries");
        }
    }

    private static async Task<(int Code, string Output)> RunAsync(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}

[CollectionDefinition(Name)]
public sealed class NodeCollection : ICollectionFixture<NodeCluster>
{
    public const string Name = "a cluster with a real node";
}
