using GitOpsDeploy.Tests.Fakes;

namespace GitOpsDeploy.Tests.EndToEnd;

/// <summary>Waiting for Argo CD after the change lands, then reporting the truth on the deployment.</summary>
[Trait("Tier", "EndToEnd")]
public sealed class ArgoCdTests : GitOpsFixture
{
    private FakeArgoCd argo = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        argo = await FakeArgoCd.StartAsync();
    }

    public override async Task DisposeAsync()
    {
        await argo.DisposeAsync();
        await base.DisposeAsync();
    }

    private Dictionary<string, string> ArgoInputs(params (string Name, string Value)[] overrides) =>
        Inputs([("token", SourceToken), ("argocd-server", argo.Url), ("argocd-token", argo.Token), ("argocd-timeout", "4"), .. overrides]);

    [Fact]
    public async Task Healthy_after_a_few_polls_is_success_with_the_environment_url()
    {
        argo.Script("app-staging", n => n < 2
            ? new ArgoState("OutOfSync", "0000000000000000000000000000000000000000", "Healthy")
            : new ArgoState("Synced", Repo.Head(), n < 3 ? "Progressing" : "Healthy"));
        var result = await Run(ArgoInputs(("environment-url", "https://staging.example.com")));

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Equal("Healthy", result.Output("argocd-health"));
        Assert.True(argo.Polls("app-staging") >= 4);
        Assert.Contains("?refresh=normal", argo.Requests.First(r => r.Contains("/app-staging", StringComparison.Ordinal)), StringComparison.Ordinal);
        var deployment = Assert.Single(App.Deployments);
        Assert.Equal(["in_progress", "in_progress", "success"], deployment.Statuses.Select(s => s.State));
        Assert.Equal("https://staging.example.com", deployment.Statuses[^1].EnvironmentUrl);
        Assert.Contains("Argo CD healthy", deployment.Statuses[^1].Description, StringComparison.Ordinal);
        Assert.Contains("Argo CD: app-staging is Synced and Healthy", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Commit_to_synced_and_to_healthy_are_measured_from_the_landing_in_outputs_and_summary()
    {
        // Polls one second apart (argocd-timeout 4): Synced from the third poll, Healthy from the fourth.
        argo.Script("app-staging", n => n < 2
            ? new ArgoState("OutOfSync", "0000000000000000000000000000000000000000", "Healthy")
            : new ArgoState("Synced", Repo.Head(), n < 3 ? "Progressing" : "Healthy"));

        var result = await Run(ArgoInputs());

        Assert.True(result.ExitCode == 0, result.Stdout);
        var synced = double.Parse(result.Output("commit-to-synced-seconds"), System.Globalization.CultureInfo.InvariantCulture);
        var healthy = double.Parse(result.Output("commit-to-healthy-seconds"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(synced, 1.9, 30);
        Assert.InRange(healthy - synced, 0.9, 30);
        var results = System.Text.Json.Nodes.JsonNode.Parse(result.Output("results"))!.AsArray();
        Assert.Equal(synced, (double)results[0]!["commit-to-synced-seconds"]!);
        Assert.Contains("Argo CD: app-staging is Synced and Healthy at ", result.Summary, StringComparison.Ordinal);
        Assert.Contains($"(commit to synced {result.Output("commit-to-synced-seconds")} s, to healthy {result.Output("commit-to-healthy-seconds")} s)", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Right_after_the_commit_lands_every_application_covering_the_overlay_is_refreshed_even_without_a_wait()
    {
        var gitops = $"{GitHub.ServerUrl}/acme/gitops.git";
        argo.Source("web-staging", gitops, "environments/staging");
        argo.Source("all-environments", GitHub.ServerUrl.Replace("http://", "http://ci-bot@", StringComparison.Ordinal) + "/ACME/gitops/", "./environments/");
        argo.Source("web-production", gitops, "environments/production");
        argo.Source("stag-prefix", gitops, "environments/stag");
        argo.Source("other-repository", "https://github.com/acme/other.git", "environments/staging");

        var result = await Run(ArgoInputs(("argocd-timeout", "0")));

        Assert.True(result.ExitCode == 0, result.Stdout);
        var refreshed = argo.Requests.Where(r => r.EndsWith("?refresh=normal", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["GET /api/v1/applications/all-environments?refresh=normal", "GET /api/v1/applications/web-staging?refresh=normal"], refreshed);
        Assert.StartsWith("GET /api/v1/applications?fields=", argo.Requests.First(), StringComparison.Ordinal);
        Assert.Equal(0, argo.Polls("app-staging"));
        Assert.Equal(string.Empty, result.Output("argocd-health"));
        Assert.Equal("success", Assert.Single(App.Deployments).LastState);
    }

    [Fact]
    public async Task An_application_list_that_fails_is_a_warning_and_the_wait_still_decides()
    {
        argo.Script("app-staging", _ => new ArgoState("Synced", Repo.Head(), "Healthy"));
        argo.ListFailsWith = 503;

        var result = await Run(ArgoInputs());

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Contains("::warning::Argo CD applications were not refreshed (Argo CD finds the commit at its next poll): Argo CD answered 503 for the application list", result.Stdout, StringComparison.Ordinal);
        Assert.Equal("Healthy", result.Output("argocd-health"));
    }

    [Fact]
    public async Task Without_a_wait_the_latency_outputs_are_empty()
    {
        var result = await Run(Inputs(("token", SourceToken)));

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Equal(string.Empty, result.Output("commit-to-synced-seconds"));
        Assert.Equal(string.Empty, result.Output("commit-to-healthy-seconds"));
    }

    [Fact]
    public async Task Degraded_fails_the_run_and_the_deployment_with_the_reason()
    {
        argo.Script("app-staging", _ => new ArgoState("Synced", Repo.Head(), "Degraded", "Deployment \"web\" exceeded its progress deadline"));
        var result = await Run(ArgoInputs());

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("::error::Argo CD: app-staging is Degraded", result.Stdout, StringComparison.Ordinal);
        var deployment = Assert.Single(App.Deployments);
        Assert.Equal("failure", deployment.LastState);
        Assert.Contains("exceeded its progress deadline", deployment.Statuses[^1].Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failed_sync_operation_fails_the_run()
    {
        argo.Script("app-staging", _ => new ArgoState("OutOfSync", Repo.Head(), "Missing", OperationPhase: "Failed", OperationMessage: "one or more objects failed to apply"));
        var result = await Run(ArgoInputs());

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("app-staging sync Failed: one or more objects failed to apply", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stuck_progressing_until_the_timeout_fails_with_the_last_state()
    {
        argo.Script("app-staging", _ => new ArgoState("Synced", Repo.Head(), "Progressing"));
        var result = await Run(ArgoInputs(("argocd-timeout", "2")));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("did not become Synced and Healthy", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("health Progressing", result.Stdout, StringComparison.Ordinal);
        Assert.Equal("failure", Assert.Single(App.Deployments).LastState);
    }

    [Fact]
    public async Task A_refused_argocd_token_is_named()
    {
        argo.Script("app-staging", _ => new ArgoState("Synced", Repo.Head(), "Healthy"));
        var result = await Run(ArgoInputs(("argocd-token", "wrong-token")));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Argo CD refused argocd-token (401)", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-token", result.AllBytes.Replace("::add-mask::wrong-token", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_that_is_down_fails_at_the_timeout_with_the_reason()
    {
        var down = argo.Url;
        await argo.DisposeAsync();
        argo = await FakeArgoCd.StartAsync();
        var result = await Run(Inputs(("token", SourceToken), ("argocd-server", down), ("argocd-timeout", "2")));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("is unreachable", result.Stdout, StringComparison.Ordinal);
        Assert.Equal("failure", Assert.Single(App.Deployments).LastState);
    }

    [Fact]
    public async Task A_later_revision_on_top_of_ours_counts_as_ours()
    {
        string? later = null;
        argo.Script("app-staging", _ =>
        {
            // Another deploy landed after ours and Argo CD synced that one.
            later ??= Repo.Commit(new Dictionary<string, string> { ["base/x.yaml"] = "x: 1\n" }, "later deploy");
            return new ArgoState("Synced", later, "Healthy");
        });
        var result = await Run(ArgoInputs());

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Equal("Healthy", result.Output("argocd-health"));
    }
}
