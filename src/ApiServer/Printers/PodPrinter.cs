using System.Globalization;
using k8s.Models;
using KubeNet.ApiServer.Http;

namespace KubeNet.ApiServer.Printers;

/// <summary>
/// The pods printer of kube-apiserver 1.32: READY, STATUS and RESTARTS summarise containers, init containers
/// (sidecars included) and deletion the way printPod does, because users read pod health from this one line.
/// </summary>
internal static class PodPrinter
{
    /// <summary>The reason the node lifecycle controller gives pods on a node that stopped answering.</summary>
    private const string NodeUnreachablePodReason = "NodeLost";

    public static IReadOnlyList<TableColumn> Columns { get; } =
    [
        Printers.Columns.Name(),
        Printers.Columns.Of<V1Pod>("Ready", "string", "The aggregate readiness state of this pod for accepting traffic.", (p, now) => Cached(p, now).Ready),
        Printers.Columns.Of<V1Pod>("Status", "string", "The aggregate status of the containers in this pod.", (p, now) => Cached(p, now).Status),
        Printers.Columns.Of<V1Pod>("Restarts", "string", "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.", (p, now) => Cached(p, now).Restarts),
        Printers.Columns.Age(),
        Printers.Columns.Text<V1Pod>("IP", Docs.PodIP, PodIP, 1),
        Printers.Columns.Text<V1Pod>("Node", Docs.PodNodeName, p => Formats.OrNone(p.Spec?.NodeName), 1),
        Printers.Columns.Text<V1Pod>("Nominated Node", Docs.NominatedNodeName, p => Formats.OrNone(p.Status?.NominatedNodeName), 1),
        Printers.Columns.Text<V1Pod>("Readiness Gates", Docs.ReadinessGates, ReadinessGates, 1),
    ];

    // Three cells of a row share one summary: a table asks for them in turn for the same (immutable) object.
    [ThreadStatic]
    private static (V1Pod? Pod, DateTime Now, Summary Summary) t_last;

    /// <summary>The three summary cells of a pod.</summary>
    internal readonly record struct Summary(string Ready, string Status, string Restarts);

