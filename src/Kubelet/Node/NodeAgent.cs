using System.Globalization;
using System.Net;
using Grpc.Core;
using k8s;
using k8s.Autorest;
using k8s.Models;
using KubeNet.Kubelet.Cri;
using KubeNet.Kubelet.Cri.V1;
using Microsoft.Extensions.Logging;

namespace KubeNet.Kubelet.Node;

/// <summary>
/// The node half of the kubelet: registers the Node (capacity from the host, addresses, nodeInfo, daemon endpoint),
/// renews its Lease in kube-node-lease every interval, and reports conditions and images: a status patch when anything
/// changes, and at least every report interval. The node is NotReady, with a message saying what to start, while the
/// runtime does not answer or reports itself not ready.
/// </summary>
internal sealed partial class NodeAgent(IKubernetes client, CriClient cri, KubeletOptions options, int port, ILogger logger)
{
    private const string LeaseNamespace = "kube-node-lease";
    private const int LeaseDurationSeconds = 40;
    private readonly DateTime _started = Truncate(DateTime.UtcNow);
    private string? _uid;
    private string? _leaseVersion;
    private string? _lastReported;
    private DateTime _lastReportTime;
    private readonly Dictionary<string, (string Status, DateTime Since)> _transitions = new(StringComparer.Ordinal);

    /// <summary>The pod CIDR in force: the Node's spec.podCIDR, else the kubelet's option.</summary>
    public string PodCidr { get; private set; } = options.PodCidr;

    public string RuntimeVersion { get; private set; } = string.Empty;

    public string RuntimeName { get; private set; } = "unknown";

    /// <summary>Last runtime readiness seen: null when ready, else why not.</summary>
    public string? RuntimeProblem { get; private set; } = "the container runtime has not been asked yet";

