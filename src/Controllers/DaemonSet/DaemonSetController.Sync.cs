using System.Globalization;
using k8s;
using k8s.Models;
using KubeNet.ApiMachinery.Selectors;
using KubeNet.Client;
using KubeNet.Controllers.Workloads;

namespace KubeNet.Controllers.DaemonSet;

public sealed partial class DaemonSetController
{
    /// <summary>syncDaemonSet: revisions first, then pods per node (when expectations allow), then the rollout, then status.</summary>
    internal async Task<TimeSpan?> SyncAsync(string key, CancellationToken ct)
    {
        var shared = _sets.Lister.Get(key);
        if (shared is null)
        {
            _expectations.DeleteExpectations(key);
            return null;
        }

        var ds = Objects.DeepCopy(shared);
        ds.ApiVersion = ApiVersion;
        ds.Kind = Kind;
        var nodes = _nodes.Lister.List().ToList();
        if (ds.Spec?.Selector is { } everything && (everything.MatchLabels?.Count ?? 0) + (everything.MatchExpressions?.Count ?? 0) == 0)
        {
            _recorder.Event(ds, EventTypes.Warning, "SelectingAll", "This daemon set is selecting all pods. A non-empty selector is required.");
            return null;
        }

        // While being deleted, its revisions may already be gone: its status cannot be computed reliably.
        if (ds.Metadata.DeletionTimestamp is not null)
        {
            return null;
        }

        var (current, old) = await ConstructHistoryAsync(ds, ct);
        var hash = current.Metadata.Labels?.TryGetValue(History.Revisions.PodRevisionLabel, out var h) == true ? h : string.Empty;
        if (!_expectations.SatisfiedExpectations(key))
        {
            // Only status: this generation was not processed, so observedGeneration stays.
            return await UpdateStatusAsync(ds, nodes, hash, updateObservedGeneration: false, ct);
        }

        Exception? error = null;
        try
        {
            await ManageAsync(ds, nodes, hash, ct);
            if (_expectations.SatisfiedExpectations(key) && ds.Spec!.UpdateStrategy?.Type == "RollingUpdate")
            {
                await RollingUpdateAsync(ds, nodes, hash, ct);
            }

            await CleanupHistoryAsync(ds, old, ct);
        }
        catch (Exception ex) when (ApiErrors.IsTransient(ex) || ex is InvalidOperationException or AggregateException)
        {
            error = ex;
        }

        var requeue = await UpdateStatusAsync(ds, nodes, hash, updateObservedGeneration: true, ct);
        if (error is not null)
        {
            throw error;
        }

        return requeue;
    }

    private async Task<V1ObjectMeta> RecheckAsync(V1DaemonSet ds, CancellationToken ct)
    {
        var fresh = await _client.AppsV1.ReadNamespacedDaemonSetAsync(ds.Metadata.Name, ds.Metadata.NamespaceProperty, cancellationToken: ct);
        if (fresh.Metadata.Uid != ds.Metadata.Uid)
        {
            throw new InvalidOperationException($"original DaemonSet {ds.Metadata.NamespaceProperty}/{ds.Metadata.Name} is gone: got uid {fresh.Metadata.Uid}, wanted {ds.Metadata.Uid}");
        }

        return fresh.Metadata;
    }

    private static LabelSelector Selector(V1DaemonSet ds) =>
        LabelSelector.TryFromLabelSelector(ds.Spec.Selector, out var selector, out var error) ? selector : throw new FormatException(error);

    /// <summary>getDaemonPods: the namespace's pods claimed by the DaemonSet.</summary>
    private Task<List<V1Pod>> DaemonPodsAsync(V1DaemonSet ds, CancellationToken ct)
    {
        var manager = new ControllerRefManager<V1Pod>(ds.Metadata, ApiVersion, Kind, Selector(ds),
            token => RecheckAsync(ds, token),
            (name, patch, token) => _podControl.PatchPodAsync(ds.Metadata.NamespaceProperty, name, patch, token));
        return manager.ClaimAsync(_pods.Lister.List(ds.Metadata.NamespaceProperty), null, ct);
    }

