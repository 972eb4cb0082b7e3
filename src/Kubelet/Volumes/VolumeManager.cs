using System.Diagnostics;
using System.Text;
using k8s;
using k8s.Models;
using KubeNet.Kubelet.Pods;

namespace KubeNet.Kubelet.Volumes;

/// <summary>
/// Pod volumes on the node, under ROOT/pods/UID/volumes/PLUGIN/NAME as the kubelet lays them out: emptyDir (tmpfs for
/// medium Memory), hostPath, configMap, secret, downwardAPI, projected, and persistentVolumeClaim bound to a hostPath or
/// local volume. ConfigMap, Secret and downward API contents are rewritten atomically on each sync when they change.
/// </summary>
internal sealed class VolumeManager(IKubernetes client, string rootDirectory)
{
    public string PodDirectory(string uid) => Path.Combine(rootDirectory, "pods", uid);

    /// <summary>Makes every volume of the pod ready; returns volume name to host path.</summary>
    public async Task<Dictionary<string, string>> PrepareAsync(V1Pod pod, string? podIp, string hostIp, CancellationToken ct)
    {
        var paths = new Dictionary<string, string>(StringComparer.Ordinal);
        var volumesDir = Path.Combine(PodDirectory(pod.Metadata.Uid), "volumes");
        foreach (var v in pod.Spec.Volumes ?? [])
        {
            string path;
            if (v.EmptyDir is { } emptyDir)
            {
                path = Path.Combine(volumesDir, "kubernetes.io~empty-dir", v.Name);
                if (!Directory.Exists(path))
                {
                    Directory.CreateDirectory(path);
                    File.SetUnixFileMode(path, (UnixFileMode)0x1FF);
                    if (emptyDir.Medium == "Memory")
                    {
                        var size = emptyDir.SizeLimit is { } limit ? $",size={limit.ToInt64()}" : string.Empty;
                        await RunAsync("mount", ["-t", "tmpfs", "-o", "mode=0777" + size, "tmpfs", path], ct);
                    }
                }
            }
            else if (v.HostPath is { } hostPath)
            {
                path = hostPath.Path;
                switch (hostPath.Type)
                {
                    case "DirectoryOrCreate":
                        Directory.CreateDirectory(path);
                        break;
                    case "FileOrCreate":
                        if (!File.Exists(path))
                        {
                            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                            await File.WriteAllBytesAsync(path, [], ct);
                        }

                        break;
                    case "Directory" when !Directory.Exists(path):
                        throw new VolumeException($"hostPath type check failed: {path} is not a directory");
                    case "File" when !File.Exists(path):
                        throw new VolumeException($"hostPath type check failed: {path} is not a file");
                }
            }
            else if (v.ConfigMap is { } cmSource)
            {
                path = Path.Combine(volumesDir, "kubernetes.io~configmap", v.Name);
                var cm = await PodEnvironment.ReadAsync(() => client.CoreV1.ReadNamespacedConfigMapAsync(cmSource.Name, pod.Metadata.NamespaceProperty, cancellationToken: ct));
                if (cm is null && cmSource.Optional != true)
                {
                    throw new VolumeException($"configmap \"{cmSource.Name}\" not found");
                }

                var data = Merge(cm?.Data, cm?.BinaryData);
                AtomicWriter.Write(path, Project(data, cmSource.Items, cmSource.DefaultMode ?? 0x1A4, cmSource.Optional == true, $"configmap \"{cmSource.Name}\""));
            }
            else if (v.Secret is { } secretSource)
            {
                path = Path.Combine(volumesDir, "kubernetes.io~secret", v.Name);
                var secret = await PodEnvironment.ReadAsync(() => client.CoreV1.ReadNamespacedSecretAsync(secretSource.SecretName, pod.Metadata.NamespaceProperty, cancellationToken: ct));
                if (secret is null && secretSource.Optional != true)
                {
                    throw new VolumeException($"secret \"{secretSource.SecretName}\" not found");
                }

                AtomicWriter.Write(path, Project(secret?.Data ?? new Dictionary<string, byte[]>(), secretSource.Items, secretSource.DefaultMode ?? 0x1A4, secretSource.Optional == true, $"secret \"{secretSource.SecretName}\""));
            }
            else if (v.DownwardAPI is { } downward)
            {
                path = Path.Combine(volumesDir, "kubernetes.io~downward-api", v.Name);
                AtomicWriter.Write(path, DownwardFiles(pod, downward.Items, downward.DefaultMode ?? 0x1A4, podIp, hostIp));
            }
            else if (v.Projected is { } projected)
            {
                path = Path.Combine(volumesDir, "kubernetes.io~projected", v.Name);
                AtomicWriter.Write(path, await ProjectedAsync(pod, projected, podIp, hostIp, ct));
            }
            else if (v.PersistentVolumeClaim is { } claim)
            {
                path = await ClaimPathAsync(pod.Metadata.NamespaceProperty, claim.ClaimName, ct);
            }
            else
            {
                throw new VolumeException($"volume \"{v.Name}\": this volume type is not supported on this node");
            }

            paths[v.Name] = path;
        }

        return paths;
    }

