using k8s;
using k8s.Models;
using KubeNet.ApiMachinery.Errors;
using KubeNet.ApiMachinery.Kinds;

namespace KubeNet.ApiServer.Registry;

/// <summary>
/// What differs between kinds on the write path, called in this order as kube-apiserver's rest.BeforeCreate and
/// rest.BeforeUpdate do: PrepareForCreate/PrepareForUpdate (reset what the caller may not set), Default, then
/// Validate/ValidateUpdate. Objects are the storage type of the resource. Metadata rules common to every kind are
/// applied by the generic store around these hooks.
/// </summary>
internal interface IStrategy
{
    /// <summary>True when PUT of a missing object creates it (endpoints, leases, events...).</summary>
    bool AllowCreateOnUpdate { get; }

    /// <summary>How the name of this kind is validated; returns upstream messages for a bad name.</summary>
    IReadOnlyList<string> ValidateName(string name, bool prefix);

    void PrepareForCreate(IKubernetesObject<V1ObjectMeta> obj);

    void PrepareForUpdate(IKubernetesObject<V1ObjectMeta> obj, IKubernetesObject<V1ObjectMeta> old);

    void Default(IKubernetesObject<V1ObjectMeta> obj);

    void Validate(IKubernetesObject<V1ObjectMeta> obj, List<FieldError> errors);

    void ValidateUpdate(IKubernetesObject<V1ObjectMeta> obj, IKubernetesObject<V1ObjectMeta> old, List<FieldError> errors);

    /// <summary>True when a delete of this object waits for a kubelet (pods bound to a node) instead of removing it.</summary>
    bool IsGracefulDelete(IKubernetesObject<V1ObjectMeta> obj, V1DeleteOptions options, out long graceSeconds);

    /// <summary>Called on the copy that gets deletionTimestamp when a delete has to wait (finalizers, grace).</summary>
    void BeginDelete(IKubernetesObject<V1ObjectMeta> obj);

    /// <summary>
    /// True while something besides metadata.finalizers must finish before a deleted object goes: a namespace's
    /// spec.finalizers. Such an object is only marked by DELETE and removed by the write that clears the last one.
    /// </summary>
    bool AwaitsFinalization(IKubernetesObject<V1ObjectMeta> obj);

    /// <summary>
    /// What a delete does to the object's dependents when the request names no policy (rest.GarbageCollectionDeleteStrategy);
    /// <paramref name="requested"/> is the group-version the request used, since some kinds keep an older default there.
    /// </summary>
    GarbageCollectionPolicy DefaultGarbageCollectionPolicy(ResourceInfo requested);

    /// <summary>True when DELETE answers with the object rather than a Status.</summary>
    bool ReturnsDeletedObject { get; }
}

/// <summary>rest.GarbageCollectionPolicy: the default propagation of a delete that names none.</summary>
internal enum GarbageCollectionPolicy
{
    /// <summary>Dependents are deleted (in the background) by the garbage collector.</summary>
    DeleteDependents,

    /// <summary>The orphan finalizer is added, so dependents lose their owner reference instead.</summary>
    OrphanDependents,

    /// <summary>The kind takes no part in garbage collection: no finalizer is ever added on delete.</summary>
    Unsupported,
}

/// <summary>Finds the strategy of a resource.</summary>
internal interface IStrategyCatalog
{
    IStrategy For(ResourceInfo storageInfo);
}
