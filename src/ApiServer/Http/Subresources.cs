using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using KubeNet.ApiMachinery.Errors;
using KubeNet.ApiMachinery.Json;
using KubeNet.ApiMachinery.Kinds;
using KubeNet.ApiMachinery.Patch;
using KubeNet.ApiServer.Registry;
using Microsoft.AspNetCore.Http;

namespace KubeNet.ApiServer.Http;

/// <summary>status, scale and namespaces/finalize.</summary>
internal sealed partial class ResourceHandler
{
    private async Task HandleSubresourceAsync(HttpContext context, RequestInfo request, ResourceInfo info)
    {
        var sub = info.FindSubresource(request.Subresource!);
        var ns = info.Namespaced ? request.Namespace : null;
        var name = request.Name!;
        var method = context.Request.Method;
        if (sub is null || request.Rest is not null)
        {
            await Wire.WriteStatusAsync(context, ApiError.NotFound(info.Group, info.Resource + "/" + request.Subresource, name));
            return;
        }

        switch (sub.Name, method)
        {
            case ("status", "GET"):
                await GetAsync(context, info, ns, name);
                return;
            case ("status", "PUT"):
                await UpdateAsync(context, info, ns, name, "status");
                return;
            case ("status", "PATCH"):
                await PatchAsync(context, info, ns, name, "status");
                return;
            case ("scale", "GET" or "PUT" or "PATCH"):
                await ScaleAsync(context, info, ns, name, method);
                return;
            case ("finalize", "PUT"):
                await FinalizeAsync(context, info, name);
                return;
            case ("binding", "POST"):
                await BindAsync(context, ns!, name);
                return;
            case ("token", "POST") when info.Resource == "serviceaccounts":
                await TokenRequestAsync(context, ns!, name);
                return;
            default:
                await Wire.WriteStatusAsync(context, sub.Verbs.Count > 0 && method is "GET" or "PUT" or "PATCH" or "POST" or "DELETE"
                    ? ApiError.MethodNotSupported(info.Group, info.Resource + "/" + sub.Name, method.ToLowerInvariant())
                    : ApiError.MethodNotAllowed());
                return;
        }
    }

    private static int ReplicasOf(object obj) => obj switch
    {
        V1Deployment d => d.Spec?.Replicas ?? 1,
        V1ReplicaSet r => r.Spec?.Replicas ?? 1,
        V1StatefulSet s => s.Spec?.Replicas ?? 1,
        V1ReplicationController rc => rc.Spec?.Replicas ?? 1,
        _ => 0,
    };

    private static (int Replicas, string? Selector) StatusOf(object obj) => obj switch
    {
        V1Deployment d => (d.Status?.Replicas ?? 0, SelectorText(d.Spec?.Selector)),
        V1ReplicaSet r => (r.Status?.Replicas ?? 0, SelectorText(r.Spec?.Selector)),
        V1StatefulSet s => (s.Status?.Replicas ?? 0, SelectorText(s.Spec?.Selector)),
        V1ReplicationController rc => (rc.Status?.Replicas ?? 0, rc.Spec?.Selector is { Count: > 0 } sel ? string.Join(',', sel.Select(kv => kv.Key + "=" + kv.Value)) : null),
        _ => (0, null),
    };

    private static string? SelectorText(V1LabelSelector? selector)
        => KubeNet.ApiMachinery.Selectors.LabelSelector.TryFromLabelSelector(selector, out var s, out _) ? s!.ToString() : null;

    private static void SetReplicas(object obj, int replicas)
    {
        switch (obj)
        {
            case V1Deployment d: (d.Spec ??= new V1DeploymentSpec()).Replicas = replicas; break;
            case V1ReplicaSet r: (r.Spec ??= new V1ReplicaSetSpec()).Replicas = replicas; break;
            case V1StatefulSet s: (s.Spec ??= new V1StatefulSetSpec()).Replicas = replicas; break;
            case V1ReplicationController rc: (rc.Spec ??= new V1ReplicationControllerSpec()).Replicas = replicas; break;
        }
    }

    private static V1Scale ScaleOf(IKubernetesObject<V1ObjectMeta> obj)
    {
        var (replicas, selector) = StatusOf(obj);
        return new V1Scale
        {
            ApiVersion = "autoscaling/v1",
            Kind = "Scale",
            Metadata = new V1ObjectMeta
            {
                Name = obj.Metadata.Name,
                NamespaceProperty = obj.Metadata.NamespaceProperty,
                Uid = obj.Metadata.Uid,
                ResourceVersion = obj.Metadata.ResourceVersion,
                CreationTimestamp = obj.Metadata.CreationTimestamp,
            },
            Spec = new V1ScaleSpec { Replicas = ReplicasOf(obj) },
            Status = new V1ScaleStatus { Replicas = replicas, Selector = selector },
        };
    }

