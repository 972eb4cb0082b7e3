using k8s.Models;
using KubeNet.ApiMachinery.Errors;
using KubeNet.ApiMachinery.Json;
using KubeNet.ApiMachinery.Kinds;
using KubeNet.ApiServer.Auth;
using Microsoft.AspNetCore.Http;

namespace KubeNet.ApiServer.Http;

/// <summary>serviceaccounts/token (TokenRequest): a bound token for an existing service account, as upstream's token REST.</summary>
internal sealed partial class ResourceHandler
{
    private const long MinExpirationSeconds = 600;
    private const long MaxExpirationSeconds = 1L << 32;

    private async Task TokenRequestAsync(HttpContext context, string ns, string name)
    {
        var body = await Wire.ReadBodyAsync(context.Request, options.MaxRequestBodyBytes, context.RequestAborted);
        if (body is null)
        {
            await Wire.WriteStatusAsync(context, ApiError.RequestEntityTooLarge(options.MaxRequestBodyBytes));
            return;
        }

        var json = BodyAsJson(body, context.Request.ContentType);
        Authenticationv1TokenRequest? request = null;
        if (json.IsOk)
        {
            try
            {
                request = KubeJson.Deserialize<Authenticationv1TokenRequest>(json.Value!);
            }
            catch (System.Text.Json.JsonException e)
            {
                await Wire.WriteStatusAsync(context, ApiError.BadRequest(e.Message));
                return;
            }
        }

        if (request is null)
        {
            await Wire.WriteStatusAsync(context, json.Error ?? ApiError.BadRequest("a TokenRequest body is required"));
            return;
        }

        var spec = request.Spec ??= new V1TokenRequestSpec();
        spec.ExpirationSeconds ??= 3600;
        var errors = new List<FieldError>();
        if (spec.ExpirationSeconds < MinExpirationSeconds)
        {
            errors.Add(FieldError.Invalid("spec.expirationSeconds", spec.ExpirationSeconds, "may not specify a duration less than 10 minutes"));
        }
        else if (spec.ExpirationSeconds > MaxExpirationSeconds)
        {
            errors.Add(FieldError.Invalid("spec.expirationSeconds", spec.ExpirationSeconds, "may not specify a duration larger than 2^32 seconds"));
        }

        if (request.Metadata?.Name is { Length: > 0 } given && given != name)
        {
            errors.Add(FieldError.Invalid("metadata.name", given, "must match the service account name if specified"));
        }

        if (errors.Count > 0)
        {
            await Wire.WriteStatusAsync(context, ApiError.Invalid("authentication.k8s.io", "TokenRequest", name, errors));
            return;
        }

        var account = await store.GetAsync(KindCatalog.Find("", "v1", "serviceaccounts")!, ns, name, null, context.RequestAborted);
        if (!account.IsOk)
        {
            await Wire.WriteStatusAsync(context, account.Error!);
            return;
        }

        (string Kind, string Name, string Uid)? bound = null;
        if (spec.BoundObjectRef is { } reference)
        {
            var resource = reference.Kind switch { "Pod" => "pods", "Secret" => "secrets", "Node" => "nodes", _ => null };
            if (resource is null || (reference.ApiVersion is { Length: > 0 } v && v != "v1"))
            {
                await Wire.WriteStatusAsync(context, ApiError.BadRequest($"cannot bind token for serviceaccount \"{name}\" to object of type {reference.ApiVersion}, Kind={reference.Kind}"));
                return;
            }

            var target = await store.GetAsync(KindCatalog.Find("", "v1", resource)!, resource == "nodes" ? null : ns, reference.Name ?? string.Empty, null, context.RequestAborted);
            if (!target.IsOk)
            {
                await Wire.WriteStatusAsync(context, target.Error!);
                return;
            }

            var uid = target.Value!.Metadata.Uid;
            if (reference.Uid is { Length: > 0 } expected && expected != uid)
            {
                await Wire.WriteStatusAsync(context, ApiError.Conflict("", resource, reference.Name ?? string.Empty,
                    $"the UID in the bound object reference ({expected}) does not match the UID in record. The object might have been deleted and then recreated"));
                return;
            }

            bound = (reference.Kind!, reference.Name!, uid);
        }

        var now = DateTimeOffset.UtcNow;
        var expires = now.AddSeconds(spec.ExpirationSeconds.Value);
        var audiences = spec.Audiences is { Count: > 0 } a ? a.ToList() : [.. ServiceAccountTokens.DefaultAudiences];
        spec.Audiences = audiences;
        var token = tokens.Issue(ns, name, account.Value!.Metadata.Uid, audiences, now, expires, bound);
        request.ApiVersion = "authentication.k8s.io/v1";
        request.Kind = "TokenRequest";
        request.Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, CreationTimestamp = now.UtcDateTime };
        request.Status = new V1TokenRequestStatus { Token = token, ExpirationTimestamp = expires.UtcDateTime };
        await Wire.WriteObjectAsync(context, 201, request);
    }
}
