using System.Globalization;
using k8s.Models;
using KubeNet.Kubelet.Cri.V1;

namespace KubeNet.Kubelet.Pods;

/// <summary>The CRI ContainerConfig of a pod's container (upstream generateContainerConfig).</summary>
internal sealed partial class PodSyncer
{
    private async Task<ContainerConfig> ContainerConfigAsync(V1Pod pod, V1Container container, string kind, uint attempt, string? podIp,
        Dictionary<string, string> volumePaths, CancellationToken ct)
    {
        var env = await PodEnvironment.BuildAsync(client, pod, container, podIp, options.Address, ct);
        var vars = env.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        var config = new ContainerConfig
        {
            Metadata = new ContainerMetadata { Name = container.Name, Attempt = attempt },
            Image = new ImageSpec { Image = container.Image, UserSpecifiedImage = container.Image },
            WorkingDir = container.WorkingDir ?? string.Empty,
            LogPath = $"{container.Name}/{attempt.ToString(CultureInfo.InvariantCulture)}.log",
            Stdin = container.Stdin ?? false,
            StdinOnce = container.StdinOnce ?? false,
            Tty = container.Tty ?? false,
        };
        config.Command.AddRange((container.Command ?? []).Select(c => PodEnvironment.Expand(c, vars)));
        config.Args.AddRange((container.Args ?? []).Select(a => PodEnvironment.Expand(a, vars)));
        config.Envs.AddRange(env.Select(kv => new KeyValue { Key = kv.Key, Value = kv.Value }));

        config.Labels[CriLabels.PodName] = pod.Metadata.Name;
        config.Labels[CriLabels.PodNamespace] = pod.Metadata.NamespaceProperty;
        config.Labels[CriLabels.PodUid] = pod.Metadata.Uid;
        config.Labels[CriLabels.ContainerName] = container.Name;
        config.Labels[CriLabels.ContainerType] = kind;
        config.Annotations[CriLabels.RestartCount] = attempt.ToString(CultureInfo.InvariantCulture);
        config.Annotations[CriLabels.TerminationMessagePolicy] = container.TerminationMessagePolicy ?? "File";
        config.Annotations[CriLabels.TerminationGracePeriod] = Grace(pod).ToString(CultureInfo.InvariantCulture);

        foreach (var mount in container.VolumeMounts ?? [])
        {
            if (!volumePaths.TryGetValue(mount.Name, out var hostPath))
            {
                throw new ContainerConfigException($"cannot find volume \"{mount.Name}\" to mount into container \"{container.Name}\"");
            }

            var subPath = mount.SubPath;
            if (!string.IsNullOrEmpty(mount.SubPathExpr))
            {
                subPath = PodEnvironment.Expand(mount.SubPathExpr, vars);
            }

            if (!string.IsNullOrEmpty(subPath))
            {
                if (Path.IsPathRooted(subPath) || subPath.Split('/').Contains(".."))
                {
                    throw new ContainerConfigException($"subPath \"{subPath}\" must be a relative path without '..'");
                }

                hostPath = Path.Combine(hostPath, subPath);
                if (!File.Exists(hostPath) && !Directory.Exists(hostPath))
                {
                    Directory.CreateDirectory(hostPath);
                }
            }

            config.Mounts.Add(new Mount
            {
                ContainerPath = mount.MountPath,
                HostPath = hostPath,
                Readonly = mount.ReadOnlyProperty ?? false,
                Propagation = mount.MountPropagation switch
                {
                    "HostToContainer" => MountPropagation.PropagationHostToContainer,
                    "Bidirectional" => MountPropagation.PropagationBidirectional,
                    _ => MountPropagation.PropagationPrivate,
                },
            });
        }

        // The termination message file: a host file per attempt, read back when the container ends.
        var messagePath = container.TerminationMessagePath ?? DefaultTerminationMessagePath;
        if (!string.IsNullOrEmpty(messagePath) && !config.Mounts.Any(m => m.ContainerPath == messagePath))
        {
            var dir = Path.Combine(volumes.PodDirectory(pod.Metadata.Uid), "containers", container.Name);
            Directory.CreateDirectory(dir);
            var hostFile = Path.Combine(dir, Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4)));
            await File.WriteAllBytesAsync(hostFile, [], ct);
            File.SetUnixFileMode(hostFile, (UnixFileMode)0x1B6);
            config.Mounts.Add(new Mount { ContainerPath = messagePath, HostPath = hostFile });
            config.Annotations[CriLabels.TerminationMessagePath] = messagePath;
            config.Annotations[CriLabels.HostMessagePath] = hostFile;
        }

        var linux = new LinuxContainerConfig { Resources = Resources(container), SecurityContext = Security(pod, container) };
        config.Linux = linux;
        return config;
    }

    private static LinuxContainerResources Resources(V1Container container)
    {
        var resources = new LinuxContainerResources { CpuPeriod = 100_000, CpuShares = 2 };
        var limits = container.Resources?.Limits;
        var requests = container.Resources?.Requests;
        if (requests is not null && requests.TryGetValue("cpu", out var cpuRequest))
        {
            resources.CpuShares = Math.Max(2, (long)(cpuRequest.ToDecimal() * 1024));
        }
        else if (limits is not null && limits.TryGetValue("cpu", out var cpuLimitAsRequest))
        {
            resources.CpuShares = Math.Max(2, (long)(cpuLimitAsRequest.ToDecimal() * 1024));
        }

        if (limits is not null && limits.TryGetValue("cpu", out var cpuLimit))
        {
            resources.CpuQuota = Math.Max(1000, (long)(cpuLimit.ToDecimal() * 100_000));
        }

        if (limits is not null && limits.TryGetValue("memory", out var memoryLimit))
        {
            resources.MemoryLimitInBytes = memoryLimit.ToInt64();
        }

        return resources;
    }

    private static LinuxContainerSecurityContext Security(V1Pod pod, V1Container container)
    {
        var pc = pod.Spec.SecurityContext;
        var sc = container.SecurityContext;
        var security = new LinuxContainerSecurityContext
        {
            Privileged = sc?.Privileged ?? false,
            ReadonlyRootfs = sc?.ReadOnlyRootFilesystem ?? false,
            NoNewPrivs = sc?.AllowPrivilegeEscalation == false,
            NamespaceOptions = new NamespaceOption
            {
                Network = pod.Spec.HostNetwork == true ? NamespaceMode.Node : NamespaceMode.Pod,
                Pid = pod.Spec.HostPID == true ? NamespaceMode.Node : pod.Spec.ShareProcessNamespace == true ? NamespaceMode.Pod : NamespaceMode.Container,
                Ipc = pod.Spec.HostIPC == true ? NamespaceMode.Node : NamespaceMode.Pod,
            },
        };
        var user = sc?.RunAsUser ?? pc?.RunAsUser;
        if (user is not null)
        {
            security.RunAsUser = new Int64Value { Value = user.Value };
        }

        var group = sc?.RunAsGroup ?? pc?.RunAsGroup;
        if (group is not null && user is not null)
        {
            security.RunAsGroup = new Int64Value { Value = group.Value };
        }

        foreach (var g in pc?.SupplementalGroups ?? [])
        {
            security.SupplementalGroups.Add(g ?? 0);
        }

        if (pc?.FsGroup is { } fsGroup)
        {
            security.SupplementalGroups.Add(fsGroup);
        }

        if (sc?.Capabilities is { } caps)
        {
            security.Capabilities = new Capability();
            security.Capabilities.AddCapabilities.AddRange((caps.Add ?? []).Select(c => c.StartsWith("CAP_", StringComparison.Ordinal) ? c : "CAP_" + c));
            security.Capabilities.DropCapabilities.AddRange((caps.Drop ?? []).Select(c => c == "ALL" || c.StartsWith("CAP_", StringComparison.Ordinal) ? c : "CAP_" + c));
        }

        return security;
    }
}
