using System.Globalization;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s.Models;
using KubeNet.ApiMachinery.Errors;
using KubeNet.ApiMachinery.Kinds;
using KubeNet.ApiMachinery.Selectors;
using KubeNet.ApiServer.Registry;
using Microsoft.AspNetCore.Http;

namespace KubeNet.ApiServer.Http.NodeProxy;

/// <summary>
/// metrics.k8s.io/v1beta1 as metrics-server serves it: NodeMetrics and PodMetrics (get and list, label selectors), read
/// from each kubelet's /stats/summary at the node's InternalIP and daemon endpoint port with the kubelet client
/// certificate. Nodes whose kubelet does not answer, and simulated nodes (which have no kubelet server), are left
/// out, as metrics-server leaves out nodes it cannot scrape; so are pods without a CPU rate yet.
/// </summary>
internal sealed class MetricsApi(GenericStore store, X509Certificate2 clientCertificate) : IDisposable
{
    public const string Group = "metrics.k8s.io";
    public const string Version = "v1beta1";
    private const string HollowAnnotation = "kube-net.io/hollow-node";
    private static readonly ResourceInfo Pods = KindCatalog.Find("", "v1", "pods")!;
    private static readonly ResourceInfo Nodes = KindCatalog.Find("", "v1", "nodes")!;
    private static readonly string[] Verbs = ["get", "list"];

    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            ClientCertificates = [clientCertificate],
#pragma warning disable CA5359 // Kubelet serving certificates are self-signed, as in PodStreams.
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
#pragma warning restore CA5359
        },
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        ConnectTimeout = TimeSpan.FromSeconds(3),
    })
    { Timeout = TimeSpan.FromSeconds(10) };

    public void Dispose() => _http.Dispose();

    public static bool Handles(RequestInfo request) =>
        request.Group == Group && request.Version == Version && request.Resource is "nodes" or "pods" && request.Subresource is null && request.Rest is null;

    /// <summary>The group in /apis (legacy form).</summary>
    public static JsonObject GroupObject() => new()
    {
        ["name"] = Group,
        ["versions"] = new JsonArray(new JsonObject { ["groupVersion"] = Group + "/" + Version, ["version"] = Version }),
        ["preferredVersion"] = new JsonObject { ["groupVersion"] = Group + "/" + Version, ["version"] = Version },
    };

    /// <summary>/apis/metrics.k8s.io/v1beta1.</summary>
    public static JsonObject ResourceList()
    {
        var resources = new JsonArray();
        foreach (var (resource, kind, namespaced) in Resources)
        {
            resources.Add(new JsonObject
            {
                ["name"] = resource,
                ["singularName"] = string.Empty,
                ["namespaced"] = namespaced,
                ["kind"] = kind,
                ["verbs"] = new JsonArray([.. Verbs.Select(v => (JsonNode?)v)]),
            });
        }

        return new JsonObject { ["kind"] = "APIResourceList", ["apiVersion"] = "v1", ["groupVersion"] = Group + "/" + Version, ["resources"] = resources };
    }

    /// <summary>The group's entry in aggregated discovery (apidiscovery.k8s.io APIGroupDiscovery).</summary>
    public static JsonObject AggregatedGroup()
    {
        var resources = new JsonArray();
        foreach (var (resource, kind, namespaced) in Resources)
        {
            resources.Add(new JsonObject
            {
                ["resource"] = resource,
                ["responseKind"] = new JsonObject { ["group"] = Group, ["version"] = Version, ["kind"] = kind },
                ["scope"] = namespaced ? "Namespaced" : "Cluster",
                ["singularResource"] = string.Empty,
                ["verbs"] = new JsonArray([.. Verbs.Select(v => (JsonNode?)v)]),
            });
        }

        return new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = Group },
            ["versions"] = new JsonArray(new JsonObject { ["version"] = Version, ["resources"] = resources, ["freshness"] = "Current" }),
        };
    }

    private static readonly (string Resource, string Kind, bool Namespaced)[] Resources = [("nodes", "NodeMetrics", false), ("pods", "PodMetrics", true)];

    public async Task HandleAsync(HttpContext context, RequestInfo request)
    {
        var verb = request.Name is null ? "list" : "get";
        if (context.Request.Method != "GET" || Wire.QueryBool(context.Request, "watch"))
        {
            await Wire.WriteStatusAsync(context, ApiError.MethodNotSupported(Group, request.Resource, context.Request.Method == "GET" ? "watch" : context.Request.Method.ToLowerInvariant()));
            return;
        }

        if (!LabelSelector.TryParse(context.Request.Query["labelSelector"].ToString(), out var selector, out var error))
        {
            await Wire.WriteStatusAsync(context, ApiError.BadRequest(error));
            return;
        }

        var ct = context.RequestAborted;
        var items = request.Resource == "nodes"
            ? await NodeMetricsAsync(request.Name, selector, ct)
            : await PodMetricsAsync(request.Namespace, request.Name, selector, ct);
        if (verb == "get")
        {
            if (items.Count == 0)
            {
                await Wire.WriteStatusAsync(context, ApiError.NotFound(Group, request.Resource, request.Name!));
                return;
            }

            await WriteAsync(context, items[0]);
            return;
        }

        var list = new JsonObject
        {
            ["kind"] = request.Resource == "nodes" ? "NodeMetricsList" : "PodMetricsList",
            ["apiVersion"] = Group + "/" + Version,
            ["metadata"] = new JsonObject(),
            ["items"] = new JsonArray([.. items]),
        };
        await WriteAsync(context, list);
    }

    private static Task WriteAsync(HttpContext context, JsonNode body) =>
        Wire.WriteJsonAsync(context, 200, JsonSerializer.SerializeToUtf8Bytes(body));

    private async Task<List<JsonObject>> NodeMetricsAsync(string? name, LabelSelector selector, CancellationToken ct)
    {
        var nodes = (await ListAsync<V1Node>(Nodes, null, ct)).Where(n => (name is null || n.Metadata.Name == name) && selector.Matches(Labels(n.Metadata))).ToList();
        var summaries = await SummariesAsync(nodes, ct);
        var items = new List<JsonObject>();
        foreach (var node in nodes)
        {
            if (summaries.GetValueOrDefault(node.Metadata.Name)?["node"] is not JsonObject summary
                || summary["cpu"]?["usageNanoCores"] is not JsonValue cpu
                || summary["memory"]?["workingSetBytes"] is not JsonValue memory)
            {
                continue;
            }

            items.Add(new JsonObject
            {
                ["kind"] = "NodeMetrics",
                ["apiVersion"] = Group + "/" + Version,
                ["metadata"] = Metadata(node.Metadata, null),
                ["timestamp"] = summary["cpu"]?["time"]?.DeepClone(),
                ["window"] = "10s",
                ["usage"] = Usage(cpu.GetValue<ulong>(), memory.GetValue<ulong>()),
            });
        }

        return items;
    }

    private async Task<List<JsonObject>> PodMetricsAsync(string? ns, string? name, LabelSelector selector, CancellationToken ct)
    {
        var pods = (await ListAsync<V1Pod>(Pods, ns, ct))
            .Where(p => (name is null || p.Metadata.Name == name) && selector.Matches(Labels(p.Metadata)) && !string.IsNullOrEmpty(p.Spec.NodeName))
            .ToList();
        var nodeNames = pods.Select(p => p.Spec.NodeName).ToHashSet(StringComparer.Ordinal);
        var nodes = (await ListAsync<V1Node>(Nodes, null, ct)).Where(n => nodeNames.Contains(n.Metadata.Name)).ToList();
        var summaries = await SummariesAsync(nodes, ct);
        var byUid = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var summary in summaries.Values)
        {
            foreach (var p in summary["pods"]?.AsArray() ?? [])
            {
                if (p?["podRef"]?["uid"]?.GetValue<string>() is { } uid && p is JsonObject o)
                {
                    byUid[uid] = o;
                }
            }
        }

        var items = new List<JsonObject>();
        foreach (var pod in pods)
        {
            if (!byUid.TryGetValue(pod.Metadata.Uid, out var stats) || stats["containers"]?.AsArray() is not { Count: > 0 } containers)
            {
                continue;
            }

            var outContainers = new JsonArray();
            string? timestamp = null;
            foreach (var c in containers)
            {
                if (c?["cpu"]?["usageNanoCores"] is not JsonValue cpu || c["memory"]?["workingSetBytes"] is not JsonValue memory)
                {
                    outContainers = null;
                    break;
                }

                timestamp ??= c["cpu"]?["time"]?.GetValue<string>();
                outContainers.Add(new JsonObject { ["name"] = c["name"]?.DeepClone(), ["usage"] = Usage(cpu.GetValue<ulong>(), memory.GetValue<ulong>()) });
            }

            // metrics-server drops a pod when any of its containers lacks a sample.
            if (outContainers is null)
            {
                continue;
            }

            items.Add(new JsonObject
            {
                ["kind"] = "PodMetrics",
                ["apiVersion"] = Group + "/" + Version,
                ["metadata"] = Metadata(pod.Metadata, pod.Metadata.NamespaceProperty),
                ["timestamp"] = timestamp,
                ["window"] = "10s",
                ["containers"] = outContainers,
            });
        }

        return items;
    }

    private static JsonObject Metadata(V1ObjectMeta meta, string? ns)
    {
        var o = new JsonObject { ["name"] = meta.Name };
        if (ns is not null)
        {
            o["namespace"] = ns;
        }

        o["creationTimestamp"] = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        if (meta.Labels is { Count: > 0 } labels)
        {
            var l = new JsonObject();
            foreach (var (k, v) in labels)
            {
                l[k] = v;
            }

            o["labels"] = l;
        }

        return o;
    }

    private static JsonObject Usage(ulong nanoCores, ulong workingSetBytes) => new()
    {
        ["cpu"] = nanoCores.ToString(CultureInfo.InvariantCulture) + "n",
        ["memory"] = workingSetBytes % 1024 == 0
            ? (workingSetBytes / 1024).ToString(CultureInfo.InvariantCulture) + "Ki"
            : workingSetBytes.ToString(CultureInfo.InvariantCulture),
    };

    private static IReadOnlyDictionary<string, string>? Labels(V1ObjectMeta meta) => meta.Labels is null ? null : new Dictionary<string, string>(meta.Labels);

    private async Task<List<T>> ListAsync<T>(ResourceInfo info, string? ns, CancellationToken ct)
    {
        var page = await store.ListAsync(info, new ListQuery { Namespace = ns }, ct);
        return page.IsOk ? [.. page.Value!.Items.Select(i => i.Object).OfType<T>()] : [];
    }

    /// <summary>Each reachable kubelet's summary by node name, asked concurrently; silent nodes are absent.</summary>
    private async Task<Dictionary<string, JsonObject>> SummariesAsync(IEnumerable<V1Node> nodes, CancellationToken ct)
    {
        var tasks = nodes.Where(n => !(n.Metadata.Annotations?.TryGetValue(HollowAnnotation, out var hollow) == true && hollow == "true"))
            .Select(async n => (n.Metadata.Name, Summary: await SummaryAsync(n, ct)));
        var results = await Task.WhenAll(tasks);
        return results.Where(r => r.Summary is not null).ToDictionary(r => r.Name, r => r.Summary!, StringComparer.Ordinal);
    }

    private async Task<JsonObject?> SummaryAsync(V1Node node, CancellationToken ct)
    {
        var address = node.Status?.Addresses?.FirstOrDefault(a => a.Type == "InternalIP")?.Address ?? node.Status?.Addresses?.FirstOrDefault()?.Address;
        var port = node.Status?.DaemonEndpoints?.KubeletEndpoint?.Port ?? 0;
        if (address is null || port <= 0)
        {
            return null;
        }

        var host = address.Contains(':', StringComparison.Ordinal) ? $"[{address}]" : address;
        try
        {
            using var response = await _http.GetAsync(new Uri($"https://{host}:{port}/stats/summary"), ct);
            if (!response.IsSuccessStatusCode)
            {
                return null;
            }

            return JsonNode.Parse(await response.Content.ReadAsStringAsync(ct)) as JsonObject;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
        {
            return null;
        }
    }
}
