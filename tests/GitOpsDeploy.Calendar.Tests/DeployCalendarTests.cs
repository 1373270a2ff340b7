namespace GitOpsDeploy.Calendar.Tests;

[Trait("Tier", "Unit")]
public sealed class DeployCalendarTests
{
    private static readonly ArgoCdApplication App = new("shop-prod", "shop", "https://kubernetes.default.svc", "prod-eu");

    private static readonly ArgoCdProject Project = ArgoCdProject.Parse("""
        kind: AppProject
        metadata: {name: shop}
        spec:
          syncWindows:
          - kind: allow
            schedule: '0 9 * * 1-5'
            duration: 8h
            timeZone: Europe/Berlin
            applications: ['*-prod']
          - kind: deny
            schedule: '0 16 * * 5'
            duration: 1h
            timeZone: Europe/Berlin
            applications: ['*-prod']
            description: no Friday afternoon deploys
        """, "argocd/shop.yaml");

    private static DateTimeOffset Z(int y, int mo, int d, int h = 0, int mi = 0) => new(y, mo, d, h, mi, 0, TimeSpan.Zero);

    [Fact]
    public void Allowed_when_every_gate_allows()
    {
        var freeze = FreezeFile.Parse("freezes: []");
        var answer = DeployCalendar.Check(Z(2025, 3, 4, 10), [Project.GateFor(App), freeze.GateFor("production")]);
        Assert.True(answer.Allowed);
        Assert.Equal(Z(2025, 3, 4, 10), answer.BlockedUntil);
        Assert.Equal("Deploy allowed", answer.ToDeploymentStatusDescription());
    }

    [Fact]
    public void Blocked_until_the_earliest_instant_every_gate_allows()
    {
        // Friday 7 March 2025 15:30 UTC = 16:30 CET: the Friday deny window; the allow window ends 17:00 CET; the
        // next allow window opens Monday 09:00 CET (08:00 UTC). A freeze until Monday 10:00 UTC pushes it further.
        var freeze = FreezeFile.Parse("""
            freezes:
              - environments: [production]
                by: "@alice"
                reason: INC-4711
                until: 2025-03-10T10:00:00Z
            """);
        var at = Z(2025, 3, 7, 15, 30);
        var answer = DeployCalendar.Check(at, [Project.GateFor(App), freeze.GateFor("production")]);
        Assert.False(answer.Allowed);
        Assert.Equal(Z(2025, 3, 10, 10), answer.BlockedUntil);
        Assert.Equal(2, answer.Reasons.Count);
        Assert.Equal(Z(2025, 3, 10, 8), answer.Reasons[0].Until);
        Assert.Equal(Z(2025, 3, 10, 10), answer.Reasons[1].Until);
        Assert.Contains("no Friday afternoon deploys", answer.Reasons[0].Verdict.Summary, StringComparison.Ordinal);
        Assert.Contains("@alice: INC-4711", answer.Reasons[1].Verdict.Summary, StringComparison.Ordinal);
        Assert.StartsWith("blocked until 2025-03-10T10:00:00Z: ", answer.Summary, StringComparison.Ordinal);

        var status = answer.ToDeploymentStatusDescription();
        Assert.True(status.Length <= CalendarAnswer.DeploymentStatusLimit, status);
        Assert.StartsWith("Blocked until 2025-03-10T10:00:00Z: ", status, StringComparison.Ordinal);

        var text = answer.ToText();
        Assert.Contains("[blocked] argocd sync windows:", text, StringComparison.Ordinal);
        Assert.Contains("(until 2025-03-10T08:00:00Z)", text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_opening_of_an_allow_window_is_reported_at_its_start()
    {
        // Argo CD counts the window active strictly after 09:00; the answer names 09:00 CET.
        var answer = DeployCalendar.Check(Z(2025, 3, 8, 12), [Project.GateFor(App)]);
        Assert.Equal(Z(2025, 3, 10, 8), answer.BlockedUntil);
        Assert.False(Project.CanSync(App, Z(2025, 3, 10, 8)).Allowed);
        Assert.True(Project.CanSync(App, Z(2025, 3, 10, 8).AddTicks(1)).Allowed);
    }

    [Fact]
    public void The_project_answers_next_allowed_directly_and_never_within_the_horizon()
    {
        Assert.Equal(Z(2025, 3, 10, 8), Project.NextAllowed(App, Z(2025, 3, 8, 12)));
        Assert.Equal(Z(2025, 3, 4, 10), Project.NextAllowed(App, Z(2025, 3, 4, 10)));
        var never = ArgoCdProject.Parse("kind: AppProject\nspec:\n  syncWindows:\n  - {kind: allow, schedule: '0 0 1 1 *', duration: 1h, applications: ['*']}\n", "p.yaml");
        Assert.Equal(Z(2026, 1, 1), never.NextAllowed(App, Z(2025, 1, 2)));
        Assert.Null(never.NextAllowed(App, Z(2025, 1, 2), TimeSpan.FromDays(300)));
    }

    [Fact]
    public void The_next_opening_follows_the_zone_across_a_dst_change()
    {
        // Saturday 29 March 2025; Berlin moves to CEST on Sunday 30 March, so Monday 09:00 is 07:00 UTC.
        var answer = DeployCalendar.Check(Z(2025, 3, 29, 12), [Project.GateFor(App)]);
        Assert.Equal(Z(2025, 3, 31, 7), answer.BlockedUntil);
    }

    [Fact]
    public void An_open_ended_freeze_blocks_beyond_the_horizon()
    {
        var freeze = FreezeFile.Parse("freezes:\n  - {environments: ['*'], by: sre, reason: migration}\n");
        var answer = DeployCalendar.Check(Z(2025, 1, 1), [freeze.GateFor("staging")], TimeSpan.FromDays(30));
        Assert.False(answer.Allowed);
        Assert.Null(answer.BlockedUntil);
        Assert.Equal(Z(2025, 1, 31), answer.HorizonEnd);
        Assert.StartsWith("blocked beyond 2025-01-31T00:00:00Z: ", answer.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Windows_that_abut_exactly_leave_no_opening()
    {
        // "0 0 * * *" for 24h: Argo CD would allow a sync only at the very instant of midnight, which is no opening.
        var always = ArgoCdProject.Parse("kind: AppProject\nspec:\n  syncWindows:\n  - {kind: deny, schedule: '0 0 * * *', duration: 24h, applications: ['*']}\n", "p.yaml");
        Assert.True(always.CanSync(App, Z(2025, 1, 2)).Allowed);
        Assert.Null(DeployCalendar.Check(Z(2025, 1, 1, 12), [always.GateFor(App)], TimeSpan.FromDays(10)).BlockedUntil);
    }

    [Fact]
    public void An_every_minute_window_is_searched_quickly()
    {
        var busy = ArgoCdProject.Parse("kind: AppProject\nspec:\n  syncWindows:\n  - {kind: deny, schedule: '* * * * *', duration: 1h, applications: ['*']}\n  - {kind: deny, schedule: '*/5 * 1-20 * *', duration: 10m, applications: ['*']}\n", "p.yaml");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var answer = DeployCalendar.Check(Z(2025, 1, 1), [busy.GateFor(App)]);
        Assert.Null(answer.BlockedUntil);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), watch.Elapsed.ToString());
    }
}
