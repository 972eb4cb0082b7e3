using System.Globalization;
using k8s.Models;
using KubeNet.ApiServer.Http;
using static KubeNet.ApiServer.Printers.Columns;

namespace KubeNet.ApiServer.Printers;

/// <summary>Printers of apps, batch, autoscaling and policy kinds: the columns and cells of kube-apiserver 1.32.</summary>
internal static class WorkloadPrinters
{
    public static void Register(Dictionary<(string Group, string Kind), IReadOnlyList<TableColumn>> map)
    {
        map[("apps", "Deployment")] =
        [
            Name(),
            Text<V1Deployment>("Ready", "Number of the pod with ready state", d => Ratio(d.Status?.ReadyReplicas ?? 0, d.Spec?.Replicas ?? 1)),
            Of<V1Deployment>("Up-to-date", "string", Docs.DeployUpdated, (d, _) => (long)(d.Status?.UpdatedReplicas ?? 0)),
            Of<V1Deployment>("Available", "string", Docs.DeployAvailable, (d, _) => (long)(d.Status?.AvailableReplicas ?? 0)),
            Age(),
            ..ContainersAndImages<V1Deployment>(d => d.Spec?.Template?.Spec?.Containers),
            Text<V1Deployment>("Selector", Docs.DeploySelector, d => Formats.SelectorOrInvalid(d.Spec?.Selector), 1),
        ];

        map[("apps", "ReplicaSet")] =
        [
            Name(),
            Integer<V1ReplicaSet>("Desired", Docs.RsSpecReplicas, rs => rs.Spec?.Replicas ?? 1),
            Integer<V1ReplicaSet>("Current", Docs.RsStatusReplicas, rs => rs.Status?.Replicas ?? 0),
            Integer<V1ReplicaSet>("Ready", Docs.RsReadyReplicas, rs => rs.Status?.ReadyReplicas ?? 0),
            Age(),
            ..ContainersAndImages<V1ReplicaSet>(rs => rs.Spec?.Template?.Spec?.Containers),
            Text<V1ReplicaSet>("Selector", Docs.RsSelector, rs => Formats.Selector(rs.Spec?.Selector), 1),
        ];

        map[("apps", "StatefulSet")] =
        [
            Name(),
            Text<V1StatefulSet>("Ready", "Number of the pod with ready state", s => Ratio(s.Status?.ReadyReplicas ?? 0, s.Spec?.Replicas ?? 1)),
            Age(),
            ..ContainersAndImages<V1StatefulSet>(s => s.Spec?.Template?.Spec?.Containers),
        ];

        map[("apps", "DaemonSet")] =
        [
            Name(),
            Integer<V1DaemonSet>("Desired", Docs.DsDesired, d => d.Status?.DesiredNumberScheduled ?? 0),
            Integer<V1DaemonSet>("Current", Docs.DsCurrent, d => d.Status?.CurrentNumberScheduled ?? 0),
            Integer<V1DaemonSet>("Ready", Docs.DsReady, d => d.Status?.NumberReady ?? 0),
            Integer<V1DaemonSet>("Up-to-date", Docs.DsUpdated, d => d.Status?.UpdatedNumberScheduled ?? 0),
            Integer<V1DaemonSet>("Available", Docs.DsAvailable, d => d.Status?.NumberAvailable ?? 0),
            Text<V1DaemonSet>("Node Selector", Docs.NodeSelector, d => Formats.Labels(d.Spec?.Template?.Spec?.NodeSelector)),
            Age(),
            ..ContainersAndImages<V1DaemonSet>(d => d.Spec?.Template?.Spec?.Containers),
            Text<V1DaemonSet>("Selector", Docs.DsSelector, d => Formats.Selector(d.Spec?.Selector), 1),
        ];

        map[("apps", "ControllerRevision")] =
        [
            Name(),
            Text<V1ControllerRevision>("Controller", "Controller of the object", ControllerName),
            Of<V1ControllerRevision>("Revision", "string", Docs.ControllerRevisionRevision, (r, _) => r.Revision),
            Age(),
        ];

        map[("batch", "Job")] =
        [
            Name(),
            Text<V1Job>("Status", "Status of the job.", JobStatus),
            Text<V1Job>("Completions", Docs.JobSucceeded, Completions),
            Of<V1Job>("Duration", "string", "Time required to complete the job.", JobDuration),
            Age(),
            ..ContainersAndImages<V1Job>(j => j.Spec?.Template?.Spec?.Containers),
            Text<V1Job>("Selector", Docs.JobSelector, j => Formats.Selector(j.Spec?.Selector), 1),
        ];

        map[("batch", "CronJob")] =
        [
            Name(),
            Text<V1CronJob>("Schedule", Docs.CronSchedule, c => c.Spec?.Schedule ?? string.Empty),
            Text<V1CronJob>("Timezone", Docs.CronTimeZone, c => c.Spec?.TimeZone ?? Formats.None),
            Of<V1CronJob>("Suspend", "boolean", Docs.CronSuspend, (c, _) => Formats.BoolPointer(c.Spec?.Suspend)),
            Integer<V1CronJob>("Active", Docs.CronActive, c => c.Status?.Active?.Count ?? 0),
            Of<V1CronJob>("Last Schedule", "string", Docs.CronLastSchedule, (c, now) => c.Status?.LastScheduleTime is null ? Formats.None : Durations.Since(c.Status.LastScheduleTime, now)),
            Age(),
            ..ContainersAndImages<V1CronJob>(c => c.Spec?.JobTemplate?.Spec?.Template?.Spec?.Containers),
            Text<V1CronJob>("Selector", Docs.JobSelector, c => Formats.Selector(c.Spec?.JobTemplate?.Spec?.Selector), 1),
        ];

        // autoscaling/v1 and v2 serve one resource stored as v2; both print from it.
        map[("autoscaling", "HorizontalPodAutoscaler")] =
        [
            Name(),
            Text<V2HorizontalPodAutoscaler>("Reference", Docs.HpaScaleTargetRef, h => h.Spec?.ScaleTargetRef?.Kind + "/" + h.Spec?.ScaleTargetRef?.Name),
            Text<V2HorizontalPodAutoscaler>("Targets", Docs.HpaMetrics, h => HpaMetrics(h.Spec?.Metrics, h.Status?.CurrentMetrics)),
            Text<V2HorizontalPodAutoscaler>("MinPods", Docs.HpaMinReplicas, h => h.Spec?.MinReplicas is int min ? Formats.Int(min) : Formats.Unset),
            Of<V2HorizontalPodAutoscaler>("MaxPods", "string", Docs.HpaMaxReplicas, (h, _) => (long)(h.Spec?.MaxReplicas ?? 0)),
            Of<V2HorizontalPodAutoscaler>("Replicas", "string", Docs.HpaCurrentReplicas, (h, _) => (long)(h.Status?.CurrentReplicas ?? 0)),
            Age(),
        ];

        map[("policy", "PodDisruptionBudget")] =
        [
            Name(),
            Text<V1PodDisruptionBudget>("Min Available", "The minimum number of pods that must be available.", p => p.Spec?.MinAvailable is { } v ? Formats.IntOrString(v) : "N/A"),
            Text<V1PodDisruptionBudget>("Max Unavailable", "The maximum number of pods that may be unavailable.", p => p.Spec?.MaxUnavailable is { } v ? Formats.IntOrString(v) : "N/A"),
            Integer<V1PodDisruptionBudget>("Allowed Disruptions", "Calculated number of pods that may be disrupted at this time.", p => p.Status?.DisruptionsAllowed ?? 0),
            Age(),
        ];
    }

