using System.Collections.Concurrent;
using System.Net;
using System.Threading.Channels;
using Grpc.Core;
using k8s;
using k8s.Autorest;
using k8s.Models;
using KubeNet.Client;
using KubeNet.Kubelet.Cri;
using KubeNet.Kubelet.Cri.V1;
using KubeNet.Kubelet.Probes;
using Microsoft.Extensions.Logging;

namespace KubeNet.Kubelet.Pods;

/// <summary>
/// The kubelet's pods: an informer on this node's pods only (fieldSelector spec.nodeName), one worker per pod that
/// syncs it against the runtime and reports its status, and a relist of the runtime every second that wakes the worker
/// of any pod whose containers changed (upstream's PLEG). A deleted pod is killed with its grace period, its status
/// reported, and the object removed (DELETE with grace 0 and a UID precondition) only after its containers stopped.
/// </summary>
internal sealed partial class PodWorkers(
    IKubernetes client,
    CriClient cri,
    PodSyncer syncer,
    ProbeManager probes,
    KubeletOptions options,
    Func<string> runtimeName,
    ILogger logger) : IAsyncDisposable
{
    private static readonly TimeSpan Resync = TimeSpan.FromSeconds(10);
    private readonly ConcurrentDictionary<string, Worker> _workers = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _starts = new(Math.Max(1, options.MaxParallelPodStarts));
    private SharedInformer<V1Pod>? _informer;
    private Task? _relist;
    private Dictionary<string, string> _fingerprints = new(StringComparer.Ordinal);

    public void Start()
    {
        _informer = new SharedInformer<V1Pod>(ListWatch.For<V1Pod>(client, fieldSelector: $"spec.nodeName={options.NodeName}"), logger: logger);
        _informer.AddEventHandler(new ResourceEventHandler<V1Pod>
        {
            Add = (pod, _) => Update(pod),
            Update = (_, pod) => Update(pod),
            Delete = (pod, _) => Removed(pod),
        });
        _informer.Start(_stop.Token);
        _relist = Task.Run(() => RelistLoopAsync(_stop.Token));
    }

    public Task<bool> WaitForSyncAsync(CancellationToken ct) => _informer!.WaitForCacheSyncAsync(ct);

    /// <summary>The pod as the informer holds it.</summary>
    public V1Pod? Find(string ns, string name) => _workers.Values.Select(w => w.Pod).FirstOrDefault(p => p.Metadata.NamespaceProperty == ns && p.Metadata.Name == name && !_workers[p.Metadata.Uid].Removed);

    public IEnumerable<V1Pod> Pods => _workers.Values.Where(w => !w.Removed).Select(w => w.Pod);

    public void Wake(string uid)
    {
        if (_workers.TryGetValue(uid, out var w))
        {
            w.Signal.Writer.TryWrite(true);
        }
    }

    private void Update(V1Pod pod)
    {
        var worker = _workers.GetOrAdd(pod.Metadata.Uid, _ =>
        {
            var w = new Worker(pod);
            w.Loop = Task.Run(() => RunAsync(w, _stop.Token));
            return w;
        });
        worker.Pod = pod;
        worker.Signal.Writer.TryWrite(true);
    }

    private void Removed(V1Pod pod)
    {
        if (_workers.TryGetValue(pod.Metadata.Uid, out var w))
        {
            w.Removed = true;
            w.Signal.Writer.TryWrite(true);
        }
    }

    private async Task RunAsync(Worker worker, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var delay = worker.Sync.Requeue ?? Resync;
            worker.Sync.ClearRequeue();
            using (var wait = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                wait.CancelAfter(delay);
                try
                {
                    await worker.Signal.Reader.WaitToReadAsync(wait.Token);
                    while (worker.Signal.Reader.TryRead(out _))
                    {
                    }
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                }
            }

            if (ct.IsCancellationRequested)
            {
                return;
            }

            try
            {
                if (await SyncOnceAsync(worker, ct))
                {
                    _workers.TryRemove(worker.Pod.Metadata.Uid, out _);
                    return;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                // Whatever one sync hits, the worker lives on and tries again: a pod must never be orphaned.
                LogSyncFailed(logger, worker.Pod.Metadata.NamespaceProperty, worker.Pod.Metadata.Name, e.ToString());
                worker.Sync.RequeueAfter(TimeSpan.FromSeconds(2));
            }
        }
    }

    /// <summary>One sync; true when the pod is gone and its worker ends.</summary>
    private async Task<bool> SyncOnceAsync(Worker worker, CancellationToken ct)
    {
        var pod = worker.Pod;
        var uid = pod.Metadata.Uid;
        var state = await RuntimePod.ReadAsync(cri, uid, ct);
        if (worker.Removed)
        {
            // Gone from the API (a force delete, or our own final delete): nothing may keep running.
            await syncer.KillPodAsync(pod, state, 0, ct);
            await syncer.RemoveAsync(uid, await RuntimePod.ReadAsync(cri, uid, ct), syncer.LogDirectory(pod), ct);
            return true;
        }

        if (pod.Metadata.DeletionTimestamp is not null)
        {
            await syncer.KillPodAsync(pod, state, PodSyncer.Grace(pod), ct);
            state = await RuntimePod.ReadAsync(cri, uid, ct);
            await ReportAsync(worker, state, force: true, ct);
            try
            {
                await client.CoreV1.DeleteNamespacedPodAsync(pod.Metadata.Name, pod.Metadata.NamespaceProperty,
                    new V1DeleteOptions { GracePeriodSeconds = 0, Preconditions = new V1Preconditions { Uid = uid } }, cancellationToken: ct);
            }
            catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Conflict)
            {
            }

            worker.Removed = true;
            await syncer.RemoveAsync(uid, state, syncer.LogDirectory(pod), ct);
            return true;
        }

        if (pod.Status?.Phase is "Succeeded" or "Failed")
        {
            // Terminal: stop what may still run, keep the containers for logs until the pod is deleted.
            if (state.Containers.Any(c => c.Running) || state.Sandboxes.Any(s => s.State == PodSandboxState.SandboxReady))
            {
                await syncer.KillPodAsync(pod, state, PodSyncer.Grace(pod), ct);
            }

            return false;
        }

        // A first start (no sandbox yet) takes a turn; waiters are served first come, first served, which is creation
        // order for a burst, since the informer delivers pods in that order.
        var firstStart = state.Sandboxes.Count == 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        if (firstStart)
        {
            await _starts.WaitAsync(ct);
        }

        var turn = clock.Elapsed;

        try
        {
            await syncer.SyncAsync(pod, state, worker.Sync, ct);
        }
        finally
        {
            if (firstStart)
            {
                _starts.Release();
            }
        }

        var synced = clock.Elapsed;
        state = await RuntimePod.ReadAsync(cri, uid, ct);
        probes.Ensure(pod, state, worker.Sync.PodIp);
        var status = await ReportAsync(worker, state, force: false, ct);
        if (firstStart)
        {
            LogFirstSync(logger, pod.Metadata.NamespaceProperty, pod.Metadata.Name, (long)turn.TotalMilliseconds, (long)(synced - turn).TotalMilliseconds, (long)(clock.Elapsed - synced).TotalMilliseconds);
        }

        if (status.Phase is "Succeeded" or "Failed")
        {
            await syncer.KillPodAsync(pod, state, PodSyncer.Grace(pod), ct);
        }

        return false;
    }

    private async Task<V1PodStatus> ReportAsync(Worker worker, RuntimePod state, bool force, CancellationToken ct)
    {
        var pod = worker.Pod;
        var status = PodStatusBuilder.Build(pod, state, worker.Sync, probes, options.Address, runtimeName());
        var json = KubernetesJson.Serialize(status);
        if (!force && json == worker.LastReported)
        {
            return status;
        }

        try
        {
            var patched = await client.CoreV1.PatchNamespacedPodStatusAsync(
                new V1Patch(new V1Pod { Status = status }, V1Patch.PatchType.MergePatch), pod.Metadata.Name, pod.Metadata.NamespaceProperty, cancellationToken: ct);
            if (patched.Metadata.Uid == pod.Metadata.Uid)
            {
                worker.Pod = patched;
            }

            worker.LastReported = json;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            worker.Removed = true;
            worker.Signal.Writer.TryWrite(true);
        }

        return status;
    }

    private async Task RelistLoopAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(options.RelistInterval, ct);
                var containers = await cri.Runtime.ListContainersAsync(new ListContainersRequest(), cancellationToken: ct);
                var next = containers.Containers
                    .Where(c => c.Labels.ContainsKey(CriLabels.PodUid))
                    .GroupBy(c => c.Labels[CriLabels.PodUid])
                    .ToDictionary(g => g.Key, g => string.Join(',', g.OrderBy(c => c.Id, StringComparer.Ordinal).Select(c => c.Id + ":" + (int)c.State)), StringComparer.Ordinal);
                foreach (var (uid, fingerprint) in next)
                {
                    if (!_fingerprints.TryGetValue(uid, out var old) || old != fingerprint)
                    {
                        Wake(uid);
                    }
                }

                foreach (var uid in _fingerprints.Keys.Where(u => !next.ContainsKey(u)))
                {
                    Wake(uid);
                }

                _fingerprints = next;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (RpcException)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_informer is not null)
        {
            await _informer.DisposeAsync();
        }

        foreach (var w in _workers.Values)
        {
            try
            {
                await (w.Loop ?? Task.CompletedTask);
            }
            catch (OperationCanceledException)
            {
            }
        }

        if (_relist is not null)
        {
            try
            {
                await _relist;
            }
            catch (OperationCanceledException)
            {
            }
        }

        _stop.Dispose();
        _starts.Dispose();
    }

    private sealed class Worker(V1Pod pod)
    {
        public V1Pod Pod { get; set; } = pod;

        public volatile bool Removed;

        public Channel<bool> Signal { get; } = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

        public PodSyncState Sync { get; } = new();

        public string? LastReported { get; set; }

        public Task? Loop { get; set; }
    }

    [LoggerMessage(EventId = 9852, Level = LogLevel.Information, Message = "Pod {Namespace}/{Name} first sync: turn {TurnMs} ms, runtime {RuntimeMs} ms, status {StatusMs} ms")]
    private static partial void LogFirstSync(ILogger logger, string @namespace, string name, long turnMs, long runtimeMs, long statusMs);

    [LoggerMessage(EventId = 6300, Level = LogLevel.Warning, Message = "Syncing pod {Namespace}/{Name} failed: {Message}")]
    private static partial void LogSyncFailed(ILogger logger, string @namespace, string name, string message);
}
