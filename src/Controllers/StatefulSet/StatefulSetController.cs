using k8s;
using k8s.Models;
using KubeNet.ApiMachinery.Selectors;
using KubeNet.Client;
using KubeNet.Controllers.History;
using KubeNet.Controllers.Workloads;
using Microsoft.Extensions.Logging;

namespace KubeNet.Controllers.StatefulSet;

/// <summary>
/// The StatefulSet controller (pkg/controller/statefulset): pods with stable names (web-0, web-1...) and their own
/// PersistentVolumeClaims, created and removed in order, updated revision by revision. Informer handlers enqueue set
/// keys; <see cref="StatefulSetControl"/> does the work.
/// </summary>
public sealed partial class StatefulSetController : IController
{
    internal const string ApiVersion = "apps/v1";
    internal const string Kind = "StatefulSet";

    private readonly IKubernetes _client;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly SharedInformer<V1StatefulSet> _sets;
    private readonly SharedInformer<V1Pod> _pods;
    private readonly ControllerHistory _history;
    private readonly StatefulSetControl _control;
    private readonly StatefulPodControl _podControl;
    private readonly EventRecorder _recorder;
    private readonly WorkQueue<string> _queue = new();
    private readonly Workers _workers;
    private readonly int _workerCount;

    public StatefulSetController(SharedInformerFactory informers, ILogger logger, int workers = 5, TimeProvider? timeProvider = null)
    {
        _client = informers.Client;
        _logger = logger;
        _time = timeProvider ?? TimeProvider.System;
        _workerCount = workers;
        _recorder = new EventRecorder(_client, "statefulset-controller", logger: logger);
        _sets = informers.GetInformer<V1StatefulSet>();
        _pods = informers.GetInformer<V1Pod>();
        var revisions = informers.GetInformer<V1ControllerRevision>();
        var claims = informers.GetInformer<V1PersistentVolumeClaim>();
        _history = new ControllerHistory(_client, revisions.Lister);
        _podControl = new StatefulPodControl(_client, claims.Lister, _recorder);
        _control = new StatefulSetControl(_client, _podControl, _history, _time);
        _workers = new Workers(_queue, SyncAsync, (key, ex) => LogSyncFailed(key, ex.Message));

        _sets.AddEventHandler(new ResourceEventHandler<V1StatefulSet>
        {
            Add = (set, _) => Enqueue(set),
            Update = (_, set) => Enqueue(set),
            Delete = (set, _) => Enqueue(set),
        });
        _pods.AddEventHandler(new ResourceEventHandler<V1Pod>
        {
            Add = (pod, _) => AddPod(pod),
            Update = UpdatePod,
            Delete = (pod, _) => DeletePod(pod),
        });
    }

    public void Start() => _workers.Start(_workerCount);

    public async ValueTask DisposeAsync()
    {
        await _workers.DisposeAsync();
        await _recorder.DisposeAsync();
    }

    private static string Key(V1ObjectMeta meta) => meta.NamespaceProperty + "/" + meta.Name;

    private void Enqueue(V1StatefulSet set) => _queue.Add(Key(set.Metadata));

    private V1StatefulSet? ResolveControllerRef(string ns, V1OwnerReference reference)
    {
        if (reference.Kind != Kind)
        {
            return null;
        }

        var set = _sets.Lister.Get(ns, reference.Name);
        return set is not null && set.Metadata.Uid == reference.Uid ? set : null;
    }

    /// <summary>getPodStatefulSets: the sets whose selector matches an orphan pod.</summary>
    private IEnumerable<V1StatefulSet> SetsForPod(V1Pod pod)
    {
        var labels = pod.Metadata.Labels;
        if (labels is null || labels.Count == 0)
        {
            yield break;
        }

        foreach (var set in _sets.Lister.List(pod.Metadata.NamespaceProperty))
        {
            if (LabelSelector.TryFromLabelSelector(set.Spec?.Selector, out var selector, out _) && !selector.IsEmpty && selector.Matches(labels.AsReadOnly()))
            {
                yield return set;
            }
        }
    }

    private void AddPod(V1Pod pod)
    {
        if (pod.Metadata.DeletionTimestamp is not null)
        {
            DeletePod(pod);
            return;
        }

        if (Objects.ControllerOf(pod.Metadata) is { } reference)
        {
            if (ResolveControllerRef(pod.Metadata.NamespaceProperty, reference) is { } set)
            {
                Enqueue(set);
            }

            return;
        }

        foreach (var set in SetsForPod(pod))
        {
            Enqueue(set);
        }
    }

