using k8s.Models;
using KubeNet.ApiMachinery.Errors;

namespace KubeNet.ApiServer.Registry.Strategies;

/// <summary>The selector and template rules that the workload kinds of apps/v1, core/v1 and batch/v1 share.</summary>
internal static class WorkloadValidation
{
    public const string SelectorMismatch = "`selector` does not match template `labels`";

    /// <summary>
    /// A required, non-empty label selector: "spec.selector: Required value" when missing, the kind's own wording when
    /// empty, then the selector's own syntax.
    /// </summary>
    public static void RequiredSelector(V1LabelSelector? selector, string path, string emptyMessage, List<FieldError> errors)
    {
        if (selector is null)
        {
            errors.Add(FieldError.Required(path));
            return;
        }

        CommonValidation.LabelSelector(selector, path, errors);
        if ((selector.MatchLabels?.Count ?? 0) + (selector.MatchExpressions?.Count ?? 0) == 0)
        {
            errors.Add(FieldError.Invalid(path, GoValue.Selector(selector), emptyMessage));
        }
    }

    /// <summary>
    /// The selector, as LabelSelectorAsSelector reads it, must select the template's labels. A missing selector selects
    /// nothing and so reports the mismatch too; an empty one selects everything.
    /// </summary>
    public static bool SelectorMatchesTemplate(V1LabelSelector? selector, V1PodTemplateSpec? template, string selectorPath, string templatePath, string parseErrorDetail, List<FieldError> errors)
    {
        var labels = template?.Metadata?.Labels;
        var matches = CommonValidation.SelectorMatches(selector, labels, out var parsed, out var empty);
        if (!parsed)
        {
            errors.Add(FieldError.Invalid(selectorPath, GoValue.Selector(selector), parseErrorDetail));
            return false;
        }

        if (!empty && !matches)
        {
            errors.Add(FieldError.Invalid(templatePath + ".metadata.labels", GoValue.StringMap(labels), SelectorMismatch));
        }

        return true;
    }

    /// <summary>ValidatePodTemplateSpecForReplicaSet (and ForRC): a long-running pod template.</summary>
    public static void LongRunningTemplate(V1PodTemplateSpec? template, string path, string kind, List<FieldError> errors)
    {
        if (template is null)
        {
            errors.Add(FieldError.Required(path));
            return;
        }

        PodSpecValidation.Template(template, path, errors);
        AlwaysRestarts(template, path, kind, errors);
    }

    public static void AlwaysRestarts(V1PodTemplateSpec template, string path, string kind, List<FieldError> errors)
    {
        var restartPolicy = template.Spec?.RestartPolicy;
        if (restartPolicy != "Always")
        {
            errors.Add(FieldError.NotSupported(path + ".spec.restartPolicy", restartPolicy ?? string.Empty, ["Always"]));
        }

        if (template.Spec?.ActiveDeadlineSeconds is not null)
        {
            errors.Add(FieldError.Forbidden(path + ".spec.activeDeadlineSeconds", $"activeDeadlineSeconds in {kind} is not Supported"));
        }
    }

    /// <summary>The immutable selector of apps/v1 workloads (only the retired beta versions allowed changing it).</summary>
    public static void ImmutableSelector(V1LabelSelector? selector, V1LabelSelector? old, List<FieldError> errors)
        => CommonValidation.Immutable(selector, old, "spec.selector", GoValue.Selector(selector), errors);

    /// <summary>The PVC defaults a volume claim template gets (SetDefaults_PersistentVolumeClaim and its spec).</summary>
    public static void DefaultClaimTemplate(V1PersistentVolumeClaim claim)
    {
        claim.Spec ??= new V1PersistentVolumeClaimSpec();
        claim.Spec.VolumeMode ??= "Filesystem";
        claim.Status ??= new V1PersistentVolumeClaimStatus();
        claim.Status.Phase ??= "Pending";
    }
}
