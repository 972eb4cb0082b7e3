using k8s.Models;

namespace KubeNet.Kubelet.Simulation;

/// <summary>The Node and Lease objects a kubelet writes, filled in for a simulated node.</summary>
internal static class NodeObjects
{
    public const string LeaseNamespace = "kube-node-lease";
    public const string KubeletVersion = "v1.32.4-kube-net";
    public const string RuntimeVersion = "simulated://1.0";
    public const int LeaseDurationSeconds = 40;

    public static V1Node Node(HollowNode node, HollowNodeOptions options, DateTime now)
    {
        var resources = new Dictionary<string, ResourceQuantity>
        {
            ["cpu"] = new(options.Cpu),
            ["memory"] = new(options.Memory),
            ["pods"] = new(options.Pods.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ["ephemeral-storage"] = new(options.EphemeralStorage),
        };

        return new V1Node
        {
            ApiVersion = "v1",
            Kind = "Node",
            Metadata = new V1ObjectMeta
            {
                Name = node.Name,
                Labels = new Dictionary<string, string>
                {
                    ["beta.kubernetes.io/arch"] = "amd64",
                    ["beta.kubernetes.io/os"] = "linux",
                    ["kubernetes.io/arch"] = "amd64",
                    ["kubernetes.io/hostname"] = node.Name,
                    ["kubernetes.io/os"] = "linux",
                    ["node.kubernetes.io/instance-type"] = options.InstanceType,
                    ["topology.kubernetes.io/region"] = options.Region,
                    ["topology.kubernetes.io/zone"] = node.Zone,
                },
                Annotations = new Dictionary<string, string>
                {
                    ["node.alpha.kubernetes.io/ttl"] = "0",
                    ["kube-net.io/hollow-node"] = "true",
                },
            },
            Spec = new V1NodeSpec { PodCIDR = node.PodCidr, PodCIDRs = [node.PodCidr] },
            Status = new V1NodeStatus
            {
                Capacity = resources,
                Allocatable = new Dictionary<string, ResourceQuantity>(resources),
                Conditions = Conditions(now, node.ReadySince),
                Addresses =
                [
                    new V1NodeAddress { Type = "InternalIP", Address = node.InternalIp },
                    new V1NodeAddress { Type = "Hostname", Address = node.Name },
                ],
                DaemonEndpoints = new V1NodeDaemonEndpoints { KubeletEndpoint = new V1DaemonEndpoint { Port = 10250 } },
                NodeInfo = new V1NodeSystemInfo
                {
                    MachineID = MachineId(node.Name),
                    SystemUUID = MachineId(node.Name),
                    BootID = MachineId(node.Name + "/boot"),
                    KernelVersion = "6.1.0-kube-net-simulated",
                    OsImage = "Kube.NET hollow node",
                    ContainerRuntimeVersion = RuntimeVersion,
                    KubeletVersion = KubeletVersion,
                    KubeProxyVersion = string.Empty,
                    OperatingSystem = "linux",
                    Architecture = "amd64",
                },
            },
        };
    }

    /// <summary>The four conditions a healthy kubelet reports, in the kubelet's order.</summary>
    public static List<V1NodeCondition> Conditions(DateTime heartbeat, DateTime since) =>
    [
        Condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available", heartbeat, since),
        Condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure", heartbeat, since),
        Condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available", heartbeat, since),
        Condition("Ready", "True", "KubeletReady", "kubelet is posting ready status", heartbeat, since),
    ];

    /// <summary>A merge patch of the node status: the whole conditions list, since merge patches replace lists.</summary>
    public static V1Patch StatusPatch(DateTime heartbeat, DateTime since) =>
        new(new V1Node { Status = new V1NodeStatus { Conditions = Conditions(heartbeat, since) } }, V1Patch.PatchType.MergePatch);

    public static V1Lease Lease(HollowNode node, DateTime now) => new()
    {
        ApiVersion = "coordination.k8s.io/v1",
        Kind = "Lease",
        Metadata = new V1ObjectMeta
        {
            Name = node.Name,
            NamespaceProperty = LeaseNamespace,
            ResourceVersion = node.LeaseResourceVersion,
            OwnerReferences = node.Uid is null
                ? null
                : [new V1OwnerReference { ApiVersion = "v1", Kind = "Node", Name = node.Name, Uid = node.Uid }],
        },
        Spec = new V1LeaseSpec
        {
            HolderIdentity = node.Name,
            LeaseDurationSeconds = LeaseDurationSeconds,
            RenewTime = now,
        },
    };

    private static V1NodeCondition Condition(string type, string status, string reason, string message, DateTime heartbeat, DateTime since) => new()
    {
        Type = type,
        Status = status,
        Reason = reason,
        Message = message,
        LastHeartbeatTime = heartbeat,
        LastTransitionTime = since,
    };

    // Stable per name, so a restarted pool reports the same machine.
    private static string MachineId(string seed)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(seed));
        return new Guid(hash.AsSpan(0, 16)).ToString("N");
    }
}
