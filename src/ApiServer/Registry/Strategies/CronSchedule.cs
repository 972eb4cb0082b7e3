using KubeNet.ApiMachinery.Validation;
using System.Globalization;
using System.Text.RegularExpressions;

namespace KubeNet.ApiServer.Registry.Strategies;

/// <summary>
/// The checks of robfig/cron/v3's ParseStandard, which kube-apiserver uses for CronJob schedules: five fields or a
/// descriptor (@hourly, @every 1h30m...), with its error texts.
/// </summary>
internal static partial class CronSchedule
{
    private static readonly (string Name, uint Min, uint Max, string[]? Names)[] Fields =
    [
        ("minute", 0, 59, null),
        ("hour", 0, 23, null),
        ("dom", 1, 31, null),
        ("month", 1, 12, ["", "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]),
        ("dow", 0, 6, ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]),
    ];

    private static readonly HashSet<string> Descriptors = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"];

    /// <summary>Null when the schedule parses, else the parser's message.</summary>
    public static string? Check(string spec)
    {
        if (spec.Length == 0)
        {
            return "empty spec string";
        }

        if (spec.StartsWith("TZ=", StringComparison.Ordinal) || spec.StartsWith("CRON_TZ=", StringComparison.Ordinal))
        {
            var space = spec.IndexOf(' ', StringComparison.Ordinal);
            var zone = spec[(spec.IndexOf('=', StringComparison.Ordinal) + 1)..(space < 0 ? spec.Length : space)];
            if (!CronJobStrategy.IsKnownTimeZone(zone))
            {
                return $"provided bad location {zone}: unknown time zone {zone}";
            }

            spec = space < 0 ? string.Empty : spec[(space + 1)..].Trim();
        }

        if (spec.StartsWith('@'))
        {
            if (Descriptors.Contains(spec))
            {
                return null;
            }

            const string every = "@every ";
            if (spec.StartsWith(every, StringComparison.Ordinal))
            {
                var duration = spec[every.Length..];
                return GoDuration().IsMatch(duration) ? null : $"failed to parse duration {spec}: time: invalid duration {GoText.Quote(duration)}";
            }

            return $"unrecognized descriptor: {spec}";
        }

        var fields = spec.Split([' ', '\t', '\n', '\r', '\v', '\f'], StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length != 5)
        {
            return $"expected exactly 5 fields, found {fields.Length}: [{string.Join(' ', fields)}]";
        }

        for (var i = 0; i < fields.Length; i++)
        {
            foreach (var expr in fields[i].Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                var error = CheckRange(expr, Fields[i].Min, Fields[i].Max, Fields[i].Names);
                if (error is not null)
                {
                    return error;
                }
            }
        }

        return null;
    }

    private static string? CheckRange(string expr, uint min, uint max, string[]? names)
    {
        var rangeAndStep = expr.Split('/');
        var lowAndHigh = rangeAndStep[0].Split('-');
        uint start, end;
        if (lowAndHigh[0] is "*" or "?")
        {
            start = min;
            end = max;
        }
        else
        {
            if (ParseIntOrName(lowAndHigh[0], names, out start) is { } error)
            {
                return error;
            }

            switch (lowAndHigh.Length)
            {
                case 1:
                    end = start;
                    break;
                case 2:
                    if (ParseIntOrName(lowAndHigh[1], names, out end) is { } endError)
                    {
                        return endError;
                    }

                    break;
                default:
                    return $"too many hyphens: {expr}";
            }
        }

        uint step = 1;
        switch (rangeAndStep.Length)
        {
            case 1:
                break;
            case 2:
                if (ParseInt(rangeAndStep[1], out step) is { } stepError)
                {
                    return stepError;
                }

                // "N/step" means "N-max/step".
                if (lowAndHigh.Length == 1)
                {
                    end = max;
                }

                break;
            default:
                return $"too many slashes: {expr}";
        }

        if (start < min)
        {
            return $"beginning of range ({start}) below minimum ({min}): {expr}";
        }

        if (end > max)
        {
            return $"end of range ({end}) above maximum ({max}): {expr}";
        }

        if (start > end)
        {
            return $"beginning of range ({start}) beyond end of range ({end}): {expr}";
        }

        return step == 0 ? $"step of range should be a positive number: {expr}" : null;
    }

    private static string? ParseIntOrName(string expr, string[]? names, out uint value)
    {
        if (names is not null)
        {
            var index = Array.IndexOf(names, expr.ToLowerInvariant());
            if (index >= 0 && expr.Length > 0)
            {
                value = (uint)index;
                return null;
            }
        }

        return ParseInt(expr, out value);
    }

    private static string? ParseInt(string expr, out uint value)
    {
        value = 0;
        if (!GoInt().IsMatch(expr))
        {
            return $"failed to parse int from {expr}: strconv.Atoi: parsing {GoText.Quote(expr)}: invalid syntax";
        }

        if (!long.TryParse(expr, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
        {
            return $"failed to parse int from {expr}: strconv.Atoi: parsing {GoText.Quote(expr)}: value out of range";
        }

        if (number < 0)
        {
            return $"negative number ({number}) not allowed: {expr}";
        }

        value = number > uint.MaxValue ? uint.MaxValue : (uint)number;
        return null;
    }

    [GeneratedRegex(@"^[+-]?[0-9]+$", RegexOptions.CultureInvariant)]
    private static partial Regex GoInt();

    [GeneratedRegex(@"^[+-]?(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+$|^0$", RegexOptions.CultureInvariant)]
    private static partial Regex GoDuration();
}
