using k8s.Models;

namespace KubeNet.Kubelet.Simulation;

/// <summary>The pod statuses a kubelet would report for containers that start at once and exit cleanly.</summary>
internal static class PodStatuses
{
    public static bool RunsToCompletion(V1Pod pod) => pod.Spec?.RestartPolicy is "Never" or "OnFailure";

    /// <summary>Running and ready: every container started, init containers completed (sidecars running).</summary>
    public static V1PodStatus Running(V1Pod pod, HollowNode node, string podIp, DateTime now)
    {
        var old = pod.Status;
        var uid = pod.Metadata.Uid;
        return new V1PodStatus
        {
            Phase = "Running",
            QosClass = old?.QosClass,
            Conditions =
            [
                Condition("PodReadyToStartContainers", "True", now),
                Condition("Initialized", "True", now),
                Condition("Ready", "True", now),
                Condition("ContainersReady", "True", now),
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
            ContainerStatuses = pod.Spec.Containers?.Select(c => RunningContainer(c, uid, now)).ToList(),
        };
    }

    /// <summary>Every container exited 0: the pod succeeded, keeping its addresses, as the kubelet reports a finished pod.</summary>
    public static V1PodStatus Succeeded(V1Pod pod, DateTime now)
    {
        var old = pod.Status ?? new V1PodStatus();
        var uid = pod.Metadata.Uid;
        var started = old.StartTime ?? now;
        return new V1PodStatus
        {
            Phase = "Succeeded",
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
                Container(c, uid, ready: false, started: false, Terminated(c, uid, StartedAt(old.ContainerStatuses, c.Name) ?? started, now))).ToList(),
        };
    }

    private static V1PodCondition Scheduled(V1PodStatus? old, DateTime now) =>
        old?.Conditions?.FirstOrDefault(c => c.Type == "PodScheduled" && c.Status == "True") ?? Condition("PodScheduled", "True", now);

    private static V1PodCondition Condition(string type, string status, DateTime now, string? reason = null) =>
        new() { Type = type, Status = status, Reason = reason, LastTransitionTime = now };

    private static V1ContainerStatus RunningContainer(V1Container c, string uid, DateTime now) =>
        Container(c, uid, ready: true, started: true, new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = now } });

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

    private static V1ContainerState Terminated(V1Container c, string uid, DateTime started, DateTime finished) => new()
    {
        Terminated = new V1ContainerStateTerminated
        {
            ExitCode = 0,
            Reason = "Completed",
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
