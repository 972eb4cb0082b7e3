using k8s;
using k8s.Models;
using KubeNet.ApiServer;
using KubeNet.ApiServer.Tests.Infrastructure;
using KubeNet.Cluster;
using KubeNet.Kubelet.Simulation;

namespace KubeNet.Controllers.Tests.Infrastructure;

/// <summary>
/// The all-in-one cluster of `kube-net server --hollow-nodes 3` in this process (API server, simulated nodes,
/// scheduler, controller-manager), shared by every test in <see cref="ClusterCollection"/>. Tests stay independent by
/// working in namespaces of their own.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public const int NodeCount = 3;

    private LocalCluster? _cluster;

    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "kubenet-ctl-" + Guid.NewGuid().ToString("N")[..12]);

    public LocalCluster Cluster => _cluster ?? throw new InvalidOperationException("the cluster is not started");

    public Kubernetes Client { get; private set; } = null!;

    /// <summary>Environment for kubectl: this cluster's kubeconfig and a discovery cache of its own.</summary>
    public IReadOnlyDictionary<string, string?> ClientEnvironment => new Dictionary<string, string?>
    {
        ["KUBECONFIG"] = Cluster.KubeconfigPath,
        ["KUBECACHEDIR"] = Path.Combine(DataDirectory, "kubectl-cache"),
        ["HOME"] = DataDirectory,
    };

    public async Task InitializeAsync()
    {
        _cluster = await LocalCluster.StartAsync(new LocalClusterOptions
        {
            ApiServer = new ApiServerOptions { DataDirectory = DataDirectory, BindAddress = "127.0.0.1", SecurePort = 0 },
            HollowNodes = new HollowNodeOptions { Count = NodeCount, CompletionDelay = TimeSpan.FromMilliseconds(500) },
        });
        Client = _cluster.NewClient();
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }

        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // a straggling child process may still hold a file; the directory is in the temp folder
        }
    }

    /// <summary>A fresh, unique namespace created through the C# client.</summary>
    public async Task<string> CreateNamespaceAsync(string prefix)
    {
        var name = $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";
        await Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } });
        return name;
    }

    public Task<ProcessResult> KubectlAsync(params string[] args)
    {
        ClientPrograms.RequireKubectl();
        return ProcessRunner.RunAsync(ClientPrograms.Kubectl, args, ClientEnvironment);
    }

    public Task<ProcessResult> KubectlWithInputAsync(string stdin, params string[] args)
    {
        ClientPrograms.RequireKubectl();
        return ProcessRunner.RunAsync(ClientPrograms.Kubectl, args, ClientEnvironment, stdin);
    }

    /// <summary>Runs kubectl and fails the test, showing its output, unless it exits 0.</summary>
    public async Task<string> KubectlOkAsync(params string[] args)
    {
        var result = await KubectlAsync(args);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.StdOut;
    }

    /// <summary>Polls <paramref name="condition"/> every 100 ms until it holds or <paramref name="timeout"/> passes.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> describe)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out after {timeout.TotalSeconds:0}s: {describe()}");
            }

            await Task.Delay(100);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "one in-process cluster with simulated nodes";
}