    /// <summary>Unmounts memory-backed emptyDirs and removes the pod's directory.</summary>
    public async Task CleanupAsync(string uid, CancellationToken ct)
    {
        var dir = PodDirectory(uid);
        if (!Directory.Exists(dir))
        {
            return;
        }

        var emptyDirs = Path.Combine(dir, "volumes", "kubernetes.io~empty-dir");
        if (Directory.Exists(emptyDirs))
        {
            foreach (var d in Directory.EnumerateDirectories(emptyDirs))
            {
                if (IsMountPoint(d))
                {
                    await RunAsync("umount", [d], ct);
                }
            }
        }

        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static bool IsMountPoint(string path)
    {
        try
        {
            var full = Path.GetFullPath(path);
            return File.ReadLines("/proc/self/mounts").Any(l => l.Split(' ') is { Length: > 1 } f && f[1] == full);
        }
        catch (IOException)
        {
            return false;
        }
    }

    private async Task<string> ClaimPathAsync(string ns, string claimName, CancellationToken ct)
    {
        var pvc = await PodEnvironment.ReadAsync(() => client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync(claimName, ns, cancellationToken: ct))
            ?? throw new VolumeException($"persistentvolumeclaim \"{claimName}\" not found");
        if (string.IsNullOrEmpty(pvc.Spec?.VolumeName))
        {
            throw new VolumeException($"persistentvolumeclaim \"{claimName}\" is not bound");
        }

        var pv = await PodEnvironment.ReadAsync(() => client.CoreV1.ReadPersistentVolumeAsync(pvc.Spec.VolumeName, cancellationToken: ct))
            ?? throw new VolumeException($"persistentvolume \"{pvc.Spec.VolumeName}\" not found");
        var path = pv.Spec?.HostPath?.Path ?? pv.Spec?.Local?.Path
            ?? throw new VolumeException($"persistentvolume \"{pv.Metadata.Name}\" is neither hostPath nor local: not supported on this node");
        Directory.CreateDirectory(path);
        return path;
    }

    private static Dictionary<string, byte[]> Merge(IDictionary<string, string>? data, IDictionary<string, byte[]>? binary)
    {
        var result = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (k, v) in data ?? new Dictionary<string, string>())
        {
            result[k] = Encoding.UTF8.GetBytes(v);
        }

        foreach (var (k, v) in binary ?? new Dictionary<string, byte[]>())
        {
            result[k] = v;
        }

        return result;
    }

    private static Dictionary<string, (byte[], int)> Project(IDictionary<string, byte[]> data, IList<V1KeyToPath>? items, int defaultMode, bool optional, string what)
    {
        var files = new Dictionary<string, (byte[], int)>(StringComparer.Ordinal);
        if (items is { Count: > 0 })
        {
            foreach (var item in items)
            {
                if (!data.TryGetValue(item.Key, out var content))
                {
                    if (optional)
                    {
                        continue;
                    }

                    throw new VolumeException($"configmap references non-existent config key: {item.Key} ({what})");
                }

                files[item.Path] = (content, item.Mode ?? defaultMode);
            }
        }
        else
        {
            foreach (var (k, v) in data)
            {
                files[k] = (v, defaultMode);
            }
        }

        return files;
    }

