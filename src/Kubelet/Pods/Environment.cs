using System.Globalization;
using System.Net;
using System.Text;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace KubeNet.Kubelet.Pods;

/// <summary>
/// A container's environment as the kubelet builds it (kubelet_pods.go makeEnvironmentVariables): service variables,
/// then envFrom, then env with $(VAR) expansion against what came before; values from the downward API, resource
/// fields, ConfigMap and Secret keys.
/// </summary>
internal static class PodEnvironment
{
    public static async Task<List<KeyValuePair<string, string>>> BuildAsync(IKubernetes client, V1Pod pod, V1Container container, string? podIp, string hostIp, CancellationToken ct)
    {
        var ns = pod.Metadata.NamespaceProperty;
        var result = new List<KeyValuePair<string, string>>();
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        void Set(string k, string v)
        {
            map[k] = v;
            result.RemoveAll(e => e.Key == k);
            result.Add(new(k, v));
        }

        foreach (var (k, v) in await ServiceVariablesAsync(client, ns, pod.Spec.EnableServiceLinks ?? true, ct))
        {
            Set(k, v);
        }

        foreach (var from in container.EnvFrom ?? [])
        {
            IDictionary<string, string>? data = null;
            if (from.ConfigMapRef is { } cmRef)
            {
                var cm = await ReadAsync(() => client.CoreV1.ReadNamespacedConfigMapAsync(cmRef.Name, ns, cancellationToken: ct));
                if (cm is null && cmRef.Optional != true)
                {
                    throw new ContainerConfigException($"configmap \"{cmRef.Name}\" not found");
                }

                data = cm?.Data;
            }
            else if (from.SecretRef is { } sRef)
            {
                var secret = await ReadAsync(() => client.CoreV1.ReadNamespacedSecretAsync(sRef.Name, ns, cancellationToken: ct));
                if (secret is null && sRef.Optional != true)
                {
                    throw new ContainerConfigException($"secret \"{sRef.Name}\" not found");
                }

                data = secret?.Data?.ToDictionary(kv => kv.Key, kv => Encoding.UTF8.GetString(kv.Value));
            }

            foreach (var (k, v) in data ?? new Dictionary<string, string>())
            {
                Set((from.Prefix ?? string.Empty) + k, v);
            }
        }

        foreach (var env in container.Env ?? [])
        {
            if (env.ValueFrom is null)
            {
                Set(env.Name, Expand(env.Value ?? string.Empty, map));
                continue;
            }

            var from = env.ValueFrom;
            if (from.FieldRef is { } field)
            {
                Set(env.Name, FieldValue(pod, field.FieldPath, podIp, hostIp));
            }
            else if (from.ResourceFieldRef is { } resource)
            {
                Set(env.Name, ResourceValue(pod, resource.ContainerName is { Length: > 0 } n ? Find(pod, n) ?? container : container, resource));
            }
            else if (from.ConfigMapKeyRef is { } cmKey)
            {
                var cm = await ReadAsync(() => client.CoreV1.ReadNamespacedConfigMapAsync(cmKey.Name, ns, cancellationToken: ct));
                if (cm?.Data is not null && cm.Data.TryGetValue(cmKey.Key, out var value))
                {
                    Set(env.Name, value);
                }
                else if (cmKey.Optional != true)
                {
                    throw new ContainerConfigException(cm is null ? $"configmap \"{cmKey.Name}\" not found" : $"couldn't find key {cmKey.Key} in ConfigMap {ns}/{cmKey.Name}");
                }
            }
            else if (from.SecretKeyRef is { } sKey)
            {
                var secret = await ReadAsync(() => client.CoreV1.ReadNamespacedSecretAsync(sKey.Name, ns, cancellationToken: ct));
                if (secret?.Data is not null && secret.Data.TryGetValue(sKey.Key, out var value))
                {
                    Set(env.Name, Encoding.UTF8.GetString(value));
                }
                else if (sKey.Optional != true)
                {
                    throw new ContainerConfigException(secret is null ? $"secret \"{sKey.Name}\" not found" : $"couldn't find key {sKey.Key} in Secret {ns}/{sKey.Name}");
                }
            }
        }

        return result;
    }

    private static V1Container? Find(V1Pod pod, string name) =>
        pod.Spec.Containers.Concat(pod.Spec.InitContainers ?? []).FirstOrDefault(c => c.Name == name);

    public static string FieldValue(V1Pod pod, string path, string? podIp, string hostIp)
    {
        static string Indexed(IDictionary<string, string>? map, string path, string prefix)
        {
            var key = path[(prefix.Length + 2)..^2];
            return map is not null && map.TryGetValue(key, out var v) ? v : string.Empty;
        }

        return path switch
        {
            "metadata.name" => pod.Metadata.Name,
            "metadata.namespace" => pod.Metadata.NamespaceProperty,
            "metadata.uid" => pod.Metadata.Uid,
            "spec.nodeName" => pod.Spec.NodeName ?? string.Empty,
            "spec.serviceAccountName" => pod.Spec.ServiceAccountName ?? string.Empty,
            "status.hostIP" or "status.hostIPs" => hostIp,
            "status.podIP" or "status.podIPs" => podIp ?? string.Empty,
            "metadata.labels" => Format(pod.Metadata.Labels),
            "metadata.annotations" => Format(pod.Metadata.Annotations),
            _ when path.StartsWith("metadata.labels['", StringComparison.Ordinal) => Indexed(pod.Metadata.Labels, path, "metadata.labels"),
            _ when path.StartsWith("metadata.annotations['", StringComparison.Ordinal) => Indexed(pod.Metadata.Annotations, path, "metadata.annotations"),
            _ => throw new ContainerConfigException($"unsupported fieldPath: {path}"),
        };
    }

