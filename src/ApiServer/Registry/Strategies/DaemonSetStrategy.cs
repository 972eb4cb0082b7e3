using KubeNet.ApiMachinery.Validation;
using k8s.Models;
using KubeNet.ApiMachinery.Errors;
using KubeNet.ApiMachinery.Kinds;

namespace KubeNet.ApiServer.Registry.Strategies;

/// <summary>pkg/registry/apps/daemonset with SetDefaults_DaemonSet (apps/v1) and ValidateDaemonSet.</summary>
internal sealed class DaemonSetStrategy(ResourceInfo info) : Strategy<V1DaemonSet>(info)
{
    /// <summary>apps/v1 carries the internal spec.templateGeneration in this annotation.</summary>
    public const string TemplateGenerationAnnotation = "deprecated.daemonset.template.generation";

    // A new DaemonSet's template is generation 1 (or what the client asked for, if higher).
    protected override void PrepareForCreate(V1DaemonSet obj) =>
        SetTemplateGeneration(obj, Math.Max(1, TemplateGeneration(obj)));

    // Every change of the template is a new template generation; the annotation cannot be changed by hand.
    protected override void PrepareForUpdate(V1DaemonSet obj, V1DaemonSet old)
    {
        Default(obj);
        var generation = TemplateGeneration(old);
        var template = ApiMachinery.Json.KubeJson.SerializeToUtf8Bytes(obj.Spec?.Template ?? new V1PodTemplateSpec());
        var before = ApiMachinery.Json.KubeJson.SerializeToUtf8Bytes(old.Spec?.Template ?? new V1PodTemplateSpec());
        SetTemplateGeneration(obj, template.AsSpan().SequenceEqual(before) ? generation : generation + 1);
    }

    private static long TemplateGeneration(V1DaemonSet obj) =>
        obj.Metadata.Annotations?.TryGetValue(TemplateGenerationAnnotation, out var text) == true
        && long.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var value)
            ? value
            : 0;

    private static void SetTemplateGeneration(V1DaemonSet obj, long generation) =>
        (obj.Metadata.Annotations ??= new Dictionary<string, string>())[TemplateGenerationAnnotation] =
            generation.ToString(System.Globalization.CultureInfo.InvariantCulture);

    protected override void Default(V1DaemonSet obj)
    {
        var spec = obj.Spec ??= new V1DaemonSetSpec();
        var strategy = spec.UpdateStrategy ??= new V1DaemonSetUpdateStrategy();
        if (string.IsNullOrEmpty(strategy.Type))
        {
            strategy.Type = "RollingUpdate";
        }

        if (strategy.Type == "RollingUpdate")
        {
            var rolling = strategy.RollingUpdate ??= new V1RollingUpdateDaemonSet();
            rolling.MaxUnavailable ??= 1;
            rolling.MaxSurge ??= 0;
        }

        spec.RevisionHistoryLimit ??= 10;
        spec.Template ??= new V1PodTemplateSpec();
        PodSpecDefaults.Apply(spec.Template);
    }

    protected override void Validate(V1DaemonSet obj, List<FieldError> errors)
    {
        var spec = obj.Spec ?? new V1DaemonSetSpec();

        // The selector is not required as such: a missing one selects nothing and fails the template match.
        CommonValidation.LabelSelector(spec.Selector, "spec.selector", errors);
        var matches = CommonValidation.SelectorMatches(spec.Selector, spec.Template?.Metadata?.Labels, out var parsed, out _);
        if (parsed && !matches)
        {
            errors.Add(FieldError.Invalid("spec.template.metadata.labels", GoValue.StringMap(spec.Template?.Metadata?.Labels), WorkloadValidation.SelectorMismatch));
        }

        if (spec.Selector is not null && (spec.Selector.MatchLabels?.Count ?? 0) + (spec.Selector.MatchExpressions?.Count ?? 0) == 0)
        {
            errors.Add(FieldError.Invalid("spec.selector", GoValue.Selector(spec.Selector), "empty selector is invalid for daemonset"));
        }

        if (spec.Template is not null)
        {
            PodSpecValidation.Template(spec.Template, "spec.template", errors);
            WorkloadValidation.AlwaysRestarts(spec.Template, "spec.template", "DaemonSet", errors);
        }

        CommonValidation.NonNegative(spec.MinReadySeconds, "spec.minReadySeconds", errors);
        UpdateStrategy(spec.UpdateStrategy, errors);
        CommonValidation.NonNegative(spec.RevisionHistoryLimit, "spec.revisionHistoryLimit", errors);
    }

    private static void UpdateStrategy(V1DaemonSetUpdateStrategy? strategy, List<FieldError> errors)
    {
        const string path = "spec.updateStrategy";
        switch (strategy?.Type)
        {
            case "OnDelete":
                break;
            case "RollingUpdate":
                if (strategy.RollingUpdate is not { } rolling)
                {
                    errors.Add(FieldError.Required(path + ".rollingUpdate"));
                    break;
                }

                const string rollingPath = path + ".rollingUpdate";
                CommonValidation.PositiveIntOrPercent(rolling.MaxUnavailable, rollingPath + ".maxUnavailable", errors);
                CommonValidation.PositiveIntOrPercent(rolling.MaxSurge, rollingPath + ".maxSurge", errors);
                CommonValidation.NotMoreThan100Percent(rolling.MaxUnavailable, rollingPath + ".maxUnavailable", errors);
                CommonValidation.NotMoreThan100Percent(rolling.MaxSurge, rollingPath + ".maxSurge", errors);
                var hasUnavailable = CommonValidation.IntOrPercentValue(rolling.MaxUnavailable) != 0;
                var hasSurge = CommonValidation.IntOrPercentValue(rolling.MaxSurge) != 0;
                if (hasUnavailable && hasSurge)
                {
                    errors.Add(FieldError.Invalid(rollingPath + ".maxSurge", GoValue.IntOrString(rolling.MaxSurge), "may not be set when maxUnavailable is non-zero"));
                }
                else if (!hasUnavailable && !hasSurge)
                {
                    errors.Add(FieldError.Required(rollingPath + ".maxUnavailable", "cannot be 0 when maxSurge is 0"));
                }

                break;
            default:
                var repr = new GoValue($"apps.DaemonSetUpdateStrategy{{Type:{GoText.Quote(strategy?.Type ?? string.Empty)}, RollingUpdate:(*apps.RollingUpdateDaemonSet)(nil)}}");
                errors.Add(FieldError.NotSupported(path, repr, ["RollingUpdate", "OnDelete"]));
                break;
        }
    }

    protected override void ValidateUpdate(V1DaemonSet obj, V1DaemonSet old, List<FieldError> errors)
        => WorkloadValidation.ImmutableSelector(obj.Spec?.Selector, old.Spec?.Selector, errors);
}