    private static string Ratio(long ready, long desired) => string.Create(CultureInfo.InvariantCulture, $"{ready}/{desired}");

    /// <summary>The controller as "kind.group/name" in lower case, "&lt;none&gt;" without one.</summary>
    internal static string ControllerName(V1ControllerRevision revision)
    {
        var owner = Columns.ControllerOf(revision);
        if (owner is null)
        {
            return Formats.None;
        }

        var apiVersion = owner.ApiVersion ?? string.Empty;
        var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
        var group = slash < 0 ? string.Empty : apiVersion[..slash];
        var kind = owner.Kind ?? string.Empty;
        if (kind.Length == 0 && group.Length == 0)
        {
            return owner.Name;
        }

        var groupKind = group.Length == 0 ? kind : kind + "." + group;
        return groupKind.ToLowerInvariant() + "/" + owner.Name;
    }

    /// <summary>Complete, Failed, Terminating, Suspended, FailureTarget or Running, in that precedence.</summary>
    internal static string JobStatus(V1Job job)
    {
        var conditions = job.Status?.Conditions;
        if (HasCondition(conditions, "Complete"))
        {
            return "Complete";
        }

        if (HasCondition(conditions, "Failed"))
        {
            return "Failed";
        }

        if (job.Metadata.DeletionTimestamp is not null)
        {
            return "Terminating";
        }

        if (HasCondition(conditions, "Suspended"))
        {
            return "Suspended";
        }

        return HasCondition(conditions, "FailureTarget") ? "FailureTarget" : "Running";
    }

