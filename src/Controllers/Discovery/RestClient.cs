using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using k8s;
using k8s.Models;

namespace KubeNet.Controllers.Discovery;

/// <summary>
/// Requests by path for controllers that work on every resource (the garbage collector, the namespace controller), as
/// client-go's dynamic and metadata clients do. It rides on the typed client's authenticated HTTP channel.
/// </summary>
public sealed class RestClient
{
    /// <summary>What client-go's metadata client asks for: metadata only, or the whole object from a server that cannot.</summary>
    public const string MetadataAccept = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json";

    public const string MetadataListAccept = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json";

    private readonly Kubernetes _client;

    public RestClient(IKubernetes client)
    {
        _client = client as Kubernetes ?? throw new ArgumentException("requests by path need a k8s.Kubernetes client", nameof(client));
    }

    public IKubernetes Client => _client;

    /// <summary>Sends a request; the caller owns the response. Relative paths resolve against the API server's URL.</summary>
    public async Task<HttpResponseMessage> SendAsync(
        HttpMethod method, string path, string? body = null, string? contentType = null, string? accept = null,
        HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead, CancellationToken ct = default)
    {
        using var request = new HttpRequestMessage(method, Resolve(path));
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType ?? "application/json");
        }

        request.Headers.TryAddWithoutValidation("Accept", accept ?? "application/json");
        if (_client.Credentials is { } credentials)
        {
            await credentials.ProcessHttpRequestAsync(request, ct);
        }

        return await _client.HttpClient.SendAsync(request, completion, ct);
    }

    /// <summary>GETs a JSON document; null when the server answers 404.</summary>
    public async Task<JsonDocument?> GetJsonAsync(string path, string? accept = null, CancellationToken ct = default)
    {
        using var response = await SendAsync(HttpMethod.Get, path, accept: accept, ct: ct);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        await EnsureSuccessAsync(response, "GET " + path, ct);
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        return await JsonDocument.ParseAsync(stream, cancellationToken: ct);
    }

    /// <summary>The metadata of one object, or null when it does not exist.</summary>
    public async Task<V1ObjectMeta?> GetMetadataAsync(ApiResource resource, string? ns, string name, CancellationToken ct)
    {
        using var doc = await GetJsonAsync(resource.ObjectPath(ns, name), MetadataAccept, ct);
        return doc is null ? null : ReadMetadata(doc.RootElement);
    }

    /// <summary>Every object's metadata in <paramref name="ns"/> (all namespaces when null).</summary>
    public async Task<IReadOnlyList<V1ObjectMeta>> ListMetadataAsync(ApiResource resource, string? ns, CancellationToken ct)
    {
        var items = new List<V1ObjectMeta>();
        string? continueToken = null;
        do
        {
            var path = resource.CollectionPath(ns) + "?limit=500" + (continueToken is null ? string.Empty : "&continue=" + Uri.EscapeDataString(continueToken));
            using var doc = await GetJsonAsync(path, MetadataListAccept, ct)
                ?? throw new HttpRequestException($"GET {path}: 404", null, HttpStatusCode.NotFound);
            foreach (var item in doc.RootElement.GetProperty("items").EnumerateArray())
            {
                items.Add(ReadMetadata(item));
            }

            continueToken = doc.RootElement.TryGetProperty("metadata", out var listMeta) && listMeta.TryGetProperty("continue", out var c)
                && c.GetString() is { Length: > 0 } token ? token : null;
        }
        while (continueToken is not null);

        return items;
    }

    /// <summary>DELETE with options; answers the status code (404 and 409 are the caller's to interpret).</summary>
    public async Task<HttpStatusCode> DeleteAsync(string path, V1DeleteOptions options, CancellationToken ct)
    {
        options.ApiVersion = "v1";
        options.Kind = "DeleteOptions";
        using var response = await SendAsync(HttpMethod.Delete, path, KubernetesJson.Serialize(options), ct: ct);
        if (response.StatusCode is not (HttpStatusCode.NotFound or HttpStatusCode.Conflict or HttpStatusCode.MethodNotAllowed))
        {
            await EnsureSuccessAsync(response, "DELETE " + path, ct);
        }

        return response.StatusCode;
    }

    /// <summary>A JSON merge patch; answers the status code (404 and 409 are the caller's to interpret).</summary>
    public async Task<HttpStatusCode> MergePatchAsync(string path, string patch, CancellationToken ct)
    {
        using var response = await SendAsync(HttpMethod.Patch, path, patch, "application/merge-patch+json", ct: ct);
        if (response.StatusCode is not (HttpStatusCode.NotFound or HttpStatusCode.Conflict))
        {
            await EnsureSuccessAsync(response, "PATCH " + path, ct);
        }

        return response.StatusCode;
    }

    /// <summary>The metadata member of an object (or of a PartialObjectMetadata).</summary>
    public static V1ObjectMeta ReadMetadata(JsonElement obj)
        => obj.TryGetProperty("metadata", out var meta) ? KubernetesJson.Deserialize<V1ObjectMeta>(meta.GetRawText()) : new V1ObjectMeta();

    public static async Task EnsureSuccessAsync(HttpResponseMessage response, string what, CancellationToken ct)
    {
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(ct);
            throw new HttpRequestException($"{what}: {(int)response.StatusCode} {body}", null, response.StatusCode);
        }
    }

    private Uri Resolve(string path)
    {
        var root = _client.BaseUri.ToString();
        return new Uri(root.EndsWith('/') ? root + path.TrimStart('/') : root + "/" + path.TrimStart('/'));
    }
}
