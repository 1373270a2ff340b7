using System.Text.Json.Nodes;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Tests.Fakes;

namespace GitOpsDeploy.Tests.EndToEnd;

/// <summary>Several environments in one run: one commit or one pull request, one deployment each, per-target results.</summary>
[Trait("Tier", "EndToEnd")]
public sealed class MultiTargetTests : GitOpsFixture
{
    private const string Regional = "images:\n  - name: web\n    newName: ghcr.io/acme/web\n    newTag: \"1.0.0\"\n";

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Repo.Commit(new Dictionary<string, string>
        {
            ["clusters/staging-eu/web/kustomization.yaml"] = Regional,
            ["clusters/staging-us/web/kustomization.yaml"] = Regional.Replace("1.0.0", "0.9.0", StringComparison.Ordinal),
        }, "two regions");
    }

    private Dictionary<string, string> Regions(params (string Name, string Value)[] overrides) =>
        Inputs([("environment", "staging-eu, staging-us"), ("overlay-path", "clusters/{{ environment }}/web"), ("images", "web=ghcr.io/acme/web:2.0.0"), ("token", SourceToken), .. overrides]);

    [Fact]
    public async Task Push_mode_updates_every_overlay_in_one_commit_with_a_deployment_each()
    {
        var commits = Repo.CommitCount();

        var result = await Run(Regions());

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Equal(commits + 1, Repo.CommitCount());
        Assert.Contains("newTag: \"2.0.0\"", Repo.ReadFile("clusters/staging-eu/web/kustomization.yaml"), StringComparison.Ordinal);
        Assert.Contains("newTag: \"2.0.0\"", Repo.ReadFile("clusters/staging-us/web/kustomization.yaml"), StringComparison.Ordinal);
        var message = Repo.Message(Repo.Head());
        Assert.StartsWith("deploy(staging-eu, staging-us): ", message, StringComparison.Ordinal);
        Assert.Contains("\nEnvironment: staging-eu\nEnvironment: staging-us\n", message, StringComparison.Ordinal);

        Assert.Equal(["staging-eu", "staging-us"], App.Deployments.Select(d => d.Environment));
        Assert.All(App.Deployments, d => Assert.Equal(["in_progress", "success"], d.Statuses.Select(s => s.State)));

        var results = JsonNode.Parse(result.Output("results"))!.AsArray();
        Assert.Equal(2, results.Count);
        Assert.Equal("staging-us", results[1]!["environment"]!.GetValue<string>());
        Assert.Equal("clusters/staging-us/web", results[1]!["overlay-path"]!.GetValue<string>());
        Assert.Equal("pushed", results[1]!["operation"]!.GetValue<string>());
        Assert.Equal("web=ghcr.io/acme/web:2.0.0", results[1]!["images"]![0]!.GetValue<string>());
        Assert.Equal("web=ghcr.io/acme/web:0.9.0", results[1]!["previous-images"]![0]!.GetValue<string>());
        Assert.Equal(App.Deployments[1].Id, results[1]!["deployment-id"]!.GetValue<long>());
        Assert.Equal(Repo.Head(), result.Output("commit-sha"));
        Assert.Contains("#### staging-eu (`clusters/staging-eu/web`): pushed", result.Summary, StringComparison.Ordinal);
        Assert.Contains("#### staging-us (`clusters/staging-us/web`): pushed", result.Summary, StringComparison.Ordinal);

        var again = await Run(Regions());
        Assert.Equal("none", again.Output("operation"));
        Assert.Equal(commits + 1, Repo.CommitCount());
    }

    [Fact]
    public async Task A_target_that_already_has_the_change_is_reported_as_none_and_left_out_of_the_commit()
    {
        Repo.Commit(new Dictionary<string, string> { ["clusters/staging-us/web/kustomization.yaml"] = Regional.Replace("1.0.0", "2.0.0", StringComparison.Ordinal) }, "us is ahead");

        var result = await Run(Regions());

        Assert.True(result.ExitCode == 0, result.Stdout);
        var results = JsonNode.Parse(result.Output("results"))!.AsArray();
        Assert.Equal(["pushed", "none"], results.Select(r => r!["operation"]!.GetValue<string>()));
        Assert.DoesNotContain("Environment: staging-us", Repo.Message(Repo.Head()), StringComparison.Ordinal);
        Assert.Contains("already deployed to staging-us", App.Deployments[1].Statuses[^1].Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_target_without_an_overlay_fails_the_run_before_anything_is_written_naming_the_target()
    {
        var head = Repo.Head();

        var result = await Run(Regions(("environment", "staging-eu, staging-ap")));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("staging-ap: ", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(head, Repo.Head());
        Assert.All(App.Deployments, d => Assert.Equal("failure", d.Statuses[^1].State));
    }

    [Fact]
    public async Task An_overlay_path_without_the_placeholder_is_refused_for_several_environments()
    {
        var result = await Run(Regions(("overlay-path", "clusters/shared/web")));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("input 'overlay-path': 'clusters/shared/web' would be the same for staging-eu, staging-us", result.Stdout, StringComparison.Ordinal);
        Assert.Empty(App.Deployments);
    }

    [Fact]
    public async Task Pull_request_mode_opens_one_pull_request_for_the_target_set()
    {
        var result = await Run(Regions(("mode", "pull-request")));

        Assert.True(result.ExitCode == 0, result.Stdout);
        var pr = Assert.Single(GitOpsApi.Pulls);
        Assert.Equal("gitops-deploy/staging-eu+staging-us/web", pr.Head);
        Assert.Equal("Deploy web 2.0.0 to staging-eu, staging-us", pr.Title);
        Assert.Contains("Deploys to **staging-eu**", pr.Body, StringComparison.Ordinal);
        Assert.Contains("Deploys to **staging-us**", pr.Body, StringComparison.Ordinal);
        Assert.Contains($"deployment=\"{App.Deployments[0].Id},{App.Deployments[1].Id}\"", pr.Body, StringComparison.Ordinal);
        Assert.All(App.Deployments, d => Assert.Equal("queued", d.Statuses[^1].State));
        Assert.Contains("newTag: \"2.0.0\"", Repo.ReadFile("clusters/staging-us/web/kustomization.yaml", "gitops-deploy/staging-eu+staging-us/web"), StringComparison.Ordinal);

        var again = await Run(Regions(("mode", "pull-request")));
        Assert.Equal("none", again.Output("operation"));
        Assert.Single(GitOpsApi.Pulls);
    }

    [Fact]
    public async Task Every_catalogued_output_is_written_and_no_other()
    {
        var result = await Run(Regions());

        var dora = new[] { "deployment-frequency", "lead-time-seconds", "change-failure-rate", "mean-time-to-restore-seconds" };
        Assert.Equal(InputCatalogue.Outputs.Select(o => o.Name).Except(dora).Order(StringComparer.Ordinal), result.Outputs.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Each_target_waits_for_its_application_and_only_the_unhealthy_one_is_rolled_back_through_its_own_branch()
    {
        await using var argo = await FakeArgoCd.StartAsync();
        argo.Script("web-staging-eu", _ => new ArgoState("Synced", Repo.Head(), "Healthy"));
        argo.Script("web-staging-us", _ => new ArgoState("Synced", Repo.Head(), "Degraded", "CrashLoopBackOff"));

        var result = await Run(Regions(("mode", "merge"), ("argocd-server", argo.Url), ("argocd-token", argo.Token), ("argocd-timeout", "3"),
            ("argocd-application", "web-{{ environment }}"), ("rollback-on-failure", "true")));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("staging-us: Argo CD: ", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("rolled back to web=ghcr.io/acme/web:0.9.0", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("newTag: \"2.0.0\"", Repo.ReadFile("clusters/staging-eu/web/kustomization.yaml"), StringComparison.Ordinal);
        Assert.Contains("newTag: \"0.9.0\"", Repo.ReadFile("clusters/staging-us/web/kustomization.yaml"), StringComparison.Ordinal);
        Assert.Equal(["gitops-deploy/staging-eu+staging-us/web", "gitops-deploy/staging-us/rollback"], GitOpsApi.Pulls.Select(p => p.Head));
        Assert.All(GitOpsApi.Pulls, p => Assert.True(p.Merged));

        var eu = App.Deployments.Single(d => d.Environment == "staging-eu");
        Assert.Equal("success", eu.LastState);
        var us = App.Deployments.Where(d => d.Environment == "staging-us").ToList();
        Assert.Equal(2, us.Count);
        Assert.Contains("failure", us[0].Statuses.Select(x => x.State));
        Assert.Equal("success", us[1].LastState);
    }
}
