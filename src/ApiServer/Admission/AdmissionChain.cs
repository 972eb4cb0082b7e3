using k8s;
using k8s.Models;
using KubeNet.ApiMachinery.Errors;
using KubeNet.ApiMachinery.Kinds;
using KubeNet.ApiServer.Registry;

namespace KubeNet.ApiServer.Admission;

/// <summary>
/// Built-in admission, in kube-apiserver's order. Today: NamespaceLifecycle (no content in missing or terminating
/// namespaces; the system namespaces may not be deleted).
/// </summary>
internal sealed class AdmissionChain
{
    private static readonly HashSet<string> Immortal = ["default", "kube-system", "kube-public"];
    private static readonly ResourceInfo Namespaces = KindCatalog.Find("", "v1", "namespaces")!;
    private StorageCache? _cache;

    public void Attach(StorageCache cache) => _cache = cache;

    public ValueTask<ApiError?> AdmitCreateAsync(ResourceInfo info, IKubernetesObject<V1ObjectMeta> obj, CancellationToken ct)
    {
        if (!info.Namespaced || _cache is null)
        {
            return ValueTask.FromResult<ApiError?>(null);
        }

        var ns = obj.Metadata.NamespaceProperty;
        if (string.IsNullOrEmpty(ns))
        {
            return ValueTask.FromResult<ApiError?>(null);
        }

        var found = ResourceCache.Get(_cache.Snapshot(Namespaces).Items, KindCatalog.Key(Namespaces, null, ns));
        if (found is null)
        {
            return ValueTask.FromResult<ApiError?>(ApiError.NotFound("", "namespaces", ns));
        }

        if (found.Metadata.DeletionTimestamp is not null)
        {
            return ValueTask.FromResult<ApiError?>(ApiError.Forbidden(
                $"{info.Resource} \"{obj.Metadata.Name ?? obj.Metadata.GenerateName}\" is forbidden: unable to create new content in namespace {ns} because it is being terminated"));
        }

        return ValueTask.FromResult<ApiError?>(null);
    }

    public ValueTask<ApiError?> AdmitUpdateAsync(ResourceInfo info, IKubernetesObject<V1ObjectMeta> obj, IKubernetesObject<V1ObjectMeta> old, CancellationToken ct)
        => ValueTask.FromResult<ApiError?>(null);

    public ValueTask<ApiError?> AdmitDeleteAsync(ResourceInfo info, IKubernetesObject<V1ObjectMeta> obj, CancellationToken ct)
    {
        if (info.Resource == "namespaces" && info.Group.Length == 0 && Immortal.Contains(obj.Metadata.Name))
        {
            return ValueTask.FromResult<ApiError?>(ApiError.Forbidden($"namespaces \"{obj.Metadata.Name}\" is forbidden: this namespace may not be deleted"));
        }

        return ValueTask.FromResult<ApiError?>(null);
    }
}
