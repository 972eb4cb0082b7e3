using System.Diagnostics;
using k8s;
using KubeNet.ApiServer;
using KubeNet.Kubelet.Runtimes.Docker;
using Microsoft.Extensions.Logging.Abstractions;

namespace KubeNet.Kubelet.Tests.Docker;

/// <summary>
/// A real node for the tests: Docker (started by hack/docker.sh when not running), an in-process API server, the
/// Docker CRI server on a socket of its own and a kubelet with its own pod CIDR and bridge. Fails, never skips, when
/// Docker cannot run. Everything it made (pods, containers, the bridge) is removed at the end.
/// </summary>
public sealed class DockerNodeFixture : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "kubenet-node-" + Guid.NewGuid().ToString("N")[..10]);
    private KubeApiServer? _server;
    private DockerCriServer? _cri;
    private KubeletHost? _kubelet;

    public string NodeName { get; } = "node-" + Guid.NewGuid().ToString("N")[..6];

    public string BridgeName { get; } = "kn" + Guid.NewGuid().ToString("N")[..8];

    public string PodCidr { get; } = $"10.250.{Random.Shared.Next(1, 250)}.0/24";

    public Kubernetes Client { get; private set; } = null!;

    public string KubeconfigPath => _server!.KubeconfigPath;

    public string CaPem => File.ReadAllText(_server!.Pki.CaPath);

    public IReadOnlyDictionary<string, string?> ClientEnvironment => new Dictionary<string, string?>
    {
        ["KUBECONFIG"] = KubeconfigPath,
        ["KUBECACHEDIR"] = Path.Combine(_dir, "kubectl-cache"),
        ["HOME"] = _dir,
        ["PYTHONDONTWRITEBYTECODE"] = "1",
    };

    public static string RepositoryRoot
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

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        var (code, output) = await RunAsync("bash", Path.Combine(RepositoryRoot, "hack", "docker.sh"), "up");
        if (code != 0)
        {
            throw new InvalidOperationException($"Docker is required for the kubelet tests and hack/docker.sh could not start it: {output}");
        }

        _server = await KubeApiServer.StartAsync(new ApiServerOptions { DataDirectory = Path.Combine(_dir, "api"), SecurePort = 0, SynchronousFull = false });
        Client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(_server.KubeconfigPath));
        _cri = await DockerCriServer.StartAsync(new DockerCriOptions
        {
            Listen = "unix://" + Path.Combine(_dir, "cri.sock"),
            StateDirectory = Path.Combine(_dir, "cri"),
            BridgeName = BridgeName,
        }, NullLoggerFactory.Instance);
        _kubelet = await KubeletHost.StartAsync(_server.KubeconfigPath, new KubeletOptions
        {
            NodeName = NodeName,
            RuntimeEndpoint = _cri.Endpoint,
            RootDirectory = Path.Combine(_dir, "kubelet"),
            Port = 0,
            PodCidr = PodCidr,
            LeaseRenewInterval = TimeSpan.FromSeconds(2),
            StatsInterval = TimeSpan.FromSeconds(2),
        }, NullLoggerFactory.Instance);
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            // Pods go through the kubelet's own deletion path, so their containers and addresses are released.
            foreach (var ns in (await Client.CoreV1.ListNamespaceAsync()).Items.Where(n => n.Metadata.Name.StartsWith("kt-", StringComparison.Ordinal)))
            {
                foreach (var pod in (await Client.CoreV1.ListNamespacedPodAsync(ns.Metadata.Name)).Items)
                {
                    await Client.CoreV1.DeleteNamespacedPodAsync(pod.Metadata.Name, ns.Metadata.Name, new k8s.Models.V1DeleteOptions { GracePeriodSeconds = 1 });
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

        // Containers a failed test may have left, then the bridge this node made.
        var (_, ids) = await RunAsync("docker", "ps", "-aq", "--filter", $"label=io.kubernetes.pod.namespace");
        foreach (var id in ids.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var (_, labels) = await RunAsync("docker", "inspect", "-f", "{{index .Config.Labels \"io.kubernetes.pod.namespace\"}}", id);
            if (labels.Trim().StartsWith("kt-", StringComparison.Ordinal))
            {
                await RunAsync("docker", "rm", "-f", id);
            }
        }

        await RunAsync("ip", "link", "del", BridgeName);
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

    public static async Task<(int Code, string Output)> RunAsync(string file, params string[] args) => await RunAsync(file, null, null, args);

    public static async Task<(int Code, string Output)> RunAsync(string file, IReadOnlyDictionary<string, string?>? env, string? stdin, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdin is not null, UseShellExecute = false };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        foreach (var (k, v) in env ?? new Dictionary<string, string?>())
        {
            start.Environment[k] = v;
        }

        using var process = Process.Start(start)!;
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }

        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}

[CollectionDefinition(Name)]
public sealed class DockerNodeCollection : ICollectionFixture<DockerNodeFixture>
{
    public const string Name = "docker-node";
}
