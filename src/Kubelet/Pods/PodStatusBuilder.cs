using k8s.Models;
using KubeNet.Kubelet.Cri.V1;
using KubeNet.Kubelet.Probes;

namespace KubeNet.Kubelet.Pods;

/// <summary>The pod status the kubelet reports (upstream generateAPIPodStatus and getPhase), from the runtime's view.</summary>
internal static class PodStatusBuilder
{
    public static V1PodStatus Build(V1Pod pod, RuntimePod state, PodSyncState sync, ProbeManager probes, string hostIp, string runtimeName)
    {
        var old = pod.Status ?? new V1PodStatus();
        var sandbox = state.Latest;
        var sandboxId = sandbox?.Id;
        var init = (pod.Spec.InitContainers ?? []).Select(c => ContainerStatus(pod, c, state, sync, probes, sandboxId, runtimeName, init: true)).ToList();
        var initDone = (pod.Spec.InitContainers ?? []).All(c => state.Newest(c.Name, sandboxId) is { Exited: true, Status.ExitCode: 0 });
        var apps = pod.Spec.Containers.Select(c => ContainerStatus(pod, c, state, sync, probes, sandboxId, runtimeName, init: false, waitingReason: initDone ? "ContainerCreating" : "PodInitializing")).ToList();

        var phase = Phase(pod, init, apps, initDone);
        if (old.Phase is "Succeeded" or "Failed")
        {
            phase = old.Phase;
        }

        var podIp = pod.Spec.HostNetwork == true ? hostIp : sandbox is { State: PodSandboxState.SandboxReady } && !string.IsNullOrEmpty(sandbox.Network?.Ip) ? sandbox.Network.Ip : null;
        if (podIp is null && phase is "Succeeded" or "Failed")
        {
            podIp = old.PodIP;
        }

        var now = DateTime.UtcNow;
        now = new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
        var terminal = phase is "Succeeded" or "Failed";
        var unready = apps.Where(c => !c.Ready).Select(c => c.Name).ToList();
        var incompleteInit = init.Where(c => c.State?.Terminated is not { ExitCode: 0 }).Select(c => c.Name).ToList();
        var conditions = new List<V1PodCondition>
        {
            Condition(old, "PodReadyToStartContainers", sandbox is { State: PodSandboxState.SandboxReady } ? "True" : "False", null, null, now),
            incompleteInit.Count == 0 || initDone
                ? Condition(old, "Initialized", "True", null, null, now)
                : Condition(old, "Initialized", "False", "ContainersNotInitialized", $"containers with incomplete status: [{string.Join(' ', incompleteInit)}]", now),
            unready.Count == 0
                ? Condition(old, "Ready", "True", null, null, now)
                : Condition(old, "Ready", "False", terminal ? "PodCompleted" : "ContainersNotReady", terminal ? null : $"containers with unready status: [{string.Join(' ', unready)}]", now),
            unready.Count == 0
                ? Condition(old, "ContainersReady", "True", null, null, now)
                : Condition(old, "ContainersReady", "False", terminal ? "PodCompleted" : "ContainersNotReady", terminal ? null : $"containers with unready status: [{string.Join(' ', unready)}]", now),
        };
        if (old.Conditions?.FirstOrDefault(c => c.Type == "PodScheduled") is { } scheduled)
        {
            conditions.Add(scheduled);
        }
        else
        {
            conditions.Add(Condition(old, "PodScheduled", "True", null, null, now));
        }

        // Order as upstream lists them: PodReadyToStartContainers, Initialized, Ready, ContainersReady, PodScheduled.
        return new V1PodStatus
        {
            Phase = phase,
            Conditions = conditions,
            HostIP = hostIp,
            HostIPs = [new V1HostIP { Ip = hostIp }],
            PodIP = podIp,
            PodIPs = podIp is null ? null : [new V1PodIP { Ip = podIp }],
            StartTime = old.StartTime ?? now,
            QosClass = old.QosClass ?? QosClass(pod.Spec),
            InitContainerStatuses = init.Count == 0 ? null : init,
            ContainerStatuses = apps,
            Message = old.Message,
            Reason = old.Reason,
        };
    }

