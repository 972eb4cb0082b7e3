using KubeNet.Controllers.CronJob;

namespace KubeNet.Controllers.Tests.Workloads;

/// <summary>Cron parsing and next activations as robfig/cron/v3 computes them, time zones and daylight saving included.</summary>
public sealed class CronScheduleTests
{
    private static DateTime Utc(string text) => DateTime.Parse(text, System.Globalization.CultureInfo.InvariantCulture,
        System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal);

    private static DateTime? Next(string spec, string after) => CronSchedule.Parse(spec, TimeZoneInfo.Utc).Next(Utc(after));

    [Theory]
    [InlineData("*/5 * * * *", "2024-05-01T10:03:30Z", "2024-05-01T10:05:00Z")]
    [InlineData("* * * * *", "2024-05-01T10:03:00Z", "2024-05-01T10:04:00Z")]
    [InlineData("0 * * * *", "2024-05-01T10:00:00Z", "2024-05-01T11:00:00Z")]
    [InlineData("@hourly", "2024-05-01T10:59:59Z", "2024-05-01T11:00:00Z")]
    [InlineData("@daily", "2024-05-01T10:00:00Z", "2024-05-02T00:00:00Z")]
    [InlineData("@midnight", "2024-12-31T23:00:00Z", "2025-01-01T00:00:00Z")]
    [InlineData("@weekly", "2024-05-01T10:00:00Z", "2024-05-05T00:00:00Z")]
    [InlineData("@monthly", "2024-05-01T10:00:00Z", "2024-06-01T00:00:00Z")]
    [InlineData("@yearly", "2024-05-01T10:00:00Z", "2025-01-01T00:00:00Z")]
    [InlineData("@annually", "2024-05-01T10:00:00Z", "2025-01-01T00:00:00Z")]
    [InlineData("@every 1h30m", "2024-05-01T10:00:00.7Z", "2024-05-01T11:30:00Z")]
    [InlineData("@every 90s", "2024-05-01T10:00:00Z", "2024-05-01T10:01:30Z")]
    [InlineData("0 9 * * mon-fri", "2024-05-03T10:00:00Z", "2024-05-06T09:00:00Z")]
    [InlineData("0 0 13 * 5", "2024-05-01T00:00:00Z", "2024-05-03T00:00:00Z")]
    [InlineData("0 0 13 * *", "2024-05-01T00:00:00Z", "2024-05-13T00:00:00Z")]
    [InlineData("15 10 * jan,jul *", "2024-05-01T00:00:00Z", "2024-07-01T10:15:00Z")]
    [InlineData("0 12 29 2 *", "2024-03-01T00:00:00Z", "2028-02-29T12:00:00Z")]
    [InlineData("5-10/2 * * * *", "2024-05-01T10:06:00Z", "2024-05-01T10:07:00Z")]
    [InlineData("30/15 * * * ?", "2024-05-01T10:50:00Z", "2024-05-01T11:30:00Z")]
    public void Next_matches_robfig_cron(string spec, string after, string expected) =>
        Assert.Equal(Utc(expected), Next(spec, after));

    [Fact]
    public void A_day_that_never_comes_has_no_next_time() => Assert.Null(Next("0 0 30 2 *", "2024-01-01T00:00:00Z"));

    [Theory]
    // 09:00 in New York is 14:00Z in winter and 13:00Z in summer.
    [InlineData("TZ=America/New_York 0 9 * * *", "2024-03-09T12:00:00Z", "2024-03-09T14:00:00Z")]
    [InlineData("CRON_TZ=America/New_York 0 9 * * *", "2024-03-10T15:00:00Z", "2024-03-11T13:00:00Z")]
    // 02:30 does not exist on the day clocks spring forward: that day is skipped.
    [InlineData("TZ=America/New_York 30 2 * * *", "2024-03-10T04:00:00Z", "2024-03-11T06:30:00Z")]
    // 01:30 happens twice when clocks fall back: the first one counts.
    [InlineData("TZ=America/New_York 30 1 * * *", "2024-11-03T04:00:00Z", "2024-11-03T05:30:00Z")]
    [InlineData("TZ=Asia/Kolkata 0 0 * * *", "2024-05-01T00:00:00Z", "2024-05-01T18:30:00Z")]
    public void Time_zones_and_daylight_saving(string spec, string after, string expected) =>
        Assert.Equal(Utc(expected), Next(spec, after));

    [Theory]
    [InlineData("", "empty spec string")]
    [InlineData("* * *", "expected exactly 5 fields, found 3: [* * *]")]
    [InlineData("61 * * * *", "end of range (61) above maximum (59): 61")]
    [InlineData("* * 0 * *", "beginning of range (0) below minimum (1): 0")]
    [InlineData("5-2 * * * *", "beginning of range (5) beyond end of range (2): 5-2")]
    [InlineData("*/0 * * * *", "step of range should be a positive number: */0")]
    [InlineData("@fortnightly", "unrecognized descriptor: @fortnightly")]
    [InlineData("TZ=Mars/Olympus * * * * *", "provided bad location Mars/Olympus: unknown time zone Mars/Olympus")]
    [InlineData("a * * * *", "failed to parse int from a: strconv.Atoi: parsing \"a\": invalid syntax")]
    public void Bad_schedules_fail_with_the_parser_message(string spec, string message)
    {
        Assert.False(CronSchedule.TryParse(spec, TimeZoneInfo.Utc, out _, out var error));
        Assert.Equal(message, error);
    }

    [Theory]
    [InlineData("1h30m", 5400)]
    [InlineData("1.5h", 5400)]
    [InlineData("90s", 90)]
    [InlineData("2m500ms", 120.5)]
    public void Go_durations(string text, double seconds) => Assert.Equal(TimeSpan.FromSeconds(seconds), CronSchedule.ParseGoDuration(text));
}
