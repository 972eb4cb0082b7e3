using System.Globalization;
using KubeNet.ApiMachinery.Errors;
using KubeNet.ApiMachinery.Json;
using KubeNet.ApiMachinery.Kinds;
using KubeNet.ApiServer.Auth;
using KubeNet.ApiServer.Discovery;
using KubeNet.ApiServer.OpenApi;
using Microsoft.AspNetCore.Http;

namespace KubeNet.ApiServer.Http;

/// <summary>
/// The request path of kube-apiserver in order: authentication, in-flight limits, then the route (health, version,
/// discovery, OpenAPI, resources). Authorization comes with RBAC; until then every authenticated user is allowed.
/// </summary>
internal sealed class ApiRouter(
    Authenticator authenticator,
    ApiServerOptions options,
    DiscoveryDocuments discovery,
    OpenApiDocuments openApi,
    ResourceHandler resources,
    HealthChecks health,
    NodeProxy.PodStreams? podStreams = null,
    NodeProxy.MetricsApi? metrics = null)
{
    private int _readInflight;
    private int _mutatingInflight;

    public static readonly object VersionInfo = new Dictionary<string, string>
    {
        ["major"] = "1",
        ["minor"] = "32",
        ["gitVersion"] = "v1.32.4-kube-net",
        ["gitCommit"] = "0000000000000000000000000000000000000000",
        ["gitTreeState"] = "clean",
        ["buildDate"] = "2026-11-01T00:00:00Z",
        ["goVersion"] = "go1.23.6",
        ["compiler"] = "gc",
        ["platform"] = "linux/amd64",
    };

    public async Task HandleAsync(HttpContext context)
    {
        var user = authenticator.Authenticate(context);
        if (user is null && !Authenticator.AnonymousAllowed(context.Request))
        {
            await Wire.WriteStatusAsync(context, ApiError.Unauthorized());
            return;
        }

        user?.AttachTo(context);
        var path = context.Request.Path.Value ?? "/";
        var request = RequestInfo.Parse(path);
        var longRunning = request?.LegacyWatch == true || Wire.QueryBool(context.Request, "watch");
        if (longRunning)
        {
            await RouteOrFailAsync(context, path, request);
            return;
        }

        var mutating = context.Request.Method is not ("GET" or "HEAD" or "OPTIONS");
        ref var counter = ref mutating ? ref _mutatingInflight : ref _readInflight;
        var limit = mutating ? options.MaxMutatingInflight : options.MaxReadInflight;
        if (Interlocked.Increment(ref counter) > limit)
        {
            Interlocked.Decrement(ref counter);
            await Wire.WriteStatusAsync(context, ApiError.TooManyRequests(1));
            return;
        }

        try
        {
            await RouteOrFailAsync(context, path, request);
        }
        finally
        {
            if (mutating)
            {
                Interlocked.Decrement(ref _mutatingInflight);
            }
            else
            {
                Interlocked.Decrement(ref _readInflight);
            }
        }
    }

    // Storage that stays unreachable past its retries answers as kube-apiserver does when etcd fails: a 500 Status.
    private async Task RouteOrFailAsync(HttpContext context, string path, RequestInfo? request)
    {
        try
        {
            await RouteAsync(context, path, request);
        }
        catch (KubeNet.Storage.StorageUnavailableException ex) when (!context.Response.HasStarted)
        {
            await Wire.WriteStatusAsync(context, ApiError.Internal(ex.Message));
        }
    }

    private async Task RouteAsync(HttpContext context, string path, RequestInfo? request)
    {
        if (HealthChecks.Handles(path))
        {
            await health.HandleAsync(context, path);
            return;
        }

        switch (path.TrimEnd('/'))
        {
            case "/version":
                await Wire.WriteObjectAsync(context, 200, VersionInfo);
                return;
            case "/openapi/v3":
                await Wire.WriteJsonAsync(context, 200, openApi.Root);
                return;
            case "" or "/":
                await Wire.WriteObjectAsync(context, 200, new { paths = new[] { "/api", "/api/v1", "/apis", "/healthz", "/livez", "/openapi/v3", "/readyz", "/version" } });
                return;
        }

        if (path.StartsWith("/openapi/v3/", StringComparison.Ordinal))
        {
            var doc = openApi.Document(path["/openapi/v3/".Length..]);
            if (doc is null)
            {
                await Wire.WriteStatusAsync(context, ApiError.NotFound("", "openapi", path));
                return;
            }

            context.Response.Headers.ETag = "\"" + doc.Value.Hash + "\"";
            context.Response.Headers.CacheControl = context.Request.Query.ContainsKey("hash") ? "public, immutable" : "no-cache, private";
            await Wire.WriteJsonAsync(context, 200, doc.Value.Body);
            return;
        }

        if (request is null)
        {
            await Wire.WriteStatusAsync(context, NotFoundPath());
            return;
        }

        if (!request.IsResourceRequest)
        {
            await DiscoveryAsync(context, request, path);
            return;
        }

        if (metrics is not null && NodeProxy.MetricsApi.Handles(request))
        {
            await metrics.HandleAsync(context, request);
            return;
        }

        var info = KindCatalog.Find(request.Group, request.Version, request.Resource);
        if (info is null)
        {
            await Wire.WriteStatusAsync(context, NotFoundPath());
            return;
        }

        if (podStreams is not null && NodeProxy.PodStreams.Handles(request))
        {
            await podStreams.HandleAsync(context, request);
            return;
        }

        await resources.HandleAsync(context, request, info);
    }

    private static ApiError NotFoundPath() => ApiError.NotFoundPlain("the server could not find the requested resource");

    private async Task DiscoveryAsync(HttpContext context, RequestInfo request, string path)
    {
        if (context.Request.Method != "GET")
        {
            await Wire.WriteStatusAsync(context, ApiError.MethodNotAllowed());
            return;
        }

        var trimmed = path.TrimEnd('/');
        DiscoveryDocument? doc = null;
        if (trimmed is "/api" or "/apis")
        {
            var aggregated = DiscoveryDocuments.AggregatedVersion(context.Request.Headers.Accept);
            doc = aggregated is null ? null : discovery.Aggregated(trimmed, aggregated);
        }

        doc ??= discovery.Legacy(trimmed);
        if (doc is null)
        {
            await Wire.WriteStatusAsync(context, NotFoundPath());
            return;
        }

        context.Response.Headers.ETag = doc.ETag;
        context.Response.Headers.Vary = "Accept";
        context.Response.Headers.CacheControl = "public";
        if (context.Request.Headers.IfNoneMatch.ToString() == doc.ETag)
        {
            context.Response.StatusCode = 304;
            return;
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = doc.ContentType;
        context.Response.ContentLength = doc.Body.Length;
        await context.Response.Body.WriteAsync(doc.Body, context.RequestAborted);
    }
}
