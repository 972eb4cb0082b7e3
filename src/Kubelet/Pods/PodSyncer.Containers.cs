using System.Globalization;
using System.Net.Http;
using Grpc.Core;
using k8s.Models;
using KubeNet.Client;
using KubeNet.Kubelet.Cri.V1;
using Microsoft.Extensions.Logging;

namespace KubeNet.Kubelet.Pods;

/// <summary>Starting and stopping one container: image, environment, mounts, resources, lifecycle hooks.</summary>
internal sealed partial class PodSyncer
{
    private static readonly HttpClient HookClient = new() { Timeout = TimeSpan.FromSeconds(30) };

    private async Task StartContainerAsync(V1Pod pod, V1Container container, string kind, PodSandboxStatus sandbox, RuntimePod state, string? podIp,
        Dictionary<string, string> volumePaths, PodSyncState sync, CancellationToken ct)
    {
        if (!await EnsureImageAsync(pod, container, sync, ct))
        {
            return;
        }

        var previous = state.Instances(container.Name).FirstOrDefault();
        var attempt = previous is null ? 0u : previous.Attempt + 1;
        ContainerConfig config;
        try
        {
            config = await ContainerConfigAsync(pod, container, kind, attempt, podIp, volumePaths, ct);
        }
        catch (Exception e) when (e is ContainerConfigException or k8s.Autorest.HttpOperationException or IOException)
        {
            var message = e is ContainerConfigException ? e.Message : $"failed to prepare the container: {e.Message}";
            sync.Waiting[container.Name] = ("CreateContainerConfigError", message);
            events.Event(pod, EventTypes.Warning, "Failed", "Error: " + message);
            sync.RequeueAfter(TimeSpan.FromSeconds(5));
            return;
        }

        string id;
        try
        {
            id = (await cri.Runtime.CreateContainerAsync(new CreateContainerRequest
            {
                PodSandboxId = sandbox.Id,
                Config = config,
                SandboxConfig = SandboxConfig(pod, sandbox.Metadata.Attempt),
            }, cancellationToken: ct)).ContainerId;
        }
        catch (RpcException e)
        {
            sync.Waiting[container.Name] = ("CreateContainerError", e.Status.Detail);
            events.Event(pod, EventTypes.Warning, "Failed", "Error: " + e.Status.Detail);
            sync.RequeueAfter(TimeSpan.FromSeconds(5));
            return;
        }

        events.Event(pod, EventTypes.Normal, "Created", $"Created container {container.Name}");
        try
        {
            await cri.Runtime.StartContainerAsync(new StartContainerRequest { ContainerId = id }, cancellationToken: ct);
        }
        catch (RpcException e)
        {
            events.Event(pod, EventTypes.Warning, "Failed", "Error: " + e.Status.Detail);
            sync.Waiting[container.Name] = ("RunContainerError", e.Status.Detail);
            sync.RequeueAfter(TimeSpan.FromSeconds(1));
            return;
        }

        events.Event(pod, EventTypes.Normal, "Started", $"Started container {container.Name}");
        LogContainerStarted(logger, pod.Metadata.NamespaceProperty, pod.Metadata.Name, container.Name, attempt);
        if (container.Lifecycle?.PostStart is { } postStart)
        {
            var failure = await RunHookAsync(postStart, id, podIp, ct);
            if (failure is not null)
            {
                events.Event(pod, EventTypes.Warning, "FailedPostStartHook", failure);
                await cri.Runtime.StopContainerAsync(new StopContainerRequest { ContainerId = id, Timeout = Grace(pod) }, cancellationToken: ct);
            }
        }

        sync.RequeueAfter(TimeSpan.FromMilliseconds(200));
    }

