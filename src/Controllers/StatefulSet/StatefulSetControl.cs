using k8s;
using k8s.Models;
using KubeNet.ApiMachinery.Selectors;
using KubeNet.Controllers.History;
using KubeNet.Controllers.Workloads;

namespace KubeNet.Controllers.StatefulSet;

/// <summary>
/// stateful_set_control.go: brings a StatefulSet's pods to its spec. OrderedReady creates pods in ordinal order, each
/// only once its predecessors are Running and Ready, and removes them in reverse order; Parallel creates and removes
/// eagerly. Template changes become ControllerRevisions; RollingUpdate replaces pods from the highest ordinal down to
/// the partition, OnDelete waits for pods to be deleted.
/// </summary>
internal sealed class StatefulSetControl(IKubernetes client, StatefulPodControl podControl, ControllerHistory history, TimeProvider time)
{
    /// <summary>MaxBatchSize: in Parallel mode at most this many pods are created or deleted at once.</summary>
    private const int MaxBatchSize = 500;

    public List<V1ControllerRevision> ListRevisions(V1StatefulSet set)
    {
        if (!LabelSelector.TryFromLabelSelector(set.Spec.Selector, out var selector, out var error))
        {
            throw new FormatException(error);
        }

        return history.List(set.Metadata, selector);
    }

    /// <summary>UpdateStatefulSet: one reconcile, followed by history truncation even if it failed.</summary>
    public async Task<V1StatefulSetStatus?> UpdateAsync(V1StatefulSet set, List<V1Pod> pods, CancellationToken ct)
    {
        set = Objects.DeepCopy(set);
        var revisions = Revisions.Sorted(ListRevisions(set));
        V1ControllerRevision? current = null, update = null;
        try
        {
            (current, update, var collisionCount) = await GetRevisionsAsync(set, revisions, ct);
            var status = await UpdatePodsAsync(set, current, update, collisionCount, pods, ct);
            if (status.Status is not null)
            {
                await UpdateStatusAsync(set, status.Status, ct);
            }

            if (status.Error is not null)
            {
                throw status.Error;
            }

            await TruncateHistoryAsync(set, pods, revisions, current, update, ct);
            return status.Status;
        }
        catch (Exception ex) when (ApiErrors.IsTransient(ex) || ex is InvalidOperationException)
        {
            try
            {
                await TruncateHistoryAsync(set, pods, revisions, current, update, ct);
            }
            catch (Exception truncate) when (ApiErrors.IsTransient(truncate))
            {
                throw new AggregateException(ex, truncate);
            }

            throw;
        }
    }

    /// <summary>
    /// getStatefulSetRevisions: the update revision is the set's template (an identical older revision is reused with a
    /// new number, which is how a rollback looks); the current revision is status.currentRevision, or the update
    /// revision when there is none yet.
    /// </summary>
    private async Task<(V1ControllerRevision Current, V1ControllerRevision Update, int CollisionCount)> GetRevisionsAsync(
        V1StatefulSet set, List<V1ControllerRevision> revisions, CancellationToken ct)
    {
        var collisionCount = new Ref<int>(set.Status?.CollisionCount ?? 0);
        var update = StatefulPods.NewRevision(set, StatefulPods.NextRevision(revisions), collisionCount.Value);
        var equal = Revisions.FindEqual(revisions, update);
        if (equal.Count > 0 && Revisions.Equal(revisions[^1], equal[^1]))
        {
            update = revisions[^1];
        }
        else if (equal.Count > 0)
        {
            update = await history.UpdateRevisionAsync(equal[^1], update.Revision ?? 0, ct);
        }
        else
        {
            update = await history.CreateAsync(set.Metadata, update, collisionCount, ct);
        }

        var current = revisions.FirstOrDefault(r => r.Metadata.Name == set.Status?.CurrentRevision) ?? update;
        return (current, update, collisionCount.Value);
    }

