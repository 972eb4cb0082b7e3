using k8s;
using k8s.Models;
using KubeNet.ApiMachinery.Selectors;
using KubeNet.Client;
using KubeNet.Controllers.Common;
using Microsoft.Extensions.Logging;

namespace KubeNet.Controllers.ReplicaSet;

/// <summary>
/// pkg/controller/replicaset: keeps the number of active pods of a ReplicaSet at spec.replicas. One implementation
/// serves ReplicaSets and ReplicationControllers alike, as upstream, which converts a ReplicationController into a
/// ReplicaSet view (<see cref="View"/>) on the way in and its status back on the way out.
/// Informer handlers only enqueue keys and record observed creations and deletions in the expectations; workers sync
/// one key at a time: claim pods (adopt and release by selector), create or delete pods while no earlier creations or
/// deletions are still unobserved, then write status.
/// </summary>
internal abstract class ReplicaSetControllerBase<T> : IController
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    /// <summary>Upstream BurstReplicas: at most this many pods are created or deleted per sync.</summary>
    public const int BurstReplicas = 500;

    private readonly SharedInformer<T> _informer;
    private readonly SharedInformer<V1Pod> _pods;
    private readonly WorkQueue<string> _queue = new(RateLimiters.DefaultController<string>());
    private readonly UidTrackingControllerExpectations _expectations;
    private readonly EventRecorder _recorder;
    private readonly PodControl _podControl;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly int _workerCount;
    private readonly int _burstReplicas;
    private readonly List<IDisposable> _registrations = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _workers = [];

    protected ReplicaSetControllerBase(
        SharedInformerFactory informers, string kind, string apiVersion, string component, ILogger logger, int workers, TimeProvider? time = null,
        int burstReplicas = BurstReplicas)
    {
        Client = informers.Client;
        Kind = kind;
        ApiVersion = apiVersion;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _workerCount = workers;
        _burstReplicas = burstReplicas;
        _expectations = new UidTrackingControllerExpectations(_time);
        _recorder = new EventRecorder(Client, component, logger: logger, timeProvider: _time);
        _podControl = new PodControl(Client, _recorder);

        _informer = informers.GetInformer<T>();
        ControllerRefs.EnsureControllerUidIndex(_informer);
        _pods = informers.GetInformer<V1Pod>();
        _registrations.Add(_informer.AddEventHandler(new ResourceEventHandler<T>
        {
            Add = (obj, _) => Enqueue(obj),
            Update = OnUpdate,
            Delete = (obj, _) => OnDelete(obj),
        }));
        _registrations.Add(_pods.AddEventHandler(new ResourceEventHandler<V1Pod>
        {
            Add = (pod, _) => OnPodAdd(pod),
            Update = OnPodUpdate,
            Delete = (pod, _) => OnPodDelete(pod),
        }));
    }

    protected IKubernetes Client { get; }

    /// <summary>The kind this instance manages ("ReplicaSet" or "ReplicationController").</summary>
    public string Kind { get; }

    public string ApiVersion { get; }

    /// <summary>The object as a ReplicaSet, for reading only: it may share parts with the cached object.</summary>
    protected abstract V1ReplicaSet View(T obj);

    /// <summary>A fresh (uncached) read of the object's metadata, for the adoption recheck.</summary>
    protected abstract Task<V1ObjectMeta> ReadMetadataAsync(string ns, string name, CancellationToken ct);

    /// <summary>A fresh read of the object.</summary>
    protected abstract Task<T> ReadAsync(string ns, string name, CancellationToken ct);

    /// <summary>Writes <paramref name="status"/> through the status subresource of a copy of <paramref name="obj"/>.</summary>
    protected abstract Task<T> UpdateStatusAsync(T obj, V1ReplicaSetStatus status, CancellationToken ct);

    public void Start()
    {
        for (var i = 0; i < _workerCount; i++)
        {
            _workers.Add(Task.Run(() => WorkAsync(_stop.Token)));
        }
    }

    private void Enqueue(T obj) => _queue.Add(ObjectKeys.For(obj));

    private void OnUpdate(T old, T cur)
    {
        if (old.Metadata.Uid != cur.Metadata.Uid)
        {
            // Deleted and recreated under the same name while the watch was away: the old one's expectations go.
            OnDelete(old);
        }

        Enqueue(cur);
    }

    private void OnDelete(T obj)
    {
        var key = ObjectKeys.For(obj);
        _expectations.DeleteExpectations(key);
        _queue.Add(key);
    }

    private void OnPodAdd(V1Pod pod)
    {
        if (pod.Metadata.DeletionTimestamp is not null)
        {
            // Seen for the first time while already being deleted (a restart): that is no creation to observe.
            OnPodDelete(pod);
            return;
        }

        if (ControllerRefs.GetControllerOf(pod) is { } controllerRef)
        {
            if (ResolveControllerRef(pod.Metadata.NamespaceProperty, controllerRef) is { } owner)
            {
                var key = ObjectKeys.For(owner);
                _expectations.Expectations.CreationObserved(key);
                _queue.Add(key);
            }

            return;
        }

        // An orphan: every matching controller gets a chance to adopt it. Nobody waits for an orphan's creation.
        foreach (var owner in GetPodOwners(pod))
        {
            Enqueue(owner);
        }
    }

    private void OnPodUpdate(V1Pod old, V1Pod cur)
    {
        if (old.Metadata.ResourceVersion == cur.Metadata.ResourceVersion)
        {
            return;
        }

        var labelChanged = !LabelsEqual(old.Metadata.Labels, cur.Metadata.Labels);
        if (cur.Metadata.DeletionTimestamp is not null)
        {
            // A graceful deletion began: the controller may replace the pod now rather than when it is finally gone.
            OnPodDelete(cur);
            if (labelChanged)
            {
                OnPodDelete(old);
            }

            return;
        }

        var curRef = ControllerRefs.GetControllerOf(cur);
        var oldRef = ControllerRefs.GetControllerOf(old);
        var refChanged = !SameReference(curRef, oldRef);
        if (refChanged && oldRef is not null && ResolveControllerRef(old.Metadata.NamespaceProperty, oldRef) is { } previous)
        {
            Enqueue(previous);
        }

        if (curRef is not null)
        {
            if (ResolveControllerRef(cur.Metadata.NamespaceProperty, curRef) is not { } owner)
            {
                return;
            }

            Enqueue(owner);
            var minReadySeconds = View(owner).Spec?.MinReadySeconds ?? 0;
            if (!PodUtil.IsPodReady(old) && PodUtil.IsPodReady(cur) && minReadySeconds > 0)
            {
                // Availability comes minReadySeconds after readiness with no event of its own; a second more avoids
                // waking up a moment too early.
                _queue.AddAfter(ObjectKeys.For(owner), TimeSpan.FromSeconds(minReadySeconds + 1));
            }

            return;
        }

        if (labelChanged || refChanged)
        {
            foreach (var owner in GetPodOwners(cur))
            {
                Enqueue(owner);
            }
        }
    }

    private void OnPodDelete(V1Pod pod)
    {
        if (ControllerRefs.GetControllerOf(pod) is not { } controllerRef
            || ResolveControllerRef(pod.Metadata.NamespaceProperty, controllerRef) is not { } owner)
        {
            return;
        }

        var key = ObjectKeys.For(owner);
        _expectations.DeletionObserved(key, PodUtil.PodKey(pod));
        _queue.Add(key);
    }

    /// <summary>The controller a controller reference names, if it is of this kind and still the same object (UID).</summary>
    private T? ResolveControllerRef(string ns, V1OwnerReference controllerRef)
    {
        if (controllerRef.Kind != Kind)
        {
            return null;
        }

        var owner = _informer.Lister.Get(ns, controllerRef.Name);
        return owner?.Metadata.Uid == controllerRef.Uid ? owner : null;
    }

    /// <summary>Every controller of this kind in the pod's namespace whose selector matches the pod (GetPodReplicaSets).</summary>
    private List<T> GetPodOwners(V1Pod pod)
    {
        var result = new List<T>();
        if (pod.Metadata.Labels is not { Count: > 0 })
        {
            return result;
        }

        foreach (var candidate in _informer.Lister.List(pod.Metadata.NamespaceProperty))
        {
            if (LabelSets.Selector(View(candidate).Spec?.Selector) is { IsEmpty: false } selector && LabelSets.Matches(selector, pod.Metadata))
            {
                result.Add(candidate);
            }
        }

        if (result.Count > 1)
        {
            ReplicaSetLog.Overlapping(_logger, Kind, pod.Metadata.NamespaceProperty, pod.Metadata.Name);
        }

        return result;
    }

    private async Task WorkAsync(CancellationToken ct)
    {
        while (true)
        {
            var (key, shutdown) = await _queue.GetAsync(ct);
            if (shutdown)
            {
                return;
            }

            try
            {
                await SyncAsync(key, ct);
                _queue.Forget(key);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ApiErrors.IsTransient(ex) || ex is InvalidOperationException)
            {
                ReplicaSetLog.SyncFailed(_logger, Kind, key, ApiErrors.Message(ex));
                _queue.AddRateLimited(key);
            }
            finally
            {
                _queue.Done(key);
            }
        }
    }

    /// <summary>syncReplicaSet: one pass over the object under <paramref name="key"/>.</summary>
    internal async Task SyncAsync(string key, CancellationToken ct)
    {
        var obj = _informer.Lister.Get(key);
        if (obj is null)
        {
            _expectations.DeleteExpectations(key);
            return;
        }

        var rs = View(obj);
        var needsSync = _expectations.Expectations.SatisfiedExpectations(key);
        if (LabelSets.Selector(rs.Spec?.Selector) is not { } selector)
        {
            ReplicaSetLog.BadSelector(_logger, Kind, key);
            return;
        }

        // Every pod of the namespace: those no longer matching but still carrying our reference must be released.
        var ns = obj.Metadata.NamespaceProperty;
        var active = PodUtil.FilterActivePods(_pods.Lister.List(ns));
        var claim = await ClaimPodsAsync(obj, selector, active, ct);
        if (claim.Error is not null)
        {
            throw claim.Error;
        }

        var pods = claim.Claimed;
        Exception? manageError = null;
        if (needsSync && obj.Metadata.DeletionTimestamp is null)
        {
            manageError = await ManageReplicasAsync(key, obj, rs, pods, ct);
        }

        var status = ReplicaSetStatusCalculator.Calculate(rs, pods, manageError, ObjectCopy.Now(_time));
        var updated = await UpdateStatusIfChangedAsync(obj, rs, status, ct);
        var view = View(updated);
        var replicas = view.Spec?.Replicas ?? 1;
        var minReadySeconds = view.Spec?.MinReadySeconds ?? 0;
        if (manageError is null && minReadySeconds > 0 && (view.Status?.ReadyReplicas ?? 0) == replicas && (view.Status?.AvailableReplicas ?? 0) != replicas)
        {
            // The last line of defence against clock skew: look again once minReadySeconds have passed.
            _queue.AddAfter(key, TimeSpan.FromSeconds(minReadySeconds));
        }

        if (manageError is not null)
        {
            throw manageError;
        }
    }

    private Task<ControllerRefManager.Claim<V1Pod>> ClaimPodsAsync(T obj, LabelSelector selector, List<V1Pod> pods, CancellationToken ct)
    {
        var meta = obj.Metadata;
        var recheck = ControllerRefManager.RecheckDeletionTimestamp(meta, async c => (await ReadMetadataAsync(meta.NamespaceProperty, meta.Name, c)));
        var manager = new ControllerRefManager(meta, ApiVersion, Kind, selector, recheck);
        return manager.ClaimAsync(pods, (pod, patch, c) => _podControl.PatchPodAsync(pod.Metadata.NamespaceProperty, pod.Metadata.Name, patch, c), ct);
    }

    /// <summary>manageReplicas: creates or deletes pods to close the gap to spec.replicas; returns the first failure.</summary>
    private async Task<Exception?> ManageReplicasAsync(string key, T obj, V1ReplicaSet rs, List<V1Pod> pods, CancellationToken ct)
    {
        var ns = obj.Metadata.NamespaceProperty;
        var diff = pods.Count - (rs.Spec?.Replicas ?? 1);
        if (diff < 0)
        {
            var create = Math.Min(-diff, _burstReplicas);

            // Expect the creations before making them: their watch events may arrive before the calls return.
            _expectations.Expectations.ExpectCreations(key, create);
            ReplicaSetLog.TooFew(_logger, Kind, key, rs.Spec?.Replicas ?? 1, create);
            var template = rs.Spec?.Template ?? new V1PodTemplateSpec();
            var controllerRef = ControllerRefs.NewControllerRef(obj.Metadata, ApiVersion, Kind);
            var (successes, error) = await SlowStart.BatchAsync(create, SlowStart.InitialBatchSize, async () =>
            {
                try
                {
                    await _podControl.CreatePodAsync(ns, template, obj, controllerRef, ct);
                }
                catch (Exception ex) when (ApiErrors.HasStatusCause(ex, ApiErrors.NamespaceTerminatingCause))
                {
                    // The namespace is going away: every create fails, and there is nothing to do about it.
                }
            });

            // Creations never attempted will not be observed; the next sync retries them.
            for (var skipped = create - successes; skipped > 0; skipped--)
            {
                _expectations.Expectations.CreationObserved(key);
            }

            return error;
        }

        if (diff > 0)
        {
            var delete = Math.Min(diff, _burstReplicas);
            ReplicaSetLog.TooMany(_logger, Kind, key, rs.Spec?.Replicas ?? 1, delete);
            var related = GetIndirectlyRelatedPods(obj);
            var doomed = PodDeletionOrder.PodsToDelete(pods, related, delete, _time.GetUtcNow().UtcDateTime);

            // Remember which pods go, so each deletion is counted once whether seen as an update or as a delete.
            _expectations.ExpectDeletions(key, [.. doomed.Select(PodUtil.PodKey)]);
            var deletions = doomed.Select(async pod =>
            {
                try
                {
                    await _podControl.DeletePodAsync(ns, pod.Metadata.Name, obj, ct);
                    return null;
                }
                catch (Exception ex) when (ApiErrors.IsTransient(ex) && !ct.IsCancellationRequested)
                {
                    // The informer will not observe a deletion that did not happen.
                    _expectations.DeletionObserved(key, PodUtil.PodKey(pod));
                    return ApiErrors.IsNotFound(ex) ? null : ex;
                }
            });
            var errors = await Task.WhenAll(deletions);
            return errors.FirstOrDefault(e => e is not null);
        }

        return null;
    }

    /// <summary>
    /// The active pods of every controller with the same owner as <paramref name="obj"/> (the other ReplicaSets of its
    /// Deployment): ranking by pods per node spreads a scale-down over the whole rollout, not one ReplicaSet.
    /// </summary>
    private List<V1Pod> GetIndirectlyRelatedPods(T obj)
    {
        var related = new List<V1Pod>();
        if (ControllerRefs.GetControllerOf(obj) is not { } owner)
        {
            return related;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var sibling in _informer.Indexer.ByIndex(ControllerRefs.ControllerUidIndex, owner.Uid))
        {
            if (LabelSets.Selector(View(sibling).Spec?.Selector) is not { } selector)
            {
                continue;
            }

            foreach (var pod in _pods.Lister.List(sibling.Metadata.NamespaceProperty, selector))
            {
                if (seen.Add(pod.Metadata.Uid))
                {
                    related.Add(pod);
                }
            }
        }

        return related;
    }

    /// <summary>updateReplicaSetStatus: writes the status unless nothing changed, retrying once on a fresh copy.</summary>
    private async Task<T> UpdateStatusIfChangedAsync(T obj, V1ReplicaSet rs, V1ReplicaSetStatus status, CancellationToken ct)
    {
        if (ReplicaSetStatusCalculator.IsUnchanged(rs, status))
        {
            return obj;
        }

        // The generation acted on, so a retry does not claim to have seen a newer spec.
        status.ObservedGeneration = obj.Metadata.Generation;
        try
        {
            return await UpdateStatusAsync(obj, status, ct);
        }
        catch (Exception ex) when (ApiErrors.IsTransient(ex) && !ct.IsCancellationRequested)
        {
            var fresh = await ReadAsync(obj.Metadata.NamespaceProperty, obj.Metadata.Name, ct);
            return await UpdateStatusAsync(fresh, status, ct);
        }
    }

    private static bool LabelsEqual(IDictionary<string, string>? a, IDictionary<string, string>? b)
    {
        if ((a?.Count ?? 0) != (b?.Count ?? 0))
        {
            return false;
        }

        return a is null || a.All(kv => b!.TryGetValue(kv.Key, out var v) && v == kv.Value);
    }

    private static bool SameReference(V1OwnerReference? a, V1OwnerReference? b) =>
        a is null ? b is null : b is not null && a.Uid == b.Uid && a.Name == b.Name && a.Kind == b.Kind && a.ApiVersion == b.ApiVersion
            && a.Controller == b.Controller && a.BlockOwnerDeletion == b.BlockOwnerDeletion;

    public async ValueTask DisposeAsync()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        await _stop.CancelAsync();
        _queue.ShutDown();
        try
        {
            await Task.WhenAll(_workers);
        }
        catch (OperationCanceledException)
        {
        }

        await _recorder.DisposeAsync();
        _queue.Dispose();
        _stop.Dispose();
    }
}
