using k8s;
using KubeNet.ApiServer;
using KubeNet.Controllers;
using KubeNet.Kubelet.Simulation;
using KubeNet.Scheduler;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace KubeNet.Cluster;

/// <summary>
/// The all-in-one cluster of `kube-net server`: an API server plus, in the same process, simulated nodes, the
/// scheduler and the controller-manager. Every component beside the API server is an ordinary HTTPS client with the
/// admin kubeconfig, exactly as it is when run alone. Tests and the conformance runner start the same composition.
/// </summary>
public sealed class LocalCluster : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _components = [];
    private readonly List<IDisposable> _clients = [];

    private LocalCluster(KubeApiServer server)
    {
        Server = server;
    }

    public KubeApiServer Server { get; }

    public string KubeconfigPath => Server.KubeconfigPath;

    public HollowNodePool? HollowNodes { get; private set; }

    public ControllerManager? Controllers { get; private set; }

    /// <summary>A new client for the admin kubeconfig; the cluster disposes it when it stops.</summary>
    public Kubernetes NewClient()
    {
        var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(KubeconfigPath));
        lock (_clients)
        {
            _clients.Add(client);
        }

        return client;
    }

    public static async Task<LocalCluster> StartAsync(LocalClusterOptions options, ILoggerFactory? loggerFactory = null, CancellationToken ct = default)
    {
        loggerFactory ??= NullLoggerFactory.Instance;
        var server = await KubeApiServer.StartAsync(options.ApiServer, loggerFactory, ct);
        var cluster = new LocalCluster(server);
        try
        {
            if (options.HollowNodes is { Count: > 0 } hollow)
            {
                cluster.HollowNodes = await HollowNodePool.StartAsync(cluster.NewClient(), hollow, loggerFactory.CreateLogger("KubeNet.HollowNodes"), ct);
                cluster._components.Add(cluster.HollowNodes);
            }

            if (options.Scheduler)
            {
                // On etcd several servers may share one cluster: their schedulers elect one leader, as the managers do.
                var electing = options.ApiServer.Storage == "etcd";
                var scheduler = KubeScheduler.Start(cluster.NewClient(), new SchedulerOptions { LeaderElect = electing }, loggerFactory);
                cluster._components.Add(scheduler);
                if (!electing)
                {
                    await scheduler.Started.WaitAsync(TimeSpan.FromSeconds(60), ct);
                }
            }

            if (options.Controllers is { } controllers)
            {
                // The CA every namespace's kube-root-ca.crt publishes: the one this server generated.
                controllers = controllers with { RootCaPem = controllers.RootCaPem ?? await File.ReadAllTextAsync(server.Pki.CaPath, ct) };
                cluster.Controllers = ControllerManager.Start(cluster.NewClient(), controllers, loggerFactory);
                cluster._components.Add(cluster.Controllers);

                // A leader-electing manager may stand by while another API server's manager leads.
                if (!controllers.LeaderElect)
                {
                    await cluster.Controllers.Started.WaitAsync(TimeSpan.FromSeconds(60), ct);
                }
            }
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }

        return cluster;
    }

    public Task WaitForShutdownAsync(CancellationToken ct) => Server.WaitForShutdownAsync(ct);

    /// <summary>Stops the components in reverse order of starting, then the API server.</summary>
    public async ValueTask DisposeAsync()
    {
        for (var i = _components.Count - 1; i >= 0; i--)
        {
            await _components[i].DisposeAsync();
        }

        _components.Clear();
        await Server.DisposeAsync();
        lock (_clients)
        {
            foreach (var client in _clients)
            {
                client.Dispose();
            }

            _clients.Clear();
        }
    }
}
