using KubeNet.ApiMachinery.Validation;
using k8s.Models;
using KubeNet.ApiMachinery.Errors;
using KubeNet.ApiMachinery.Kinds;

namespace KubeNet.ApiServer.Registry.Strategies;

/// <summary>pkg/registry/apps/deployment with SetDefaults_Deployment (apps/v1) and ValidateDeployment.</summary>
internal sealed class DeploymentStrategy(ResourceInfo info) : Strategy<V1Deployment>(info)
{
    protected override void Default(V1Deployment obj)
    {
        var spec = obj.Spec ??= new V1DeploymentSpec();
        spec.Replicas ??= 1;
        var strategy = spec.Strategy ??= new V1DeploymentStrategy();
        if (string.IsNullOrEmpty(strategy.Type))
        {
            strategy.Type = "RollingUpdate";
        }

        if (strategy.Type == "RollingUpdate")
        {
            var rolling = strategy.RollingUpdate ??= new V1RollingUpdateDeployment();
            rolling.MaxUnavailable ??= "25%";
            rolling.MaxSurge ??= "25%";
        }

        spec.RevisionHistoryLimit ??= 10;
        spec.ProgressDeadlineSeconds ??= 600;
        spec.Template ??= new V1PodTemplateSpec();
        PodSpecDefaults.Apply(spec.Template);
    }

    protected override void Validate(V1Deployment obj, List<FieldError> errors)
    {
        var spec = obj.Spec ?? new V1DeploymentSpec();
        CommonValidation.NonNegative(spec.Replicas, "spec.replicas", errors);
        WorkloadValidation.RequiredSelector(spec.Selector, "spec.selector", "empty selector is invalid for deployment", errors);
        if (WorkloadValidation.SelectorMatchesTemplate(spec.Selector, spec.Template, "spec.selector", "spec.template", "invalid label selector", errors))
        {
            WorkloadValidation.LongRunningTemplate(spec.Template, "spec.template", "ReplicaSet", errors);
        }

        Strategy(spec.Strategy, errors);
        CommonValidation.NonNegative(spec.MinReadySeconds, "spec.minReadySeconds", errors);
        CommonValidation.NonNegative(spec.RevisionHistoryLimit, "spec.revisionHistoryLimit", errors);
        if (spec.ProgressDeadlineSeconds is { } deadline)
        {
            CommonValidation.NonNegative(deadline, "spec.progressDeadlineSeconds", errors);
            if (deadline <= (spec.MinReadySeconds ?? 0))
            {
                errors.Add(FieldError.Invalid("spec.progressDeadlineSeconds", deadline, "must be greater than minReadySeconds"));
            }
        }
    }

    private static void Strategy(V1DeploymentStrategy? strategy, List<FieldError> errors)
    {
        switch (strategy?.Type)
        {
            case "Recreate":
                if (strategy.RollingUpdate is not null)
                {
                    errors.Add(FieldError.Forbidden("spec.strategy.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'"));
                }

                break;
            case "RollingUpdate":
                if (strategy.RollingUpdate is not { } rolling)
                {
                    errors.Add(FieldError.Required("spec.strategy.rollingUpdate", "this should be defaulted and never be nil"));
                    break;
                }

                const string path = "spec.strategy.rollingUpdate";
                CommonValidation.PositiveIntOrPercent(rolling.MaxUnavailable, path + ".maxUnavailable", errors);
                CommonValidation.PositiveIntOrPercent(rolling.MaxSurge, path + ".maxSurge", errors);
                if (CommonValidation.IntOrPercentValue(rolling.MaxUnavailable) == 0 && CommonValidation.IntOrPercentValue(rolling.MaxSurge) == 0)
                {
                    errors.Add(FieldError.Invalid(path + ".maxUnavailable", GoValue.IntOrString(rolling.MaxUnavailable), "may not be 0 when `maxSurge` is 0"));
                }

                CommonValidation.NotMoreThan100Percent(rolling.MaxUnavailable, path + ".maxUnavailable", errors);
                break;
            default:
                var repr = new GoValue($"apps.DeploymentStrategy{{Type:{GoText.Quote(strategy?.Type ?? string.Empty)}, RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}}");
                errors.Add(FieldError.NotSupported("spec.strategy", repr, ["Recreate", "RollingUpdate"]));
                break;
        }
    }

    protected override void ValidateUpdate(V1Deployment obj, V1Deployment old, List<FieldError> errors)
        => WorkloadValidation.ImmutableSelector(obj.Spec?.Selector, old.Spec?.Selector, errors);
}

/// <summary>pkg/registry/apps/replicaset with SetDefaults_ReplicaSet and ValidateReplicaSet.</summary>
internal sealed class ReplicaSetStrategy(ResourceInfo info) : Strategy<V1ReplicaSet>(info)
{
    protected override void Default(V1ReplicaSet obj)
    {
        var spec = obj.Spec ??= new V1ReplicaSetSpec();
        spec.Replicas ??= 1;
        spec.Template ??= new V1PodTemplateSpec();
        PodSpecDefaults.Apply(spec.Template);
    }

    protected override void Validate(V1ReplicaSet obj, List<FieldError> errors)
    {
        var spec = obj.Spec ?? new V1ReplicaSetSpec();
        CommonValidation.NonNegative(spec.Replicas, "spec.replicas", errors);
        CommonValidation.NonNegative(spec.MinReadySeconds, "spec.minReadySeconds", errors);

        // Upstream says "deployment" here too.
        WorkloadValidation.RequiredSelector(spec.Selector, "spec.selector", "empty selector is invalid for deployment", errors);
        if (WorkloadValidation.SelectorMatchesTemplate(spec.Selector, spec.Template, "spec.selector", "spec.template", "invalid label selector", errors))
        {
            WorkloadValidation.LongRunningTemplate(spec.Template, "spec.template", "ReplicaSet", errors);
        }
    }

    protected override void ValidateUpdate(V1ReplicaSet obj, V1ReplicaSet old, List<FieldError> errors)
        => WorkloadValidation.ImmutableSelector(obj.Spec?.Selector, old.Spec?.Selector, errors);
}
