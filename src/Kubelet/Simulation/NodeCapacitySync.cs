using System.Text.Json.Nodes;
using System.Threading.Channels;
using k8s;
using k8s.Models;
using KubeNet.Client;
using Microsoft.Extensions.Logging;

namespace KubeNet.Kubelet.Simulation;

/// <summary>
/// What the kubelet's node status setter does with capacity: it reports the machine's cpu, memory, pods and
/// ephemeral storage (undoing anyone else's edits of those), keeps extended resources others add to capacity (device
/// plugins, or tests patching status), and sets allocatable to capacity for every resource, dropping extended resources
/// that left capacity. One node watch serves every node of the pool.
/// </summary>
internal sealed class NodeCapacitySync(IKubernetes client, IReadOnlyDictionary<string, HollowNode> nodes, HollowNodeOptions options, ILogger logger)
{
    private static readonly string[] Machine = ["cpu", "memory", "pods", "ephemeral-storage"];

    private readonly Channel<string> _changed = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });

    public async Task RunAsync(CancellationToken ct)
    {
        await using var informer = new SharedInformer<V1Node>(ListWatch.For<V1Node>(client), logger: logger);
        using var registration = informer.AddEventHandler(new ResourceEventHandler<V1Node>
        {
            Add = (node, _) => Changed(node),
            Update = (_, node) => Changed(node),
        });
        informer.Start(ct);
        try
        {
            await foreach (var name in _changed.Reader.ReadAllAsync(ct))
            {
                if (informer.Lister.Get(null, name) is not { } node || Patch(node) is not { } patch)
                {
                    continue;
                }

                try
                {
                    await client.CoreV1.PatchNodeStatusAsync(new V1Patch(patch, V1Patch.PatchType.MergePatch), name, cancellationToken: ct);
                }
                catch (Exception e) when (e is k8s.Autorest.HttpOperationException or HttpRequestException)
                {
                    logger.NodeStatusFailed(name, e.Message);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private void Changed(V1Node node)
    {
        if (nodes.ContainsKey(node.Metadata.Name) && Patch(node) is not null)
        {
            _changed.Writer.TryWrite(node.Metadata.Name);
        }
    }

    /// <summary>The merge patch that brings capacity and allocatable to what a kubelet would report, or null if they already are.</summary>
    private string? Patch(V1Node node)
    {
        var capacity = node.Status?.Capacity ?? new Dictionary<string, ResourceQuantity>();
        var allocatable = node.Status?.Allocatable ?? new Dictionary<string, ResourceQuantity>();
        var machine = new Dictionary<string, string>
        {
            ["cpu"] = options.Cpu,
            ["memory"] = options.Memory,
            ["pods"] = options.Pods.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["ephemeral-storage"] = options.EphemeralStorage,
        };

        var capacityPatch = new JsonObject();
        var allocatablePatch = new JsonObject();
        foreach (var name in Machine)
        {
            var want = new ResourceQuantity(machine[name]);
            if (!capacity.TryGetValue(name, out var have) || have.ToDecimal() != want.ToDecimal())
            {
                capacityPatch[name] = machine[name];
            }

            if (!allocatable.TryGetValue(name, out var alloc) || alloc.ToDecimal() != want.ToDecimal())
            {
                allocatablePatch[name] = machine[name];
            }
        }

        foreach (var (name, quantity) in capacity)
        {
            if (Array.IndexOf(Machine, name) < 0 && (!allocatable.TryGetValue(name, out var alloc) || alloc.ToDecimal() != quantity.ToDecimal()))
            {
                allocatablePatch[name] = quantity.ToString();
            }
        }

        foreach (var name in allocatable.Keys)
        {
            if (Array.IndexOf(Machine, name) < 0 && !capacity.ContainsKey(name))
            {
                allocatablePatch[name] = null;
            }
        }

        if (capacityPatch.Count == 0 && allocatablePatch.Count == 0)
        {
            return null;
        }

        var status = new JsonObject();
        if (capacityPatch.Count > 0)
        {
            status["capacity"] = capacityPatch;
        }

        if (allocatablePatch.Count > 0)
        {
            status["allocatable"] = allocatablePatch;
        }

        return new JsonObject { ["status"] = status }.ToJsonString();
    }
}
