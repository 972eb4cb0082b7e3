using k8s.Models;
using KubeNet.ApiMachinery.Errors;
using KubeNet.ApiMachinery.Kinds;
using KubeNet.ApiMachinery.Validation;

namespace KubeNet.ApiServer.Registry.Strategies;

/// <summary>pkg/registry/apps/statefulset with SetDefaults_StatefulSet (apps/v1) and ValidateStatefulSet.</summary>
internal sealed class StatefulSetStrategy(ResourceInfo info) : Strategy<V1StatefulSet>(info)
{
    // Pods are named <set>-<ordinal> and get the set's name as hostname: the name is a DNS label.
    public override IReadOnlyList<string> ValidateName(string name, bool prefix) => NameValidation.NameIsDnsLabel(name, prefix);

    protected override void Default(V1StatefulSet obj)
    {
        var spec = obj.Spec ??= new V1StatefulSetSpec();
        if (string.IsNullOrEmpty(spec.PodManagementPolicy))
        {
            spec.PodManagementPolicy = "OrderedReady";
        }

        var strategy = spec.UpdateStrategy ??= new V1StatefulSetUpdateStrategy();
        if (string.IsNullOrEmpty(strategy.Type))
        {
            // Only a defaulted type gets a rollingUpdate block; an explicit RollingUpdate without one stays without.
            strategy.Type = "RollingUpdate";
            strategy.RollingUpdate ??= new V1RollingUpdateStatefulSetStrategy();
        }

        if (strategy is { Type: "RollingUpdate", RollingUpdate: { } rolling })
        {
            rolling.Partition ??= 0;
        }

        var retention = spec.PersistentVolumeClaimRetentionPolicy ??= new V1StatefulSetPersistentVolumeClaimRetentionPolicy();
        if (string.IsNullOrEmpty(retention.WhenDeleted))
        {
            retention.WhenDeleted = "Retain";
        }

        if (string.IsNullOrEmpty(retention.WhenScaled))
        {
            retention.WhenScaled = "Retain";
        }

        spec.Replicas ??= 1;
        spec.RevisionHistoryLimit ??= 10;
        spec.Template ??= new V1PodTemplateSpec();
        PodSpecDefaults.Apply(spec.Template);
        foreach (var claim in spec.VolumeClaimTemplates ?? [])
        {
            WorkloadValidation.DefaultClaimTemplate(claim);
        }
    }

    protected override void Validate(V1StatefulSet obj, List<FieldError> errors) => ValidateSpec(obj.Spec ?? new V1StatefulSetSpec(), errors);

