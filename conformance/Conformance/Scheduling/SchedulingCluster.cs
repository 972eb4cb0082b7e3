using k8s;
using KubeNet.Conformance.Framework;
using KubeNet.Kubelet.Simulation;
using KubeNet.Scheduler;
using Microsoft.Extensions.Logging.Abstractions;

namespace KubeNet.Conformance.Scheduling;

/// <summary>
/// The cluster the sig-scheduling scenarios run against: the one KUBECONFIG names as it is, or, in process, the API
/// server of <see cref="ConformanceCluster"/> plus a scheduler and three simulated worker nodes, which these scenarios
/// need and the plain fixture does not start. Once the shared fixture runs a whole cluster, the scenarios can take it
/// instead by changing their collection.
/// </summary>
public sealed class SchedulingCluster : IAsyncLifetime
{
    private HollowNodePool? _nodes;
    private KubeScheduler? _scheduler;

    public ConformanceCluster Cluster { get; } = new();

    public Kubernetes Client => Cluster.Client;

    public async Task InitializeAsync()
    {
        await Cluster.InitializeAsync();
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("KUBECONFIG")))
        {
            return;
        }

        _nodes = await HollowNodePool.StartAsync(
            Cluster.Client,
            new HollowNodeOptions { Count = 3, Cpu = "4", TerminationDelay = TimeSpan.FromMilliseconds(500) },
            NullLogger.Instance,
            CancellationToken.None);
        _scheduler = KubeScheduler.Start(Cluster.Client, new SchedulerOptions { LeaderElect = false });
        await _scheduler.Started.WaitAsync(TimeSpan.FromSeconds(60));
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

        await Cluster.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class SchedulingCollection : ICollectionFixture<SchedulingCluster>
{
    public const string Name = "the cluster under test, with a scheduler and nodes";
}
