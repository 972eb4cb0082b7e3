using k8s;
using k8s.Models;
using KubeNet.ApiMachinery.Errors;
using KubeNet.ApiMachinery.Kinds;
using KubeNet.ApiMachinery.Validation;

namespace KubeNet.ApiServer.Registry.Strategies;

/// <summary>
/// The behaviour every kind shares; per-kind strategies derive and override. Status is reset on create for kinds with a
/// status subresource, as most upstream strategies do.
/// </summary>
internal class GenericStrategy(ResourceInfo info) : IStrategy
{
    public ResourceInfo Info { get; } = info;

    public virtual bool AllowCreateOnUpdate => false;

    // The resources whose registry sets ReturnDeletedObject upstream: DELETE answers with the object, not a Status.
    private static readonly HashSet<string> DeletedObjectResources =
    [
        "pods", "podtemplates", "services", "serviceaccounts", "resourcequotas", "persistentvolumes", "persistentvolumeclaims",
        "storageclasses", "csidrivers", "csinodes", "volumeattachments",
    ];

    public virtual bool ReturnsDeletedObject => DeletedObjectResources.Contains(Info.Resource);

    public virtual IReadOnlyList<string> ValidateName(string name, bool prefix) => NameValidation.NameIsDnsSubdomain(name, prefix);

    public virtual void PrepareForCreate(IKubernetesObject<V1ObjectMeta> obj)
    {
        if (Info.HasStatus)
        {
            ObjectCodec.SetStatus(obj, null);
        }
    }

    public virtual void PrepareForUpdate(IKubernetesObject<V1ObjectMeta> obj, IKubernetesObject<V1ObjectMeta> old)
    {
    }

    public virtual void Default(IKubernetesObject<V1ObjectMeta> obj)
    {
    }

    public virtual void Validate(IKubernetesObject<V1ObjectMeta> obj, List<FieldError> errors)
    {
    }

    public virtual void ValidateUpdate(IKubernetesObject<V1ObjectMeta> obj, IKubernetesObject<V1ObjectMeta> old, List<FieldError> errors)
    {
    }

    public virtual bool IsGracefulDelete(IKubernetesObject<V1ObjectMeta> obj, V1DeleteOptions options, out long graceSeconds)
    {
        graceSeconds = 0;
        return false;
    }

    public virtual void BeginDelete(IKubernetesObject<V1ObjectMeta> obj)
    {
    }

    public virtual bool AwaitsFinalization(IKubernetesObject<V1ObjectMeta> obj) => false;

    // The group-versions whose upstream strategy keeps orphaning as the default for compatibility: ReplicationController
    // in core/v1 and Job in batch/v1. Every other kind (apps/v1 workloads included) deletes its dependents.
    private static readonly HashSet<(string Group, string Version, string Resource)> OrphanByDefault =
    [
        ("", "v1", "replicationcontrollers"),
        ("batch", "v1", "jobs"),
    ];

    public virtual GarbageCollectionPolicy DefaultGarbageCollectionPolicy(ResourceInfo requested)
        => OrphanByDefault.Contains((requested.Group, requested.Version, requested.Resource))
            ? GarbageCollectionPolicy.OrphanDependents
            : GarbageCollectionPolicy.DeleteDependents;
}

/// <summary>Typed convenience for strategies of one model type.</summary>
internal abstract class Strategy<T>(ResourceInfo info) : GenericStrategy(info)
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    public sealed override void PrepareForCreate(IKubernetesObject<V1ObjectMeta> obj)
    {
        base.PrepareForCreate(obj);
        PrepareForCreate((T)obj);
    }

    public sealed override void PrepareForUpdate(IKubernetesObject<V1ObjectMeta> obj, IKubernetesObject<V1ObjectMeta> old) => PrepareForUpdate((T)obj, (T)old);

    public sealed override void Default(IKubernetesObject<V1ObjectMeta> obj) => Default((T)obj);

    public sealed override void Validate(IKubernetesObject<V1ObjectMeta> obj, List<FieldError> errors) => Validate((T)obj, errors);

    public sealed override void ValidateUpdate(IKubernetesObject<V1ObjectMeta> obj, IKubernetesObject<V1ObjectMeta> old, List<FieldError> errors)
        => ValidateUpdate((T)obj, (T)old, errors);

    public sealed override bool IsGracefulDelete(IKubernetesObject<V1ObjectMeta> obj, V1DeleteOptions options, out long graceSeconds)
        => IsGracefulDelete((T)obj, options, out graceSeconds);

    protected virtual void PrepareForCreate(T obj)
    {
    }

    protected virtual void PrepareForUpdate(T obj, T old)
    {
    }

    protected virtual void Default(T obj)
    {
    }

    protected virtual void Validate(T obj, List<FieldError> errors)
    {
    }

    protected virtual void ValidateUpdate(T obj, T old, List<FieldError> errors)
    {
    }

    protected virtual bool IsGracefulDelete(T obj, V1DeleteOptions options, out long graceSeconds)
    {
        graceSeconds = 0;
        return false;
    }
}