    private static V1ContainerStatus ContainerStatus(V1Pod pod, V1Container spec, RuntimePod state, PodSyncState sync, ProbeManager probes, string? sandboxId,
        string runtimeName, bool init, string waitingReason = "PodInitializing")
    {
        var instances = state.Instances(spec.Name).ToList();
        var current = instances.FirstOrDefault();
        var status = new V1ContainerStatus
        {
            Name = spec.Name,
            Image = spec.Image,
            ImageID = string.Empty,
            RestartCount = (int)(current?.Attempt ?? 0),
            Ready = false,
            Started = false,
        };
        if (init && current is null)
        {
            waitingReason = "PodInitializing";
        }

        if (current is not null)
        {
            status.ContainerID = $"{runtimeName}://{current.Id}";
            status.ImageID = ImageId(current.Status.ImageRef, runtimeName);
        }

        var previous = instances.Skip(1).FirstOrDefault();
        if (current is { Running: true })
        {
            status.State = new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = current.StartedAt } };
            status.Started = probes.Started(current.Id);
            status.Ready = probes.Ready(current.Id);
            if (previous is { Exited: true })
            {
                status.LastState = new V1ContainerState { Terminated = Terminated(previous, runtimeName) };
            }
        }
        else if (current is { Exited: true })
        {
            var terminated = Terminated(current, runtimeName);
            if (sync.Waiting.TryGetValue(spec.Name, out var waiting))
            {
                status.State = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = waiting.Reason, Message = waiting.Message } };
                status.LastState = new V1ContainerState { Terminated = terminated };
            }
            else
            {
                status.State = new V1ContainerState { Terminated = terminated };
                if (previous is { Exited: true })
                {
                    status.LastState = new V1ContainerState { Terminated = Terminated(previous, runtimeName) };
                }
            }
        }
        else
        {
            var (reason, message) = sync.Waiting.TryGetValue(spec.Name, out var w) ? w : (waitingReason, (string?)null);
            status.State = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = reason, Message = message } };
        }

        // An init container that completed successfully counts as ready, as the kubelet's prober manager reports it.
        if (init && status.State?.Terminated is { ExitCode: 0 })
        {
            status.Ready = true;
        }

        status.LastState ??= new V1ContainerState();
        return status;
    }

    // Docker's image IDs are shown as docker://sha256:..., as cri-dockerd does; other runtimes' image refs go through
    // unchanged, as upstream's kubelet passes them (containerd: repo@sha256:... or the image's sha256:... ID).
    private static string ImageId(string imageRef, string runtimeName) =>
        runtimeName == "docker" && imageRef.StartsWith("sha256:", StringComparison.Ordinal) ? "docker://" + imageRef : imageRef;

    private static V1ContainerStateTerminated Terminated(RuntimeContainer c, string runtimeName)
    {
        var message = ReadTerminationMessage(c);
        return new V1ContainerStateTerminated
        {
            ExitCode = c.Status.ExitCode,
            Reason = string.IsNullOrEmpty(c.Status.Reason) ? (c.Status.ExitCode == 0 ? "Completed" : "Error") : c.Status.Reason,
            Message = string.IsNullOrEmpty(message) ? null : message,
            StartedAt = c.StartedAt,
            FinishedAt = c.FinishedAt,
            ContainerID = $"{runtimeName}://{c.Id}",
        };
    }

    private static string? ReadTerminationMessage(RuntimeContainer c)
    {
        c.Status.Annotations.TryGetValue(CriLabels.HostMessagePath, out var path);
        string? message = null;
        if (!string.IsNullOrEmpty(path) && File.Exists(path))
        {
            var bytes = File.ReadAllBytes(path);
            message = System.Text.Encoding.UTF8.GetString(bytes, 0, Math.Min(bytes.Length, 4096));
        }

        if (string.IsNullOrEmpty(message) && c.Status.ExitCode != 0
            && c.Status.Annotations.TryGetValue(CriLabels.TerminationMessagePolicy, out var policy) && policy == "FallbackToLogsOnError"
            && !string.IsNullOrEmpty(c.Status.LogPath))
        {
            message = Logs.ContainerLogReader.Tail(c.Status.LogPath, 80, 2048);
        }

        return message;
    }

    private static string Phase(V1Pod pod, List<V1ContainerStatus> init, List<V1ContainerStatus> apps, bool initDone)
    {
        var restart = pod.Spec.RestartPolicy ?? "Always";
        if (!initDone)
        {
            var failedInit = init.Any(c => c.State?.Terminated is { ExitCode: not 0 } || (c.State?.Waiting is not null && c.LastState?.Terminated is { ExitCode: not 0 }));
            return failedInit && restart == "Never" ? "Failed" : "Pending";
        }

        int running = 0, waiting = 0, stopped = 0, succeeded = 0;
        foreach (var c in apps)
        {
            if (c.State?.Running is not null)
            {
                running++;
            }
            else if (c.State?.Terminated is { } t)
            {
                stopped++;
                if (t.ExitCode == 0)
                {
                    succeeded++;
                }
            }
            else if (c.LastState?.Terminated is not null)
            {
                stopped++;
            }
            else
            {
                waiting++;
            }
        }

        if (waiting > 0)
        {
            return "Pending";
        }

        if (running > 0)
        {
            return "Running";
        }

        if (stopped > 0)
        {
            if (restart == "Always")
            {
                return "Running";
            }

            if (stopped == succeeded)
            {
                return "Succeeded";
            }

            return restart == "Never" ? "Failed" : "Running";
        }

        return "Pending";
    }

    private static V1PodCondition Condition(V1PodStatus old, string type, string status, string? reason, string? message, DateTime now)
    {
        var previous = old.Conditions?.FirstOrDefault(c => c.Type == type);
        return new V1PodCondition
        {
            Type = type,
            Status = status,
            Reason = reason,
            Message = message,
            LastProbeTime = null,
            LastTransitionTime = previous is not null && previous.Status == status ? previous.LastTransitionTime : now,
        };
    }

    public static string QosClass(V1PodSpec spec)
    {
        var all = spec.Containers.Concat(spec.InitContainers ?? []).ToList();
        var any = all.Any(c => c.Resources?.Requests?.Count > 0 || c.Resources?.Limits?.Count > 0);
        if (!any)
        {
            return "BestEffort";
        }

        var guaranteed = all.All(c =>
            c.Resources?.Limits is { } l && l.ContainsKey("cpu") && l.ContainsKey("memory")
            && (c.Resources.Requests is null || c.Resources.Requests.All(r => !l.TryGetValue(r.Key, out var lim) || lim.ToDecimal() == r.Value.ToDecimal())));
        return guaranteed ? "Guaranteed" : "Burstable";
    }
}
