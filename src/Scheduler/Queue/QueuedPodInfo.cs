using KubeNet.Scheduler.Cache;

namespace KubeNet.Scheduler.Queue;

/// <summary>A pending pod with its queueing history: when it was queued, how often it was tried and what rejected it.</summary>
internal sealed class QueuedPodInfo(PodInfo podInfo, DateTimeOffset timestamp)
{
    public PodInfo PodInfo { get; set; } = podInfo;

    /// <summary>Namespace/name: the queue's key.</summary>
    public string Key => PodInfo.Key;

    /// <summary>When the pod last entered a queue; orders pods of equal priority and starts its backoff.</summary>
    public DateTimeOffset Timestamp { get; set; } = timestamp;

    /// <summary>When the pod first came out of the queue to be scheduled.</summary>
    public DateTimeOffset? InitialAttemptTimestamp { get; set; }

    /// <summary>Scheduling attempts so far; the backoff doubles with each.</summary>
    public int Attempts { get; set; }

    /// <summary>Plugins that rejected the pod in its last attempt; only events they registered requeue it.</summary>
    public HashSet<string> UnschedulablePlugins { get; } = new(StringComparer.Ordinal);

    /// <summary>Plugins that answered Pending; a Queue hint from one of them skips the backoff.</summary>
    public HashSet<string> PendingPlugins { get; } = new(StringComparer.Ordinal);

    /// <summary>The PreEnqueue plugin that keeps the pod out of the active queue (e.g. SchedulingGates).</summary>
    public string? GatingPlugin { get; set; }

    public bool Gated => GatingPlugin is not null;

    public DateTimeOffset BackoffExpiration { get; set; }
}
