using GitOpsDeploy.Core.Landing;
using GitOpsDeploy.Core.Pipeline;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Core.Results;
using GitOpsDeploy.Core.Tests.Doubles;
using GitOpsDeploy.Core.Text;
using GitOpsDeploy.Editing;
using GitOpsDeploy.Editing.Images;
using GitOpsDeploy.Editing.Overlay;
using NSubstitute;

namespace GitOpsDeploy.Core.Tests;

/// <summary>
/// The pull-request landing on its own, on <see cref="MemoryGitOps"/> and a pull-request port that holds what was
/// written (GitHub shows the last title and body, on the head this run pushed, unless a test has another run
/// interfere): what each plan becomes, what is pushed, written, read back, closed and said.
/// </summary>
[Trait("Tier", "Unit")]
public sealed class PullRequestLandingTests
{
    private const string Viewer = "deploy-app[bot]";
    private const string Head = "gitops-deploy/staging/web";
    private const string Overlay = "environments/staging/kustomization.yaml";
    private const string Url = "https://git.example.com/acme/gitops/pull/7";
    private const string Source = "0123456789abcdef0123456789abcdef01234567";

    private readonly IPullRequests prs = Substitute.For<IPullRequests>();
    private readonly IActionRuntime runtime = Substitute.For<IActionRuntime>();
    private readonly RecordingLogger logger = new();
    private readonly VirtualTime time = new(new DateTimeOffset(2026, 12, 8, 12, 0, 0, TimeSpan.Zero));
    private readonly RunContext run;
    private string tag = "1";

    /// <summary>Every read has the same head: a second landing sees the change the first one proposed as up to date.</summary>
    private readonly MemoryGitOps git;

    /// <summary>What GitHub holds per pull request: the last title and body written.</summary>
    private readonly Dictionary<int, PullRequestInfo> held = [];

    /// <summary>How GitHub shows a pull request on the next reads (another run's push or text in between), before it shows what it holds.</summary>
    private readonly Queue<Func<PullRequestInfo, PullRequestInfo>> shown = new();

    /// <summary>How GitHub shows a pull request on every read once <see cref="shown"/> is used up (another run that keeps writing).</summary>
    private Func<PullRequestInfo, PullRequestInfo>? always;

    public PullRequestLandingTests()
    {
        git = new MemoryGitOps(_ => new Dictionary<string, string> { [Overlay] = $"images:\n- name: web\n  newTag: \"{tag}\"\n" }) { HeadOf = _ => "base0" };
        run = TestRequests.Run(new DeployPorts(git) { PullRequests = prs }, time, logger, runtime);
        prs.GetRepositoryAsync(default).ReturnsForAnyArgs(new RepositorySettings("main", AllowAutoMerge: false));
        prs.ViewerLoginAsync(default).ReturnsForAnyArgs(Viewer);
        prs.ListOpenAsync(default!, default).ReturnsForAnyArgs([]);
        prs.CreateAsync(default!, default).ReturnsForAnyArgs(c => Hold(Pr(7, c.Arg<NewPullRequest>().Body, Pushed) with { Title = c.Arg<NewPullRequest>().Title }));
        prs.UpdateAsync(default, default!, default!, default).ReturnsForAnyArgs(c => Hold(held[c.ArgAt<int>(0)] with { Title = c.ArgAt<string>(1), Body = c.ArgAt<string>(2) }));
        prs.GetAsync(default, default).ReturnsForAnyArgs(c =>
        {
            var holds = held[c.ArgAt<int>(0)] with { HeadSha = Pushed };
            return shown.Count > 0 ? shown.Dequeue()(holds) : (always ?? (p => p))(holds);
        });
        run.Ledger.Ids.Returns("99");
        run.Ledger.SourceSha.Returns(Source);
        run.Ledger.PreviousShaAsync(default).ReturnsForAnyArgs((string?)null);
    }

    private string Pushed => git.Published.Count > 0 ? git.Published[^1].Sha : string.Empty;

    private PullRequestInfo Hold(PullRequestInfo pr) => held[pr.Number] = pr;

    private static PullRequestInfo Pr(int number, string body, string headSha, string head = Head) =>
        new(number, $"https://git.example.com/acme/gitops/pull/{number}", head, headSha, "main", true, false, $"PR_{number}", "t", body, []) { Author = Viewer };

