using k8s.Models;
using KubeNet.ApiMachinery.Errors;
using KubeNet.ApiMachinery.Kinds;
using KubeNet.ApiMachinery.Validation;

namespace KubeNet.ApiServer.Registry.Strategies;

/// <summary>pkg/registry/core/pod/strategy.go with the defaults of pkg/apis/core/v1/defaults.go.</summary>
internal sealed class PodStrategy(ResourceInfo info) : Strategy<V1Pod>(info)
{
    public override bool ReturnsDeletedObject => true;

    protected override void PrepareForCreate(V1Pod obj)
    {
        obj.Status = new V1PodStatus { Phase = "Pending", QosClass = QosClass(obj.Spec) };
    }

    protected override void Default(V1Pod obj)
    {
        var spec = obj.Spec ??= new V1PodSpec();
        spec.RestartPolicy ??= "Always";
        spec.DnsPolicy ??= "ClusterFirst";
        spec.TerminationGracePeriodSeconds ??= 30;
        spec.SchedulerName ??= "default-scheduler";
        spec.SecurityContext ??= new V1PodSecurityContext();
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
            DefaultContainer(c);
        }
    }

    private static void AddDefaultToleration(IList<V1Toleration> tolerations, string key)
    {
        if (!tolerations.Any(t => t.Key == key && t.Effect is null or "NoExecute"))
        {
            tolerations.Add(new V1Toleration { Key = key, OperatorProperty = "Exists", Effect = "NoExecute", TolerationSeconds = 300 });
        }
    }

    internal static void DefaultContainer(V1Container c)
    {
        c.TerminationMessagePath ??= "/dev/termination-log";
        c.TerminationMessagePolicy ??= "File";
        c.ImagePullPolicy ??= ImagePullPolicyFor(c.Image);
        c.Resources ??= new V1ResourceRequirements();
        foreach (var p in c.Ports ?? [])
        {
            p.Protocol ??= "TCP";
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

    protected override void Validate(V1Pod obj, List<FieldError> errors)
    {
        var spec = obj.Spec;
        if (spec?.Containers is null || spec.Containers.Count == 0)
        {
            errors.Add(FieldError.Required("spec.containers"));
            return;
        }

        var names = new HashSet<string>();
        ValidateContainers(spec.Containers, "spec.containers", names, errors);
        if (spec.InitContainers is not null)
        {
            ValidateContainers(spec.InitContainers, "spec.initContainers", names, errors);
        }

        if (spec.RestartPolicy is not ("Always" or "OnFailure" or "Never"))
        {
            errors.Add(FieldError.NotSupported("spec.restartPolicy", spec.RestartPolicy, ["Always", "Never", "OnFailure"]));
        }

        if (spec.DnsPolicy is not ("ClusterFirstWithHostNet" or "ClusterFirst" or "Default" or "None"))
        {
            errors.Add(FieldError.NotSupported("spec.dnsPolicy", spec.DnsPolicy, ["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"]));
        }
    }

    private static void ValidateContainers(IList<V1Container> containers, string path, HashSet<string> names, List<FieldError> errors)
    {
        for (var i = 0; i < containers.Count; i++)
        {
            var c = containers[i];
            var p = $"{path}[{i}]";
            if (string.IsNullOrEmpty(c.Name))
            {
                errors.Add(FieldError.Required(p + ".name"));
            }
            else
            {
                foreach (var msg in NameValidation.IsDns1123Label(c.Name))
                {
                    errors.Add(FieldError.Invalid(p + ".name", c.Name, msg));
                }

                if (!names.Add(c.Name))
                {
                    errors.Add(FieldError.Duplicate(p + ".name", c.Name));
                }
            }

            if (string.IsNullOrWhiteSpace(c.Image))
            {
                errors.Add(FieldError.Required(p + ".image"));
            }

            if (c.Ports is not null)
            {
                for (var j = 0; j < c.Ports.Count; j++)
                {
                    var port = c.Ports[j];
                    foreach (var msg in NameValidation.IsValidPortNum(port.ContainerPort))
                    {
                        errors.Add(FieldError.Invalid($"{p}.ports[{j}].containerPort", port.ContainerPort, msg));
                    }

                    if (port.Protocol is not ("TCP" or "UDP" or "SCTP"))
                    {
                        errors.Add(FieldError.NotSupported($"{p}.ports[{j}].protocol", port.Protocol, ["SCTP", "TCP", "UDP"]));
                    }
                }
            }
        }
    }

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
