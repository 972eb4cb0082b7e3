using System.Globalization;
using k8s;
using k8s.Models;
using KubeNet.Client;
using KubeNet.Controllers.Common;

namespace KubeNet.Controllers.Deployment;

/// <summary>sync.go: scaling, the new ReplicaSet and revisions, history cleanup and status.</summary>
internal sealed partial class DeploymentController
{
    /// <summary>sync: scale the ReplicaSets (paused Deployments and scaling events) and write status.</summary>
    private async Task SyncAsync(V1Deployment d, List<V1ReplicaSet> rsList, CancellationToken ct)
    {
        var (newRS, oldRSs) = await GetAllReplicaSetsAndSyncRevisionAsync(d, rsList, createIfNotExisted: false, ct);
        await ScaleAsync(d, newRS, oldRSs, ct);

        // A paused Deployment with no rollback pending still honours its history limit.
        if (d.Spec.Paused == true && DeploymentUtil.GetRollbackTo(d) is null)
        {
            await CleanupDeploymentAsync(oldRSs, d, ct);
        }

        await SyncDeploymentStatusAsync([.. oldRSs, newRS], newRS, d, ct);
    }

    /// <summary>syncStatusOnly: a Deployment being deleted only reports on its ReplicaSets.</summary>
    private async Task SyncStatusOnlyAsync(V1Deployment d, List<V1ReplicaSet> rsList, CancellationToken ct)
    {
        var (newRS, oldRSs) = await GetAllReplicaSetsAndSyncRevisionAsync(d, rsList, createIfNotExisted: false, ct);
        await SyncDeploymentStatusAsync([.. oldRSs, newRS], newRS, d, ct);
    }

