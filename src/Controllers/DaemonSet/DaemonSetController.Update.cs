using System.Text.Json;
using k8s;
using k8s.Models;
using KubeNet.Controllers.History;
using KubeNet.Controllers.Workloads;

namespace KubeNet.Controllers.DaemonSet;

public sealed partial class DaemonSetController
{
    /// <summary>
    /// rollingUpdate: without surge, old pods are deleted while fewer than maxUnavailable new pods are unavailable
    /// (manage then creates their replacements); with surge, new pods are created beside old ones (at most maxSurge
    /// at a time) and an old pod goes once its replacement is available.
    /// </summary>
    private async Task RollingUpdateAsync(V1DaemonSet ds, List<V1Node> nodes, string hash, CancellationToken ct)
    {
        var nodeToPods = await NodesToDaemonPodsAsync(ds, includeDeletedTerminal: false, ct);
        var desired = 0;
        foreach (var node in nodes)
        {
            if (NodeEligibility.ShouldRunDaemonPod(node, ds).ShouldRun)
            {
                desired++;
                nodeToPods.TryAdd(node.Metadata.Name, []);
            }
        }

        var maxUnavailable = DaemonPods.UnavailableCount(ds, desired);
        var maxSurge = DaemonPods.SurgeCount(ds, desired);
        if (desired > 0 && maxUnavailable == 0 && maxSurge == 0)
        {
            // An impossible configuration falls back to accepting one unavailable pod.
            maxUnavailable = 1;
        }

        var now = _time.GetUtcNow().UtcDateTime;
        var minReady = ds.Spec.MinReadySeconds ?? 0;
        var generation = DaemonPods.TemplateGeneration(ds);
        if (maxSurge == 0)
        {
            var unavailable = 0;
            var allowedReplacements = new List<string>();
            var candidates = new List<string>();
            foreach (var (_, pods) in nodeToPods)
            {
                if (!FindUpdatedPodsOnNode(pods, hash, generation, out var newPod, out var oldPod))
                {
                    // The manage loop prunes excess pods first; the node counts as unavailable meanwhile.
                    unavailable++;
                    continue;
                }

                if ((oldPod is null && newPod is null) || (oldPod is not null && newPod is not null))
                {
                    unavailable++;
                }
                else if (newPod is not null)
                {
                    if (!Pods.IsAvailable(newPod, minReady, now))
                    {
                        unavailable++;
                    }
                }
                else if (!Pods.IsAvailable(oldPod!, minReady, now))
                {
                    allowedReplacements.Add(oldPod!.Metadata.Name);
                    unavailable++;
                }
                else if (unavailable < maxUnavailable)
                {
                    candidates.Add(oldPod!.Metadata.Name);
                }
            }

            var remaining = Math.Clamp(maxUnavailable - unavailable, 0, candidates.Count);
            await SyncNodesAsync(ds, [.. allowedReplacements, .. candidates.Take(remaining)], [], hash, ct);
            return;
        }

        var oldToDelete = new List<string>();
        var shouldNotRun = new List<string>();
        var candidateNodes = new List<string>();
        var allowedNodes = new List<string>();
        int surging = 0, availableCount = 0;
        foreach (var (nodeName, pods) in nodeToPods)
        {
            if (!FindUpdatedPodsOnNode(pods, hash, generation, out var newPod, out var oldPod))
            {
                surging++;
                continue;
            }

            if (oldPod is not null ? Pods.IsAvailable(oldPod, minReady, now) : newPod is not null && Pods.IsAvailable(newPod, minReady, now))
            {
                availableCount++;
            }

            if (oldPod is null)
            {
                continue;
            }

            if (newPod is null)
            {
                var node = _nodes.Lister.Get(nodeName);
                var shouldRun = node is not null && NodeEligibility.ShouldRunDaemonPod(node, ds).ShouldRun;
                if (!Pods.IsAvailable(oldPod, minReady, now))
                {
                    if (!shouldRun)
                    {
                        oldToDelete.Add(oldPod.Metadata.Name);
                        continue;
                    }

                    allowedNodes.Add(nodeName);
                }
                else if (!shouldRun)
                {
                    shouldNotRun.Add(oldPod.Metadata.Name);
                }
                else if (surging < maxSurge)
                {
                    candidateNodes.Add(nodeName);
                }

                continue;
            }

            if (!Pods.IsAvailable(newPod, minReady, now))
            {
                surging++;
                continue;
            }

            oldToDelete.Add(oldPod.Metadata.Name);
        }

        // Pods on nodes that no longer qualify go only once enough pods are available elsewhere.
        var deletable = Math.Min(availableCount - desired, shouldNotRun.Count);
        if (deletable > 0)
        {
            oldToDelete.AddRange(shouldNotRun.Take(deletable));
        }

        var remainingSurge = Math.Clamp(maxSurge - surging, 0, candidateNodes.Count);
        await SyncNodesAsync(ds, oldToDelete, [.. allowedNodes, .. candidateNodes.Take(remainingSurge)], hash, ct);
    }

