using k8s.Models;
using KubeNet.ApiMachinery.Errors;
using KubeNet.ApiMachinery.Kinds;
using KubeNet.ApiMachinery.Validation;

namespace KubeNet.ApiServer.Registry.Strategies;

/// <summary>pkg/registry/core/pod/strategy.go with the defaults of pkg/apis/core/v1/defaults.go.</summary>
internal sealed class PodStrategy(ResourceInfo info) : Strategy<V1Pod>(info)
{

    protected override void PrepareForCreate(V1Pod obj)
    {
        obj.Status = new V1PodStatus { Phase = "Pending", QosClass = QosClass(obj.Spec) };
    }

    protected override void Default(V1Pod obj)
    {
        var spec = obj.Spec ??= new V1PodSpec();
        PodSpecDefaults.Apply(spec);

        // Defaults only pods get: SetDefaults_Pod, and what the ServiceAccount, Priority and
        // DefaultTolerationSeconds admission plugins add.
        spec.EnableServiceLinks ??= true;
        spec.ServiceAccountName ??= spec.ServiceAccount ?? "default";
        spec.ServiceAccount ??= spec.ServiceAccountName;
        spec.Priority ??= 0;
        spec.PreemptionPolicy ??= "PreemptLowerPriority";
        spec.Tolerations ??= [];
        AddDefaultToleration(spec.Tolerations, "node.kubernetes.io/not-ready");
        AddDefaultToleration(spec.Tolerations, "node.kubernetes.io/unreachable");
        foreach (var c in (spec.Containers ?? []).Concat(spec.InitContainers ?? []))
        {
            RequestsFromLimits(c);
        }
    }

    // A container that sets limits but no request for a resource requests its limit.
    private static void RequestsFromLimits(V1Container c)
    {
        if (c.Resources?.Limits is not { Count: > 0 } limits)
        {
            return;
        }

        var requests = c.Resources.Requests ??= new Dictionary<string, ResourceQuantity>();
        foreach (var (name, limit) in limits)
        {
            requests.TryAdd(name, limit);
        }
    }

    private static void AddDefaultToleration(IList<V1Toleration> tolerations, string key)
    {
        if (!tolerations.Any(t => t.Key == key && t.Effect is null or "NoExecute"))
        {
            tolerations.Add(new V1Toleration { Key = key, OperatorProperty = "Exists", Effect = "NoExecute", TolerationSeconds = 300 });
        }
    }

    /// <summary>Always for :latest or untagged images, IfNotPresent otherwise (digests count as tags).</summary>
    internal static string ImagePullPolicyFor(string? image)
    {
        if (string.IsNullOrEmpty(image) || image.Contains('@', StringComparison.Ordinal))
        {
            return "IfNotPresent";
        }

        var lastSlash = image.LastIndexOf('/');
        var tagStart = image.IndexOf(':', lastSlash + 1);
        if (tagStart < 0)
        {
            return "Always";
        }

        return image[(tagStart + 1)..] == "latest" ? "Always" : "IfNotPresent";
    }

    internal static string QosClass(V1PodSpec? spec)
    {
        var containers = (spec?.Containers ?? []).Concat(spec?.InitContainers ?? []).ToList();
        var anyRequestOrLimit = false;
        var guaranteed = containers.Count > 0;
        foreach (var c in containers)
        {
            var requests = c.Resources?.Requests;
            var limits = c.Resources?.Limits;
            if ((requests?.Count ?? 0) > 0 || (limits?.Count ?? 0) > 0)
            {
                anyRequestOrLimit = true;
            }

            foreach (var resource in new[] { "cpu", "memory" })
            {
                if (limits is null || !limits.TryGetValue(resource, out var limit))
                {
                    guaranteed = false;
                    continue;
                }

                if (requests is not null && requests.TryGetValue(resource, out var request) && request.ToString() != limit.ToString())
                {
                    guaranteed = false;
                }
            }
        }

        return !anyRequestOrLimit ? "BestEffort" : guaranteed ? "Guaranteed" : "Burstable";
    }

    protected override void Validate(V1Pod obj, List<FieldError> errors) => PodSpecValidation.Spec(obj.Spec, "spec", errors);

    protected override void ValidateUpdate(V1Pod obj, V1Pod old, List<FieldError> errors)
    {
        // Pod updates may change only images, activeDeadlineSeconds, tolerations (additions) and the grace period.
        var probe = ObjectCodec.Clone(obj) as V1Pod;
        var before = ObjectCodec.Clone(old) as V1Pod;
        if (probe?.Spec is null || before?.Spec is null)
        {
            return;
        }

        for (var i = 0; i < Math.Min(probe.Spec.Containers.Count, before.Spec.Containers.Count); i++)
        {
            probe.Spec.Containers[i].Image = before.Spec.Containers[i].Image;
        }

        if (probe.Spec.InitContainers is not null && before.Spec.InitContainers is not null)
        {
            for (var i = 0; i < Math.Min(probe.Spec.InitContainers.Count, before.Spec.InitContainers.Count); i++)
            {
                probe.Spec.InitContainers[i].Image = before.Spec.InitContainers[i].Image;
            }
        }

        probe.Spec.ActiveDeadlineSeconds = before.Spec.ActiveDeadlineSeconds;
        probe.Spec.Tolerations = before.Spec.Tolerations;
        probe.Spec.TerminationGracePeriodSeconds = before.Spec.TerminationGracePeriodSeconds;
        if (string.IsNullOrEmpty(before.Spec.NodeName))
        {
            probe.Spec.NodeName = before.Spec.NodeName;
        }

        if (!ObjectCodec.ContentBytes(probe).AsSpan().SequenceEqual(ObjectCodec.ContentBytes(before)))
        {
            errors.Add(FieldError.Forbidden("spec", "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)"));
        }
    }

    protected override bool IsGracefulDelete(V1Pod obj, V1DeleteOptions options, out long graceSeconds)
    {
        // An unscheduled pod has no kubelet to wait for, and neither does a pod that already finished.
        graceSeconds = options.GracePeriodSeconds ?? obj.Spec?.TerminationGracePeriodSeconds ?? 30;
        if (string.IsNullOrEmpty(obj.Spec?.NodeName) || obj.Status?.Phase is "Succeeded" or "Failed")
        {
            graceSeconds = 0;
        }

        return graceSeconds > 0;
    }
}
