using GitOpsDeploy.Calendar.Tests.Reference;

namespace GitOpsDeploy.Calendar.Tests;

[Trait("Tier", "Unit")]
public sealed class CronScheduleTests
{
    private static DateTime Wall(int y, int mo, int d, int h = 0, int mi = 0, int s = 0) => new(y, mo, d, h, mi, s, DateTimeKind.Unspecified);

    [Theory]
    [InlineData("", "empty spec string")]
    [InlineData("@daily", "parser does not accept descriptors: @daily")]
    [InlineData("0 0 * *", "expected exactly 5 fields, found 4: [0 0 * *]")]
    [InlineData("0 0 0 * * *", "expected exactly 5 fields, found 6: [0 0 0 * * *]")]
    [InlineData("* 10 * * 7", "end of range (7) above maximum (6): 7")]
    [InlineData("60 * * * *", "end of range (60) above maximum (59): 60")]
    [InlineData("0 0 0 * *", "beginning of range (0) below minimum (1): 0")]
    [InlineData("0 5-3 * * *", "beginning of range (5) beyond end of range (3): 5-3")]
    [InlineData("0 1-2-3 * * *", "too many hyphens: 1-2-3")]
    [InlineData("0 */2/3 * * *", "too many slashes: */2/3")]
    [InlineData("0 */0 * * *", "step of range should be a positive number: */0")]
    [InlineData("0 0 L * *", "failed to parse int from L: strconv.Atoi: parsing \"L\": invalid syntax")]
    [InlineData("0 0 * * 1#2", "failed to parse int from 1#2: strconv.Atoi: parsing \"1#2\": invalid syntax")]
    [InlineData("TZ=Mars/Olympus 0 0 * * *", "provided bad location Mars/Olympus: unknown time zone Mars/Olympus")]
    public void Refuses_what_robfig_refuses_with_its_message(string spec, string message)
    {
        Assert.False(CronSchedule.TryParse(spec, out _, out var error));
        Assert.Equal(message, error);
    }

    [Theory]
    [InlineData("0 0 ? * 1")] // '?' is a star
    [InlineData("0 0 * JAN-mar Mon-FRI")]
    [InlineData("5/15 * * * *")]
    [InlineData("0 0 ,1,, * *")]
    [InlineData("0 0 *-5 * *")] // robfig ignores what follows a star's hyphen
    [InlineData("+5 0 * * *")] // strconv.Atoi takes a sign
    [InlineData("CRON_TZ=Europe/Berlin 0 2 * * *")]
    [InlineData("  0   2 *  * *  ")]
    public void Accepts_what_robfig_accepts(string spec) => Assert.True(CronSchedule.TryParse(spec, out _, out _));

    [Fact]
    public void Next_is_strictly_after_and_skips_a_sub_second_start()
    {
        var cron = CronSchedule.Parse("0 2 * * *");
        Assert.Equal(Wall(2024, 1, 2, 2), cron.Next(Wall(2024, 1, 1, 2)));
        Assert.Equal(Wall(2024, 1, 1, 2), cron.Next(Wall(2024, 1, 1, 1, 59, 59)));
        Assert.Equal(Wall(2024, 1, 2, 2), cron.Next(Wall(2024, 1, 1, 2).AddTicks(1)));
    }

    [Fact]
    public void Day_fields_are_anded_when_either_starts_with_a_star_and_ored_otherwise()
    {
        // Friday the 13th? No: robfig (like Vixie cron) fires on every 13th and on every Friday.
        var ored = CronSchedule.Parse("0 0 13 * 5");
        Assert.True(ored.DaysAreOred);
        Assert.Equal(Wall(2024, 1, 5), ored.Next(Wall(2024, 1, 1)));
        Assert.Equal(Wall(2024, 1, 12), ored.Next(Wall(2024, 1, 5)));
        Assert.Equal(Wall(2024, 1, 13), ored.Next(Wall(2024, 1, 12)));

        // A star with a step above 1 is a restriction; "*/1" is still a star.
        Assert.True(CronSchedule.Parse("0 0 */2 * 1").DaysAreOred);
        Assert.False(CronSchedule.Parse("0 0 */1 * 1").DaysAreOred);
        Assert.Equal(Wall(2024, 1, 8), CronSchedule.Parse("0 0 */1 * 1").Next(Wall(2024, 1, 1, 1)));

        // An explicit full range is no star: every day matches its day of month.
        var fullRange = CronSchedule.Parse("0 0 1-31 * 1");
        Assert.True(fullRange.DaysAreOred);
        Assert.Equal(Wall(2024, 1, 2), fullRange.Next(Wall(2024, 1, 1, 1)));
    }

