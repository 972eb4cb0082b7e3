using System.Globalization;
using Docker.DotNet.Models;
using ContainerState = KubeNet.Kubelet.Cri.V1.ContainerState;
using CreateContainerResponse = KubeNet.Kubelet.Cri.V1.CreateContainerResponse;
using VersionResponse = KubeNet.Kubelet.Cri.V1.VersionResponse;
using DockerMount = Docker.DotNet.Models.Mount;
using Grpc.Core;
using KubeNet.Kubelet.Cri.V1;

namespace KubeNet.Kubelet.Runtimes.Docker;

/// <summary>CRI containers as Docker containers that join their sandbox's network, IPC and (for POD mode) PID namespaces.</summary>
internal sealed partial class DockerRuntimeService
{
    public override async Task<CreateContainerResponse> CreateContainer(CreateContainerRequest request, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        var config = request.Config ?? throw new RpcException(new Status(StatusCode.InvalidArgument, "container config is required"));
        var meta = config.Metadata ?? throw new RpcException(new Status(StatusCode.InvalidArgument, "container metadata is required"));
        var sandbox = await InspectOrNullAsync(request.PodSandboxId, ct)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"could not find pod sandbox \"{request.PodSandboxId}\""));
        var sandboxMeta = DockerLabels.SandboxMetadata(sandbox.Config.Labels);
        var hostNetwork = DockerLabels.Get(sandbox.Config.Labels, DockerLabels.MetaHostNetwork) == "true";

        var logPath = string.Empty;
        var logDirectory = request.SandboxConfig?.LogDirectory;
        if (!string.IsNullOrEmpty(logDirectory) && !string.IsNullOrEmpty(config.LogPath))
        {
            logPath = Path.Combine(logDirectory, config.LogPath);
        }

        var labels = DockerLabels.Encode(config.Labels, config.Annotations);
        labels[DockerLabels.Type] = DockerLabels.TypeContainer;
        labels[DockerLabels.Instance] = _instance;
        labels[DockerLabels.SandboxId] = sandbox.ID;
        labels[DockerLabels.MetaName] = meta.Name;
        labels[DockerLabels.MetaAttempt] = meta.Attempt.ToString(CultureInfo.InvariantCulture);
        labels[DockerLabels.MetaLogPath] = logPath;
        labels[DockerLabels.MetaImage] = config.Image?.Image ?? string.Empty;

        var security = config.Linux?.SecurityContext;
        var ns = security?.NamespaceOptions;
        var resources = config.Linux?.Resources;
        var hostConfig = new HostConfig
        {
            NetworkMode = hostNetwork ? "host" : $"container:{sandbox.ID}",
            IpcMode = sandbox.HostConfig.IpcMode == "host" ? "host" : $"container:{sandbox.ID}",
            PidMode = ns?.Pid switch
            {
                NamespaceMode.Node => "host",
                NamespaceMode.Pod => $"container:{sandbox.ID}",
                NamespaceMode.Target when !string.IsNullOrEmpty(ns.TargetId) => $"container:{ns.TargetId}",
                _ => string.Empty,
            },
            Mounts = [.. config.Mounts.Select(ToDockerMount)],
            Privileged = security?.Privileged ?? false,
            ReadonlyRootfs = security?.ReadonlyRootfs ?? false,
            CapAdd = security?.Capabilities?.AddCapabilities is { Count: > 0 } add ? [.. add] : null,
            CapDrop = security?.Capabilities?.DropCapabilities is { Count: > 0 } drop ? [.. drop] : null,
            GroupAdd = security?.SupplementalGroups is { Count: > 0 } groups ? [.. groups.Select(g => g.ToString(CultureInfo.InvariantCulture))] : null,
            SecurityOpt = security?.NoNewPrivs == true ? ["no-new-privileges"] : null,
            LogConfig = new LogConfig
            {
                Type = "json-file",
                Config = new Dictionary<string, string>
                {
                    ["max-size"] = options.LogMaxSize,
                    ["max-file"] = options.LogMaxFiles.ToString(CultureInfo.InvariantCulture),
                },
            },
        };
        if (resources is not null)
        {
            hostConfig.CPUShares = resources.CpuShares;
            hostConfig.CPUQuota = resources.CpuQuota;
            hostConfig.CPUPeriod = resources.CpuPeriod;
            hostConfig.Memory = resources.MemoryLimitInBytes;
            if (resources.MemoryLimitInBytes > 0)
            {
                // No swap beyond the limit, so the limit means what the pod spec says.
                hostConfig.MemorySwap = resources.MemoryLimitInBytes;
            }

            hostConfig.OomScoreAdj = resources.OomScoreAdj;
            hostConfig.CpusetCpus = resources.CpusetCpus;
            hostConfig.CpusetMems = resources.CpusetMems;
        }

        var devices = config.Devices.Select(d => new DeviceMapping { PathOnHost = d.HostPath, PathInContainer = d.ContainerPath, CgroupPermissions = string.IsNullOrEmpty(d.Permissions) ? "rwm" : d.Permissions }).ToList();
        if (devices.Count > 0)
        {
            hostConfig.Devices = devices;
        }

        string? user = null;
        if (security?.RunAsUser is { } uid)
        {
            user = security.RunAsGroup is { } gid
                ? $"{uid.Value.ToString(CultureInfo.InvariantCulture)}:{gid.Value.ToString(CultureInfo.InvariantCulture)}"
                : uid.Value.ToString(CultureInfo.InvariantCulture);
        }
        else if (!string.IsNullOrEmpty(security?.RunAsUsername))
        {
            user = security.RunAsUsername;
        }

        var create = new CreateContainerParameters
        {
            Name = DockerLabels.ContainerName(meta, sandboxMeta),
            Image = config.Image?.Image,
            Entrypoint = config.Command.Count > 0 ? [.. config.Command] : null,
            Cmd = config.Args.Count > 0 ? [.. config.Args] : null,
            WorkingDir = string.IsNullOrEmpty(config.WorkingDir) ? null : config.WorkingDir,
            Env = [.. config.Envs.Select(e => $"{e.Key}={e.Value}")],
            Labels = labels,
            Tty = config.Tty,
            OpenStdin = config.Stdin,
            StdinOnce = config.StdinOnce,
            AttachStdin = config.Stdin,
            AttachStdout = true,
            AttachStderr = true,
            User = user,
            StopSignal = config.StopSignal switch
            {
                Signal.Sigint => "SIGINT",
                Signal.Sigquit => "SIGQUIT",
                Signal.Sighup => "SIGHUP",
                Signal.Sigusr1 => "SIGUSR1",
                Signal.Sigusr2 => "SIGUSR2",
                Signal.Sigkill => "SIGKILL",
                _ => null,
            },
            HostConfig = hostConfig,
        };

        foreach (var m in config.Mounts)
        {
            if (!Directory.Exists(m.HostPath) && !File.Exists(m.HostPath))
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, $"mount source {m.HostPath} does not exist"));
            }
        }

        var id = await CreateReplacingAsync(create, ct);
        return new CreateContainerResponse { ContainerId = id };
    }

    private static DockerMount ToDockerMount(Cri.V1.Mount m) => new()
    {
        Type = "bind",
        Source = m.HostPath,
        Target = m.ContainerPath,
        ReadOnly = m.Readonly,
        BindOptions = new BindOptions
        {
            Propagation = m.Propagation switch
            {
                MountPropagation.PropagationHostToContainer => "rslave",
                MountPropagation.PropagationBidirectional => "rshared",
                _ => "rprivate",
            },
        },
    };

    public override async Task<StartContainerResponse> StartContainer(StartContainerRequest request, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        await Call(() => docker.Containers.StartContainerAsync(request.ContainerId, new ContainerStartParameters(), ct));
        var inspect = await Call(() => docker.Containers.InspectContainerAsync(request.ContainerId, ct));
        LinkLog(DockerLabels.Get(inspect.Config.Labels, DockerLabels.MetaLogPath), inspect.LogPath);
        return new StartContainerResponse();
    }

    /// <summary>
    /// The CRI log file is a link to Docker's json-file log, which Docker rotates; the kubelet reads both the CRI and
    /// the json-file formats, as upstream's log reader does.
    /// </summary>
    private static void LinkLog(string criPath, string? dockerPath)
    {
        if (string.IsNullOrEmpty(criPath) || string.IsNullOrEmpty(dockerPath))
        {
            return;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(criPath)!);
        if (File.Exists(criPath) || new FileInfo(criPath).LinkTarget is not null)
        {
            File.Delete(criPath);
        }

        File.CreateSymbolicLink(criPath, dockerPath);
    }

    public override async Task<StopContainerResponse> StopContainer(StopContainerRequest request, ServerCallContext context)
    {
        var timeout = (uint)Math.Clamp(request.Timeout, 0, int.MaxValue);
        await IgnoreNotFound(() => docker.Containers.StopContainerAsync(request.ContainerId, new ContainerStopParameters { WaitBeforeKillSeconds = timeout }, CancellationToken.None));
        return new StopContainerResponse();
    }

    public override async Task<RemoveContainerResponse> RemoveContainer(RemoveContainerRequest request, ServerCallContext context)
    {
        var inspect = await InspectOrNullAsync(request.ContainerId, context.CancellationToken);
        if (inspect is not null)
        {
            await RemoveContainerAndLogAsync(inspect.ID, DockerLabels.Get(inspect.Config.Labels, DockerLabels.MetaLogPath), context.CancellationToken);
        }

        return new RemoveContainerResponse();
    }

    private async Task RemoveContainerAndLogAsync(string id, string logPath, CancellationToken ct)
    {
        await IgnoreNotFound(() => docker.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true }, ct));
        if (!string.IsNullOrEmpty(logPath))
        {
            try
            {
                File.Delete(logPath);
            }
            catch (IOException)
            {
            }
        }
    }

    public override async Task<ListContainersResponse> ListContainers(ListContainersRequest request, ServerCallContext context)
    {
        var filter = request.Filter;
        var selector = filter?.LabelSelector is { Count: > 0 } s ? new Dictionary<string, string>(s) : [];
        if (!string.IsNullOrEmpty(filter?.PodSandboxId))
        {
            selector[DockerLabels.SandboxId] = filter.PodSandboxId;
        }

        var found = await ListDockerAsync(DockerLabels.TypeContainer, selector, context.CancellationToken, filter?.Id);
        var response = new ListContainersResponse();
        foreach (var c in found)
        {
            var state = StateOf(c.State);
            if (filter?.State is { } wanted && wanted.State != state)
            {
                continue;
            }

            var (labels, annotations) = DockerLabels.Decode(c.Labels);
            var item = new Container
            {
                Id = c.ID,
                PodSandboxId = DockerLabels.Get(c.Labels, DockerLabels.SandboxId),
                Metadata = DockerLabels.ContainerMetadata(c.Labels),
                Image = new ImageSpec { Image = DockerLabels.Get(c.Labels, DockerLabels.MetaImage) },
                ImageRef = c.ImageID,
                ImageId = c.ImageID,
                State = state,
                CreatedAt = DockerLabels.Nanos(c.Created),
            };
            item.Labels.Add(labels);
            item.Annotations.Add(annotations);
            response.Containers.Add(item);
        }

        return response;
    }

    private static ContainerState StateOf(string? dockerState) => dockerState switch
    {
        "created" => ContainerState.ContainerCreated,
        "running" or "paused" or "restarting" => ContainerState.ContainerRunning,
        "exited" or "dead" => ContainerState.ContainerExited,
        _ => ContainerState.ContainerUnknown,
    };

    public override async Task<ContainerStatusResponse> ContainerStatus(ContainerStatusRequest request, ServerCallContext context)
    {
        var c = await InspectOrNullAsync(request.ContainerId, context.CancellationToken);
        if (c is null || DockerLabels.Get(c.Config.Labels, DockerLabels.Type) != DockerLabels.TypeContainer)
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"could not find container \"{request.ContainerId}\""));
        }

        var state = StateOf(c.State.Status);
        var reason = string.Empty;
        var message = string.Empty;
        if (state == ContainerState.ContainerExited)
        {
            reason = c.State.OOMKilled ? "OOMKilled" : c.State.ExitCode == 0 ? "Completed" : "Error";
            message = c.State.Error ?? string.Empty;
        }

        var (labels, annotations) = DockerLabels.Decode(c.Config.Labels);
        var status = new Cri.V1.ContainerStatus
        {
            Id = c.ID,
            Metadata = DockerLabels.ContainerMetadata(c.Config.Labels),
            State = state,
            CreatedAt = DockerLabels.Nanos(c.Created),
            StartedAt = DockerLabels.Nanos(c.State.StartedAt),
            FinishedAt = state == ContainerState.ContainerExited ? DockerLabels.Nanos(c.State.FinishedAt) : 0,
            ExitCode = (int)c.State.ExitCode,
            Image = new ImageSpec { Image = DockerLabels.Get(c.Config.Labels, DockerLabels.MetaImage) },
            ImageRef = c.Image,
            ImageId = c.Image,
            Reason = reason,
            Message = message,
            LogPath = DockerLabels.Get(c.Config.Labels, DockerLabels.MetaLogPath),
        };
        status.Labels.Add(labels);
        status.Annotations.Add(annotations);
        foreach (var m in c.Mounts ?? [])
        {
            status.Mounts.Add(new Cri.V1.Mount { ContainerPath = m.Destination, HostPath = m.Source, Readonly = !m.RW });
        }

        var response = new ContainerStatusResponse { Status = status };
        if (request.Verbose)
        {
            response.Info["info"] = System.Text.Json.JsonSerializer.Serialize(new { pid = c.State.Pid, sandboxID = DockerLabels.Get(c.Config.Labels, DockerLabels.SandboxId) });
        }

        return response;
    }

    public override async Task<UpdateContainerResourcesResponse> UpdateContainerResources(UpdateContainerResourcesRequest request, ServerCallContext context)
    {
        var r = request.Linux ?? new LinuxContainerResources();
        await Call(() => docker.Containers.UpdateContainerAsync(request.ContainerId, new ContainerUpdateParameters
        {
            CPUShares = r.CpuShares,
            CPUQuota = r.CpuQuota,
            CPUPeriod = r.CpuPeriod,
            Memory = r.MemoryLimitInBytes,
            MemorySwap = r.MemoryLimitInBytes > 0 ? r.MemoryLimitInBytes : 0,
        }, context.CancellationToken));
        return new UpdateContainerResourcesResponse();
    }

    // Docker's json-file driver reopens its own files on rotation.
    public override Task<ReopenContainerLogResponse> ReopenContainerLog(ReopenContainerLogRequest request, ServerCallContext context) =>
        Task.FromResult(new ReopenContainerLogResponse());
}
