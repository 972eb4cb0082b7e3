using k8s.Models;
using KubeNet.ApiMachinery.Errors;
using KubeNet.ApiMachinery.Kinds;

namespace KubeNet.ApiServer.Registry.Strategies;

/// <summary>pkg/registry/batch/job with SetDefaults_Job (batch/v1) and ValidateJob/ValidateJobUpdate.</summary>
internal sealed class JobStrategy(ResourceInfo info) : Strategy<V1Job>(info)
{
    public const string ControllerUidLabel = "batch.kubernetes.io/controller-uid";
    public const string JobNameLabel = "batch.kubernetes.io/job-name";
    public const string LegacyControllerUidLabel = "controller-uid";
    public const string LegacyJobNameLabel = "job-name";

    protected override void PrepareForCreate(V1Job obj)
    {
        var spec = obj.Spec ??= new V1JobSpec();
        spec.Template ??= new V1PodTemplateSpec();
        var template = spec.Template.Metadata ??= new V1ObjectMeta();

        // Upstream defaults the job's labels to the template's map itself before it adds the generated labels, so
        // a job without labels of its own ends up with every template label, generated ones included.
        var sharesTemplateLabels = template.Labels is not null && (obj.Metadata.Labels is null || obj.Metadata.Labels.Count == 0);
        if (spec.ManualSelector != true)
        {
            GenerateSelector(obj, spec, template);
        }

        if (sharesTemplateLabels)
        {
            obj.Metadata.Labels = new Dictionary<string, string>(template.Labels!);
        }
    }

    // The controller-uid label makes the pods of this job match only this job; job-name is there for people.
    private static void GenerateSelector(V1Job obj, V1JobSpec spec, V1ObjectMeta template)
    {
        var labels = template.Labels ??= new Dictionary<string, string>();
        var name = obj.Metadata.Name ?? string.Empty;
        var uid = obj.Metadata.Uid ?? string.Empty;
        labels.TryAdd(LegacyJobNameLabel, name);
        labels.TryAdd(JobNameLabel, name);
        labels.TryAdd(LegacyControllerUidLabel, uid);
        labels.TryAdd(ControllerUidLabel, uid);
        var selector = spec.Selector ??= new V1LabelSelector();
        selector.MatchLabels ??= new Dictionary<string, string>();
        selector.MatchLabels.TryAdd(ControllerUidLabel, uid);
    }

    // The label default of SetDefaults_Job runs here rather than in Default: upstream defaults before PrepareForCreate
    // generates labels, and a job created without template labels must not pick up the generated ones.
    protected override void PrepareForUpdate(V1Job obj, V1Job old)
    {
        if (obj.Spec?.Template?.Metadata?.Labels is { } labels && (obj.Metadata.Labels is null || obj.Metadata.Labels.Count == 0))
        {
            obj.Metadata.Labels = new Dictionary<string, string>(labels);
        }
    }

    protected override void Default(V1Job obj)
    {
        var spec = obj.Spec ??= new V1JobSpec();
        if (spec.Completions is null && spec.Parallelism is null)
        {
            spec.Completions = 1;
            spec.Parallelism = 1;
        }

        spec.Parallelism ??= 1;
        spec.BackoffLimit ??= spec.BackoffLimitPerIndex is null ? 6 : int.MaxValue;

        spec.CompletionMode ??= "NonIndexed";
        spec.Suspend ??= false;
        foreach (var rule in spec.PodFailurePolicy?.Rules ?? [])
        {
            foreach (var pattern in rule.OnPodConditions ?? [])
            {
                if (string.IsNullOrEmpty(pattern.Status))
                {
                    pattern.Status = "True";
                }
            }
        }

        spec.PodReplacementPolicy ??= spec.PodFailurePolicy is null ? "TerminatedOrFailed" : "Failed";
        spec.ManualSelector ??= false;
        spec.Template ??= new V1PodTemplateSpec();
        PodSpecDefaults.Apply(spec.Template);
    }