    /// <summary>isScalingEvent: some active ReplicaSet was last scaled for another size of the Deployment.</summary>
    private async Task<bool> IsScalingEventAsync(V1Deployment d, List<V1ReplicaSet> rsList, CancellationToken ct)
    {
        var (newRS, oldRSs) = await GetAllReplicaSetsAndSyncRevisionAsync(d, rsList, createIfNotExisted: false, ct);
        foreach (var rs in DeploymentUtil.FilterActive([.. oldRSs, newRS]))
        {
            if (DeploymentUtil.GetIntAnnotation(rs, DeploymentUtil.DesiredReplicasAnnotation) is { } desired && desired != DeploymentUtil.Replicas(d))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>getAllReplicaSetsAndSyncRevision: the new ReplicaSet (created when asked and missing) and all old ones.</summary>
    private async Task<(V1ReplicaSet? NewRS, List<V1ReplicaSet> OldRSs)> GetAllReplicaSetsAndSyncRevisionAsync(
        V1Deployment d, List<V1ReplicaSet> rsList, bool createIfNotExisted, CancellationToken ct)
    {
        var (_, allOld) = DeploymentUtil.FindOldReplicaSets(d, rsList);
        var newRS = await GetNewReplicaSetAsync(d, rsList, allOld, createIfNotExisted, ct);
        return (newRS, allOld);
    }

    /// <summary>
    /// getNewReplicaSet: the ReplicaSet of the current template. An existing one gets the next revision and the
    /// Deployment's annotations; a missing one is created (named after the template hash, with the hash in its labels
    /// and selector) at the size the strategy allows. A name taken by another template is a hash collision: the
    /// collision count goes up and the next sync tries another name.
    /// </summary>
    private async Task<V1ReplicaSet?> GetNewReplicaSetAsync(
        V1Deployment d, List<V1ReplicaSet> rsList, List<V1ReplicaSet> oldRSs, bool createIfNotExisted, CancellationToken ct)
    {
        d.Status ??= new V1DeploymentStatus();
        var existing = DeploymentUtil.FindNewReplicaSet(d, rsList);
        var newRevision = (DeploymentUtil.MaxRevision(oldRSs) + 1).ToString(CultureInfo.InvariantCulture);
        if (existing is not null)
        {
            var copy = ObjectCopy.DeepCopy(existing);
            var annotationsUpdated = DeploymentUtil.SetNewReplicaSetAnnotations(d, copy, newRevision, exists: true, DeploymentUtil.MaxRevisionHistoryLengthInChars);
            var minReadySecondsChanged = (copy.Spec.MinReadySeconds ?? 0) != (d.Spec.MinReadySeconds ?? 0);
            if (annotationsUpdated || minReadySecondsChanged)
            {
                copy.Spec.MinReadySeconds = d.Spec.MinReadySeconds;
                return await _client.AppsV1.ReplaceNamespacedReplicaSetAsync(copy, copy.Metadata.Name, copy.Metadata.NamespaceProperty, cancellationToken: ct);
            }

            // The ReplicaSet's revision was set earlier and is the one to trust.
            var needsUpdate = DeploymentUtil.SetDeploymentRevision(d, copy.Metadata.Annotations?.ValueOrNull(DeploymentUtil.RevisionAnnotation) ?? string.Empty);

            // No Progressing condition yet while progress is tracked: count from when this ReplicaSet was found.
            if (DeploymentUtil.HasProgressDeadline(d) && DeploymentUtil.GetCondition(d.Status, DeploymentUtil.Progressing) is null)
            {
                DeploymentUtil.SetCondition(d.Status, DeploymentUtil.NewCondition(
                    DeploymentUtil.Progressing, "True", DeploymentUtil.FoundNewRSReason, $"Found new replica set \"{copy.Metadata.Name}\"", Now()));
                needsUpdate = true;
            }

            if (needsUpdate)
            {
                await UpdateStatusAsync(d, ct);
            }

            return copy;
        }

        if (!createIfNotExisted)
        {
            return null;
        }

        var template = ObjectCopy.DeepCopy(d.Spec.Template);
        var hash = PodTemplates.ComputeHash(template, d.Status.CollisionCount);
        template.Metadata ??= new V1ObjectMeta();
        template.Metadata.Labels = new Dictionary<string, string>(d.Spec.Template.Metadata?.Labels ?? new Dictionary<string, string>())
        {
            [PodTemplates.HashLabel] = hash,
        };
        var selector = ObjectCopy.DeepCopy(d.Spec.Selector);
        selector.MatchLabels = new Dictionary<string, string>(selector.MatchLabels ?? new Dictionary<string, string>()) { [PodTemplates.HashLabel] = hash };

        var newRS = new V1ReplicaSet
        {
            ApiVersion = "apps/v1",
            Kind = "ReplicaSet",
            Metadata = new V1ObjectMeta
            {
                // A name derived from the template makes creation idempotent.
                Name = d.Metadata.Name + "-" + hash,
                NamespaceProperty = d.Metadata.NamespaceProperty,
                OwnerReferences = [ControllerRefs.NewControllerRef(d.Metadata, DeploymentApiVersion, DeploymentKind)],
                Labels = new Dictionary<string, string>(template.Metadata.Labels),
            },
            Spec = new V1ReplicaSetSpec
            {
                Replicas = 0,
                MinReadySeconds = d.Spec.MinReadySeconds,
                Selector = selector,
                Template = template,
            },
        };
        var newReplicas = DeploymentUtil.NewRSNewReplicas(d, [.. oldRSs, newRS], newRS);
        newRS.Spec.Replicas = newReplicas;
        DeploymentUtil.SetNewReplicaSetAnnotations(d, newRS, newRevision, exists: false, DeploymentUtil.MaxRevisionHistoryLengthInChars);

        var alreadyExists = false;
        V1ReplicaSet created;
        try
        {
            created = await _client.AppsV1.CreateNamespacedReplicaSetAsync(newRS, d.Metadata.NamespaceProperty, cancellationToken: ct);
        }
        catch (Exception ex) when (ApiErrors.IsAlreadyExists(ex))
        {
            // A slow cache or a quick resync: if the ReplicaSet of that name is ours and has this template, it is the one.
            var found = _replicaSets.Lister.Get(newRS.Metadata.NamespaceProperty, newRS.Metadata.Name)
                ?? throw new InvalidOperationException($"replicaset \"{newRS.Metadata.Name}\" exists but is not in the cache yet", ex);
            if (ControllerRefs.GetControllerOf(found)?.Uid == d.Metadata.Uid && PodTemplates.EqualIgnoreHash(d.Spec.Template, found.Spec?.Template))
            {
                created = found;
                alreadyExists = true;
            }
            else
            {
                // Another template hashed to this name: count the collision, which changes the hash next time.
                var before = d.Status.CollisionCount ?? 0;
                d.Status.CollisionCount = before + 1;
                await UpdateStatusAsync(d, ct);
                LogHashCollision(ObjectKeys.For(d), before, before + 1);
                throw;
            }
        }
        catch (Exception ex) when (ApiErrors.HasStatusCause(ex, ApiErrors.NamespaceTerminatingCause))
        {
            throw;
        }
        catch (Exception ex) when (ApiErrors.IsTransient(ex) && !ct.IsCancellationRequested)
        {
            var message = $"Failed to create new replica set \"{newRS.Metadata.Name}\": {ApiErrors.Message(ex)}";
            if (DeploymentUtil.HasProgressDeadline(d))
            {
                DeploymentUtil.SetCondition(d.Status, DeploymentUtil.NewCondition(
                    DeploymentUtil.Progressing, "False", DeploymentUtil.FailedRSCreateReason, message, Now()));
                try
                {
                    await UpdateStatusAsync(d, ct);
                }
                catch (Exception statusError) when (ApiErrors.IsTransient(statusError))
                {
                    // The creation failure is the one worth reporting.
                }
            }

            _recorder.Event(d, EventTypes.Warning, DeploymentUtil.FailedRSCreateReason, message);
            throw;
        }

        if (!alreadyExists && newReplicas > 0)
        {
            _recorder.Event(d, EventTypes.Normal, "ScalingReplicaSet", $"Scaled up replica set {created.Metadata.Name} from 0 to {newReplicas}");
        }

        var revisionChanged = DeploymentUtil.SetDeploymentRevision(d, newRevision);
        if (!alreadyExists && DeploymentUtil.HasProgressDeadline(d))
        {
            DeploymentUtil.SetCondition(d.Status, DeploymentUtil.NewCondition(
                DeploymentUtil.Progressing, "True", DeploymentUtil.NewReplicaSetReason, $"Created new replica set \"{created.Metadata.Name}\"", Now()));
            revisionChanged = true;
        }

        if (revisionChanged)
        {
            await UpdateStatusAsync(d, ct);
        }

        return created;
    }

    /// <summary>
    /// checkPausedConditions: Progressing becomes Unknown/DeploymentPaused while paused and Unknown/DeploymentResumed
    /// after, unless the deadline was already exceeded.
    /// </summary>
    private async Task CheckPausedConditionsAsync(V1Deployment d, CancellationToken ct)
    {
        if (!DeploymentUtil.HasProgressDeadline(d))
        {
            return;
        }

        d.Status ??= new V1DeploymentStatus();
        var condition = DeploymentUtil.GetCondition(d.Status, DeploymentUtil.Progressing);
        if (condition?.Reason == DeploymentUtil.TimedOutReason)
        {
            return;
        }

        var pausedConditionExists = condition?.Reason == DeploymentUtil.PausedDeployReason;
        var paused = d.Spec.Paused == true;
        if (paused && !pausedConditionExists)
        {
            DeploymentUtil.SetCondition(d.Status, DeploymentUtil.NewCondition(
                DeploymentUtil.Progressing, "Unknown", DeploymentUtil.PausedDeployReason, "Deployment is paused", Now()));
        }
        else if (!paused && pausedConditionExists)
        {
            DeploymentUtil.SetCondition(d.Status, DeploymentUtil.NewCondition(
                DeploymentUtil.Progressing, "Unknown", DeploymentUtil.ResumedDeployReason, "Deployment is resumed", Now()));
        }
        else
        {
            return;
        }

        await UpdateStatusAsync(d, ct);
    }

    /// <summary>
    /// scale: one active ReplicaSet (or none) takes the whole size; a saturated new ReplicaSet leaves the old ones at 0;
    /// otherwise, in a rolling update, the difference to replicas + maxSurge is spread over the active ReplicaSets in
    /// proportion to their size (proportional scaling), leftovers going to the largest.
    /// </summary>
    private async Task ScaleAsync(V1Deployment d, V1ReplicaSet? newRS, List<V1ReplicaSet> oldRSs, CancellationToken ct)
    {
        var replicas = DeploymentUtil.Replicas(d);
        if (DeploymentUtil.FindActiveOrLatest(newRS, oldRSs) is { } activeOrLatest)
        {
            if (DeploymentUtil.Replicas(activeOrLatest) != replicas)
            {
                await ScaleReplicaSetAndRecordEventAsync(activeOrLatest, replicas, d, ct);
            }

            return;
        }

        if (DeploymentUtil.IsSaturated(d, newRS))
        {
            foreach (var old in DeploymentUtil.FilterActive(oldRSs))
            {
                await ScaleReplicaSetAndRecordEventAsync(old, 0, d, ct);
            }

            return;
        }

        if (!DeploymentUtil.IsRollingUpdate(d))
        {
            return;
        }

        foreach (var (rs, size, operation) in ProportionalSizes(d, DeploymentUtil.FilterActive([.. oldRSs, newRS])))
        {
            await ScaleReplicaSetAsync(rs, size, d, operation, ct);
        }
    }

    /// <summary>The size each active ReplicaSet gets when a rolling Deployment is resized mid-rollout.</summary>
    internal static List<(V1ReplicaSet RS, int Size, string Operation)> ProportionalSizes(V1Deployment d, List<V1ReplicaSet> active)
    {
        var allowed = DeploymentUtil.Replicas(d) > 0 ? DeploymentUtil.Replicas(d) + DeploymentUtil.MaxSurge(d) : 0;
        var toAdd = allowed - DeploymentUtil.ReplicaCount(active);
        var operation = string.Empty;
        if (toAdd > 0)
        {
            active = [.. active.Order(ReplicaSetOrder.BySizeNewer)];
            operation = "up";
        }
        else if (toAdd < 0)
        {
            active = [.. active.Order(ReplicaSetOrder.BySizeOlder)];
            operation = "down";
        }

        var added = 0;
        var sizes = new List<int>(active.Count);
        foreach (var rs in active)
        {
            var proportion = toAdd != 0 ? DeploymentUtil.GetProportion(rs, d, toAdd, added) : 0;
            sizes.Add(DeploymentUtil.Replicas(rs) + proportion);
            added += proportion;
        }

        if (active.Count > 0 && toAdd != 0)
        {
            sizes[0] = Math.Max(0, sizes[0] + toAdd - added);
        }

        return [.. active.Select((rs, i) => (rs, sizes[i], operation))];
    }

    private Task<(bool Scaled, V1ReplicaSet RS)> ScaleReplicaSetAndRecordEventAsync(V1ReplicaSet rs, int newScale, V1Deployment d, CancellationToken ct)
    {
        if (DeploymentUtil.Replicas(rs) == newScale)
        {
            return Task.FromResult((false, rs));
        }

        return ScaleReplicaSetAsync(rs, newScale, d, DeploymentUtil.Replicas(rs) < newScale ? "up" : "down", ct);
    }

    /// <summary>Sets a ReplicaSet's size and replicas annotations; true when the size changed.</summary>
    private async Task<(bool Scaled, V1ReplicaSet RS)> ScaleReplicaSetAsync(V1ReplicaSet rs, int newScale, V1Deployment d, string operation, CancellationToken ct)
    {
        var oldScale = DeploymentUtil.Replicas(rs);
        var sizeNeedsUpdate = oldScale != newScale;
        var max = DeploymentUtil.Replicas(d) + DeploymentUtil.MaxSurge(d);
        if (!sizeNeedsUpdate && !DeploymentUtil.ReplicasAnnotationsNeedUpdate(rs, DeploymentUtil.Replicas(d), max))
        {
            return (false, rs);
        }

        var copy = ObjectCopy.DeepCopy(rs);
        copy.Spec.Replicas = newScale;
        DeploymentUtil.SetReplicasAnnotations(copy, DeploymentUtil.Replicas(d), max);
        var updated = await _client.AppsV1.ReplaceNamespacedReplicaSetAsync(copy, copy.Metadata.Name, copy.Metadata.NamespaceProperty, cancellationToken: ct);
        if (sizeNeedsUpdate)
        {
            _recorder.Event(d, EventTypes.Normal, "ScalingReplicaSet", $"Scaled {operation} replica set {updated.Metadata.Name} from {oldScale} to {newScale}");
        }

        return (sizeNeedsUpdate, updated);
    }

    /// <summary>
    /// cleanupDeployment: old ReplicaSets beyond revisionHistoryLimit go, lowest revision first, but only those
    /// fully scaled down, with no pods and their latest spec observed.
    /// </summary>
    private async Task CleanupDeploymentAsync(List<V1ReplicaSet> oldRSs, V1Deployment d, CancellationToken ct)
    {
        if (!DeploymentUtil.HasRevisionHistoryLimit(d))
        {
            return;
        }

        var cleanable = oldRSs.Where(rs => rs.Metadata.DeletionTimestamp is null).ToList();
        var diff = cleanable.Count - d.Spec.RevisionHistoryLimit!.Value;
        if (diff <= 0)
        {
            return;
        }

        foreach (var rs in cleanable.Order(ReplicaSetOrder.ByRevision).Take(diff))
        {
            if ((rs.Status?.Replicas ?? 0) != 0 || DeploymentUtil.Replicas(rs) != 0
                || (rs.Metadata.Generation ?? 0) > (rs.Status?.ObservedGeneration ?? 0) || rs.Metadata.DeletionTimestamp is not null)
            {
                continue;
            }

            try
            {
                await _client.AppsV1.DeleteNamespacedReplicaSetAsync(rs.Metadata.Name, rs.Metadata.NamespaceProperty, cancellationToken: ct);
            }
            catch (Exception ex) when (ApiErrors.IsNotFound(ex))
            {
            }
        }
    }

    /// <summary>syncDeploymentStatus: writes the computed status when it differs.</summary>
    private async Task SyncDeploymentStatusAsync(List<V1ReplicaSet?> allRSs, V1ReplicaSet? newRS, V1Deployment d, CancellationToken ct)
    {
        var status = CalculateStatus(allRSs, newRS, d, Now());
        if (StatusEqual(d.Status, status))
        {
            return;
        }

        d.Status = status;
        await UpdateStatusAsync(d, ct);
    }

    /// <summary>
    /// calculateStatus: replica counts summed over the ReplicaSets, the latest generation observed, and Available true
    /// while at least replicas - maxUnavailable pods are available. Other conditions are carried over.
    /// </summary>
    internal static V1DeploymentStatus CalculateStatus(IReadOnlyList<V1ReplicaSet?> allRSs, V1ReplicaSet? newRS, V1Deployment d, DateTime now)
    {
        var available = DeploymentUtil.AvailableReplicaCount(allRSs);
        var total = DeploymentUtil.ReplicaCount(allRSs);
        var status = new V1DeploymentStatus
        {
            ObservedGeneration = d.Metadata.Generation,
            Replicas = DeploymentUtil.ActualReplicaCount(allRSs),
            UpdatedReplicas = DeploymentUtil.ActualReplicaCount([newRS]),
            ReadyReplicas = DeploymentUtil.ReadyReplicaCount(allRSs),
            AvailableReplicas = available,

            // More available than wanted (a scale-down in progress) is not negative unavailability.
            UnavailableReplicas = Math.Max(0, total - available),
            CollisionCount = d.Status?.CollisionCount,
            Conditions = d.Status?.Conditions is { Count: > 0 } conditions ? [.. conditions] : null,
        };

        if (available >= DeploymentUtil.Replicas(d) - DeploymentUtil.MaxUnavailable(d))
        {
            DeploymentUtil.SetCondition(status, DeploymentUtil.NewCondition(
                DeploymentUtil.Available, "True", DeploymentUtil.MinimumReplicasAvailable, "Deployment has minimum availability.", now));
        }
        else
        {
            DeploymentUtil.SetCondition(status, DeploymentUtil.NewCondition(
                DeploymentUtil.Available, "False", DeploymentUtil.MinimumReplicasUnavailable, "Deployment does not have minimum availability.", now));
        }

        return status;
    }

    /// <summary>Status equality as reflect.DeepEqual sees it after a round trip: absent counts are zero.</summary>
    internal static bool StatusEqual(V1DeploymentStatus? a, V1DeploymentStatus? b)
    {
        a ??= new V1DeploymentStatus();
        b ??= new V1DeploymentStatus();
        if ((a.ObservedGeneration ?? 0) != (b.ObservedGeneration ?? 0) || (a.Replicas ?? 0) != (b.Replicas ?? 0)
            || (a.UpdatedReplicas ?? 0) != (b.UpdatedReplicas ?? 0) || (a.ReadyReplicas ?? 0) != (b.ReadyReplicas ?? 0)
            || (a.AvailableReplicas ?? 0) != (b.AvailableReplicas ?? 0) || (a.UnavailableReplicas ?? 0) != (b.UnavailableReplicas ?? 0)
            || a.CollisionCount != b.CollisionCount || (a.Conditions?.Count ?? 0) != (b.Conditions?.Count ?? 0))
        {
            return false;
        }

        for (var i = 0; i < (a.Conditions?.Count ?? 0); i++)
        {
            var (x, y) = (a.Conditions![i], b.Conditions![i]);
            if (x.Type != y.Type || x.Status != y.Status || x.Reason != y.Reason || x.Message != y.Message
                || x.LastUpdateTime?.ToUniversalTime() != y.LastUpdateTime?.ToUniversalTime()
                || x.LastTransitionTime?.ToUniversalTime() != y.LastTransitionTime?.ToUniversalTime())
            {
                return false;
            }
        }

        return true;
    }

    [Microsoft.Extensions.Logging.LoggerMessage(EventId = 4252, Level = Microsoft.Extensions.Logging.LogLevel.Information,
        Message = "Found a hash collision for deployment {Key}: bumping collisionCount ({Old}->{New}) to resolve it")]
    private partial void LogHashCollision(string key, int old, int @new);
}
