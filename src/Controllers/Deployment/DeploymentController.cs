using k8s;
using k8s.Models;
using KubeNet.Client;
using KubeNet.Controllers.Common;
using Microsoft.Extensions.Logging;

namespace KubeNet.Controllers.Deployment;

/// <summary>
/// pkg/controller/deployment: rolls a Deployment's pod template out through ReplicaSets, one per template (named by
/// the pod-template-hash), with the RollingUpdate or Recreate strategy; scales them proportionally when the Deployment
/// is scaled mid-rollout; keeps revision annotations and cleans up history past revisionHistoryLimit; rolls back on
/// the deprecated rollbackTo annotation; pauses; and reports the Available and Progressing conditions, including a
/// progress deadline. Each sync does one step and writes status; the ReplicaSet controller makes the pods, and the
/// events of its ReplicaSets bring the Deployment back to the queue for the next step.
/// </summary>
internal sealed partial class DeploymentController : IController
{
    /// <summary>Syncs retried with backoff before a key is dropped (5ms·2^14 ≈ 82 s at the last one).</summary>
    private const int MaxRetries = 15;

    private const string DeploymentKind = "Deployment";
    private const string DeploymentApiVersion = "apps/v1";

    private readonly IKubernetes _client;
    private readonly SharedInformer<V1Deployment> _deployments;
    private readonly SharedInformer<V1ReplicaSet> _replicaSets;
    private readonly SharedInformer<V1Pod> _pods;
    private readonly WorkQueue<string> _queue = new(RateLimiters.DefaultController<string>());
    private readonly EventRecorder _recorder;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly int _workerCount;
    private readonly List<IDisposable> _registrations = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _workers = [];

    public DeploymentController(SharedInformerFactory informers, ILogger logger, int workers = 5, TimeProvider? time = null)
    {
        _client = informers.Client;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _workerCount = workers;
        _recorder = new EventRecorder(_client, "deployment-controller", logger: logger, timeProvider: _time);
        _deployments = informers.GetInformer<V1Deployment>();
        _replicaSets = informers.GetInformer<V1ReplicaSet>();
        _pods = informers.GetInformer<V1Pod>();
        _registrations.Add(_deployments.AddEventHandler(ResourceEventHandler.ForAll<V1Deployment>(Enqueue)));
        _registrations.Add(_replicaSets.AddEventHandler(new ResourceEventHandler<V1ReplicaSet>
        {
            Add = (rs, _) => OnReplicaSetAdd(rs),
            Update = OnReplicaSetUpdate,
            Delete = (rs, _) => OnReplicaSetDelete(rs),
        }));
        _registrations.Add(_pods.AddEventHandler(new ResourceEventHandler<V1Pod> { Delete = (pod, _) => OnPodDelete(pod) }));
    }

    public void Start()
    {
        for (var i = 0; i < _workerCount; i++)
        {
            _workers.Add(Task.Run(() => WorkAsync(_stop.Token)));
        }
    }

    private void Enqueue(V1Deployment d) => _queue.Add(ObjectKeys.For(d));

    private void OnReplicaSetAdd(V1ReplicaSet rs)
    {
        if (rs.Metadata.DeletionTimestamp is not null)
        {
            OnReplicaSetDelete(rs);
            return;
        }

        if (ControllerRefs.GetControllerOf(rs) is { } controllerRef)
        {
            if (ResolveControllerRef(rs.Metadata.NamespaceProperty, controllerRef) is { } d)
            {
                Enqueue(d);
            }

            return;
        }

        // An orphan: the Deployments that select it may adopt it.
        foreach (var d in GetDeploymentsForReplicaSet(rs))
        {
            Enqueue(d);
        }
    }

    private void OnReplicaSetUpdate(V1ReplicaSet old, V1ReplicaSet cur)
    {
        if (old.Metadata.ResourceVersion == cur.Metadata.ResourceVersion)
        {
            return;
        }

        var curRef = ControllerRefs.GetControllerOf(cur);
        var oldRef = ControllerRefs.GetControllerOf(old);
        var refChanged = curRef?.Uid != oldRef?.Uid || curRef?.Name != oldRef?.Name;
        if (refChanged && oldRef is not null && ResolveControllerRef(old.Metadata.NamespaceProperty, oldRef) is { } previous)
        {
            Enqueue(previous);
        }

        if (curRef is not null)
        {
            if (ResolveControllerRef(cur.Metadata.NamespaceProperty, curRef) is { } d)
            {
                Enqueue(d);
            }

            return;
        }

        var labelsChanged = !(old.Metadata.Labels ?? new Dictionary<string, string>()).OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .SequenceEqual((cur.Metadata.Labels ?? new Dictionary<string, string>()).OrderBy(kv => kv.Key, StringComparer.Ordinal));
        if (labelsChanged || refChanged)
        {
            foreach (var d in GetDeploymentsForReplicaSet(cur))
            {
                Enqueue(d);
            }
        }
    }

