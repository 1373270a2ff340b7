namespace GitOpsDeploy.Calendar.Tests;

/// <summary>Argo CD's precedence (<c>SyncWindows.CanSync</c>), one rule at a time.</summary>
[Trait("Tier", "Unit")]
public sealed class CanSyncTests
{
    private static readonly ArgoCdApplication App = new("guestbook", "default", "https://kubernetes.default.svc", "in-cluster");
    private static readonly DateTimeOffset Noon = new(2024, 6, 3, 12, 0, 0, TimeSpan.Zero); // a Monday

    private static ArgoCdProject Project(string windows) => ArgoCdProject.Parse(
        $"""
        apiVersion: argoproj.io/v1alpha1
        kind: AppProject
        metadata:
          name: default
        spec:
          syncWindows:
        {windows}
        """, "project.yaml");

    [Fact]
    public void No_windows_or_none_matching_allow()
    {
        Assert.Equal(SyncRule.NoWindows, ArgoCdProject.Parse("kind: AppProject\nspec: {}\n", "p.yaml").CanSync(App, Noon).Rule);
        var decision = Project("  - {kind: deny, schedule: '* * * * *', duration: 1h, applications: [other]}").CanSync(App, Noon);
        Assert.True(decision.Allowed);
        Assert.Equal(SyncRule.NoMatchingWindows, decision.Rule);
    }

    [Fact]
    public void Deny_beats_an_active_allow()
    {
        var project = Project("""
              - {kind: allow, schedule: '0 10 * * *', duration: 4h, applications: ['*']}
              - {kind: deny, schedule: '0 11 * * *', duration: 2h, namespaces: [default], description: lunch freeze}
            """);
        var decision = project.CanSync(App, Noon);
        Assert.False(decision.Allowed);
        Assert.Equal(SyncRule.ActiveDeny, decision.Rule);
        Assert.Equal([1], decision.Deciding.Select(w => w.Index));
        Assert.Equal(2, decision.Active.Count);
        Assert.Contains("lunch freeze", decision.Explain(), StringComparison.Ordinal);

        var later = project.CanSync(App, Noon.AddHours(1.5));
        Assert.True(later.Allowed);
        Assert.Equal(SyncRule.ActiveAllow, later.Rule);
    }

    [Fact]
    public void Outside_every_allow_window_blocks_and_an_inactive_deny_alone_does_not()
    {
        var allowOnly = Project("  - {kind: allow, schedule: '0 22 * * *', duration: 1h, applications: ['*']}");
        var decision = allowOnly.CanSync(App, Noon);
        Assert.False(decision.Allowed);
        Assert.Equal(SyncRule.OutsideAllowWindows, decision.Rule);

        var denyOnly = Project("  - {kind: deny, schedule: '0 22 * * *', duration: 1h, applications: ['*']}");
        Assert.Equal(SyncRule.NoActiveWindows, denyOnly.CanSync(App, Noon).Rule);
        Assert.True(denyOnly.CanSync(App, Noon).Allowed);
    }

    [Fact]
    public void Manual_sync_passes_only_when_every_deciding_window_allows_it()
    {
        var both = Project("""
              - {kind: deny, schedule: '0 11 * * *', duration: 2h, applications: ['*'], manualSync: true}
              - {kind: deny, schedule: '0 10 * * *', duration: 4h, applications: ['*'], manualSync: yes}
            """);
        Assert.False(both.CanSync(App, Noon).Allowed);
        Assert.Equal(SyncRule.ActiveDenyManualSync, both.CanSync(App, Noon, SyncTrigger.Manual).Rule);

        var oneWithout = Project("""
              - {kind: deny, schedule: '0 11 * * *', duration: 2h, applications: ['*'], manualSync: true}
              - {kind: deny, schedule: '0 10 * * *', duration: 4h, applications: ['*']}
            """);
        Assert.False(oneWithout.CanSync(App, Noon, SyncTrigger.Manual).Allowed);

        var outside = Project("  - {kind: allow, schedule: '0 22 * * *', duration: 1h, applications: ['*'], manualSync: true}");
        Assert.Equal(SyncRule.OutsideAllowWindowsManualSync, outside.CanSync(App, Noon, SyncTrigger.Manual).Rule);
    }

    [Fact]
    public void Sync_overrun_lets_a_running_sync_finish_when_it_started_while_allowed()
    {
        var deny = Project("  - {kind: deny, schedule: '0 12 * * *', duration: 1h, applications: ['*'], syncOverrun: true}");
        var at = Noon.AddMinutes(10);
        Assert.False(deny.CanSync(App, at).Allowed);
        Assert.Equal(SyncRule.ActiveDenyOverrun, deny.CanSync(App, at, operationStartedAt: Noon.AddMinutes(-5)).Rule);
        Assert.False(deny.CanSync(App, at, operationStartedAt: Noon.AddMinutes(5)).Allowed); // started inside the deny window

        var allow = Project("  - {kind: allow, schedule: '0 11 * * *', duration: 1h, applications: ['*'], syncOverrun: true}");
        Assert.Equal(SyncRule.OutsideAllowWindowsOverrun, allow.CanSync(App, at, operationStartedAt: Noon.AddMinutes(-30)).Rule);
        Assert.False(allow.CanSync(App, at, operationStartedAt: Noon.AddHours(-2)).Allowed);
    }

    [Fact]
    public void Overrun_checks_the_start_with_the_zone_offset_of_now_as_argo_cd_does()
    {
        // Berlin, deny 02:30-03:30 every night with overrun. A sync started on 26 October at 00:45 UTC (02:45 CEST,
        // inside the window, so not allowed then). Asked on 27 October at 01:45 UTC (02:45 CET, inside again), Argo CD
        // re-checks the start time with today's offset (+1): 00:45 UTC reads 01:45, outside the window, so "was allowed".
        var project = Project("  - {kind: deny, schedule: '30 2 * * *', duration: 1h, timeZone: Europe/Berlin, applications: ['*'], syncOverrun: true}");
        var started = new DateTimeOffset(2024, 10, 26, 0, 45, 0, TimeSpan.Zero);
        Assert.False(project.CanSync(App, started).Allowed);
        var decision = project.CanSync(App, new DateTimeOffset(2024, 10, 27, 1, 45, 0, TimeSpan.Zero), operationStartedAt: started);
        Assert.True(decision.Allowed);
        Assert.Equal(SyncRule.ActiveDenyOverrun, decision.Rule);
    }

    [Fact]
    public void A_schedule_that_never_fires_is_always_active_as_in_argo_cd()
    {
        var project = Project("  - {kind: deny, schedule: '0 0 30 2 *', duration: 1h, applications: ['*']}");
        Assert.False(project.CanSync(App, Noon).Allowed);
        Assert.Contains(project.Warnings, w => w.Message.Contains("never fires", StringComparison.Ordinal));
    }
}
