namespace KubeNet.Controllers.CronJob;

/// <summary>
/// An instant seen in a time zone, with the few operations of Go's time.Time the cron schedule needs: wall-clock
/// fields, time.Date with its normalisation (day 32 is the next month's first), AddDate on the wall clock, and Add and
/// Truncate on the absolute time. Schedules reproduce robfig/cron across daylight-saving changes only if these behave
/// as Go's do.
/// </summary>
internal readonly struct ZonedTime
{
    private readonly DateTime _local;

    public ZonedTime(DateTime utc, TimeZoneInfo zone)
    {
        Utc = DateTime.SpecifyKind(utc, DateTimeKind.Utc);
        Zone = zone;
        _local = TimeZoneInfo.ConvertTimeFromUtc(Utc, zone);
    }

    public DateTime Utc { get; }

    public TimeZoneInfo Zone { get; }

    public int Year => _local.Year;

    public int Month => _local.Month;

    public int Day => _local.Day;

    public int Hour => _local.Hour;

    public int Minute => _local.Minute;

    public int Second => _local.Second;

    public DayOfWeek DayOfWeek => _local.DayOfWeek;

    public TimeSpan Offset => Zone.GetUtcOffset(Utc);

    /// <summary>
    /// time.Date: the wall clock is normalised first, then placed in the zone with the offset in force there (in a
    /// gap or overlap, the offset found for the wall time read as UTC, rechecked at the resulting instant).
    /// </summary>
    public static ZonedTime Date(int year, int month, int day, int hour, int minute, int second, TimeZoneInfo zone)
    {
        var wall = new DateTime(year, 1, 1, 0, 0, 0, DateTimeKind.Unspecified)
            .AddMonths(month - 1).AddDays(day - 1).AddHours(hour).AddMinutes(minute).AddSeconds(second);
        var asUtc = DateTime.SpecifyKind(wall, DateTimeKind.Utc);
        var offset = zone.GetUtcOffset(asUtc);
        var utc = asUtc - offset;
        var recheck = zone.GetUtcOffset(utc);
        if (recheck != offset)
        {
            utc = asUtc - recheck;
        }

        return new ZonedTime(utc, zone);
    }

    /// <summary>AddDate: the same wall clock that many years, months and days later.</summary>
    public ZonedTime AddDate(int years, int months, int days) =>
        Date(Year + years, Month + months, Day + days, Hour, Minute, Second, Zone);

    public ZonedTime Add(TimeSpan duration) => new(Utc + duration, Zone);

    public ZonedTime TruncateTo(TimeSpan unit) => new(new DateTime(Utc.Ticks - (Utc.Ticks % unit.Ticks), DateTimeKind.Utc), Zone);

    public ZonedTime In(TimeZoneInfo zone) => new(Utc, zone);

    /// <summary>time.RFC3339 as Go writes it: "Z" for UTC, otherwise the numeric offset.</summary>
    public string ToRfc3339()
    {
        var offset = Offset;
        var suffix = offset == TimeSpan.Zero
            ? "Z"
            : (offset < TimeSpan.Zero ? "-" : "+") + offset.Duration().ToString(@"hh\:mm", System.Globalization.CultureInfo.InvariantCulture);
        return _local.ToString("yyyy-MM-dd'T'HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture) + suffix;
    }
}
