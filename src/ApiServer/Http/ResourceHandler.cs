using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using KubeNet.ApiMachinery.Apply;
using KubeNet.ApiMachinery.Errors;
using KubeNet.ApiMachinery.Json;
using KubeNet.ApiMachinery.Kinds;
using KubeNet.ApiMachinery.Patch;
using KubeNet.ApiMachinery.Protobuf;
using KubeNet.ApiMachinery.Selectors;
using KubeNet.ApiServer.Auth;
using KubeNet.ApiServer.Registry;
using Microsoft.AspNetCore.Http;

namespace KubeNet.ApiServer.Http;

/// <summary>The REST verbs on stored resources: the part of kube-apiserver's endpoints/handlers that is not streaming.</summary>
internal sealed partial class ResourceHandler(GenericStore store, ApiServerOptions options, WatchHandler watches, ServiceAccountTokens tokens)
{
    public async Task HandleAsync(HttpContext context, RequestInfo request, ResourceInfo info)
    {
        var method = context.Request.Method;
        if (request.LegacyWatch || (method == "GET" && request.Name is null && Wire.QueryBool(context.Request, "watch")))
        {
            if (!info.Supports("watch"))
            {
                await Wire.WriteStatusAsync(context, ApiError.MethodNotSupported(info.Group, info.Resource, "watch"));
                return;
            }

            await watches.HandleAsync(context, request, info);
            return;
        }

        if (request.Subresource is not null)
        {
            await HandleSubresourceAsync(context, request, info);
            return;
        }

        var (verb, error) = (method, request.Name) switch
        {
            ("GET", null) => ("list", null),
            ("GET", _) => ("get", null),
            ("POST", null) => ("create", null),
            ("PUT", not null) => ("update", null),
            ("PATCH", not null) => ("patch", null),
            ("DELETE", null) => ("deletecollection", null),
            ("DELETE", _) => ("delete", null),
            _ => (string.Empty, ApiError.MethodNotAllowed()),
        };
        if (error is null && !info.Supports(verb))
        {
            error = ApiError.MethodNotSupported(info.Group, info.Resource, verb);
        }

        if (error is not null)
        {
            await Wire.WriteStatusAsync(context, error);
            return;
        }

        if (info.Virtual)
        {
            if (info.Resource == "bindings" && info.Group.Length == 0 && request.Namespace is not null)
            {
                await BindAsync(context, request.Namespace, null);
                return;
            }

            await VirtualResources.CreateAsync(context, info, request, options, tokens);
            return;
        }

        var ns = info.Namespaced ? request.Namespace : null;
        if (info.Namespaced && ns is null && verb is not ("list" or "deletecollection"))
        {
            await Wire.WriteStatusAsync(context, ApiError.NotFound(info.Group, info.Resource, request.Name ?? string.Empty));
            return;
        }

        var task = verb switch
        {
            "get" => GetAsync(context, info, ns, request.Name!),
            "list" => ListAsync(context, info, ns),
            "create" => CreateAsync(context, info, ns),
            "update" => UpdateAsync(context, info, ns, request.Name!, null),
            "patch" => PatchAsync(context, info, ns, request.Name!, null),
            "delete" => DeleteAsync(context, info, ns, request.Name!),
            _ => DeleteCollectionAsync(context, info, ns),
        };
        await task;
    }

    private async Task GetAsync(HttpContext context, ResourceInfo info, string? ns, string name)
    {
        var shape = Wire.Negotiate(context.Request.Headers.Accept, tableCapable: true);
        if (shape == ResponseShape.NotAcceptable)
        {
            await Wire.WriteStatusAsync(context, ApiError.NotAcceptable(Wire.AcceptedTypes));
            return;
        }

        var found = await store.GetAsync(info, ns, name, context.Request.Query["resourceVersion"], context.RequestAborted);
        if (!found.IsOk)
        {
            await Wire.WriteStatusAsync(context, found.Error!);
            return;
        }

        if (shape != ResponseShape.Json)
        {
            await Wire.WriteJsonAsync(context, 200, Tables.Build(info, shape, [found.Value!], found.Value!.Metadata.ResourceVersion, null, null, context.Request.Query["includeObject"], withColumns: true));
            return;
        }

        await Wire.WriteJsonAsync(context, 200, Tables.Served(info, found.Value!));
    }

