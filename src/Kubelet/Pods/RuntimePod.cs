using KubeNet.Kubelet.Cri;
using KubeNet.Kubelet.Cri.V1;

namespace KubeNet.Kubelet.Pods;

/// <summary>The labels and annotations the kubelet puts on CRI objects, as upstream names them.</summary>
internal static class CriLabels
{
    public const string PodName = "io.kubernetes.pod.name";
    public const string PodNamespace = "io.kubernetes.pod.namespace";
    public const string PodUid = "io.kubernetes.pod.uid";
    public const string ContainerName = "io.kubernetes.container.name";
    public const string RestartCount = "io.kubernetes.container.restartCount";
    public const string TerminationMessagePath = "io.kubernetes.container.terminationMessagePath";
    public const string TerminationMessagePolicy = "io.kubernetes.container.terminationMessagePolicy";
    public const string TerminationGracePeriod = "io.kubernetes.pod.terminationGracePeriod";
    public const string ContainerType = "kube-net.io/container-type";
    public const string HostMessagePath = "kube-net.io/termination-message-host-path";
}

/// <summary>One container instance as the runtime reports it.</summary>
internal sealed record RuntimeContainer(Container Summary, ContainerStatus Status)
{
    public string Id => Summary.Id;

    public string Name => Status.Metadata?.Name ?? Summary.Metadata?.Name ?? string.Empty;

    public uint Attempt => Status.Metadata?.Attempt ?? 0;

    public ContainerState State => Status.State;

    public bool Running => Status.State == ContainerState.ContainerRunning;

    public bool Exited => Status.State == ContainerState.ContainerExited;

    public DateTime? StartedAt => Time(Status.StartedAt);

    public DateTime? FinishedAt => Time(Status.FinishedAt);

    public static DateTime? Time(long nanos) => nanos <= 0 ? null : DateTime.UnixEpoch.AddTicks(nanos / 100);
}

/// <summary>Everything the runtime holds for one pod: its sandboxes (newest first) and container instances.</summary>
internal sealed class RuntimePod
{
    public List<PodSandboxStatus> Sandboxes { get; } = [];

    public List<RuntimeContainer> Containers { get; } = [];

    public PodSandboxStatus? Latest => Sandboxes.Count > 0 ? Sandboxes[0] : null;

    public PodSandboxStatus? ReadySandbox => Latest is { State: PodSandboxState.SandboxReady } s ? s : null;

    /// <summary>Instances of a container by name, newest attempt first.</summary>
    public IEnumerable<RuntimeContainer> Instances(string name) =>
        Containers.Where(c => c.Name == name).OrderByDescending(c => c.Attempt).ThenByDescending(c => c.Status.CreatedAt);

    public RuntimeContainer? Newest(string name, string? sandboxId = null) =>
        Instances(name).FirstOrDefault(c => sandboxId is null || c.Summary.PodSandboxId == sandboxId);

    public static async Task<RuntimePod> ReadAsync(CriClient cri, string uid, CancellationToken ct)
    {
        var pod = new RuntimePod();
        var selector = new Dictionary<string, string> { [CriLabels.PodUid] = uid };
        var sandboxes = await cri.Runtime.ListPodSandboxAsync(new ListPodSandboxRequest { Filter = new PodSandboxFilter { LabelSelector = { selector } } }, cancellationToken: ct);
        foreach (var s in sandboxes.Items.OrderByDescending(s => s.CreatedAt))
        {
            try
            {
                var status = await cri.Runtime.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = s.Id }, cancellationToken: ct);
                pod.Sandboxes.Add(status.Status);
            }
            catch (Grpc.Core.RpcException e) when (e.StatusCode == Grpc.Core.StatusCode.NotFound)
            {
            }
        }

        var containers = await cri.Runtime.ListContainersAsync(new ListContainersRequest { Filter = new ContainerFilter { LabelSelector = { selector } } }, cancellationToken: ct);
        foreach (var c in containers.Containers)
        {
            try
            {
                var status = await cri.Runtime.ContainerStatusAsync(new ContainerStatusRequest { ContainerId = c.Id }, cancellationToken: ct);
                pod.Containers.Add(new RuntimeContainer(c, status.Status));
            }
            catch (Grpc.Core.RpcException e) when (e.StatusCode == Grpc.Core.StatusCode.NotFound)
            {
            }
        }

        return pod;
    }
}
