using GitOpsDeploy.Core.Requests;

namespace GitOpsDeploy.Core.Tests;

/// <summary>
/// Which GitHub a run talks to is told from GITHUB_SERVER_URL and GITHUB_API_URL (the layouts GitHub documents for its
/// cloud, its data-residency tenants and Enterprise Server), and decides the token issuer and the one registry the
/// run's GitHub token may go to.
/// </summary>
[Trait("Tier", "Unit")]
public sealed class GitHubHostTests
{
    [Theory]
    [InlineData("https://github.com", "https://api.github.com", GitHubKind.Cloud, "https://token.actions.githubusercontent.com", "ghcr.io")]
    [InlineData("https://GitHub.com/", "https://API.github.com/", GitHubKind.Cloud, "https://token.actions.githubusercontent.com", "ghcr.io")]
    [InlineData("https://ACME.ghe.com", "https://api.acme.ghe.com", GitHubKind.DataResidency, "https://token.actions.acme.ghe.com", "containers.acme.ghe.com")]
    [InlineData("https://ghes.example.com/", "https://ghes.example.com/api/v3", GitHubKind.EnterpriseServer, "https://ghes.example.com/_services/token", "containers.ghes.example.com")]
    [InlineData("http://127.0.0.1:8080", "http://127.0.0.1:8080/api/v3/", GitHubKind.EnterpriseServer, "http://127.0.0.1:8080/_services/token", "containers.127.0.0.1")]
    public void The_kind_follows_where_the_API_sits(string server, string api, GitHubKind kind, string issuer, string registry)
    {
        var host = GitHubHost.Of(server, api);

        Assert.NotNull(host);
        Assert.Equal((kind, issuer, registry), (host.Kind, host.ActionsIssuer, host.ContainerRegistry));
        Assert.False(host.ServerUrl.EndsWith('/'));
    }

    [Theory]
    [InlineData(null, "https://api.github.com")]
    [InlineData("https://github.com", null)]
    [InlineData("not a url", "https://api.github.com")]
    [InlineData("https://github.com", "https://api.example.com")]
    [InlineData("https://ghes.example.com", "https://other.example.com/api/v3")]
    [InlineData("https://ghes.example.com", "https://ghes.example.com/")]
    [InlineData("https://github.com", "https://api.github.com/api/v3")]
    [InlineData("ftp://github.com", "ftp://api.github.com")]
    public void Urls_that_fit_no_GitHub_layout_give_no_host_rather_than_a_guess(string? server, string? api)
    {
        Assert.Null(GitHubHost.Of(server, api));
        Assert.Contains(server is null ? "GITHUB_SERVER_URL" : "GITHUB_API_URL", GitHubHost.Unknown(server, api), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://github.com", "https://api.github.com", "41898282+github-actions[bot]@users.noreply.github.com", "github.com", "redirect.github.com")]
    [InlineData("https://acme.ghe.com", "https://api.acme.ghe.com", "github-actions[bot]@users.noreply.ghe.com", "acme.ghe.com", null)]
    [InlineData("https://ghes.example.com", "https://ghes.example.com/api/v3", "github-actions[bot]@users.noreply.ghes.example.com", "ghes.example.com", null)]
    public void The_bots_address_and_the_links_without_backlinks_follow_the_kind(string server, string api, string email, string linkHost, string? redirect)
    {
        var host = GitHubHost.Of(server, api)!;

        Assert.Equal(email, host.ActionsBotEmail);
        Assert.Equal(new Changelog.GitHubLinks(linkHost, redirect), host.Links);
    }

    [Fact]
    public void The_run_context_classifies_its_own_variables()
    {
        var context = new ActionContext("https://ghes.example.com", "https://ghes.example.com/api/v3", "acme/app", null, null, true);

        Assert.Equal(GitHubKind.EnterpriseServer, context.GitHub?.Kind);
        Assert.Null((context with { ApiUrl = null }).GitHub);
    }
}