    private void OnReplicaSetDelete(V1ReplicaSet rs)
    {
        if (ControllerRefs.GetControllerOf(rs) is { } controllerRef && ResolveControllerRef(rs.Metadata.NamespaceProperty, controllerRef) is { } d)
        {
            Enqueue(d);
        }
    }

    /// <summary>A Recreate rollout waits for every old pod to be gone: the last one's deletion wakes it.</summary>
    private void OnPodDelete(V1Pod pod)
    {
        if (GetDeploymentForPod(pod) is not { } d || !DeploymentUtil.IsRecreate(d))
        {
            return;
        }

        // Upstream lists the ReplicaSets through the API here; the informer's cache serves the same purpose.
        var owned = _replicaSets.Lister.List(d.Metadata.NamespaceProperty).Where(rs => ControllerRefs.IsControlledBy(rs, d.Metadata)).ToList();
        if (GetPodMapForDeployment(d, owned).Values.Sum(pods => pods.Count) == 0)
        {
            Enqueue(d);
        }
    }

    private V1Deployment? GetDeploymentForPod(V1Pod pod)
    {
        if (ControllerRefs.GetControllerOf(pod) is not { Kind: "ReplicaSet" } podRef)
        {
            return null;
        }

        var rs = _replicaSets.Lister.Get(pod.Metadata.NamespaceProperty, podRef.Name);
        if (rs is null || rs.Metadata.Uid != podRef.Uid || ControllerRefs.GetControllerOf(rs) is not { } rsRef)
        {
            return null;
        }

        return ResolveControllerRef(rs.Metadata.NamespaceProperty, rsRef);
    }

    private V1Deployment? ResolveControllerRef(string ns, V1OwnerReference controllerRef)
    {
        if (controllerRef.Kind != DeploymentKind)
        {
            return null;
        }

        var d = _deployments.Lister.Get(ns, controllerRef.Name);
        return d?.Metadata.Uid == controllerRef.Uid ? d : null;
    }

