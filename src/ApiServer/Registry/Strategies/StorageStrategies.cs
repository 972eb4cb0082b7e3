using k8s.Models;
using KubeNet.ApiMachinery.Errors;
using KubeNet.ApiMachinery.Kinds;

namespace KubeNet.ApiServer.Registry.Strategies;

/// <summary>pkg/registry/core/persistentvolumeclaim: Filesystem mode, Pending phase, access modes and a storage request.</summary>
internal sealed class PersistentVolumeClaimStrategy(ResourceInfo info) : Strategy<V1PersistentVolumeClaim>(info)
{
    internal static readonly string[] AccessModes = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"];

    // Status starts empty; the v1 default makes its phase Pending.
    protected override void PrepareForCreate(V1PersistentVolumeClaim obj) => obj.Status = new V1PersistentVolumeClaimStatus { Phase = "Pending" };

    protected override void Default(V1PersistentVolumeClaim obj)
    {
        obj.Spec ??= new V1PersistentVolumeClaimSpec();
        obj.Spec.VolumeMode ??= "Filesystem";
        obj.Status ??= new V1PersistentVolumeClaimStatus();
        obj.Status.Phase ??= "Pending";
    }

    protected override void Validate(V1PersistentVolumeClaim obj, List<FieldError> errors)
    {
        var spec = obj.Spec ?? new V1PersistentVolumeClaimSpec();
        AccessModeList(spec.AccessModes, "spec.accessModes", "at least 1 access mode is required", errors);
        CommonValidation.LabelSelector(spec.Selector, "spec.selector", errors);
        if (spec.Resources?.Requests is null || !spec.Resources.Requests.TryGetValue("storage", out var storage) || storage is null)
        {
            errors.Add(FieldError.Required("spec.resources[storage]"));
        }
        else if (storage.ToDecimal() <= 0)
        {
            errors.Add(FieldError.Invalid("spec.resources[storage]", storage.CanonicalizeString(), "must be greater than zero"));
        }

        if (spec.VolumeMode is not ("Block" or "Filesystem"))
        {
            errors.Add(FieldError.NotSupported("spec.volumeMode", spec.VolumeMode, ["Block", "Filesystem"]));
        }
    }

    internal static void AccessModeList(IList<string>? modes, string path, string requiredDetail, List<FieldError> errors)
    {
        if (modes is null || modes.Count == 0)
        {
            errors.Add(FieldError.Required(path, requiredDetail));
            return;
        }

        foreach (var mode in modes.Where(m => !AccessModes.Contains(m)))
        {
            errors.Add(FieldError.NotSupported(path, mode, AccessModes));
        }

        if (modes.Contains("ReadWriteOncePod") && modes.Count > 1)
        {
            errors.Add(FieldError.Forbidden(path, "may not use ReadWriteOncePod with other access modes"));
        }
    }
}

/// <summary>pkg/registry/core/persistentvolume: Pending phase, Retain reclaim policy, Filesystem mode.</summary>
internal sealed class PersistentVolumeStrategy(ResourceInfo info) : Strategy<V1PersistentVolume>(info)
{
    protected override void PrepareForCreate(V1PersistentVolume obj) => obj.Status = new V1PersistentVolumeStatus { Phase = "Pending" };

    protected override void Default(V1PersistentVolume obj)
    {
        var spec = obj.Spec ??= new V1PersistentVolumeSpec();
        spec.PersistentVolumeReclaimPolicy ??= "Retain";
        spec.VolumeMode ??= "Filesystem";
        if (spec.HostPath is { } hostPath)
        {
            hostPath.Type ??= string.Empty;
        }

        obj.Status ??= new V1PersistentVolumeStatus();
        obj.Status.Phase ??= "Pending";
    }

    protected override void Validate(V1PersistentVolume obj, List<FieldError> errors)
    {
        var spec = obj.Spec ?? new V1PersistentVolumeSpec();
        PersistentVolumeClaimStrategy.AccessModeList(spec.AccessModes, "spec.accessModes", string.Empty, errors);
        if (spec.Capacity is null || spec.Capacity.Count == 0)
        {
            errors.Add(FieldError.Required("spec.capacity"));
        }
        else if (!spec.Capacity.ContainsKey("storage") || spec.Capacity.Count > 1)
        {
            errors.Add(FieldError.NotSupported("spec.capacity", new GoValue("core.ResourceList{...}"), ["storage"]));
        }

        var sources = typeof(V1PersistentVolumeSpec).GetProperties()
            .Where(p => p.PropertyType.Name.EndsWith("VolumeSource", StringComparison.Ordinal) && p.GetValue(spec) is not null)
            .ToList();
        if (sources.Count == 0)
        {
            errors.Add(FieldError.Required("spec", "must specify a volume type"));
        }

        if (spec.PersistentVolumeReclaimPolicy is not ("Delete" or "Recycle" or "Retain"))
        {
            errors.Add(FieldError.NotSupported("spec.persistentVolumeReclaimPolicy", spec.PersistentVolumeReclaimPolicy, ["Delete", "Recycle", "Retain"]));
        }
    }
}

