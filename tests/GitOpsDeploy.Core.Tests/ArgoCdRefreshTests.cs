using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Core.Results;
using GitOpsDeploy.Core.Steps.ArgoCd;
using GitOpsDeploy.Editing;
using GitOpsDeploy.Editing.Overlay;
using NSubstitute;

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

    [Theory]
    [InlineData("https://git.example.com/acme/gitops@v1", "git.example.com/acme/gitops@v1")]
    [InlineData("deploy@git.example.com", "git.example.com")]
    [InlineData("./gitops", "./gitops")]
    [InlineData("@git.example.com/acme/gitops", "git.example.com/acme/gitops")]
    [InlineData("/srv/git@v2/gitops", "/srv/git@v2/gitops")]
    [InlineData("://git.example.com/acme/gitops", "git.example.com/acme/gitops")]
    public void Only_a_user_before_the_host_is_dropped(string url, string normalized) =>
        Assert.Equal(normalized, ArgoCdRefreshStep.NormalizeRepoUrl(url));

    [Fact]
    public async Task Every_covering_application_is_refreshed_once_per_run_whatever_the_targets()
    {
        var argo = Substitute.For<IArgoCd>();
        argo.ListAsync(default).ReturnsForAnyArgs([
            new ArgoAppSources("web-staging", [new ArgoSource("https://git.example.com/acme/gitops.git", "environments/staging")]),
            new ArgoAppSources("web-qa", [new ArgoSource("https://git.example.com/acme/gitops.git", "environments/qa")]),
            new ArgoAppSources("other", [new ArgoSource("https://git.example.com/acme/gitops.git", "environments/prod")]),
        ]);
        var request = Doubles.TestRequests.Parse(("environment", "staging\nqa"), ("overlay-path", "environments/{{ environment }}"));
        var logger = new Doubles.RecordingLogger();
        var run = Doubles.TestRequests.Run(new DeployPorts(new Doubles.MemoryGitOps(new Dictionary<string, string>())) { ArgoCd = argo }, logger: logger);
        var changed = new[] { new FileChange("x", [1]) };
        var targets = request.Targets.Select(t => new TargetResult(t, new OverlayEdit(t.OverlayPath, null, changed, [], []))).ToList();
        var result = new DeployResult(new DeployOutcome.Pushed(new string('1', 40), true), targets, "main", new string('0', 40));
        var step = new ArgoCdRefreshStep();

        foreach (var target in targets)
        {
            Assert.Same(target, await step.VerifyAsync(run, request, result, target, default));
        }

        await argo.Received(1).GetAsync("web-staging", true, Arg.Any<CancellationToken>());
        await argo.Received(1).GetAsync("web-qa", true, Arg.Any<CancellationToken>());
        await argo.DidNotReceive().GetAsync("other", Arg.Any<bool>(), Arg.Any<CancellationToken>());
        await argo.ReceivedWithAnyArgs(1).ListAsync(default);
        Assert.Equal(["Asked Argo CD to refresh 2 application(s) covering environments/staging, environments/qa: web-qa, web-staging"], logger.Lines);
    }

    [Fact]
    public async Task No_covering_application_is_said_as_none()
    {
        var argo = Substitute.For<IArgoCd>();
        argo.ListAsync(default).ReturnsForAnyArgs([new ArgoAppSources("other", [new ArgoSource("https://git.example.com/acme/gitops.git", "environments/prod")])]);
        var logger = new Doubles.RecordingLogger();
        var request = Doubles.TestRequests.Parse();
        var run = Doubles.TestRequests.Run(new DeployPorts(new Doubles.MemoryGitOps(new Dictionary<string, string>())) { ArgoCd = argo }, logger: logger);
        var target = new TargetResult(request.Targets[0], new OverlayEdit("environments/staging", null, [new FileChange("x", [1])], [], []));

        await new ArgoCdRefreshStep().VerifyAsync(run, request, new DeployResult(new DeployOutcome.Pushed(new string('1', 40), true), [target], "main", new string('0', 40)), target, default);

        Assert.Equal(["Asked Argo CD to refresh 0 application(s) covering environments/staging: none"], logger.Lines);
        await argo.DidNotReceiveWithAnyArgs().GetAsync(default!, default, default);
    }

    [Fact]
    public async Task A_refresh_that_fails_is_a_warning()
    {
        var argo = Substitute.For<IArgoCd>();
        argo.ListAsync(default).ReturnsForAnyArgs(Task.FromException<IReadOnlyList<ArgoAppSources>>(new DeployException(ErrorKind.Transient, "Argo CD answered 503")));
        var runtime = Substitute.For<IActionRuntime>();
        var request = Doubles.TestRequests.Parse();
        var run = Doubles.TestRequests.Run(new DeployPorts(new Doubles.MemoryGitOps(new Dictionary<string, string>())) { ArgoCd = argo }, runtime: runtime);
        var target = new TargetResult(request.Targets[0], new OverlayEdit("environments/staging", null, [new FileChange("x", [1])], [], []));

        await new ArgoCdRefreshStep().VerifyAsync(run, request, new DeployResult(new DeployOutcome.Pushed(new string('1', 40), true), [target], "main", new string('0', 40)), target, default);

        runtime.Received(1).Warning("Argo CD applications were not refreshed (Argo CD finds the commit at its next poll): Argo CD answered 503", Arg.Any<SourceLocation?>());
    }
}
