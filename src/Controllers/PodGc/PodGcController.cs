using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using KubeNet.Client;
using Microsoft.Extensions.Logging;

namespace KubeNet.Controllers.PodGc;

/// <summary>
/// The pod garbage collector (pkg/controller/podgc), every <see cref="CheckPeriod"/>: deletes the oldest terminated
/// pods beyond the threshold, pods bound to nodes that stay gone for the quarantine time, terminating pods on nodes
/// marked out of service, and terminating pods never scheduled. Each is first marked Failed, then deleted at once.
/// </summary>
public sealed partial class PodGcController : IController
{
    public static readonly TimeSpan CheckPeriod = TimeSpan.FromSeconds(20);
    public static readonly TimeSpan QuarantineTime = TimeSpan.FromSeconds(40);

    private const string OutOfServiceTaint = "node.kubernetes.io/out-of-service";

    private readonly IKubernetes _client;
    private readonly SharedInformer<V1Pod> _pods;
    private readonly SharedInformer<V1Node> _nodes;
    private readonly int _terminatedPodThreshold;
    private readonly TimeSpan _period;
    private readonly TimeSpan _quarantine;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();

    // Nodes that pods name but the cache does not hold, with when they were first missed.
    private readonly Dictionary<string, DateTime> _missingNodes = new(StringComparer.Ordinal);
    private Task _run = Task.CompletedTask;

    public PodGcController(SharedInformerFactory informers, int terminatedPodThreshold, ILogger logger, TimeSpan? period = null, TimeSpan? quarantine = null)
    {
        _client = informers.Client;
        _pods = informers.GetInformer<V1Pod>();
        _nodes = informers.GetInformer<V1Node>();
        _terminatedPodThreshold = terminatedPodThreshold;
        _period = period ?? CheckPeriod;
        _quarantine = quarantine ?? QuarantineTime;
        _logger = logger;
    }

    public void Start() => _run = Task.Run(() => RunAsync(_stop.Token));

    private async Task RunAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(_period);
        try
        {
            do
            {
                try
                {
                    await GcAsync(ct);
                }
                catch (Exception ex) when (ex is HttpOperationException or HttpRequestException or IOException)
                {
                    LogPassFailed(ex.Message);
                }
            }
            while (await timer.WaitForNextTickAsync(ct));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    internal async Task GcAsync(CancellationToken ct)
    {
        var pods = _pods.Lister.List();
        var nodes = _nodes.Lister.List();
        if (_terminatedPodThreshold > 0)
        {
            await GcTerminatedAsync(pods, ct);
        }

        await GcTerminatingOutOfServiceAsync(pods, ct);
        await GcOrphanedAsync(pods, nodes, ct);
        await GcUnscheduledTerminatingAsync(pods, ct);
    }

    private async Task GcTerminatedAsync(IReadOnlyList<V1Pod> pods, CancellationToken ct)
    {
        var terminated = pods.Where(p => p.Status?.Phase is { } phase && phase is not ("Pending" or "Running" or "Unknown")).ToList();
        var deleteCount = terminated.Count - _terminatedPodThreshold;
        if (deleteCount <= 0)
        {
            return;
        }

        LogCollectingTerminated(deleteCount);

        // Evicted pods first, so terminated pods that controllers made stay longest; then the oldest.
        terminated.Sort(ByEvictionAndCreation);
        await Task.WhenAll(terminated.Take(deleteCount).Select(p => MarkFailedAndDeleteAsync(p, null, ct)));
    }

    private async Task GcTerminatingOutOfServiceAsync(IReadOnlyList<V1Pod> pods, CancellationToken ct)
    {
        var terminating = pods.Where(p =>
            p.Metadata.DeletionTimestamp is not null
            && _nodes.Lister.Get(p.Spec?.NodeName ?? string.Empty) is { } node
            && !IsReady(node)
            && node.Spec?.Taints?.Any(t => t.Key == OutOfServiceTaint) == true).ToList();
        terminating.Sort(ByEvictionAndCreation);
        await Task.WhenAll(terminating.Select(p => MarkFailedAndDeleteAsync(p, null, ct)));
    }

    /// <summary>Pods bound to nodes that are gone: missed by the cache for the quarantine time, then confirmed by the API.</summary>
    private async Task GcOrphanedAsync(IReadOnlyList<V1Pod> pods, IReadOnlyList<V1Node> nodes, CancellationToken ct)
    {
        var existing = nodes.Select(n => n.Metadata.Name).ToHashSet(StringComparer.Ordinal);
        var now = DateTime.UtcNow;
        foreach (var pod in pods)
        {
            if (pod.Spec?.NodeName is { Length: > 0 } nodeName && !existing.Contains(nodeName))
            {
                _missingNodes.TryAdd(nodeName, now);
            }
        }

        var deleted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (nodeName, since) in _missingNodes.ToList())
        {
            if (existing.Contains(nodeName))
            {
                _missingNodes.Remove(nodeName);
                continue;
            }

            if (now - since < _quarantine)
            {
                continue;
            }

            _missingNodes.Remove(nodeName);
            if (!await NodeExistsAsync(nodeName, ct))
            {
                deleted.Add(nodeName);
            }
        }

        var condition = new V1PodCondition { Type = "DisruptionTarget", Status = "True", Reason = "DeletionByPodGC", Message = "PodGC: node no longer exists" };
        foreach (var pod in pods.Where(p => deleted.Contains(p.Spec?.NodeName ?? string.Empty)))
        {
            await MarkFailedAndDeleteAsync(pod, condition, ct);
        }
    }