    /// <summary>Builds the list filter from labelSelector and fieldSelector; an error for a bad selector.</summary>
    internal static Outcome<(Func<StoredObject, bool>? Filter, bool HasSelectors)> BuildFilter(HttpRequest http, ResourceInfo info)
    {
        if (!LabelSelector.TryParse(http.Query["labelSelector"].ToString(), out var labels, out var labelError))
        {
            return ApiError.BadRequest(labelError);
        }

        if (!FieldSelector.TryParse(http.Query["fieldSelector"].ToString(), out var fields, out var fieldError))
        {
            return ApiError.BadRequest(fieldError);
        }

        foreach (var term in fields.Terms)
        {
            if (!FieldLabels.IsSupported(info, term.Field))
            {
                return ApiError.BadRequest($"field label not supported: {term.Field}");
            }
        }

        var hasLabels = !ReferenceEquals(labels, LabelSelector.Everything);
        var hasFields = !fields.IsEmpty;
        if (!hasLabels && !hasFields)
        {
            return (null, false);
        }

        Func<StoredObject, bool> filter = o =>
            (!hasLabels || labels.Matches(o.Metadata.Labels as IReadOnlyDictionary<string, string>))
            && (!hasFields || fields.Matches((info, o), static (s, field) => FieldLabels.Get(s.info, s.o, field)));
        return (filter, true);
    }

    private async Task ListAsync(HttpContext context, ResourceInfo info, string? ns)
    {
        var http = context.Request;
        var shape = Wire.Negotiate(http.Headers.Accept, tableCapable: true);
        if (shape == ResponseShape.NotAcceptable)
        {
            await Wire.WriteStatusAsync(context, ApiError.NotAcceptable(Wire.AcceptedTypes));
            return;
        }

        var filter = BuildFilter(http, info);
        if (!filter.IsOk)
        {
            await Wire.WriteStatusAsync(context, filter.Error!);
            return;
        }

        var limit = 0;
        if (http.Query.ContainsKey("limit") && (!int.TryParse(http.Query["limit"], out limit) || limit < 0))
        {
            limit = 0;
        }

        var page = await store.ListAsync(info, new ListQuery
        {
            Namespace = ns,
            Filter = filter.Value.Filter,
            HasSelectors = filter.Value.HasSelectors,
            Limit = limit,
            Continue = http.Query["continue"],
            ResourceVersion = http.Query["resourceVersion"],
            ResourceVersionMatch = http.Query["resourceVersionMatch"],
        }, context.RequestAborted);
        if (!page.IsOk)
        {
            await Wire.WriteStatusAsync(context, page.Error!);
            return;
        }

        var result = page.Value!;
        var rv = ObjectCodec.FormatRevision(result.Revision);
        if (shape != ResponseShape.Json)
        {
            await Wire.WriteJsonAsync(context, 200, Tables.Build(info, shape, result.Items, rv, result.Continue, result.RemainingItemCount, http.Query["includeObject"], withColumns: true));
            return;
        }

        await WriteListAsync(context, info, result.Items, rv, result.Continue, result.RemainingItemCount);
    }

    /// <summary>Streams a list: the cached JSON of each item is copied, never re-encoded.</summary>
    internal static async Task WriteListAsync(HttpContext context, ResourceInfo info, IReadOnlyList<StoredObject> items, string? rv, string? continueToken, long? remaining)
    {
        var response = context.Response;
        response.StatusCode = 200;
        response.ContentType = Wire.JsonType;
        using var head = new MemoryStream();
        using (var w = new Utf8JsonWriter(head))
        {
            w.WriteStartObject();
            w.WriteString("kind", info.ListKind);
            w.WriteString("apiVersion", info.GroupVersion);
            Wire.WriteListMeta(w, rv, continueToken, remaining);
            w.WritePropertyName("items");
            w.WriteStartArray();
            w.Flush();
        }

        var body = response.BodyWriter;
        await body.WriteAsync(head.ToArray(), context.RequestAborted);
        for (var i = 0; i < items.Count; i++)
        {
            if (i > 0)
            {
                await body.WriteAsync(Wire.Comma, context.RequestAborted);
            }

            await body.WriteAsync(Tables.Served(info, items[i]), context.RequestAborted);
        }

        await body.WriteAsync("]}"u8.ToArray(), context.RequestAborted);
        await body.FlushAsync(context.RequestAborted);
    }

