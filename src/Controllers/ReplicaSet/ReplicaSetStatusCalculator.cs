using k8s.Models;
using KubeNet.ApiMachinery.Selectors;
using KubeNet.Controllers.Common;

namespace KubeNet.Controllers.ReplicaSet;

/// <summary>replica_set_utils.go: the status a ReplicaSet (or ReplicationController) reports for the pods it owns.</summary>
internal static class ReplicaSetStatusCalculator
{
    public const string ReplicaFailure = "ReplicaFailure";

    /// <summary>
    /// Counts the active owned <paramref name="pods"/>: all of them, those carrying every template label, the ready
    /// ones and those ready for minReadySeconds. A failed create or delete sets the ReplicaFailure condition (reason
    /// FailedCreate or FailedDelete); a clean pass removes it. Other conditions are kept as they are.
    /// </summary>
    public static V1ReplicaSetStatus Calculate(V1ReplicaSet rs, IReadOnlyList<V1Pod> pods, Exception? manageReplicasError, DateTime now)
    {
        var old = rs.Status;
        var status = new V1ReplicaSetStatus
        {
            ObservedGeneration = old?.ObservedGeneration,
            Conditions = old?.Conditions is { Count: > 0 } conditions ? [.. conditions] : null,
        };

        var templateLabels = LabelSelector.FromSet(LabelSets.Of(rs.Spec?.Template?.Metadata?.Labels));
        var minReadySeconds = rs.Spec?.MinReadySeconds ?? 0;
        int fullyLabeled = 0, ready = 0, available = 0;
        foreach (var pod in pods)
        {
            if (LabelSets.Matches(templateLabels, pod.Metadata))
            {
                fullyLabeled++;
            }

            if (PodUtil.IsPodReady(pod))
            {
                ready++;
                if (PodUtil.IsPodAvailable(pod, minReadySeconds, now))
                {
                    available++;
                }
            }
        }

        var failure = GetCondition(status, ReplicaFailure);
        if (manageReplicasError is not null && failure is null)
        {
            var diff = pods.Count - (rs.Spec?.Replicas ?? 1);
            var reason = diff < 0 ? "FailedCreate" : diff > 0 ? "FailedDelete" : string.Empty;
            SetCondition(status, new V1ReplicaSetCondition
            {
                Type = ReplicaFailure,
                Status = "True",
                Reason = reason,
                Message = ApiErrors.Message(manageReplicasError),
                LastTransitionTime = now,
            });
        }
        else if (manageReplicasError is null && failure is not null)
        {
            RemoveCondition(status, ReplicaFailure);
        }

        status.Replicas = pods.Count;
        status.FullyLabeledReplicas = fullyLabeled;
        status.ReadyReplicas = ready;
        status.AvailableReplicas = available;
        return status;
    }

    /// <summary>updateReplicaSetStatus's steady-state test: nothing to write when counts, conditions and generation agree.</summary>
    public static bool IsUnchanged(V1ReplicaSet rs, V1ReplicaSetStatus newStatus)
    {
        var old = rs.Status ?? new V1ReplicaSetStatus();
        return old.Replicas == newStatus.Replicas
            && (old.FullyLabeledReplicas ?? 0) == (newStatus.FullyLabeledReplicas ?? 0)
            && (old.ReadyReplicas ?? 0) == (newStatus.ReadyReplicas ?? 0)
            && (old.AvailableReplicas ?? 0) == (newStatus.AvailableReplicas ?? 0)
            && (rs.Metadata.Generation ?? 0) == (old.ObservedGeneration ?? 0)
            && ConditionsEqual(old.Conditions, newStatus.Conditions);
    }

    public static V1ReplicaSetCondition? GetCondition(V1ReplicaSetStatus status, string type) =>
        status.Conditions?.FirstOrDefault(c => c.Type == type);

    /// <summary>Adds or replaces a condition; one with the same status and reason is left as it is.</summary>
    public static void SetCondition(V1ReplicaSetStatus status, V1ReplicaSetCondition condition)
    {
        var current = GetCondition(status, condition.Type);
        if (current is not null && current.Status == condition.Status && current.Reason == condition.Reason)
        {
            return;
        }

        var conditions = status.Conditions?.Where(c => c.Type != condition.Type).ToList() ?? [];
        conditions.Add(condition);
        status.Conditions = conditions;
    }

    public static void RemoveCondition(V1ReplicaSetStatus status, string type)
    {
        var kept = status.Conditions?.Where(c => c.Type != type).ToList();
        status.Conditions = kept is { Count: > 0 } ? kept : null;
    }

    private static bool ConditionsEqual(IList<V1ReplicaSetCondition>? a, IList<V1ReplicaSetCondition>? b)
    {
        var (ca, cb) = (a?.Count ?? 0, b?.Count ?? 0);
        if (ca != cb)
        {
            return false;
        }

        for (var i = 0; i < ca; i++)
        {
            var (x, y) = (a![i], b![i]);
            if (x.Type != y.Type || x.Status != y.Status || x.Reason != y.Reason || x.Message != y.Message
                || x.LastTransitionTime?.ToUniversalTime() != y.LastTransitionTime?.ToUniversalTime())
            {
                return false;
            }
        }

        return true;
    }
}
