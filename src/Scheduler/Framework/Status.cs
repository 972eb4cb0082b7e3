namespace KubeNet.Scheduler.Framework;

/// <summary>The outcome kinds of an extension point, as upstream's framework.Code.</summary>
internal enum StatusCode
{
    /// <summary>The plugin ran and the pod may continue (a null status means the same).</summary>
    Success,

    /// <summary>An internal or transient failure: the pod is retried after a backoff whatever the cluster does.</summary>
    Error,

    /// <summary>The pod does not fit now; preemption may help.</summary>
    Unschedulable,

    /// <summary>The pod does not fit and removing pods would not change that: preemption skips the node.</summary>
    UnschedulableAndUnresolvable,

    /// <summary>A Permit plugin asks the pod to wait before binding.</summary>
    Wait,

    /// <summary>PreFilter/PreScore: the plugin has nothing to do for this pod; its Filter/Score is skipped.</summary>
    Skip,

    /// <summary>The pod waits for something outside the cluster's state (retried as soon as the plugin says so).</summary>
    Pending,
}

/// <summary>
/// What an extension point returns when it does not simply succeed. Success is written as null throughout the framework,
/// so the common path allocates nothing; plugins keep their fixed failure statuses in static fields.
/// </summary>
internal sealed class Status
{
    /// <summary>The shared Skip status.</summary>
    public static readonly Status Skip = new(StatusCode.Skip);

    public Status(StatusCode code, params string[] reasons)
    {
        Code = code;
        Reasons = reasons;
    }

    public StatusCode Code { get; }

    /// <summary>The reasons FailedScheduling counts per node, e.g. "Insufficient cpu".</summary>
    public IReadOnlyList<string> Reasons { get; }

    /// <summary>The plugin that produced the status, when the framework knows it.</summary>
    public string? Plugin { get; private init; }

    public Exception? Exception { get; private init; }

    public string Message => Reasons.Count switch
    {
        0 => Exception?.Message ?? string.Empty,
        1 => Reasons[0],
        _ => string.Join(", ", Reasons),
    };

    /// <summary>Unschedulable, UnschedulableAndUnresolvable or Pending: the pod waits for a cluster event.</summary>
    public bool IsRejected => Code is StatusCode.Unschedulable or StatusCode.UnschedulableAndUnresolvable or StatusCode.Pending;

    public static bool IsSuccess(Status? status) => status is null || status.Code == StatusCode.Success;

    public static Status Error(string message) => new(StatusCode.Error, message);

    public static Status FromException(Exception exception) => new(StatusCode.Error, exception.Message) { Exception = exception };

    public static Status Unschedulable(string reason) => new(StatusCode.Unschedulable, reason);

    public static Status Unresolvable(string reason) => new(StatusCode.UnschedulableAndUnresolvable, reason);

    /// <summary>This status as reported by <paramref name="plugin"/>; shared statuses that already name it are reused.</summary>
    public Status WithPlugin(string plugin) =>
        string.Equals(Plugin, plugin, StringComparison.Ordinal) ? this : new Status(Code, [.. Reasons]) { Plugin = plugin, Exception = Exception };

    /// <summary>A status made for one plugin, so returning it never needs a copy.</summary>
    public static Status For(string plugin, StatusCode code, params string[] reasons) => new(code, reasons) { Plugin = plugin };

    public override string ToString() => Plugin is null ? $"{Code}: {Message}" : $"{Plugin} {Code}: {Message}";
}
