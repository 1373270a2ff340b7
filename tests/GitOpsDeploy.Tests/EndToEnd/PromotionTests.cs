namespace GitOpsDeploy.Tests.EndToEnd;

/// <summary>promote-from: the exact references verified in staging reach production, with their provenance.</summary>
[Trait("Tier", "EndToEnd")]
public sealed class PromotionTests : GitOpsFixture
{
    private const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private const string BuildSha = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

    [Fact]
    public async Task Promotes_the_exact_staging_references_through_a_merged_pull_request()
    {
        var staged = await Run(Inputs(("images", $"web=ghcr.io/acme/web:1.1.0@{Digest}"), ("source-sha", BuildSha)));
        Assert.Equal(0, staged.ExitCode);
        var stagingSha = Repo.Head();

        var result = await Run(Inputs(("environment", "production"), ("promote-from", "staging"), ("images", ""), ("mode", "merge"), ("token", SourceToken)));

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Equal("true", result.Output("promoted"));
        Assert.Equal("merged", result.Output("operation"));
        var production = Repo.ReadFile("environments/production/kustomization.yaml");
        Assert.Contains($"newName: ghcr.io/acme/web\n    newTag: \"1.1.0\" # current release\n    digest: {Digest}", production, StringComparison.Ordinal);
        Assert.Contains("name: worker\n    newName: ghcr.io/acme/worker\n    newTag: 2.0.0", production, StringComparison.Ordinal);
        Assert.Equal($"web=ghcr.io/acme/web:1.1.0@{Digest}\nworker=ghcr.io/acme/worker:2.0.0", result.Output("images"));

        var pr = Assert.Single(GitOpsApi.Pulls);
        Assert.Contains($"Promoted from **staging** at gitops commit `{stagingSha[..7]}`", pr.Body, StringComparison.Ordinal);
        Assert.Contains($"- `web`: built from [acme/app@aaaaaaa]({GitHub.ServerUrl}/acme/app/commit/{BuildSha})", pr.Body, StringComparison.Ordinal);
        Assert.Contains($"Promoted-From: staging@{stagingSha}", Repo.Message(Repo.Git("rev-parse", "gitops-deploy/production/promote-from-staging")), StringComparison.Ordinal);

        var deployment = Assert.Single(App.Deployments);
        Assert.Equal(BuildSha, deployment.Sha);
        Assert.Equal("production", deployment.Environment);
        Assert.True(deployment.ProductionEnvironment);
        Assert.Equal(["in_progress", "success"], deployment.Statuses.Select(s => s.State));
    }

    [Fact]
    public async Task Promotes_only_the_named_images_and_refuses_specs()
    {
        var result = await Run(Inputs(("environment", "production"), ("promote-from", "staging"), ("images", "worker")));
        Assert.Equal(0, result.ExitCode);
        var production = Repo.ReadFile("environments/production/kustomization.yaml");
        Assert.Contains("newTag: \"0.9.0\" # current release", production, StringComparison.Ordinal);
        Assert.Contains("newTag: 2.0.0", production, StringComparison.Ordinal);
        Assert.Equal("false", result.Output("promoted"));

        var refused = await Run(Inputs(("environment", "production"), ("promote-from", "staging"), ("images", "web=ghcr.io/acme/web:9")));
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("with promote-from, list image names only", refused.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Promoting_what_production_already_runs_changes_nothing()
    {
        Assert.Equal(0, (await Run(Inputs(("environment", "production"), ("promote-from", "staging"), ("images", "")))).ExitCode);
        var head = Repo.Head();
        var again = await Run(Inputs(("environment", "production"), ("promote-from", "staging"), ("images", "")));

        Assert.Equal(0, again.ExitCode);
        Assert.Equal("none", again.Output("operation"));
        Assert.Equal(head, Repo.Head());
    }
}
