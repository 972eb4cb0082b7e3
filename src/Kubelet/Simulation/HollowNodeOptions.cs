using k8s.Models;

namespace KubeNet.Kubelet.Simulation;

/// <summary>Shape and timing of a pool of simulated nodes.</summary>
public sealed class HollowNodeOptions
{
    /// <summary>Nodes in the pool.</summary>
    public int Count { get; set; } = 1;

    /// <summary>Node names are this prefix and the node's index. Default "hollow-node-".</summary>
    public string NamePrefix { get; set; } = "hollow-node-";

    /// <summary>CPU capacity of each node. Default "4".</summary>
    public string Cpu { get; set; } = "4";

    /// <summary>Memory capacity of each node. Default "16Gi".</summary>
    public string Memory { get; set; } = "16Gi";

    /// <summary>Ephemeral storage capacity of each node. Default "100Gi".</summary>
    public string EphemeralStorage { get; set; } = "100Gi";

    /// <summary>Pod capacity of each node. Default 110, as the kubelet's --max-pods.</summary>
    public int Pods { get; set; } = 110;

    /// <summary>Zones the nodes spread over round-robin (zone-a, zone-b, ...). Default 3.</summary>
    public int Zones { get; set; } = 3;

    /// <summary>Value of topology.kubernetes.io/region. Default "region-1".</summary>
    public string Region { get; set; } = "region-1";

    /// <summary>Value of node.kubernetes.io/instance-type. Default "hollow".</summary>
    public string InstanceType { get; set; } = "hollow";

    /// <summary>Time from a pod being bound to it running. Default 0.</summary>
    public TimeSpan StartupDelay { get; set; } = TimeSpan.Zero;

    /// <summary>Time a running pod with restartPolicy Never or OnFailure takes to succeed. Default 2 s.</summary>
    public TimeSpan CompletionDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Longest wait before a deleted pod is finalized; a shorter grace period wins. Default 1 s.</summary>
    public TimeSpan TerminationDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Lease renewal period, as the kubelet's nodeLeaseDurationSeconds / 4. Default 10 s.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the Ready condition's lastHeartbeatTime is refreshed (--node-status-report-frequency). Default 1 min.</summary>
    public TimeSpan NodeStatusInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Each node gets the next /24 of this IPv4 range as its pod CIDR. Default "10.244.0.0/16".</summary>
    public string PodCidrBase { get; set; } = "10.244.0.0/16";

    /// <summary>Pod status writes, lease renewals and registrations in flight at once. Default 16.</summary>
    public int MaxConcurrentWrites { get; set; } = 16;

    public void Validate()
    {
        if (Count < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Count), Count, "a pool needs at least one node");
        }

        if (string.IsNullOrEmpty(NamePrefix))
        {
            throw new ArgumentException("NamePrefix must not be empty", nameof(NamePrefix));
        }

        if (Pods < 1 || Zones is < 1 or > 26 || MaxConcurrentWrites < 1)
        {
            throw new ArgumentException("Pods and MaxConcurrentWrites must be positive and Zones within 1..26");
        }

        foreach (var (name, value) in new[] { (nameof(Cpu), Cpu), (nameof(Memory), Memory), (nameof(EphemeralStorage), EphemeralStorage) })
        {
            try
            {
                _ = new ResourceQuantity(value).ToDecimal();
            }
            catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
            {
                throw new ArgumentException($"{name} \"{value}\" is not a quantity", name, e);
            }
        }

        if (StartupDelay < TimeSpan.Zero || CompletionDelay < TimeSpan.Zero || TerminationDelay < TimeSpan.Zero
            || HeartbeatInterval <= TimeSpan.Zero || NodeStatusInterval <= TimeSpan.Zero)
        {
            throw new ArgumentException("delays must not be negative and intervals must be positive");
        }

        var capacity = PodCidrs.NodeCapacity(PodCidrBase);
        if (capacity < Count)
        {
            throw new ArgumentException(
                $"PodCidrBase {PodCidrBase} holds {capacity} node /24s, fewer than {Count} nodes: use a wider range such as 10.128.0.0/9",
                nameof(PodCidrBase));
        }
    }
}