    protected override void Validate(V1Job obj, List<FieldError> errors)
    {
        var spec = obj.Spec ?? new V1JobSpec();
        GeneratedSelector(obj, spec, errors);
        ValidateSpec(spec, "spec", errors);
        if (spec.Selector is null)
        {
            errors.Add(FieldError.Required("spec.selector"));
        }
        else
        {
            CommonValidation.LabelSelector(spec.Selector, "spec.selector", errors);
        }

        var labels = spec.Template?.Metadata?.Labels;
        var matches = CommonValidation.SelectorMatches(spec.Selector, labels, out var parsed, out var empty);
        if (parsed)
        {
            if (empty)
            {
                errors.Add(FieldError.Required("spec.selector"));
            }

            if (!matches)
            {
                errors.Add(FieldError.Invalid("spec.template.metadata.labels", GoValue.StringMap(labels), WorkloadValidation.SelectorMismatch));
            }
        }
    }

    private static void GeneratedSelector(V1Job obj, V1JobSpec spec, List<FieldError> errors)
    {
        if (spec.ManualSelector == true || spec.Selector is null)
        {
            return;
        }

        var uid = obj.Metadata.Uid ?? string.Empty;
        var name = obj.Metadata.Name ?? string.Empty;
        if (uid.Length == 0)
        {
            errors.Add(FieldError.Required("metadata.uid"));
        }

        var labels = spec.Template?.Metadata?.Labels;
        HasLabel(labels, LegacyControllerUidLabel, uid, errors);
        HasLabel(labels, LegacyJobNameLabel, name, errors);
        HasLabel(labels, ControllerUidLabel, uid, errors);
        HasLabel(labels, JobNameLabel, name, errors);
        var expected = new Dictionary<string, string>
        {
            [ControllerUidLabel] = uid,
            [JobNameLabel] = name,
            [LegacyControllerUidLabel] = uid,
            [LegacyJobNameLabel] = name,
        };
        if (CommonValidation.SelectorMatches(spec.Selector, expected, out var parsed, out _) is false && parsed)
        {
            errors.Add(FieldError.Invalid("spec.selector", GoValue.Selector(spec.Selector), "`selector` not auto-generated"));
        }
    }

    private static void HasLabel(IDictionary<string, string>? labels, string key, string expected, List<FieldError> errors)
    {
        var path = $"spec.template.metadata.labels[{key}]";
        if (labels is null || !labels.TryGetValue(key, out var actual))
        {
            errors.Add(FieldError.Required(path, expected));
        }
        else if (actual != expected)
        {
            errors.Add(FieldError.Invalid(path, GoValue.StringMap(labels), $"must be '{expected}'"));
        }
    }

    /// <summary>validateJobSpec: what a Job and a CronJob's job template share.</summary>
    internal static void ValidateSpec(V1JobSpec spec, string path, List<FieldError> errors)
    {
        CommonValidation.NonNegative(spec.Parallelism, path + ".parallelism", errors);
        CommonValidation.NonNegative(spec.Completions, path + ".completions", errors);
        CommonValidation.NonNegative(spec.ActiveDeadlineSeconds, path + ".activeDeadlineSeconds", errors);
        CommonValidation.NonNegative(spec.BackoffLimit, path + ".backoffLimit", errors);
        CommonValidation.NonNegative(spec.TtlSecondsAfterFinished, path + ".ttlSecondsAfterFinished", errors);
        if (spec.CompletionMode is { } mode)
        {
            if (mode is not ("NonIndexed" or "Indexed"))
            {
                errors.Add(FieldError.NotSupported(path + ".completionMode", mode, ["NonIndexed", "Indexed"]));
            }

            if (mode == "Indexed")
            {
                if (spec.Completions is null)
                {
                    errors.Add(FieldError.Required(path + ".completions", "when completion mode is Indexed"));
                }

                if (spec.Parallelism is > 100_000)
                {
                    errors.Add(FieldError.Invalid(path + ".parallelism", spec.Parallelism.Value, "must be less than or equal to 100000 when completion mode is Indexed"));
                }
            }
        }

        if (spec.PodReplacementPolicy is { } replacement)
        {
            if (spec.PodFailurePolicy is not null && replacement != "Failed")
            {
                errors.Add(FieldError.NotSupported(path + ".podReplacementPolicy", replacement, ["Failed"]));
            }
            else if (spec.PodFailurePolicy is null && replacement is not ("Failed" or "TerminatedOrFailed"))
            {
                errors.Add(FieldError.NotSupported(path + ".podReplacementPolicy", replacement, ["Failed", "TerminatedOrFailed"]));
            }
        }

        PodSpecValidation.Template(spec.Template, path + ".template", errors);
        var restartPolicy = spec.Template?.Spec?.RestartPolicy ?? string.Empty;
        if (restartPolicy is not ("OnFailure" or "Never"))
        {
            errors.Add(FieldError.NotSupported(path + ".template.spec.restartPolicy", restartPolicy, ["OnFailure", "Never"]));
        }
        else if (spec.PodFailurePolicy is not null && restartPolicy != "Never")
        {
            errors.Add(FieldError.Invalid(path + ".template.spec.restartPolicy", restartPolicy, "only \"Never\" is supported when podFailurePolicy is specified"));
        }
    }

