using System.Globalization;
using k8s.Models;
using KubeNet.Controllers.Workloads;

namespace KubeNet.Controllers.Job;

/// <summary>The Job API constants and pod rules of pkg/controller/job (utils, indexed_job_utils, pod_failure_policy).</summary>
internal static class JobPods
{
    public const string TrackingFinalizer = "batch.kubernetes.io/job-tracking";
    public const string CompletionIndexAnnotation = "batch.kubernetes.io/job-completion-index";
    public const string IndexFailureCountAnnotation = "batch.kubernetes.io/job-index-failure-count";
    public const string IndexIgnoredFailureCountAnnotation = "batch.kubernetes.io/job-index-ignored-failure-count";
    public const string CompletionIndexEnv = "JOB_COMPLETION_INDEX";
    public const int UnknownIndex = -1;

    public static bool IsIndexed(V1Job job) => job.Spec?.CompletionMode == "Indexed";

    public static bool HasBackoffLimitPerIndex(V1Job job) => job.Spec?.BackoffLimitPerIndex is not null;

    public static bool IsSuspended(V1Job job) => job.Spec?.Suspend == true;

    /// <summary>onlyReplaceFailedPods: podReplacementPolicy Failed, or any pod failure policy.</summary>
    public static bool OnlyReplaceFailedPods(V1Job job) => job.Spec?.PodReplacementPolicy == "Failed" || job.Spec?.PodFailurePolicy is not null;

    public static bool HasTrackingFinalizer(V1Pod pod) => Pods.HasFinalizer(pod, TrackingFinalizer);

    /// <summary>isPodFailed: the Failed phase, or (unless only failed pods are replaced) deleted before it succeeded.</summary>
    public static bool IsPodFailed(V1Pod pod, V1Job job)
    {
        if (pod.Status?.Phase == "Failed")
        {
            return true;
        }

        if (OnlyReplaceFailedPods(job))
        {
            return false;
        }

        return pod.Metadata.DeletionTimestamp is not null && pod.Status?.Phase != "Succeeded";
    }

    public static int CompletionIndex(V1Pod pod)
    {
        if (pod.Metadata.Annotations?.TryGetValue(CompletionIndexAnnotation, out var value) != true
            || !int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var index) || index < 0)
        {
            return UnknownIndex;
        }

