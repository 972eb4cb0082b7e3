using System.Globalization;

namespace KubeNet.ApiServer.Printers;

/// <summary>
/// Ages as kubectl shows them: apimachinery's duration.HumanDuration, which keeps two or three significant figures
/// ("45s", "3m20s", "5h10m", "2d3h", "1y200d").
/// </summary>
internal static class Durations
{
    public const string Unknown = "<unknown>";

    /// <summary>The time since <paramref name="timestamp"/>, or "&lt;unknown&gt;" when it is unset.</summary>
    public static string Since(DateTime? timestamp, DateTime now)
        => IsZero(timestamp) ? Unknown : Human(now - Utc(timestamp!.Value));

    /// <summary>True for an unset timestamp; Go's zero time is year 1, as DateTime.MinValue is.</summary>
    public static bool IsZero(DateTime? timestamp) => timestamp is null || timestamp.Value.Ticks == 0;

    /// <summary>
    /// Reads a timestamp as UTC. The client's decoder may hand back local or unspecified kinds; the wire always
    /// carries UTC.
    /// </summary>
    public static DateTime Utc(DateTime t) => t.Kind switch
    {
        DateTimeKind.Local => t.ToUniversalTime(),
        DateTimeKind.Unspecified => DateTime.SpecifyKind(t, DateTimeKind.Utc),
        _ => t,
    };

    public static string Human(TimeSpan d)
    {
        // Integer division truncates toward zero, as Go's conversions of durations do.
        var seconds = d.Ticks / TimeSpan.TicksPerSecond;

        // Up to one second in the future counts as now: clocks of clients and servers drift.
        if (seconds < -1)
        {
            return "<invalid>";
        }

        if (seconds < 0)
        {
            return "0s";
        }

        if (seconds < 120)
        {
            return Format("{0}s", seconds);
        }

        var minutes = d.Ticks / TimeSpan.TicksPerMinute;
        if (minutes < 10)
        {
            var s = seconds % 60;
            return s == 0 ? Format("{0}m", minutes) : Format("{0}m{1}s", minutes, s);
        }

        if (minutes < 180)
        {
            return Format("{0}m", minutes);
        }

        var hours = d.Ticks / TimeSpan.TicksPerHour;
        if (hours < 8)
        {
            var m = minutes % 60;
            return m == 0 ? Format("{0}h", hours) : Format("{0}h{1}m", hours, m);
        }

        if (hours < 48)
        {
            return Format("{0}h", hours);
        }

        if (hours < 24 * 8)
        {
            var h = hours % 24;
            return h == 0 ? Format("{0}d", hours / 24) : Format("{0}d{1}h", hours / 24, h);
        }

        if (hours < 24 * 365 * 2)
        {
            return Format("{0}d", hours / 24);
        }

        if (hours < 24 * 365 * 8)
        {
            var days = hours / 24 % 365;
            return days == 0 ? Format("{0}y", hours / 24 / 365) : Format("{0}y{1}d", hours / 24 / 365, days);
        }

        return Format("{0}y", hours / 24 / 365);
    }

    private static string Format(string format, long a) => string.Format(CultureInfo.InvariantCulture, format, a);

    private static string Format(string format, long a, long b) => string.Format(CultureInfo.InvariantCulture, format, a, b);
}