    /// <summary>getNodesToDaemonPods: claimed pods by target node; finished pods being deleted are left out unless asked for.</summary>
    private async Task<Dictionary<string, List<V1Pod>>> NodesToDaemonPodsAsync(V1DaemonSet ds, bool includeDeletedTerminal, CancellationToken ct)
    {
        var result = new Dictionary<string, List<V1Pod>>(StringComparer.Ordinal);
        foreach (var pod in await DaemonPodsAsync(ds, ct))
        {
            if (!includeDeletedTerminal && Pods.IsTerminal(pod) && pod.Metadata.DeletionTimestamp is not null)
            {
                continue;
            }

            if (DaemonPods.TargetNodeName(pod) is not { } node)
            {
                continue;
            }

            if (!result.TryGetValue(node, out var list))
            {
                list = [];
                result[node] = list;
            }

            list.Add(pod);
        }

        return result;
    }

    /// <summary>manage: creates pods on nodes that should run one and deletes those that should not (or have failed).</summary>
    private async Task ManageAsync(V1DaemonSet ds, List<V1Node> nodes, string hash, CancellationToken ct)
    {
        var nodeToPods = await NodesToDaemonPodsAsync(ds, includeDeletedTerminal: false, ct);
        var nodesNeeding = new List<string>();
        var toDelete = new List<string>();
        foreach (var node in nodes)
        {
            var (needing, delete) = PodsShouldBeOnNode(node, nodeToPods, ds, hash);
            nodesNeeding.AddRange(needing);
            toDelete.AddRange(delete);
        }

        // Unscheduled pods aimed at nodes that no longer exist are never bound, so the pod GC would not remove them.
        var existing = nodes.Select(n => n.Metadata.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var (node, pods) in nodeToPods)
        {
            if (!existing.Contains(node))
            {
                toDelete.AddRange(pods.Where(p => string.IsNullOrEmpty(p.Spec?.NodeName)).Select(p => p.Metadata.Name));
            }
        }

        await SyncNodesAsync(ds, toDelete, nodesNeeding, hash, ct);
    }

    /// <summary>podsShouldBeOnNode: the nodes needing a pod and the pods to delete, for one node.</summary>
    private (List<string> NodesNeeding, List<string> PodsToDelete) PodsShouldBeOnNode(V1Node node, Dictionary<string, List<V1Pod>> nodeToPods, V1DaemonSet ds, string hash)
    {
        var needing = new List<string>();
        var delete = new List<string>();
        var (shouldRun, shouldContinue) = NodeEligibility.ShouldRunDaemonPod(node, ds);
        var exists = nodeToPods.TryGetValue(node.Metadata.Name, out var daemonPods);
        var nodeName = node.Metadata.Name;
        if (shouldRun && !exists)
        {
            needing.Add(nodeName);
        }
        else if (shouldContinue)
        {
            var running = new List<V1Pod>();
            foreach (var pod in daemonPods ?? [])
            {
                if (pod.Metadata.DeletionTimestamp is not null)
                {
                    continue;
                }

                if (pod.Status?.Phase == "Failed")
                {
                    // The kubelet may keep rejecting the pod: back off instead of fighting it in a hot loop.
                    var backoffKey = $"{ds.Metadata.Uid}/{(ds.Status?.ObservedGeneration ?? 0).ToString(CultureInfo.InvariantCulture)}/{nodeName}";
                    var now = _time.GetUtcNow().UtcDateTime;
                    if (_failedPodsBackoff.IsInBackOffSinceUpdate(backoffKey, now))
                    {
                        _queue.AddAfter(Key(ds.Metadata), _failedPodsBackoff.Get(backoffKey));
                        continue;
                    }

                    _failedPodsBackoff.Next(backoffKey, now);
                    LogFailedPod(pod.Metadata.Name, nodeName);
                    _recorder.Event(ds, EventTypes.Warning, "FailedDaemonPod",
                        $"Found failed daemon pod {pod.Metadata.NamespaceProperty}/{pod.Metadata.Name} on node {nodeName}, will try to kill it");
                    delete.Add(pod.Metadata.Name);
                }
                else if (pod.Status?.Phase == "Succeeded")
                {
                    _recorder.Event(ds, EventTypes.Normal, "SucceededDaemonPod",
                        $"Found succeeded daemon pod {pod.Metadata.NamespaceProperty}/{pod.Metadata.Name} on node {nodeName}, will try to delete it");
                    delete.Add(pod.Metadata.Name);
                }
                else
                {
                    running.Add(pod);
                }
            }

            running.Sort(DaemonPods.ByCreationTimestampAndPhase);
            if (!DaemonPods.AllowsSurge(ds))
            {
                // Without surge one pod per node: all but the oldest go.
                delete.AddRange(running.Skip(1).Select(p => p.Metadata.Name));
            }
            else if (running.Count <= 1)
            {
                if (running.Count == 0 && shouldRun)
                {
                    needing.Add(nodeName);
                }
            }
            else
            {
                // Surging: an old and a new pod may coexist until the new one is available (or the old one unready).
                V1Pod? oldestNew = null, oldestOld = null;
                foreach (var pod in running)
                {
                    var isNew = pod.Metadata.Labels?.TryGetValue(History.Revisions.PodRevisionLabel, out var podHash) == true && podHash == hash;
                    if (isNew && oldestNew is null)
                    {
                        oldestNew = pod;
                    }
                    else if (!isNew && oldestOld is null)
                    {
                        oldestOld = pod;
                    }
                    else
                    {
                        delete.Add(pod.Metadata.Name);
                    }
                }

                if (oldestNew is not null && oldestOld is not null
                    && (!Pods.IsReady(oldestOld) || Pods.IsAvailable(oldestNew, ds.Spec.MinReadySeconds ?? 0, _time.GetUtcNow().UtcDateTime)))
                {
                    delete.Add(oldestOld.Metadata.Name);
                }
            }
        }
        else if (exists)
        {
            delete.AddRange((daemonPods ?? []).Where(p => p.Metadata.DeletionTimestamp is null).Select(p => p.Metadata.Name));
        }

        return (needing, delete);
    }