    public async Task RegisterAsync(CancellationToken ct)
    {
        await PushPodCidrAsync(ct);
        await ProbeRuntimeAsync(ct);
        var desired = BuildNode(await StatusAsync(ct));
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                V1Node node;
                try
                {
                    node = await client.CoreV1.CreateNodeAsync(desired, cancellationToken: ct);
                    LogRegistered(logger, options.NodeName);
                }
                catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
                {
                    node = await client.CoreV1.ReadNodeAsync(options.NodeName, cancellationToken: ct);
                    var patch = new V1Node { Metadata = new V1ObjectMeta { Labels = desired.Metadata.Labels }, Status = desired.Status };
                    node = await client.CoreV1.PatchNodeStatusAsync(new V1Patch(patch, V1Patch.PatchType.MergePatch), options.NodeName, cancellationToken: ct);
                }

                _uid = node.Metadata.Uid;
                if (!string.IsNullOrEmpty(node.Spec?.PodCIDR))
                {
                    PodCidr = node.Spec.PodCIDR;
                }

                await PushPodCidrAsync(ct);
                await RenewLeaseAsync(ct);
                _lastReportTime = DateTime.UtcNow;
                return;
            }
            catch (Exception e) when (e is HttpOperationException or HttpRequestException && attempt < 10)
            {
                LogRegisterFailed(logger, options.NodeName, e.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(200 << Math.Min(attempt, 5)), ct);
            }
        }
    }

    public async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            await Task.Delay(options.LeaseRenewInterval, ct);
            try
            {
                await RenewLeaseAsync(ct);
            }
            catch (Exception e) when (e is HttpOperationException or HttpRequestException && !ct.IsCancellationRequested)
            {
                LogLeaseFailed(logger, options.NodeName, e.Message);
            }

            try
            {
                await ReportStatusAsync(ct);
            }
            catch (Exception e) when (e is HttpOperationException or HttpRequestException && !ct.IsCancellationRequested)
            {
                LogStatusFailed(logger, options.NodeName, e.Message);
            }
        }
    }

    /// <summary>Checks the runtime now and reports the node status when it changed.</summary>
    public async Task ReportStatusAsync(CancellationToken ct)
    {
        await ProbeRuntimeAsync(ct);
        var status = await StatusAsync(ct);
        var fingerprint = string.Join('|', status.Conditions.Select(c => c.Type + "=" + c.Status + ":" + c.Message))
            + "|" + string.Join(',', status.Images?.SelectMany(i => i.Names) ?? []);
        var now = DateTime.UtcNow;
        if (fingerprint == _lastReported && now - _lastReportTime < options.NodeStatusReportInterval)
        {
            return;
        }

        try
        {
            await client.CoreV1.PatchNodeStatusAsync(new V1Patch(new V1Node { Status = status }, V1Patch.PatchType.MergePatch), options.NodeName, cancellationToken: ct);
            _lastReported = fingerprint;
            _lastReportTime = now;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            // Someone deleted the Node: register it again, as the kubelet does.
            LogNodeGone(logger, options.NodeName);
            _leaseVersion = null;
            await RegisterAsync(ct);
        }
    }

    private async Task ProbeRuntimeAsync(CancellationToken ct)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            var version = await cri.Runtime.VersionAsync(new VersionRequest { Version = "v1" }, cancellationToken: timeout.Token);
            RuntimeName = version.RuntimeName;
            RuntimeVersion = version.RuntimeVersion;
            var status = await cri.Runtime.StatusAsync(new StatusRequest(), cancellationToken: timeout.Token);
            var notReady = status.Status.Conditions.Where(c => c.Type is "RuntimeReady" or "NetworkReady" && !c.Status).ToList();
            RuntimeProblem = notReady.Count == 0
                ? null
                : "container runtime network not ready: " + string.Join("; ", notReady.Select(c => $"{c.Type}=false reason:{c.Reason} message:{c.Message}"));
            if (notReady.Any(c => c.Type == "NetworkReady" && c.Message.Contains("pod CIDR", StringComparison.Ordinal)))
            {
                await PushPodCidrAsync(ct);
            }
        }
        catch (RpcException e) when (!ct.IsCancellationRequested)
        {
            RuntimeProblem = $"container runtime is down: the CRI endpoint {options.RuntimeEndpoint} does not answer ({e.Status.StatusCode}: {e.Status.Detail}); "
                + "start one: `kube-net cri-docker --listen " + options.RuntimeEndpoint + "` with dockerd running (hack/docker.sh up), or point --runtime-endpoint at containerd's CRI socket (hack/containerd.sh up)";
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            RuntimeProblem = $"container runtime is down: the CRI endpoint {options.RuntimeEndpoint} did not answer within 5 s";
        }
    }

    private async Task PushPodCidrAsync(CancellationToken ct)
    {
        try
        {
            await cri.Runtime.UpdateRuntimeConfigAsync(new UpdateRuntimeConfigRequest
            {
                RuntimeConfig = new RuntimeConfig { NetworkConfig = new NetworkConfig { PodCidr = PodCidr } },
            }, cancellationToken: ct);
        }
        catch (RpcException e)
        {
            LogRuntimeConfigFailed(logger, e.Status.Detail);
        }
    }

    private async Task RenewLeaseAsync(CancellationToken ct)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var now = DateTime.UtcNow;
            var lease = new V1Lease
            {
                ApiVersion = "coordination.k8s.io/v1",
                Kind = "Lease",
                Metadata = new V1ObjectMeta
                {
                    Name = options.NodeName,
                    NamespaceProperty = LeaseNamespace,
                    ResourceVersion = _leaseVersion,
                    OwnerReferences = _uid is null ? null : [new V1OwnerReference { ApiVersion = "v1", Kind = "Node", Name = options.NodeName, Uid = _uid }],
                },
                Spec = new V1LeaseSpec
                {
                    HolderIdentity = options.NodeName,
                    LeaseDurationSeconds = LeaseDurationSeconds,
                    RenewTime = new DateTime(now.Ticks - (now.Ticks % 10), DateTimeKind.Utc),
                },
            };
            try
            {
                var written = _leaseVersion is null
                    ? await client.CoordinationV1.CreateNamespacedLeaseAsync(lease, LeaseNamespace, cancellationToken: ct)
                    : await client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, options.NodeName, LeaseNamespace, cancellationToken: ct);
                _leaseVersion = written.Metadata.ResourceVersion;
                return;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
            {
                try
                {
                    _leaseVersion = (await client.CoordinationV1.ReadNamespacedLeaseAsync(options.NodeName, LeaseNamespace, cancellationToken: ct)).Metadata.ResourceVersion;
                }
                catch (HttpOperationException read) when (read.Response.StatusCode == HttpStatusCode.NotFound)
                {
                    _leaseVersion = null;
                }
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
            {
                _leaseVersion = null;
            }
        }
    }

    private V1Node BuildNode(V1NodeStatus status) => new()
    {
        ApiVersion = "v1",
        Kind = "Node",
        Metadata = new V1ObjectMeta
        {
            Name = options.NodeName,
            Labels = new Dictionary<string, string>
            {
                ["beta.kubernetes.io/arch"] = HostInfo.Architecture,
                ["beta.kubernetes.io/os"] = "linux",
                ["kubernetes.io/arch"] = HostInfo.Architecture,
                ["kubernetes.io/hostname"] = options.NodeName,
                ["kubernetes.io/os"] = "linux",
            },
            Annotations = new Dictionary<string, string> { ["node.alpha.kubernetes.io/ttl"] = "0" },
        },
        Spec = new V1NodeSpec { PodCIDR = PodCidr, PodCIDRs = [PodCidr] },
        Status = status,
    };

    private async Task<V1NodeStatus> StatusAsync(CancellationToken ct)
    {
        var (diskCapacity, _) = HostInfo.Filesystem(Directory.Exists(options.RootDirectory) ? options.RootDirectory : "/");
        var capacity = new Dictionary<string, ResourceQuantity>
        {
            ["cpu"] = new(HostInfo.Cpus.ToString(CultureInfo.InvariantCulture)),
            ["memory"] = new((HostInfo.MemoryBytes / 1024).ToString(CultureInfo.InvariantCulture) + "Ki"),
            ["pods"] = new(options.MaxPods.ToString(CultureInfo.InvariantCulture)),
            ["ephemeral-storage"] = new((diskCapacity / 1024).ToString(CultureInfo.InvariantCulture) + "Ki"),
            ["hugepages-1Gi"] = new("0"),
            ["hugepages-2Mi"] = new("0"),
        };
        var now = Truncate(DateTime.UtcNow);
        var ready = RuntimeProblem is null;
        var conditions = new List<V1NodeCondition>
        {
            Condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available", now),
            Condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure", now),
            Condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available", now),
            ready
                ? Condition("Ready", "True", "KubeletReady", "kubelet is posting ready status", now)
                : Condition("Ready", "False", "KubeletNotReady", RuntimeProblem!, now),
        };

        List<V1ContainerImage>? images = null;
        if (ready)
        {
            try
            {
                var list = await cri.Images.ListImagesAsync(new ListImagesRequest(), cancellationToken: ct);
                images = [.. list.Images.OrderByDescending(i => i.Size).Take(50).Select(i => new V1ContainerImage
                {
                    Names = [.. i.RepoDigests, .. i.RepoTags],
                    SizeBytes = (long)i.Size,
                }).Where(i => i.Names.Count > 0)];
            }
            catch (RpcException)
            {
            }
        }

        return new V1NodeStatus
        {
            Capacity = capacity,
            Allocatable = new Dictionary<string, ResourceQuantity>(capacity),
            Conditions = conditions,
            Addresses =
            [
                new V1NodeAddress { Type = "InternalIP", Address = options.Address },
                new V1NodeAddress { Type = "Hostname", Address = options.NodeName },
            ],
            DaemonEndpoints = new V1NodeDaemonEndpoints { KubeletEndpoint = new V1DaemonEndpoint { Port = port } },
            NodeInfo = new V1NodeSystemInfo
            {
                MachineID = HostInfo.MachineId,
                SystemUUID = HostInfo.MachineId,
                BootID = HostInfo.BootId,
                KernelVersion = HostInfo.KernelVersion,
                OsImage = HostInfo.OsImage,
                ContainerRuntimeVersion = $"{RuntimeName}://{(RuntimeVersion.Length == 0 ? "unknown" : RuntimeVersion)}",
                KubeletVersion = KubeletVersion,
                KubeProxyVersion = string.Empty,
                OperatingSystem = "linux",
                Architecture = HostInfo.Architecture,
            },
            Images = images,
        };
    }

    public const string KubeletVersion = "v1.32.4-kube-net";

    private V1NodeCondition Condition(string type, string status, string reason, string message, DateTime heartbeat)
    {
        if (!_transitions.TryGetValue(type, out var last) || last.Status != status)
        {
            last = (status, last.Status is null ? _started : heartbeat);
            _transitions[type] = last;
        }

        return new V1NodeCondition
        {
            Type = type,
            Status = status,
            Reason = reason,
            Message = message,
            LastHeartbeatTime = heartbeat,
            LastTransitionTime = last.Since,
        };
    }

    private static DateTime Truncate(DateTime t) => new(t.Ticks - (t.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);

    [LoggerMessage(EventId = 6010, Level = LogLevel.Information, Message = "Node {Node} registered")]
    private static partial void LogRegistered(ILogger logger, string node);

    [LoggerMessage(EventId = 6011, Level = LogLevel.Warning, Message = "Registering node {Node} failed: {Message}")]
    private static partial void LogRegisterFailed(ILogger logger, string node, string message);

    [LoggerMessage(EventId = 6012, Level = LogLevel.Warning, Message = "Renewing the lease of node {Node} failed: {Message}")]
    private static partial void LogLeaseFailed(ILogger logger, string node, string message);

    [LoggerMessage(EventId = 6013, Level = LogLevel.Warning, Message = "Reporting the status of node {Node} failed: {Message}")]
    private static partial void LogStatusFailed(ILogger logger, string node, string message);

    [LoggerMessage(EventId = 6014, Level = LogLevel.Warning, Message = "Node {Node} was deleted; registering it again")]
    private static partial void LogNodeGone(ILogger logger, string node);

    [LoggerMessage(EventId = 6015, Level = LogLevel.Warning, Message = "Sending the pod CIDR to the runtime failed: {Message}")]
    private static partial void LogRuntimeConfigFailed(ILogger logger, string message);
}