    [Fact]
    public void A_schedule_with_no_occurrence_within_five_years_is_robfigs_zero_time()
    {
        Assert.Null(CronSchedule.Parse("0 0 30 2 *").Next(Wall(2024, 1, 1)));
        Assert.Null(CronSchedule.Parse("0 0 , * *").Next(Wall(2024, 1, 1)));

        // 29 February: 2100 is no leap year, so from 2097 on the next one (2104) is past the five-year limit.
        var leap = CronSchedule.Parse("0 0 29 2 *");
        Assert.Equal(Wall(2096, 2, 29), leap.Next(Wall(2093, 3, 1)));
        Assert.Null(leap.Next(Wall(2097, 1, 1)));
        Assert.Equal(Wall(2104, 2, 29), leap.Next(Wall(2099, 1, 1)));
    }

    [Fact]
    public void Previous_mirrors_next()
    {
        var cron = CronSchedule.Parse("0 22 * * 1-5");
        Assert.Equal(Wall(2024, 1, 5, 22), cron.Previous(Wall(2024, 1, 8, 22)));
        Assert.Equal(Wall(2024, 1, 8, 22), cron.Previous(Wall(2024, 1, 8, 22).AddTicks(1)));
        Assert.Null(CronSchedule.Parse("0 0 30 2 *").Previous(Wall(2024, 1, 1)));
        Assert.Equal(Wall(2020, 2, 29), CronSchedule.Parse("0 0 29 2 *").Previous(Wall(2024, 2, 28)));
    }

    [Fact]
    public void A_cron_tz_prefix_is_evaluated_in_that_zone_with_robfigs_dst_handling()
    {
        // Both clock values are UTC instants when the schedule names its own zone.
        var berlin = CronSchedule.Parse("CRON_TZ=Europe/Berlin 30 2 * * *");
        Assert.Equal("Europe/Berlin", berlin.Location!.Id);
        Assert.Equal(new DateTime(2024, 7, 1, 0, 30, 0), berlin.Next(new DateTime(2024, 6, 30, 12, 0, 0)));

        // 02:30 does not exist on 31 March 2024: robfig steps hour by hour (01:00 CET, then 03:00 CEST), never sees
        // hour 2 and fires the next day.
        Assert.Equal(new DateTime(2024, 4, 1, 0, 30, 0), berlin.Next(new DateTime(2024, 3, 30, 12, 0, 0)));

        // 02:30 happens twice on 27 October 2024; robfig fires at both (00:30 UTC in CEST, 01:30 UTC in CET).
        Assert.Equal(new DateTime(2024, 10, 27, 0, 30, 0), berlin.Next(new DateTime(2024, 10, 26, 12, 0, 0)));
        Assert.Equal(new DateTime(2024, 10, 27, 1, 30, 0), berlin.Next(new DateTime(2024, 10, 27, 0, 30, 0)));
        Assert.Equal(new DateTime(2024, 10, 28, 1, 30, 0), berlin.Next(new DateTime(2024, 10, 27, 1, 30, 0)));
    }

    /// <summary>Expressions on which robfig and croniter agree (the ones where they differ are tested below).</summary>
    public static TheoryData<string> Agreed() =>
    [
        "30 2 * * *", "0 22 * * *", "*/15 9-17 * * 1-5", "0 0 1 * MON-FRI", "0 0 */2 * 1", "0 0 13 * 5",
        "5/15 * * * *", "0 0 1,15 * *", "0 22 * * 0", "0 * 15 JAN *", "59 23 31 DEC *", "0 0 * * SUN",
        "0 0 1 JAN,JUL *", "0 9-17/2 * * *", "10 1 * * *", "0 13 * * 1-5", "0 0 28-31 * *",
        "0 12 1-7 * 1", "0 0 */1 * 1", "0 8 * 5-11/3 *", "0 0 31 * *",
    ];