    /// <summary>syncNodes: deletes pods and creates pods pinned to nodes, slow-starting creations, within the burst limit.</summary>
    private async Task SyncNodesAsync(V1DaemonSet ds, List<string> podsToDelete, List<string> nodesNeeding, string hash, CancellationToken ct)
    {
        var key = Key(ds.Metadata);
        var createDiff = Math.Min(nodesNeeding.Count, BurstReplicas);
        var deleteDiff = Math.Min(podsToDelete.Count, BurstReplicas);
        _expectations.SetExpectations(key, createDiff, deleteDiff);
        var errors = new List<Exception>();
        var template = DaemonPods.PodTemplate(ds.Spec.Template, DaemonPods.TemplateGeneration(ds), hash);
        var controllerRef = Objects.NewControllerRef(ds.Metadata, ApiVersion, Kind);
        var position = 0;
        for (var batch = Math.Min(createDiff, PodControl.SlowStartInitialBatchSize); position < createDiff;
            position += batch, batch = Math.Min(2 * batch, createDiff - position))
        {
            var errorsBefore = errors.Count;
            await Task.WhenAll(Enumerable.Range(position, batch).Select(async i =>
            {
                var podTemplate = Objects.DeepCopy(template);

                // Safe to replace: the node was already checked against the template's own affinity.
                podTemplate.Spec.Affinity = DaemonPods.PinToNode(podTemplate.Spec.Affinity, nodesNeeding[i]);
                var pod = PodControl.PodFromTemplate(podTemplate, ds.Metadata, controllerRef);
                try
                {
                    await _podControl.CreatePodAsync(ds.Metadata.NamespaceProperty, pod, ds, ct);
                }
                catch (Exception ex) when (ApiErrors.HasStatusCause(ex, "NamespaceTerminating"))
                {
                }
                catch (Exception ex) when (ApiErrors.IsTransient(ex) || ex is InvalidOperationException)
                {
                    _expectations.CreationObserved(key);
                    lock (errors)
                    {
                        errors.Add(ex);
                    }
                }
            }));
            var skipped = createDiff - (batch + position);
            if (errors.Count > errorsBefore && skipped > 0)
            {
                _expectations.LowerExpectations(key, skipped, 0);
                break;
            }
        }

        await Task.WhenAll(podsToDelete.Take(deleteDiff).Select(async name =>
        {
            try
            {
                await _podControl.DeletePodAsync(ds.Metadata.NamespaceProperty, name, ds, ct);
            }
            catch (Exception ex) when (ApiErrors.IsTransient(ex))
            {
                _expectations.DeletionObserved(key);
                if (!ApiErrors.IsNotFound(ex))
                {
                    lock (errors)
                    {
                        errors.Add(ex);
                    }
                }
            }
        }));

        if (errors.Count > 0)
        {
            throw errors.Count == 1 ? errors[0] : new AggregateException(errors);
        }
    }

