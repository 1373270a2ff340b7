using GitOpsDeploy.Core.Deploy;
using GitOpsDeploy.Core.Images;
using GitOpsDeploy.Core.Inputs;
using GitOpsDeploy.Core.Ports;
using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;

namespace GitOpsDeploy.Core.Tests;

/// <summary>The pull request and deployment decisions, against substitutes of our own ports.</summary>
public sealed class PullRequestFlowTests
{
    private const string Sha = "0123456789abcdef0123456789abcdef01234567";
    private readonly IGitOpsWorkspace workspace = Substitute.For<IGitOpsWorkspace>();
    private readonly IPullRequests prs = Substitute.For<IPullRequests>();
    private readonly IDeployments deployments = Substitute.For<IDeployments>();
    private readonly IActionRuntime runtime = Substitute.For<IActionRuntime>();
    private readonly List<DeploymentState> states = [];
    private int clones;

    public PullRequestFlowTests()
    {
        workspace.CheckoutAsync(default, default, default).ReturnsForAnyArgs(_ =>
        {
            var checkout = Substitute.For<IGitOpsCheckout>();
            checkout.Branch.Returns("main");
            checkout.HeadSha.Returns($"base{clones}");
            checkout.Tree.Returns(new RepoPathTests.InMemoryTree(new Dictionary<string, string> { ["environments/staging/kustomization.yaml"] = "images:\n- name: web\n  newTag: \"1\"\n" }));
            checkout.Commit(default!, default!, default!, default).ReturnsForAnyArgs($"head{clones}");
            checkout.Diff(default!, default!).ReturnsForAnyArgs("diff");
            checkout.PushAsync(default!, default!, default, default).ReturnsForAnyArgs(PushOutcome.Pushed);
            clones++;
            return checkout;
        });
        prs.ListOpenAsync(default!, default).ReturnsForAnyArgs([]);
        prs.CreateAsync(default!, default).ReturnsForAnyArgs(c => Pr(7, c.Arg<NewPullRequest?>()?.Body ?? string.Empty));
        deployments.CreateAsync(default!, default).ReturnsForAnyArgs(new DeploymentInfo(99, "u"));
        deployments.SetStatusAsync(default, default!, default).ReturnsForAnyArgs(Task.CompletedTask)
            .AndDoes(c => states.Add(c.Arg<DeploymentStatus>().State));
    }

    private static PullRequestInfo Pr(int number, string body = "", string? state = null, IReadOnlyList<string>? labels = null, string head = "gitops-deploy/staging/web") =>
        new(number, $"https://git.example.com/acme/gitops/pull/{number}", head, "headsha", "main", true, false, $"PR_{number}", "t", body, labels ?? []) { MergeableState = state };

    private static DeployOptions Options(DeployMode mode) => new()
    {
        GitOps = new GitOpsRemote(RemoteKind.GitHub, "https://git.example.com/acme/gitops.git", "acme/gitops") { Repository = "acme/gitops" },
        Environment = "staging",
        OverlayPath = "environments/staging",
        Images = [ImageSpec.Parse("web:2")],
        Settings = [],
        Author = new CommitAuthor("bot", "bot@example.com"),
        Mode = mode,
        PullRequestBranch = "gitops-deploy/staging/web",
        SourceRepository = "acme/app",
        SourceSha = Sha,
        Token = "t",
        PushAttempts = 3,
        RetryDelay = TimeSpan.FromMilliseconds(1),
    };

    private DeployRunner Runner() => new(workspace, prs, deployments, null, null, runtime, ActionContext.None, TimeProvider.System, NullLogger<DeployRunner>.Instance);

    [Fact]
    public async Task A_blocked_merge_falls_back_to_auto_merge_when_the_repository_allows_it()
    {
        prs.MergeAsync(default, default!, default, default!, default).ReturnsForAnyArgs(new MergeResult(MergeResultKind.NotMergeable, null, "review required"));
        prs.GetAsync(7, default).ReturnsForAnyArgs(Pr(7, state: "blocked"));
        prs.GetRepositoryAsync(default).ReturnsForAnyArgs(new RepositorySettings("main", AllowAutoMerge: true));
        prs.EnableAutoMergeAsync(default!, default, default).ReturnsForAnyArgs(new AutoMergeResult(AutoMergeResultKind.Enabled, "ok"));

        var result = await Runner().RunAsync(Options(DeployMode.Merge), default);

        Assert.Equal(DeployOperation.AutoMergeEnabled, result.Operation);
        Assert.Equal([DeploymentState.InProgress, DeploymentState.Queued], states);
    }

