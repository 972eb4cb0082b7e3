using k8s;
using k8s.Models;
using KubeNet.ApiMachinery.Errors;
using KubeNet.ApiMachinery.Kinds;
using KubeNet.ApiServer.Registry;

namespace KubeNet.ApiServer.Admission;

/// <summary>
/// Built-in admission, in kube-apiserver's order: NamespaceLifecycle (no content in missing or terminating
/// namespaces; the system namespaces may not be deleted), LimitRanger (pod resource defaults and bounds), Priority
/// (pod priority from its PriorityClass; one global default class; system classes may not be deleted).
/// </summary>
internal sealed class AdmissionChain
{
    private static readonly HashSet<string> Immortal = ["default", "kube-system", "kube-public"];
    private static readonly ResourceInfo Namespaces = KindCatalog.Find("", "v1", "namespaces")!;
    private StorageCache? _cache;
    private readonly LimitRanger _limitRanger;
    private readonly PriorityAdmission _priority;

    public AdmissionChain()
    {
        _limitRanger = new LimitRanger(() => _cache);
        _priority = new PriorityAdmission(() => _cache);
    }

    public void Attach(StorageCache cache) => _cache = cache;

    public async ValueTask<ApiError?> AdmitCreateAsync(ResourceInfo info, IKubernetesObject<V1ObjectMeta> obj, CancellationToken ct)
    {
        var error = NamespaceLifecycle(info, obj);
        if (error is { Code: 404 } && _cache is not null)
        {
            // As upstream's live lookup on a miss: a namespace created a moment ago may not have reached the cache yet.
            await _cache.WaitUntilFreshAsync(ct);
            error = NamespaceLifecycle(info, obj);
        }

        if (error is null && info.Group.Length == 0 && info.Resource == "pods" && obj is V1Pod pod)
        {
            error = _limitRanger.AdmitPodCreate(pod, pod.Metadata.NamespaceProperty ?? string.Empty) ?? _priority.AdmitPodCreate(pod);
        }
        else if (error is null && obj is V1PriorityClass priorityClass)
        {
            error = _priority.AdmitPriorityClass(priorityClass);
        }

        return error;
    }

    private ApiError? NamespaceLifecycle(ResourceInfo info, IKubernetesObject<V1ObjectMeta> obj)
    {
        if (!info.Namespaced || _cache is null)
        {
            return null;
        }

        var ns = obj.Metadata.NamespaceProperty;
        if (string.IsNullOrEmpty(ns))
        {
            return null;
        }

        var found = ResourceCache.Get(_cache.Snapshot(Namespaces).Items, KindCatalog.Key(Namespaces, null, ns));
        if (found is null)
        {
            return ApiError.NotFound("", "namespaces", ns);
        }

        if (found.Metadata.DeletionTimestamp is not null)
        {
            return ApiError.Forbidden(
                $"{info.Resource} \"{obj.Metadata.Name ?? obj.Metadata.GenerateName}\" is forbidden: unable to create new content in namespace {ns} because it is being terminated");
        }

        return null;
    }

    public ValueTask<ApiError?> AdmitUpdateAsync(ResourceInfo info, IKubernetesObject<V1ObjectMeta> obj, IKubernetesObject<V1ObjectMeta> old, CancellationToken ct)
    {
        ApiError? error = null;
        if (obj is V1Pod pod && old is V1Pod oldPod)
        {
            PriorityAdmission.AdmitPodUpdate(pod, oldPod);
        }
        else if (obj is V1PriorityClass priorityClass)
        {
            error = _priority.AdmitPriorityClass(priorityClass);
        }

        return ValueTask.FromResult(error);
    }

    public ValueTask<ApiError?> AdmitDeleteAsync(ResourceInfo info, IKubernetesObject<V1ObjectMeta> obj, CancellationToken ct)
    {
        if (info.Resource == "namespaces" && info.Group.Length == 0 && Immortal.Contains(obj.Metadata.Name))
        {
            return ValueTask.FromResult<ApiError?>(ApiError.Forbidden($"namespaces \"{obj.Metadata.Name}\" is forbidden: this namespace may not be deleted"));
        }

        if (obj is V1PriorityClass { Metadata.Name: "system-cluster-critical" or "system-node-critical" } system)
        {
            return ValueTask.FromResult<ApiError?>(ApiError.Forbidden(
                $"priorityclasses.scheduling.k8s.io \"{system.Metadata.Name}\" is forbidden: this is a system priority class and cannot be deleted"));
        }

        return ValueTask.FromResult<ApiError?>(null);
    }
}
