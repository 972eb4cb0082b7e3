using Microsoft.Extensions.Logging;

namespace KubeNet.Scheduler;

/// <summary>Log messages of the scheduler; event ids 5200-5499 stay stable for log queries.</summary>
internal static partial class SchedulerLog
{
    [LoggerMessage(EventId = 5201, Level = LogLevel.Information, Message = "Scheduler started: profiles {Profiles}, {Nodes} nodes and {Pods} assigned pods cached")]
    public static partial void Started(this ILogger logger, string profiles, int nodes, int pods);

    [LoggerMessage(EventId = 5202, Level = LogLevel.Warning, Message = "Leader election failed, retrying: {Error}")]
    public static partial void ElectionFailed(this ILogger logger, string error);

    [LoggerMessage(EventId = 5203, Level = LogLevel.Information, Message = "Scheduler stopped")]
    public static partial void Stopped(this ILogger logger);

    [LoggerMessage(EventId = 5210, Level = LogLevel.Debug, Message = "Pod {Pod} scheduled to {Node} ({Evaluated} nodes evaluated, {Feasible} feasible)")]
    public static partial void PodScheduled(this ILogger logger, string pod, string node, int evaluated, int feasible);

    [LoggerMessage(EventId = 5211, Level = LogLevel.Information, Message = "Unable to schedule pod {Pod}: {Reason}: {Message}")]
    public static partial void PodUnschedulable(this ILogger logger, string pod, string reason, string message);

    [LoggerMessage(EventId = 5212, Level = LogLevel.Warning, Message = "Binding pod {Pod} to {Node} failed: {Error}")]
    public static partial void BindFailed(this ILogger logger, string pod, string node, string error);

    [LoggerMessage(EventId = 5213, Level = LogLevel.Warning, Message = "Updating the status of pod {Pod} failed: {Error}")]
    public static partial void StatusUpdateFailed(this ILogger logger, string pod, string error);

    [LoggerMessage(EventId = 5214, Level = LogLevel.Debug, Message = "Pod {Pod} is gone or already assigned; not requeued")]
    public static partial void PodGone(this ILogger logger, string pod);

    [LoggerMessage(EventId = 5215, Level = LogLevel.Information, Message = "Pod {Pod} nominated to node {Node} by preemption")]
    public static partial void Nominated(this ILogger logger, string pod, string node);

    [LoggerMessage(EventId = 5216, Level = LogLevel.Error, Message = "Scheduling cycle of pod {Pod} failed unexpectedly")]
    public static partial void CycleCrashed(this ILogger logger, string pod, Exception exception);

    [LoggerMessage(EventId = 5220, Level = LogLevel.Warning, Message = "Pod {Pod} names scheduler {SchedulerName}, which has no profile here")]
    public static partial void NoProfile(this ILogger logger, string pod, string schedulerName);
}
