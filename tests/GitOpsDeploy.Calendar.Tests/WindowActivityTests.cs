using GitOpsDeploy.Calendar.Tests.Reference;

namespace GitOpsDeploy.Calendar.Tests;

/// <summary>When a window is active, across DST changes, checked against an independent Python implementation of Argo CD's rule.</summary>
[Trait("Tier", "Unit")]
public sealed class WindowActivityTests
{
    private static readonly (string Cron, string Duration)[] Windows =
    [
        ("30 2 * * *", "1h"), // starts inside the spring-forward gap, repeats in the fall-back overlap
        ("0 2 * * *", "30m"),
        ("0 1 * * *", "2h"), // spans the gap
        ("0 22 * * *", "4h"), // crosses midnight
        ("0 23 * * *", "4h"),
        ("*/20 * * * *", "10m"),
        ("0 9 * * 1-5", "8h"),
        ("0 0 * * 0", "1h30m"),
        ("45 1 * * *", "45m"),
    ];

    public static TheoryData<string, DateTime> Transitions() => new()
    {
        { "Europe/Berlin", new DateTime(2024, 3, 31) },
        { "Europe/Berlin", new DateTime(2024, 10, 27) },
        { "America/New_York", new DateTime(2024, 3, 10) },
        { "America/New_York", new DateTime(2024, 11, 3) },
        { "Australia/Sydney", new DateTime(2024, 4, 7) },
        { "Australia/Sydney", new DateTime(2024, 10, 6) },
        { "Asia/Kolkata", new DateTime(2024, 3, 31) },
        { "UTC", new DateTime(2024, 12, 31) },
    };

    private static DateTimeOffset Z(int y, int mo, int d, int h = 0, int mi = 0, int s = 0) => new(y, mo, d, h, mi, s, TimeSpan.Zero);