    /// <summary>util.GetDeploymentsForReplicaSet: Deployments in the namespace whose non-empty selector matches the labels.</summary>
    private List<V1Deployment> GetDeploymentsForReplicaSet(V1ReplicaSet rs)
    {
        if (rs.Metadata.Labels is not { Count: > 0 })
        {
            return [];
        }

        return [.. _deployments.Lister.List(rs.Metadata.NamespaceProperty)
            .Where(d => LabelSets.Selector(d.Spec?.Selector) is { IsEmpty: false } selector && LabelSets.Matches(selector, rs.Metadata))];
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
            catch (Exception ex) when (ApiErrors.IsTransient(ex) || ex is InvalidOperationException or FormatException)
            {
                HandleError(key, ex);
            }
            finally
            {
                _queue.Done(key);
            }
        }
    }

    private void HandleError(string key, Exception ex)
    {
        if (ApiErrors.HasStatusCause(ex, ApiErrors.NamespaceTerminatingCause))
        {
            _queue.Forget(key);
            return;
        }

        if (_queue.NumRequeues(key) < MaxRetries)
        {
            LogSyncFailed(key, ApiErrors.Message(ex));
            _queue.AddRateLimited(key);
            return;
        }

        LogDropped(key, ApiErrors.Message(ex));
        _queue.Forget(key);
    }

    /// <summary>syncDeployment: one step of the Deployment under <paramref name="key"/>.</summary>
    internal async Task SyncAsync(string key, CancellationToken ct)
    {
        var cached = _deployments.Lister.Get(key);
        if (cached is null)
        {
            return;
        }

        // Everything below may change the Deployment; the cache's copy must stay as it is.
        var d = ObjectCopy.DeepCopy(cached);
        d.Spec ??= new V1DeploymentSpec();
        d.Status ??= new V1DeploymentStatus();
        if (d.Spec.Selector is { } everything && (everything.MatchLabels?.Count ?? 0) == 0 && (everything.MatchExpressions?.Count ?? 0) == 0)
        {
            _recorder.Event(d, EventTypes.Warning, "SelectingAll", "This deployment is selecting all pods. A non-empty selector is required.");
            if ((d.Status.ObservedGeneration ?? 0) < (d.Metadata.Generation ?? 0))
            {
                d.Status.ObservedGeneration = d.Metadata.Generation;
                await UpdateStatusAsync(d, ct);
            }

            return;
        }

        var rsList = await GetReplicaSetsForDeploymentAsync(d, ct);
        if (d.Metadata.DeletionTimestamp is not null)
        {
            await SyncStatusOnlyAsync(d, rsList, ct);
            return;
        }

        await CheckPausedConditionsAsync(d, ct);
        if (d.Spec.Paused == true)
        {
            await SyncAsync(d, rsList, ct);
            return;
        }

        // The deprecated rollbackTo annotation (extensions/v1beta1 rollback) is still honoured.
        if (DeploymentUtil.GetRollbackTo(d) is not null)
        {
            await RollbackAsync(d, rsList, ct);
            return;
        }

        if (await IsScalingEventAsync(d, rsList, ct))
        {
            await SyncAsync(d, rsList, ct);
            return;
        }

        switch (d.Spec.Strategy?.Type)
        {
            case "Recreate":
                await RolloutRecreateAsync(d, rsList, GetPodMapForDeployment(d, rsList), ct);
                return;
            case "RollingUpdate":
                await RolloutRollingAsync(d, rsList, ct);
                return;
            default:
                throw new InvalidOperationException($"unexpected deployment strategy type: {d.Spec.Strategy?.Type}");
        }
    }

    /// <summary>getReplicaSetsForDeployment: the ReplicaSets this Deployment owns after adopting and releasing by selector.</summary>
    private async Task<List<V1ReplicaSet>> GetReplicaSetsForDeploymentAsync(V1Deployment d, CancellationToken ct)
    {
        var ns = d.Metadata.NamespaceProperty;
        var selector = LabelSets.Selector(d.Spec.Selector)
            ?? throw new InvalidOperationException($"deployment {ns}/{d.Metadata.Name} has invalid label selector");
        var recheck = ControllerRefManager.RecheckDeletionTimestamp(d.Metadata, async c =>
            (await _client.AppsV1.ReadNamespacedDeploymentAsync(d.Metadata.Name, ns, cancellationToken: c)).Metadata);
        var manager = new ControllerRefManager(d.Metadata, DeploymentApiVersion, DeploymentKind, selector, recheck);
        var claim = await manager.ClaimAsync(
            _replicaSets.Lister.List(ns),
            (rs, patch, c) => _client.AppsV1.PatchNamespacedReplicaSetAsync(
                new V1Patch(patch, V1Patch.PatchType.StrategicMergePatch), rs.Metadata.Name, rs.Metadata.NamespaceProperty, cancellationToken: c),
            ct);
        if (claim.Error is not null)
        {
            throw claim.Error;
        }

        return claim.Claimed;
    }

    /// <summary>getPodMapForDeployment: the Deployment's pods grouped by the ReplicaSet that owns them.</summary>
    private Dictionary<string, List<V1Pod>> GetPodMapForDeployment(V1Deployment d, IReadOnlyList<V1ReplicaSet> rsList)
    {
        var map = rsList.ToDictionary(rs => rs.Metadata.Uid, _ => new List<V1Pod>(), StringComparer.Ordinal);
        if (LabelSets.Selector(d.Spec?.Selector) is not { } selector)
        {
            return map;
        }

        foreach (var pod in _pods.Lister.List(d.Metadata.NamespaceProperty, selector))
        {
            if (ControllerRefs.GetControllerOf(pod) is { } owner && map.TryGetValue(owner.Uid, out var pods))
            {
                pods.Add(pod);
            }
        }

        return map;
    }

    /// <summary>Writes the Deployment's status (and, as upstream's status strategy allows, its annotations).</summary>
    private async Task UpdateStatusAsync(V1Deployment d, CancellationToken ct)
    {
        var updated = await _client.AppsV1.ReplaceNamespacedDeploymentStatusAsync(d, d.Metadata.Name, d.Metadata.NamespaceProperty, cancellationToken: ct);

        // Later writes of this pass build on what was just written, not on the version read from the cache.
        d.Metadata.ResourceVersion = updated.Metadata.ResourceVersion;
    }

    private DateTime Now() => ObjectCopy.Now(_time);

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

    [LoggerMessage(EventId = 4250, Level = LogLevel.Warning, Message = "Syncing deployment {Key} failed, retrying: {Error}")]
    private partial void LogSyncFailed(string key, string error);

    [LoggerMessage(EventId = 4251, Level = LogLevel.Warning, Message = "Dropping deployment {Key} out of the queue: {Error}")]
    private partial void LogDropped(string key, string error);
}
