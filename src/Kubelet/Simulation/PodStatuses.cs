using k8s.Models;

namespace KubeNet.Kubelet.Simulation;

/// <summary>
/// The pod statuses a kubelet would report for containers that start at once and exit cleanly, unless the pod asks
/// otherwise through two annotations: <see cref="ReadyAnnotation"/> "false" keeps its containers unready (a failing
/// readiness probe), and <see cref="ExitCodeAnnotation"/> sets the exit code of a run-to-completion pod ("never" keeps
/// it running).
/// </summary>
internal static class PodStatuses
{
    public const string ReadyAnnotation = "simulation.kube-net.io/ready";
    public const string ExitCodeAnnotation = "simulation.kube-net.io/exit-code";

    public static bool RunsToCompletion(V1Pod pod) => pod.Spec?.RestartPolicy is "Never" or "OnFailure";

    /// <summary>Whether the pod's containers pass their (simulated) readiness probes.</summary>
    public static bool WantsReady(V1Pod pod) =>
        pod.Metadata?.Annotations?.TryGetValue(ReadyAnnotation, out var value) != true || value != "false";

    /// <summary>The exit code a run-to-completion pod ends with; null when it never exits.</summary>
    public static int? ExitCode(V1Pod pod)
    {
        if (pod.Metadata?.Annotations?.TryGetValue(ExitCodeAnnotation, out var value) != true)
        {
            return 0;
        }

        if (value == "never")
        {
            return null;
        }

        return int.TryParse(value, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var code) ? code : 0;
    }

    /// <summary>True when a running pod's Ready condition disagrees with what its annotation asks for.</summary>
    public static bool ReadinessDiffers(V1Pod pod) =>
        pod.Status?.Phase == "Running" && pod.Metadata?.DeletionTimestamp is null
        && (pod.Status.Conditions?.FirstOrDefault(c => c.Type == "Ready")?.Status == "True") != WantsReady(pod);

    /// <summary>The running status with the containers' readiness as the annotation asks, as a probe result changes it.</summary>
    public static V1PodStatus WithReadiness(V1Pod pod, DateTime now)
    {
        var ready = WantsReady(pod) ? "True" : "False";
        var status = pod.Status;
        var conditions = (status.Conditions ?? []).Select(c => c.Type is "Ready" or "ContainersReady" && c.Status != ready
            ? Condition(c.Type, ready, now, ready == "True" ? null : "ContainersNotReady")
            : c).ToList();
        status.Conditions = conditions;
        foreach (var container in status.ContainerStatuses ?? [])
        {
            container.Ready = ready == "True";
        }

        return status;
    }

    /// <summary>Running and ready: every container started, init containers completed (sidecars running).</summary>
    public static V1PodStatus Running(V1Pod pod, HollowNode node, string podIp, DateTime now)
    {
        var old = pod.Status;
        var uid = pod.Metadata.Uid;
        var ready = WantsReady(pod);
        return new V1PodStatus
        {
            Phase = "Running",
            QosClass = old?.QosClass,
            Conditions =
            [
                Condition("PodReadyToStartContainers", "True", now),
                Condition("Initialized", "True", now),
                Condition("Ready", ready ? "True" : "False", now, ready ? null : "ContainersNotReady"),
                Condition("ContainersReady", ready ? "True" : "False", now, ready ? null : "ContainersNotReady"),
                Scheduled(old, now),
            ],
            HostIP = node.InternalIp,
            HostIPs = [new V1HostIP { Ip = node.InternalIp }],
            PodIP = podIp,
            PodIPs = [new V1PodIP { Ip = podIp }],
            StartTime = old?.StartTime ?? now,
            InitContainerStatuses = pod.Spec.InitContainers?.Select(c => c.RestartPolicy == "Always"
                ? RunningContainer(c, uid, now)
                : Container(c, uid, ready: true, started: false, Terminated(c, uid, now, now))).ToList(),
            ContainerStatuses = pod.Spec.Containers?.Select(c => RunningContainer(c, uid, now, ready)).ToList(),
        };
    }

    /// <summary>Every container exited 0: the pod succeeded, keeping its addresses, as the kubelet reports a finished pod.</summary>
    public static V1PodStatus Succeeded(V1Pod pod, DateTime now) => Finished(pod, now, 0);

    /// <summary>Every container exited with <paramref name="exitCode"/>: Succeeded for 0, Failed otherwise.</summary>
    public static V1PodStatus Finished(V1Pod pod, DateTime now, int exitCode)
    {
        var old = pod.Status ?? new V1PodStatus();
        var uid = pod.Metadata.Uid;
        var started = old.StartTime ?? now;
        return new V1PodStatus
        {
            Phase = exitCode == 0 ? "Succeeded" : "Failed",
            QosClass = old.QosClass,
            Conditions =
            [
                Condition("PodReadyToStartContainers", "False", now),
                Condition("Initialized", "True", now, "PodCompleted"),
                Condition("Ready", "False", now, "PodCompleted"),
                Condition("ContainersReady", "False", now, "PodCompleted"),
                Scheduled(old, now),
            ],
            HostIP = old.HostIP,
            HostIPs = old.HostIPs,
            PodIP = old.PodIP,
            PodIPs = old.PodIPs,
            StartTime = started,
            InitContainerStatuses = pod.Spec.InitContainers?.Select(c =>
                Container(c, uid, ready: false, started: false, Terminated(c, uid, StartedAt(old.InitContainerStatuses, c.Name) ?? started, now))).ToList(),
            ContainerStatuses = pod.Spec.Containers?.Select(c =>
                Container(c, uid, ready: false, started: false, Terminated(c, uid, StartedAt(old.ContainerStatuses, c.Name) ?? started, now, exitCode))).ToList(),
        };
    }

    private static V1PodCondition Scheduled(V1PodStatus? old, DateTime now) =>
        old?.Conditions?.FirstOrDefault(c => c.Type == "PodScheduled" && c.Status == "True") ?? Condition("PodScheduled", "True", now);

    private static V1PodCondition Condition(string type, string status, DateTime now, string? reason = null) =>
        new() { Type = type, Status = status, Reason = reason, LastTransitionTime = now };

    private static V1ContainerStatus RunningContainer(V1Container c, string uid, DateTime now, bool ready = true) =>
        Container(c, uid, ready: ready, started: true, new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = now } });

    private static V1ContainerStatus Container(V1Container c, string uid, bool ready, bool started, V1ContainerState state) => new()
    {
        Name = c.Name,
        Image = c.Image,
        ImageID = "simulated://" + c.Image,
        ContainerID = ContainerId(uid, c.Name),
        Ready = ready,
        Started = started,
        RestartCount = 0,
        State = state,
    };

    private static V1ContainerState Terminated(V1Container c, string uid, DateTime started, DateTime finished, int exitCode = 0) => new()
    {
        Terminated = new V1ContainerStateTerminated
        {
            ExitCode = exitCode,
            Reason = exitCode == 0 ? "Completed" : "Error",
            StartedAt = started,
            FinishedAt = finished,
            ContainerID = ContainerId(uid, c.Name),
        },
    };

    private static DateTime? StartedAt(IList<V1ContainerStatus>? statuses, string name)
    {
        var state = statuses?.FirstOrDefault(s => s.Name == name)?.State;
        return state?.Running?.StartedAt ?? state?.Terminated?.StartedAt;
    }

    private static string ContainerId(string uid, string name) => $"simulated://{uid}-{name}";
}
