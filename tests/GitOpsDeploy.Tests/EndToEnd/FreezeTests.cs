using GitOpsDeploy.Tests.Fakes;
using System.Globalization;

namespace GitOpsDeploy.Tests.EndToEnd;

/// <summary>
/// The freeze calendar through the whole program: the stop-the-line file and the Argo CD AppProject's sync windows
/// read from the gitops repository, refusing the commit (nothing written, the deployment says until when), and the
/// override that only a production environment job's ID token can vouch for.
/// </summary>
[Trait("Tier", "EndToEnd")]
public sealed class FreezeTests : GitOpsFixture
{
    private static string Instant(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>A freeze of production in force from an hour ago until two hours from now (whole seconds).</summary>
    private DateTimeOffset FreezeProduction()
    {
        var now = DateTimeOffset.UtcNow;
        var until = new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero).AddHours(2);
        Repo.Commit(new Dictionary<string, string>
        {
            [".gitops-deploy/freeze.yaml"] = $"""
                # Stop the line.
                freezes:
                  - environments: [production]
                    by: "@alice"
                    reason: "INC-4711 payments outage"
                    from: {Instant(now.AddHours(-1))}
                    until: {Instant(until)}
                """,
        }, "freeze production");
        return until;
    }

    private Dictionary<string, string> Production(params (string Name, string Value)[] overrides) =>
        Inputs([("environment", "production"), ("token", SourceToken), .. overrides]);

    [Fact]
    public async Task A_freeze_refuses_the_deploy_writes_nothing_and_the_deployment_says_until_when()
    {
        var until = FreezeProduction();
        var head = Repo.Head();

        var result = await Run(Production());

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"::error::policy freeze: production blocked until {Instant(until)}", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("@alice", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(head, Repo.Head());
        var deployment = Assert.Single(App.Deployments);
        Assert.Equal("inactive", deployment.LastState);
        Assert.StartsWith($"Blocked until {Instant(until)}", deployment.Statuses[^1].Description, StringComparison.Ordinal);
        Assert.Contains("**Failed:** policy freeze: production blocked until", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Other_environments_deploy_through_a_freeze_of_production()
    {
        FreezeProduction();

        var result = await Run(Inputs(("token", SourceToken)));

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Equal("pushed", result.Output("operation"));
    }

    [Fact]
    public async Task Override_in_the_production_environment_job_is_a_trailer_and_a_line_of_the_summary()
    {
        FreezeProduction();

        var result = await ActionRun.RunAsync(GitHub, Production(("override-freeze", "hotfix for INC-4711, approved in the production job")),
            new Dictionary<string, string> { ["JOB_ENVIRONMENT"] = "production" });

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Contains("\nFreeze-Override: hotfix for INC-4711, approved in the production job", Repo.Message(Repo.Head()), StringComparison.Ordinal);
        Assert.Contains("**Freeze overridden** (override-freeze): hotfix for INC-4711", result.Summary, StringComparison.Ordinal);
        Assert.Contains("::warning::override-freeze:", result.Stdout, StringComparison.Ordinal);
        Assert.Equal("success", Assert.Single(App.Deployments).LastState);
    }

    [Fact]
    public async Task Override_in_a_job_without_an_environment_is_refused_and_nothing_is_written()
    {
        FreezeProduction();
        var head = Repo.Head();

        var result = await Run(Production(("override-freeze", "trust me")));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("override-freeze is not honoured here: this job has no environment", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(head, Repo.Head());
        Assert.Equal("inactive", Assert.Single(App.Deployments).LastState);
    }

    [Fact]
    public async Task An_active_argo_cd_deny_window_refuses_with_the_time_argo_cd_would_sync_again()
    {
        // A daily deny window that opened ten minutes ago (to the minute) for an hour.
        var now = DateTimeOffset.UtcNow;
        var start = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero).AddMinutes(-10);
        Repo.Commit(new Dictionary<string, string>
        {
            ["argocd/project.yaml"] = $"""
                apiVersion: argoproj.io/v1alpha1
                kind: AppProject
                metadata:
                  name: shop
                spec:
                  syncWindows:
                    - kind: deny
                      schedule: "{start.Minute} {start.Hour} * * *"
                      duration: 1h
                      applications: ["app-*"]
                """,
        }, "sync windows");
        var head = Repo.Head();

        var result = await Run(Production(("sync-windows", "argocd/project.yaml")));

        Assert.Equal(1, result.ExitCode);
        Assert.True(result.Stdout.Contains($"production blocked until {Instant(start.AddHours(1))}: Argo CD project 'shop', application 'app-production': blocked: active deny window", StringComparison.Ordinal), result.Stdout);
        Assert.Equal(head, Repo.Head());
    }

    [Fact]
    public async Task A_freeze_file_that_does_not_parse_is_named_with_its_line()
    {
        Repo.Commit(new Dictionary<string, string> { [".gitops-deploy/freeze.yaml"] = "freezes:\n  - environments: [production]\n    reason: no author\n" }, "bad freeze");

        var result = await Run(Production());

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("::error file=.gitops-deploy/freeze.yaml,line=2", result.Stdout, StringComparison.Ordinal);
        Assert.Empty(App.Deployments);
    }
}
