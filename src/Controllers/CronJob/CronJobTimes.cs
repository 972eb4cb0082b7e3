using System.Globalization;
using k8s.Models;

namespace KubeNet.Controllers.CronJob;

/// <summary>How many scheduled times passed unmet since the last one (missedSchedulesType).</summary>
internal enum MissedSchedules
{
    None,
    Few,
    Many,
}

/// <summary>The schedule arithmetic of pkg/controller/cronjob/utils.go, free of any clock but the one passed in.</summary>
internal static class CronJobTimes
{
    /// <summary>nextScheduleDelta: requeues land this long after the scheduled time, to absorb clock skew.</summary>
    public static readonly TimeSpan NextScheduleDelta = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// mostRecentScheduleTime: the time counting starts from (last schedule, else creation, else the starting
    /// deadline), the latest scheduled time not after <paramref name="now"/> (null if none), and how many were missed.
    /// </summary>
    public static (DateTime Earliest, DateTime? MostRecent, MissedSchedules Missed) MostRecentScheduleTime(
        V1CronJob cronJob, DateTime now, CronSchedule schedule, bool includeStartingDeadline)
    {
        var earliest = cronJob.Status?.LastScheduleTime ?? cronJob.Metadata.CreationTimestamp ?? now;
        if (includeStartingDeadline && cronJob.Spec?.StartingDeadlineSeconds is { } deadline)
        {
            var schedulingDeadline = now.AddSeconds(-deadline);
            if (schedulingDeadline > earliest)
            {
                earliest = schedulingDeadline;
            }
        }

        if (schedule.Next(earliest) is not { } t1 || now < t1)
        {
            return (earliest, null, MissedSchedules.None);
        }

        if (schedule.Next(t1) is not { } t2 || now < t2)
        {
            return (earliest, t1, MissedSchedules.None);
        }

        // A schedule like "59 23 31 2 *" parses but never fires twice a second apart sensibly.
        var between = (long)Math.Round((t2 - t1).TotalSeconds);
        if (between < 1)
        {
            throw new InvalidOperationException("time difference between two schedules is less than 1 second");
        }

        // Estimate how many fit, step back to just before the most recent, and let the schedule find it exactly.
        var elapsed = (long)(now - t1).TotalSeconds;
        var missed = (elapsed / between) + 1;
        DateTime? mostRecent = null;
        var potentialEarliest = t1.AddSeconds((missed - 2) * between);
        for (var t = schedule.Next(potentialEarliest); t is { } at && at <= now; t = schedule.Next(at))
        {
            mostRecent = at;
        }

        var kind = missed > 100 ? MissedSchedules.Many : missed > 0 ? MissedSchedules.Few : MissedSchedules.None;
        return (earliest, mostRecent, kind);
    }

    /// <summary>nextScheduleTimeDuration: how long until the next activation, plus the skew delta.</summary>
    public static TimeSpan NextScheduleTimeDuration(V1CronJob cronJob, DateTime now, CronSchedule schedule)
    {
        DateTime from;
        try
        {
            var (earliest, mostRecent, missed) = MostRecentScheduleTime(cronJob, now, schedule, includeStartingDeadline: false);
            from = mostRecent ?? (missed == MissedSchedules.None ? earliest : now);
        }
        catch (InvalidOperationException)
        {
            // Still requeue at some point: aim for the next slot from now.
            from = now;
        }

        return (schedule.Next(from) ?? now.AddYears(5)) + NextScheduleDelta - now;
    }

    /// <summary>nextScheduleTime: the unmet scheduled time to act on now, if any.</summary>
    public static (DateTime? Scheduled, MissedSchedules Missed) NextScheduleTime(V1CronJob cronJob, DateTime now, CronSchedule schedule)
    {
        var (_, mostRecent, missed) = MostRecentScheduleTime(cronJob, now, schedule, includeStartingDeadline: true);
        return mostRecent is null || mostRecent > now ? (null, missed) : (mostRecent, missed);
    }

    /// <summary>formatSchedule: spec.timeZone becomes a TZ= prefix unless the schedule names a zone itself.</summary>
    public static string FormatSchedule(V1CronJob cronJob)
    {
        var schedule = cronJob.Spec?.Schedule ?? string.Empty;
        if (schedule.Contains("TZ", StringComparison.Ordinal))
        {
            return schedule;
        }

        if (cronJob.Spec?.TimeZone is { } zone)
        {
            return CronSchedule.LoadLocation(zone) is null ? schedule : $"TZ={zone} {schedule}";
        }

        return schedule;
    }

    /// <summary>getJobName: the CronJob's name and the scheduled time in minutes since the epoch.</summary>
    public static string JobName(V1CronJob cronJob, DateTime scheduled) =>
        cronJob.Metadata.Name + "-" + (new DateTimeOffset(DateTime.SpecifyKind(scheduled, DateTimeKind.Utc)).ToUnixTimeSeconds() / 60).ToString(CultureInfo.InvariantCulture);

    /// <summary>time.RFC1123Z, as the MissSchedule event writes the missed time.</summary>
    public static string Rfc1123Z(DateTime utc) => utc.ToString("ddd, dd MMM yyyy HH:mm:ss '+0000'", CultureInfo.InvariantCulture);
}
