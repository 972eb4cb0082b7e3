using k8s;
using k8s.Models;
using KubeNet.ApiMachinery.Errors;
using KubeNet.ApiMachinery.Kinds;
using KubeNet.ApiMachinery.Validation;

namespace KubeNet.ApiServer.Registry;

/// <summary>ValidateObjectMeta and ValidateObjectMetaUpdate of k8s.io/apimachinery/pkg/api/validation, for every kind.</summary>
internal static class MetadataValidation
{
    public static void ValidateCreate(ResourceInfo info, IStrategy strategy, IKubernetesObject<V1ObjectMeta> obj, List<FieldError> errors)
    {
        var meta = obj.Metadata;
        if (!string.IsNullOrEmpty(meta.GenerateName))
        {
            foreach (var msg in strategy.ValidateName(meta.GenerateName, prefix: true))
            {
                errors.Add(FieldError.Invalid("metadata.generateName", meta.GenerateName, msg));
            }
        }

        if (string.IsNullOrEmpty(meta.Name))
        {
            errors.Add(FieldError.Required("metadata.name", "name or generateName is required"));
        }
        else
        {
            foreach (var msg in strategy.ValidateName(meta.Name, prefix: false))
            {
                errors.Add(FieldError.Invalid("metadata.name", meta.Name, msg));
            }
        }

        ValidateCommon(info, meta, errors);
    }

    public static void ValidateUpdate(ResourceInfo info, IStrategy strategy, IKubernetesObject<V1ObjectMeta> obj, IKubernetesObject<V1ObjectMeta> old, List<FieldError> errors)
    {
        var meta = obj.Metadata;
        ValidateCommon(info, meta, errors);
        if (meta.NamespaceProperty != old.Metadata.NamespaceProperty)
        {
            errors.Add(FieldError.Invalid("metadata.namespace", meta.NamespaceProperty, "field is immutable"));
        }

        // An object being deleted may lose finalizers but not gain new ones.
        if (old.Metadata.DeletionTimestamp is not null && meta.Finalizers is { Count: > 0 })
        {
            var before = old.Metadata.Finalizers ?? [];
            foreach (var f in meta.Finalizers.Where(f => !before.Contains(f)))
            {
                errors.Add(FieldError.Forbidden("metadata.finalizers", $"no new finalizers can be added if the object is being deleted, found new finalizers []string{{\"{f}\"}}"));
            }
        }
    }

    private static void ValidateCommon(ResourceInfo info, V1ObjectMeta meta, List<FieldError> errors)
    {
        if (info.Namespaced)
        {
            if (string.IsNullOrEmpty(meta.NamespaceProperty))
            {
                errors.Add(FieldError.Required("metadata.namespace"));
            }
            else
            {
                foreach (var msg in NameValidation.ValidateNamespaceName(meta.NamespaceProperty, prefix: false))
                {
                    errors.Add(FieldError.Invalid("metadata.namespace", meta.NamespaceProperty, msg));
                }
            }
        }
        else if (!string.IsNullOrEmpty(meta.NamespaceProperty))
        {
            errors.Add(FieldError.Forbidden("metadata.namespace", "not allowed on this type"));
        }

        if (meta.Labels is not null)
        {
            foreach (var bad in NameValidation.ValidateLabels(AsReadOnly(meta.Labels)))
            {
                errors.Add(FieldError.Invalid("metadata.labels", bad.Value, bad.Message));
            }
        }

        if (meta.Annotations is not null)
        {
            var annotations = AsReadOnly(meta.Annotations);
            foreach (var bad in NameValidation.ValidateAnnotationKeys(annotations))
            {
                errors.Add(FieldError.Invalid("metadata.annotations", bad.Value, bad.Message));
            }

            if (NameValidation.AnnotationsTooLarge(annotations))
            {
                errors.Add(FieldError.TooLong("metadata.annotations", string.Empty, NameValidation.TotalAnnotationSizeLimitBytes));
            }
        }

        if (meta.Finalizers is not null)
        {
            for (var i = 0; i < meta.Finalizers.Count; i++)
            {
                foreach (var msg in NameValidation.IsQualifiedName(meta.Finalizers[i]))
                {
                    errors.Add(FieldError.Invalid($"metadata.finalizers[{i}]", meta.Finalizers[i], msg));
                }
            }

            // The garbage collector can orphan dependents or delete them first, not both.
            if (meta.Finalizers.Contains(GenericStore.OrphanFinalizer) && meta.Finalizers.Contains(GenericStore.ForegroundFinalizer))
            {
                errors.Add(FieldError.Invalid("metadata.finalizers", meta.Finalizers,
                    $"finalizer {GenericStore.OrphanFinalizer} and {GenericStore.ForegroundFinalizer} cannot be both set"));
            }
        }

        if (meta.OwnerReferences is not null)
        {
            for (var i = 0; i < meta.OwnerReferences.Count; i++)
            {
                var r = meta.OwnerReferences[i];
                var path = $"metadata.ownerReferences[{i}]";
                if (string.IsNullOrEmpty(r.ApiVersion))
                {
                    errors.Add(FieldError.Invalid(path + ".apiVersion", r.ApiVersion ?? string.Empty, "version must not be empty"));
                }

                if (string.IsNullOrEmpty(r.Kind))
                {
                    errors.Add(FieldError.Invalid(path + ".kind", r.Kind ?? string.Empty, "kind must not be empty"));
                }

                if (string.IsNullOrEmpty(r.Name))
                {
                    errors.Add(FieldError.Invalid(path + ".name", r.Name ?? string.Empty, "name must not be empty"));
                }

                if (string.IsNullOrEmpty(r.Uid))
                {
                    errors.Add(FieldError.Invalid(path + ".uid", r.Uid ?? string.Empty, "uid must not be empty"));
                }
            }
        }
    }

    private static IReadOnlyDictionary<string, string> AsReadOnly(IDictionary<string, string> d)
        => d as IReadOnlyDictionary<string, string> ?? new Dictionary<string, string>(d);
}
