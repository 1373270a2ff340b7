using System.Globalization;

namespace GitOpsDeploy.Calendar;

/// <summary>
/// A cron schedule read and evaluated exactly as Argo CD does for sync windows: robfig/cron v3 with the parser
/// options <c>Minute | Hour | Dom | Month | Dow</c> (five fields, no seconds, no <c>@daily</c> descriptors,
/// an optional <c>CRON_TZ=</c>/<c>TZ=</c> prefix).
/// </summary>
/// <remarks>
/// <para>Fields: <c>*</c>, <c>?</c> (same as <c>*</c>), numbers, <c>a-b</c>, <c>a-b/n</c>, <c>a/n</c> (= <c>a-max/n</c>),
/// lists with <c>,</c>; month names <c>jan</c>..<c>dec</c> and day names <c>sun</c>..<c>sat</c> (any case). Day of week is
/// 0-6 (7 is rejected, unlike Vixie cron); no <c>L</c>, <c>W</c> or <c>#</c>.</para>
/// <para>Day of month and day of week: if either field starts with <c>*</c> or <c>?</c> (and has no step above 1) both
/// must match; otherwise either may match (so <c>0 0 1-31 * 1</c> fires every day, while croniter fires on Mondays only).</para>
/// <para><see cref="Next(DateTime)"/> follows robfig's <c>SpecSchedule.Next</c>: the first occurrence strictly after the
/// given time, and "none" (Go's zero time) when none falls within the next five calendar years.</para>
/// </remarks>
public sealed class CronSchedule
{
    private const ulong StarBit = 1UL << 63;
    private const ulong SecondBits = 1UL; // the seconds field defaults to "0"

    private static readonly Dictionary<string, int> MonthNames = new(StringComparer.Ordinal)
    {
        ["jan"] = 1, ["feb"] = 2, ["mar"] = 3, ["apr"] = 4, ["may"] = 5, ["jun"] = 6,
        ["jul"] = 7, ["aug"] = 8, ["sep"] = 9, ["oct"] = 10, ["nov"] = 11, ["dec"] = 12,
    };

    private static readonly Dictionary<string, int> DayNames = new(StringComparer.Ordinal)
    {
        ["sun"] = 0, ["mon"] = 1, ["tue"] = 2, ["wed"] = 3, ["thu"] = 4, ["fri"] = 5, ["sat"] = 6,
    };

    private readonly ulong minute;
    private readonly ulong hour;
    private readonly ulong dom;
    private readonly ulong month;
    private readonly ulong dow;

    private CronSchedule(string expression, TimeZoneInfo? location, ulong minute, ulong hour, ulong dom, ulong month, ulong dow)
    {
        Expression = expression;
        Location = location;
        this.minute = minute;
        this.hour = hour;
        this.dom = dom;
        this.month = month;
        this.dow = dow;
    }

    /// <summary>The schedule as written.</summary>
    public string Expression { get; }

    /// <summary>
    /// The zone of a <c>CRON_TZ=</c> or <c>TZ=</c> prefix, or null: then the schedule is evaluated in the zone of the
    /// time it is given, which for Argo CD is always UTC (a clock already shifted by the window's <c>timeZone</c>).
    /// </summary>
    public TimeZoneInfo? Location { get; }

    /// <summary>True when both day fields are restricted, so that a day matches when either matches.</summary>
    public bool DaysAreOred => (dom & StarBit) == 0 && (dow & StarBit) == 0;

    public static CronSchedule Parse(string spec) =>
        TryParse(spec, out var schedule, out var error) ? schedule : throw new FormatException(error);

    /// <summary>Parses like robfig/cron's <c>Parser.Parse</c>; <paramref name="error"/> reads like robfig's message.</summary>
    public static bool TryParse(string spec, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out CronSchedule? schedule, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(spec);
        schedule = null;
        error = null;
        if (spec.Length == 0)
        {
            error = "empty spec string";
            return false;
        }

        var expression = spec;
        TimeZoneInfo? location = null;
        if (spec.StartsWith("TZ=", StringComparison.Ordinal) || spec.StartsWith("CRON_TZ=", StringComparison.Ordinal))
        {
            var space = spec.IndexOf(' ', StringComparison.Ordinal);
            var eq = spec.IndexOf('=', StringComparison.Ordinal);
            if (space < 0)
            {
                // robfig slices spec[eq+1:-1] here and panics; refuse instead.
                error = $"provided bad location {spec[(eq + 1)..]}: no schedule after the time zone";
                return false;
            }

            var name = spec[(eq + 1)..space];
            if (!TimeZones.TryFind(name, out location))
            {
                error = $"provided bad location {name}: unknown time zone {name}";
                return false;
            }

            spec = spec[space..].Trim();
        }

        if (spec.StartsWith('@'))
        {
            error = $"parser does not accept descriptors: {spec}";
            return false;
        }

        var fields = spec.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length != 5)
        {
            error = $"expected exactly 5 fields, found {fields.Length}: [{string.Join(' ', fields)}]";
            return false;
        }