    /// <summary>printPod's walk over init containers, then containers, then deletion.</summary>
    public static Summary Summarise(V1Pod pod, DateTime now)
    {
        var spec = pod.Spec;
        var status = pod.Status;
        var restarts = 0;
        var sidecarRestarts = 0;
        var totalContainers = spec?.Containers?.Count ?? 0;
        var readyContainers = 0;
        DateTime? lastRestart = null;
        DateTime? lastSidecarRestart = null;

        var phase = status?.Phase ?? string.Empty;
        var reason = string.IsNullOrEmpty(status?.Reason) ? phase : status.Reason;

        // A pod held back by scheduling gates says so instead of Pending.
        if (status?.Conditions?.Any(c => c.Type == "PodScheduled" && c.Reason == "SchedulingGated") == true)
        {
            reason = "SchedulingGated";
        }

        var initContainers = new Dictionary<string, V1Container>(StringComparer.Ordinal);
        foreach (var c in spec?.InitContainers ?? [])
        {
            initContainers[c.Name] = c;
            if (IsSidecar(c))
            {
                totalContainers++;
            }
        }

        var initializing = false;
        var initStatuses = status?.InitContainerStatuses ?? [];
        var initCount = spec?.InitContainers?.Count ?? 0;
        for (var i = 0; i < initStatuses.Count; i++)
        {
            var container = initStatuses[i];
            var sidecar = initContainers.TryGetValue(container.Name ?? string.Empty, out var declared) && IsSidecar(declared);
            restarts += container.RestartCount;
            var finished = container.LastState?.Terminated?.FinishedAt;
            lastRestart = Later(lastRestart, finished);
            if (sidecar)
            {
                sidecarRestarts += container.RestartCount;
                lastSidecarRestart = Later(lastSidecarRestart, finished);
            }

            var terminated = container.State?.Terminated;
            var waiting = container.State?.Waiting;
            if (terminated is not null && terminated.ExitCode == 0)
            {
                continue;
            }

            if (sidecar && container.Started == true)
            {
                if (container.Ready)
                {
                    readyContainers++;
                }

                continue;
            }

            if (terminated is not null)
            {
                // The init phase failed.
                reason = !string.IsNullOrEmpty(terminated.Reason) ? "Init:" + terminated.Reason
                    : terminated.Signal is int signal && signal != 0 ? "Init:Signal:" + Formats.Int(signal)
                    : "Init:ExitCode:" + Formats.Int(terminated.ExitCode);
            }
            else if (!string.IsNullOrEmpty(waiting?.Reason) && waiting.Reason != "PodInitializing")
            {
                reason = "Init:" + waiting.Reason;
            }
            else
            {
                reason = string.Create(CultureInfo.InvariantCulture, $"Init:{i}/{initCount}");
            }

            initializing = true;
            break;
        }

        if (!initializing || IsInitialized(status))
        {
            restarts = sidecarRestarts;
            lastRestart = lastSidecarRestart;
            var hasRunning = false;
            var statuses = status?.ContainerStatuses ?? [];
            for (var i = statuses.Count - 1; i >= 0; i--)
            {
                var container = statuses[i];
                restarts += container.RestartCount;
                lastRestart = Later(lastRestart, container.LastState?.Terminated?.FinishedAt);
                var waiting = container.State?.Waiting;
                var terminated = container.State?.Terminated;
                if (!string.IsNullOrEmpty(waiting?.Reason))
                {
                    reason = waiting.Reason;
                }
                else if (!string.IsNullOrEmpty(terminated?.Reason))
                {
                    reason = terminated.Reason;
                }
                else if (terminated is not null)
                {
                    reason = terminated.Signal is int signal && signal != 0 ? "Signal:" + Formats.Int(signal) : "ExitCode:" + Formats.Int(terminated.ExitCode);
                }
                else if (container.Ready && container.State?.Running is not null)
                {
                    hasRunning = true;
                    readyContainers++;
                }
            }

            // A pod with a container still running is not Completed, whatever the others say.
            if (reason == "Completed" && hasRunning)
            {
                reason = status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true ? "Running" : "NotReady";
            }
        }

        if (pod.Metadata.DeletionTimestamp is not null && status?.Reason == NodeUnreachablePodReason)
        {
            reason = "Unknown";
        }
        else if (pod.Metadata.DeletionTimestamp is not null && phase is not ("Succeeded" or "Failed"))
        {
            reason = "Terminating";
        }

        var restartsText = Formats.Int(restarts);
        if (restarts != 0 && !Durations.IsZero(lastRestart))
        {
            restartsText = string.Create(CultureInfo.InvariantCulture, $"{restarts} ({Durations.Since(lastRestart, now)} ago)");
        }

        return new Summary(string.Create(CultureInfo.InvariantCulture, $"{readyContainers}/{totalContainers}"), reason, restartsText);
    }

    private static Summary Cached(V1Pod pod, DateTime now)
    {
        if (!ReferenceEquals(t_last.Pod, pod) || t_last.Now != now)
        {
            t_last = (pod, now, Summarise(pod, now));
        }

        return t_last.Summary;
    }

    /// <summary>The first pod IP; an object written with only the singular podIP counts it as the first.</summary>
    private static string PodIP(V1Pod pod)
    {
        var ip = pod.Status?.PodIPs is { Count: > 0 } ips ? ips[0].Ip : pod.Status?.PodIP;
        return Formats.OrNone(ip);
    }

    /// <summary>"true/total" over the readiness gates, "&lt;none&gt;" without gates.</summary>
    private static string ReadinessGates(V1Pod pod)
    {
        var gates = pod.Spec?.ReadinessGates;
        if (gates is null || gates.Count == 0)
        {
            return Formats.None;
        }

        var satisfied = 0;
        foreach (var gate in gates)
        {
            var condition = pod.Status?.Conditions?.FirstOrDefault(c => c.Type == gate.ConditionType);
            if (condition?.Status == "True")
            {
                satisfied++;
            }
        }

        return string.Create(CultureInfo.InvariantCulture, $"{satisfied}/{gates.Count}");
    }

    /// <summary>An init container with restartPolicy Always runs beside the app containers for the pod's life.</summary>
    private static bool IsSidecar(V1Container container) => container.RestartPolicy == "Always";

    private static bool IsInitialized(V1PodStatus? status)
    {
        var condition = status?.Conditions?.FirstOrDefault(c => c.Type == "Initialized");
        return condition?.Status == "True";
    }

    private static DateTime? Later(DateTime? current, DateTime? candidate)
    {
        if (Durations.IsZero(candidate))
        {
            return current;
        }

        return Durations.IsZero(current) || Durations.Utc(current!.Value) < Durations.Utc(candidate!.Value) ? candidate : current;
    }
}