/// <summary>pkg/registry/storage/storageclass: Delete and Immediate by default; provisioner and parameters fixed.</summary>
internal sealed class StorageClassStrategy(ResourceInfo info) : Strategy<V1StorageClass>(info)
{
    protected override void Default(V1StorageClass obj)
    {
        obj.ReclaimPolicy ??= "Delete";
        obj.VolumeBindingMode ??= "Immediate";
    }

    protected override void Validate(V1StorageClass obj, List<FieldError> errors)
    {
        if (string.IsNullOrEmpty(obj.Provisioner))
        {
            errors.Add(FieldError.Required("provisioner"));
        }

        if (obj.ReclaimPolicy is not ("Delete" or "Retain"))
        {
            errors.Add(FieldError.NotSupported("reclaimPolicy", obj.ReclaimPolicy, ["Delete", "Retain"]));
        }

        if (obj.VolumeBindingMode is not ("Immediate" or "WaitForFirstConsumer"))
        {
            errors.Add(FieldError.NotSupported("volumeBindingMode", obj.VolumeBindingMode, ["Immediate", "WaitForFirstConsumer"]));
        }
    }

    protected override void ValidateUpdate(V1StorageClass obj, V1StorageClass old, List<FieldError> errors)
    {
        if (!CommonValidation.JsonEqual(obj.Parameters, old.Parameters))
        {
            errors.Add(FieldError.Forbidden("parameters", "updates to parameters are forbidden."));
        }

        if (obj.Provisioner != old.Provisioner)
        {
            errors.Add(FieldError.Forbidden("provisioner", "updates to provisioner are forbidden."));
        }

        if (obj.ReclaimPolicy != old.ReclaimPolicy)
        {
            errors.Add(FieldError.Forbidden("reclaimPolicy", "updates to reclaimPolicy are forbidden."));
        }

        if (obj.VolumeBindingMode != old.VolumeBindingMode)
        {
            errors.Add(FieldError.Invalid("volumeBindingMode", obj.VolumeBindingMode, CommonValidation.ImmutableMessage));
        }
    }
}

/// <summary>pkg/registry/scheduling/priorityclass: reserved system- names, user priorities up to one billion.</summary>
internal sealed class PriorityClassStrategy(ResourceInfo info) : Strategy<V1PriorityClass>(info)
{
    private const int HighestUserDefinablePriority = 1_000_000_000;

    private static readonly Dictionary<string, int> SystemClasses = new()
    {
        ["system-node-critical"] = 2_000_001_000,
        ["system-cluster-critical"] = 2_000_000_000,
    };

    protected override void Default(V1PriorityClass obj) => obj.PreemptionPolicy ??= "PreemptLowerPriority";

    protected override void Validate(V1PriorityClass obj, List<FieldError> errors)
    {
        var name = obj.Metadata?.Name ?? string.Empty;
        if (name.StartsWith("system-", StringComparison.Ordinal))
        {
            string? problem = null;
            if (!SystemClasses.TryGetValue(name, out var value))
            {
                problem = $"{name} is not a known system priority class";
            }
            else if (obj.Value != value)
            {
                problem = $"value of {name} PriorityClass must be {value}";
            }
            else if (obj.GlobalDefault == true)
            {
                problem = $"globalDefault of {name} PriorityClass must be false";
            }

            if (problem is not null)
            {
                errors.Add(FieldError.Forbidden("metadata.name", "priority class names with 'system-' prefix are reserved for system use only. error: " + problem));
            }
        }
        else if (obj.Value > HighestUserDefinablePriority)
        {
            errors.Add(FieldError.Forbidden("value", $"maximum allowed value of a user defined priority is {HighestUserDefinablePriority}"));
        }

        if (obj.PreemptionPolicy is not ("PreemptLowerPriority" or "Never"))
        {
            errors.Add(FieldError.NotSupported("preemptionPolicy", obj.PreemptionPolicy, ["Never", "PreemptLowerPriority"]));
        }
    }

    protected override void ValidateUpdate(V1PriorityClass obj, V1PriorityClass old, List<FieldError> errors)
    {
        if (obj.Value != old.Value)
        {
            errors.Add(FieldError.Forbidden("value", "may not be changed in an update."));
        }

        if (obj.PreemptionPolicy != old.PreemptionPolicy)
        {
            errors.Add(FieldError.Invalid("preemptionPolicy", obj.PreemptionPolicy, CommonValidation.ImmutableMessage));
        }
    }
}