    private static void CountReplicas(V1StatefulSetStatus status, int minReadySeconds, string current, string update, DateTime now, params IEnumerable<V1Pod?>[] lists)
    {
        int replicas = 0, ready = 0, available = 0, currentReplicas = 0, updated = 0;
        foreach (var pod in lists.SelectMany(l => l))
        {
            if (pod is null)
            {
                continue;
            }

            if (StatefulPods.IsCreated(pod))
            {
                replicas++;
            }

            if (StatefulPods.IsRunningAndReady(pod))
            {
                ready++;
                if (StatefulPods.IsRunningAndAvailable(pod, minReadySeconds, now))
                {
                    available++;
                }
            }

            if (StatefulPods.IsCreated(pod) && !StatefulPods.IsTerminating(pod))
            {
                var revision = StatefulPods.Revision(pod);
                if (revision == current)
                {
                    currentReplicas++;
                }

                if (revision == update)
                {
                    updated++;
                }
            }
        }

        status.Replicas = replicas;
        status.ReadyReplicas = ready;
        status.AvailableReplicas = available;
        status.CurrentReplicas = currentReplicas;
        status.UpdatedReplicas = updated;
    }

    /// <summary>updateStatefulSet: returns the status to record, and the error that stopped progress, if any.</summary>
    private async Task<(V1StatefulSetStatus? Status, Exception? Error)> UpdatePodsAsync(V1StatefulSet set, V1ControllerRevision currentRevision,
        V1ControllerRevision updateRevision, int collisionCount, List<V1Pod> pods, CancellationToken ct)
    {
        var currentSet = StatefulPods.ApplyRevision(set, currentRevision);
        var updateSet = StatefulPods.ApplyRevision(set, updateRevision);
        var now = time.GetUtcNow().UtcDateTime;
        var minReady = set.Spec.MinReadySeconds ?? 0;
        var current = currentRevision.Metadata.Name;
        var update = updateRevision.Metadata.Name;
        var status = new V1StatefulSetStatus
        {
            ObservedGeneration = set.Metadata.Generation,
            CurrentRevision = current,
            UpdateRevision = update,
            CollisionCount = collisionCount,
        };
        CountReplicas(status, minReady, current, update, now, pods);

        var replicaCount = set.Spec.Replicas ?? 1;
        var start = StatefulPods.StartOrdinal(set);
        var replicas = new V1Pod?[replicaCount];
        var condemned = new List<V1Pod>();
        foreach (var pod in pods)
        {
            if (StatefulPods.InOrdinalRange(pod, set))
            {
                replicas[StatefulPods.Ordinal(pod) - start] = pod;
            }
            else if (StatefulPods.Ordinal(pod) >= 0)
            {
                condemned.Add(pod);
            }
        }

        for (var i = 0; i < replicaCount; i++)
        {
            replicas[i] ??= StatefulPods.NewVersionedPod(currentSet, updateSet, current, update, start + i);
        }

        condemned.Sort((a, b) => StatefulPods.Ordinal(b).CompareTo(StatefulPods.Ordinal(a)));
        V1Pod? firstUnavailable = replicas.FirstOrDefault(p => StatefulPods.IsUnavailable(p!, minReady, now))
            ?? condemned.LastOrDefault(p => StatefulPods.IsUnavailable(p, minReady, now));

        if (set.Metadata.DeletionTimestamp is not null)
        {
            return (status, null);
        }

        var monotonic = !StatefulPods.AllowsBurst(set);
        var replicaList = replicas.Select(p => p!).ToList();
        (V1StatefulSetStatus, Exception?) Recount(Exception? error)
        {
            CountReplicas(status, minReady, current, update, now, replicaList, condemned);
            return (status, error);
        }

        try
        {
            if (await RunForAllAsync(replicaList.Count, i => ProcessReplicaAsync(set, updateSet, monotonic, replicaList, i, now, ct), monotonic))
            {
                return Recount(null);
            }

            if (await RunForAllAsync(condemned.Count, async i =>
            {
                if (!podControl.ClaimsMatchRetentionPolicy(updateSet, condemned[i]))
                {
                    await podControl.UpdateClaimsForRetentionPolicyAsync(updateSet, condemned[i], ct);
                }

                return false;
            }, monotonic))
            {
                return Recount(null);
            }

            // In OrderedReady mode every current replica is Running, Ready and available here; only now may pods go,
            // highest ordinal first. Scaling takes precedence over updates.
            if (await RunForAllAsync(condemned.Count, i => ProcessCondemnedAsync(set, firstUnavailable, monotonic, condemned, i, now, ct), monotonic))
            {
                return Recount(null);
            }
        }
        catch (Exception ex) when (ApiErrors.IsTransient(ex) || ex is InvalidOperationException or AggregateException)
        {
            return Recount(ex);
        }

        Recount(null);
        if (set.Spec.UpdateStrategy?.Type == "OnDelete")
        {
            return (status, null);
        }

        // RollingUpdate: replace the pod with the highest ordinal not at the update revision, down to the partition.
        var updateMin = set.Spec.UpdateStrategy?.RollingUpdate?.Partition ?? 0;
        for (var target = replicaList.Count - 1; target >= updateMin; target--)
        {
            var pod = replicaList[target];
            if (StatefulPods.Revision(pod) != update && !StatefulPods.IsTerminating(pod))
            {
                try
                {
                    await podControl.DeletePodAsync(set, pod, ct);
                }
                catch (Exception ex) when (ApiErrors.IsNotFound(ex))
                {
                }
                catch (Exception ex) when (ApiErrors.IsTransient(ex))
                {
                    status.CurrentReplicas--;
                    return (status, ex);
                }

                status.CurrentReplicas--;
                return (status, null);
            }

            if (StatefulPods.IsUnavailable(pod, minReady, now))
            {
                return (status, null);
            }
        }

        return (status, null);
    }

