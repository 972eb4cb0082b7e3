using Microsoft.Extensions.Logging;

namespace KubeNet.Controllers.ReplicaSet;

internal static partial class ReplicaSetLog
{
    [LoggerMessage(EventId = 4200, Level = LogLevel.Warning, Message = "Syncing {Kind} {Key} failed, retrying: {Error}")]
    public static partial void SyncFailed(ILogger logger, string kind, string key, string error);

    [LoggerMessage(EventId = 4201, Level = LogLevel.Warning, Message = "{Kind} {Key} has an invalid selector; it manages no pods")]
    public static partial void BadSelector(ILogger logger, string kind, string key);

    [LoggerMessage(EventId = 4202, Level = LogLevel.Debug, Message = "{Kind} {Key}: too few replicas, need {Replicas}, creating {Count}")]
    public static partial void TooFew(ILogger logger, string kind, string key, int replicas, int count);

    [LoggerMessage(EventId = 4203, Level = LogLevel.Debug, Message = "{Kind} {Key}: too many replicas, need {Replicas}, deleting {Count}")]
    public static partial void TooMany(ILogger logger, string kind, string key, int replicas, int count);

    [LoggerMessage(EventId = 4204, Level = LogLevel.Warning, Message = "More than one {Kind} selects pod {Namespace}/{Pod}: user error")]
    public static partial void Overlapping(ILogger logger, string kind, string @namespace, string pod);
}