    private async Task<bool> EnsureImageAsync(V1Pod pod, V1Container container, PodSyncState sync, CancellationToken ct)
    {
        var image = container.Image;
        var (_, tag) = Runtimes.Docker.DockerImageService.SplitReference(image);
        var policy = container.ImagePullPolicy ?? (tag == "latest" ? "Always" : "IfNotPresent");
        var present = (await cri.Images.ImageStatusAsync(new ImageStatusRequest { Image = new ImageSpec { Image = image } }, cancellationToken: ct)).Image is not null;
        if (policy == "Never")
        {
            if (present)
            {
                return true;
            }

            var message = $"Container image \"{image}\" is not present with pull policy of Never";
            sync.Waiting[container.Name] = ("ErrImageNeverPull", message);
            events.Event(pod, EventTypes.Warning, "ErrImageNeverPull", message);
            return false;
        }

        if (present && policy == "IfNotPresent")
        {
            return true;
        }

        var key = $"{pod.Metadata.Uid}/pull/{image}";
        if (!present && backoff.InBackoffSince(key, sync.LastPullFailure ?? DateTime.MinValue, out var delay))
        {
            sync.Waiting[container.Name] = ("ImagePullBackOff", $"Back-off pulling image \"{image}\"");
            sync.RequeueAfter((sync.LastPullFailure ?? DateTime.UtcNow) + delay - DateTime.UtcNow);
            return false;
        }

        events.Event(pod, EventTypes.Normal, "Pulling", $"Pulling image \"{image}\"");
        var started = DateTime.UtcNow;
        try
        {
            await cri.Images.PullImageAsync(new PullImageRequest { Image = new ImageSpec { Image = image } }, cancellationToken: ct);
            backoff.Forget(key);
            events.Event(pod, EventTypes.Normal, "Pulled", $"Successfully pulled image \"{image}\" in {(DateTime.UtcNow - started).TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)}ms");
            return true;
        }
        catch (RpcException e) when (present)
        {
            // No registry answers here: an image made locally stands in, as if the pull had found it unchanged.
            events.Event(pod, EventTypes.Normal, "Pulled", $"Container image \"{image}\" already present on machine ({e.Status.Detail})");
            return true;
        }
        catch (RpcException e)
        {
            backoff.Next(key);
            sync.LastPullFailure = DateTime.UtcNow;
            var message = $"Failed to pull image \"{image}\": {e.Status.Detail}";
            sync.Waiting[container.Name] = ("ErrImagePull", message);
            events.Event(pod, EventTypes.Warning, "Failed", message);
            events.Event(pod, EventTypes.Warning, "Failed", "Error: ErrImagePull");
            sync.RequeueAfter(TimeSpan.FromSeconds(1));
            return false;
        }
    }

    /// <summary>Stops one container: its preStop hook first, then SIGTERM with what is left of the grace period.</summary>
    public async Task StopContainerAsync(V1Pod pod, RuntimeContainer container, long graceSeconds, CancellationToken ct)
    {
        var spec = pod.Spec.Containers.Concat(pod.Spec.InitContainers ?? []).FirstOrDefault(c => c.Name == container.Name);
        var started = DateTime.UtcNow;
        if (spec?.Lifecycle?.PreStop is { } preStop && graceSeconds > 0 && container.Running)
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
            limit.CancelAfter(TimeSpan.FromSeconds(graceSeconds));
            try
            {
                var failure = await RunHookAsync(preStop, container.Id, sandboxIp: null, limit.Token);
                if (failure is not null)
                {
                    events.Event(pod, EventTypes.Warning, "FailedPreStopHook", failure);
                }
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
            }
        }

        var left = Math.Max(2, graceSeconds - (long)(DateTime.UtcNow - started).TotalSeconds);
        if (graceSeconds == 0)
        {
            left = 0;
        }