    /// <summary>runForAll: in order, stopping at the first blocked pod; or in slow-start batches when bursting.</summary>
    private static async Task<bool> RunForAllAsync(int count, Func<int, Task<bool>> process, bool monotonic)
    {
        if (monotonic)
        {
            for (var i = 0; i < count; i++)
            {
                if (await process(i))
                {
                    return true;
                }
            }

            return false;
        }

        var next = 0;
        for (var batch = Math.Min(count, 1); batch > 0; batch = Math.Min(Math.Min(2 * batch, count - next), MaxBatchSize))
        {
            var indexes = Enumerable.Range(next, batch).ToList();
            next += batch;
            var results = await Task.WhenAll(indexes.Select(async i =>
            {
                try
                {
                    await process(i);
                    return (Exception?)null;
                }
                catch (Exception ex) when (ApiErrors.IsTransient(ex) || ex is InvalidOperationException)
                {
                    return ex;
                }
            }));
            var errors = results.OfType<Exception>().ToList();
            if (errors.Count > 0)
            {
                throw errors.Count == 1 ? errors[0] : new AggregateException(errors);
            }
        }

        return false;
    }

    /// <summary>processReplica: true when, in OrderedReady mode, nothing further may happen this sync.</summary>
    private async Task<bool> ProcessReplicaAsync(V1StatefulSet set, V1StatefulSet updateSet, bool monotonic, List<V1Pod> replicas, int i, DateTime now, CancellationToken ct)
    {
        var pod = replicas[i];

        // A finished pod (failed, or evicted and stopped) is deleted; its replacement comes on a later sync.
        if (StatefulPods.IsFailed(pod) || StatefulPods.IsSucceeded(pod))
        {
            if (pod.Metadata.DeletionTimestamp is null)
            {
                await podControl.DeletePodAsync(set, pod, ct);
            }

            return true;
        }

        if (!StatefulPods.IsCreated(pod))
        {
            if (podControl.PodClaimIsStale(set, pod))
            {
                // A claim of an earlier pod with this name is still being cleaned up.
                return true;
            }

            await podControl.CreatePodAsync(set, pod, ct);
            if (monotonic)
            {
                return true;
            }
        }

        if (StatefulPods.IsPending(pod))
        {
            await podControl.CreateMissingClaimsAsync(set, pod, ct);
        }

        if (StatefulPods.IsTerminating(pod) && monotonic)
        {
            return true;
        }

        if (!StatefulPods.IsRunningAndReady(pod) && monotonic)
        {
            return true;
        }

        if (!StatefulPods.IsRunningAndAvailable(pod, set.Spec.MinReadySeconds ?? 0, now) && monotonic)
        {
            return true;
        }

        if (!StatefulPods.IsCreated(pod))
        {
            return false;
        }

        var retentionMatch = podControl.ClaimsMatchRetentionPolicy(updateSet, pod);
        if (StatefulPods.IdentityMatches(set, pod) && StatefulPods.StorageMatches(set, pod) && retentionMatch)
        {
            return false;
        }

        await podControl.UpdatePodAsync(updateSet, Objects.DeepCopy(pod), ct);
        return false;
    }

