using k8s.Models;
using KubeNet.ApiMachinery.Errors;
using KubeNet.ApiMachinery.Kinds;

namespace KubeNet.ApiServer.Registry.Strategies;

/// <summary>pkg/registry/core/replicationcontroller with SetDefaults_ReplicationController and ValidateReplicationController.</summary>
internal sealed class ReplicationControllerStrategy(ResourceInfo info) : Strategy<V1ReplicationController>(info)
{
    protected override void Default(V1ReplicationController obj)
    {
        var spec = obj.Spec ??= new V1ReplicationControllerSpec();

        // The template's labels stand in for a missing selector and for missing labels on the controller itself.
        if (spec.Template?.Metadata?.Labels is { } labels)
        {
            if (spec.Selector is null || spec.Selector.Count == 0)
            {
                spec.Selector = new Dictionary<string, string>(labels);
            }

            if (obj.Metadata.Labels is null || obj.Metadata.Labels.Count == 0)
            {
                obj.Metadata.Labels = new Dictionary<string, string>(labels);
            }
        }

        spec.Replicas ??= 1;
        PodSpecDefaults.Apply(spec.Template);
    }

    protected override void Validate(V1ReplicationController obj, List<FieldError> errors)
    {
        var spec = obj.Spec ?? new V1ReplicationControllerSpec();
        CommonValidation.NonNegative(spec.MinReadySeconds, "spec.minReadySeconds", errors);
        if (spec.Selector is null || spec.Selector.Count == 0)
        {
            errors.Add(FieldError.Required("spec.selector"));
        }

        CommonValidation.NonNegative(spec.Replicas, "spec.replicas", errors);
        if (spec.Template is null)
        {
            errors.Add(FieldError.Required("spec.template"));
            return;
        }

        if (spec.Selector is { Count: > 0 } selector)
        {
            var labels = spec.Template.Metadata?.Labels;
            if (!selector.All(p => labels is not null && labels.TryGetValue(p.Key, out var v) && v == p.Value))
            {
                errors.Add(FieldError.Invalid("spec.template.metadata.labels", GoValue.StringMap(labels), WorkloadValidation.SelectorMismatch));
            }
        }

        WorkloadValidation.LongRunningTemplate(spec.Template, "spec.template", "ReplicationController", errors);
    }
}