    protected override void ValidateUpdate(V1Job obj, V1Job old, List<FieldError> errors)
    {
        var spec = obj.Spec ?? new V1JobSpec();
        var before = old.Spec ?? new V1JobSpec();

        // An Indexed job whose completions track its parallelism may be scaled (elastic indexed jobs).
        var elastic = spec.CompletionMode == "Indexed" && before.Completions == before.Parallelism && spec.Completions == spec.Parallelism;
        if (!elastic && spec.Completions != before.Completions)
        {
            errors.Add(FieldError.Invalid("spec.completions", spec.Completions.HasValue ? spec.Completions.Value : null, CommonValidation.ImmutableMessage));
        }

        WorkloadValidation.ImmutableSelector(spec.Selector, before.Selector, errors);
        TemplateUpdate(obj, old, errors);
        CommonValidation.Immutable(spec.CompletionMode, before.CompletionMode, "spec.completionMode", spec.CompletionMode, errors);
        CommonValidation.Immutable(spec.PodFailurePolicy, before.PodFailurePolicy, "spec.podFailurePolicy", new GoValue("batch.PodFailurePolicy{...}"), errors);
        CommonValidation.Immutable(spec.BackoffLimitPerIndex, before.BackoffLimitPerIndex, "spec.backoffLimitPerIndex", spec.BackoffLimitPerIndex, errors);
        CommonValidation.Immutable(spec.ManagedBy, before.ManagedBy, "spec.managedBy", spec.ManagedBy, errors);
        CommonValidation.Immutable(spec.SuccessPolicy, before.SuccessPolicy, "spec.successPolicy", new GoValue("batch.SuccessPolicy{...}"), errors);
    }

    // The template is immutable, except that a suspended job that never started may change where its pods run.
    private static void TemplateUpdate(V1Job obj, V1Job old, List<FieldError> errors)
    {
        var template = obj.Spec?.Template;
        var before = old.Spec?.Template;
        if (old.Spec?.Suspend == true && old.Status?.StartTime is null && before is not null && template is not null)
        {
            before = ApiMachinery.Json.KubeJson.Deserialize<V1PodTemplateSpec>(ApiMachinery.Json.KubeJson.SerializeToUtf8Bytes(before))!;
            before.Spec ??= new V1PodSpec();
            before.Spec.Affinity = template.Spec?.Affinity;
            before.Spec.NodeSelector = template.Spec?.NodeSelector;
            before.Spec.Tolerations = template.Spec?.Tolerations;
            before.Spec.SchedulingGates = template.Spec?.SchedulingGates;
            before.Metadata ??= new V1ObjectMeta();
            before.Metadata.Labels = template.Metadata?.Labels;
            before.Metadata.Annotations = template.Metadata?.Annotations;
        }

        // Upstream prints the whole internal PodTemplateSpec with %#v; the detail is what clients match on.
        CommonValidation.Immutable(template, before, "spec.template", new GoValue("core.PodTemplateSpec{...}"), errors);
    }
}