    private async Task ScaleAsync(HttpContext context, ResourceInfo info, string? ns, string name, string method)
    {
        if (method == "GET")
        {
            var found = await store.GetAsync(info, ns, name, context.Request.Query["resourceVersion"], context.RequestAborted);
            if (!found.IsOk)
            {
                await Wire.WriteStatusAsync(context, found.Error!);
                return;
            }

            await Wire.WriteObjectAsync(context, 200, ScaleOf(found.Value!.Object));
            return;
        }

        var body = await Wire.ReadBodyAsync(context.Request, options.MaxRequestBodyBytes, context.RequestAborted);
        if (body is null)
        {
            await Wire.WriteStatusAsync(context, ApiError.RequestEntityTooLarge(options.MaxRequestBodyBytes));
            return;
        }

        Func<V1Scale, Outcome<V1Scale>> change;
        if (method == "PUT")
        {
            V1Scale? requested;
            try
            {
                requested = KubeJson.Deserialize<V1Scale>(body);
            }
            catch (System.Text.Json.JsonException ex)
            {
                await Wire.WriteStatusAsync(context, ApiError.BadRequest(ex.Message));
                return;
            }

            change = current => requested is null ? ApiError.BadRequest("empty body") : requested;
        }
        else
        {
            var apply = PatchFunction(context.Request.ContentType, body, "autoscaling", "v1", "Scale");
            if (apply is null)
            {
                await Wire.WriteStatusAsync(context, ApiError.UnsupportedMediaType(PatchTypes));
                return;
            }

            change = current =>
            {
                var patched = apply(KubeJson.ToNode(current, typeof(V1Scale)));
                if (!patched.Succeeded)
                {
                    return patched.Error == PatchError.ApplyFailed ? ApiError.UnprocessableEntity(JsonPatch.ApplyFailedMessage) : ApiError.BadRequest(patched.Message ?? "invalid patch");
                }

                if (patched.Document is null)
                {
                    return ApiError.BadRequest("empty patch result");
                }

                var scale = KubeJson.FromNode(patched.Document, typeof(V1Scale)) as V1Scale ?? new V1Scale();

                // As for the main resource: a patch is applied again to the latest object after a concurrent write; only
                // a resourceVersion the patch itself sets is a precondition.
                if (scale.Metadata?.ResourceVersion == current.Metadata?.ResourceVersion && scale.Metadata is not null)
                {
                    scale.Metadata.ResourceVersion = null;
                }

                return scale;
            };
        }

        var result = await store.UpdateAsync(info, ns, name, "scale", current =>
        {
            if (current is null)
            {
                return ApiError.NotFound(info.Group, info.Resource, name);
            }

            var scale = change(ScaleOf(current));
            if (!scale.IsOk)
            {
                return scale.Error!;
            }

            var replicas = scale.Value!.Spec?.Replicas ?? 0;
            if (replicas < 0)
            {
                return ApiError.Invalid("autoscaling", "Scale", name, [FieldError.Invalid("spec.replicas", replicas, "must be greater than or equal to 0")]);
            }

            // Only a resourceVersion the client sent is a precondition: without one the write is unconditional, so
            // the store applies it again to the latest object when a controller wrote status meanwhile.
            current.Metadata.ResourceVersion = string.IsNullOrEmpty(scale.Value.Metadata?.ResourceVersion) ? null : scale.Value.Metadata.ResourceVersion;

            SetReplicas(current, replicas);
            return Outcome<IKubernetesObject<V1ObjectMeta>>.Ok(current);
        }, ReadWriteOptions(context.Request), context.RequestAborted);
        if (!result.IsOk)
        {
            await Wire.WriteStatusAsync(context, result.Error!);
            return;
        }

        await Wire.WriteObjectAsync(context, 200, ScaleOf(result.Value!.Object.Object));
    }