    [Fact]
    public async Task A_blocked_merge_fails_when_auto_merge_is_not_allowed()
    {
        prs.MergeAsync(default, default!, default, default!, default).ReturnsForAnyArgs(new MergeResult(MergeResultKind.NotMergeable, null, "review required"));
        prs.GetAsync(7, default).ReturnsForAnyArgs(Pr(7, state: "blocked"));
        prs.GetRepositoryAsync(default).ReturnsForAnyArgs(new RepositorySettings("main", AllowAutoMerge: false));

        var error = await Assert.ThrowsAsync<DeployException>(() => Runner().RunAsync(Options(DeployMode.Merge), default));

        Assert.Equal(ErrorKind.PushRejected, error.Kind);
        await prs.DidNotReceiveWithAnyArgs().EnableAutoMergeAsync(default!, default, default);
        Assert.Equal([DeploymentState.InProgress, DeploymentState.Failure], states);
    }

    [Fact]
    public async Task A_conflict_fails_without_another_attempt()
    {
        prs.MergeAsync(default, default!, default, default!, default).ReturnsForAnyArgs(new MergeResult(MergeResultKind.NotMergeable, null, "not mergeable"));
        prs.GetAsync(7, default).ReturnsForAnyArgs(Pr(7, state: "dirty"));

        var error = await Assert.ThrowsAsync<DeployException>(() => Runner().RunAsync(Options(DeployMode.Merge), default));

        Assert.Equal(ErrorKind.Conflict, error.Kind);
        Assert.Equal(1, clones);
    }

    [Fact]
    public async Task A_base_that_moved_rebuilds_the_branch_and_merges_on_the_next_attempt()
    {
        prs.MergeAsync(default, default!, default, default!, default).ReturnsForAnyArgs(
            new MergeResult(MergeResultKind.NotMergeable, null, "behind"),
            new MergeResult(MergeResultKind.Merged, "merged-sha", "ok"));
        prs.GetAsync(7, default).ReturnsForAnyArgs(Pr(7, state: "behind"));
        prs.ListOpenAsync(default!, default).ReturnsForAnyArgs([], [Pr(7)]);
        prs.UpdateAsync(default, default!, default!, default).ReturnsForAnyArgs(Pr(7));

        var result = await Runner().RunAsync(Options(DeployMode.Merge), default);

        Assert.Equal(DeployOperation.Merged, result.Operation);
        Assert.Equal("merged-sha", result.CommitSha);
        Assert.Equal(2, clones);
        Assert.Equal([DeploymentState.InProgress, DeploymentState.Success], states);
    }

    [Fact]
    public async Task Uncomputed_mergeability_is_asked_again_a_bounded_number_of_times()
    {
        prs.MergeAsync(default, default!, default, default!, default).ReturnsForAnyArgs(new MergeResult(MergeResultKind.NotMergeable, null, "not mergeable"));
        prs.GetAsync(7, default).ReturnsForAnyArgs(Pr(7, state: null));

        var error = await Assert.ThrowsAsync<DeployException>(() => Runner().RunAsync(Options(DeployMode.Merge), default));

        Assert.Equal(ErrorKind.Transient, error.Kind);
        await prs.ReceivedWithAnyArgs(4).MergeAsync(default, default!, default, default!, default);
        Assert.Equal([DeploymentState.InProgress, DeploymentState.Error], states);
    }

    [Fact]
    public async Task The_hold_label_stops_the_run_before_anything_is_pushed()
    {
        prs.ListOpenAsync(default!, default).ReturnsForAnyArgs([Pr(3, labels: ["Hold"])]);

        var error = await Assert.ThrowsAsync<DeployException>(() => Runner().RunAsync(Options(DeployMode.PullRequest), default));

        Assert.Equal(ErrorKind.Policy, error.Kind);
        Assert.Contains("#3 carries the 'hold' label", error.Message, StringComparison.Ordinal);
        await prs.DidNotReceiveWithAnyArgs().CreateAsync(default!, default);
    }

    [Fact]
    public async Task A_422_already_exists_adopts_the_open_pull_request()
    {
        prs.CreateAsync(default!, default).ReturnsForAnyArgs((PullRequestInfo?)null);
        prs.ListOpenAsync(default!, default).ReturnsForAnyArgs([], [Pr(12)]);
        prs.UpdateAsync(12, default!, default!, default).ReturnsForAnyArgs(Pr(12));

        var result = await Runner().RunAsync(Options(DeployMode.PullRequest), default);

        Assert.Equal(DeployOperation.Updated, result.Operation);
        Assert.Equal(12, result.PullRequest!.Number);
    }

    [Fact]
    public void Deployment_descriptions_are_cut_to_140_characters()
    {
        var description = DeploymentTracker.Truncate(new string('x', 300));
        Assert.Equal(140, description.Length);
        Assert.EndsWith("…", description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancellation_marks_the_deployment_inactive()
    {
        using var cancellation = new CancellationTokenSource();
        prs.ListOpenAsync(default!, default).ReturnsForAnyArgs(_ =>
        {
            cancellation.Cancel();
            return Task.FromResult<IReadOnlyList<PullRequestInfo>>([]);
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Runner().RunAsync(Options(DeployMode.PullRequest), cancellation.Token));

        Assert.Equal([DeploymentState.InProgress, DeploymentState.Inactive], states);
    }
}