        string? fieldError = null;
        if (!TryField(fields[0], 0, 59, null, out var minute, out fieldError)
            || !TryField(fields[1], 0, 23, null, out var hour, out fieldError)
            || !TryField(fields[2], 1, 31, null, out var dom, out fieldError)
            || !TryField(fields[3], 1, 12, MonthNames, out var month, out fieldError)
            || !TryField(fields[4], 0, 6, DayNames, out var dow, out fieldError))
        {
            error = fieldError ?? "invalid field";
            return false;
        }

        schedule = new CronSchedule(expression, location, minute, hour, dom, month, dow);
        return true;
    }

    /// <summary>
    /// robfig's <c>Next</c> on a clock value: the first occurrence strictly after <paramref name="clock"/>, or null
    /// where robfig returns the zero time (nothing within five years). Without a <see cref="Location"/> the value is a
    /// wall clock and so is the result (this is how Argo CD calls it: UTC shifted by the window's offset); with one,
    /// both are UTC instants.
    /// </summary>
    public DateTime? Next(DateTime clock)
    {
        var next = Next(new GoTime(clock.Ticks, TimeZoneInfo.Utc));
        return next is { } t ? new DateTime(t.UtcTicks, clock.Kind) : null;
    }

    /// <summary>
    /// The last occurrence strictly before <paramref name="clock"/> (robfig has none; this is its mirror image, so
    /// that <c>Next(Previous(x) - 1 tick) == Previous(x)</c>), or null when none falls within the five years before.
    /// </summary>
    public DateTime? Previous(DateTime clock)
    {
        var at = new GoTime(clock.Ticks, TimeZoneInfo.Utc);
        var floor = clock.Ticks - (5 * 366 * TimeSpan.TicksPerDay);
        for (var span = 2 * TimeSpan.TicksPerMinute; ; span *= 2)
        {
            var from = Math.Max(clock.Ticks - span, floor);
            if (from < DateTime.MinValue.Ticks + TimeSpan.TicksPerDay)
            {
                return null;
            }

            var candidate = Next(new GoTime(from - 1, TimeZoneInfo.Utc));
            if (candidate is { } first && first.UtcTicks < at.UtcTicks)
            {
                var last = first;
                while (Next(last) is { } following && following.UtcTicks < at.UtcTicks)
                {
                    last = following;
                }

                return new DateTime(last.UtcTicks, clock.Kind);
            }

            if (from == floor)
            {
                return null;
            }
        }
    }

    public override string ToString() => Expression;

    /// <summary>robfig/cron v3 <c>SpecSchedule.Next</c>, step by step, on Go time semantics.</summary>
    internal GoTime? Next(GoTime t)
    {
        var originalZone = t.Zone;
        var loc = Location ?? t.Zone;
        if (Location is not null)
        {
            t = t.In(Location);
        }

        // Start at the earliest possible time: the upcoming whole second.
        t = t.Add(TimeSpan.TicksPerSecond - t.SubSecondTicks);
        var added = false;
        var yearLimit = t.Year + 5;
        if (yearLimit > 9990)
        {
            return null;
        }

    Wrap:
        if (t.Year > yearLimit)
        {
            return null;
        }

        while (((1UL << t.Month) & month) == 0)
        {
            if (!added)
            {
                added = true;
                t = GoTime.Date(loc, t.Year, t.Month, 1, 0, 0, 0, 0);
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
                t = GoTime.Date(loc, t.Year, t.Month, t.Day, 0, 0, 0, 0);
            }

            t = t.AddDate(0, 0, 1);

            // A day that does not start at midnight (DST at 00:00): robfig nudges back to the day's first hour.
            if (t.Hour != 0)
            {
                t = t.Hour > 12 ? t.Add((24 - t.Hour) * TimeSpan.TicksPerHour) : t.Add(-t.Hour * TimeSpan.TicksPerHour);
            }

            if (t.Day == 1)
            {
                goto Wrap;
            }
        }

        while (((1UL << t.Hour) & hour) == 0)
        {
            if (!added)
            {
                added = true;
                t = GoTime.Date(loc, t.Year, t.Month, t.Day, t.Hour, 0, 0, 0);
            }

            t = t.Add(TimeSpan.TicksPerHour);
            if (t.Hour == 0)
            {
                goto Wrap;
            }
        }

        while (((1UL << t.Minute) & minute) == 0)
        {
            if (!added)
            {
                added = true;
                t = t.Truncate(TimeSpan.TicksPerMinute);
            }

            t = t.Add(TimeSpan.TicksPerMinute);
            if (t.Minute == 0)
            {
                goto Wrap;
            }
        }

        while (((1UL << t.Second) & SecondBits) == 0)
        {
            if (!added)
            {
                added = true;
                t = t.Truncate(TimeSpan.TicksPerSecond);
            }

            if (loc == TimeZoneInfo.Utc)
            {
                // Only second 0 matches: robfig's one-second steps end at the next minute; in UTC jump there at once.
                t = t.Add((60 - t.Second) * TimeSpan.TicksPerSecond);
                goto Wrap;
            }

            t = t.Add(TimeSpan.TicksPerSecond);
            if (t.Second == 0)
            {
                goto Wrap;
            }
        }

        return t.In(originalZone);
    }

    private bool DayMatches(GoTime t)
    {
        var domMatch = ((1UL << t.Day) & dom) != 0;
        var dowMatch = ((1UL << t.Weekday) & dow) != 0;
        return (dom & StarBit) != 0 || (dow & StarBit) != 0 ? domMatch && dowMatch : domMatch || dowMatch;
    }

    private static bool TryField(string field, int min, int max, Dictionary<string, int>? names, out ulong bits, out string? error)
    {
        bits = 0;
        error = null;

        // robfig splits with strings.FieldsFunc: empty items vanish, and an all-comma field sets no bit at all.
        foreach (var expr in field.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!TryRange(expr, min, max, names, out var rangeBits, out error))
            {
                return false;
            }

            bits |= rangeBits;
        }

        return true;
    }

    private static bool TryRange(string expr, int min, int max, Dictionary<string, int>? names, out ulong bits, out string? error)
    {
        bits = 0;
        error = null;
        var rangeAndStep = expr.Split('/');
        var lowAndHigh = rangeAndStep[0].Split('-');
        var singleDigit = lowAndHigh.Length == 1;
        long start;
        long end;
        ulong extra = 0;
        if (lowAndHigh[0] is "*" or "?")
        {
            // robfig ignores whatever follows a star's hyphen ("*-5" is "*").
            start = min;
            end = max;
            extra = StarBit;
        }
        else
        {
            if (!TryIntOrName(lowAndHigh[0], names, out start, out error))
            {
                return false;
            }

            switch (lowAndHigh.Length)
            {
                case 1:
                    end = start;
                    break;
                case 2:
                    if (!TryIntOrName(lowAndHigh[1], names, out end, out error))
                    {
                        return false;
                    }

                    break;
                default:
                    error = $"too many hyphens: {expr}";
                    return false;
            }
        }

        long step;
        switch (rangeAndStep.Length)
        {
            case 1:
                step = 1;
                break;
            case 2:
                if (!TryInt(rangeAndStep[1], out step, out error))
                {
                    return false;
                }

                // "N/step" means "N-max/step"; a step above 1 makes even a star a restriction.
                if (singleDigit)
                {
                    end = max;
                }

                if (step > 1)
                {
                    extra = 0;
                }

                break;
            default:
                error = $"too many slashes: {expr}";
                return false;
        }

        if (start < min)
        {
            error = $"beginning of range ({start}) below minimum ({min}): {expr}";
            return false;
        }

        if (end > max)
        {
            error = $"end of range ({end}) above maximum ({max}): {expr}";
            return false;
        }

        if (start > end)
        {
            error = $"beginning of range ({start}) beyond end of range ({end}): {expr}";
            return false;
        }

        if (step == 0)
        {
            error = $"step of range should be a positive number: {expr}";
            return false;
        }

        for (var i = start; i <= end; i += step)
        {
            bits |= 1UL << (int)i;
        }

        bits |= extra;
        return true;
    }

    private static bool TryIntOrName(string expr, Dictionary<string, int>? names, out long value, out string? error)
    {
        if (names is not null && names.TryGetValue(expr.ToLowerInvariant(), out var named))
        {
            value = named;
            error = null;
            return true;
        }

        return TryInt(expr, out value, out error);
    }

    /// <summary>Go's <c>strconv.Atoi</c> (optional sign, decimal digits), then robfig's "no negative numbers".</summary>
    private static bool TryInt(string expr, out long value, out string? error)
    {
        error = null;
        var digits = expr.StartsWith('+') || expr.StartsWith('-') ? expr[1..] : expr;
        if (digits.Length == 0 || !digits.All(char.IsAsciiDigit)
            || !long.TryParse(expr, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value))
        {
            value = 0;
            error = $"failed to parse int from {expr}: strconv.Atoi: parsing \"{expr}\": invalid syntax";
            return false;
        }

        if (value < 0)
        {
            error = $"negative number ({value}) not allowed: {expr}";
            return false;
        }

        // Larger values fail the range checks; keep them from overflowing the bit shift meanwhile.
        value = Math.Min(value, 1000);
        return true;
    }
}