    /// <summary>
    /// pods/{name}/binding and the bindings resource: assigns a pod to a node once, as the scheduler does, and records
    /// PodScheduled=True. A pod that already has a node answers 409.
    /// </summary>
    internal async Task BindAsync(HttpContext context, string ns, string? podName)
    {
        var podsInfo = KindCatalog.Find("", "v1", "pods")!;
        var body = await Wire.ReadBodyAsync(context.Request, options.MaxRequestBodyBytes, context.RequestAborted);
        if (body is null)
        {
            await Wire.WriteStatusAsync(context, ApiError.RequestEntityTooLarge(options.MaxRequestBodyBytes));
            return;
        }

        var json = BodyAsJson(body, context.Request.ContentType);
        V1Binding? binding = null;
        if (json.IsOk)
        {
            try
            {
                binding = KubeJson.Deserialize<V1Binding>(json.Value!);
            }
            catch (System.Text.Json.JsonException)
            {
            }
        }

        var name = podName ?? binding?.Metadata?.Name;
        if (binding?.Target is null || string.IsNullOrEmpty(name) || (podName is not null && binding.Metadata?.Name is { Length: > 0 } n && n != podName))
        {
            await Wire.WriteStatusAsync(context, json.Error ?? ApiError.BadRequest("a Binding needs metadata.name matching the pod and a target node"));
            return;
        }

        if (binding.Target.Kind is { Length: > 0 } kind && kind != "Node")
        {
            await Wire.WriteStatusAsync(context, ApiError.Invalid("", "Binding", name, [FieldError.NotSupported("target.kind", kind, ["Node", "<empty>"])]));
            return;
        }

        var result = await store.UpdateAsync(podsInfo, ns, name, "binding", current =>
        {
            if (current is not V1Pod pod)
            {
                return ApiError.NotFound("", "pods", name);
            }

            if (pod.Metadata.DeletionTimestamp is not null)
            {
                return ApiError.Conflict("", "pods", name, $"pod {name} is being deleted, cannot be assigned to a host");
            }

            if (!string.IsNullOrEmpty(pod.Spec?.NodeName))
            {
                return ApiError.Conflict("", "pods", name, $"pod {name} is already assigned to node \"{pod.Spec.NodeName}\"");
            }

            if (binding.Metadata?.Uid is { Length: > 0 } uid && uid != pod.Metadata.Uid)
            {
                return ApiError.Conflict("", "pods", name, $"Precondition failed: UID in precondition: {uid}, UID in object meta: {pod.Metadata.Uid}");
            }

            pod.Spec!.NodeName = binding.Target.Name;
            var status = pod.Status ??= new V1PodStatus();
            var conditions = status.Conditions ??= [];
            var scheduled = conditions.FirstOrDefault(c => c.Type == "PodScheduled");
            if (scheduled is null)
            {
                conditions.Add(scheduled = new V1PodCondition { Type = "PodScheduled" });
            }

            scheduled.Status = "True";
            scheduled.Reason = null;
            scheduled.Message = null;
            scheduled.LastTransitionTime = KubeJson.Now();
            foreach (var (k, v) in binding.Metadata?.Annotations ?? new Dictionary<string, string>())
            {
                (pod.Metadata.Annotations ??= new Dictionary<string, string>())[k] = v;
            }

            return Outcome<IKubernetesObject<V1ObjectMeta>>.Ok(pod);
        }, ReadWriteOptions(context.Request), context.RequestAborted);
        if (!result.IsOk)
        {
            await Wire.WriteStatusAsync(context, result.Error!);
            return;
        }

        await Wire.WriteObjectAsync(context, 201, Wire.Success(null) with { Code = 201 });
    }

    /// <summary>namespaces/{name}/finalize: replaces spec.finalizers; the store removes a terminating namespace with none left.</summary>
    private async Task FinalizeAsync(HttpContext context, ResourceInfo info, string name)
    {
        var decoded = await DecodeBodyAsync(context, info, info.ClrType);
        if (!decoded.IsOk)
        {
            await Wire.WriteStatusAsync(context, decoded.Error!);
            return;
        }

        var finalizers = (decoded.Value as V1Namespace)?.Spec?.Finalizers ?? [];
        var result = await store.UpdateAsync(info, null, name, "finalize", current =>
        {
            if (current is not V1Namespace ns)
            {
                return ApiError.NotFound(info.Group, info.Resource, name);
            }

            (ns.Spec ??= new V1NamespaceSpec()).Finalizers = finalizers.ToList();
            return Outcome<IKubernetesObject<V1ObjectMeta>>.Ok(ns);
        }, ReadWriteOptions(context.Request), context.RequestAborted);
        await WriteWriteResultAsync(context, info, result);
    }
}