    [SkippableTheory]
    [MemberData(nameof(Agreed))]
    public void Next_and_previous_agree_with_croniter_on_a_wall_clock(string cron)
    {
        CroniterReference.Require();
        var schedule = CronSchedule.Parse(cron);
        var starts = new[] { Wall(2023, 12, 31, 23, 59, 30), Wall(2024, 2, 28, 12), Wall(2024, 3, 31, 1, 59), Wall(2024, 10, 27, 2, 30), Wall(2025, 6, 15, 7, 7, 7) };
        var answers = CroniterReference.Batch([.. starts.SelectMany(s => new[]
        {
            CroniterReference.OccurrencesRequest(cron, "naive", s, 25),
            CroniterReference.OccurrencesRequest(cron, "naive", s, 25, previous: true),
        })]);
        for (var k = 0; k < starts.Length; k++)
        {
            List<DateTime> Expected(int i) => [.. answers[i]!.AsArray().Select(n => DateTime.Parse(n!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture))];
            var next = new List<DateTime>();
            var previous = new List<DateTime>();
            DateTime? t = starts[k], p = starts[k];
            for (var i = 0; i < 25; i++)
            {
                t = schedule.Next(t!.Value);
                p = schedule.Previous(p!.Value);
                next.Add(t!.Value);
                previous.Add(p!.Value);
            }

            Assert.Equal(Expected(2 * k), next);
            Assert.Equal(Expected((2 * k) + 1), previous);
        }
    }

    [SkippableFact]
    public void Where_croniter_differs_robfig_wins_29_february()
    {
        CroniterReference.Require();

        // Forward both agree on leap days.
        Assert.Equal([Wall(2024, 2, 29), Wall(2028, 2, 29)], CroniterReference.Occurrences("0 0 29 2 *", "naive", Wall(2023, 12, 31), 2));
        Assert.Equal(Wall(2028, 2, 29), CronSchedule.Parse("0 0 29 2 *").Next(Wall(2024, 2, 29)));

        // croniter 1.3.5 steps back into February as if it had 28 days: 29 February 2024 is skipped...
        Assert.Equal([Wall(2024, 2, 28, 8)], CroniterReference.Occurrences("0 8 * 2 *", "naive", Wall(2024, 3, 31), 1, previous: true));
        Assert.Equal(Wall(2024, 2, 29, 8), CronSchedule.Parse("0 8 * 2 *").Previous(Wall(2024, 3, 31)));

        // ... and a schedule on the 29th has no previous occurrence at all.
        var request = CroniterReference.OccurrencesRequest("0 8 29 2 *", "naive", Wall(2024, 3, 1, 1, 59), 1, previous: true);
        var error = Assert.ThrowsAny<Exception>(() => CroniterReference.Batch([request]));
        Assert.Contains("failed to find prev date", error.Message, StringComparison.Ordinal);
        Assert.Equal(Wall(2024, 2, 29, 8), CronSchedule.Parse("0 8 29 2 *").Previous(Wall(2024, 3, 1, 1, 59)));
    }

    [SkippableFact]
    public void Where_croniter_differs_robfig_wins_an_explicit_full_day_of_month_range()
    {
        CroniterReference.Require();

        // croniter collapses 1-31 into "*" and so ANDs the day fields (Mondays only); robfig ORs them (every day).
        var croniter = CroniterReference.Occurrences("0 0 1-31 * 1", "naive", Wall(2024, 1, 1, 1), 3);
        Assert.Equal([Wall(2024, 1, 8), Wall(2024, 1, 15), Wall(2024, 1, 22)], croniter);
        var robfig = CronSchedule.Parse("0 0 1-31 * 1");
        Assert.Equal(Wall(2024, 1, 2), robfig.Next(Wall(2024, 1, 1, 1)));
        Assert.Equal(Wall(2024, 1, 3), robfig.Next(Wall(2024, 1, 2)));
    }

    [SkippableFact]
    public void Where_croniter_differs_robfig_wins_day_7_and_question_mark()
    {
        CroniterReference.Require();

        // croniter reads day of week 7 as Sunday; robfig (and so Argo CD) refuses the schedule.
        Assert.Equal([Wall(2024, 1, 7)], CroniterReference.Occurrences("0 0 * * 7", "naive", Wall(2024, 1, 1), 1));
        Assert.False(CronSchedule.TryParse("0 0 * * 7", out _, out _));

        // robfig reads '?' as '*'; croniter refuses it.
        var request = CroniterReference.OccurrencesRequest("0 0 ? * 1", "naive", Wall(2024, 1, 1), 1);
        var error = Assert.ThrowsAny<Exception>(() => CroniterReference.Batch([request]));
        Assert.Contains("not acceptable", error.Message, StringComparison.Ordinal);
        Assert.Equal(Wall(2024, 1, 8), CronSchedule.Parse("0 0 ? * 1").Next(Wall(2024, 1, 1)));
    }
}