        return index;
    }

    public static int AnnotationCount(V1Pod pod, string annotation)
    {
        if (pod.Metadata.Annotations?.TryGetValue(annotation, out var value) != true
            || !long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var count) || count < 0 || count > int.MaxValue)
        {
            return 0;
        }

        return (int)count;
    }

    /// <summary>
    /// getFinishedTime: the last container finish, else when Ready went False, else the deletion time less the grace
    /// period, else the creation time.
    /// </summary>
    public static DateTime FinishedTime(V1Pod pod)
    {
        DateTime? latest = null;
        var statuses = pod.Status?.ContainerStatuses ?? [];
        var complete = statuses.Count > 0;
        foreach (var status in statuses)
        {
            if (status.State?.Terminated?.FinishedAt is not { } finished || finished == default)
            {
                complete = false;
                break;
            }

            if (latest is null || latest < finished)
            {
                latest = finished;
            }
        }

        if (complete && latest is { } containersDone)
        {
            return containersDone;
        }

        if (Pods.Condition(pod, "Ready") is { Status: "False", LastTransitionTime: { } since } && since != default)
        {
            return since;
        }

        if (pod.Metadata.DeletionTimestamp is { } deleted)
        {
            return deleted.AddSeconds(-(pod.Metadata.DeletionGracePeriodSeconds ?? 0));
        }

        return pod.Metadata.CreationTimestamp ?? DateTime.MinValue;
    }

    public static V1JobCondition? FindCondition(V1Job job, string type) => job.Status?.Conditions?.FirstOrDefault(c => c.Type == type);

    /// <summary>util.IsJobFinished: Complete or Failed is True.</summary>
    public static bool IsFinished(V1Job job) =>
        job.Status?.Conditions?.Any(c => c.Type is "Complete" or "Failed" && c.Status == "True") == true;

    public static V1JobCondition NewCondition(string type, string status, string? reason, string? message, DateTime now) => new()
    {
        Type = type,
        Status = status,
        Reason = string.IsNullOrEmpty(reason) ? null : reason,
        Message = string.IsNullOrEmpty(message) ? null : message,
        LastProbeTime = now,
        LastTransitionTime = now,
    };

    /// <summary>
    /// ensureJobConditionStatus: updates the condition of that type when anything differs, appends it unless it would
    /// be False from nothing. Returns whether the list changed.
    /// </summary>
    public static bool EnsureCondition(V1JobStatus status, string type, string value, string reason, string message, DateTime now)
    {
        status.Conditions ??= [];
        for (var i = 0; i < status.Conditions.Count; i++)
        {
            var condition = status.Conditions[i];
            if (condition.Type != type)
            {
                continue;
            }

            if (condition.Status != value || (condition.Reason ?? string.Empty) != reason || (condition.Message ?? string.Empty) != message)
            {
                status.Conditions[i] = NewCondition(type, value, reason, message, now);
                return true;
            }

            return false;
        }

        if (value != "False")
        {
            status.Conditions.Add(NewCondition(type, value, reason, message, now));
            return true;
        }

        return false;
    }

    /// <summary>
    /// matchPodFailurePolicy: the first rule that matches the failed pod decides. Returns the job failure message
    /// (FailJob), whether the failure counts against backoffLimit (not for Ignore), and the action taken.
    /// </summary>
    public static (string? FailJobMessage, bool CountFailed, string? Action) MatchPodFailurePolicy(V1PodFailurePolicy? policy, V1Pod pod)
    {
        if (policy?.Rules is null)
        {
            return (null, true, null);
        }

        for (var index = 0; index < policy.Rules.Count; index++)
        {
            var rule = policy.Rules[index];
            if (rule.OnExitCodes is { } onExitCodes)
            {
                if (MatchExitCodes(pod, onExitCodes) is { } container)
                {
                    return rule.Action switch
                    {
                        "Ignore" => (null, false, "Ignore"),
                        "Count" => (null, true, "Count"),
                        "FailIndex" => (null, true, "FailIndex"),
                        "FailJob" => (string.Create(CultureInfo.InvariantCulture,
                            $"Container {container.Name} for pod {pod.Metadata.NamespaceProperty}/{pod.Metadata.Name} failed with exit code {container.State.Terminated.ExitCode} matching FailJob rule at index {index}"),
                            true, "FailJob"),
                        _ => (null, true, null),
                    };
                }
            }
            else if (rule.OnPodConditions is { } patterns)
            {
                var condition = pod.Status?.Conditions?.FirstOrDefault(c => patterns.Any(p => p.Type == c.Type && (p.Status ?? "True") == c.Status));
                if (condition is not null)
                {
                    return rule.Action switch
                    {
                        "Ignore" => (null, false, "Ignore"),
                        "Count" => (null, true, "Count"),
                        "FailIndex" => (null, true, "FailIndex"),
                        "FailJob" => ($"Pod {pod.Metadata.NamespaceProperty}/{pod.Metadata.Name} has condition {condition.Type} matching FailJob rule at index {index}", true, "FailJob"),
                        _ => (null, true, null),
                    };
                }
            }
        }

        return (null, true, null);
    }

    private static V1ContainerStatus? MatchExitCodes(V1Pod pod, V1PodFailurePolicyOnExitCodesRequirement requirement) =>
        MatchExitCodes(pod.Status?.ContainerStatuses, requirement) ?? MatchExitCodes(pod.Status?.InitContainerStatuses, requirement);

    private static V1ContainerStatus? MatchExitCodes(IList<V1ContainerStatus>? statuses, V1PodFailurePolicyOnExitCodesRequirement requirement)
    {
        foreach (var status in statuses ?? [])
        {
            if (status.State?.Terminated is not { } terminated)
            {
                continue;
            }

            if ((requirement.ContainerName is null || requirement.ContainerName == status.Name) && terminated.ExitCode != 0)
            {
                var listed = requirement.Values?.Contains(terminated.ExitCode) == true;
                var matches = requirement.OperatorProperty switch
                {
                    "In" => listed,
                    "NotIn" => !listed,
                    _ => false,
                };
                if (matches)
                {
                    return status;
                }
            }
        }

        return null;
    }
}
