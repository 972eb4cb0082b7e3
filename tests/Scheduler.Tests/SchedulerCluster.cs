using System.Diagnostics;
using k8s;
using k8s.Models;
using KubeNet.ApiServer;
using KubeNet.Kubelet.Simulation;
using Microsoft.Extensions.Logging.Abstractions;

namespace KubeNet.Scheduler.Tests;

/// <summary>
/// One in-process API server with three simulated nodes (4 CPU, 16Gi, zones a/b/c) and a scheduler with two profiles:
/// default-scheduler and bin-packing-scheduler (MostAllocated). Tests share it through a collection, each in its own
/// namespace; tests that need special nodes start their own pool and delete its Node objects when done.
/// </summary>
public sealed class SchedulerCluster : IAsyncLifetime
{
    public const string Kubectl = "/usr/bin/kubectl";
    public const string PackingScheduler = "bin-packing-scheduler";

    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "kube-net-sched-" + Guid.NewGuid().ToString("N"));
    private KubeApiServer? _server;
    private HollowNodePool? _nodes;

    public Kubernetes Client { get; private set; } = null!;

    public KubeScheduler Scheduler { get; private set; } = null!;

    public string KubeconfigPath => _server!.KubeconfigPath;

    public IReadOnlyList<string> BaseNodes => _nodes!.NodeNames;

    public async Task InitializeAsync()
    {
        _server = await KubeApiServer.StartAsync(new ApiServerOptions { DataDirectory = _dataDir, SecurePort = 0, SynchronousFull = false });
        Client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(_server.KubeconfigPath));
        _nodes = await HollowNodePool.StartAsync(Client, new HollowNodeOptions { Count = 3, Cpu = "4", TerminationDelay = TimeSpan.FromMilliseconds(200) }, NullLogger.Instance, CancellationToken.None);
        Scheduler = KubeScheduler.Start(Client, new SchedulerOptions
        {
            LeaderElect = false,
            Profiles =
            [
                new SchedulerProfile(),
                new SchedulerProfile { SchedulerName = PackingScheduler, ScoringStrategy = ScoringStrategyType.MostAllocated },
            ],
        });
        await Scheduler.Started.WaitAsync(TimeSpan.FromSeconds(30));
    }

    public async Task DisposeAsync()
    {
        await Scheduler.DisposeAsync();
        if (_nodes is not null)
        {
            await _nodes.DisposeAsync();
        }

        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        Client.Dispose();
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public async Task<string> CreateNamespaceAsync()
    {
        var name = "sched-" + Guid.NewGuid().ToString("N")[..8];
        await Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } });
        return name;
    }

    /// <summary>Extra simulated nodes for one test; disposing stops them and deletes their Node objects.</summary>
    public async Task<ExtraNodes> StartNodesAsync(string prefix, int count = 1, string cpu = "4", int zones = 3)
    {
        var subnet = 100 + (Math.Abs(prefix.GetHashCode(StringComparison.Ordinal)) % 150);
        var pool = await HollowNodePool.StartAsync(
            Client,
            new HollowNodeOptions
            {
                Count = count,
                Cpu = cpu,
                Zones = zones,
                NamePrefix = prefix,
                PodCidrBase = $"10.{subnet}.0.0/16",
                TerminationDelay = TimeSpan.FromMilliseconds(200),
            },
            NullLogger.Instance,
            CancellationToken.None);
        return new ExtraNodes(Client, pool);
    }

    public static V1Pod Pod(string name, string? cpu = null, string? memory = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string>() },
        Spec = new V1PodSpec
        {
            Containers =
            [
                new V1Container
                {
                    Name = "c",
                    Image = "busybox",
                    Resources = cpu is null && memory is null ? null : new V1ResourceRequirements
                    {
                        Requests = new[] { ("cpu", cpu), ("memory", memory) }
                            .Where(r => r.Item2 is not null)
                            .ToDictionary(r => r.Item1, r => new ResourceQuantity(r.Item2)),
                    },
                },
            ],
        },
    };

    public async Task<V1Pod> WaitForPodAsync(string ns, string name, Func<V1Pod, bool> condition, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var pod = await Client.CoreV1.ReadNamespacedPodAsync(name, ns);
            if (condition(pod))
            {
                return pod;
            }

            Assert.True(DateTime.UtcNow < deadline, $"pod {ns}/{name} did not reach the expected state: {KubernetesJson.Serialize(pod.Status)}");
            await Task.Delay(100);
        }
    }

    public Task<V1Pod> WaitForScheduledAsync(string ns, string name) =>
        WaitForPodAsync(ns, name, p => !string.IsNullOrEmpty(p.Spec.NodeName));

    public Task<V1Pod> WaitForUnschedulableAsync(string ns, string name) =>
        WaitForPodAsync(ns, name, p => p.Status?.Conditions?.Any(c => c.Type == "PodScheduled" && c.Status == "False" && c.Reason == "Unschedulable") == true);

    public static string ScheduledMessage(V1Pod pod) => pod.Status.Conditions.Single(c => c.Type == "PodScheduled").Message;

    public async Task<(int ExitCode, string StdOut, string StdErr)> KubectlAsync(string? stdin, params string[] args)
    {
        if (!File.Exists(Kubectl))
        {
            throw new Xunit.Sdk.XunitException($"{Kubectl} is missing: install kubectl 1.32 there");
        }

        var info = new ProcessStartInfo(Kubectl)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["KUBECONFIG"] = KubeconfigPath;
        info.Environment["KUBECACHEDIR"] = Path.Combine(_dataDir, "kubectl-cache");
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>A test's own simulated nodes.</summary>
    public sealed class ExtraNodes(IKubernetes client, HollowNodePool pool) : IAsyncDisposable
    {
        public IReadOnlyList<string> Names => pool.NodeNames;

        public async ValueTask DisposeAsync()
        {
            await pool.DisposeAsync();
            foreach (var name in pool.NodeNames)
            {
                try
                {
                    await client.CoreV1.DeleteNodeAsync(name);
                }
                catch (k8s.Autorest.HttpOperationException)
                {
                }
            }
        }
    }
}

[CollectionDefinition(Name)]
public sealed class SchedulerClusterCollection : ICollectionFixture<SchedulerCluster>
{
    public const string Name = "scheduler cluster";
}