    /// <summary>A body of ours for the same app, environment and images (web), with another digest and deployment 41.</summary>
    private static string OlderBody(string digest = "0") =>
        "Deploys web.\n\n" + new PullRequestMarker("staging", "acme/app",
            PullRequestMarker.ChangeSetOf(new OverlayEdit("environments/staging", "k", [], [new(null, new ImageEntry("web", null, "2", null))], [])), "41", digest).Render();

    private static DeployRequest Request(string mode = "pull-request", params (string, string)[] inputs) => TestRequests.Parse([("mode", mode), .. inputs]);

    private async Task<Attempt<DeployResult>> Land(PullRequestLanding landing, DeployRequest request, int attempt = 1, CancellationToken cancellationToken = default)
    {
        var snapshot = await git.ReadAsync(null, SnapshotHint.Tip, default);
        if (await landing.RefusalAsync(run, request, snapshot, default) is { } refusal)
        {
            throw refusal;
        }

        return await landing.LandAsync(run, request, snapshot, run.Planner.Plan(snapshot, request), attempt, cancellationToken);
    }

    private string WrittenTitle => prs.ReceivedCalls().Where(c => c.GetMethodInfo().Name == nameof(IPullRequests.CreateAsync)).Select(c => ((NewPullRequest)c.GetArguments()[0]!).Title).Single();

    [Fact]
    public void Giving_up_names_the_head_and_the_base_branch()
    {
        Assert.Equal($"the pull request head {Head} could not be brought onto release because it kept moving",
            new PullRequestLanding().GiveUp(Request("pull-request", ("base-branch", "release")), "release"));
        Assert.Equal($"the pull request head {Head} could not be brought onto the base branch because it kept moving",
            new PullRequestLanding().GiveUp(Request(), "main"));
    }

    [Fact]
    public async Task Only_the_merging_modes_read_the_repository_settings_and_only_once_a_run()
    {
        var snapshot = await git.ReadAsync(null, SnapshotHint.Tip, default);

        Assert.Null(await new PullRequestLanding().RefusalAsync(run, Request(), snapshot, default));
        await prs.DidNotReceiveWithAnyArgs().GetRepositoryAsync(default);

        var merging = new PullRequestLanding();
        Assert.Null(await merging.RefusalAsync(run, Request("merge"), snapshot, default));
        Assert.Null(await merging.RefusalAsync(run, Request("merge"), snapshot, default));
        await prs.ReceivedWithAnyArgs(1).GetRepositoryAsync(default);
    }

    [Fact]
    public async Task Without_the_pull_request_port_the_landing_says_what_it_needs()
    {
        var bare = TestRequests.Run(new DeployPorts(git), time, logger, runtime);
        var snapshot = await git.ReadAsync(null, SnapshotHint.Tip, default);
        var request = Request("merge");

        var refusing = await Assert.ThrowsAsync<InvalidOperationException>(() => new PullRequestLanding().RefusalAsync(bare, request, snapshot, default));
        var landing = await Assert.ThrowsAsync<InvalidOperationException>(() => new PullRequestLanding().LandAsync(bare, request, snapshot, bare.Planner.Plan(snapshot, request), 1, default));

        Assert.Equal(["pull request modes need the GitHub adapter"], new[] { refusing.Message, landing.Message }.Distinct());
    }

    [Fact]
    public async Task A_change_is_pushed_to_the_head_branch_proposed_read_back_and_said()
    {
        var result = (await Land(new PullRequestLanding(), Request(), attempt: 2)).Result!;

        var proposed = Assert.IsType<DeployOutcome.Proposed>(result.Outcome);
        Assert.Equal((7, ProposalKind.Created, "new0", false), (proposed.PullRequest.Number, proposed.Kind, proposed.HeadSha, proposed.Verified));
        Assert.Equal((2, "main", "base0"), (result.Attempts, result.BaseBranch, result.BaseSha));
        Assert.Equal([("new0", Head, PublishKind.Replace)], git.Published);
        Assert.Equal(["Committed new0: staging: web 1 -> 2", $"Pushed new0 to {Head}", $"Opened pull request #7: {Url}"], logger.Lines);
        runtime.Received(1).Group("Pull requests");
        runtime.Received(1).Group($"Push {Head}");
        await prs.ReceivedWithAnyArgs(1).GetAsync(default, default);
        await prs.DidNotReceiveWithAnyArgs().UpdateAsync(default, default!, default!, default);
        Assert.Equal("new0", PullRequestMarker.Find(held[7].Body)!.Head);
    }

