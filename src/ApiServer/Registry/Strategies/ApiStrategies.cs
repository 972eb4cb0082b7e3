using k8s.Models;
using KubeNet.ApiMachinery.Errors;
using KubeNet.ApiMachinery.Kinds;
using KubeNet.ApiMachinery.Validation;

namespace KubeNet.ApiServer.Registry.Strategies;

/// <summary>pkg/registry/networking/networkpolicy: policyTypes from the rules present, TCP ports.</summary>
internal sealed class NetworkPolicyStrategy(ResourceInfo info) : Strategy<V1NetworkPolicy>(info)
{
    protected override void Default(V1NetworkPolicy obj)
    {
        var spec = obj.Spec ??= new V1NetworkPolicySpec();
        spec.PodSelector ??= new V1LabelSelector();

        // A policy without policyTypes is at least an ingress policy, and an egress one when it has egress rules.
        if (spec.PolicyTypes is null || spec.PolicyTypes.Count == 0)
        {
            spec.PolicyTypes = spec.Egress is { Count: > 0 } ? ["Ingress", "Egress"] : ["Ingress"];
        }

        foreach (var port in (spec.Ingress ?? []).SelectMany(r => r.Ports ?? []).Concat((spec.Egress ?? []).SelectMany(r => r.Ports ?? [])))
        {
            port.Protocol ??= "TCP";
        }
    }

    protected override void Validate(V1NetworkPolicy obj, List<FieldError> errors)
    {
        var spec = obj.Spec ?? new V1NetworkPolicySpec();
        CommonValidation.LabelSelector(spec.PodSelector, "spec.podSelector", errors);
        var types = spec.PolicyTypes ?? [];
        for (var i = 0; i < types.Count; i++)
        {
            if (types[i] is not ("Ingress" or "Egress"))
            {
                errors.Add(FieldError.NotSupported($"spec.policyTypes[{i}]", types[i], ["Ingress", "Egress"]));
            }
        }

        if (types.Count > 2)
        {
            errors.Add(FieldError.Invalid("spec.policyTypes", new GoValue(GoValue.StringSlice(types)), "may not specify more than two policyTypes"));
        }
    }
}

/// <summary>pkg/registry/autoscaling/horizontalpodautoscaler with the autoscaling/v2 defaults.</summary>
internal sealed class HorizontalPodAutoscalerStrategy(ResourceInfo info) : Strategy<V2HorizontalPodAutoscaler>(info)
{
    protected override void Default(V2HorizontalPodAutoscaler obj)
    {
        var spec = obj.Spec ??= new V2HorizontalPodAutoscalerSpec();
        spec.MinReplicas ??= 1;
        if (spec.Metrics is null || spec.Metrics.Count == 0)
        {
            spec.Metrics =
            [
                new V2MetricSpec
                {
                    Type = "Resource",
                    Resource = new V2ResourceMetricSource { Name = "cpu", Target = new V2MetricTarget { Type = "Utilization", AverageUtilization = 80 } },
                },
            ];
        }

        // Behavior defaults fill only what a given behavior leaves out.
        if (spec.Behavior is { } behavior)
        {
            behavior.ScaleUp = Rules(behavior.ScaleUp, 0, [new V2HPAScalingPolicy { Type = "Pods", Value = 4, PeriodSeconds = 15 }, new V2HPAScalingPolicy { Type = "Percent", Value = 100, PeriodSeconds = 15 }]);
            behavior.ScaleDown = Rules(behavior.ScaleDown, null, [new V2HPAScalingPolicy { Type = "Percent", Value = 100, PeriodSeconds = 15 }]);
        }
    }

    private static V2HPAScalingRules Rules(V2HPAScalingRules? rules, int? window, List<V2HPAScalingPolicy> policies)
    {
        rules ??= new V2HPAScalingRules { StabilizationWindowSeconds = window };
        rules.StabilizationWindowSeconds ??= window;
        rules.SelectPolicy ??= "Max";
        rules.Policies ??= policies;
        return rules;
    }

    protected override void Validate(V2HorizontalPodAutoscaler obj, List<FieldError> errors)
    {
        var spec = obj.Spec ?? new V2HorizontalPodAutoscalerSpec();
        var target = spec.ScaleTargetRef ?? new V2CrossVersionObjectReference();
        if (string.IsNullOrEmpty(target.Kind))
        {
            errors.Add(FieldError.Required("spec.scaleTargetRef.kind"));
        }
        else
        {
            foreach (var msg in NameValidation.IsValidPathSegmentName(target.Kind))
            {
                errors.Add(FieldError.Invalid("spec.scaleTargetRef.kind", target.Kind, msg));
            }
        }

        if (string.IsNullOrEmpty(target.Name))
        {
            errors.Add(FieldError.Required("spec.scaleTargetRef.name"));
        }
        else
        {
            foreach (var msg in NameValidation.IsValidPathSegmentName(target.Name))
            {
                errors.Add(FieldError.Invalid("spec.scaleTargetRef.name", target.Name, msg));
            }
        }

        if (spec.MinReplicas is { } min && min < 1)
        {
            errors.Add(FieldError.Invalid("spec.minReplicas", min, "must be greater than or equal to 1"));
        }

        if (spec.MaxReplicas < 1)
        {
            errors.Add(FieldError.Invalid("spec.maxReplicas", spec.MaxReplicas, "must be greater than 0"));
        }

        if (spec.MinReplicas is { } minimum && spec.MaxReplicas < minimum)
        {
            errors.Add(FieldError.Invalid("spec.maxReplicas", spec.MaxReplicas, "must be greater than or equal to `minReplicas`"));
        }
    }
}