        try
        {
            await cri.Runtime.StopContainerAsync(new StopContainerRequest { ContainerId = container.Id, Timeout = left }, cancellationToken: ct);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
        }
    }

    /// <summary>Stops every running container (in parallel, each with the grace period) and the sandbox.</summary>
    public async Task KillPodAsync(V1Pod pod, RuntimePod state, long graceSeconds, CancellationToken ct)
    {
        var running = state.Containers.Where(c => c.Running).ToList();
        if (running.Count > 0)
        {
            foreach (var c in running)
            {
                events.Event(pod, EventTypes.Normal, "Killing", $"Stopping container {c.Name}");
            }

            await Task.WhenAll(running.Select(c => StopContainerAsync(pod, c, graceSeconds, ct)));
        }

        foreach (var s in state.Sandboxes.Where(s => s.State == PodSandboxState.SandboxReady))
        {
            await cri.Runtime.StopPodSandboxAsync(new StopPodSandboxRequest { PodSandboxId = s.Id }, cancellationToken: ct);
        }
    }

    /// <summary>Removes every container and sandbox of the pod from the runtime, then its volumes and logs.</summary>
    public async Task RemoveAsync(string uid, RuntimePod state, string? logDirectory, CancellationToken ct)
    {
        foreach (var c in state.Containers)
        {
            probes.Forget(c.Id);
            await cri.Runtime.RemoveContainerAsync(new RemoveContainerRequest { ContainerId = c.Id }, cancellationToken: ct);
        }

        foreach (var s in state.Sandboxes)
        {
            await cri.Runtime.StopPodSandboxAsync(new StopPodSandboxRequest { PodSandboxId = s.Id }, cancellationToken: ct);
            await cri.Runtime.RemovePodSandboxAsync(new RemovePodSandboxRequest { PodSandboxId = s.Id }, cancellationToken: ct);
        }

        await volumes.CleanupAsync(uid, ct);
        backoff.Forget(uid + "/");
        if (logDirectory is not null && Directory.Exists(logDirectory))
        {
            Directory.Delete(logDirectory, recursive: true);
        }
    }

    /// <summary>Keeps the newest two instances of each container (the current one and the one `logs --previous` reads).</summary>
    private async Task PruneAsync(RuntimePod state, CancellationToken ct)
    {
        foreach (var group in state.Containers.GroupBy(c => c.Name))
        {
            foreach (var old in group.OrderByDescending(c => c.Attempt).Skip(2).Where(c => !c.Running))
            {
                probes.Forget(old.Id);
                await cri.Runtime.RemoveContainerAsync(new RemoveContainerRequest { ContainerId = old.Id }, cancellationToken: ct);
            }
        }

        // Sandboxes other than the newest hold nothing running once their containers are gone.
        foreach (var s in state.Sandboxes.Skip(1))
        {
            if (!state.Containers.Any(c => c.Summary.PodSandboxId == s.Id))
            {
                await cri.Runtime.StopPodSandboxAsync(new StopPodSandboxRequest { PodSandboxId = s.Id }, cancellationToken: ct);
                await cri.Runtime.RemovePodSandboxAsync(new RemovePodSandboxRequest { PodSandboxId = s.Id }, cancellationToken: ct);
            }
        }
    }

    /// <summary>Runs an exec or httpGet hook; null on success, else the failure message.</summary>
    private async Task<string?> RunHookAsync(V1LifecycleHandler hook, string containerId, string? sandboxIp, CancellationToken ct)
    {
        if (hook.Exec is { } exec)
        {
            var result = await cri.Runtime.ExecSyncAsync(new ExecSyncRequest { ContainerId = containerId, Cmd = { exec.Command }, Timeout = 30 }, cancellationToken: ct);
            return result.ExitCode == 0
                ? null
                : $"Exec lifecycle hook ({string.Join(' ', exec.Command)}) for Container in Pod failed - error: command '{string.Join(' ', exec.Command)}' exited with {result.ExitCode}: {result.Stderr.ToStringUtf8()}{result.Stdout.ToStringUtf8()}";
        }

        if (hook.HttpGet is { } http)
        {
            var host = string.IsNullOrEmpty(http.Host) ? sandboxIp ?? "127.0.0.1" : http.Host;
            var port = http.Port.Value;
            var url = $"{(http.Scheme ?? "HTTP").ToLowerInvariant()}://{host}:{port}{http.Path ?? "/"}";
            try
            {
                using var response = await HookClient.GetAsync(url, ct);
                return response.IsSuccessStatusCode ? null : $"HTTP lifecycle hook ({http.Path}) failed: {(int)response.StatusCode}";
            }
            catch (HttpRequestException e)
            {
                return $"HTTP lifecycle hook ({http.Path}) failed: {e.Message}";
            }
        }

        if (hook.Sleep is { } sleep)
        {
            await Task.Delay(TimeSpan.FromSeconds(sleep.Seconds), ct);
        }

        return null;
    }

    [LoggerMessage(EventId = 6200, Level = LogLevel.Information, Message = "Started container {Container} of pod {Namespace}/{Pod} (attempt {Attempt})")]
    private static partial void LogContainerStarted(ILogger logger, string @namespace, string pod, string container, uint attempt);
}
