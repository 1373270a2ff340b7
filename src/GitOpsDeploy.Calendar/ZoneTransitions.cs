using System.Collections.Concurrent;

namespace GitOpsDeploy.Calendar;

/// <summary>The instants at which a zone's UTC offset changes (DST and legal changes), found by scanning and cached per zone and year.</summary>
internal static class ZoneTransitions
{
    private static readonly long Step = TimeSpan.FromHours(1).Ticks;
    private static readonly ConcurrentDictionary<(string Zone, int Year), long[]> Cache = new();

    /// <summary>The first instant strictly after <paramref name="utcTicks"/> and at most <paramref name="limitTicks"/> whose offset differs from the instant before it.</summary>
    public static long? NextAfter(TimeZoneInfo zone, long utcTicks, long limitTicks)
    {
        if (zone == TimeZoneInfo.Utc)
        {
            return null;
        }

        var year = new DateTime(Math.Clamp(utcTicks, DateTime.MinValue.Ticks, DateTime.MaxValue.Ticks), DateTimeKind.Utc).Year;
        var lastYear = new DateTime(Math.Clamp(limitTicks, DateTime.MinValue.Ticks, DateTime.MaxValue.Ticks), DateTimeKind.Utc).Year;
        for (; year <= lastYear && year < 9999; year++)
        {
            foreach (var transition in Cache.GetOrAdd((zone.Id, year), key => Scan(zone, key.Year)))
            {
                if (transition > utcTicks)
                {
                    return transition <= limitTicks ? transition : null;
                }
            }
        }

        return null;
    }

    private static long[] Scan(TimeZoneInfo zone, int year)
    {
        var found = new List<long>();
        var start = new DateTime(year, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;
        var end = new DateTime(year + 1, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;
        var before = GoTime.OffsetTicks(zone, start - 1);
        for (var t = start; t < end; t += Step)
        {
            var probe = Math.Min(t + Step - 1, end - 1);
            var offset = GoTime.OffsetTicks(zone, probe);
            if (offset == before)
            {
                continue;
            }

            // The change lies in (t - 1, probe]: find the first tick with the new offset.
            long lo = t - 1, hi = probe;
            while (hi - lo > 1)
            {
                var mid = lo + ((hi - lo) / 2);
                if (GoTime.OffsetTicks(zone, mid) == before)
                {
                    lo = mid;
                }
                else
                {
                    hi = mid;
                }
            }

            found.Add(hi);
            before = offset;
        }

        return [.. found];
    }
}
