using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Core.Steps.ArgoCd;

namespace GitOpsDeploy.Core.Tests;

[Trait("Tier", "Unit")]
public sealed class ArgoCdRefreshTests
{
    [Theory]
    [InlineData("https://github.com/acme/gitops.git")]
    [InlineData("https://github.com/Acme/GitOps")]
    [InlineData("https://x-access-token@github.com/acme/gitops.git/")]
    [InlineData("git@github.com:acme/gitops.git")]
    [InlineData("ssh://git@github.com/acme/gitops")]
    public void Repository_urls_are_compared_without_scheme_user_suffix_or_case(string url) =>
        Assert.Equal("github.com/acme/gitops", ArgoCdRefreshStep.NormalizeRepoUrl(url));

    [Fact]
    public void An_application_covers_an_overlay_when_its_path_is_the_overlay_or_a_parent_in_the_same_repository()
    {
        var gitops = new GitOpsRemote(RemoteKind.GitHub, "https://github.com/acme/gitops.git", "acme/gitops");
        var apps = new[]
        {
            new ArgoAppSources("exact", [new ArgoSource("git@github.com:acme/gitops.git", "clusters/eu/web")]),
            new ArgoAppSources("parent", [new ArgoSource("https://github.com/acme/gitops", "clusters/")]),
            new ArgoAppSources("root", [new ArgoSource("https://github.com/acme/gitops", ".")]),
            new ArgoAppSources("multi-source", [new ArgoSource("https://charts.example.com", null), new ArgoSource("https://github.com/acme/gitops", "clusters/eu")]),
            new ArgoAppSources("sibling", [new ArgoSource("https://github.com/acme/gitops", "clusters/us/web")]),
            new ArgoAppSources("name-prefix", [new ArgoSource("https://github.com/acme/gitops", "clusters/eu/we")]),
            new ArgoAppSources("child", [new ArgoSource("https://github.com/acme/gitops", "clusters/eu/web/extra")]),
            new ArgoAppSources("other-repository", [new ArgoSource("https://github.com/acme/gitops-old", "clusters/eu/web")]),
        };

        var covering = ArgoCdRefreshStep.Covering(apps, gitops, ["./clusters/eu/web/"]);

        Assert.Equal(["exact", "multi-source", "parent", "root"], covering);
    }
}
