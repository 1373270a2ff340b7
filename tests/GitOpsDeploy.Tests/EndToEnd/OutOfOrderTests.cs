using GitOpsDeploy.Tests.Fakes;

namespace GitOpsDeploy.Tests.EndToEnd;

/// <summary>
/// CI for commits A then B finishing in the order B, A must not leave staging running A: the source
/// commit behind the current image is compared with ours in the source repository.
/// </summary>
[Trait("Tier", "EndToEnd")]
public sealed class OutOfOrderTests : GitOpsFixture
{
    private const string WebToken = "ghs_WEBtoken0123456789abcdef";
    private FakeRepo web = null!;
    private string older = null!;
    private string newer = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        web = GitHub.CreateRepo("acme/web", new Dictionary<string, string> { ["main.go"] = "package main\n" });
        older = web.Commit(new Dictionary<string, string> { ["main.go"] = "package main // A\n" }, "A");
        newer = web.Commit(new Dictionary<string, string> { ["main.go"] = "package main // B\n" }, "B");
        GitHub.AddToken(WebToken, Permission.Write, "acme/web");
    }

    private Dictionary<string, string> Build(string sha, string tag, params (string Name, string Value)[] overrides) =>
        Inputs([("source-repository", "acme/web"), ("source-sha", sha), ("token", WebToken), ("images", $"web=ghcr.io/acme/web:{tag}"), .. overrides]);

    [Theory]
    [InlineData("git")]
    [InlineData("api")]
    public async Task An_older_build_finishing_last_does_not_replace_the_newer_one(string method)
    {
        Assert.Equal(0, (await Run(Build(newer, "b", ("commit-method", method)))).ExitCode);
        var head = Repo.Head();

        var late = await Run(Build(older, "a", ("commit-method", method)));

        Assert.True(late.ExitCode == 0, late.Stdout);
        Assert.Equal("superseded", late.Output("operation"));
        Assert.Equal("false", late.Output("changed"));
        Assert.Equal(string.Empty, late.Output("commit-sha"));
        Assert.Equal(head, Repo.Head());
        Assert.Contains("newTag: \"b\"", Repo.ReadFile("environments/staging/kustomization.yaml"), StringComparison.Ordinal);
        var deployment = GitHub.Api("acme/web").Deployments.Single(d => d.Sha == older);
        Assert.Equal("inactive", deployment.LastState);
        Assert.Contains($"already runs a build of {newer[..7]}", deployment.Statuses[^1].Description, StringComparison.Ordinal);
        Assert.Contains($"already runs a build of `{newer[..7]}`", late.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_newer_build_replaces_an_older_one()
    {
        Assert.Equal(0, (await Run(Build(older, "a"))).ExitCode);

        var result = await Run(Build(newer, "b"));

        Assert.Equal("pushed", result.Output("operation"));
        Assert.Contains("newTag: \"b\"", Repo.ReadFile("environments/staging/kustomization.yaml"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Force_deploys_the_older_build_anyway()
    {
        Assert.Equal(0, (await Run(Build(newer, "b"))).ExitCode);

        var result = await Run(Build(older, "a", ("force", "true")));

        Assert.Equal("pushed", result.Output("operation"));
        Assert.Contains("newTag: \"a\"", Repo.ReadFile("environments/staging/kustomization.yaml"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_comparison_that_cannot_be_made_warns_and_deploys()
    {
        Assert.Equal(0, (await Run(Build(newer, "b"))).ExitCode);
        const string unknown = "cccccccccccccccccccccccccccccccccccccccc";

        var result = await Run(Build(unknown, "c"));

        Assert.Equal("pushed", result.Output("operation"));
        Assert.Contains($"::warning::could not tell whether ccccccc is older than {newer[..7]}", result.Stdout, StringComparison.Ordinal);
    }
}
