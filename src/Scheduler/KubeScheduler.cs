using System.Threading.Channels;
using k8s;
using k8s.Autorest;
using k8s.Models;
using KubeNet.Scheduler.Cache;
using KubeNet.Scheduler.Framework;
using KubeNet.Scheduler.Plugins;
using Microsoft.Extensions.Logging;

namespace KubeNet.Scheduler;

/// <summary>
/// The scheduler loop: watches nodes and pods through the API, keeps a cache of what each node runs, takes pending pods
/// of its scheduler name one at a time, filters and scores the nodes and binds the pod through pods/binding. A pod that
/// fits nowhere gets PodScheduled=False and a FailedScheduling event with upstream's message shape, and is retried when
/// nodes or pods change and on a back-off.
/// </summary>
public sealed partial class KubeScheduler : IAsyncDisposable
{
    public const string DefaultSchedulerName = "default-scheduler";

    private readonly IKubernetes _client;
    private readonly ILogger _logger;
    private readonly Dictionary<string, NodeInfo> _nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Node, PodRequests Requests)> _placed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, V1Pod> _pending = new(StringComparer.Ordinal);
    private readonly Channel<string> _queue = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock _sync = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly IFilterPlugin[] _filters = [new NodeName(), new NodeUnschedulable(), new TaintToleration(), new NodeSelector(), new NodeResourcesFit()];
    private readonly IScorePlugin[] _scores = [new NodeResourcesFit()];
    private readonly List<Task> _loops = [];

    private KubeScheduler(IKubernetes client, ILogger logger)
    {
        _client = client;
        _logger = logger;
    }

    public static KubeScheduler Start(IKubernetes client, ILogger logger)
    {
        var scheduler = new KubeScheduler(client, logger);
        scheduler._loops.Add(Task.Run(() => scheduler.WatchNodesAsync(scheduler._stop.Token)));
        scheduler._loops.Add(Task.Run(() => scheduler.WatchPodsAsync(scheduler._stop.Token)));
        scheduler._loops.Add(Task.Run(() => scheduler.ScheduleLoopAsync(scheduler._stop.Token)));
        scheduler._loops.Add(Task.Run(() => scheduler.RetryLoopAsync(scheduler._stop.Token)));
        return scheduler;
    }

    private static string Key(V1Pod pod) => pod.Metadata.NamespaceProperty + "/" + pod.Metadata.Name;

    private async Task WatchNodesAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var list = await _client.CoreV1.ListNodeAsync(cancellationToken: ct);
                lock (_sync)
                {
                    var seen = new HashSet<string>(StringComparer.Ordinal);
                    foreach (var node in list.Items)
                    {
                        seen.Add(node.Metadata.Name);
                        UpsertNode(node);
                    }

                    foreach (var gone in _nodes.Keys.Where(n => !seen.Contains(n)).ToList())
                    {
                        _nodes.Remove(gone);
                    }
                }

                RequeuePending();
                var watch = _client.CoreV1.WatchListNodeAsync(allowWatchBookmarks: true, resourceVersion: list.Metadata.ResourceVersion, cancellationToken: ct);
                await foreach (var (type, node) in watch)
                {
                    lock (_sync)
                    {
                        if (type == WatchEventType.Deleted)
                        {
                            _nodes.Remove(node.Metadata.Name);
                        }
                        else if (type is WatchEventType.Added or WatchEventType.Modified)
                        {
                            UpsertNode(node);
                        }
                    }

                    if (type is WatchEventType.Added or WatchEventType.Modified)
                    {
                        RequeuePending();
                    }
                }
            }
            catch (Exception ex) when (ex is HttpOperationException or HttpRequestException or IOException or KubernetesException)
            {
                LogWatchError("nodes", ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), ct);
            }
        }
    }

    private void UpsertNode(V1Node node)
    {
        if (_nodes.TryGetValue(node.Metadata.Name, out var info))
        {
            info.Node = node;
        }
        else
        {
            info = new NodeInfo(node);
            _nodes[node.Metadata.Name] = info;
            foreach (var (key, placed) in _placed.Where(p => p.Value.Node == node.Metadata.Name))
            {
                info.AddPod(key, placed.Requests);
            }
        }
    }

    private async Task WatchPodsAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var list = await _client.CoreV1.ListPodForAllNamespacesAsync(cancellationToken: ct);
                foreach (var pod in list.Items)
                {
                    Observe(WatchEventType.Added, pod);
                }

                var watch = _client.CoreV1.WatchListPodForAllNamespacesAsync(allowWatchBookmarks: true, resourceVersion: list.Metadata.ResourceVersion, cancellationToken: ct);
                await foreach (var (type, pod) in watch)
                {
                    if (type != WatchEventType.Bookmark)
                    {
                        Observe(type, pod);
                    }
                }
            }
            catch (Exception ex) when (ex is HttpOperationException or HttpRequestException or IOException or KubernetesException)
            {
                LogWatchError("pods", ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), ct);
            }
        }
    }

    private void Observe(WatchEventType type, V1Pod pod)
    {
        var key = Key(pod);
        var finished = pod.Status?.Phase is "Succeeded" or "Failed";
        var enqueue = false;
        lock (_sync)
        {
            if (type == WatchEventType.Deleted || finished || !string.IsNullOrEmpty(pod.Spec?.NodeName))
            {
                _pending.Remove(key);
            }

            if (type == WatchEventType.Deleted || finished)
            {
                Unplace(key);
                if (type == WatchEventType.Deleted || finished)
                {
                    RequeuePendingLocked();
                }

                return;
            }

            if (!string.IsNullOrEmpty(pod.Spec?.NodeName))
            {
                Place(key, pod.Spec.NodeName, PodRequests.Of(pod));
                return;
            }

            if ((pod.Spec?.SchedulerName ?? DefaultSchedulerName) == DefaultSchedulerName && pod.Metadata.DeletionTimestamp is null)
            {
                enqueue = !_pending.ContainsKey(key);
                _pending[key] = pod;
            }
        }

        if (enqueue)
        {
            _queue.Writer.TryWrite(key);
        }
    }

    private void Place(string key, string node, PodRequests requests)
    {
        if (_placed.TryGetValue(key, out var existing) && existing.Node == node)
        {
            return;
        }

        Unplace(key);
        _placed[key] = (node, requests);
        if (_nodes.TryGetValue(node, out var info))
        {
            info.AddPod(key, requests);
        }
    }

    private void Unplace(string key)
    {
        if (_placed.Remove(key, out var placed) && _nodes.TryGetValue(placed.Node, out var info))
        {
            info.RemovePod(key);
        }
    }

    private void RequeuePending()
    {
        lock (_sync)
        {
            RequeuePendingLocked();
        }
    }

    private void RequeuePendingLocked()
    {
        foreach (var key in _pending.Keys)
        {
            _queue.Writer.TryWrite(key);
        }
    }

    // Unschedulable pods are tried again on cluster events and, as upstream's flush of the unschedulable queue, regularly.
    private async Task RetryLoopAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(5));
        while (await timer.WaitForNextTickAsync(ct))
        {
            RequeuePending();
        }
    }

    private async Task ScheduleLoopAsync(CancellationToken ct)
    {
        await foreach (var key in _queue.Reader.ReadAllAsync(ct))
        {
            V1Pod? pod;
            lock (_sync)
            {
                _pending.TryGetValue(key, out pod);
            }

            if (pod is not null)
            {
                await ScheduleOneAsync(key, pod, ct);
            }
        }
    }

    private async Task ScheduleOneAsync(string key, V1Pod pod, CancellationToken ct)
    {
        var requests = PodRequests.Of(pod);
        NodeInfo? best = null;
        long bestScore = -1;
        var reasons = new Dictionary<string, int>(StringComparer.Ordinal);
        int total;
        lock (_sync)
        {
            total = _nodes.Count;
            foreach (var node in _nodes.Values)
            {
                var reason = _filters.Select(f => f.Filter(pod, requests, node)).FirstOrDefault(r => r is not null);
                if (reason is not null)
                {
                    reasons[reason] = reasons.GetValueOrDefault(reason) + 1;
                    continue;
                }

                var score = _scores.Sum(s => s.Weight * s.Score(pod, requests, node));
                if (score > bestScore || (score == bestScore && Random.Shared.Next(2) == 0))
                {
                    best = node;
                    bestScore = score;
                }
            }

            if (best is not null)
            {
                // Assume the pod on the node now, so the next pod sees its requests before the binding's watch event.
                _pending.Remove(key);
                Place(key, best.Name, requests);
            }
        }

        if (best is null)
        {
            await ReportUnschedulableAsync(pod, FailureMessage(total, reasons), ct);
            return;
        }

        try
        {
            await _client.CoreV1.CreateNamespacedPodBindingAsync(
                new V1Binding
                {
                    Metadata = new V1ObjectMeta { Name = pod.Metadata.Name, NamespaceProperty = pod.Metadata.NamespaceProperty, Uid = pod.Metadata.Uid },
                    Target = new V1ObjectReference { Kind = "Node", Name = best.Name, ApiVersion = "v1" },
                },
                pod.Metadata.Name,
                pod.Metadata.NamespaceProperty,
                cancellationToken: ct);
            await RecordEventAsync(pod, "Normal", "Scheduled", $"Successfully assigned {key} to {best.Name}", ct);
        }
        catch (HttpOperationException ex)
        {
            // Lost the pod (deleted, bound elsewhere): forget the assumption; the watch brings the truth.
            LogBindFailed(key, best.Name, ex.Response?.StatusCode.ToString() ?? ex.Message);
            lock (_sync)
            {
                Unplace(key);
            }
        }
    }

    /// <summary>"0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {a: b}." as kube-scheduler writes it.</summary>
    internal static string FailureMessage(int total, IReadOnlyDictionary<string, int> reasons)
    {
        var parts = reasons.Select(r => $"{r.Value} {r.Key}").OrderBy(s => s, StringComparer.Ordinal);
        var detail = reasons.Count == 0 ? "no nodes available to schedule pods" : string.Join(", ", parts);
        return $"0/{total} nodes are available: {detail}. preemption: 0/{total} nodes are available: {total} Preemption is not helpful for scheduling.";
    }

    private async Task ReportUnschedulableAsync(V1Pod pod, string message, CancellationToken ct)
    {
        var existing = pod.Status?.Conditions?.FirstOrDefault(c => c.Type == "PodScheduled");
        if (existing is { Status: "False", Reason: "Unschedulable" } && existing.Message == message)
        {
            return;
        }

        try
        {
            var condition = new
            {
                type = "PodScheduled",
                status = "False",
                reason = "Unschedulable",
                message,
                lastTransitionTime = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
            };
            var body = System.Text.Json.JsonSerializer.Serialize(new { status = new { conditions = new[] { condition } } });
            var patch = new V1Patch(body, V1Patch.PatchType.StrategicMergePatch);
            var updated = await _client.CoreV1.PatchNamespacedPodStatusAsync(patch, pod.Metadata.Name, pod.Metadata.NamespaceProperty, cancellationToken: ct);
            lock (_sync)
            {
                if (_pending.ContainsKey(Key(pod)))
                {
                    _pending[Key(pod)] = updated;
                }
            }

            await RecordEventAsync(pod, "Warning", "FailedScheduling", message, ct);
        }
        catch (HttpOperationException ex)
        {
            LogBindFailed(Key(pod), "-", ex.Response?.StatusCode.ToString() ?? ex.Message);
        }
    }

    private async Task RecordEventAsync(V1Pod pod, string type, string reason, string message, CancellationToken ct)
    {
        var now = DateTime.UtcNow;
        var ev = new Corev1Event
        {
            // Named as client-go's recorder names events: the object's name and the time in hex nanoseconds.
            Metadata = new V1ObjectMeta
            {
                Name = $"{pod.Metadata.Name}.{(now - DateTime.UnixEpoch).Ticks * 100:x}",
                NamespaceProperty = pod.Metadata.NamespaceProperty,
            },
            InvolvedObject = new V1ObjectReference
            {
                Kind = "Pod",
                ApiVersion = "v1",
                Name = pod.Metadata.Name,
                NamespaceProperty = pod.Metadata.NamespaceProperty,
                Uid = pod.Metadata.Uid,
                ResourceVersion = pod.Metadata.ResourceVersion,
            },
            Reason = reason,
            Message = message,
            Type = type,
            Source = new V1EventSource { Component = DefaultSchedulerName },
            ReportingComponent = DefaultSchedulerName,
            ReportingInstance = DefaultSchedulerName,
            FirstTimestamp = now,
            LastTimestamp = now,
            Count = 1,
        };
        try
        {
            await _client.CoreV1.CreateNamespacedEventAsync(ev, pod.Metadata.NamespaceProperty, cancellationToken: ct);
        }
        catch (HttpOperationException)
        {
            // Events are best effort, as upstream's recorder drops what it cannot write.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _queue.Writer.TryComplete();
        try
        {
            await Task.WhenAll(_loops);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Watch of {Resource} failed, retrying: {Error}")]
    private partial void LogWatchError(string resource, string error);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "Could not bind {Pod} to {Node}: {Error}")]
    private partial void LogBindFailed(string pod, string node, string error);
}
