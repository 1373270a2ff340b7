using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Reporting;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Core.Results;
using GitOpsDeploy.Core.Runs;
using GitOpsDeploy.Core.Tests.Doubles;
using GitOpsDeploy.Core.Text;
using GitOpsDeploy.Editing;
using GitOpsDeploy.Editing.Images;
using GitOpsDeploy.Editing.Overlay;
using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;

namespace GitOpsDeploy.Core.Tests;

/// <summary>The pull request and deployment decisions, against substitutes of our own ports.</summary>
[Trait("Tier", "Unit")]
public sealed class PullRequestFlowTests
{
    private const string Sha = "0123456789abcdef0123456789abcdef01234567";
    private readonly IPullRequests prs = Substitute.For<IPullRequests>();
    private readonly IDeployments deployments = Substitute.For<IDeployments>();
    private readonly IActionRuntime runtime = Substitute.For<IActionRuntime>();
    private const string Viewer = "deploy-app[bot]";
    private readonly List<DeploymentState> states = [];
    private readonly List<(long Id, DeploymentState State)> otherStates = [];
    private readonly MemoryGitOps git = new(new Dictionary<string, string> { ["environments/staging/kustomization.yaml"] = "images:\n- name: web\n  newTag: \"1\"\n" });

    private int Clones => git.Snapshots.Count;

    private int Pushes => git.Published.Count;

    private string Pushed => git.Published.Count > 0 ? git.Published[^1].Sha : string.Empty;