    private async Task GcUnscheduledTerminatingAsync(IReadOnlyList<V1Pod> pods, CancellationToken ct)
    {
        foreach (var pod in pods.Where(p => p.Metadata.DeletionTimestamp is not null && string.IsNullOrEmpty(p.Spec?.NodeName)))
        {
            await MarkFailedAndDeleteAsync(pod, null, ct);
        }
    }

    private async Task<bool> NodeExistsAsync(string name, CancellationToken ct)
    {
        try
        {
            await _client.CoreV1.ReadNodeAsync(name, cancellationToken: ct);
            return true;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    /// <summary>
    /// Marks the pod Failed (with <paramref name="condition"/>) unless it already finished, since no kubelet may be left
    /// to do it, then deletes it without a grace period.
    /// </summary>
    private async Task MarkFailedAndDeleteAsync(V1Pod pod, V1PodCondition? condition, CancellationToken ct)
    {
        var ns = pod.Metadata.NamespaceProperty;
        var name = pod.Metadata.Name;
        LogForceDeleting(ns, name);
        try
        {
            if (pod.Status?.Phase is not ("Succeeded" or "Failed"))
            {
                var status = new JsonObject { ["phase"] = "Failed" };
                if (condition is not null)
                {
                    condition.LastTransitionTime = DateTime.UtcNow;
                    var conditions = (pod.Status?.Conditions ?? []).Where(c => c.Type != condition.Type).Append(condition).ToList();
                    status["conditions"] = JsonNode.Parse(KubernetesJson.Serialize(conditions));
                }

                var patch = new JsonObject { ["status"] = status }.ToJsonString();
                await _client.CoreV1.PatchNamespacedPodStatusAsync(new V1Patch(patch, V1Patch.PatchType.MergePatch), name, ns, cancellationToken: ct);
            }

            await _client.CoreV1.DeleteNamespacedPodAsync(name, ns, new V1DeleteOptions { GracePeriodSeconds = 0 }, cancellationToken: ct);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            // Already gone.
        }
    }

    private static bool IsReady(V1Node node) => node.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;

    private static int ByEvictionAndCreation(V1Pod a, V1Pod b)
    {
        var evictedA = a.Status is { Phase: "Failed", Reason: "Evicted" };
        var evictedB = b.Status is { Phase: "Failed", Reason: "Evicted" };
        if (evictedA != evictedB)
        {
            return evictedA ? -1 : 1;
        }

        var byTime = Nullable.Compare(a.Metadata.CreationTimestamp, b.Metadata.CreationTimestamp);
        return byTime != 0 ? byTime : string.CompareOrdinal(a.Metadata.Name, b.Metadata.Name);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _run;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    [LoggerMessage(EventId = 4740, Level = LogLevel.Information, Message = "Pod GC: garbage collecting {Count} terminated pods")]
    private partial void LogCollectingTerminated(int count);

    [LoggerMessage(EventId = 4741, Level = LogLevel.Information, Message = "Pod GC is force deleting pod {Namespace}/{Name}")]
    private partial void LogForceDeleting(string @namespace, string name);

    [LoggerMessage(EventId = 4742, Level = LogLevel.Warning, Message = "Pod GC pass failed: {Error}")]
    private partial void LogPassFailed(string error);
}
