using System.Globalization;
using System.Text.RegularExpressions;

namespace KubeNet.Controllers.CronJob;

/// <summary>
/// A parsed cron schedule with robfig/cron/v3 ParseStandard semantics, which kube-controller-manager uses: five
/// fields (minute hour day-of-month month day-of-week) or a descriptor (@yearly, @monthly, @weekly, @daily,
/// @midnight, @hourly, @every 1h30m), optionally prefixed by TZ=Zone or CRON_TZ=Zone. Next returns the first
/// activation strictly after a time, or null when there is none within five years.
/// </summary>
internal abstract partial class CronSchedule
{
    private const ulong StarBit = 1UL << 63;

    private static readonly Bounds Seconds = new(0, 59, null);
    private static readonly Bounds Minutes = new(0, 59, null);
    private static readonly Bounds Hours = new(0, 23, null);
    private static readonly Bounds DaysOfMonth = new(1, 31, null);
    private static readonly Bounds Months = new(1, 12, new Dictionary<string, uint>
    {
        ["jan"] = 1, ["feb"] = 2, ["mar"] = 3, ["apr"] = 4, ["may"] = 5, ["jun"] = 6,
        ["jul"] = 7, ["aug"] = 8, ["sep"] = 9, ["oct"] = 10, ["nov"] = 11, ["dec"] = 12,
    });

    private static readonly Bounds DaysOfWeek = new(0, 6, new Dictionary<string, uint>
    {
        ["sun"] = 0, ["mon"] = 1, ["tue"] = 2, ["wed"] = 3, ["thu"] = 4, ["fri"] = 5, ["sat"] = 6,
    });

    public abstract DateTime? Next(DateTime utc);

    /// <summary>cron.ParseStandard; <paramref name="localZone"/> stands in for time.Local when no zone is named.</summary>
    public static bool TryParse(string spec, TimeZoneInfo localZone, out CronSchedule? schedule, out string? error)
    {
        schedule = null;
        try
        {
            schedule = Parse(spec, localZone);
            error = null;
            return true;
        }
        catch (FormatException ex)
        {
            error = ex.Message;
            return false;
        }
    }

    public static CronSchedule Parse(string spec, TimeZoneInfo localZone)
    {
        if (spec.Length == 0)
        {
            throw new FormatException("empty spec string");
        }

        var zone = localZone;
        if (spec.StartsWith("TZ=", StringComparison.Ordinal) || spec.StartsWith("CRON_TZ=", StringComparison.Ordinal))
        {
            var space = spec.IndexOf(' ', StringComparison.Ordinal);
            var eq = spec.IndexOf('=', StringComparison.Ordinal);
            var name = space < 0 ? spec[(eq + 1)..] : spec[(eq + 1)..space];
            zone = LoadLocation(name) ?? throw new FormatException($"provided bad location {name}: unknown time zone {name}");
            spec = space < 0 ? string.Empty : spec[space..].Trim();
        }

        if (spec.StartsWith('@'))
        {
            return Descriptor(spec, zone);
        }

        var fields = spec.Split([' ', '\t', '\n', '\r', '\v', '\f'], StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length != 5)
        {
            throw new FormatException($"expected exactly 5 fields, found {fields.Length}: [{string.Join(' ', fields)}]");
        }

        return new Spec(
            Field("0", Seconds),
            Field(fields[0], Minutes),
            Field(fields[1], Hours),
            Field(fields[2], DaysOfMonth),
            Field(fields[3], Months),
            Field(fields[4], DaysOfWeek),
            zone);
    }

    /// <summary>time.LoadLocation: "" and "UTC" are UTC, "Local" the local zone, anything else from the IANA database.</summary>
    public static TimeZoneInfo? LoadLocation(string name)
    {
        if (name is "" or "UTC")
        {
            return TimeZoneInfo.Utc;
        }

        if (name == "Local")
        {
            return TimeZoneInfo.Local;
        }

        try
        {
            var zone = TimeZoneInfo.FindSystemTimeZoneById(name);
            return zone.HasIanaId ? zone : null;
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return null;
        }
    }

