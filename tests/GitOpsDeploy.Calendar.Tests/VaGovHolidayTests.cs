namespace GitOpsDeploy.Calendar.Tests;

/// <summary>The VA.gov holiday deny windows (Fixtures/va-gov-*.yaml, sources noted in the files).</summary>
[Trait("Tier", "Unit")]
public sealed class VaGovHolidayTests
{
    private static readonly ArgoCdApplication Prod = new("vets-api-prod", "vets-api", "https://kubernetes.default.svc");
    private static readonly ArgoCdApplication Dev = new("vets-api-dev", "vets-api", "https://kubernetes.default.svc");

    private static string Fixture(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", name));

    private static ArgoCdProject Project() => ArgoCdProject.Parse(Fixture("va-gov-holiday-deny-windows.yaml"), "va-gov-holiday-deny-windows.yaml");

    private static DateTimeOffset Z(int y, int mo, int d, int h = 0, int mi = 0) => new(y, mo, d, h, mi, 0, TimeSpan.Zero);

    [Fact]
    public void The_published_configuration_is_not_valid_yaml_and_the_error_points_at_the_juneteenth_window()
    {
        var text = Fixture("va-gov-issue-73380-excerpt.yaml");
        var error = Assert.Throws<CalendarParseException>(() => ArgoCdProject.Parse(text, "va-gov-issue-73380-excerpt.yaml"));
        var lines = text.Split('\n');
        var schedule = Array.FindIndex(lines, l => l.Contains("'0 * 19 JUN *'", StringComparison.Ordinal)) + 1;
        Assert.Equal("va-gov-issue-73380-excerpt.yaml", error.File);
        Assert.Equal(schedule, error.Line);
        Assert.StartsWith("not valid YAML", error.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(2024, 1, 15, "MLK")]
    [InlineData(2024, 5, 27, "Memorial Day")]
    [InlineData(2024, 6, 19, "Juneteenth")]
    [InlineData(2024, 7, 4, "Independence Day")]
    [InlineData(2024, 9, 2, "Labor Day")]
    [InlineData(2024, 11, 11, "Veteran's Day")]
    [InlineData(2024, 11, 28, "Thanksgiving")]
    [InlineData(2024, 12, 25, "Holiday Freeze")]
    [InlineData(2025, 1, 2, "Holiday Freeze")]
    public void Production_is_frozen_on_each_holiday_and_dev_is_not(int year, int month, int day, string holiday)
    {
        var project = Project();
        var at = Z(year, month, day, 17, 1); // 13:01 (EDT) or 12:01 (EST): inside or near the daily allow window
        var decision = project.CanSync(Prod, at);
        Assert.False(decision.Allowed, holiday);
        Assert.Equal(SyncRule.ActiveDeny, decision.Rule);
        Assert.All(decision.Deciding, w => Assert.Equal(SyncWindowKind.Deny, w.Kind));
        Assert.True(project.CanSync(Dev, at).Allowed);
    }

    [Fact]
    public void An_ordinary_weekday_deploys_only_in_the_three_minutes_after_1pm_eastern()
    {
        var project = Project();
        Assert.Equal(SyncRule.ActiveAllow, project.CanSync(Prod, Z(2024, 7, 9, 17, 1)).Rule); // 13:01 EDT
        Assert.Equal(SyncRule.OutsideAllowWindows, project.CanSync(Prod, Z(2024, 7, 9, 17, 3)).Rule);
        Assert.Equal(SyncRule.ActiveAllow, project.CanSync(Prod, Z(2024, 12, 10, 18, 2)).Rule); // 13:02 EST
        Assert.Equal(SyncRule.OutsideAllowWindows, project.CanSync(Prod, Z(2024, 12, 10, 17, 2)).Rule);
    }

    [Fact]
    public void A_24h_window_opened_every_hour_of_the_holiday_freezes_until_23_00_utc_the_next_day()
    {
        var mlk = Project().SyncWindows[0];
        Assert.False(mlk.IsActive(Z(2024, 1, 15)));
        Assert.True(mlk.IsActive(Z(2024, 1, 15, 0, 1)));
        Assert.Equal(Z(2024, 1, 16, 23), mlk.ActiveUntil(Z(2024, 1, 15, 12), Z(2024, 2, 1)));
    }

    [Fact]
    public void Blocked_until_the_first_1pm_eastern_weekday_deploy_after_the_freeze()
    {
        var project = Project();

        // Thursday 4 July 2024: the freeze lasts until Friday 23:00 UTC, so the next deploy is Monday 8 July 13:00 EDT.
        var july = DeployCalendar.Check(Z(2024, 7, 4, 16), [project.GateFor(Prod)]);
        Assert.False(july.Allowed);
        Assert.Equal(Z(2024, 7, 8, 17), july.BlockedUntil);

        // Christmas 2024: the December and January windows chain until Saturday 4 January 23:00 UTC; Monday 6 January
        // 13:00 EST is 18:00 UTC.
        var christmas = DeployCalendar.Check(Z(2024, 12, 25, 12), [project.GateFor(Prod)]);
        Assert.Equal(Z(2025, 1, 6, 18), christmas.BlockedUntil);
        Assert.Contains("deny #7 \"0 * 23-31 DEC *\" for 24h UTC", christmas.Summary, StringComparison.Ordinal);
    }
}