    private void UpdatePod(V1Pod old, V1Pod cur)
    {
        if (cur.Metadata.ResourceVersion == old.Metadata.ResourceVersion)
        {
            return;
        }

        var curRef = Objects.ControllerOf(cur.Metadata);
        var oldRef = Objects.ControllerOf(old.Metadata);
        var refChanged = !Objects.SameReference(curRef, oldRef);
        if (refChanged && oldRef is not null && ResolveControllerRef(old.Metadata.NamespaceProperty, oldRef) is { } previous)
        {
            Enqueue(previous);
        }

        if (curRef is not null)
        {
            if (ResolveControllerRef(cur.Metadata.NamespaceProperty, curRef) is { } set)
            {
                Enqueue(set);

                // A pod that just became ready becomes available minReadySeconds later; look again then.
                if (!Pods.IsReady(old) && Pods.IsReady(cur) && set.Spec.MinReadySeconds is > 0 and var seconds)
                {
                    _queue.AddAfter(Key(set.Metadata), TimeSpan.FromSeconds(seconds + 1));
                }
            }

            return;
        }

        if (refChanged || !Objects.SameLabels(cur.Metadata.Labels, old.Metadata.Labels))
        {
            foreach (var set in SetsForPod(cur))
            {
                Enqueue(set);
            }
        }
    }

    private void DeletePod(V1Pod pod)
    {
        if (Objects.ControllerOf(pod.Metadata) is { } reference && ResolveControllerRef(pod.Metadata.NamespaceProperty, reference) is { } set)
        {
            Enqueue(set);
        }
    }

    internal async Task<TimeSpan?> SyncAsync(string key, CancellationToken ct)
    {
        var set = _sets.Lister.Get(key);
        if (set is null)
        {
            return null;
        }

        if (set.Spec is null || !LabelSelector.TryFromLabelSelector(set.Spec.Selector, out var selector, out _))
        {
            // A selector that does not parse will not parse on a retry either.
            return null;
        }

        await AdoptOrphanRevisionsAsync(set, ct);
        var pods = await ClaimPodsAsync(set, selector, ct);
        var status = await _control.UpdateAsync(set, pods, ct);
        if (set.Spec.MinReadySeconds is > 0 and var seconds && status is not null && (status.AvailableReplicas ?? 0) != (set.Spec.Replicas ?? 1))
        {
            return TimeSpan.FromSeconds(seconds);
        }

        return null;
    }

    private async Task<V1ObjectMeta> RecheckAsync(V1StatefulSet set, CancellationToken ct)
    {
        var fresh = await _client.AppsV1.ReadNamespacedStatefulSetAsync(set.Metadata.Name, set.Metadata.NamespaceProperty, cancellationToken: ct);
        if (fresh.Metadata.Uid != set.Metadata.Uid)
        {
            throw new InvalidOperationException($"original StatefulSet {set.Metadata.NamespaceProperty}/{set.Metadata.Name} is gone: got uid {fresh.Metadata.Uid}, wanted {set.Metadata.Uid}");
        }

        return fresh.Metadata;
    }

    /// <summary>adoptOrphanRevisions: revisions matching the selector that nobody controls become the set's.</summary>
    private async Task AdoptOrphanRevisionsAsync(V1StatefulSet set, CancellationToken ct)
    {
        var orphans = _control.ListRevisions(set).Where(r => Objects.ControllerOf(r.Metadata) is null).ToList();
        if (orphans.Count == 0)
        {
            return;
        }

        if ((await RecheckAsync(set, ct)).DeletionTimestamp is not null)
        {
            throw new InvalidOperationException($"can't adopt ControllerRevisions: {set.Metadata.NamespaceProperty}/{set.Metadata.Name} is being deleted");
        }

        var patch = new System.Text.Json.Nodes.JsonObject
        {
            ["metadata"] = new System.Text.Json.Nodes.JsonObject
            {
                ["ownerReferences"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject
                {
                    ["apiVersion"] = ApiVersion,
                    ["kind"] = Kind,
                    ["name"] = set.Metadata.Name,
                    ["uid"] = set.Metadata.Uid,
                    ["controller"] = true,
                    ["blockOwnerDeletion"] = true,
                }),
            },
        };
        foreach (var orphan in orphans)
        {
            ((System.Text.Json.Nodes.JsonObject)patch["metadata"]!)["uid"] = orphan.Metadata.Uid;
            await _history.PatchAsync(orphan.Metadata.NamespaceProperty, orphan.Metadata.Name, patch.ToJsonString(), ct);
        }
    }

    /// <summary>getPodsForStatefulSet: pods named after the set and matching its selector are claimed.</summary>
    private Task<List<V1Pod>> ClaimPodsAsync(V1StatefulSet set, LabelSelector selector, CancellationToken ct)
    {
        var manager = new ControllerRefManager<V1Pod>(set.Metadata, ApiVersion, Kind, selector,
            token => RecheckAsync(set, token),
            (name, patch, token) => _client.CoreV1.PatchNamespacedPodAsync(new V1Patch(patch, V1Patch.PatchType.StrategicMergePatch), name, set.Metadata.NamespaceProperty, cancellationToken: token));
        return manager.ClaimAsync(_pods.Lister.List(set.Metadata.NamespaceProperty), pod => StatefulPods.IsMemberOf(set, pod), ct);
    }

    [LoggerMessage(EventId = 4550, Level = LogLevel.Warning, Message = "Syncing statefulset {Key} failed, retrying: {Error}")]
    private partial void LogSyncFailed(string key, string error);
}
