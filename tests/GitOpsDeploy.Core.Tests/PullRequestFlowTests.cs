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
    private const string Viewer = "deploy-app[bot]";
    private readonly List<DeploymentState> states = [];
    private readonly List<(long Id, DeploymentState State)> otherStates = [];
    private int clones;
    private int pushes;
    private string pushed = string.Empty;
    private PushOutcome[] pushOutcomes = [PushOutcome.Pushed];

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
            checkout.PushAsync(default!, default!, default, default).ReturnsForAnyArgs(c =>
            {
                pushed = c.ArgAt<string>(0);
                return pushOutcomes[Math.Min(pushes++, pushOutcomes.Length - 1)];
            });
            clones++;
            return checkout;
        });
        prs.ViewerLoginAsync(default).ReturnsForAnyArgs(Viewer);
        prs.ListOpenAsync(default!, default).ReturnsForAnyArgs([]);
        // GitHub answers with the head it sees: the one this run pushed.
        prs.CreateAsync(default!, default).ReturnsForAnyArgs(c => Pr(7, c.Arg<NewPullRequest?>()?.Body ?? string.Empty, headSha: pushed));
        deployments.CreateAsync(default!, default).ReturnsForAnyArgs(new DeploymentInfo(99, "u"));
        deployments.SetStatusAsync(default, default!, default).ReturnsForAnyArgs(Task.CompletedTask)
            .AndDoes(c =>
            {
                if (c.ArgAt<long>(0) == 99)
                {
                    states.Add(c.Arg<DeploymentStatus>().State);
                }
                else
                {
                    otherStates.Add((c.ArgAt<long>(0), c.Arg<DeploymentStatus>().State));
                }
            });
    }

    /// <summary>The marker a run of ours leaves on the last line of a body (same environment, app and change set as these tests).</summary>
    private static string OurBody(long? deployment = null, string digest = "0") =>
        "Deploys web.\n\n" + new PullRequestMarker("staging", "acme/app",
            PullRequestMarker.ChangeSetOf(new("environments/staging", "k", [], [new(null, new ImageEntry("web", null, "2", null))], [])), deployment, digest).Render();

    private static PullRequestInfo Pr(int number, string? body = null, string? state = null, IReadOnlyList<string>? labels = null, string head = "gitops-deploy/staging/web", string headSha = "headsha", string author = Viewer) =>
        new(number, $"https://git.example.com/acme/gitops/pull/{number}", head, headSha, "main", true, false, $"PR_{number}", "t", body ?? OurBody(), labels ?? []) { MergeableState = state, Author = author };

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
        prs.UpdateAsync(default, default!, default!, default).ReturnsForAnyArgs(_ => Pr(7, headSha: pushed));

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

    [Fact]
    public async Task A_conflict_on_a_head_that_is_exactly_ours_rebuilds_the_branch_from_the_new_base()
    {
        prs.MergeAsync(default, default!, default, default!, default).ReturnsForAnyArgs(
            new MergeResult(MergeResultKind.NotMergeable, null, "not mergeable"),
            new MergeResult(MergeResultKind.Merged, "merged-sha", "ok"));
        prs.GetAsync(7, default).ReturnsForAnyArgs(_ => Pr(7, state: "dirty", headSha: pushed));
        prs.ListOpenAsync(default!, default).ReturnsForAnyArgs([], [Pr(7)]);
        prs.UpdateAsync(default, default!, default!, default).ReturnsForAnyArgs(_ => Pr(7, headSha: pushed));

        var result = await Runner().RunAsync(Options(DeployMode.Merge), default);

        Assert.Equal(DeployOperation.Merged, result.Operation);
        Assert.Equal(2, clones);
        Assert.Equal(2, pushes);
    }

    [Fact]
    public async Task A_merge_whose_answer_was_lost_is_reported_as_merged()
    {
        prs.MergeAsync(default, default!, default, default!, default).ReturnsForAnyArgs(new MergeResult(MergeResultKind.NotMergeable, null, "Pull Request is not mergeable"));
        prs.GetAsync(7, default).ReturnsForAnyArgs(Pr(7) with { Open = false, Merged = true, MergeCommitSha = "merge-commit" });

        var result = await Runner().RunAsync(Options(DeployMode.Merge), default);

        Assert.Equal(DeployOperation.Merged, result.Operation);
        Assert.Equal("merge-commit", result.CommitSha);
        Assert.Equal(1, clones);
        Assert.Equal([DeploymentState.InProgress, DeploymentState.Success], states);
    }

    [Theory]
    [InlineData("alice", null)]
    [InlineData(Viewer, "a description copied by hand, without the marker")]
    public async Task A_pull_request_on_our_head_branch_that_is_not_provably_ours_fails_before_anything_is_pushed(string author, string? body)
    {
        prs.ListOpenAsync(default!, default).ReturnsForAnyArgs([Pr(5, body: body, author: author)]);

        var error = await Assert.ThrowsAsync<DeployException>(() => Runner().RunAsync(Options(DeployMode.PullRequest), default));

        Assert.Equal(ErrorKind.Conflict, error.Kind);
        Assert.Contains("#5", error.Message, StringComparison.Ordinal);
        Assert.Contains("will not push over it", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, pushes);
        await prs.DidNotReceiveWithAnyArgs().UpdateAsync(default, default!, default!, default);
        await prs.DidNotReceiveWithAnyArgs().CloseAsync(default, default!, default);
        Assert.Equal([DeploymentState.InProgress, DeploymentState.Failure], states);
    }

    [Fact]
    public async Task The_base_branch_as_head_branch_is_refused_before_anything_is_pushed()
    {
        var error = await Assert.ThrowsAsync<DeployException>(() => Runner().RunAsync(Options(DeployMode.PullRequest) with { PullRequestBranch = "main" }, default));

        Assert.Equal(ErrorKind.InvalidInput, error.Kind);
        Assert.Contains("input 'pull-request-branch': 'main' is the base branch", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, pushes);
    }

    [Fact]
    public async Task A_head_push_refused_as_a_concurrent_update_is_retried_instead_of_ignored()
    {
        pushOutcomes = [PushOutcome.RejectedNonFastForward, PushOutcome.Pushed];

        var result = await Runner().RunAsync(Options(DeployMode.PullRequest), default);

        Assert.Equal(DeployOperation.Created, result.Operation);
        Assert.Equal(2, clones);
        Assert.Equal(pushed, result.CommitSha);
        await prs.ReceivedWithAnyArgs(1).CreateAsync(default!, default);
    }

    [Fact]
    public async Task A_head_pushed_by_another_run_between_our_push_and_our_title_is_rebuilt()
    {
        prs.CreateAsync(default!, default).ReturnsForAnyArgs(c => Pr(7, c.Arg<NewPullRequest?>()?.Body, headSha: "pushed-by-another-run"));
        prs.ListOpenAsync(default!, default).ReturnsForAnyArgs([], [Pr(7, headSha: "pushed-by-another-run")]);
        prs.UpdateAsync(default, default!, default!, default).ReturnsForAnyArgs(_ => Pr(7, headSha: pushed));

        var result = await Runner().RunAsync(Options(DeployMode.PullRequest), default);

        Assert.Equal(DeployOperation.Updated, result.Operation);
        Assert.Equal(2, pushes);
        Assert.Equal(pushed, result.PullRequest!.HeadSha);
    }

    [Fact]
    public async Task Superseding_our_older_pull_request_ends_its_deployment_and_leaves_other_image_sets_alone()
    {
        var otherImages = "x\n\n" + new PullRequestMarker("staging", "acme/app", "0123456789ab", 56, "0").Render();
        prs.ListOpenAsync(default!, default).ReturnsForAnyArgs([Pr(4, OurBody(deployment: 55), head: "gitops-deploy/staging/web-old"), Pr(6, otherImages, head: "gitops-deploy/staging/worker")]);

        var result = await Runner().RunAsync(Options(DeployMode.PullRequest), default);

        Assert.Equal(DeployOperation.Created, result.Operation);
        await prs.Received(1).CloseAsync(4, Arg.Is<string>(c => c.StartsWith("Superseded by #7", StringComparison.Ordinal)), Arg.Any<CancellationToken>());
        await prs.DidNotReceive().CloseAsync(6, Arg.Any<string>(), Arg.Any<CancellationToken>());
        Assert.Equal([(55L, DeploymentState.Inactive)], otherStates);
    }
}
