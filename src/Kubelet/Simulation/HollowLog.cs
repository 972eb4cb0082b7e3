using Microsoft.Extensions.Logging;

namespace KubeNet.Kubelet.Simulation;

/// <summary>Log messages of the simulated nodes; event ids 5100-5199 stay stable for log queries.</summary>
internal static partial class HollowLog
{
    [LoggerMessage(EventId = 5101, Level = LogLevel.Information, Message = "Registered {Count} hollow nodes ({First} .. {Last}) in {ElapsedMs} ms")]
    public static partial void Registered(this ILogger logger, int count, string first, string last, long elapsedMs);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Warning, Message = "Registering hollow node {Node} failed: {Error}")]
    public static partial void RegisterFailed(this ILogger logger, string node, string error);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Warning, Message = "Renewing the lease of hollow node {Node} failed: {Error}")]
    public static partial void LeaseFailed(this ILogger logger, string node, string error);

    [LoggerMessage(EventId = 5104, Level = LogLevel.Warning, Message = "Reporting the status of hollow node {Node} failed: {Error}")]
    public static partial void NodeStatusFailed(this ILogger logger, string node, string error);

    [LoggerMessage(EventId = 5105, Level = LogLevel.Information, Message = "Hollow node {Node} is gone from the API server; registering it again")]
    public static partial void NodeGone(this ILogger logger, string node);

    [LoggerMessage(EventId = 5106, Level = LogLevel.Information, Message = "Hollow node pool of {Count} nodes stopped")]
    public static partial void Stopped(this ILogger logger, int count);

    [LoggerMessage(EventId = 5110, Level = LogLevel.Debug, Message = "Listed {Count} pods bound to nodes at resourceVersion {ResourceVersion}")]
    public static partial void PodsListed(this ILogger logger, int count, string? resourceVersion);

    [LoggerMessage(EventId = 5111, Level = LogLevel.Warning, Message = "Pod watch failed: {Error}; watching again")]
    public static partial void WatchFailed(this ILogger logger, string error);

    [LoggerMessage(EventId = 5112, Level = LogLevel.Information, Message = "Pod watch resourceVersion {ResourceVersion} is too old; listing again")]
    public static partial void WatchExpired(this ILogger logger, string? resourceVersion);

    [LoggerMessage(EventId = 5113, Level = LogLevel.Warning, Message = "Pod {Namespace}/{Name}: {Stage} failed: {Error}")]
    public static partial void PodFailed(this ILogger logger, string @namespace, string name, string stage, string error);

    [LoggerMessage(EventId = 5114, Level = LogLevel.Debug, Message = "Pod {Namespace}/{Name} on {Node}: {Stage} done")]
    public static partial void PodDone(this ILogger logger, string @namespace, string name, string node, string stage);
}