    /// <summary>findUpdatedPodsOnNode: at most one new and one old live pod, or false when there are more.</summary>
    private static bool FindUpdatedPodsOnNode(List<V1Pod> pods, string hash, long? generation, out V1Pod? newPod, out V1Pod? oldPod)
    {
        newPod = null;
        oldPod = null;
        foreach (var pod in pods)
        {
            if (pod.Metadata.DeletionTimestamp is not null)
            {
                continue;
            }

            if (DaemonPods.IsUpdated(pod, hash, generation))
            {
                if (newPod is not null)
                {
                    return false;
                }

                newPod = pod;
            }
            else
            {
                if (oldPod is not null)
                {
                    return false;
                }

                oldPod = pod;
            }
        }

        return true;
    }

    /// <summary>getPatch and Match: a revision is current when it holds the DaemonSet's template.</summary>
    private static bool Matches(V1DaemonSet ds, V1ControllerRevision revision) =>
        GoJson.SameValue(GoJson.TemplatePatch(ds.Spec.Template), Revisions.Data(revision));

    /// <summary>
    /// constructHistory: the DaemonSet's revisions (claimed through its selector), the one matching its template
    /// created or renumbered to be the newest, duplicates of it removed.
    /// </summary>
    private async Task<(V1ControllerRevision Current, List<V1ControllerRevision> Old)> ConstructHistoryAsync(V1DaemonSet ds, CancellationToken ct)
    {
        var manager = new ControllerRefManager<V1ControllerRevision>(ds.Metadata, ApiVersion, Kind, Selector(ds),
            token => RecheckAsync(ds, token),
            (name, patch, token) => _client.AppsV1.PatchNamespacedControllerRevisionAsync(
                new V1Patch(patch, V1Patch.PatchType.StrategicMergePatch), name, ds.Metadata.NamespaceProperty, cancellationToken: token));
        var histories = await manager.ClaimAsync(_revisions.Lister.List(ds.Metadata.NamespaceProperty), null, ct);
        var currentHistories = new List<V1ControllerRevision>();
        var old = new List<V1ControllerRevision>();
        foreach (var original in histories)
        {
            var history = original;
            if (history.Metadata.Labels?.ContainsKey(Revisions.PodRevisionLabel) != true)
            {
                // Revisions without the hash label get their name as hash, which never collides.
                var update = Objects.DeepCopy(history);
                (update.Metadata.Labels ??= new Dictionary<string, string>())[Revisions.PodRevisionLabel] = update.Metadata.Name;
                history = await _client.AppsV1.ReplaceNamespacedControllerRevisionAsync(update, update.Metadata.Name, update.Metadata.NamespaceProperty, cancellationToken: ct);
            }

            (Matches(ds, history) ? currentHistories : old).Add(history);
        }

        var currentRevision = (old.Count == 0 ? 0 : old.Max(h => h.Revision ?? 0)) + 1;
        V1ControllerRevision current;
        if (currentHistories.Count == 0)
        {
            current = await SnapshotAsync(ds, currentRevision, ct);
        }
        else
        {
            current = await DedupCurrentAsync(ds, currentHistories, ct);
            if ((current.Revision ?? 0) < currentRevision)
            {
                var update = Objects.DeepCopy(current);
                update.Revision = currentRevision;
                current = await _client.AppsV1.ReplaceNamespacedControllerRevisionAsync(update, update.Metadata.Name, update.Metadata.NamespaceProperty, cancellationToken: ct);
            }
        }

        return (current, old);
    }

    private async Task<V1ControllerRevision> DedupCurrentAsync(V1DaemonSet ds, List<V1ControllerRevision> currentHistories, CancellationToken ct)
    {
        if (currentHistories.Count == 1)
        {
            return currentHistories[0];
        }

        var keep = currentHistories.OrderBy(h => h.Revision ?? 0).Last();
        var keepHash = keep.Metadata.Labels[Revisions.PodRevisionLabel];
        foreach (var pod in await DaemonPodsAsync(ds, ct))
        {
            if (pod.Metadata.Labels?.TryGetValue(Revisions.PodRevisionLabel, out var hash) != true || hash != keepHash)
            {
                var patch = JsonSerializer.Serialize(new { metadata = new { labels = new Dictionary<string, string> { [Revisions.PodRevisionLabel] = keepHash } } });
                await _client.CoreV1.PatchNamespacedPodAsync(new V1Patch(patch, V1Patch.PatchType.MergePatch), pod.Metadata.Name, pod.Metadata.NamespaceProperty, cancellationToken: ct);
            }
        }

        foreach (var duplicate in currentHistories.Where(h => h.Metadata.Name != keep.Metadata.Name))
        {
            await _client.AppsV1.DeleteNamespacedControllerRevisionAsync(duplicate.Metadata.Name, duplicate.Metadata.NamespaceProperty, cancellationToken: ct);
        }

        return keep;
    }