    /// <summary>The downward API's map format: key="value" lines, sorted, values escaped like Go's %q.</summary>
    public static string Format(IDictionary<string, string>? map) => map is null
        ? string.Empty
        : string.Join('\n', map.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}=\"{kv.Value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)}\""));

    /// <summary>limits.cpu, requests.memory, ... divided by the divisor and rounded up; limits default to node capacity.</summary>
    public static string ResourceValue(V1Pod pod, V1Container container, V1ResourceFieldSelector selector)
    {
        var parts = selector.Resource.Split('.', 2);
        if (parts.Length != 2)
        {
            throw new ContainerConfigException($"unsupported container resource: {selector.Resource}");
        }

        var source = parts[0] == "limits" ? container.Resources?.Limits : container.Resources?.Requests;
        decimal value;
        if (source is not null && source.TryGetValue(parts[1], out var q))
        {
            value = q.ToDecimal();
        }
        else if (parts[0] == "limits")
        {
            value = parts[1] switch
            {
                "cpu" => Node.HostInfo.Cpus,
                "memory" => Node.HostInfo.MemoryBytes,
                "ephemeral-storage" => Node.HostInfo.Filesystem("/").Capacity,
                _ => 0,
            };
        }
        else
        {
            value = 0;
        }

        var divisor = selector.Divisor?.ToDecimal() ?? 0;
        if (divisor == 0)
        {
            divisor = 1;
        }

        var result = Math.Ceiling(value / divisor);
        if (parts[1] == "cpu" && result < 1 && value > 0)
        {
            result = 1;
        }

        return result.ToString("0", CultureInfo.InvariantCulture);
    }

    /// <summary>$(VAR) expansion as upstream's expansion.Expand: $$ is a literal $, unknown references stay as written.</summary>
    public static string Expand(string input, IReadOnlyDictionary<string, string> vars)
    {
        if (!input.Contains('$', StringComparison.Ordinal))
        {
            return input;
        }

        var sb = new StringBuilder(input.Length);
        for (var i = 0; i < input.Length; i++)
        {
            if (input[i] != '$' || i + 1 >= input.Length)
            {
                sb.Append(input[i]);
                continue;
            }

            var next = input[i + 1];
            if (next == '$')
            {
                sb.Append('$');
                i++;
            }
            else if (next == '(')
            {
                var close = input.IndexOf(')', i + 2);
                if (close < 0)
                {
                    sb.Append(input, i, input.Length - i);
                    break;
                }

                var name = input[(i + 2)..close];
                sb.Append(vars.TryGetValue(name, out var v) ? v : $"$({name})");
                i = close;
            }
            else
            {
                sb.Append('$');
            }
        }

        return sb.ToString();
    }

    private static async Task<List<KeyValuePair<string, string>>> ServiceVariablesAsync(IKubernetes client, string ns, bool serviceLinks, CancellationToken ct)
    {
        var result = new List<KeyValuePair<string, string>>();
        var services = new List<V1Service>();
        try
        {
            if (serviceLinks)
            {
                services.AddRange((await client.CoreV1.ListNamespacedServiceAsync(ns, cancellationToken: ct)).Items);
            }

            if (ns != "default" || !serviceLinks)
            {
                var master = await ReadAsync(() => client.CoreV1.ReadNamespacedServiceAsync("kubernetes", "default", cancellationToken: ct));
                if (master is not null)
                {
                    services.RemoveAll(s => s.Metadata.Name == "kubernetes");
                    services.Add(master);
                }
            }
        }
        catch (HttpRequestException)
        {
            return result;
        }

        foreach (var s in services.OrderBy(s => s.Metadata.Name, StringComparer.Ordinal))
        {
            var ip = s.Spec?.ClusterIP;
            if (string.IsNullOrEmpty(ip) || ip == "None" || s.Spec!.Ports is not { Count: > 0 })
            {
                continue;
            }

            var name = s.Metadata.Name.ToUpperInvariant().Replace('-', '_');
            var first = s.Spec.Ports[0];
            result.Add(new($"{name}_SERVICE_HOST", ip));
            result.Add(new($"{name}_SERVICE_PORT", first.Port.ToString(CultureInfo.InvariantCulture)));
            foreach (var p in s.Spec.Ports)
            {
                if (!string.IsNullOrEmpty(p.Name))
                {
                    result.Add(new($"{name}_SERVICE_PORT_{p.Name.ToUpperInvariant().Replace('-', '_')}", p.Port.ToString(CultureInfo.InvariantCulture)));
                }
            }

            var protocol = (first.Protocol ?? "TCP").ToLowerInvariant();
            var portText = first.Port.ToString(CultureInfo.InvariantCulture);
            var host = ip.Contains(':', StringComparison.Ordinal) ? $"[{ip}]" : ip;
            result.Add(new($"{name}_PORT", $"{protocol}://{host}:{portText}"));
            foreach (var p in s.Spec.Ports)
            {
                var proto = (p.Protocol ?? "TCP").ToUpperInvariant();
                var port = p.Port.ToString(CultureInfo.InvariantCulture);
                var prefix = $"{name}_PORT_{port}_{proto}";
                result.Add(new(prefix, $"{proto.ToLowerInvariant()}://{host}:{port}"));
                result.Add(new(prefix + "_PROTO", proto.ToLowerInvariant()));
                result.Add(new(prefix + "_PORT", port));
                result.Add(new(prefix + "_ADDR", ip));
            }
        }

        return result;
    }

    public static async Task<T?> ReadAsync<T>(Func<Task<T>> read) where T : class
    {
        try
        {
            return await read();
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }
}

/// <summary>A container cannot be configured (a missing ConfigMap key, a bad field path): CreateContainerConfigError.</summary>
internal sealed class ContainerConfigException(string message) : Exception(message);
