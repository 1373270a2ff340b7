namespace GitOpsDeploy.Calendar;

/// <summary>Go's <c>time.ParseDuration</c>: <c>[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+</c>, e.g. <c>1h30m</c>, <c>1.5h</c>, <c>90s</c>, <c>0</c>.</summary>
public static class GoDuration
{
    private static readonly Dictionary<string, ulong> Units = new(StringComparer.Ordinal)
    {
        ["ns"] = 1,
        ["us"] = 1_000,
        ["\u00b5s"] = 1_000, // U+00B5 micro sign
        ["\u03bcs"] = 1_000, // U+03BC Greek mu
        ["ms"] = 1_000_000,
        ["s"] = 1_000_000_000,
        ["m"] = 60_000_000_000,
        ["h"] = 3_600_000_000_000,
    };

    /// <summary>Parses to nanoseconds, with Go's error messages (<c>time: invalid duration "1d"</c>).</summary>
    public static bool TryParseNanoseconds(string text, out long nanoseconds, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        nanoseconds = 0;
        error = null;
        var quoted = $"\"{text}\"";
        var s = text;
        var negative = false;
        if (s.Length > 0 && (s[0] == '-' || s[0] == '+'))
        {
            negative = s[0] == '-';
            s = s[1..];
        }

        if (s == "0")
        {
            return true;
        }

        if (s.Length == 0)
        {
            error = $"time: invalid duration {quoted}";
            return false;
        }

        ulong total = 0;
        const ulong Limit = 1UL << 63;
        while (s.Length > 0)
        {
            if (!(s[0] == '.' || char.IsAsciiDigit(s[0])))
            {
                error = $"time: invalid duration {quoted}";
                return false;
            }

            var before = s.Length;
            if (!LeadingInt(ref s, out var v))
            {
                error = $"time: invalid duration {quoted}";
                return false;
            }

            var pre = before != s.Length;
            var post = false;
            ulong fraction = 0;
            var scale = 1.0;
            if (s.Length > 0 && s[0] == '.')
            {
                s = s[1..];
                var beforeFraction = s.Length;
                LeadingFraction(ref s, out fraction, out scale);
                post = beforeFraction != s.Length;
            }

            if (!pre && !post)
            {
                error = $"time: invalid duration {quoted}";
                return false;
            }

            var i = 0;
            while (i < s.Length && s[i] != '.' && !char.IsAsciiDigit(s[i]))
            {
                i++;
            }

            if (i == 0)
            {
                error = $"time: missing unit in duration {quoted}";
                return false;
            }

            var unitName = s[..i];
            s = s[i..];
            if (!Units.TryGetValue(unitName, out var unit))
            {
                error = $"time: unknown unit \"{unitName}\" in duration {quoted}";
                return false;
            }

            if (v > Limit / unit)
            {
                error = $"time: invalid duration {quoted}";
                return false;
            }

            v *= unit;
            if (fraction > 0)
            {
                // Go: v += uint64(float64(f) * (float64(unit) / scale)), in float64 like Go.
                v += (ulong)(fraction * (unit / scale));
                if (v > Limit)
                {
                    error = $"time: invalid duration {quoted}";
                    return false;
                }
            }

            total += v;
            if (total > Limit)
            {
                error = $"time: invalid duration {quoted}";
                return false;
            }
        }

        if (negative)
        {
            nanoseconds = total == Limit ? long.MinValue : -(long)total;
            return true;
        }

        if (total > Limit - 1)
        {
            error = $"time: invalid duration {quoted}";
            return false;
        }

        nanoseconds = (long)total;
        return true;
    }

    /// <summary>
    /// Parses to a <see cref="TimeSpan"/>, rounding a sub-tick remainder up. Every other instant in an Argo CD window
    /// comparison is a whole number of ticks, so rounding up keeps <c>now &lt; start + duration</c> exact.
    /// </summary>
    public static bool TryParse(string text, out TimeSpan duration, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
    {
        duration = default;
        if (!TryParseNanoseconds(text, out var ns, out error))
        {
            return false;
        }

        var ticks = ns / 100;
        if (ns % 100 > 0)
        {
            ticks++;
        }

        duration = TimeSpan.FromTicks(ticks);
        return true;
    }

    private static bool LeadingInt(ref string s, out ulong value)
    {
        value = 0;
        var i = 0;
        for (; i < s.Length && char.IsAsciiDigit(s[i]); i++)
        {
            if (value > (1UL << 63) / 10)
            {
                return false;
            }

            value = (value * 10) + (ulong)(s[i] - '0');
            if (value > 1UL << 63)
            {
                return false;
            }
        }

        s = s[i..];
        return true;
    }

    private static void LeadingFraction(ref string s, out ulong value, out double scale)
    {
        value = 0;
        scale = 1;
        var overflow = false;
        var i = 0;
        for (; i < s.Length && char.IsAsciiDigit(s[i]); i++)
        {
            if (overflow)
            {
                continue;
            }

            if (value > (long.MaxValue / 10))
            {
                overflow = true;
                continue;
            }

            var y = (value * 10) + (ulong)(s[i] - '0');
            if (y > long.MaxValue)
            {
                overflow = true;
                continue;
            }

            value = y;
            scale *= 10;
        }

        s = s[i..];
    }
}