    [SkippableTheory]
    [MemberData(nameof(Transitions))]
    public void Activity_agrees_with_the_python_reference_around_a_zone_change(string zone, DateTime day)
    {
        CroniterReference.Require();
        var from = new DateTimeOffset(day.AddDays(-1), TimeSpan.Zero);
        var to = from.AddDays(3);
        var windows = Windows.Select(w => SyncWindow.Create(SyncWindowKind.Deny, w.Cron, w.Duration, zone, applications: ["*"])).ToList();
        var samples = new List<List<DateTime>>();
        foreach (var window in windows)
        {
            var instants = new SortedSet<DateTime>();
            for (var t = from; t < to; t = t.AddMinutes(10))
            {
                instants.Add(t.UtcDateTime);
            }

            // Every edge the library finds, and a second either side of it.
            foreach (var period in window.ActivePeriods(from, to))
            {
                foreach (var edge in new[] { period.Start, period.End })
                {
                    instants.Add(edge.UtcDateTime);
                    instants.Add(edge.UtcDateTime.AddSeconds(-1));
                    instants.Add(edge.UtcDateTime.AddSeconds(1));
                }
            }

            samples.Add([.. instants]);
        }

        var expected = CroniterReference.Batch([.. windows.Select((w, i) => CroniterReference.ActiveRequest(Windows[i].Cron, zone, w.Duration, samples[i]))]);
        for (var i = 0; i < windows.Count; i++)
        {
            var reference = expected[i]!.AsArray().Select(n => n!.GetValue<bool>()).ToList();
            for (var k = 0; k < samples[i].Count; k++)
            {
                var at = new DateTimeOffset(samples[i][k], TimeSpan.Zero);
                Assert.True(reference[k] == windows[i].IsActive(at), $"{windows[i]} at {at:O}: reference {reference[k]}");
            }
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Transitions))]
    public void Active_periods_are_exactly_where_the_window_is_active(string zone, DateTime day)
    {
        var from = new DateTimeOffset(day.AddDays(-1), TimeSpan.Zero);
        var to = from.AddDays(3);
        foreach (var (cron, duration) in Windows)
        {
            var window = SyncWindow.Create(SyncWindowKind.Allow, cron, duration, zone, applications: ["*"]);
            var periods = window.ActivePeriods(from, to);
            for (var t = from.AddSeconds(30); t < to; t = t.AddMinutes(7))
            {
                var inPeriod = periods.Any(p => p.Start < t && t < p.End) || (periods.Count > 0 && periods[0].Start == from && t == from);
                Assert.True(inPeriod == window.IsActive(t), $"{window} at {t:O}");
            }
        }
    }

    [Fact]
    public void A_window_is_open_at_both_ends_as_in_argo_cd()
    {
        var window = SyncWindow.Create(SyncWindowKind.Deny, "0 22 * * *", "1h", applications: ["*"]);
        Assert.False(window.IsActive(Z(2024, 5, 1, 22)));
        Assert.True(window.IsActive(Z(2024, 5, 1, 22).AddTicks(1)));
        Assert.True(window.IsActive(Z(2024, 5, 1, 23).AddTicks(-1)));
        Assert.False(window.IsActive(Z(2024, 5, 1, 23)));
    }

    [Fact]
    public void Berlin_spring_forward_a_window_starting_in_the_gap_opens_when_the_clock_jumps()
    {
        // 31 March 2024, 01:00 UTC: 02:00 CET becomes 03:00 CEST. "30 2" for 1h covers wall clock (02:30, 03:30),
        // which after the jump is 03:00-03:30 CEST: 01:00-01:30 UTC, 30 minutes of real time.
        var window = SyncWindow.Create(SyncWindowKind.Deny, "30 2 * * *", "1h", "Europe/Berlin", applications: ["*"]);
        var periods = window.ActivePeriods(Z(2024, 3, 30, 12), Z(2024, 3, 31, 12));
        Assert.Equal([new ActivePeriod(Z(2024, 3, 31, 1), Z(2024, 3, 31, 1, 30))], periods);
        Assert.True(window.IsActive(Z(2024, 3, 31, 1)));
        Assert.False(window.IsActive(Z(2024, 3, 31, 1).AddTicks(-1)));

        // A 30-minute window in the gap never opens that day; one spanning the gap is an hour short.
        Assert.Empty(SyncWindow.Create(SyncWindowKind.Deny, "0 2 * * *", "30m", "Europe/Berlin", applications: ["*"]).ActivePeriods(Z(2024, 3, 30, 12), Z(2024, 3, 31, 12)));
        Assert.Equal(
            [new ActivePeriod(Z(2024, 3, 31, 0), Z(2024, 3, 31, 1))],
            SyncWindow.Create(SyncWindowKind.Deny, "0 1 * * *", "2h", "Europe/Berlin", applications: ["*"]).ActivePeriods(Z(2024, 3, 30, 12), Z(2024, 3, 31, 12)));
    }

    [Fact]
    public void Berlin_fall_back_a_window_in_the_repeated_hour_opens_twice_and_one_across_it_runs_long()
    {
        // 27 October 2024, 01:00 UTC: 03:00 CEST becomes 02:00 CET. Wall clock (02:30, 03:30) happens as
        // 00:30-01:00 UTC (CEST) and again as 01:30-02:30 UTC (CET).
        var repeated = SyncWindow.Create(SyncWindowKind.Deny, "30 2 * * *", "1h", "Europe/Berlin", applications: ["*"]);
        Assert.Equal(
            [new ActivePeriod(Z(2024, 10, 27, 0, 30), Z(2024, 10, 27, 1)), new ActivePeriod(Z(2024, 10, 27, 1, 30), Z(2024, 10, 27, 2, 30))],
            repeated.ActivePeriods(Z(2024, 10, 26, 12), Z(2024, 10, 27, 12)));

        // "0 23" for 4h covers wall clock (23:00, 03:00): 21:00 UTC to 02:00 UTC, five hours of real time.
        var overnight = SyncWindow.Create(SyncWindowKind.Deny, "0 23 * * *", "4h", "Europe/Berlin", applications: ["*"]);
        Assert.Equal([new ActivePeriod(Z(2024, 10, 26, 21), Z(2024, 10, 27, 2))], overnight.ActivePeriods(Z(2024, 10, 26, 12), Z(2024, 10, 27, 12)));
    }

    [Fact]
    public void New_york_fall_back_the_repeated_hour_is_active_twice_with_a_single_instant_between()
    {
        // 3 November 2024, 06:00 UTC: 02:00 EDT becomes 01:00 EST. "0 1" for 1h covers wall clock (01:00, 02:00):
        // 05:00-06:00 UTC, then (after the clock reads exactly 01:00 again, not inside) 06:00-07:00 UTC.
        var window = SyncWindow.Create(SyncWindowKind.Deny, "0 1 * * *", "1h", "America/New_York", applications: ["*"]);
        Assert.True(window.IsActive(Z(2024, 11, 3, 5, 59, 59)));
        Assert.False(window.IsActive(Z(2024, 11, 3, 6)));
        Assert.True(window.IsActive(Z(2024, 11, 3, 6, 0, 1)));
        Assert.False(window.IsActive(Z(2024, 11, 3, 7)));
        Assert.Equal([new ActivePeriod(Z(2024, 11, 3, 5), Z(2024, 11, 3, 7))], window.ActivePeriods(Z(2024, 11, 2, 12), Z(2024, 11, 3, 12)));
    }

    [Fact]
    public void Sydney_and_kolkata_windows_follow_their_own_offsets()
    {
        // Sydney springs forward on 6 October 2024 at 16:00 UTC (02:00 AEST -> 03:00 AEDT).
        var sydney = SyncWindow.Create(SyncWindowKind.Deny, "30 2 * * *", "1h", "Australia/Sydney", applications: ["*"]);
        Assert.Equal([new ActivePeriod(Z(2024, 10, 5, 16), Z(2024, 10, 5, 16, 30))], sydney.ActivePeriods(Z(2024, 10, 5), Z(2024, 10, 6)));

        // Kolkata (+05:30, no DST): 22:00 for 4h is 16:30-20:30 UTC, across local midnight.
        var kolkata = SyncWindow.Create(SyncWindowKind.Deny, "0 22 * * *", "4h", "Asia/Kolkata", applications: ["*"]);
        Assert.Equal([new ActivePeriod(Z(2024, 3, 1, 16, 30), Z(2024, 3, 1, 20, 30))], kolkata.ActivePeriods(Z(2024, 3, 1), Z(2024, 3, 2)));
    }

    [SkippableFact]
    public void Where_croniter_with_a_time_zone_differs_argo_cd_wins()
    {
        CroniterReference.Require();

        // Spring forward: croniter 1.3.5 returns the non-existent 02:30 as 01:30 CET (00:30 UTC), and then the same
        // instant again and again. Argo CD's window opens at 01:00 UTC (the jump) instead.
        var croniter = CroniterReference.Occurrences("30 2 * * *", "Europe/Berlin", Z(2024, 3, 30, 12).UtcDateTime, 3);
        Assert.Equal([new DateTime(2024, 3, 31, 0, 30, 0), new DateTime(2024, 3, 31, 0, 30, 0), new DateTime(2024, 3, 31, 0, 30, 0)], croniter);
        var window = SyncWindow.Create(SyncWindowKind.Deny, "30 2 * * *", "1h", "Europe/Berlin", applications: ["*"]);
        Assert.False(window.IsActive(Z(2024, 3, 31, 0, 45)));
        Assert.Equal(Z(2024, 3, 31, 1), window.ActivePeriods(Z(2024, 3, 30, 12), Z(2024, 4, 2))[0].Start);

        // Fall back: croniter fires at the first 02:30 and then at 03:30 CET the next day; Argo CD's window opens at
        // both 02:30s and again at 02:30 the next day.
        croniter = CroniterReference.Occurrences("30 2 * * *", "Europe/Berlin", Z(2024, 10, 26, 12).UtcDateTime, 2);
        Assert.Equal([new DateTime(2024, 10, 27, 0, 30, 0), new DateTime(2024, 10, 28, 2, 30, 0)], croniter);
        var starts = window.ActivePeriods(Z(2024, 10, 26, 12), Z(2024, 10, 28, 12)).Select(p => p.Start).ToList();
        Assert.Equal([Z(2024, 10, 27, 0, 30), Z(2024, 10, 27, 1, 30), Z(2024, 10, 28, 1, 30)], starts);
    }

    [SkippableTheory]
    [InlineData("Europe/Berlin")]
    [InlineData("America/New_York")]
    [InlineData("Australia/Sydney")]
    [InlineData("Asia/Kolkata")]
    [InlineData("UTC")]
    public void Away_from_zone_changes_window_openings_are_croniters_occurrences(string zone)
    {
        CroniterReference.Require();
        foreach (var cron in new[] { "0 22 * * *", "15 9 * * 1-5", "0 0 1,15 * *", "0 12 * * 0" })
        {
            var window = SyncWindow.Create(SyncWindowKind.Allow, cron, "30m", zone, applications: ["*"]);
            var from = Z(2024, 4, 30, 23, 50); // no window is active then, in any of the zones
            var to = Z(2024, 8, 1);
            var starts = window.ActivePeriods(from, to).Select(p => p.Start.UtcDateTime).ToList();
            var expected = CroniterReference.Occurrences(cron, zone, from.UtcDateTime, starts.Count);
            Assert.Equal(expected, starts);
        }
    }
}
