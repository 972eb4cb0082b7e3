using k8s.Models;

namespace KubeNet.Controllers.Deployment;

/// <summary>recreate.go: every old pod is gone before the new ReplicaSet gets any.</summary>
internal sealed partial class DeploymentController
{
    private async Task RolloutRecreateAsync(V1Deployment d, List<V1ReplicaSet> rsList, Dictionary<string, List<V1Pod>> podMap, CancellationToken ct)
    {
        // The new ReplicaSet is not created yet: nothing may scale up before the old ones are down.
        var (newRS, oldRSs) = await GetAllReplicaSetsAndSyncRevisionAsync(d, rsList, createIfNotExisted: false, ct);
        List<V1ReplicaSet?> allRSs = [.. oldRSs, newRS];

        var scaledDown = false;
        foreach (var rs in DeploymentUtil.FilterActive(oldRSs))
        {
            scaledDown |= (await ScaleReplicaSetAndRecordEventAsync(rs, 0, d, ct)).Scaled;
        }

        if (scaledDown || OldPodsRunning(newRS, oldRSs, podMap))
        {
            await SyncRolloutStatusAsync(allRSs, newRS, d, ct);
            return;
        }

        if (newRS is null)
        {
            (newRS, oldRSs) = await GetAllReplicaSetsAndSyncRevisionAsync(d, rsList, createIfNotExisted: true, ct);
            allRSs = [.. oldRSs, newRS];
        }

        if (newRS is not null)
        {
            await ScaleReplicaSetAndRecordEventAsync(newRS, DeploymentUtil.Replicas(d), d, ct);
        }

        if (DeploymentUtil.DeploymentComplete(d, d.Status ?? new V1DeploymentStatus()))
        {
            await CleanupDeploymentAsync(oldRSs, d, ct);
        }

        await SyncRolloutStatusAsync(allRSs, newRS, d, ct);
    }

    /// <summary>oldPodsRunning: an old ReplicaSet still reports pods, or owns a pod not yet finished.</summary>
    internal static bool OldPodsRunning(V1ReplicaSet? newRS, List<V1ReplicaSet> oldRSs, Dictionary<string, List<V1Pod>> podMap)
    {
        if (DeploymentUtil.ActualReplicaCount(oldRSs) > 0)
        {
            return true;
        }

        foreach (var (uid, pods) in podMap)
        {
            if (newRS is not null && newRS.Metadata.Uid == uid)
            {
                continue;
            }

            // Succeeded and Failed pods run nothing; anything else (Unknown included) may.
            if (pods.Any(p => p.Status?.Phase is not ("Failed" or "Succeeded")))
            {
                return true;
            }
        }

        return false;
    }
}
