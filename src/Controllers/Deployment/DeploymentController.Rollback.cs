using k8s;
using k8s.Models;
using KubeNet.Client;

namespace KubeNet.Controllers.Deployment;

/// <summary>rollback.go: the deprecated rollbackTo annotation copies an earlier ReplicaSet's template back.</summary>
internal sealed partial class DeploymentController
{
    private async Task RollbackAsync(V1Deployment d, List<V1ReplicaSet> rsList, CancellationToken ct)
    {
        var (newRS, oldRSs) = await GetAllReplicaSetsAndSyncRevisionAsync(d, rsList, createIfNotExisted: true, ct);
        List<V1ReplicaSet?> allRSs = [.. oldRSs, newRS];
        var revision = DeploymentUtil.GetRollbackTo(d)!.Value;
        if (revision == 0)
        {
            revision = DeploymentUtil.LastRevision(allRSs);
            if (revision == 0)
            {
                _recorder.Event(d, EventTypes.Warning, DeploymentUtil.RollbackRevisionNotFound, "Unable to find last revision.");
                await UpdateDeploymentAndClearRollbackToAsync(d, ct);
                return;
            }
        }

        foreach (var rs in allRSs)
        {
            if (rs is null || DeploymentUtil.Revision(rs.Metadata) != revision)
            {
                continue;
            }

            // The template goes back; the next sync gives that ReplicaSet a new revision.
            if (!Deployment.PodTemplates.EqualIgnoreHash(d.Spec.Template, rs.Spec?.Template))
            {
                DeploymentUtil.SetFromReplicaSetTemplate(d, rs.Spec!.Template);
                DeploymentUtil.SetDeploymentAnnotationsTo(d, rs);
                await UpdateDeploymentAndClearRollbackToAsync(d, ct);
                _recorder.Event(d, EventTypes.Normal, DeploymentUtil.RollbackDone, $"Rolled back deployment \"{d.Metadata.Name}\" to revision {revision}");
            }
            else
            {
                _recorder.Event(d, EventTypes.Warning, DeploymentUtil.RollbackTemplateUnchanged,
                    $"The rollback revision contains the same template as current deployment \"{d.Metadata.Name}\"");
                await UpdateDeploymentAndClearRollbackToAsync(d, ct);
            }

            return;
        }

        _recorder.Event(d, EventTypes.Warning, DeploymentUtil.RollbackRevisionNotFound, "Unable to find the revision to rollback to.");
        await UpdateDeploymentAndClearRollbackToAsync(d, ct);
    }

    private async Task UpdateDeploymentAndClearRollbackToAsync(V1Deployment d, CancellationToken ct)
    {
        d.Metadata.Annotations?.Remove(DeploymentUtil.RollbackToAnnotation);
        var updated = await _client.AppsV1.ReplaceNamespacedDeploymentAsync(d, d.Metadata.Name, d.Metadata.NamespaceProperty, cancellationToken: ct);
        d.Metadata.ResourceVersion = updated.Metadata.ResourceVersion;
    }
}
