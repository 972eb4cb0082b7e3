using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Net;
using System.Threading.Channels;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace KubeNet.Kubelet.Simulation;

/// <summary>
/// Plays the kubelet for every pod bound to the pool's nodes. One list+watch of all bound pods feeds a decision per
/// event (start, complete, or finish deleting); a delay queue holds each decision until due, and a fixed set of workers
/// writes pod statuses, so a burst of thousands of pods never opens thousands of requests.
/// </summary>
internal sealed partial class PodDriver : IDisposable
{
    // Watches end by themselves after this long and resume from the last resourceVersion, as reflectors do.
    private const int WatchTimeoutSeconds = 300;
    private const int ListPageSize = 500;

    private readonly IKubernetes client;
    private readonly FrozenDictionary<string, HollowNode> nodes;
    private readonly HollowNodeOptions options;
    private readonly ILogger logger;
    private readonly Channel<PodWork> due = Channel.CreateUnbounded<PodWork>(new UnboundedChannelOptions { SingleWriter = false, SingleReader = false });
    private readonly DelayQueue<PodWork> delayed;

    // The furthest stage scheduled per pod UID: a repeated or stale event never schedules the same work twice.
    private readonly ConcurrentDictionary<string, Stage> stages = new(StringComparer.Ordinal);

    public PodDriver(IKubernetes client, IEnumerable<HollowNode> nodes, HollowNodeOptions options, ILogger logger)
    {
        this.client = client;
        this.nodes = nodes.ToFrozenDictionary(n => n.Name, StringComparer.Ordinal);
        this.options = options;
        this.logger = logger;
        delayed = new DelayQueue<PodWork>(due.Writer);
    }

    internal enum Stage : byte
    {
        None,
        Start,
        Complete,
        Terminate,

        // Not a step of the lifecycle: a running pod's readiness follows its annotation, as often as it changes.
        Readiness,
    }

    /// <summary>Pods the driver tracks: bound to one of its nodes and not yet gone.</summary>
    public int TrackedPods => stages.Count;

    public Task RunAsync(CancellationToken ct)
    {
        var tasks = new List<Task> { WatchLoopAsync(ct), delayed.RunAsync(ct) };
        for (var i = 0; i < options.MaxConcurrentWrites; i++)
        {
            tasks.Add(WorkerAsync(ct));
        }

        return Task.WhenAll(tasks);
    }

    public void Dispose() => delayed.Dispose();

    private async Task WatchLoopAsync(CancellationToken ct)
    {
        string? resourceVersion = null;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                resourceVersion ??= await ListAsync(ct);
                var expired = false;
                var events = client.CoreV1.WatchListPodForAllNamespacesAsync(
                    fieldSelector: "spec.nodeName!=",
                    resourceVersion: resourceVersion,
                    allowWatchBookmarks: true,
                    timeoutSeconds: WatchTimeoutSeconds,
                    onError: e => expired |= IsExpired(e),
                    cancellationToken: ct);
                await foreach (var (type, pod) in events)
                {
                    resourceVersion = pod.Metadata?.ResourceVersion ?? resourceVersion;
                    switch (type)
                    {
                        case WatchEventType.Added or WatchEventType.Modified:
                            Observe(pod);
                            break;
                        case WatchEventType.Deleted:
                            Forget(pod);
                            break;
                    }
                }

                if (expired)
                {
                    logger.WatchExpired(resourceVersion);
                    resourceVersion = null;
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Gone)
            {
                logger.WatchExpired(resourceVersion);
                resourceVersion = null;
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                logger.WatchFailed(e.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), ct);
            }
        }
    }

    private static bool IsExpired(Exception e) => e is KubernetesException { Status.Code: 410 };

    /// <summary>Lists every bound pod page by page, acts on each, and forgets pods that went away while not watching.</summary>
    private async Task<string?> ListAsync(CancellationToken ct)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string? continueToken = null;
        string? resourceVersion;
        do
        {
            var page = await client.CoreV1.ListPodForAllNamespacesAsync(
                fieldSelector: "spec.nodeName!=", limit: ListPageSize, continueParameter: continueToken, cancellationToken: ct);
            foreach (var pod in page.Items)
            {
                if (pod.Metadata?.Uid is { } uid && nodes.ContainsKey(pod.Spec?.NodeName ?? string.Empty))
                {
                    seen.Add(uid);
                    Observe(pod);
                }
            }

            continueToken = page.Metadata?.ContinueProperty;
            resourceVersion = page.Metadata?.ResourceVersion;
        }
        while (!string.IsNullOrEmpty(continueToken));

        foreach (var uid in stages.Keys)
        {
            if (!seen.Contains(uid))
            {
                stages.TryRemove(uid, out _);
            }
        }

        logger.PodsListed(seen.Count, resourceVersion);
        return resourceVersion;
    }

    /// <summary>Decides what the pod needs next and schedules it, unless that or a later stage is already scheduled.</summary>
    private void Observe(V1Pod pod)
    {
        if (pod.Metadata?.Uid is not { } uid || !nodes.TryGetValue(pod.Spec?.NodeName ?? string.Empty, out var node))
        {
            return;
        }

        if (PodCidrs.TryParseAddress(pod.Status?.PodIP, out var ip))
        {
            node.MarkUsed(ip);
        }

        var (stage, delay) = Next(pod);
        if (stage == Stage.None)
        {
            if (PodStatuses.ReadinessDiffers(pod))
            {
                delayed.Add(new PodWork(pod, node, Stage.Readiness), TimeSpan.Zero);
            }

            return;
        }

        while (true)
        {
            if (stages.TryGetValue(uid, out var current))
            {
                if (current >= stage)
                {
                    return;
                }

                if (stages.TryUpdate(uid, stage, current))
                {
                    break;
                }
            }
            else if (stages.TryAdd(uid, stage))
            {
                break;
            }
        }

        delayed.Add(new PodWork(pod, node, stage), delay);
    }

    private (Stage Stage, TimeSpan Delay) Next(V1Pod pod)
    {
        if (pod.Metadata.DeletionTimestamp is not null)
        {
            // The kubelet waits for containers to stop within the grace period; simulated ones stop quickly.
            var grace = TimeSpan.FromSeconds(Math.Max(0, pod.Metadata.DeletionGracePeriodSeconds ?? 0));
            return (Stage.Terminate, grace < options.TerminationDelay ? grace : options.TerminationDelay);
        }

        return pod.Status?.Phase switch
        {
            null or "" or "Pending" => (Stage.Start, options.StartupDelay),
            "Running" when PodStatuses.RunsToCompletion(pod) && PodStatuses.ExitCode(pod) is not null => (Stage.Complete, options.CompletionDelay),
            _ => (Stage.None, TimeSpan.Zero),
        };
    }

    private void Forget(V1Pod pod)
    {
        if (pod.Metadata?.Uid is { } uid)
        {
            stages.TryRemove(uid, out _);
        }

        if (nodes.TryGetValue(pod.Spec?.NodeName ?? string.Empty, out var node) && PodCidrs.TryParseAddress(pod.Status?.PodIP, out var ip))
        {
            node.Release(ip);
        }
    }

    internal sealed record PodWork(V1Pod Pod, HollowNode Node, Stage Stage);
}
