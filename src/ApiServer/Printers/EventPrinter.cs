using k8s.Models;
using KubeNet.ApiServer.Http;
using static KubeNet.ApiServer.Printers.Columns;

namespace KubeNet.ApiServer.Printers;

/// <summary>
/// The events printer of kube-apiserver 1.32 (LAST SEEN, TYPE, REASON, OBJECT, MESSAGE; more with -o wide). Events
/// written through events.k8s.io carry eventTime and series instead of the core timestamps and count, so both
/// shapes are read.
/// </summary>
internal static class EventPrinter
{
    public static IReadOnlyList<TableColumn> Columns { get; } =
    [
        Of<Corev1Event>("Last Seen", "string", Docs.EventLastTimestamp, LastSeen),
        Text<Corev1Event>("Type", Docs.EventType, e => e.Type ?? string.Empty),
        Text<Corev1Event>("Reason", Docs.EventReason, e => e.Reason ?? string.Empty),
        Text<Corev1Event>("Object", Docs.EventInvolvedObject, Target),
        Text<Corev1Event>("Subobject", Docs.ObjectReferenceFieldPath, e => e.InvolvedObject?.FieldPath ?? string.Empty, 1),
        Text<Corev1Event>("Source", Docs.EventSource, Source, 1),
        Text<Corev1Event>("Message", Docs.EventMessage, e => (e.Message ?? string.Empty).Trim()),
        Of<Corev1Event>("First Seen", "string", Docs.EventFirstTimestamp, FirstSeen, 1),
        Of<Corev1Event>("Count", "string", Docs.EventCount, (e, _) => Count(e), 1),
        Name(priority: 1),
    ];

    /// <summary>firstTimestamp, or eventTime for events that have none.</summary>
    internal static string FirstSeen(Corev1Event e, DateTime now)
        => Durations.IsZero(e.FirstTimestamp) ? Durations.Since(e.EventTime, now) : Durations.Since(e.FirstTimestamp, now);

    /// <summary>The series' last observation, else lastTimestamp, else the first sighting.</summary>
    internal static string LastSeen(Corev1Event e, DateTime now)
    {
        if (e.Series is not null)
        {
            return Durations.Since(e.Series.LastObservedTime, now);
        }

        return Durations.IsZero(e.LastTimestamp) ? FirstSeen(e, now) : Durations.Since(e.LastTimestamp, now);
    }

    /// <summary>The series count, else count; a singleton event of the new API has neither and counts once.</summary>
    internal static long Count(Corev1Event e)
    {
        if (e.Series is not null)
        {
            return e.Series.Count ?? 0;
        }

        var count = e.Count ?? 0;
        return count == 0 ? 1 : count;
    }

    /// <summary>"kind/name" in lower-case kind, or the kind alone for an event about no named object.</summary>
    internal static string Target(Corev1Event e)
    {
        var kind = (e.InvolvedObject?.Kind ?? string.Empty).ToLowerInvariant();
        var name = e.InvolvedObject?.Name;
        return string.IsNullOrEmpty(name) ? kind : kind + "/" + name;
    }

    /// <summary>formatEventSource: component (or reporting controller), then ", host" (or reporting instance) when known.</summary>
    internal static string Source(Corev1Event e)
    {
        var component = FirstNonEmpty(e.Source?.Component, e.ReportingComponent);
        var instance = FirstNonEmpty(e.Source?.Host, e.ReportingInstance);
        return instance.Length == 0 ? component : component + ", " + instance;
    }

    private static string FirstNonEmpty(string? a, string? b) => !string.IsNullOrEmpty(a) ? a : b ?? string.Empty;
}
