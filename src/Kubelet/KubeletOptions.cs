namespace KubeNet.Kubelet;

/// <summary>Settings of one kubelet; <see cref="Validate"/> names the first bad one.</summary>
public sealed class KubeletOptions
{
    public string NodeName { get; set; } = Environment.MachineName.ToLowerInvariant();

    /// <summary>The CRI runtime endpoint, unix://PATH.</summary>
    public string RuntimeEndpoint { get; set; } = "unix:///run/kube-net/cri-docker.sock";

    /// <summary>Pods' volumes and state live under ROOT/pods/UID, container logs under ROOT/logs/pods.</summary>
    public string RootDirectory { get; set; } = "/var/lib/kube-net/kubelet";

    /// <summary>The address the kubelet's HTTPS server binds and the node's InternalIP.</summary>
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>The kubelet's HTTPS port (upstream 10250); 0 picks a free one.</summary>
    public int Port { get; set; } = 10250;

    /// <summary>The pod CIDR when the Node has none in spec.podCIDR.</summary>
    public string PodCidr { get; set; } = "10.244.0.0/24";

    public int MaxPods { get; set; } = 110;

    /// <summary>How often the Lease is renewed (upstream: 10 s) and the status checked.</summary>
    public TimeSpan LeaseRenewInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest the node status goes unreported (upstream nodeStatusReportFrequency: 5 min; 1 min here).</summary>
    public TimeSpan NodeStatusReportInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often the runtime is relisted to notice container changes (upstream PLEG: 1 s).</summary>
    public TimeSpan RelistInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Pods whose sandbox and containers are being made at once. The runtime serialises container creation anyway, so
    /// a burst waits in the kubelet in creation order instead of every pod waiting behind the whole burst in the runtime.
    /// </summary>
    public int MaxParallelPodStarts { get; set; } = 3;

    /// <summary>CrashLoopBackOff: the first delay and the cap (upstream 10 s and 5 min).</summary>
    public TimeSpan BackoffInitial { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan BackoffMax { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often container and node CPU are sampled for /stats/summary rates (cAdvisor housekeeping: 10 s).</summary>
    public TimeSpan StatsInterval { get; set; } = TimeSpan.FromSeconds(10);

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(NodeName) || NodeName.Length > 253)
        {
            throw new ArgumentException("--node-name must be a DNS subdomain");
        }

        if (!RuntimeEndpoint.StartsWith("unix://", StringComparison.Ordinal))
        {
            throw new ArgumentException($"--runtime-endpoint \"{RuntimeEndpoint}\": only unix:// endpoints are supported");
        }

        if (!System.Net.IPAddress.TryParse(Address, out _))
        {
            throw new ArgumentException($"--address \"{Address}\" is not an IP address");
        }

        if (Port is < 0 or > 65535)
        {
            throw new ArgumentException($"kubelet port {Port} is out of range");
        }

        if (MaxPods < 1)
        {
            throw new ArgumentException("max pods must be at least 1");
        }

        if (BackoffInitial <= TimeSpan.Zero || BackoffMax < BackoffInitial)
        {
            throw new ArgumentException("back-off must be positive with max >= initial");
        }
    }
}