    internal async Task<Outcome<IKubernetesObject<V1ObjectMeta>>> DecodeBodyAsync(HttpContext context, ResourceInfo info, Type type)
    {
        var body = await Wire.ReadBodyAsync(context.Request, options.MaxRequestBodyBytes, context.RequestAborted);
        if (body is null)
        {
            return ApiError.RequestEntityTooLarge(options.MaxRequestBodyBytes);
        }

        var json = BodyAsJson(body, context.Request.ContentType);
        if (!json.IsOk)
        {
            return json.Error!;
        }

        return Decode(json.Value!, info, type, context);
    }

    /// <summary>The request body as JSON: JSON as is, YAML converted; other media types are refused with 415.</summary>
    internal static Outcome<byte[]> BodyAsJson(byte[] body, string? contentType)
    {
        if (Wire.IsJsonContentType(contentType, out var mediaType))
        {
            return body;
        }

        if (mediaType == ProtobufTranscoder.ContentType)
        {
            // kubectl's typed clients send protobuf; the object continues as the JSON it transcodes to.
            return ProtobufTranscoder.TryDecodeEnvelope(body, out _, out _, out var objectJson, out var protoError)
                ? objectJson
                : ApiError.BadRequest("the object provided is unrecognized: " + protoError);
        }

        if (mediaType is "application/yaml")
        {
            if (!YamlToJson.TryConvert(body, out var node, out var error))
            {
                return ApiError.BadRequest(error!);
            }

            return JsonSerializer.SerializeToUtf8Bytes(node, KubeJson.NodeOptions);
        }

        return ApiError.UnsupportedMediaType(Wire.AcceptedTypes);
    }

    /// <summary>
    /// Decodes a body into the model type after the fieldValidation check: Strict rejects unknown and duplicate fields
    /// (400, as the strict decoder), Warn (the default) reports them in Warning headers, Ignore drops them silently.
    /// </summary>
    internal static Outcome<IKubernetesObject<V1ObjectMeta>> Decode(ReadOnlySpan<byte> body, ResourceInfo info, Type type, HttpContext context)
    {
        var mode = context.Request.Query["fieldValidation"].ToString();
        if (mode is not ("" or "Strict" or "Warn" or "Ignore"))
        {
            return ApiError.BadRequest($"fieldValidation must be one of \"Ignore\", \"Warn\", or \"Strict\" but got \"{mode}\"");
        }

        if (mode != "Ignore")
        {
            var findings = FieldChecker.Check(body, type);
            if (findings.Count > 0)
            {
                var kind = (type.GetCustomAttributes(typeof(KubernetesEntityAttribute), false).FirstOrDefault() as KubernetesEntityAttribute)?.Kind ?? info.Kind;
                if (mode == "Strict")
                {
                    return ApiError.BadRequest($"{kind} in version \"{info.Version}\" cannot be handled as a {kind}: strict decoding error: {string.Join(", ", findings)}");
                }

                foreach (var finding in findings)
                {
                    context.Response.Headers.Append("Warning", "299 - \"" + finding.ToString().Replace("\"", "\\\"", StringComparison.Ordinal) + "\"");
                }
            }
        }

        return Decode(body, info, type);
    }

    internal static Outcome<IKubernetesObject<V1ObjectMeta>> Decode(ReadOnlySpan<byte> body, ResourceInfo info, Type type)
    {
        IKubernetesObject<V1ObjectMeta> obj;
        try
        {
            obj = ObjectCodec.Decode(body, type);
        }
        catch (JsonException ex)
        {
            return ApiError.BadRequest("the object provided is unrecognized: " + ex.Message);
        }

        var expectedKind = type == info.ClrType ? info.Kind : (type.GetCustomAttributes(typeof(KubernetesEntityAttribute), false).FirstOrDefault() as KubernetesEntityAttribute)?.Kind;
        var expectedVersion = type == info.ClrType ? info.GroupVersion : null;
        if (!string.IsNullOrEmpty(obj.Kind) && obj.Kind != expectedKind)
        {
            return ApiError.BadRequest($"the object provided is unrecognized (must be of type {expectedKind}): (kind {obj.Kind})");
        }

        if (expectedVersion is not null && !string.IsNullOrEmpty(obj.ApiVersion) && obj.ApiVersion != expectedVersion)
        {
            return ApiError.BadRequest($"the API version in the data ({obj.ApiVersion}) does not match the expected API version ({expectedVersion})");
        }

        obj.Metadata ??= new V1ObjectMeta();
        return Outcome<IKubernetesObject<V1ObjectMeta>>.Ok(obj);
    }

