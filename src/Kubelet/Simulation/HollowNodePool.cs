using k8s;
using Microsoft.Extensions.Logging;

namespace KubeNet.Kubelet.Simulation;

/// <summary>
/// Simulated nodes, as kubemark's hollow nodes and kwok: each registers a Node, renews its Lease and runs the pods bound
/// to it by reporting their status, with no containers behind them. All nodes share one heartbeat loop, one pod watch
/// and a few status writers, so thousands of nodes and their pods fit in one process.
/// </summary>
public sealed class HollowNodePool : IAsyncDisposable
{
    private readonly CancellationTokenSource stopping;
    private readonly PodDriver driver;
    private readonly Task running;
    private readonly ILogger logger;

    private HollowNodePool(IReadOnlyList<string> nodeNames, PodDriver driver, Task running, CancellationTokenSource stopping, ILogger logger)
    {
        NodeNames = nodeNames;
        this.driver = driver;
        this.running = running;
        this.stopping = stopping;
        this.logger = logger;
    }

    /// <summary>Names of the pool's nodes, in index order.</summary>
    public IReadOnlyList<string> NodeNames { get; }

    /// <summary>Pods bound to the pool's nodes that it is tracking.</summary>
    public int TrackedPods => driver.TrackedPods;

    /// <summary>Registers the nodes (returning once all exist, Ready, with leases) and starts driving them.</summary>
    public static async Task<HollowNodePool> StartAsync(IKubernetes client, HollowNodeOptions options, ILogger logger, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        options.Validate();

        _ = PodCidrs.TryParse(options.PodCidrBase, out var podNetwork, out _);
        var nodes = new HollowNode[options.Count];
        for (var i = 0; i < nodes.Length; i++)
        {
            nodes[i] = new HollowNode(
                options.NamePrefix + i.ToString(System.Globalization.CultureInfo.InvariantCulture),
                i,
                "zone-" + (char)('a' + (i % options.Zones)),
                PodCidrs.NodeNetwork(podNetwork, i),
                PodCidrs.Format(PodCidrs.NodeAddress(i)));
        }

        var heartbeat = new NodeHeartbeat(client, nodes, options, logger);
        await heartbeat.RegisterAllAsync(ct);

        var stopping = new CancellationTokenSource();
        var driver = new PodDriver(client, nodes, options, logger);
        var capacity = new NodeCapacitySync(client, nodes.ToDictionary(n => n.Name, StringComparer.Ordinal), options, logger);
        var running = Task.WhenAll(
            Task.Run(() => heartbeat.RunAsync(stopping.Token), CancellationToken.None),
            Task.Run(() => driver.RunAsync(stopping.Token), CancellationToken.None),
            Task.Run(() => capacity.RunAsync(stopping.Token), CancellationToken.None));
        return new HollowNodePool(Array.ConvertAll(nodes, n => n.Name), driver, running, stopping, logger);
    }

    /// <summary>Stops heartbeats and pod handling. The Node objects stay, and go NotReady once their leases expire, as after a kubelet stops.</summary>
    public async ValueTask DisposeAsync()
    {
        if (stopping.IsCancellationRequested)
        {
            return;
        }

        await stopping.CancelAsync();
        try
        {
            await running;
        }
        catch (OperationCanceledException)
        {
        }

        driver.Dispose();
        stopping.Dispose();
        logger.Stopped(NodeNames.Count);
    }
}
