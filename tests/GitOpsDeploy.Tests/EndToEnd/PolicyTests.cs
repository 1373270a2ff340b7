namespace GitOpsDeploy.Tests.EndToEnd;

/// <summary>The policy gate, end to end: refused before anything is written, and the deployment says which policy.</summary>
[Trait("Tier", "EndToEnd")]
public sealed class PolicyTests : GitOpsFixture
{
    [Theory]
    [InlineData("production", "web=ghcr.io/acme/web:latest", "", "policy mutable-tags")]
    [InlineData("staging", "web=docker.io/evil/web:1", "ghcr.io/acme/", "policy allowed-registries")]
    public async Task A_refused_deploy_writes_nothing_and_creates_no_deployment(string environment, string image, string registries, string policy)
    {
        var head = Repo.Head();
        var result = await Run(Inputs(("environment", environment), ("images", image), ("allowed-registries", registries), ("mode", "merge"), ("token", SourceToken)));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"::error::{policy}:", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(head, Repo.Head());
        Assert.Empty(GitOpsApi.Pulls);
        Assert.Empty(App.Deployments);
        Assert.Contains($"**Failed:** {policy}:", result.Summary, StringComparison.Ordinal);
        Assert.Contains("No deployment was created on `acme/app`", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_closed_deploy_window_refuses_unless_forced()
    {
        // A window that is never open now: one minute on a day other than today.
        var tomorrow = DateTime.UtcNow.AddDays(1).DayOfWeek.ToString()[..3];
        var window = $"{tomorrow} 03:00-03:01 UTC";

        var refused = await Run(Inputs(("deploy-window", window)));
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("policy deploy-window:", refused.Stdout, StringComparison.Ordinal);
        Assert.Contains("it next opens", refused.Stdout, StringComparison.Ordinal);

        var forced = await Run(Inputs(("deploy-window", window), ("force", "true")));
        Assert.Equal(0, forced.ExitCode);
        Assert.Equal("pushed", forced.Output("operation"));
    }
}