    internal static WriteOptions ReadWriteOptions(HttpRequest http)
        => new() { DryRun = http.Query["dryRun"].Contains("All"), FieldManager = FieldManagerOf(http) };

    /// <summary>fieldManager, or as upstream the User-Agent up to its first "/" ("kubectl", "OpenAPI-Generator").</summary>
    private static string? FieldManagerOf(HttpRequest http)
    {
        var explicitManager = http.Query["fieldManager"].ToString();
        if (explicitManager.Length > 0)
        {
            return explicitManager;
        }

        var agent = http.Headers.UserAgent.ToString();
        var slash = agent.IndexOf('/', StringComparison.Ordinal);
        var prefix = slash >= 0 ? agent[..slash] : agent;
        return prefix.Length == 0 ? null : prefix[..Math.Min(prefix.Length, 128)];
    }

    private async Task CreateAsync(HttpContext context, ResourceInfo info, string? ns)
    {
        var decoded = await DecodeBodyAsync(context, info, info.ClrType);
        if (!decoded.IsOk)
        {
            await Wire.WriteStatusAsync(context, decoded.Error!);
            return;
        }

        var obj = Conversion.ToStorage(info, decoded.Value!);
        var created = await store.CreateAsync(info, ns, obj, ReadWriteOptions(context.Request), context.RequestAborted);
        if (!created.IsOk)
        {
            await Wire.WriteStatusAsync(context, created.Error!);
            return;
        }

        await Wire.WriteJsonAsync(context, 201, Tables.Served(info, created.Value!));
    }

    internal async Task UpdateAsync(HttpContext context, ResourceInfo info, string? ns, string name, string? subresource)
    {
        var decoded = await DecodeBodyAsync(context, info, info.ClrType);
        if (!decoded.IsOk)
        {
            await Wire.WriteStatusAsync(context, decoded.Error!);
            return;
        }

        var replacement = decoded.Value!;
        var result = await store.UpdateAsync(info, ns, name, subresource, _ => Clone(replacement), ReadWriteOptions(context.Request), context.RequestAborted);
        await WriteWriteResultAsync(context, info, result);
    }

    private static Outcome<IKubernetesObject<V1ObjectMeta>> Clone(IKubernetesObject<V1ObjectMeta> obj)
        => Outcome<IKubernetesObject<V1ObjectMeta>>.Ok(ObjectCodec.Clone(obj));

    internal static async Task WriteWriteResultAsync(HttpContext context, ResourceInfo info, Outcome<WriteResponse> result)
    {
        if (!result.IsOk)
        {
            await Wire.WriteStatusAsync(context, result.Error!);
            return;
        }

        await Wire.WriteJsonAsync(context, result.Value!.Created ? 201 : 200, Tables.Served(info, result.Value.Object));
    }

    internal async Task PatchAsync(HttpContext context, ResourceInfo info, string? ns, string name, string? subresource)
    {
        var body = await Wire.ReadBodyAsync(context.Request, options.MaxRequestBodyBytes, context.RequestAborted);
        if (body is null)
        {
            await Wire.WriteStatusAsync(context, ApiError.RequestEntityTooLarge(options.MaxRequestBodyBytes));
            return;
        }

        if ((context.Request.ContentType ?? string.Empty).StartsWith("application/apply-patch+yaml", StringComparison.OrdinalIgnoreCase))
        {
            await ApplyAsync(context, info, ns, name, subresource, body);
            return;
        }

        var apply = PatchFunction(context.Request.ContentType, body, info.Group, info.Version, info.Kind);
        if (apply is null)
        {
            await Wire.WriteStatusAsync(context, ApiError.UnsupportedMediaType(PatchTypes));
            return;
        }

        var result = await store.UpdateAsync(info, ns, name, subresource, current => ApplyPatch(info, name, current, apply, context), ReadWriteOptions(context.Request), context.RequestAborted);
        await WriteWriteResultAsync(context, info, result);
    }

    internal const string PatchTypes = "application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml";

