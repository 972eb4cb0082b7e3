using System.Globalization;
using Grpc.Core;
using k8s;
using k8s.Models;
using KubeNet.Client;
using KubeNet.Kubelet.Cri;
using KubeNet.Kubelet.Cri.V1;
using KubeNet.Kubelet.Probes;
using KubeNet.Kubelet.Volumes;
using Microsoft.Extensions.Logging;

namespace KubeNet.Kubelet.Pods;

/// <summary>
/// One sync of one pod against the runtime, in upstream's order (kuberuntime_manager SyncPod): sandbox, then init
/// containers one at a time in order, then app containers, restarting by restartPolicy with crash-loop back-off; and the
/// kill path (preStop, SIGTERM, grace period, SIGKILL) for deletion and terminal pods. Waiting reasons it decides
/// (ErrImagePull, CrashLoopBackOff, ...) go to the status through <see cref="PodSyncState"/>.
/// </summary>
internal sealed partial class PodSyncer(
    IKubernetes client,
    CriClient cri,
    VolumeManager volumes,
    ProbeManager probes,
    BackoffTracker backoff,
    EventRecorder events,
    KubeletOptions options,
    ILogger logger)
{
    public const string DefaultTerminationMessagePath = "/dev/termination-log";

    public string LogDirectory(V1Pod pod) =>
        Path.Combine(options.RootDirectory, "logs", "pods", $"{pod.Metadata.NamespaceProperty}_{pod.Metadata.Name}_{pod.Metadata.Uid}");

    public async Task SyncAsync(V1Pod pod, RuntimePod state, PodSyncState sync, CancellationToken ct)
    {
        sync.Waiting.Clear();
        var spec = pod.Spec;
        var restart = spec.RestartPolicy ?? "Always";

        // Sandbox: the newest must be ready; otherwise everything starts again in a new one.
        var sandbox = state.ReadySandbox;
        if (sandbox is null)
        {
            var ranBefore = state.Sandboxes.Count > 0 && state.Containers.Count > 0;
            if (ranBefore && restart == "Never")
            {
                // Upstream does not restart containers of a Never pod whose sandbox died; status goes terminal.
                return;
            }

            foreach (var c in state.Containers.Where(c => c.Running))
            {
                await StopContainerAsync(pod, c, 0, ct);
            }

            foreach (var old in state.Sandboxes.Where(s => s.State == PodSandboxState.SandboxReady))
            {
                await cri.Runtime.StopPodSandboxAsync(new StopPodSandboxRequest { PodSandboxId = old.Id }, cancellationToken: ct);
            }

            var attempt = state.Latest is null ? 0u : state.Latest.Metadata.Attempt + 1;
            var config = SandboxConfig(pod, attempt);
            Directory.CreateDirectory(config.LogDirectory);
            try
            {
                var id = (await cri.Runtime.RunPodSandboxAsync(new RunPodSandboxRequest { Config = config }, cancellationToken: ct)).PodSandboxId;
                sandbox = (await cri.Runtime.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = id }, cancellationToken: ct)).Status;
                if (attempt > 0)
                {
                    events.Event(pod, EventTypes.Normal, "SandboxChanged", "Pod sandbox changed, it will be killed and re-created.");
                }
            }
            catch (RpcException e)
            {
                events.Event(pod, EventTypes.Warning, "FailedCreatePodSandBox", $"Failed to create pod sandbox: {e.Status.Detail}");
                sync.SandboxError = e.Status.Detail;
                sync.RequeueAfter(TimeSpan.FromSeconds(5));
                return;
            }

            state.Sandboxes.Insert(0, sandbox);
        }

        sync.SandboxError = null;
        var podIp = string.IsNullOrEmpty(sandbox.Network?.Ip) ? null : sandbox.Network.Ip;
        if (spec.HostNetwork == true)
        {
            podIp = options.Address;
        }

        sync.PodIp = podIp;

        Dictionary<string, string> volumePaths;
        try
        {
            volumePaths = await volumes.PrepareAsync(pod, podIp, options.Address, ct);
            sync.VolumeError = null;
        }
        catch (Exception e) when (e is VolumeException or IOException or k8s.Autorest.HttpOperationException or UnauthorizedAccessException)
        {
            var message = e is k8s.Autorest.HttpOperationException h ? $"{h.Response.StatusCode}: {h.Response.Content}" : e.Message;
            if (sync.VolumeError != message)
            {
                events.Event(pod, EventTypes.Warning, "FailedMount", $"MountVolume.SetUp failed: {message}");
            }

            sync.VolumeError = message;
            sync.RequeueAfter(TimeSpan.FromSeconds(5));
            return;
        }

        // Init containers in order; the first not yet succeeded decides.
        foreach (var init in spec.InitContainers ?? [])
        {
            var current = state.Newest(init.Name, sandbox.Id);
            if (current is null)
            {
                await StartContainerAsync(pod, init, "init", sandbox, state, podIp, volumePaths, sync, ct);
                return;
            }

            if (current.Running || current.State == ContainerState.ContainerCreated)
            {
                return;
            }

            if (current.Status.ExitCode == 0)
            {
                continue;
            }

            if (restart == "Never")
            {
                return;
            }

            if (await BackedOffAsync(pod, init, current, sync))
            {
                return;
            }

            await StartContainerAsync(pod, init, "init", sandbox, state, podIp, volumePaths, sync, ct);
            return;
        }

        foreach (var container in spec.Containers)
        {
            var current = state.Newest(container.Name, sandbox.Id);
            if (current is null)
            {
                await StartContainerAsync(pod, container, "app", sandbox, state, podIp, volumePaths, sync, ct);
                continue;
            }

            if (current.Running)
            {
                var failed = probes.LivenessFailed(current.Id) ? "liveness" : probes.StartupFailed(current.Id) ? "startup" : null;
                if (failed is not null)
                {
                    events.Event(pod, EventTypes.Normal, "Killing", $"Container {container.Name} failed {failed} probe, will be restarted");
                    await StopContainerAsync(pod, current, Grace(pod), ct);
                    sync.RequeueAfter(TimeSpan.Zero);
                }

                continue;
            }

            if (!current.Exited)
            {
                continue;
            }

            var shouldRestart = restart == "Always" || (restart == "OnFailure" && current.Status.ExitCode != 0);
            if (!shouldRestart || await BackedOffAsync(pod, container, current, sync))
            {
                continue;
            }

            await StartContainerAsync(pod, container, "app", sandbox, state, podIp, volumePaths, sync, ct);
        }

        await PruneAsync(state, ct);
    }

    private Task<bool> BackedOffAsync(V1Pod pod, V1Container container, RuntimeContainer current, PodSyncState sync)
    {
        var key = $"{pod.Metadata.Uid}/{container.Name}";
        var finished = current.FinishedAt ?? DateTime.UtcNow;
        if (backoff.InBackoffSince(key, finished, out var delay))
        {
            var message = $"back-off {Durations(delay)} restarting failed container={container.Name} pod={pod.Metadata.Name}_{pod.Metadata.NamespaceProperty}({pod.Metadata.Uid})";
            if (!sync.Waiting.ContainsKey(container.Name))
            {
                sync.Waiting[container.Name] = ("CrashLoopBackOff", message);
            }

            if (sync.LastBackoffEvent != current.Id)
            {
                sync.LastBackoffEvent = current.Id;
                events.Event(pod, EventTypes.Warning, "BackOff", "Back-off restarting failed container " + container.Name + " in pod " + pod.Metadata.Name + "_" + pod.Metadata.NamespaceProperty + "(" + pod.Metadata.Uid + ")");
            }

            sync.RequeueAfter(finished + delay - DateTime.UtcNow);
            return Task.FromResult(true);
        }

        backoff.Next(key);
        return Task.FromResult(false);
    }

    private static string Durations(TimeSpan d) => d.TotalMinutes >= 1 && d.Seconds == 0
        ? $"{(int)d.TotalMinutes}m0s"
        : d.TotalMinutes >= 1 ? $"{(int)d.TotalMinutes}m{d.Seconds}s" : $"{(int)d.TotalSeconds}s";

    private PodSandboxConfig SandboxConfig(V1Pod pod, uint attempt)
    {
        var spec = pod.Spec;
        var hostname = spec.Hostname ?? pod.Metadata.Name;
        if (hostname.Length > 63)
        {
            hostname = hostname[..63].TrimEnd('-', '.');
        }

        var config = new PodSandboxConfig
        {
            Metadata = new PodSandboxMetadata { Name = pod.Metadata.Name, Namespace = pod.Metadata.NamespaceProperty, Uid = pod.Metadata.Uid, Attempt = attempt },
            Hostname = spec.HostNetwork == true ? string.Empty : hostname,
            LogDirectory = LogDirectory(pod),
            Linux = new LinuxPodSandboxConfig
            {
                SecurityContext = new LinuxSandboxSecurityContext
                {
                    NamespaceOptions = new NamespaceOption
                    {
                        Network = spec.HostNetwork == true ? NamespaceMode.Node : NamespaceMode.Pod,
                        Pid = spec.HostPID == true ? NamespaceMode.Node : spec.ShareProcessNamespace == true ? NamespaceMode.Pod : NamespaceMode.Container,
                        Ipc = spec.HostIPC == true ? NamespaceMode.Node : NamespaceMode.Pod,
                    },
                    Privileged = spec.Containers.Concat(spec.InitContainers ?? []).Any(c => c.SecurityContext?.Privileged == true),
                },
            },
        };
        foreach (var (k, v) in pod.Metadata.Labels ?? new Dictionary<string, string>())
        {
            config.Labels[k] = v;
        }

        config.Labels[CriLabels.PodName] = pod.Metadata.Name;
        config.Labels[CriLabels.PodNamespace] = pod.Metadata.NamespaceProperty;
        config.Labels[CriLabels.PodUid] = pod.Metadata.Uid;
        foreach (var (k, v) in pod.Metadata.Annotations ?? new Dictionary<string, string>())
        {
            config.Annotations[k] = v;
        }

        foreach (var c in spec.Containers)
        {
            foreach (var p in c.Ports ?? [])
            {
                if (p.HostPort is > 0)
                {
                    config.PortMappings.Add(new PortMapping
                    {
                        ContainerPort = p.ContainerPort,
                        HostPort = p.HostPort.Value,
                        HostIp = p.HostIP ?? string.Empty,
                        Protocol = p.Protocol switch { "UDP" => Protocol.Udp, "SCTP" => Protocol.Sctp, _ => Protocol.Tcp },
                    });
                }
            }
        }

        return config;
    }

    public static long Grace(V1Pod pod) => pod.Metadata.DeletionGracePeriodSeconds ?? pod.Spec.TerminationGracePeriodSeconds ?? 30;

    private static string ContainerKind(V1Pod pod, string name) => pod.Spec.InitContainers?.Any(c => c.Name == name) == true ? "init" : "app";
}