    private static void ValidateSpec(V1StatefulSetSpec spec, List<FieldError> errors)
    {
        switch (spec.PodManagementPolicy)
        {
            case null or "":
                errors.Add(FieldError.Required("spec.podManagementPolicy"));
                break;
            case "OrderedReady" or "Parallel":
                break;
            default:
                errors.Add(FieldError.Invalid("spec.podManagementPolicy", spec.PodManagementPolicy, "must be 'OrderedReady' or 'Parallel'"));
                break;
        }

        var strategy = spec.UpdateStrategy;
        switch (strategy?.Type)
        {
            case null or "":
                errors.Add(FieldError.Required("spec.updateStrategy"));
                break;
            case "OnDelete":
                if (strategy.RollingUpdate is not null)
                {
                    errors.Add(FieldError.Invalid("spec.updateStrategy.rollingUpdate", RollingRepr(strategy.RollingUpdate), "only allowed for updateStrategy 'RollingUpdate'"));
                }

                break;
            case "RollingUpdate":
                if (strategy.RollingUpdate is { } rolling)
                {
                    const string path = "spec.updateStrategy.rollingUpdate";
                    CommonValidation.NonNegative(rolling.Partition ?? 0, path + ".partition", errors);
                    if (rolling.MaxUnavailable is not null)
                    {
                        CommonValidation.PositiveIntOrPercent(rolling.MaxUnavailable, path + ".maxUnavailable", errors);
                        if (CommonValidation.IntOrPercentValue(rolling.MaxUnavailable) == 0)
                        {
                            errors.Add(FieldError.Invalid(path + ".maxUnavailable", GoValue.IntOrString(rolling.MaxUnavailable), "cannot be 0"));
                        }

                        CommonValidation.NotMoreThan100Percent(rolling.MaxUnavailable, path + ".maxUnavailable", errors);
                    }
                }

                break;
            default:
                var repr = new GoValue($"apps.StatefulSetUpdateStrategy{{Type:{GoText.Quote(strategy.Type)}, RollingUpdate:(*apps.RollingUpdateStatefulSetStrategy)(nil)}}");
                errors.Add(FieldError.Invalid("spec.updateStrategy", repr, "must be 'RollingUpdate' or 'OnDelete'"));
                break;
        }

        if (spec.PersistentVolumeClaimRetentionPolicy is { } retention)
        {
            RetentionType(retention.WhenDeleted, "spec.persistentVolumeClaimRetentionPolicy.whenDeleted", errors);
            RetentionType(retention.WhenScaled, "spec.persistentVolumeClaimRetentionPolicy.whenScaled", errors);
        }

        CommonValidation.NonNegative(spec.Replicas, "spec.replicas", errors);
        CommonValidation.NonNegative(spec.MinReadySeconds, "spec.minReadySeconds", errors);
        if (spec.Ordinals is { } ordinals)
        {
            CommonValidation.NonNegative(ordinals.Start, "spec.ordinals.start", errors);
        }

        WorkloadValidation.RequiredSelector(spec.Selector, "spec.selector", "empty selector is invalid for statefulset", errors);
        if (WorkloadValidation.SelectorMatchesTemplate(spec.Selector, spec.Template, "spec.selector", "spec.template", string.Empty, errors))
        {
            // Upstream checks only the template's metadata here, not its pod spec.
            CommonValidation.Labels(spec.Template?.Metadata?.Labels, "spec.template.labels", errors);
            CommonValidation.Annotations(spec.Template?.Metadata?.Annotations, "spec.template.annotations", errors);
        }

        var restartPolicy = spec.Template?.Spec?.RestartPolicy;
        if (restartPolicy != "Always")
        {
            errors.Add(FieldError.NotSupported("spec.template.spec.restartPolicy", restartPolicy ?? string.Empty, ["Always"]));
        }

        if (spec.Template?.Spec?.ActiveDeadlineSeconds is not null)
        {
            errors.Add(FieldError.Forbidden("spec.template.spec.activeDeadlineSeconds", "activeDeadlineSeconds in StatefulSet is not Supported"));
        }
    }

    private static GoValue RollingRepr(V1RollingUpdateStatefulSetStrategy rolling) =>
        new($"apps.RollingUpdateStatefulSetStrategy{{Partition:{rolling.Partition ?? 0}, MaxUnavailable:(*intstr.IntOrString)(nil)}}");

    private static void RetentionType(string? value, string path, List<FieldError> errors)
    {
        if (value is not ("Retain" or "Delete"))
        {
            errors.Add(FieldError.NotSupported(path, value ?? string.Empty, ["Retain", "Delete"]));
        }
    }

    protected override void ValidateUpdate(V1StatefulSet obj, V1StatefulSet old, List<FieldError> errors)
    {
        // Only replicas, ordinals, template, updateStrategy, the PVC retention policy and minReadySeconds may change.
        var probe = Clone(obj.Spec);
        var before = old.Spec ?? new V1StatefulSetSpec();
        probe.Replicas = before.Replicas;
        probe.Template = before.Template;
        probe.UpdateStrategy = before.UpdateStrategy;
        probe.MinReadySeconds = before.MinReadySeconds;
        probe.Ordinals = before.Ordinals;
        probe.PersistentVolumeClaimRetentionPolicy = before.PersistentVolumeClaimRetentionPolicy;
        if (!CommonValidation.JsonEqual(probe, before))
        {
            errors.Add(FieldError.Forbidden("spec", "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"));
        }
    }

    private static V1StatefulSetSpec Clone(V1StatefulSetSpec? spec) =>
        spec is null
            ? new V1StatefulSetSpec()
            : ApiMachinery.Json.KubeJson.Deserialize<V1StatefulSetSpec>(ApiMachinery.Json.KubeJson.SerializeToUtf8Bytes(spec))!;
}
