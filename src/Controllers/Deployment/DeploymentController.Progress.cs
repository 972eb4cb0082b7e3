using k8s;
using k8s.Models;
using KubeNet.Client;

namespace KubeNet.Controllers.Deployment;

/// <summary>progress.go: the Progressing condition, the progress deadline and ReplicaSet failures.</summary>
internal sealed partial class DeploymentController
{
    /// <summary>
    /// syncRolloutStatus: the status of <see cref="CalculateStatus"/> plus Progressing (NewReplicaSetAvailable once
    /// complete, ReplicaSetUpdated on progress, ProgressDeadlineExceeded when none came in time) and the new (or any)
    /// ReplicaSet's ReplicaFailure condition. A stuck rollout is requeued for when its deadline falls.
    /// </summary>
    private async Task SyncRolloutStatusAsync(List<V1ReplicaSet?> allRSs, V1ReplicaSet? newRS, V1Deployment d, CancellationToken ct)
    {
        var now = Now();
        var status = CalculateStatus(allRSs, newRS, d, now);
        if (!DeploymentUtil.HasProgressDeadline(d))
        {
            DeploymentUtil.RemoveCondition(status, DeploymentUtil.Progressing);
        }

        // A finished rollout that is merely resynced estimates no progress.
        var current = DeploymentUtil.GetCondition(d.Status, DeploymentUtil.Progressing);
        var isComplete = (status.Replicas ?? 0) == (status.UpdatedReplicas ?? 0) && current?.Reason == DeploymentUtil.NewRSAvailableReason;
        if (DeploymentUtil.HasProgressDeadline(d) && !isComplete)
        {
            var subject = newRS is null ? $"Deployment \"{d.Metadata.Name}\"" : $"ReplicaSet \"{newRS.Metadata.Name}\"";
            if (DeploymentUtil.DeploymentComplete(d, status))
            {
                DeploymentUtil.SetCondition(status, DeploymentUtil.NewCondition(
                    DeploymentUtil.Progressing, "True", DeploymentUtil.NewRSAvailableReason, subject + " has successfully progressed.", now));
            }
            else if (DeploymentUtil.DeploymentProgressing(d, status))
            {
                // Progress renews lastUpdateTime even when the reason stays the same, so it is replaced, not set.
                var condition = DeploymentUtil.NewCondition(DeploymentUtil.Progressing, "True", DeploymentUtil.ReplicaSetUpdatedReason, subject + " is progressing.", now);
                if (current is not null)
                {
                    if (current.Status == "True")
                    {
                        condition.LastTransitionTime = current.LastTransitionTime;
                    }

                    DeploymentUtil.RemoveCondition(status, DeploymentUtil.Progressing);
                }

                DeploymentUtil.SetCondition(status, condition);
            }
            else if (DeploymentUtil.DeploymentTimedOut(d, status, _time.GetUtcNow().UtcDateTime))
            {
                DeploymentUtil.SetCondition(status, DeploymentUtil.NewCondition(
                    DeploymentUtil.Progressing, "False", DeploymentUtil.TimedOutReason, subject + " has timed out progressing.", now));
            }
        }

        if (GetReplicaFailures(allRSs, newRS) is { Count: > 0 } failures)
        {
            DeploymentUtil.SetCondition(status, failures[0]);
        }
        else
        {
            DeploymentUtil.RemoveCondition(status, DeploymentUtil.ReplicaFailure);
        }

        if (StatusEqual(d.Status, status))
        {
            RequeueStuckDeployment(d, status);
            return;
        }

        d.Status = status;
        await UpdateStatusAsync(d, ct);
    }

    /// <summary>getReplicaFailures: the new ReplicaSet's ReplicaFailure conditions, else those of any other.</summary>
    private static List<V1DeploymentCondition> GetReplicaFailures(List<V1ReplicaSet?> allRSs, V1ReplicaSet? newRS)
    {
        var conditions = Failures(newRS).ToList();
        return conditions.Count > 0 ? conditions : [.. allRSs.SelectMany(Failures)];

        static IEnumerable<V1DeploymentCondition> Failures(V1ReplicaSet? rs) =>
            (rs?.Status?.Conditions ?? []).Where(c => c.Type == DeploymentUtil.ReplicaFailure).Select(DeploymentUtil.FromReplicaSetCondition);
    }

    /// <summary>
    /// requeueStuckDeployment: a rollout with no sign of progress is checked again when its progress deadline falls
    /// (lastUpdateTime + progressDeadlineSeconds), since nothing else may wake it then.
    /// </summary>
    private void RequeueStuckDeployment(V1Deployment d, V1DeploymentStatus status)
    {
        var current = DeploymentUtil.GetCondition(d.Status, DeploymentUtil.Progressing);
        if (!DeploymentUtil.HasProgressDeadline(d) || current is null)
        {
            return;
        }

        if (DeploymentUtil.DeploymentComplete(d, status) || current.Reason == DeploymentUtil.TimedOutReason)
        {
            return;
        }

        var lastUpdate = current.LastUpdateTime?.ToUniversalTime() ?? DateTime.MinValue;
        var after = lastUpdate.AddSeconds(d.Spec.ProgressDeadlineSeconds!.Value) - _time.GetUtcNow().UtcDateTime;
        var key = ObjectKeys.For(d);
        if (after < TimeSpan.FromSeconds(1))
        {
            _queue.AddRateLimited(key);
            return;
        }

        // A second more avoids waking up a moment before the deadline.
        _queue.AddAfter(key, after + TimeSpan.FromSeconds(1));
    }
}