    public PullRequestFlowTests()
    {
        prs.GetRepositoryAsync(default).ReturnsForAnyArgs(new RepositorySettings("main", AllowAutoMerge: false));
        prs.ViewerLoginAsync(default).ReturnsForAnyArgs(Viewer);
        prs.ListOpenAsync(default!, default).ReturnsForAnyArgs([]);
        // GitHub answers with the head it sees: the one this run pushed.
        prs.CreateAsync(default!, default).ReturnsForAnyArgs(c => Pr(7, c.Arg<NewPullRequest?>()?.Body ?? string.Empty, headSha: Pushed));
        // GitHub shows the head it holds (ours, unless a test queues another run's) under the text last written.
        prs.GetAsync(default, default).ReturnsForAnyArgs(c => GitHubView(c.ArgAt<int>(0)));
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

    /// <summary>Heads GitHub shows before ours: pushes another run made between ours and our read-back.</summary>
    private readonly Queue<string> othersHeads = new();

    private PullRequestInfo GitHubView(int number)
    {
        foreach (var call in prs.ReceivedCalls().Reverse())
        {
            var args = call.GetArguments();
            var written = call.GetMethodInfo().Name switch
            {
                nameof(IPullRequests.CreateAsync) when args[0] is NewPullRequest created => (created.Title, created.Body),
                nameof(IPullRequests.UpdateAsync) when (int)args[0]! == number => ((string)args[1]!, (string)args[2]!),
                _ => default((string, string)?),
            };
            if (written is var (title, body))
            {
                return Pr(number, body, headSha: othersHeads.Count > 0 ? othersHeads.Dequeue() : Pushed) with { Title = title };
            }
        }

        return Pr(number, headSha: Pushed);
    }

    /// <summary>The marker a run of ours leaves on the last line of a body (same environment, app and change set as these tests).</summary>
    private static string OurBody(long? deployment = null, string digest = "0") =>
        "Deploys web.\n\n" + new PullRequestMarker("staging", "acme/app",
            PullRequestMarker.ChangeSetOf(new OverlayEdit("environments/staging", "k", [], [new(null, new ImageEntry("web", null, "2", null))], [])), deployment?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty, digest).Render();

    private static PullRequestInfo Pr(int number, string? body = null, IReadOnlyList<string>? labels = null, string head = "gitops-deploy/staging/web", string headSha = "headsha", string author = Viewer) =>
        new(number, $"https://git.example.com/acme/gitops/pull/{number}", head, headSha, "main", true, false, $"PR_{number}", "t", body ?? OurBody(), labels ?? []) { Author = author };

    private static DeployRequest Options(DeployMode mode, params (string, string)[] inputs) =>
        TestRequests.Parse([("mode", RequestParser.Modes.First(m => m.Value == mode).Key), .. inputs]);

    private DeployRunner Runner() => new(new DeployPorts(git) { PullRequests = prs, Deployments = deployments }, runtime, ActionContext.None, TimeProvider.System, NullLogger<DeployRunner>.Instance);

    private static MergeOutcome Outcome(MergeOutcomeKind kind, string? sha = null) => new(kind, kind.ToString()) { Sha = sha, HeadSha = "someone-elses-head" };

    [Fact]
    public async Task A_blocked_merge_falls_back_to_auto_merge_when_the_repository_allows_it()
    {
        prs.MergeAsync(default, default!, default, default!, default).ReturnsForAnyArgs(Outcome(MergeOutcomeKind.Blocked));
        prs.GetRepositoryAsync(default).ReturnsForAnyArgs(new RepositorySettings("main", AllowAutoMerge: true));
        prs.EnableAutoMergeAsync(default!, default, default).ReturnsForAnyArgs(new AutoMergeResult(AutoMergeResultKind.Enabled, "ok"));

        var result = await Runner().RunAsync(Options(DeployMode.Merge), default);

        Assert.Equal(DeployOperation.AutoMergeEnabled, result.Operation);
        Assert.Equal([DeploymentState.InProgress, DeploymentState.Queued], states);
    }

    [Fact]
    public async Task A_blocked_merge_fails_when_auto_merge_is_not_allowed()
    {
        prs.MergeAsync(default, default!, default, default!, default).ReturnsForAnyArgs(Outcome(MergeOutcomeKind.Blocked));
        prs.GetRepositoryAsync(default).ReturnsForAnyArgs(new RepositorySettings("main", AllowAutoMerge: false));

        var error = await Assert.ThrowsAsync<DeployException>(() => Runner().RunAsync(Options(DeployMode.Merge), default));

        Assert.Equal(ErrorKind.PushRejected, error.Kind);
        await prs.DidNotReceiveWithAnyArgs().EnableAutoMergeAsync(default!, default, default);
        Assert.Equal([DeploymentState.InProgress, DeploymentState.Failure], states);
    }

    [Fact]
    public async Task A_conflict_fails_without_another_attempt()
    {
        prs.MergeAsync(default, default!, default, default!, default).ReturnsForAnyArgs(Outcome(MergeOutcomeKind.Conflict));

        var error = await Assert.ThrowsAsync<DeployException>(() => Runner().RunAsync(Options(DeployMode.Merge), default));

        Assert.Equal(ErrorKind.Conflict, error.Kind);
        Assert.Equal(1, Clones);
    }

    [Fact]
    public async Task A_base_that_moved_rebuilds_the_branch_and_merges_on_the_next_attempt()
    {
        prs.MergeAsync(default, default!, default, default!, default).ReturnsForAnyArgs(
            Outcome(MergeOutcomeKind.Rebuild),
            Outcome(MergeOutcomeKind.Merged, "merged-sha"));
        prs.ListOpenAsync(default!, default).ReturnsForAnyArgs([], [Pr(7)]);
        prs.UpdateAsync(default, default!, default!, default).ReturnsForAnyArgs(_ => Pr(7, headSha: Pushed));

        var result = await Runner().RunAsync(Options(DeployMode.Merge), default);

        Assert.Equal(DeployOperation.Merged, result.Operation);
        Assert.Equal("merged-sha", result.CommitSha);
        Assert.Equal(2, Clones);
        Assert.Equal([DeploymentState.InProgress, DeploymentState.Success], states);
    }

    [Fact]
    public async Task Uncomputed_mergeability_is_asked_again_a_bounded_number_of_times()
    {
        prs.MergeAsync(default, default!, default, default!, default).ReturnsForAnyArgs(Outcome(MergeOutcomeKind.NotReady));

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
    public async Task A_disallowed_merge_method_fails_at_once_before_anything_is_pushed()
    {
        prs.GetRepositoryAsync(default).ReturnsForAnyArgs(new RepositorySettings("main", AllowAutoMerge: true) { MergeMethods = new HashSet<MergeMethod> { MergeMethod.Merge, MergeMethod.Squash } });

        var result = await Runner().RunAsync(Options(DeployMode.Merge, ("merge-method", "rebase")), default);

        var error = Assert.IsType<DeployOutcome.Refused>(result.Outcome).Reason;
        Assert.Equal(ErrorKind.Policy, error.Kind);
        Assert.Contains("input 'merge-method': 'rebase' is not allowed on acme/gitops", error.Message, StringComparison.Ordinal);
        Assert.Contains("'Allow rebase merging'", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, Pushes);
        await prs.DidNotReceiveWithAnyArgs().MergeAsync(default, default!, default, default!, default);
        // Refused before there was anything to deploy: no deployment was created.
        Assert.Empty(states);
    }

    [Fact]
    public async Task A_method_refused_only_by_the_merge_itself_fails_without_retrying()
    {
        prs.MergeAsync(default, default!, default, default!, default).ReturnsForAnyArgs(new MergeOutcome(MergeOutcomeKind.MethodNotAllowed, "Squash merges are not allowed on this repository."));

        var error = await Assert.ThrowsAsync<DeployException>(() => Runner().RunAsync(Options(DeployMode.Merge), default));

        Assert.Equal(ErrorKind.Policy, error.Kind);
        Assert.Contains("'squash' is not allowed on acme/gitops (Squash merges are not allowed on this repository.)", error.Message, StringComparison.Ordinal);
        await prs.ReceivedWithAnyArgs(1).MergeAsync(default, default!, default, default!, default);
        Assert.Equal(1, Clones);
    }

    [Fact]
    public async Task A_merge_whose_answer_was_lost_is_reported_as_merged()
    {
        prs.MergeAsync(default, default!, default, default!, default).ReturnsForAnyArgs(Outcome(MergeOutcomeKind.Merged, "merge-commit"));

        var result = await Runner().RunAsync(Options(DeployMode.Merge), default);

        Assert.Equal(DeployOperation.Merged, result.Operation);
        Assert.Equal("merge-commit", result.CommitSha);
        Assert.Equal(1, Clones);
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
        Assert.Equal(0, Pushes);
        await prs.DidNotReceiveWithAnyArgs().UpdateAsync(default, default!, default!, default);
        await prs.DidNotReceiveWithAnyArgs().CloseAsync(default, default!, default);
        Assert.Equal([DeploymentState.InProgress, DeploymentState.Failure], states);
    }

    [Fact]
    public async Task The_base_branch_as_head_branch_is_refused_before_anything_is_pushed()
    {
        var result = await Runner().RunAsync(Options(DeployMode.PullRequest, ("pull-request-branch", "main")), default);

        var error = Assert.IsType<DeployOutcome.Refused>(result.Outcome).Reason;
        Assert.Equal(ErrorKind.InvalidInput, error.Kind);
        Assert.Contains("input 'pull-request-branch': 'main' is the base branch", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, Pushes);
    }

    [Fact]
    public async Task A_head_push_refused_as_a_concurrent_update_is_retried_instead_of_ignored()
    {
        git.Answer(MemoryGitOps.LostRace, MemoryGitOps.Pushed);

        var result = await Runner().RunAsync(Options(DeployMode.PullRequest), default);

        Assert.Equal(DeployOperation.Created, result.Operation);
        Assert.Equal(2, Clones);
        Assert.Equal(Pushed, result.CommitSha);
        await prs.ReceivedWithAnyArgs(1).CreateAsync(default!, default);
    }

    [Fact]
    public async Task A_head_pushed_by_another_run_between_our_push_and_our_title_is_rebuilt()
    {
        othersHeads.Enqueue("pushed-by-another-run");
        prs.ListOpenAsync(default!, default).ReturnsForAnyArgs([], [Pr(7, headSha: "pushed-by-another-run")]);
        prs.UpdateAsync(default, default!, default!, default).ReturnsForAnyArgs(c => Pr(7, c.ArgAt<string>(2), headSha: Pushed) with { Title = c.ArgAt<string>(1) });

        var result = await Runner().RunAsync(Options(DeployMode.PullRequest), default);

        Assert.Equal(DeployOperation.Updated, result.Operation);
        Assert.Equal(2, Pushes);
        Assert.Equal(Pushed, result.PullRequest!.HeadSha);
    }

    [Fact]
    public async Task Superseding_our_older_pull_request_ends_its_deployment_and_leaves_other_image_sets_alone()
    {
        var otherImages = "x\n\n" + new PullRequestMarker("staging", "acme/app", "0123456789ab", "56", "0").Render();
        prs.ListOpenAsync(default!, default).ReturnsForAnyArgs([Pr(4, OurBody(deployment: 55), head: "gitops-deploy/staging/web-old"), Pr(6, otherImages, head: "gitops-deploy/staging/worker")]);

        var result = await Runner().RunAsync(Options(DeployMode.PullRequest), default);

        Assert.Equal(DeployOperation.Created, result.Operation);
        await prs.Received(1).CloseAsync(4, Arg.Is<string>(c => c.StartsWith("Superseded by #7", StringComparison.Ordinal)), Arg.Any<CancellationToken>());
        await prs.DidNotReceive().CloseAsync(6, Arg.Any<string>(), Arg.Any<CancellationToken>());
        Assert.Equal([(55L, DeploymentState.Inactive)], otherStates);
    }
}
