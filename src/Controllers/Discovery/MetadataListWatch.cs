using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using k8s;
using k8s.Models;
using KubeNet.Client;

namespace KubeNet.Controllers.Discovery;

/// <summary>An object reduced to the metadata a controller of every kind needs (metav1.PartialObjectMetadata).</summary>
public sealed class PartialObjectMetadata : IKubernetesObject<V1ObjectMeta>
{
    public string ApiVersion { get; set; } = "meta.k8s.io/v1";

    public string Kind { get; set; } = "PartialObjectMetadata";

    public V1ObjectMeta Metadata { get; set; } = new();

    /// <summary>
    /// Reads only what <see cref="Slim"/> keeps from an object's JSON: every object of every resource passes through
    /// here, so labels, annotations and managed fields are skipped rather than decoded and dropped.
    /// </summary>
    public static PartialObjectMetadata Read(JsonElement obj)
    {
        var result = new PartialObjectMetadata();
        if (!obj.TryGetProperty("metadata", out var meta) || meta.ValueKind != JsonValueKind.Object)
        {
            return result;
        }

        var m = result.Metadata;
        foreach (var p in meta.EnumerateObject())
        {
            var value = p.Value;
            switch (p.Name)
            {
                case "name" when value.ValueKind == JsonValueKind.String:
                    m.Name = value.GetString();
                    break;
                case "namespace" when value.ValueKind == JsonValueKind.String:
                    m.NamespaceProperty = value.GetString();
                    break;
                case "uid" when value.ValueKind == JsonValueKind.String:
                    m.Uid = value.GetString();
                    break;
                case "resourceVersion" when value.ValueKind == JsonValueKind.String:
                    m.ResourceVersion = value.GetString();
                    break;
                case "deletionTimestamp" when value.ValueKind == JsonValueKind.String:
                    m.DeletionTimestamp = KubernetesJson.Deserialize<DateTime>(value.GetRawText());
                    break;
                case "finalizers" when value.ValueKind == JsonValueKind.Array && value.GetArrayLength() > 0:
                    m.Finalizers = [.. value.EnumerateArray().Select(f => f.GetString() ?? string.Empty)];
                    break;
                case "ownerReferences" when value.ValueKind == JsonValueKind.Array && value.GetArrayLength() > 0:
                    m.OwnerReferences = KubernetesJson.Deserialize<List<V1OwnerReference>>(value.GetRawText());
                    break;
            }
        }

        return result;
    }

    /// <summary>
    /// Keeps what the garbage collector reads and drops the rest (labels, annotations, managed fields), so a cache of
    /// every object in the cluster stays small.
    /// </summary>
    public static PartialObjectMetadata Slim(V1ObjectMeta meta) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = meta.Name,
            NamespaceProperty = meta.NamespaceProperty,
            Uid = meta.Uid,
            ResourceVersion = meta.ResourceVersion,
            DeletionTimestamp = meta.DeletionTimestamp,
            Finalizers = meta.Finalizers is { Count: > 0 } f ? [.. f] : null,
            OwnerReferences = meta.OwnerReferences is { Count: > 0 } o ? [.. o] : null,
        },
    };
}

/// <summary>
/// List and watch of any resource by path with the metadata client's Accept header, decoded into
/// <see cref="PartialObjectMetadata"/>: the metadata informers upstream's garbage collector watches every resource with.
/// </summary>
public static class MetadataListWatch
{
    public static ListWatch<PartialObjectMetadata> For(RestClient rest, ApiResource resource) => new(
        async (request, ct) =>
        {
            var query = $"?limit={request.Limit}";
            query += request.Continue is not null
                ? "&continue=" + Uri.EscapeDataString(request.Continue)
                : request.ResourceVersion is { } rv ? "&resourceVersion=" + Uri.EscapeDataString(rv) : string.Empty;
            using var response = await rest.SendAsync(HttpMethod.Get, resource.CollectionPath(null) + query, accept: RestClient.MetadataListAccept, ct: ct);
            if (response.StatusCode == HttpStatusCode.Gone)
            {
                throw new KubernetesException(new V1Status { Code = 410, Reason = "Expired", Message = await response.Content.ReadAsStringAsync(ct) });
            }

            await RestClient.EnsureSuccessAsync(response, "list " + resource, ct);
            await using var stream = await response.Content.ReadAsStreamAsync(ct);
            using var doc = await JsonDocument.ParseAsync(stream, cancellationToken: ct);
            var items = doc.RootElement.GetProperty("items").EnumerateArray().Select(PartialObjectMetadata.Read).ToList();
            var meta = doc.RootElement.GetProperty("metadata");
            var version = meta.TryGetProperty("resourceVersion", out var v) ? v.GetString() ?? string.Empty : string.Empty;
            var next = meta.TryGetProperty("continue", out var c) && c.GetString() is { Length: > 0 } token ? token : null;
            return new ListPage<PartialObjectMetadata>(items, version, next);
        },
        (request, onError, ct) => WatchAsync(rest, resource, request, onError, ct));

    private static async IAsyncEnumerable<(WatchEventType Type, PartialObjectMetadata Object)> WatchAsync(
        RestClient rest, ApiResource resource, WatchRequest request, Action<Exception> onError, [EnumeratorCancellation] CancellationToken ct)
    {
        var path = resource.CollectionPath(null)
            + $"?watch=true&allowWatchBookmarks={(request.AllowWatchBookmarks ? "true" : "false")}&timeoutSeconds={request.TimeoutSeconds}"
            + "&resourceVersion=" + Uri.EscapeDataString(request.ResourceVersion);
        using var response = await rest.SendAsync(HttpMethod.Get, path, accept: RestClient.MetadataAccept, completion: HttpCompletionOption.ResponseHeadersRead, ct: ct);
        if (response.StatusCode == HttpStatusCode.Gone)
        {
            onError(new KubernetesException(new V1Status { Code = 410, Reason = "Expired", Message = "watch of " + resource + " expired" }));
            yield break;
        }

        await RestClient.EnsureSuccessAsync(response, "watch " + resource, ct);
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        using var reader = new StreamReader(stream);
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }

            using var doc = JsonDocument.Parse(line);
            var type = doc.RootElement.GetProperty("type").GetString();
            var obj = doc.RootElement.GetProperty("object");
            switch (type)
            {
                case "ERROR":
                    onError(new KubernetesException(KubernetesJson.Deserialize<V1Status>(obj.GetRawText())));
                    yield break;
                case "ADDED":
                    yield return (WatchEventType.Added, PartialObjectMetadata.Read(obj));
                    break;
                case "MODIFIED":
                    yield return (WatchEventType.Modified, PartialObjectMetadata.Read(obj));
                    break;
                case "DELETED":
                    yield return (WatchEventType.Deleted, PartialObjectMetadata.Read(obj));
                    break;
                case "BOOKMARK":
                    yield return (WatchEventType.Bookmark, PartialObjectMetadata.Read(obj));
                    break;
            }
        }
    }
}