    private static CronSchedule Descriptor(string descriptor, TimeZoneInfo zone)
    {
        var all = (Bounds b) => Bits(b.Min, b.Max, 1) | StarBit;
        switch (descriptor)
        {
            case "@yearly" or "@annually":
                return new Spec(1UL << 0, 1UL << 0, 1UL << 0, 1UL << 1, 1UL << 1, all(DaysOfWeek), zone);
            case "@monthly":
                return new Spec(1UL << 0, 1UL << 0, 1UL << 0, 1UL << 1, all(Months), all(DaysOfWeek), zone);
            case "@weekly":
                return new Spec(1UL << 0, 1UL << 0, 1UL << 0, all(DaysOfMonth), all(Months), 1UL << 0, zone);
            case "@daily" or "@midnight":
                return new Spec(1UL << 0, 1UL << 0, 1UL << 0, all(DaysOfMonth), all(Months), all(DaysOfWeek), zone);
            case "@hourly":
                return new Spec(1UL << 0, 1UL << 0, all(Hours), all(DaysOfMonth), all(Months), all(DaysOfWeek), zone);
        }

        const string every = "@every ";
        if (descriptor.StartsWith(every, StringComparison.Ordinal))
        {
            var text = descriptor[every.Length..];
            var duration = ParseGoDuration(text) ?? throw new FormatException($"failed to parse duration {descriptor}: time: invalid duration \"{text}\"");
            return new Every(duration);
        }

        throw new FormatException("unrecognized descriptor: " + descriptor);
    }

    private static ulong Field(string field, Bounds bounds)
    {
        ulong bits = 0;
        foreach (var expr in field.Split(','))
        {
            bits |= Range(expr, bounds);
        }

        return bits;
    }

    private static ulong Range(string expr, Bounds bounds)
    {
        var rangeAndStep = expr.Split('/');
        var lowAndHigh = rangeAndStep[0].Split('-');
        var single = lowAndHigh.Length == 1;
        uint start, end;
        ulong extra = 0;
        if (lowAndHigh[0] is "*" or "?")
        {
            start = bounds.Min;
            end = bounds.Max;
            extra = StarBit;
        }
        else
        {
            start = IntOrName(lowAndHigh[0], bounds.Names);
            end = lowAndHigh.Length switch
            {
                1 => start,
                2 => IntOrName(lowAndHigh[1], bounds.Names),
                _ => throw new FormatException("too many hyphens: " + expr),
            };
        }

        uint step;
        switch (rangeAndStep.Length)
        {
            case 1:
                step = 1;
                break;
            case 2:
                step = Int(rangeAndStep[1]);

                // "N/step" means "N-max/step".
                if (single)
                {
                    end = bounds.Max;
                }

                if (step > 1)
                {
                    extra = 0;
                }

                break;
            default:
                throw new FormatException("too many slashes: " + expr);
        }

        if (start < bounds.Min)
        {
            throw new FormatException($"beginning of range ({start}) below minimum ({bounds.Min}): {expr}");
        }

        if (end > bounds.Max)
        {
            throw new FormatException($"end of range ({end}) above maximum ({bounds.Max}): {expr}");
        }

        if (start > end)
        {
            throw new FormatException($"beginning of range ({start}) beyond end of range ({end}): {expr}");
        }

        if (step == 0)
        {
            throw new FormatException("step of range should be a positive number: " + expr);
        }

        return Bits(start, end, step) | extra;
    }

    private static uint IntOrName(string expr, Dictionary<string, uint>? names)
    {
        if (names is not null && names.TryGetValue(expr.ToLowerInvariant(), out var named))
        {
            return named;
        }

        return Int(expr);
    }