/// <summary>The apiextensions rules users meet first: the name, the scope and exactly one storage version.</summary>
internal sealed class CustomResourceDefinitionStrategy(ResourceInfo info) : Strategy<V1CustomResourceDefinition>(info)
{
    protected override void Default(V1CustomResourceDefinition obj)
    {
        var spec = obj.Spec ??= new V1CustomResourceDefinitionSpec();
        var names = spec.Names ??= new V1CustomResourceDefinitionNames();
        if (string.IsNullOrEmpty(names.Singular) && !string.IsNullOrEmpty(names.Kind))
        {
            names.Singular = names.Kind.ToLowerInvariant();
        }

        if (string.IsNullOrEmpty(names.ListKind) && !string.IsNullOrEmpty(names.Kind))
        {
            names.ListKind = names.Kind + "List";
        }

        spec.Conversion ??= new V1CustomResourceConversion { Strategy = "None" };
    }

    protected override void Validate(V1CustomResourceDefinition obj, List<FieldError> errors)
    {
        var spec = obj.Spec ?? new V1CustomResourceDefinitionSpec();
        var names = spec.Names ?? new V1CustomResourceDefinitionNames();
        if (obj.Metadata?.Name != names.Plural + "." + spec.Group)
        {
            errors.Add(FieldError.Invalid("metadata.name", obj.Metadata?.Name ?? string.Empty, "must be spec.names.plural+\".\"+spec.group"));
        }

        if (string.IsNullOrEmpty(spec.Group))
        {
            errors.Add(FieldError.Required("spec.group"));
        }
        else
        {
            foreach (var msg in NameValidation.IsDns1123Subdomain(spec.Group))
            {
                errors.Add(FieldError.Invalid("spec.group", spec.Group, msg));
            }

            if (!spec.Group.Contains('.', StringComparison.Ordinal))
            {
                errors.Add(FieldError.Invalid("spec.group", spec.Group, "should be a domain with at least one dot"));
            }
        }

        switch (spec.Scope)
        {
            case "Cluster" or "Namespaced":
                break;
            case null or "":
                errors.Add(FieldError.Required("spec.scope"));
                break;
            default:
                errors.Add(FieldError.NotSupported("spec.scope", spec.Scope, ["Cluster", "Namespaced"]));
                break;
        }

        var versions = spec.Versions ?? [];
        if (versions.Count == 0)
        {
            errors.Add(FieldError.Required("spec.versions", "must have exactly one version marked as storage version"));
        }
        else if (versions.Count(v => v.Storage) != 1)
        {
            errors.Add(FieldError.Invalid("spec.versions", new GoValue("[]apiextensions.CustomResourceDefinitionVersion{...}"), "must have exactly one version marked as storage version"));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < versions.Count; i++)
        {
            foreach (var msg in NameValidation.IsDns1035Label(versions[i].Name ?? string.Empty))
            {
                errors.Add(FieldError.Invalid($"spec.versions[{i}].name", versions[i].Name ?? string.Empty, msg));
            }

            if (!seen.Add(versions[i].Name ?? string.Empty))
            {
                errors.Add(FieldError.Invalid("spec.versions", new GoValue("[]apiextensions.CustomResourceDefinitionVersion{...}"), "must contain unique version names"));
            }
        }

        if (string.IsNullOrEmpty(names.Plural))
        {
            errors.Add(FieldError.Required("spec.names.plural"));
        }

        if (string.IsNullOrEmpty(names.Kind))
        {
            errors.Add(FieldError.Required("spec.names.kind"));
        }

        if (string.IsNullOrEmpty(names.ListKind))
        {
            errors.Add(FieldError.Required("spec.names.listKind"));
        }
    }

    protected override void ValidateUpdate(V1CustomResourceDefinition obj, V1CustomResourceDefinition old, List<FieldError> errors)
    {
        if (obj.Spec?.Group != old.Spec?.Group)
        {
            errors.Add(FieldError.Invalid("spec.group", obj.Spec?.Group, CommonValidation.ImmutableMessage));
        }
    }
}
