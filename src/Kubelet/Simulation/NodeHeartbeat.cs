using System.Diagnostics;
using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace KubeNet.Kubelet.Simulation;

/// <summary>
/// Registers the pool's nodes and keeps them alive: one loop renews every Lease each interval, in small batches spread
/// over the interval so the API server sees a steady trickle rather than a burst, and refreshes each node's Ready
/// heartbeat about once a minute with a merge patch of its status.
/// </summary>
internal sealed class NodeHeartbeat(IKubernetes client, IReadOnlyList<HollowNode> nodes, HollowNodeOptions options, ILogger logger)
{
    private const int BatchSize = 50;

    public async Task RegisterAllAsync(CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.MaxConcurrentWrites, CancellationToken = ct };
        await Parallel.ForEachAsync(nodes, parallel, async (node, token) => await RegisterAsync(node, token));
        logger.Registered(nodes.Count, nodes[0].Name, nodes[^1].Name, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    public async Task RunAsync(CancellationToken ct)
    {
        var batches = nodes.Chunk(BatchSize).ToArray();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.MaxConcurrentWrites, CancellationToken = ct };
        var interval = options.HeartbeatInterval;
        while (true)
        {
            var roundStart = Stopwatch.GetTimestamp();
            for (var i = 0; i < batches.Length; i++)
            {
                var offset = interval * i / batches.Length;
                var wait = offset - Stopwatch.GetElapsedTime(roundStart);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, ct);
                }

                await Parallel.ForEachAsync(batches[i], parallel, async (node, token) =>
                {
                    // One node's trouble (a timeout, a failed re-registration) never stops the others' heartbeats.
                    try
                    {
                        await BeatAsync(node, token);
                    }
                    catch (Exception e) when (!token.IsCancellationRequested)
                    {
                        logger.LeaseFailed(node.Name, e.Message);
                    }
                });
            }

            var rest = interval - Stopwatch.GetElapsedTime(roundStart);
            if (rest > TimeSpan.Zero)
            {
                await Task.Delay(rest, ct);
            }
        }
    }

    private async Task BeatAsync(HollowNode node, CancellationToken ct)
    {
        var now = Now();
        try
        {
            await RenewLeaseAsync(node, ct);
        }
        catch (Exception e) when (e is HttpOperationException or HttpRequestException or KubernetesException)
        {
            logger.LeaseFailed(node.Name, e.Message);
        }

        if (now - node.LastStatusReport < options.NodeStatusInterval)
        {
            return;
        }

        try
        {
            await client.CoreV1.PatchNodeStatusAsync(NodeObjects.StatusPatch(now, node.ReadySince), node.Name, cancellationToken: ct);
            node.LastStatusReport = now;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            // Someone deleted the Node; a kubelet registers again, and so does a hollow one.
            logger.NodeGone(node.Name);
            await RegisterAsync(node, ct);
        }
        catch (Exception e) when (e is HttpOperationException or HttpRequestException)
        {
            logger.NodeStatusFailed(node.Name, e.Message);
        }
    }

    private async Task RegisterAsync(HollowNode node, CancellationToken ct)
    {
        var now = Now();
        node.ReadySince = now;
        node.LastStatusReport = now;
        node.LeaseResourceVersion = null;
        var desired = NodeObjects.Node(node, options, now);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                V1Node registered;
                try
                {
                    registered = await client.CoreV1.CreateNodeAsync(desired, cancellationToken: ct);
                }
                catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
                {
                    // Registered by an earlier run: take it over and report it Ready again.
                    registered = await client.CoreV1.ReadNodeAsync(node.Name, cancellationToken: ct);
                }

                if (registered.Status?.Conditions is not { Count: > 0 } || registered.Status.Conditions.Any(c => c.Type == "Ready" && c.Status != "True"))
                {
                    var status = new V1Node { Status = desired.Status };
                    registered = await client.CoreV1.PatchNodeStatusAsync(new V1Patch(status, V1Patch.PatchType.MergePatch), node.Name, cancellationToken: ct);
                }

                node.Uid = registered.Metadata.Uid;
                await RenewLeaseAsync(node, ct);
                return;
            }
            catch (Exception e) when (e is HttpOperationException or HttpRequestException && attempt < 5)
            {
                logger.RegisterFailed(node.Name, e.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(200 << attempt), ct);
            }
        }
    }

    /// <summary>Updates the Lease from the resourceVersion last written, as the kubelet does; reads it again after a conflict.</summary>
    private async Task RenewLeaseAsync(HollowNode node, CancellationToken ct)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            try
            {
                // renewTime is a MicroTime: six fractional digits.
                var now = DateTime.UtcNow;
                var lease = NodeObjects.Lease(node, new DateTime(now.Ticks - (now.Ticks % 10), DateTimeKind.Utc));
                var written = node.LeaseResourceVersion is null
                    ? await client.CoordinationV1.CreateNamespacedLeaseAsync(lease, NodeObjects.LeaseNamespace, cancellationToken: ct)
                    : await client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, node.Name, NodeObjects.LeaseNamespace, cancellationToken: ct);
                node.LeaseResourceVersion = written.Metadata.ResourceVersion;
                return;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
            {
                var current = await client.CoordinationV1.ReadNamespacedLeaseAsync(node.Name, NodeObjects.LeaseNamespace, cancellationToken: ct);
                node.LeaseResourceVersion = current.Metadata.ResourceVersion;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
            {
                node.LeaseResourceVersion = null;
            }
        }
    }

    // metav1.Time has whole seconds; a heartbeat never needs more.
    private static DateTime Now()
    {
        var now = DateTime.UtcNow;
        return new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
    }
}
