using k8s.Models;

namespace KubeNet.Scheduler.Cache;

/// <summary>What a pod asks for: the larger of its containers' summed requests and any one init container's, plus overhead.</summary>
internal readonly record struct PodRequests(long MilliCpu, long Memory)
{
    public static PodRequests Of(V1Pod pod)
    {
        long cpu = 0, memory = 0;
        foreach (var c in pod.Spec?.Containers ?? [])
        {
            cpu += Quantity(c.Resources?.Requests, "cpu", milli: true);
            memory += Quantity(c.Resources?.Requests, "memory", milli: false);
        }

        foreach (var c in pod.Spec?.InitContainers ?? [])
        {
            cpu = Math.Max(cpu, Quantity(c.Resources?.Requests, "cpu", milli: true));
            memory = Math.Max(memory, Quantity(c.Resources?.Requests, "memory", milli: false));
        }

        cpu += Quantity(pod.Spec?.Overhead, "cpu", milli: true);
        memory += Quantity(pod.Spec?.Overhead, "memory", milli: false);
        return new PodRequests(cpu, memory);
    }

    public static long Quantity(IDictionary<string, ResourceQuantity>? resources, string name, bool milli)
        => resources is not null && resources.TryGetValue(name, out var q) ? (long)Math.Ceiling(q.ToDecimal() * (milli ? 1000 : 1)) : 0;
}

/// <summary>A node and the pods the scheduler counts on it, bound or assumed.</summary>
internal sealed class NodeInfo(V1Node node)
{
    private readonly Dictionary<string, PodRequests> _pods = [];

    public V1Node Node { get; set; } = node;

    public string Name => Node.Metadata.Name;

    public long RequestedMilliCpu { get; private set; }

    public long RequestedMemory { get; private set; }

    public int PodCount => _pods.Count;

    public long AllocatableMilliCpu => PodRequests.Quantity(Node.Status?.Allocatable, "cpu", milli: true);

    public long AllocatableMemory => PodRequests.Quantity(Node.Status?.Allocatable, "memory", milli: false);

    public long AllocatablePods => PodRequests.Quantity(Node.Status?.Allocatable, "pods", milli: false);

    public void AddPod(string key, PodRequests requests)
    {
        if (_pods.TryAdd(key, requests))
        {
            RequestedMilliCpu += requests.MilliCpu;
            RequestedMemory += requests.Memory;
        }
    }

    public void RemovePod(string key)
    {
        if (_pods.Remove(key, out var requests))
        {
            RequestedMilliCpu -= requests.MilliCpu;
            RequestedMemory -= requests.Memory;
        }
    }
}
