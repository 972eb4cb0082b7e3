using k8s.Models;

namespace KubeNet.Controllers.Deployment;

/// <summary>rolling.go: one step of a RollingUpdate — scale the new ReplicaSet up, or the old ones down, within maxSurge and maxUnavailable.</summary>
internal sealed partial class DeploymentController
{
    private async Task RolloutRollingAsync(V1Deployment d, List<V1ReplicaSet> rsList, CancellationToken ct)
    {
        var (created, oldRSs) = await GetAllReplicaSetsAndSyncRevisionAsync(d, rsList, createIfNotExisted: true, ct);
        var newRS = created ?? throw new InvalidOperationException("no new replica set for a rolling update");
        List<V1ReplicaSet?> allRSs = [.. oldRSs, newRS];

        if (await ReconcileNewReplicaSetAsync(allRSs, newRS, d, ct))
        {
            await SyncRolloutStatusAsync(allRSs, newRS, d, ct);
            return;
        }

        if (await ReconcileOldReplicaSetsAsync(allRSs, DeploymentUtil.FilterActive(oldRSs), newRS, d, ct))
        {
            await SyncRolloutStatusAsync(allRSs, newRS, d, ct);
            return;
        }

        if (DeploymentUtil.DeploymentComplete(d, d.Status ?? new V1DeploymentStatus()))
        {
            await CleanupDeploymentAsync(oldRSs, d, ct);
        }

        await SyncRolloutStatusAsync(allRSs, newRS, d, ct);
    }

    private async Task<bool> ReconcileNewReplicaSetAsync(List<V1ReplicaSet?> allRSs, V1ReplicaSet newRS, V1Deployment d, CancellationToken ct)
    {
        var replicas = DeploymentUtil.Replicas(d);
        if (DeploymentUtil.Replicas(newRS) == replicas)
        {
            return false;
        }

        if (DeploymentUtil.Replicas(newRS) > replicas)
        {
            return (await ScaleReplicaSetAndRecordEventAsync(newRS, replicas, d, ct)).Scaled;
        }

        var newReplicas = DeploymentUtil.NewRSNewReplicas(d, allRSs, newRS);
        return (await ScaleReplicaSetAndRecordEventAsync(newRS, newReplicas, d, ct)).Scaled;
    }

    /// <summary>
    /// reconcileOldReplicaSets: at most allPods - minAvailable - (unavailable pods of the new ReplicaSet) old pods may
    /// go. Unavailable new pods count against the budget, so a broken new template never takes working old pods
    /// down; unhealthy old pods go first since removing them costs no availability.
    /// </summary>
    private async Task<bool> ReconcileOldReplicaSetsAsync(List<V1ReplicaSet?> allRSs, List<V1ReplicaSet> oldRSs, V1ReplicaSet newRS, V1Deployment d, CancellationToken ct)
    {
        if (DeploymentUtil.ReplicaCount(oldRSs) == 0)
        {
            return false;
        }

        var maxScaledDown = MaxScaledDown(d, allRSs, newRS);
        if (maxScaledDown <= 0)
        {
            return false;
        }

        var (cleaned, cleanupCount) = await CleanupUnhealthyReplicasAsync(oldRSs, d, maxScaledDown, ct);
        var scaledDown = await ScaleDownOldReplicaSetsForRollingUpdateAsync([.. cleaned, newRS], cleaned, d, ct);
        return cleanupCount + scaledDown > 0;
    }

    /// <summary>How many old pods a rolling step may remove at most.</summary>
    internal static int MaxScaledDown(V1Deployment d, IEnumerable<V1ReplicaSet?> allRSs, V1ReplicaSet newRS)
    {
        var minAvailable = DeploymentUtil.Replicas(d) - DeploymentUtil.MaxUnavailable(d);
        var newUnavailable = DeploymentUtil.Replicas(newRS) - (newRS.Status?.AvailableReplicas ?? 0);
        return DeploymentUtil.ReplicaCount(allRSs) - minAvailable - newUnavailable;
    }

    /// <summary>cleanupUnhealthyReplicas: scales old ReplicaSets down by their unavailable pods, oldest first.</summary>
    private async Task<(List<V1ReplicaSet> OldRSs, int Count)> CleanupUnhealthyReplicasAsync(
        List<V1ReplicaSet> oldRSs, V1Deployment d, int maxCleanup, CancellationToken ct)
    {
        var ordered = oldRSs.Order(ReplicaSetOrder.ByCreationTimestamp).ToList();
        var total = 0;
        for (var i = 0; i < ordered.Count && total < maxCleanup; i++)
        {
            var rs = ordered[i];
            var replicas = DeploymentUtil.Replicas(rs);
            var available = rs.Status?.AvailableReplicas ?? 0;
            if (replicas == 0 || replicas == available)
            {
                continue;
            }

            var count = Math.Min(maxCleanup - total, replicas - available);
            var (_, updated) = await ScaleReplicaSetAndRecordEventAsync(rs, replicas - count, d, ct);
            total += count;
            ordered[i] = updated;
        }

        return (ordered, total);
    }

    /// <summary>
    /// scaleDownOldReplicaSetsForRollingUpdate: removes as many old pods as availability allows over minAvailable,
    /// oldest ReplicaSets first.
    /// </summary>
    private async Task<int> ScaleDownOldReplicaSetsForRollingUpdateAsync(List<V1ReplicaSet?> allRSs, List<V1ReplicaSet> oldRSs, V1Deployment d, CancellationToken ct)
    {
        var minAvailable = DeploymentUtil.Replicas(d) - DeploymentUtil.MaxUnavailable(d);
        var available = DeploymentUtil.AvailableReplicaCount(allRSs);
        if (available <= minAvailable)
        {
            return 0;
        }

        var budget = available - minAvailable;
        var total = 0;
        foreach (var rs in oldRSs.Order(ReplicaSetOrder.ByCreationTimestamp))
        {
            if (total >= budget)
            {
                break;
            }

            var replicas = DeploymentUtil.Replicas(rs);
            if (replicas == 0)
            {
                continue;
            }

            var count = Math.Min(replicas, budget - total);
            await ScaleReplicaSetAndRecordEventAsync(rs, replicas - count, d, ct);
            total += count;
        }

        return total;
    }
}
