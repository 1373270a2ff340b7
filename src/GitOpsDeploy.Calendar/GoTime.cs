namespace GitOpsDeploy.Calendar;

/// <summary>
/// The few operations of Go's <c>time.Time</c> that robfig/cron's <c>SpecSchedule.Next</c> uses, with Go's
/// semantics: an instant (UTC ticks, which like Go's absolute time count from 0001-01-01 UTC) seen in a zone.
/// Calendar fields are those of the zone's wall clock at that instant; <see cref="Date"/> normalises
/// out-of-range fields and resolves a wall time that falls in a DST gap or overlap the way Go's
/// <c>time.Date</c> does.
/// </summary>
internal readonly record struct GoTime(long UtcTicks, TimeZoneInfo Zone)
{
    private DateTime Local => new(UtcTicks + OffsetTicks(Zone, UtcTicks), DateTimeKind.Unspecified);

    public int Year => Local.Year;

    public int Month => Local.Month;

    public int Day => Local.Day;

    public int Hour => Local.Hour;

    public int Minute => Local.Minute;

    public int Second => Local.Second;

    public int Weekday => (int)Local.DayOfWeek;

    /// <summary>Sub-second part, in ticks (Go: nanoseconds; every instant here is a whole number of ticks).</summary>
    public long SubSecondTicks => UtcTicks % TimeSpan.TicksPerSecond;

    public GoTime In(TimeZoneInfo zone) => this with { Zone = zone };

    public GoTime Add(long ticks) => this with { UtcTicks = UtcTicks + ticks };

    /// <summary>Go's <c>Truncate</c>: rounds the absolute time (not the wall clock) down to a multiple of <paramref name="unitTicks"/>.</summary>
    public GoTime Truncate(long unitTicks) => this with { UtcTicks = UtcTicks - (UtcTicks % unitTicks) };

    /// <summary>Go's <c>AddDate</c>: <c>Date(year+y, month+m, day+d, hour, min, sec, nsec, loc)</c>.</summary>
    public GoTime AddDate(int years, int months, int days)
    {
        var local = Local;
        return Date(Zone, local.Year + years, local.Month + months, local.Day + days, local.Hour, local.Minute, local.Second, local.Ticks % TimeSpan.TicksPerSecond);
    }

    /// <summary>
    /// Go's <c>time.Date</c>. Months and days may be out of range and are normalised (month 13 is January of the
    /// next year, 31 February is 2 or 3 March). The wall time is then resolved like Go: take the offset in force at
    /// the wall time read as UTC, subtract it, and if the result lies in another zone period use that period's
    /// offset instead. In a spring-forward gap this yields the instant that the pre-transition offset gives.
    /// </summary>
    public static GoTime Date(TimeZoneInfo zone, int year, int month, int day, int hour, int minute, int second, long subSecondTicks)
    {
        var m0 = month - 1;
        year += FloorDiv(m0, 12);
        m0 -= FloorDiv(m0, 12) * 12;
        if (year < 1 || year > 9999)
        {
            throw new ArgumentOutOfRangeException(nameof(year), year, "outside the years this calendar can compute");
        }

        var local = new DateTime(year, m0 + 1, 1).Ticks
            + ((day - 1) * TimeSpan.TicksPerDay)
            + (hour * TimeSpan.TicksPerHour)
            + (minute * TimeSpan.TicksPerMinute)
            + (second * TimeSpan.TicksPerSecond)
            + subSecondTicks;
        var firstGuess = OffsetTicks(zone, local);
        var utc = local - OffsetTicks(zone, local - firstGuess);
        return new GoTime(utc, zone);
    }

    public static long OffsetTicks(TimeZoneInfo zone, long utcTicks)
    {
        if (zone == TimeZoneInfo.Utc)
        {
            return 0;
        }

        var clamped = Math.Clamp(utcTicks, DateTime.MinValue.Ticks, DateTime.MaxValue.Ticks);
        return zone.GetUtcOffset(new DateTime(clamped, DateTimeKind.Utc)).Ticks;
    }

    private static int FloorDiv(int a, int b) => (int)Math.Floor(a / (double)b);
}
