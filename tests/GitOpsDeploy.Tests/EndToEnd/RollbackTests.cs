using GitOpsDeploy.Tests.Fakes;

namespace GitOpsDeploy.Tests.EndToEnd;

/// <summary>Rollback from git history, the hold marker, deeper re-clones and rollback-on-failure.</summary>
[Trait("Tier", "EndToEnd")]
public sealed class RollbackTests : GitOpsFixture
{
    private const string ShaA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    private const string ShaB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    private async Task<string> Release(string tag, string sha)
    {
        var result = await Run(Inputs(("images", $"web=ghcr.io/acme/web:{tag}"), ("source-sha", sha), ("token", SourceToken)));
        Assert.True(result.ExitCode == 0, result.Stdout);
        return Repo.Head();
    }

    [Fact]
    public async Task Rolls_back_to_the_previous_release_and_holds_the_environment()
    {
        await Release("1.1.0", ShaA);
        var bad = await Release("1.2.0", ShaB);

        var result = await Run(Inputs(("rollback", "true"), ("images", ""), ("token", SourceToken)));

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Equal("web=ghcr.io/acme/web:1.1.0\nworker=ghcr.io/acme/worker:2.0.0", result.Output("images"));
        Assert.Contains("newTag: \"1.1.0\" # current release", Repo.ReadFile("environments/staging/kustomization.yaml"), StringComparison.Ordinal);
        var message = Repo.Message(Repo.Head());
        Assert.StartsWith("rollback(staging): web 1.2.0 -> 1.1.0", message, StringComparison.Ordinal);
        Assert.Contains($"Source-Commit: {ShaA}", message, StringComparison.Ordinal);
        Assert.Contains($"Rollback-Of: {bad}", message, StringComparison.Ordinal);
        var hold = Repo.ReadFile("environments/staging/.gitops-deploy-hold");
        Assert.Contains($"rolled-back-commit: {bad}", hold, StringComparison.Ordinal);

        var restored = App.Deployments.Last();
        Assert.Equal(ShaA, restored.Sha);
        Assert.Equal("success", restored.LastState);
        Assert.Equal("inactive", App.Deployments.Single(d => d.Sha == ShaB).LastState);
    }

    [Fact]
    public async Task A_held_environment_refuses_automated_deploys_until_the_hold_is_released()
    {
        await Release("1.1.0", ShaA);
        await Release("1.2.0", ShaB);
        Assert.Equal(0, (await Run(Inputs(("rollback", "true"), ("images", "")))).ExitCode);
        var held = Repo.Head();

        var refused = await Run(Inputs(("images", "web=ghcr.io/acme/web:1.2.0")));
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("::error::policy hold: staging is on hold after a rollback (rollback to web=ghcr.io/acme/web:1.1.0", refused.Stdout, StringComparison.Ordinal);
        Assert.Equal(held, Repo.Head());

        var released = await Run(Inputs(("images", "web=ghcr.io/acme/web:1.3.0"), ("release-hold", "true")));
        Assert.True(released.ExitCode == 0, released.Stdout);
        Assert.Throws<InvalidOperationException>(() => Repo.ReadFile("environments/staging/.gitops-deploy-hold"));
        Assert.Contains("newTag: \"1.3.0\"", Repo.ReadFile("environments/staging/kustomization.yaml"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rolls_back_to_a_given_commit_through_a_pull_request()
    {
        var good = await Release("1.1.0", ShaA);
        await Release("1.2.0", ShaB);
        await Release("1.3.0", "cccccccccccccccccccccccccccccccccccccccc");

        var result = await Run(Inputs(("rollback-to", good), ("images", ""), ("mode", "merge"), ("token", SourceToken)));

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Equal("merged", result.Output("operation"));
        Assert.Contains("newTag: \"1.1.0\"", Repo.ReadFile("environments/staging/kustomization.yaml"), StringComparison.Ordinal);
        Assert.Equal("gitops-deploy/staging/rollback", Assert.Single(GitOpsApi.Pulls).Head);
    }

    [Fact]
    public async Task Re_clones_deeper_when_the_previous_release_is_older_than_the_clone()
    {
        await Release("1.1.0", ShaA);
        await Release("1.2.0", ShaB);
        for (var i = 0; i < 60; i++)
        {
            Repo.Commit(new Dictionary<string, string> { ["base/noise.yaml"] = $"n: {i}\n" }, $"unrelated {i}");
        }

        var result = await Run(Inputs(("rollback", "true"), ("images", "web")));

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Contains("cloning again with depth 250", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("newTag: \"1.1.0\"", Repo.ReadFile("environments/staging/kustomization.yaml"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Nothing_to_roll_back_to_is_a_clear_error()
    {
        var result = await Run(Inputs(("rollback", "true"), ("images", "")));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("has no earlier release to roll back to", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failed_argo_cd_wait_rolls_back_once()
    {
        await using var argo = await FakeArgoCd.StartAsync();
        argo.Script("app-staging", _ => new ArgoState("Synced", Repo.Head(), "Degraded", "CrashLoopBackOff"));
        await Release("1.1.0", ShaA);

        var result = await Run(Inputs(("images", "web=ghcr.io/acme/web:1.2.0"), ("source-sha", ShaB), ("token", SourceToken),
            ("argocd-server", argo.Url), ("argocd-token", argo.Token), ("argocd-timeout", "3"), ("rollback-on-failure", "true")));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("is Degraded", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("rolled back to web=ghcr.io/acme/web:1.1.0", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("newTag: \"1.1.0\"", Repo.ReadFile("environments/staging/kustomization.yaml"), StringComparison.Ordinal);
        Assert.StartsWith("rollback(staging)", Repo.Message(Repo.Head()), StringComparison.Ordinal);
        Assert.Equal(["in_progress", "in_progress", "failure", "inactive"], App.Deployments.Last(d => d.Sha == ShaB).Statuses.Select(s => s.State));
        Assert.Equal("success", App.Deployments.Last().LastState);
        Assert.Equal(ShaA, App.Deployments.Last().Sha);
    }
}