    [Fact]
    public async Task A_head_push_that_lost_a_race_is_another_attempt_and_the_run_asks_who_it_is_once()
    {
        git.Answer(MemoryGitOps.LostRace);
        var landing = new PullRequestLanding();

        var first = await Land(landing, Request());
        var second = await Land(landing, Request(), attempt: 2);

        Assert.Equal("the head branch was pushed concurrently", first.RetryReason);
        Assert.Contains($"The push of {Head} was refused as a concurrent update (fetch first); rebuilding it", logger.Lines);
        Assert.IsType<DeployOutcome.Proposed>(second.Result!.Outcome);
        await prs.ReceivedWithAnyArgs(1).ViewerLoginAsync(default);
        await run.Ledger.ReceivedWithAnyArgs(1).PreviousShaAsync(default);
    }

    [Fact]
    public async Task A_head_push_the_server_refuses_fails_naming_the_head_branch()
    {
        git.Answer(_ => new PublishOutcome.Rejected("protected branch hook declined"));

        var error = await Assert.ThrowsAsync<DeployException>(() => Land(new PullRequestLanding(), Request()));

        Assert.Equal(ErrorKind.PushRejected, error.Kind);
        Assert.StartsWith($"acme/gitops rejected the push to '{Head}': protected branch hook declined.", error.Message, StringComparison.Ordinal);
        await prs.DidNotReceiveWithAnyArgs().CreateAsync(default!, default);
    }