    /// <summary>processCondemned: in OrderedReady mode a pod goes only when all others are healthy (or it is the unhealthy one).</summary>
    private async Task<bool> ProcessCondemnedAsync(V1StatefulSet set, V1Pod? firstUnavailable, bool monotonic, List<V1Pod> condemned, int i, DateTime now, CancellationToken ct)
    {
        var pod = condemned[i];
        if (StatefulPods.IsTerminating(pod))
        {
            return monotonic;
        }

        if (!StatefulPods.IsRunningAndReady(pod) && monotonic && pod != firstUnavailable)
        {
            return true;
        }

        if (!StatefulPods.IsRunningAndAvailable(pod, set.Spec.MinReadySeconds ?? 0, now) && monotonic && pod != firstUnavailable)
        {
            return true;
        }

        await podControl.DeletePodAsync(set, pod, ct);
        return true;
    }

    /// <summary>
    /// updateStatefulSetStatus: a finished rolling update makes the update revision current; the status is written
    /// only when it differs.
    /// </summary>
    private async Task UpdateStatusAsync(V1StatefulSet set, V1StatefulSetStatus status, CancellationToken ct)
    {
        var replicas = set.Spec.Replicas ?? 1;
        if (set.Spec.UpdateStrategy?.Type == "RollingUpdate" && status.UpdatedReplicas == replicas && status.ReadyReplicas == replicas
            && status.Replicas == replicas)
        {
            status.CurrentReplicas = status.UpdatedReplicas;
            status.CurrentRevision = status.UpdateRevision;
        }

        if (StatefulPods.SameStatus(set.Status, status))
        {
            return;
        }

        var copy = Objects.DeepCopy(set);
        for (var attempt = 0; ; attempt++)
        {
            // Conditions belong to whoever wrote them; the controller owns the counters and revisions.
            status.Conditions = copy.Status?.Conditions;
            copy.Status = Shape(status);
            copy.ApiVersion = StatefulSetController.ApiVersion;
            copy.Kind = StatefulSetController.Kind;
            try
            {
                await client.AppsV1.ReplaceNamespacedStatefulSetStatusAsync(copy, copy.Metadata.Name, copy.Metadata.NamespaceProperty, cancellationToken: ct);
                return;
            }
            catch (Exception ex) when (ApiErrors.IsConflict(ex) && attempt < 5)
            {
                copy = await client.AppsV1.ReadNamespacedStatefulSetAsync(copy.Metadata.Name, copy.Metadata.NamespaceProperty, cancellationToken: ct);
            }
        }
    }

    // Go omits zero counters (omitempty) except replicas and availableReplicas.
    private static V1StatefulSetStatus Shape(V1StatefulSetStatus status)
    {
        status.ReadyReplicas = status.ReadyReplicas is 0 ? null : status.ReadyReplicas;
        status.CurrentReplicas = status.CurrentReplicas is 0 ? null : status.CurrentReplicas;
        status.UpdatedReplicas = status.UpdatedReplicas is 0 ? null : status.UpdatedReplicas;
        return status;
    }

    /// <summary>
    /// truncateHistory: revisions neither current, updating, nor used by a pod are deleted oldest first until at most
    /// revisionHistoryLimit remain.
    /// </summary>
    private async Task TruncateHistoryAsync(V1StatefulSet set, List<V1Pod> pods, List<V1ControllerRevision> revisions,
        V1ControllerRevision? current, V1ControllerRevision? update, CancellationToken ct)
    {
        var live = new HashSet<string>(StringComparer.Ordinal);
        if (current is not null)
        {
            live.Add(current.Metadata.Name);
        }

        if (update is not null)
        {
            live.Add(update.Metadata.Name);
        }

        foreach (var pod in pods)
        {
            live.Add(StatefulPods.Revision(pod));
        }

        var old = revisions.Where(r => !live.Contains(r.Metadata.Name)).ToList();
        var limit = set.Spec.RevisionHistoryLimit ?? 10;
        if (limit < 0 || old.Count <= limit)
        {
            return;
        }

        foreach (var revision in old.Take(old.Count - limit))
        {
            try
            {
                await history.DeleteAsync(revision, ct);
            }
            catch (Exception ex) when (ApiErrors.IsNotFound(ex))
            {
            }
        }
    }
}