    private static uint Int(string expr)
    {
        if (!long.TryParse(expr, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
        {
            throw new FormatException($"failed to parse int from {expr}: strconv.Atoi: parsing \"{expr}\": invalid syntax");
        }

        if (number < 0)
        {
            throw new FormatException($"negative number ({number}) not allowed: {expr}");
        }

        return number > uint.MaxValue ? uint.MaxValue : (uint)number;
    }

    private static ulong Bits(uint min, uint max, uint step)
    {
        ulong bits = 0;
        if (step == 1)
        {
            return ~(ulong.MaxValue << (int)(max + 1)) & (ulong.MaxValue << (int)min);
        }

        for (var i = min; i <= max; i += step)
        {
            bits |= 1UL << (int)i;
        }

        return bits;
    }

    /// <summary>time.ParseDuration for the units cron accepts: "1h30m", "90s", "1.5h", "500ms".</summary>
    internal static TimeSpan? ParseGoDuration(string text)
    {
        if (text == "0")
        {
            return TimeSpan.Zero;
        }

        var match = GoDuration().Match(text);
        if (!match.Success)
        {
            return null;
        }

        var sign = text.StartsWith('-') ? -1 : 1;
        double ticks = 0;
        foreach (Capture part in match.Groups["part"].Captures)
        {
            var unitStart = part.Value.IndexOfAny(['n', 'u', 'µ', 'μ', 'm', 's', 'h']);
            var number = double.Parse(part.Value[..unitStart], CultureInfo.InvariantCulture);
            ticks += part.Value[unitStart..] switch
            {
                "ns" => number / 100,
                "us" or "µs" or "μs" => number * 10,
                "ms" => number * TimeSpan.TicksPerMillisecond,
                "s" => number * TimeSpan.TicksPerSecond,
                "m" => number * TimeSpan.TicksPerMinute,
                _ => number * TimeSpan.TicksPerHour,
            };
        }

        return TimeSpan.FromTicks((long)(sign * ticks));
    }

    [GeneratedRegex(@"^[+-]?(?<part>([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+$", RegexOptions.CultureInvariant)]
    private static partial Regex GoDuration();

    private sealed record Bounds(uint Min, uint Max, Dictionary<string, uint>? Names);

    /// <summary>ConstantDelaySchedule: every interval, at whole seconds, at least one second apart.</summary>
    private sealed class Every : CronSchedule
    {
        private readonly TimeSpan _delay;

        public Every(TimeSpan duration)
        {
            if (duration < TimeSpan.FromSeconds(1))
            {
                duration = TimeSpan.FromSeconds(1);
            }

            _delay = duration - TimeSpan.FromTicks(duration.Ticks % TimeSpan.TicksPerSecond);
        }

        public override DateTime? Next(DateTime utc) => utc + _delay - TimeSpan.FromTicks(utc.Ticks % TimeSpan.TicksPerSecond);
    }

    /// <summary>SpecSchedule: one bit per allowed value of each field.</summary>
    private sealed class Spec(ulong second, ulong minute, ulong hour, ulong dom, ulong month, ulong dow, TimeZoneInfo zone) : CronSchedule
    {
        public override DateTime? Next(DateTime utc)
        {
            var t = new ZonedTime(utc, zone);

            // The earliest possible time is the next whole second.
            t = t.TruncateTo(TimeSpan.FromSeconds(1)).Add(TimeSpan.FromSeconds(1));
            var added = false;
            var yearLimit = t.Year + 5;

        Wrap:
            if (t.Year > yearLimit)
            {
                return null;
            }

            while ((1UL << t.Month & month) == 0)
            {
                if (!added)
                {
                    added = true;
                    t = ZonedTime.Date(t.Year, t.Month, 1, 0, 0, 0, zone);
                }

                t = t.AddDate(0, 1, 0);
                if (t.Month == 1)
                {
                    goto Wrap;
                }
            }

            while (!DayMatches(t))
            {
                if (!added)
                {
                    added = true;
                    t = ZonedTime.Date(t.Year, t.Month, t.Day, 0, 0, 0, zone);
                }

                t = t.AddDate(0, 0, 1);

                // Where daylight saving moves midnight, land on the hour that exists.
                if (t.Hour != 0)
                {
                    t = t.Hour > 12 ? t.Add(TimeSpan.FromHours(24 - t.Hour)) : t.Add(TimeSpan.FromHours(-t.Hour));
                }

                if (t.Day == 1)
                {
                    goto Wrap;
                }
            }

            while ((1UL << t.Hour & hour) == 0)
            {
                if (!added)
                {
                    added = true;
                    t = ZonedTime.Date(t.Year, t.Month, t.Day, t.Hour, 0, 0, zone);
                }

                t = t.Add(TimeSpan.FromHours(1));
                if (t.Hour == 0)
                {
                    goto Wrap;
                }
            }

            while ((1UL << t.Minute & minute) == 0)
            {
                if (!added)
                {
                    added = true;
                    t = t.TruncateTo(TimeSpan.FromMinutes(1));
                }

                t = t.Add(TimeSpan.FromMinutes(1));
                if (t.Minute == 0)
                {
                    goto Wrap;
                }
            }

            while ((1UL << t.Second & second) == 0)
            {
                if (!added)
                {
                    added = true;
                    t = t.TruncateTo(TimeSpan.FromSeconds(1));
                }

                t = t.Add(TimeSpan.FromSeconds(1));
                if (t.Second == 0)
                {
                    goto Wrap;
                }
            }

            return t.Utc;
        }

        // A day matches on day-of-month AND day-of-week when either field is "*", otherwise on either.
        private bool DayMatches(ZonedTime t)
        {
            var domMatch = (1UL << t.Day & dom) > 0;
            var dowMatch = (1UL << (int)t.DayOfWeek & dow) > 0;
            return (dom & StarBit) > 0 || (dow & StarBit) > 0 ? domMatch && dowMatch : domMatch || dowMatch;
        }
    }
}