    [Fact]
    public async Task The_body_links_the_source_commit_and_the_comparison_with_the_last_deployed_one()
    {
        await Land(new PullRequestLanding(), Request());
        var alone = held[7].Body;
        run.Ledger.PreviousShaAsync(default).ReturnsForAnyArgs("fedcba9876543210fedcba9876543210fedcba98");
        held.Clear();

        await Land(new PullRequestLanding(), Request());

        Assert.Contains($"https://git.example.com/acme/app/commit/{Source}", alone, StringComparison.Ordinal);
        Assert.DoesNotContain("/compare/", alone, StringComparison.Ordinal);
        Assert.Contains($"https://git.example.com/acme/app/compare/fedcba9876543210fedcba9876543210fedcba98...{Source}", held[7].Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_change_already_on_the_base_branch_is_said_without_a_commit_or_a_pull_request()
    {
        tag = "2";

        var result = (await Land(new PullRequestLanding(), Request(), attempt: 3)).Result!;

        Assert.IsType<DeployOutcome.AlreadyThere>(result.Outcome);
        Assert.Equal((3, "main", "base0"), (result.Attempts, result.BaseBranch, result.BaseSha));
        Assert.Equal(["main already has the requested images in environments/staging: no commit, no pull request"], logger.Lines);
        Assert.Empty(git.Drafts);
        await prs.DidNotReceiveWithAnyArgs().CreateAsync(default!, default);
    }

    [Fact]
    public async Task A_pull_request_that_already_proposes_exactly_this_change_is_left_as_it_is()
    {
        await Land(new PullRequestLanding(), Request());
        prs.ListOpenAsync(default!, default).ReturnsForAnyArgs([held[7]]);
        prs.ClearReceivedCalls();

        var result = (await Land(new PullRequestLanding(), Request())).Result!;

        var proposed = Assert.IsType<DeployOutcome.Proposed>(result.Outcome);
        Assert.Equal((ProposalKind.Unchanged, "new0", false), (proposed.Kind, proposed.HeadSha, proposed.Verified));
        Assert.Single(git.Drafts);
        Assert.Single(git.Published);
        Assert.Contains("Pull request #7 already proposes exactly this change on main at base0", logger.Lines);
        await prs.DidNotReceiveWithAnyArgs().UpdateAsync(default, default!, default!, default);
        await prs.DidNotReceiveWithAnyArgs().GetAsync(default, default);
        await run.Ledger.DidNotReceiveWithAnyArgs().EndOthersAsync(default, default!, default);
    }

    [Fact]
    public async Task A_dry_run_drafts_and_shows_the_change_even_when_the_pull_request_already_proposes_it()
    {
        await Land(new PullRequestLanding(), Request());
        prs.ListOpenAsync(default!, default).ReturnsForAnyArgs([held[7]]);

        var result = (await Land(new PullRequestLanding(), Request("pull-request", ("dry-run", "true")))).Result!;

        Assert.IsType<DeployOutcome.DryRun>(result.Outcome);
        Assert.Equal(2, git.Drafts.Count);
        Assert.Single(git.Published);
    }

    [Fact]
    public async Task A_run_asked_to_stop_after_drafting_pushes_nothing()
    {
        using var stop = new CancellationTokenSource();
        prs.ListOpenAsync(default!, default).ReturnsForAnyArgs(_ =>
        {
            stop.Cancel();
            return Task.FromResult<IReadOnlyList<PullRequestInfo>>([]);
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Land(new PullRequestLanding(), Request(), cancellationToken: stop.Token));

        Assert.Single(git.Drafts);
        Assert.Empty(git.Published);
    }

    [Fact]
    public async Task A_run_asked_to_stop_after_pushing_writes_no_pull_request()
    {
        using var stop = new CancellationTokenSource();
        git.Answer(sha =>
        {
            stop.Cancel();
            return new PublishOutcome.Published(sha);
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Land(new PullRequestLanding(), Request(), cancellationToken: stop.Token));

        Assert.Single(git.Published);
        await prs.DidNotReceiveWithAnyArgs().CreateAsync(default!, default);
    }

    [Fact]
    public async Task A_head_another_run_pushed_before_our_read_back_is_rebuilt()
    {
        shown.Enqueue(p => p with { HeadSha = "theirs" });

        var attempt = await Land(new PullRequestLanding(), Request());

        Assert.Equal("another run pushed the head meanwhile", attempt.RetryReason);
        Assert.Contains("The head of #7 is theirs, not our new0: another run pushed it meanwhile; rebuilding", logger.Lines);
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public async Task Our_head_under_another_runs_title_or_text_is_written_again(bool theirTitle, bool theirText)
    {
        shown.Enqueue(p => p with { Title = theirTitle ? "Deploy web 3 to staging" : p.Title, Body = theirText ? OlderBody(digest: "abc") : p.Body });

        var result = (await Land(new PullRequestLanding(), Request())).Result!;

        await prs.Received(1).UpdateAsync(7, WrittenTitle, Arg.Is<string>(b => PullRequestMarker.Find(b)!.Head == "new0"), Arg.Any<CancellationToken>());
        Assert.Contains("#7 describes another run's change although its head is ours: writing ours again", logger.Lines);
        Assert.Equal(ProposalKind.Created, Assert.IsType<DeployOutcome.Proposed>(result.Outcome).Kind);
        await prs.ReceivedWithAnyArgs(2).GetAsync(default, default);
    }

    [Fact]
    public async Task A_text_another_run_keeps_rewriting_fails_after_three_checks()
    {
        always = p => p with { Title = "Deploy web 3 to staging" };

        var error = await Assert.ThrowsAsync<DeployException>(() => Land(new PullRequestLanding(), Request()));

        Assert.Equal(ErrorKind.Conflict, error.Kind);
        Assert.Equal($"pull request #7 keeps being rewritten by another run while its head is ours; re-run the job ({Url})", error.Message);
        await prs.ReceivedWithAnyArgs(3).GetAsync(default, default);
        await prs.ReceivedWithAnyArgs(2).UpdateAsync(default, default!, default!, default);
    }

    [Fact]
    public async Task A_merge_that_needs_a_rebuilt_head_is_another_attempt()
    {
        prs.MergeAsync(default, default!, default, default!, default).ReturnsForAnyArgs(new MergeOutcome(MergeOutcomeKind.Rebuild, "behind"));

        var attempt = await Land(new PullRequestLanding(), Request("merge"));

        Assert.Equal("the base branch moved or the head was modified; updating the pull request", attempt.RetryReason);
    }

    [Fact]
    public async Task A_merge_is_said_with_the_merge_commit_and_whether_it_is_verified_and_is_not_waited_for()
    {
        prs.MergeAsync(default, default!, default, default!, default).ReturnsForAnyArgs(new MergeOutcome(MergeOutcomeKind.Merged, "ok") { Sha = "m1" });
        prs.IsVerifiedAsync("m1", default).ReturnsForAnyArgs(c => c.ArgAt<string>(0) == "m1");

        var result = (await Land(new PullRequestLanding(), Request("merge", ("wait-for-merge", "60")), attempt: 2)).Result!;

        var merged = Assert.IsType<DeployOutcome.Merged>(result.Outcome);
        Assert.Equal(("m1", true, 7), (merged.Sha, merged.Verified, merged.PullRequest.Number));
        Assert.Equal(2, result.Attempts);
        await prs.Received(1).MergeAsync(7, "new0", MergeMethod.Squash, WrittenTitle, Arg.Any<CancellationToken>());
        await prs.ReceivedWithAnyArgs(1).GetAsync(default, default);
    }

    [Fact]
    public async Task Auto_merge_is_said_with_the_head_it_will_merge()
    {
        prs.EnableAutoMergeAsync(default!, default, default).ReturnsForAnyArgs(new AutoMergeResult(AutoMergeResultKind.Enabled, "ok"));

        var result = (await Land(new PullRequestLanding(), Request("auto-merge"))).Result!;

        var enabled = Assert.IsType<DeployOutcome.AutoMergeEnabled>(result.Outcome);
        Assert.Equal((ProposalKind.Created, "new0"), (enabled.Kind, enabled.HeadSha));
        await prs.Received(1).EnableAutoMergeAsync(Arg.Is<PullRequestInfo>(p => p.Number == 7 && p.HeadSha == "new0"), MergeMethod.Squash, Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Without_wait_for_merge_an_open_pull_request_is_not_polled()
    {
        var result = (await Land(new PullRequestLanding(), Request())).Result!;

        Assert.IsType<DeployOutcome.Proposed>(result.Outcome);
        await prs.ReceivedWithAnyArgs(1).GetAsync(default, default);
        Assert.Equal(TimeSpan.Zero, time.Elapsed);
    }

    [Fact]
    public async Task With_wait_for_merge_the_run_waits_for_a_person_to_merge()
    {
        shown.Enqueue(p => p);
        shown.Enqueue(p => p);
        shown.Enqueue(p => p with { Merged = true, Open = false, MergeCommitSha = "m2" });

        var result = (await Land(new PullRequestLanding(), Request("pull-request", ("wait-for-merge", "60")))).Result!;

        Assert.Equal("m2", Assert.IsType<DeployOutcome.Merged>(result.Outcome).Sha);
        Assert.Equal(TimeSpan.FromSeconds(3), time.Elapsed);
    }

    [Fact]
    public async Task Superseding_closes_our_older_pull_request_for_the_same_images_and_ends_its_deployments()
    {
        prs.ListOpenAsync(default!, default).ReturnsForAnyArgs([Pr(5, OlderBody(), "old", head: "gitops-deploy/staging/web-1")]);

        await Land(new PullRequestLanding(), Request());

        await prs.Received(1).CloseAsync(5, $"Superseded by #7 ({Url}): {WrittenTitle}", Arg.Any<CancellationToken>());
        Assert.Contains("Closed #5: superseded by #7", logger.Lines);
        await run.Ledger.Received(1).EndOthersAsync("41", "superseded by PR #7", Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Our_pull_request_updated_with_another_change_ends_the_deployments_it_reported_for()
    {
        Hold(Pr(7, OlderBody(), "old"));
        prs.ListOpenAsync(default!, default).ReturnsForAnyArgs([held[7]]);

        var result = (await Land(new PullRequestLanding(), Request())).Result!;

        Assert.Equal(ProposalKind.Updated, Assert.IsType<DeployOutcome.Proposed>(result.Outcome).Kind);
        await run.Ledger.Received(1).EndOthersAsync("41", "replaced in PR #7 by a newer change", Arg.Any<CancellationToken>());
        await prs.DidNotReceiveWithAnyArgs().CloseAsync(default, default!, default);
    }

    [Fact]
    public async Task Our_pull_request_rebuilt_with_the_same_change_keeps_its_deployments()
    {
        await Land(new PullRequestLanding(), Request());
        // Another run pushed the same change over our head: the text no longer describes the head, the change is the same.
        Hold(held[7] with { HeadSha = "theirs" });
        prs.ListOpenAsync(default!, default).ReturnsForAnyArgs([held[7]]);

        var result = (await Land(new PullRequestLanding(), Request())).Result!;

        Assert.Equal(ProposalKind.Updated, Assert.IsType<DeployOutcome.Proposed>(result.Outcome).Kind);
        Assert.Equal(2, git.Published.Count);
        await run.Ledger.DidNotReceiveWithAnyArgs().EndOthersAsync(default, default!, default);
    }

    [Fact]
    public async Task A_pull_request_on_hold_stops_the_run_naming_the_label()
    {
        prs.ListOpenAsync(default!, default).ReturnsForAnyArgs([Pr(7, OlderBody(), "old") with { Labels = ["Hold"] }]);

        var error = await Assert.ThrowsAsync<DeployException>(() => Land(new PullRequestLanding(), Request()));

        Assert.Equal(ErrorKind.Policy, error.Kind);
        Assert.Equal($"pull request #7 carries the 'hold' label: deploys to staging are on hold; remove the label to continue ({Url})", error.Message);
        Assert.Empty(git.Drafts);
    }
}