    /// <summary>The first condition of the type decides, as hasJobCondition reads it.</summary>
    private static bool HasCondition(IList<V1JobCondition>? conditions, string type)
        => conditions?.FirstOrDefault(c => c.Type == type) is { } c && c.Status == "True";

    /// <summary>"succeeded/completions"; without completions "succeeded/1", or "succeeded/1 of N" when parallel.</summary>
    internal static string Completions(V1Job job)
    {
        var succeeded = job.Status?.Succeeded ?? 0;
        if (job.Spec?.Completions is int completions)
        {
            return Ratio(succeeded, completions);
        }

        var parallelism = job.Spec?.Parallelism ?? 0;
        return parallelism > 1
            ? string.Create(CultureInfo.InvariantCulture, $"{succeeded}/1 of {parallelism}")
            : string.Create(CultureInfo.InvariantCulture, $"{succeeded}/1");
    }

    /// <summary>Empty before the job starts, the running time while it runs, then the time it took.</summary>
    internal static string JobDuration(V1Job job, DateTime now)
    {
        var start = job.Status?.StartTime;
        if (start is null)
        {
            return string.Empty;
        }

        var end = job.Status?.CompletionTime is DateTime completed ? Durations.Utc(completed) : now;
        return Durations.Human(end - Durations.Utc(start.Value));
    }

    /// <summary>formatHPAMetrics: "current/target" per metric, at most two, then " + N more...".</summary>
    internal static string HpaMetrics(IList<V2MetricSpec>? specs, IList<V2MetricStatus>? statuses)
    {
        if (specs is null || specs.Count == 0)
        {
            return Formats.None;
        }

        const int Max = 2;
        var list = new List<string>(specs.Count);
        for (var i = 0; i < specs.Count; i++)
        {
            var status = statuses is not null && statuses.Count > i ? statuses[i] : null;
            list.Add(HpaMetric(specs[i], status));
        }

        if (list.Count > Max)
        {
            return string.Join(", ", list.Take(Max)) + " + " + Formats.Int(list.Count - Max) + " more...";
        }

        return string.Join(", ", list);
    }

    private static string HpaMetric(V2MetricSpec spec, V2MetricStatus? status)
    {
        const string Unknown = "<unknown>";
        switch (spec.Type)
        {
            case "External":
                {
                    var target = spec.External?.Target;
                    if (target?.AverageValue is not null)
                    {
                        var current = status?.External?.Current?.AverageValue is { } avg ? avg.ToString() : Unknown;
                        return current + "/" + target.AverageValue + " (avg)";
                    }

                    var value = status?.External is { } ext ? Formats.QuantityPointer(ext.Current?.Value) : Unknown;
                    return value + "/" + Formats.QuantityPointer(target?.Value);
                }

            case "Pods":
                {
                    var current = status?.Pods is { } pods ? Formats.QuantityPointer(pods.Current?.AverageValue) : Unknown;
                    return current + "/" + Formats.QuantityPointer(spec.Pods?.Target?.AverageValue);
                }

            case "Object":
                {
                    var target = spec.ObjectProperty?.Target;
                    if (target?.AverageValue is not null)
                    {
                        var current = status?.ObjectProperty?.Current?.AverageValue is { } avg ? avg.ToString() : Unknown;
                        return current + "/" + target.AverageValue + " (avg)";
                    }

                    var value = status?.ObjectProperty is { } obj ? Formats.QuantityPointer(obj.Current?.Value) : Unknown;
                    return value + "/" + Formats.QuantityPointer(target?.Value);
                }

            case "Resource":
                return ResourceMetric(spec.Resource?.Name, spec.Resource?.Target, status?.Resource is { } r ? r.Current : null, status?.Resource is not null);

            case "ContainerResource":
                return ResourceMetric(spec.ContainerResource?.Name, spec.ContainerResource?.Target, status?.ContainerResource is { } c ? c.Current : null, status?.ContainerResource is not null);

            default:
                return "<unknown type>";
        }
    }

    /// <summary>"cpu: 40%/80%" for utilization targets, "memory: 100Mi/200Mi" for average values.</summary>
    private static string ResourceMetric(string? name, V2MetricTarget? target, V2MetricValueStatus? current, bool hasStatus)
    {
        const string Unknown = "<unknown>";
        if (target?.AverageValue is not null)
        {
            var now = hasStatus ? Formats.QuantityPointer(current?.AverageValue) : Unknown;
            return name + ": " + now + "/" + target.AverageValue;
        }

        var currentText = current?.AverageUtilization is int used ? Formats.Int(used) + "%" : Unknown;
        var targetText = target?.AverageUtilization is int wanted ? Formats.Int(wanted) + "%" : "<auto>";
        return name + ": " + currentText + "/" + targetText;
    }
}
