using System.Text.Json;
using k8s.Models;
using KubeNet.ApiMachinery.Errors;
using KubeNet.ApiMachinery.Json;
using KubeNet.ApiMachinery.Kinds;
using KubeNet.ApiServer.Registry;
using Microsoft.AspNetCore.Http;

namespace KubeNet.ApiServer.Http;

/// <summary>DELETE and deletecollection: DeleteOptions from the body and the query, and the upstream answers.</summary>
internal sealed partial class ResourceHandler
{
    private static Outcome<V1DeleteOptions> ReadDeleteOptions(HttpRequest http, byte[] body)
    {
        V1DeleteOptions? opts = null;
        if (body.Length > 0)
        {
            var json = BodyAsJson(body, http.ContentType);
            if (!json.IsOk)
            {
                return json.Error!;
            }

            try
            {
                opts = KubeJson.Deserialize<V1DeleteOptions>(json.Value!);
            }
            catch (JsonException ex)
            {
                return ApiError.BadRequest(ex.Message);
            }
        }

        opts ??= new V1DeleteOptions();
        if (long.TryParse(http.Query["gracePeriodSeconds"], out var grace))
        {
            opts.GracePeriodSeconds = grace;
        }

        if (http.Query.TryGetValue("propagationPolicy", out var policy))
        {
            opts.PropagationPolicy = policy;
        }

        if (Wire.ParseBool(http.Query["orphanDependents"].ToString()) is bool orphan)
        {
            opts.OrphanDependents = orphan;
        }

        // ValidateDeleteOptions: the legacy flag and the policy exclude each other; the policy is one of three.
        var errors = new List<FieldError>();
        if (opts.OrphanDependents is not null && opts.PropagationPolicy is not null)
        {
            errors.Add(FieldError.Invalid("propagationPolicy", opts.PropagationPolicy, "orphanDependents and deletionPropagation cannot be both set"));
        }

        if (opts.PropagationPolicy is not (null or "Orphan" or "Background" or "Foreground"))
        {
            errors.Add(FieldError.NotSupported("propagationPolicy", opts.PropagationPolicy, ["Foreground", "Background", "Orphan", "nil"]));
        }

        if (errors.Count > 0)
        {
            return ApiError.Invalid("", "DeleteOptions", string.Empty, errors);
        }

        return opts;
    }

    private async Task DeleteAsync(HttpContext context, ResourceInfo info, string? ns, string name)
    {
        var body = await Wire.ReadBodyAsync(context.Request, options.MaxRequestBodyBytes, context.RequestAborted);
        if (body is null)
        {
            await Wire.WriteStatusAsync(context, ApiError.RequestEntityTooLarge(options.MaxRequestBodyBytes));
            return;
        }

        var opts = ReadDeleteOptions(context.Request, body);
        if (!opts.IsOk)
        {
            await Wire.WriteStatusAsync(context, opts.Error!);
            return;
        }

        var dryRun = context.Request.Query["dryRun"].Contains("All") || (opts.Value!.DryRun?.Contains("All") ?? false);
        WarnOfOrphanedPods(context, info, opts.Value!);
        var result = await store.DeleteAsync(info, ns, name, opts.Value!, dryRun, context.RequestAborted);
        if (!result.IsOk)
        {
            await Wire.WriteStatusAsync(context, result.Error!);
            return;
        }

        var deleted = result.Value!;

        // 202 when a cascading delete (orphanDependents=false) could not finish at once, as the upstream handler answers.
        var code = !deleted.Deleted && opts.Value!.OrphanDependents == false ? 202 : 200;
        if (deleted.Deleted && !store.StrategyFor(info).ReturnsDeletedObject)
        {
            await Wire.WriteObjectAsync(context, code, Wire.Success(new V1StatusDetails
            {
                Name = name,
                Group = info.Group.Length == 0 ? null : info.Group,
                Kind = info.Resource,
                Uid = deleted.Object.Metadata.Uid,
            }));
            return;
        }

        await Wire.WriteJsonAsync(context, code, Tables.Served(info, deleted.Object));
    }

    /// <summary>Jobs in batch/v1 orphan their pods unless told otherwise; the job registry says so in a warning.</summary>
    private void WarnOfOrphanedPods(HttpContext context, ResourceInfo info, V1DeleteOptions options)
    {
        if (options.PropagationPolicy is null && options.OrphanDependents is null
            && info.Resource == "jobs" && store.StrategyFor(info).DefaultGarbageCollectionPolicy(info) == GarbageCollectionPolicy.OrphanDependents)
        {
            context.Response.Headers.Append("Warning", "299 - \"child pods are preserved by default when jobs are deleted; set propagationPolicy=Background to remove them or set propagationPolicy=Orphan to suppress this warning\"");
        }
    }

    private async Task DeleteCollectionAsync(HttpContext context, ResourceInfo info, string? ns)
    {
        var body = await Wire.ReadBodyAsync(context.Request, options.MaxRequestBodyBytes, context.RequestAborted) ?? [];
        var opts = ReadDeleteOptions(context.Request, body);
        var filter = BuildFilter(context.Request, info);
        if (!opts.IsOk || !filter.IsOk)
        {
            await Wire.WriteStatusAsync(context, opts.Error ?? filter.Error!);
            return;
        }

        var page = await store.ListAsync(info, new ListQuery { Namespace = ns, Filter = filter.Value.Filter, HasSelectors = filter.Value.HasSelectors }, context.RequestAborted);
        if (!page.IsOk)
        {
            await Wire.WriteStatusAsync(context, page.Error!);
            return;
        }

        var dryRun = context.Request.Query["dryRun"].Contains("All");
        WarnOfOrphanedPods(context, info, opts.Value!);
        var deleted = new List<StoredObject>();
        foreach (var item in page.Value!.Items)
        {
            var result = await store.DeleteAsync(info, item.Namespace, item.Name, opts.Value!, dryRun, context.RequestAborted);
            if (result.IsOk)
            {
                deleted.Add(result.Value!.Object);
            }
            else if (result.Error!.Code != 404)
            {
                await Wire.WriteStatusAsync(context, result.Error);
                return;
            }
        }

        await WriteListAsync(context, info, deleted, ObjectCodec.FormatRevision(store.Cache.Revision), null, null);
    }
}