    /// <summary>
    /// Server-side apply (application/apply-patch+yaml): the configuration's fields become the manager's, conflicts with
    /// other managers are 409 unless force=true, and a missing object is created.
    /// </summary>
    private async Task ApplyAsync(HttpContext context, ResourceInfo info, string? ns, string name, string? subresource, byte[] body)
    {
        var manager = context.Request.Query["fieldManager"].ToString();
        if (manager.Length == 0)
        {
            await Wire.WriteStatusAsync(context, ApiError.Invalid("meta.k8s.io", "PatchOptions", string.Empty,
                [FieldError.Required("fieldManager", "is required for apply patch")]));
            return;
        }

        var definition = ServerSideApply.DefinitionFor(info.Group, info.Version, info.Kind);
        if (definition is null)
        {
            await Wire.WriteStatusAsync(context, ApiError.UnsupportedMediaType(PatchTypes));
            return;
        }

        if (!YamlToJson.TryConvert(body, out var node, out var yamlError) || node is not JsonObject applied)
        {
            await Wire.WriteStatusAsync(context, ApiError.BadRequest(yamlError ?? "error decoding patch: the configuration is not an object"));
            return;
        }

        var force = Wire.QueryBool(context.Request, "force");
        var options = ReadWriteOptions(context.Request) with { IsApply = true, FieldManager = manager };
        var result = await store.UpdateAsync(info, ns, name, subresource, current =>
        {
            var live = current is null ? null : KubeJson.ToNode(current, current.GetType()) as JsonObject;
            var outcome = ServerSideApply.Apply(live, (JsonObject)applied.DeepClone(), definition, manager, force, DateTime.UtcNow, subresource);
            if (!outcome.Succeeded)
            {
                return ApiError.FromStatus(outcome.ToStatus()!);
            }

            return Decode(JsonSerializer.SerializeToUtf8Bytes(outcome.Object, KubeJson.NodeOptions), info, info.ClrType, context);
        }, options, context.RequestAborted);
        await WriteWriteResultAsync(context, info, result);
    }

    /// <summary>The patch engine of a PATCH request's media type; null when the type is not one the resource takes.</summary>
    internal static Func<JsonNode?, PatchResult>? PatchFunction(string? contentType, byte[] body, string group, string version, string kind)
    {
        var mediaType = (contentType ?? string.Empty).Split(';')[0].Trim().ToLowerInvariant();
        switch (mediaType)
        {
            case "application/json-patch+json":
                return doc => JsonPatch.Apply(doc, body);
            case "application/merge-patch+json":
                return doc => MergePatch.Apply(doc, body);
            case "application/strategic-merge-patch+json":
                var definition = StrategicMergePatch.DefinitionFor(group, version, kind);
                return definition is null ? null : doc => StrategicMergePatch.Apply(doc, body, definition);
            default:
                return null;
        }
    }

    internal static Outcome<IKubernetesObject<V1ObjectMeta>> ApplyPatch(ResourceInfo info, string name, IKubernetesObject<V1ObjectMeta>? current, Func<JsonNode?, PatchResult> apply, HttpContext context)
    {
        var hideDetail = (context.Request.ContentType ?? string.Empty).StartsWith("application/json-patch+json", StringComparison.OrdinalIgnoreCase);
        if (current is null)
        {
            return ApiError.NotFound(info.Group, info.Resource, name);
        }

        var node = KubeJson.ToNode(current, current.GetType());
        var patched = apply(node);
        switch (patched.Error)
        {
            case PatchError.None:
                break;
            case PatchError.BadRequest:
                return ApiError.BadRequest(patched.Message ?? "invalid patch");
            case PatchError.TooManyOperations:
                return ApiError.RequestEntityTooLarge(JsonPatch.MaxOperations);
            case PatchError.ApplyFailed:
                // JSON patch failures reach the client without detail, as upstream's generic 422; the others say why.
                return ApiError.UnprocessableEntity(!hideDetail && patched.Message is { Length: > 0 } m ? m : JsonPatch.ApplyFailedMessage);
            default:
                return ApiError.Internal(patched.Message ?? "invalid document");
        }

        var decoded = Decode(JsonSerializer.SerializeToUtf8Bytes(patched.Document, KubeJson.NodeOptions), info, current.GetType(), context);

        // A patch is applied again to the latest object when a concurrent write wins; only a resourceVersion the patch
        // itself sets is a precondition, as upstream's GuaranteedUpdate retries.
        if (decoded.IsOk && decoded.Value!.Metadata?.ResourceVersion == current.Metadata.ResourceVersion)
        {
            decoded.Value.Metadata!.ResourceVersion = null;
        }

        return decoded;
    }
}