    /// <summary>updateDaemonSetStatus: desired, current, ready, available, updated and misscheduled counts per node.</summary>
    private async Task<TimeSpan?> UpdateStatusAsync(V1DaemonSet ds, List<V1Node> nodes, string hash, bool updateObservedGeneration, CancellationToken ct)
    {
        var nodeToPods = await NodesToDaemonPodsAsync(ds, includeDeletedTerminal: false, ct);
        var now = _time.GetUtcNow().UtcDateTime;
        var generation = DaemonPods.TemplateGeneration(ds);
        int desired = 0, current = 0, misscheduled = 0, ready = 0, updated = 0, available = 0;
        foreach (var node in nodes)
        {
            var shouldRun = NodeEligibility.ShouldRunDaemonPod(node, ds).ShouldRun;
            var scheduled = nodeToPods.TryGetValue(node.Metadata.Name, out var pods) && pods.Count > 0;
            if (!shouldRun)
            {
                if (scheduled)
                {
                    misscheduled++;
                }

                continue;
            }

            desired++;
            if (!scheduled)
            {
                continue;
            }

            current++;
            pods!.Sort(DaemonPods.ByCreationTimestampAndPhase);
            var pod = pods[0];
            if (Pods.IsReady(pod))
            {
                ready++;
                if (Pods.IsAvailable(pod, ds.Spec.MinReadySeconds ?? 0, now))
                {
                    available++;
                }
            }

            if (DaemonPods.IsUpdated(pod, hash, generation))
            {
                updated++;
            }
        }

        var unavailable = desired - available;
        var status = ds.Status ?? new V1DaemonSetStatus();
        if (status.DesiredNumberScheduled == desired && status.CurrentNumberScheduled == current && status.NumberMisscheduled == misscheduled
            && status.NumberReady == ready && (status.UpdatedNumberScheduled ?? 0) == updated && (status.NumberAvailable ?? 0) == available
            && (status.NumberUnavailable ?? 0) == unavailable && (status.ObservedGeneration ?? 0) >= (ds.Metadata.Generation ?? 0))
        {
            return ReadyRequeue(ds, ready, available);
        }

        var copy = Objects.DeepCopy(ds);
        for (var attempt = 0; ; attempt++)
        {
            copy.Status ??= new V1DaemonSetStatus();
            if (updateObservedGeneration)
            {
                copy.Status.ObservedGeneration = ds.Metadata.Generation;
            }

            copy.Status.DesiredNumberScheduled = desired;
            copy.Status.CurrentNumberScheduled = current;
            copy.Status.NumberMisscheduled = misscheduled;
            copy.Status.NumberReady = ready;
            copy.Status.UpdatedNumberScheduled = updated == 0 ? null : updated;
            copy.Status.NumberAvailable = available == 0 ? null : available;
            copy.Status.NumberUnavailable = unavailable == 0 ? null : unavailable;
            copy.ApiVersion = ApiVersion;
            copy.Kind = Kind;
            try
            {
                await _client.AppsV1.ReplaceNamespacedDaemonSetStatusAsync(copy, copy.Metadata.Name, copy.Metadata.NamespaceProperty, cancellationToken: ct);
                break;
            }
            catch (Exception ex) when (ApiErrors.IsConflict(ex) && attempt < 10)
            {
                copy = await _client.AppsV1.ReadNamespacedDaemonSetAsync(ds.Metadata.Name, ds.Metadata.NamespaceProperty, cancellationToken: ct);
            }
        }

        return ReadyRequeue(ds, ready, available);
    }

    // Resync after minReadySeconds as a last defence against clock skew.
    private static TimeSpan? ReadyRequeue(V1DaemonSet ds, int ready, int available) =>
        ds.Spec.MinReadySeconds is > 0 and var seconds && ready != available ? TimeSpan.FromSeconds(seconds) : null;
}