    /// <summary>snapshot: a new revision named after the template's hash; a name taken by other data bumps collisionCount.</summary>
    private async Task<V1ControllerRevision> SnapshotAsync(V1DaemonSet ds, long revision, CancellationToken ct)
    {
        var hash = DaemonPods.ComputeHash(ds.Spec.Template, ds.Status?.CollisionCount);
        var name = ds.Metadata.Name + "-" + hash;
        var labels = ds.Spec.Template?.Metadata?.Labels is { } templateLabels ? new Dictionary<string, string>(templateLabels) : new Dictionary<string, string>();
        labels[Revisions.PodRevisionLabel] = hash;
        var history = new V1ControllerRevision
        {
            ApiVersion = "apps/v1",
            Kind = "ControllerRevision",
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = ds.Metadata.NamespaceProperty,
                Labels = labels,
                Annotations = ds.Metadata.Annotations is { Count: > 0 } annotations ? new Dictionary<string, string>(annotations) : null,
                OwnerReferences = [Objects.NewControllerRef(ds.Metadata, ApiVersion, Kind)],
            },
            Data = JsonDocument.Parse(GoJson.TemplatePatch(ds.Spec.Template)).RootElement.Clone(),
            Revision = revision,
        };
        try
        {
            return await _client.AppsV1.CreateNamespacedControllerRevisionAsync(history, ds.Metadata.NamespaceProperty, cancellationToken: ct);
        }
        catch (Exception ex) when (ApiErrors.IsAlreadyExists(ex))
        {
            var existing = await _client.AppsV1.ReadNamespacedControllerRevisionAsync(name, ds.Metadata.NamespaceProperty, cancellationToken: ct);
            if (Matches(ds, existing))
            {
                return existing;
            }

            // A collision: bump collisionCount on the live DaemonSet (unless ours was stale) and retry later.
            var live = await _client.AppsV1.ReadNamespacedDaemonSetAsync(ds.Metadata.Name, ds.Metadata.NamespaceProperty, cancellationToken: ct);
            if (live.Status?.CollisionCount != ds.Status?.CollisionCount)
            {
                throw new InvalidOperationException($"found a stale collision count ({ds.Status?.CollisionCount}, expected {live.Status?.CollisionCount}) of DaemonSet \"{ds.Metadata.Name}\" while processing; will retry until it is updated");
            }

            live.Status ??= new V1DaemonSetStatus();
            live.Status.CollisionCount = (live.Status.CollisionCount ?? 0) + 1;
            await _client.AppsV1.ReplaceNamespacedDaemonSetStatusAsync(live, live.Metadata.Name, live.Metadata.NamespaceProperty, cancellationToken: ct);
            throw;
        }
    }

    /// <summary>cleanupHistory: old revisions no live pod uses, oldest first, beyond revisionHistoryLimit.</summary>
    private async Task CleanupHistoryAsync(V1DaemonSet ds, List<V1ControllerRevision> old, CancellationToken ct)
    {
        var toKill = old.Count - (ds.Spec.RevisionHistoryLimit ?? 10);
        if (toKill <= 0)
        {
            return;
        }

        var nodeToPods = await NodesToDaemonPodsAsync(ds, includeDeletedTerminal: true, ct);
        var liveHashes = nodeToPods.Values.SelectMany(p => p)
            .Select(p => p.Metadata.Labels?.TryGetValue(Revisions.PodRevisionLabel, out var hash) == true ? hash : null)
            .OfType<string>().ToHashSet(StringComparer.Ordinal);
        foreach (var history in old.OrderBy(h => h.Revision ?? 0))
        {
            if (toKill <= 0)
            {
                break;
            }

            if (history.Metadata.Labels?.TryGetValue(Revisions.PodRevisionLabel, out var hash) == true && liveHashes.Contains(hash))
            {
                continue;
            }

            await _client.AppsV1.DeleteNamespacedControllerRevisionAsync(history.Metadata.Name, history.Metadata.NamespaceProperty, cancellationToken: ct);
            toKill--;
        }
    }
}
