using System.Net;
using Docker.DotNet;
using Docker.DotNet.Models;
using ContainerState = KubeNet.Kubelet.Cri.V1.ContainerState;
using CreateContainerResponse = KubeNet.Kubelet.Cri.V1.CreateContainerResponse;
using VersionResponse = KubeNet.Kubelet.Cri.V1.VersionResponse;
using DockerMount = Docker.DotNet.Models.Mount;
using Grpc.Core;
using KubeNet.Kubelet.Cri.V1;
using KubeNet.Kubelet.Network;
using Microsoft.Extensions.Logging;

namespace KubeNet.Kubelet.Runtimes.Docker;

/// <summary>
/// The CRI runtime service over Docker: sandboxes (this file), containers, exec and stats (the partial files). Each
/// call maps to a few Docker Engine API calls; the network of a sandbox is wired by <see cref="SandboxNetwork"/>.
/// </summary>
internal sealed partial class DockerRuntimeService(
    IDockerClient docker,
    DockerCriOptions options,
    SandboxNetwork network,
    StreamingServer streaming,
    ILogger logger) : RuntimeService.RuntimeServiceBase
{
    public const string RuntimeName = "docker";
    public const string RuntimeApiVersion = "v1";

    private readonly string _instance = DockerLabels.InstanceOf(options.StateDirectory);
    private volatile bool _sandboxImagePresent;

    public override async Task<VersionResponse> Version(VersionRequest request, ServerCallContext context)
    {
        var version = await Call(() => docker.System.GetVersionAsync(context.CancellationToken));
        return new VersionResponse
        {
            Version = "0.1.0",
            RuntimeName = RuntimeName,
            RuntimeVersion = version.Version,
            RuntimeApiVersion = RuntimeApiVersion,
        };
    }

    public override async Task<StatusResponse> Status(StatusRequest request, ServerCallContext context)
    {
        var runtimeReady = new RuntimeCondition { Type = "RuntimeReady", Status = true };
        try
        {
            await docker.System.PingAsync(context.CancellationToken);
        }
        catch (Exception e) when (e is DockerApiException or HttpRequestException or IOException or TimeoutException)
        {
            runtimeReady.Status = false;
            runtimeReady.Reason = "DockerDaemonNotReady";
            runtimeReady.Message = $"docker: {e.Message}";
        }

        var (networkReady, reason, message) = network.Readiness();
        return new StatusResponse
        {
            Status = new RuntimeStatus
            {
                Conditions =
                {
                    runtimeReady,
                    new RuntimeCondition { Type = "NetworkReady", Status = networkReady, Reason = reason, Message = message },
                },
            },
        };
    }

    public override Task<UpdateRuntimeConfigResponse> UpdateRuntimeConfig(UpdateRuntimeConfigRequest request, ServerCallContext context)
    {
        var cidr = request.RuntimeConfig?.NetworkConfig?.PodCidr;
        if (!string.IsNullOrEmpty(cidr))
        {
            network.SetPodCidr(cidr);
        }

        return Task.FromResult(new UpdateRuntimeConfigResponse());
    }

    public override async Task<RunPodSandboxResponse> RunPodSandbox(RunPodSandboxRequest request, ServerCallContext context)
    {
        var config = request.Config ?? throw new RpcException(new Status(StatusCode.InvalidArgument, "sandbox config is required"));
        var ct = context.CancellationToken;
        var meta = config.Metadata ?? throw new RpcException(new Status(StatusCode.InvalidArgument, "sandbox metadata is required"));
        if (!_sandboxImagePresent)
        {
            // Checked until found once; should it be removed later, a create fails as not found and the check is made again.
            await EnsureImageAsync(options.SandboxImage, ct);
            _sandboxImagePresent = true;
        }

        var hostNetwork = config.Linux?.SecurityContext?.NamespaceOptions?.Network == NamespaceMode.Node;
        var hostPid = config.Linux?.SecurityContext?.NamespaceOptions?.Pid == NamespaceMode.Node;
        var hostIpc = config.Linux?.SecurityContext?.NamespaceOptions?.Ipc == NamespaceMode.Node;

        var labels = DockerLabels.Encode(config.Labels, config.Annotations);
        labels[DockerLabels.Type] = DockerLabels.TypeSandbox;
        labels[DockerLabels.Instance] = _instance;
        labels[DockerLabels.MetaName] = meta.Name;
        labels[DockerLabels.MetaUid] = meta.Uid;
        labels[DockerLabels.MetaNamespace] = meta.Namespace;
        labels[DockerLabels.MetaAttempt] = meta.Attempt.ToString(System.Globalization.CultureInfo.InvariantCulture);
        labels[DockerLabels.MetaHostNetwork] = hostNetwork ? "true" : "false";

        var hostConfig = new HostConfig
        {
            NetworkMode = hostNetwork ? "host" : "none",
            IpcMode = hostIpc ? "host" : "shareable",
            PidMode = hostPid ? "host" : string.Empty,
            Privileged = config.Linux?.SecurityContext?.Privileged ?? false,
            LogConfig = new LogConfig { Type = "none", Config = new Dictionary<string, string>() },
        };
        if (config.DnsConfig is { } dns && !hostNetwork)
        {
            hostConfig.DNS = [.. dns.Servers];
            hostConfig.DNSSearch = [.. dns.Searches];
            hostConfig.DNSOptions = [.. dns.Options];
        }

        var create = new CreateContainerParameters
        {
            Name = DockerLabels.SandboxName(meta),
            Image = options.SandboxImage,
            Hostname = hostNetwork ? null : config.Hostname,
            Labels = labels,
            HostConfig = hostConfig,
        };

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var id = await CreateReplacingAsync(create, ct);
        var created = clock.Elapsed;
        await Call(() => docker.Containers.StartContainerAsync(id, new ContainerStartParameters(), ct));
        var started = clock.Elapsed;
        if (!string.IsNullOrEmpty(config.LogDirectory))
        {
            Directory.CreateDirectory(config.LogDirectory);
        }

        if (!hostNetwork)
        {
            var inspect = await Call(() => docker.Containers.InspectContainerAsync(id, ct));
            try
            {
                await network.AttachAsync(id, inspect.State.Pid, config, ct);
                network.HostPorts.Open(id, network.AddressOf(id) ?? throw new InvalidOperationException("the sandbox has no address"), config.PortMappings);
            }
            catch (Exception e) when (e is InvalidOperationException or IOException)
            {
                LogSandboxNetworkFailed(logger, meta.Namespace, meta.Name, e.Message);
                await network.DetachAsync(id, inspect.State.Pid, CancellationToken.None);
                await StopAndRemoveQuietlyAsync(id);
                throw new RpcException(new Status(StatusCode.Unknown, $"failed to set up sandbox network for pod {meta.Namespace}/{meta.Name}: {e.Message}"));
            }
        }

        LogSandboxStarted(logger, meta.Namespace, meta.Name, id, (long)created.TotalMilliseconds, (long)(started - created).TotalMilliseconds, (long)(clock.Elapsed - started).TotalMilliseconds);
        return new RunPodSandboxResponse { PodSandboxId = id };
    }

    public override async Task<StopPodSandboxResponse> StopPodSandbox(StopPodSandboxRequest request, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        var sandbox = await InspectOrNullAsync(request.PodSandboxId, ct);
        if (sandbox is null)
        {
            return new StopPodSandboxResponse();
        }

        // Containers first, forcibly: the kubelet gave them their grace period before it got here.
        foreach (var c in await ListDockerAsync(DockerLabels.TypeContainer, new() { [DockerLabels.SandboxId] = sandbox.ID }, ct))
        {
            if (c.State == "running")
            {
                await IgnoreNotFound(() => docker.Containers.StopContainerAsync(c.ID, new ContainerStopParameters { WaitBeforeKillSeconds = 0 }, ct));
            }
        }

        network.HostPorts.Close(sandbox.ID);
        await network.DetachAsync(sandbox.ID, sandbox.State.Pid, ct);
        if (sandbox.State.Running)
        {
            await IgnoreNotFound(() => docker.Containers.StopContainerAsync(sandbox.ID, new ContainerStopParameters { WaitBeforeKillSeconds = 2 }, ct));
        }

        return new StopPodSandboxResponse();
    }

    public override async Task<RemovePodSandboxResponse> RemovePodSandbox(RemovePodSandboxRequest request, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        var sandbox = await InspectOrNullAsync(request.PodSandboxId, ct);
        if (sandbox is null)
        {
            return new RemovePodSandboxResponse();
        }

        foreach (var c in await ListDockerAsync(DockerLabels.TypeContainer, new() { [DockerLabels.SandboxId] = sandbox.ID }, ct))
        {
            await RemoveContainerAndLogAsync(c.ID, DockerLabels.Get(c.Labels, DockerLabels.MetaLogPath), ct);
        }

        network.HostPorts.Close(sandbox.ID);
        await network.DetachAsync(sandbox.ID, sandbox.State.Running ? sandbox.State.Pid : 0, ct);
        await IgnoreNotFound(() => docker.Containers.RemoveContainerAsync(sandbox.ID, new ContainerRemoveParameters { Force = true }, ct));
        network.Forget(sandbox.ID);
        return new RemovePodSandboxResponse();
    }

    public override async Task<PodSandboxStatusResponse> PodSandboxStatus(PodSandboxStatusRequest request, ServerCallContext context)
    {
        var sandbox = await InspectOrNullAsync(request.PodSandboxId, context.CancellationToken)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"could not find pod sandbox \"{request.PodSandboxId}\""));
        if (DockerLabels.Get(sandbox.Config.Labels, DockerLabels.Type) != DockerLabels.TypeSandbox)
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"could not find pod sandbox \"{request.PodSandboxId}\""));
        }

        var (labels, annotations) = DockerLabels.Decode(sandbox.Config.Labels);
        var hostNetwork = DockerLabels.Get(sandbox.Config.Labels, DockerLabels.MetaHostNetwork) == "true";
        var status = new PodSandboxStatus
        {
            Id = sandbox.ID,
            Metadata = DockerLabels.SandboxMetadata(sandbox.Config.Labels),
            State = sandbox.State.Running ? PodSandboxState.SandboxReady : PodSandboxState.SandboxNotready,
            CreatedAt = DockerLabels.Nanos(sandbox.Created),
            Network = new PodSandboxNetworkStatus { Ip = hostNetwork ? string.Empty : network.AddressOf(sandbox.ID) ?? string.Empty },
            Linux = new LinuxPodSandboxStatus
            {
                Namespaces = new Cri.V1.Namespace
                {
                    Options = new NamespaceOption
                    {
                        Network = hostNetwork ? NamespaceMode.Node : NamespaceMode.Pod,
                        Pid = sandbox.HostConfig.PidMode == "host" ? NamespaceMode.Node : NamespaceMode.Container,
                        Ipc = sandbox.HostConfig.IpcMode == "host" ? NamespaceMode.Node : NamespaceMode.Pod,
                    },
                },
            },
        };
        status.Labels.Add(labels);
        status.Annotations.Add(annotations);
        var response = new PodSandboxStatusResponse { Status = status };
        if (request.Verbose)
        {
            response.Info["info"] = System.Text.Json.JsonSerializer.Serialize(new { pid = sandbox.State.Pid, image = sandbox.Config.Image });
        }

        return response;
    }

    public override async Task<ListPodSandboxResponse> ListPodSandbox(ListPodSandboxRequest request, ServerCallContext context)
    {
        var filter = request.Filter;
        var selector = filter?.LabelSelector is { Count: > 0 } s ? new Dictionary<string, string>(s) : [];
        var found = await ListDockerAsync(DockerLabels.TypeSandbox, selector, context.CancellationToken, filter?.Id);
        var response = new ListPodSandboxResponse();
        foreach (var c in found)
        {
            var state = c.State == "running" ? PodSandboxState.SandboxReady : PodSandboxState.SandboxNotready;
            if (filter?.State is { } wanted && wanted.State != state)
            {
                continue;
            }

            var (labels, annotations) = DockerLabels.Decode(c.Labels);
            var item = new PodSandbox
            {
                Id = c.ID,
                Metadata = DockerLabels.SandboxMetadata(c.Labels),
                State = state,
                CreatedAt = DockerLabels.Nanos(c.Created),
            };
            item.Labels.Add(labels);
            item.Annotations.Add(annotations);
            response.Items.Add(item);
        }

        return response;
    }

    /// <summary>Docker containers of one kind whose labels match; an id filter matches a full id or a unique prefix.</summary>
    private async Task<IList<ContainerListResponse>> ListDockerAsync(string type, Dictionary<string, string> labels, CancellationToken ct, string? id = null)
    {
        var label = new Dictionary<string, bool>(StringComparer.Ordinal) { [$"{DockerLabels.Type}={type}"] = true, [$"{DockerLabels.Instance}={_instance}"] = true };
        foreach (var (k, v) in labels)
        {
            label[$"{k}={v}"] = true;
        }

        var filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = label };
        if (!string.IsNullOrEmpty(id))
        {
            filters["id"] = new Dictionary<string, bool> { [id] = true };
        }

        return await Call(() => docker.Containers.ListContainersAsync(new ContainersListParameters { All = true, Filters = filters }, ct));
    }

    private async Task<ContainerInspectResponse?> InspectOrNullAsync(string id, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(id))
        {
            return null;
        }

        try
        {
            return await docker.Containers.InspectContainerAsync(id, ct);
        }
        catch (DockerContainerNotFoundException)
        {
            return null;
        }
        catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        catch (Exception e) when (e is DockerApiException or HttpRequestException or IOException)
        {
            throw Unavailable(e);
        }
    }

    /// <summary>Creates a container; a leftover of the same name (a crash between create and record) is removed first.</summary>
    private async Task<string> CreateReplacingAsync(CreateContainerParameters create, CancellationToken ct)
    {
        try
        {
            return (await docker.Containers.CreateContainerAsync(create, ct)).ID;
        }
        catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.Conflict)
        {
            await IgnoreNotFound(() => docker.Containers.RemoveContainerAsync(create.Name, new ContainerRemoveParameters { Force = true }, ct));
            return (await Call(() => docker.Containers.CreateContainerAsync(create, ct))).ID;
        }
        catch (DockerImageNotFoundException e)
        {
            _sandboxImagePresent = false;
            throw new RpcException(new Status(StatusCode.NotFound, e.Message));
        }
        catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            throw new RpcException(new Status(StatusCode.NotFound, e.ResponseBody ?? e.Message));
        }
        catch (Exception e) when (e is DockerApiException or HttpRequestException or IOException)
        {
            throw Unavailable(e);
        }
    }

    private async Task EnsureImageAsync(string image, CancellationToken ct)
    {
        try
        {
            await docker.Images.InspectImageAsync(image, ct);
        }
        catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"the sandbox image {image} is missing: build it with hack/docker.sh images"));
        }
        catch (Exception e) when (e is DockerApiException or HttpRequestException or IOException)
        {
            throw Unavailable(e);
        }
    }

    private async Task StopAndRemoveQuietlyAsync(string id)
    {
        try
        {
            await docker.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true });
        }
        catch (Exception e) when (e is DockerApiException or HttpRequestException or IOException)
        {
            LogCleanupFailed(logger, id, e.Message);
        }
    }

    private static async Task IgnoreNotFound(Func<Task> call)
    {
        try
        {
            await call();
        }
        catch (DockerContainerNotFoundException)
        {
        }
        catch (DockerApiException e) when (e.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.NotModified)
        {
        }
        catch (Exception e) when (e is DockerApiException or HttpRequestException or IOException)
        {
            throw Unavailable(e);
        }
    }

    private static async Task<T> Call<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (DockerContainerNotFoundException e)
        {
            throw new RpcException(new Status(StatusCode.NotFound, e.Message));
        }
        catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            throw new RpcException(new Status(StatusCode.NotFound, e.ResponseBody ?? e.Message));
        }
        catch (Exception e) when (e is DockerApiException or HttpRequestException or IOException)
        {
            throw Unavailable(e);
        }
    }

    private static async Task Call(Func<Task> call) => await Call(async () =>
    {
        await call();
        return true;
    });

    private static RpcException Unavailable(Exception e) => e is DockerApiException api
        ? new RpcException(new Status(StatusCode.Unknown, $"docker: {api.ResponseBody?.Trim() ?? api.Message}"))
        : new RpcException(new Status(StatusCode.Unavailable, $"docker is unreachable: {e.Message}"));

    [LoggerMessage(EventId = 6100, Level = LogLevel.Information, Message = "Sandbox of pod {Namespace}/{Name} started: {Id} (create {CreateMs} ms, start {StartMs} ms, network {NetworkMs} ms)")]
    private static partial void LogSandboxStarted(ILogger logger, string @namespace, string name, string id, long createMs, long startMs, long networkMs);

    [LoggerMessage(EventId = 6101, Level = LogLevel.Warning, Message = "Sandbox network of pod {Namespace}/{Name} failed: {Message}")]
    private static partial void LogSandboxNetworkFailed(ILogger logger, string @namespace, string name, string message);

    [LoggerMessage(EventId = 6102, Level = LogLevel.Warning, Message = "Removing container {Id} failed: {Message}")]
    private static partial void LogCleanupFailed(ILogger logger, string id, string message);
}