    private static Dictionary<string, (byte[], int)> DownwardFiles(V1Pod pod, IList<V1DownwardAPIVolumeFile>? items, int defaultMode, string? podIp, string hostIp)
    {
        var files = new Dictionary<string, (byte[], int)>(StringComparer.Ordinal);
        foreach (var item in items ?? [])
        {
            string value;
            if (item.FieldRef is { } field)
            {
                value = PodEnvironment.FieldValue(pod, field.FieldPath, podIp, hostIp);
            }
            else if (item.ResourceFieldRef is { } resource)
            {
                var container = pod.Spec.Containers.FirstOrDefault(c => c.Name == resource.ContainerName) ?? pod.Spec.Containers[0];
                value = PodEnvironment.ResourceValue(pod, container, resource);
            }
            else
            {
                continue;
            }

            files[item.Path] = (Encoding.UTF8.GetBytes(value), item.Mode ?? defaultMode);
        }

        return files;
    }

    private async Task<Dictionary<string, (byte[], int)>> ProjectedAsync(V1Pod pod, V1ProjectedVolumeSource projected, string? podIp, string hostIp, CancellationToken ct)
    {
        var ns = pod.Metadata.NamespaceProperty;
        var mode = projected.DefaultMode ?? 0x1A4;
        var files = new Dictionary<string, (byte[], int)>(StringComparer.Ordinal);
        foreach (var source in projected.Sources ?? [])
        {
            Dictionary<string, (byte[], int)> part;
            if (source.ConfigMap is { } cmSource)
            {
                var cm = await PodEnvironment.ReadAsync(() => client.CoreV1.ReadNamespacedConfigMapAsync(cmSource.Name, ns, cancellationToken: ct));
                if (cm is null && cmSource.Optional != true)
                {
                    throw new VolumeException($"configmap \"{cmSource.Name}\" not found");
                }

                part = Project(Merge(cm?.Data, cm?.BinaryData), cmSource.Items, mode, cmSource.Optional == true, $"configmap \"{cmSource.Name}\"");
            }
            else if (source.Secret is { } sSource)
            {
                var secret = await PodEnvironment.ReadAsync(() => client.CoreV1.ReadNamespacedSecretAsync(sSource.Name, ns, cancellationToken: ct));
                if (secret is null && sSource.Optional != true)
                {
                    throw new VolumeException($"secret \"{sSource.Name}\" not found");
                }

                part = Project(secret?.Data ?? new Dictionary<string, byte[]>(), sSource.Items, mode, sSource.Optional == true, $"secret \"{sSource.Name}\"");
            }
            else if (source.DownwardAPI is { } downward)
            {
                part = DownwardFiles(pod, downward.Items, mode, podIp, hostIp);
            }
            else if (source.ServiceAccountToken is { } token)
            {
                var request = new Authenticationv1TokenRequest
                {
                    Spec = new V1TokenRequestSpec
                    {
                        Audiences = token.Audience is { Length: > 0 } a ? [a] : [],
                        ExpirationSeconds = token.ExpirationSeconds ?? 3607,
                        BoundObjectRef = new V1BoundObjectReference { ApiVersion = "v1", Kind = "Pod", Name = pod.Metadata.Name, Uid = pod.Metadata.Uid },
                    },
                };
                var issued = await client.CoreV1.CreateNamespacedServiceAccountTokenAsync(request, pod.Spec.ServiceAccountName ?? "default", ns, cancellationToken: ct);
                part = new Dictionary<string, (byte[], int)> { [token.Path] = (Encoding.UTF8.GetBytes(issued.Status.Token), mode) };
            }
            else
            {
                continue;
            }

            foreach (var (k, v) in part)
            {
                files[k] = v;
            }
        }

        return files;
    }

    private static async Task RunAsync(string command, string[] args, CancellationToken ct)
    {
        var start = new ProcessStartInfo(command) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start) ?? throw new VolumeException($"could not run {command}");
        var error = await process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0)
        {
            throw new VolumeException($"{command} {string.Join(' ', args)} failed: {error.Trim()}");
        }
    }
}

/// <summary>A volume cannot be set up: the pod stays in ContainerCreating with a FailedMount event.</summary>
internal sealed class VolumeException(string message) : Exception(message);
