using GitOpsDeploy.Core.Landing;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Core.Results;
using GitOpsDeploy.Core.Tests.Doubles;
using GitOpsDeploy.Editing;
using NSubstitute;

namespace GitOpsDeploy.Core.Tests;

/// <summary>
/// Opening, updating, merging and waiting for one deploy pull request, on a substituted pull-request port and a
/// clock on which waiting takes no time: what each of the host's answers becomes, what the run says, how long it waits.
/// </summary>
[Trait("Tier", "Unit")]
public sealed class PullRequestMergingTests
{
    private const string Viewer = "deploy-app[bot]";
    private const string Head = "gitops-deploy/staging/web";
    private const string Url = "https://git.example.com/acme/gitops/pull/7";

    private readonly IPullRequests prs = Substitute.For<IPullRequests>();
    private readonly IActionRuntime runtime = Substitute.For<IActionRuntime>();
    private readonly RecordingLogger logger = new();
    private readonly VirtualTime time = new(new DateTimeOffset(2026, 12, 8, 12, 0, 0, TimeSpan.Zero));
    private readonly PullRequestInfo pr = Pr(7);

    public PullRequestMergingTests()
    {
        prs.CreateAsync(default!, default).ReturnsForAnyArgs(pr);
        prs.UpdateAsync(default, default!, default!, default).ReturnsForAnyArgs(c => pr with { Number = c.ArgAt<int>(0), Title = c.ArgAt<string>(1), Body = c.ArgAt<string>(2) });
    }

    private static PullRequestInfo Pr(int number, string author = Viewer, string head = Head, string headSha = "ours") =>
        new(number, $"https://git.example.com/acme/gitops/pull/{number}", head, headSha, "main", true, false, $"PR_{number}", "title", "Deploys web.\n\n<!-- gitops-deploy environment=\"staging\" source=\"acme/app\" digest=\"0\" -->", [])
        { Author = author };

    private PullRequestMerging Merging() => new(prs, Viewer, runtime, time, logger, TimeSpan.FromSeconds(1));

    private static LandingOptions Options(params (string, string)[] inputs) => TestRequests.Parse([("mode", "merge"), .. inputs]).Landing;

    private static RepositorySettings Settings(bool autoMerge = false, params MergeMethod[] methods) =>
        new("main", autoMerge) { MergeMethods = methods.Length > 0 ? methods.ToHashSet() : [MergeMethod.Squash, MergeMethod.Merge, MergeMethod.Rebase] };

    private void MergeAnswers(params MergeOutcome[] answers) =>
        prs.MergeAsync(default, default!, default, default!, default).ReturnsForAnyArgs(answers[0], answers[1..]);

    private static MergeOutcome Answer(MergeOutcomeKind kind, string? sha = null) => new(kind, kind.ToString()) { Sha = sha, HeadSha = "someone-elses-head" };

    private Task<Landed> Merge(LandingOptions? options = null, RepositorySettings? settings = null) =>
        Merging().MergeAsync(options ?? Options(), settings ?? Settings(), "acme/gitops", pr, "Deploy web", default);

    [Fact]
    public async Task A_new_pull_request_is_opened_and_said_with_no_labels_or_reviewers_asked_for()
    {
        var (opened, kind) = await Merging().OpenOrUpdateAsync(Options(), null, false, "Deploy web", "body", "main", default);

        Assert.Equal((7, ProposalKind.Created), (opened.Number, kind));
        await prs.Received(1).CreateAsync(new NewPullRequest("Deploy web", "body", Head, "main"), Arg.Any<CancellationToken>());
        runtime.Received(1).Group("Open pull request");
        Assert.Equal([$"Opened pull request #7: {Url}"], logger.Lines);
        await prs.DidNotReceiveWithAnyArgs().AddLabelsAsync(default, default!, default);
        await prs.DidNotReceiveWithAnyArgs().RequestReviewersAsync(default, default!, default!, default);
    }

    [Theory]
    [InlineData("labels", "deploy,staging")]
    [InlineData("reviewers", "alice")]
    [InlineData("team-reviewers", "platform")]
    public async Task A_new_pull_request_gets_the_labels_and_reviewers_asked_for_and_nothing_else(string input, string value)
    {
        await Merging().OpenOrUpdateAsync(Options((input, value)), null, false, "Deploy web", "body", "main", default);

        var given = value.Split(',');
        await prs.Received(input == "labels" ? 1 : 0).AddLabelsAsync(7, Arg.Is<IReadOnlyList<string>>(l => l.SequenceEqual(given)), Arg.Any<CancellationToken>());
        await prs.Received(input == "labels" ? 0 : 1).RequestReviewersAsync(7,
            Arg.Is<IReadOnlyList<string>>(r => r.SequenceEqual(input == "reviewers" ? given : Array.Empty<string>())),
            Arg.Is<IReadOnlyList<string>>(t => t.SequenceEqual(input == "team-reviewers" ? given : Array.Empty<string>())),
            Arg.Any<CancellationToken>());
    }

    [Theory]
    [InlineData(true, "title", ProposalKind.Unchanged)]
    [InlineData(true, "Deploy web", ProposalKind.Updated)]
    [InlineData(false, "title", ProposalKind.Updated)]
    public async Task An_existing_pull_request_is_left_alone_only_when_its_change_and_title_are_ours(bool upToDate, string title, ProposalKind expected)
    {
        var (_, kind) = await Merging().OpenOrUpdateAsync(Options(), pr, upToDate, title, "body", "main", default);

        Assert.Equal(expected, kind);
        await prs.Received(expected == ProposalKind.Updated ? 1 : 0).UpdateAsync(7, title, "body", Arg.Any<CancellationToken>());
        await prs.DidNotReceiveWithAnyArgs().CreateAsync(default!, default);
        runtime.Received(1).Group("Update pull request #7");
    }

    [Fact]
    public async Task A_pull_request_another_run_opened_between_our_listing_and_our_create_is_adopted()
    {
        prs.CreateAsync(default!, default).ReturnsForAnyArgs((PullRequestInfo?)null);
        prs.ListOpenAsync("main", default).ReturnsForAnyArgs([Pr(3, head: "gitops-deploy/prod/web"), Pr(8)]);

        var (adopted, kind) = await Merging().OpenOrUpdateAsync(Options(("labels", "deploy")), null, false, "Deploy web", "body", "main", default);

        Assert.Equal((8, ProposalKind.Updated), (adopted.Number, kind));
        await prs.Received(1).UpdateAsync(8, "Deploy web", "body", Arg.Any<CancellationToken>());
        Assert.Equal(["Adopted pull request #8 opened concurrently"], logger.Lines);
        await prs.DidNotReceiveWithAnyArgs().AddLabelsAsync(default, default!, default);
    }

    [Fact]
    public async Task An_already_exists_answer_with_no_such_pull_request_open_is_a_conflict_in_our_words()
    {
        prs.CreateAsync(default!, default).ReturnsForAnyArgs((PullRequestInfo?)null);
        prs.ListOpenAsync("main", default).ReturnsForAnyArgs([]);

        var error = await Assert.ThrowsAsync<DeployException>(() => Merging().OpenOrUpdateAsync(Options(), null, false, "Deploy web", "body", "main", default));

        Assert.Equal(ErrorKind.Conflict, error.Kind);
        Assert.Equal($"GitHub says a pull request for {Head} exists, but none is open against main", error.Message);
    }

    [Fact]
    public async Task A_concurrently_opened_pull_request_that_is_not_ours_is_never_adopted()
    {
        prs.CreateAsync(default!, default).ReturnsForAnyArgs((PullRequestInfo?)null);
        prs.ListOpenAsync("main", default).ReturnsForAnyArgs([Pr(8, author: "mallory")]);

        var error = await Assert.ThrowsAsync<DeployException>(() => Merging().OpenOrUpdateAsync(Options(), null, false, "Deploy web", "body", "main", default));

        Assert.Equal(ErrorKind.Conflict, error.Kind);
        Assert.StartsWith($"pull request #8 (https://git.example.com/acme/gitops/pull/8) uses the head branch '{Head}', but it was opened by mallory, not by the gitops-token's identity {Viewer}; the action will not push over it", error.Message, StringComparison.Ordinal);
        await prs.DidNotReceiveWithAnyArgs().UpdateAsync(default, default!, default!, default);
    }

    [Fact]
    public async Task A_merge_is_asked_with_our_head_and_said_with_its_commit()
    {
        MergeAnswers(Answer(MergeOutcomeKind.Merged, "m1"));

        var landed = await Merge(Options(("merge-method", "rebase")));

        Assert.Equal(new Landed(LandingKind.Merged, "m1"), landed);
        await prs.Received(1).MergeAsync(7, "ours", MergeMethod.Rebase, "Deploy web", Arg.Any<CancellationToken>());
        runtime.Received(1).Group("Merge pull request #7");
        Assert.Equal(["Merged #7 as m1 (Merged)"], logger.Lines);
    }

    [Fact]
    public async Task A_base_that_moved_asks_for_a_rebuilt_head()
    {
        MergeAnswers(Answer(MergeOutcomeKind.Rebuild));

        Assert.Equal(new Landed(LandingKind.Retry, null), await Merge());
        Assert.Equal(["#7 cannot be merged as it is: Rebuild; rebuilding our branch from the new base"], logger.Lines);
    }

    [Fact]
    public async Task A_conflict_in_a_head_someone_changed_names_their_head_shortened()
    {
        MergeAnswers(Answer(MergeOutcomeKind.Conflict));

        var error = await Assert.ThrowsAsync<DeployException>(() => Merge());

        Assert.Equal(ErrorKind.Conflict, error.Kind);
        Assert.Equal($"pull request #7 conflicts with main, and its head (someone) is not the commit this run pushed: someone changed it; resolve it by hand ({Url})", error.Message);
    }

    [Fact]
    public async Task A_method_the_merge_itself_refuses_names_the_setting_and_leaves_the_pull_request_open()
    {
        MergeAnswers(Answer(MergeOutcomeKind.MethodNotAllowed));

        var error = await Assert.ThrowsAsync<DeployException>(() => Merge());

        Assert.Equal(ErrorKind.Policy, error.Kind);
        Assert.Equal("input 'merge-method': 'squash' is not allowed on acme/gitops (MethodNotAllowed); choose another merge-method, or turn on 'Allow squash merging' "
            + $"in the repository's settings (General > Pull Requests); pull request #7 stays open unmerged ({Url})", error.Message);
        await prs.ReceivedWithAnyArgs(1).MergeAsync(default, default!, default, default!, default);
    }

    [Theory]
    [InlineData(MergeMethod.Squash, "'squash' is not allowed on acme/gitops (allowed: merge, rebase); choose another merge-method, or turn on 'Allow squash merging'")]
    [InlineData(MergeMethod.Merge, "'merge' is not allowed on acme/gitops (allowed: rebase, squash); choose another merge-method, or turn on 'Allow merge commits'")]
    [InlineData(MergeMethod.Rebase, "'rebase' is not allowed on acme/gitops (allowed: merge, squash); choose another merge-method, or turn on 'Allow rebase merging'")]
    public void A_method_the_settings_disallow_is_refused_with_what_they_allow_in_order(MergeMethod method, string says)
    {
        var others = Enum.GetValues<MergeMethod>().Where(m => m != method).ToArray();

        var refusal = PullRequestMerging.Disallowed(method, Settings(false, others), "acme/gitops");

        Assert.Equal(ErrorKind.Policy, refusal!.Kind);
        Assert.Equal($"input 'merge-method': {says} in the repository's settings (General > Pull Requests)", refusal.Message);
        Assert.Null(PullRequestMerging.Disallowed(method, Settings(false, method), "acme/gitops"));
    }

    [Fact]
    public async Task Protection_that_blocks_a_merge_turns_on_auto_merge_when_the_repository_allows_it()
    {
        MergeAnswers(Answer(MergeOutcomeKind.Blocked));
        prs.EnableAutoMergeAsync(default!, default, default).ReturnsForAnyArgs(new AutoMergeResult(AutoMergeResultKind.Enabled, "ok"));

        var landed = await Merge(settings: Settings(autoMerge: true));

        Assert.Equal(new Landed(LandingKind.AutoMergeEnabled, null), landed);
        await prs.Received(1).EnableAutoMergeAsync(pr, MergeMethod.Squash, Arg.Any<CancellationToken>());
        Assert.Equal(["Branch protection blocks merging #7 now (Blocked); enabled auto-merge instead: GitHub merges it once the required reviews and checks pass"], logger.Lines);
    }

    [Fact]
    public async Task Protection_that_blocks_a_merge_fails_naming_what_to_do_when_auto_merge_is_not_an_option()
    {
        MergeAnswers(Answer(MergeOutcomeKind.Blocked));

        var error = await Assert.ThrowsAsync<DeployException>(() => Merge());

        Assert.Equal(ErrorKind.PushRejected, error.Kind);
        Assert.Equal("branch protection blocks merging pull request #7: Blocked. Required reviews or status checks must pass first; "
            + $"allow auto-merge in the repository settings, or merge it by hand ({Url})", error.Message);
        await prs.DidNotReceiveWithAnyArgs().EnableAutoMergeAsync(default!, default, default);
    }

    [Fact]
    public async Task Auto_merge_that_declined_because_the_pull_request_was_mergeable_is_not_asked_again_when_the_merge_is_blocked()
    {
        prs.EnableAutoMergeAsync(default!, default, default).ReturnsForAnyArgs(new AutoMergeResult(AutoMergeResultKind.AlreadyMergeable, "clean status"));
        MergeAnswers(Answer(MergeOutcomeKind.Blocked));

        var error = await Assert.ThrowsAsync<DeployException>(() =>
            Merging().AutoMergeAsync(Options(("mode", "auto-merge")), Settings(autoMerge: true), "acme/gitops", pr, "Deploy web", default));

        Assert.Equal(ErrorKind.PushRejected, error.Kind);
        await prs.ReceivedWithAnyArgs(1).EnableAutoMergeAsync(default!, default, default);
        Assert.Equal(["#7 can be merged right now (clean status); merging it"], logger.Lines);
    }

    [Fact]
    public async Task Undecided_mergeability_is_asked_four_times_with_a_growing_pause_then_fails()
    {
        MergeAnswers(Answer(MergeOutcomeKind.NotReady));

        var error = await Assert.ThrowsAsync<DeployException>(() => Merge());

        Assert.Equal(ErrorKind.Transient, error.Kind);
        Assert.Equal($"GitHub would not merge pull request #7 (NotReady) after 4 tries ({Url})", error.Message);
        await prs.ReceivedWithAnyArgs(4).MergeAsync(default, default!, default, default!, default);
        Assert.Equal(TimeSpan.FromSeconds(1 + 2 + 3), time.Elapsed);
        Assert.Equal(Enumerable.Repeat("GitHub has not decided whether #7 can be merged (NotReady); asking again", 3), logger.Lines);
    }

    [Fact]
    public async Task Mergeability_decided_on_a_later_ask_merges()
    {
        MergeAnswers(Answer(MergeOutcomeKind.NotReady), Answer(MergeOutcomeKind.Merged, "m2"));

        Assert.Equal(new Landed(LandingKind.Merged, "m2"), await Merge());
        Assert.Equal(TimeSpan.FromSeconds(1), time.Elapsed);
    }

    [Fact]
    public async Task Auto_merge_is_enabled_and_said()
    {
        prs.EnableAutoMergeAsync(default!, default, default).ReturnsForAnyArgs(new AutoMergeResult(AutoMergeResultKind.Enabled, "ok"));

        var landed = await Merging().AutoMergeAsync(Options(("mode", "auto-merge"), ("merge-method", "merge")), Settings(), "acme/gitops", pr, "Deploy web", default);

        Assert.Equal(new Landed(LandingKind.AutoMergeEnabled, null), landed);
        await prs.Received(1).EnableAutoMergeAsync(pr, MergeMethod.Merge, Arg.Any<CancellationToken>());
        runtime.Received(1).Group("Enable auto-merge on #7");
        Assert.Equal(["Auto-merge enabled on #7: GitHub merges it when its requirements pass"], logger.Lines);
        await prs.DidNotReceiveWithAnyArgs().MergeAsync(default, default!, default, default!, default);
    }

    [Fact]
    public async Task A_pull_request_mergeable_right_now_is_merged_instead_of_auto_merged()
    {
        prs.EnableAutoMergeAsync(default!, default, default).ReturnsForAnyArgs(new AutoMergeResult(AutoMergeResultKind.AlreadyMergeable, "clean status"));
        MergeAnswers(Answer(MergeOutcomeKind.Merged, "m3"));

        var landed = await Merging().AutoMergeAsync(Options(("mode", "auto-merge")), Settings(), "acme/gitops", pr, "Deploy web", default);

        Assert.Equal(new Landed(LandingKind.Merged, "m3"), landed);
    }

    [Fact]
    public async Task Auto_merge_the_repository_does_not_offer_fails_naming_the_setting_and_the_other_modes()
    {
        prs.EnableAutoMergeAsync(default!, default, default).ReturnsForAnyArgs(new AutoMergeResult(AutoMergeResultKind.NotAllowed, "auto-merge is off"));

        var error = await Assert.ThrowsAsync<DeployException>(() =>
            Merging().AutoMergeAsync(Options(("mode", "auto-merge")), Settings(), "acme/gitops", pr, "Deploy web", default));

        Assert.Equal(ErrorKind.Policy, error.Kind);
        Assert.Equal("auto-merge is not available on acme/gitops: auto-merge is off. Enable 'Allow auto-merge' in the repository settings, or use mode 'merge' or 'pull-request'", error.Message);
    }

    private static DeployResult Proposed(PullRequestInfo pullRequest) =>
        new(new DeployOutcome.Proposed(pullRequest, ProposalKind.Created, "ours", true), Array.Empty<TargetResult>(), "main", "base0");

    private void Polls(params Func<PullRequestInfo, PullRequestInfo>[] answers)
    {
        var queue = new Queue<Func<PullRequestInfo, PullRequestInfo>>(answers);
        prs.GetAsync(7, default).ReturnsForAnyArgs(_ => (queue.Count > 1 ? queue.Dequeue() : queue.Peek())(pr));
    }

    [Fact]
    public async Task Waiting_for_a_person_ends_when_the_pull_request_is_merged()
    {
        Polls(p => p, p => p, p => p with { Merged = true, Open = false, MergeCommitSha = "m4" });

        var result = await Merging().WaitForMergeAsync(Options(("mode", "pull-request"), ("wait-for-merge", "60")), Proposed(pr), default);

        var merged = Assert.IsType<DeployOutcome.Merged>(result.Outcome);
        Assert.Equal(("m4", true, 7), (merged.Sha, merged.Verified, merged.PullRequest.Number));
        Assert.Equal(TimeSpan.FromSeconds(2 * 3), time.Elapsed);
        runtime.Received(1).Group("Wait up to 60 s for #7 to be merged");
        Assert.Equal(["#7 was merged as m4"], logger.Lines);
    }

    [Fact]
    public async Task A_merge_seen_without_its_commit_keeps_the_head_we_proposed()
    {
        Polls(p => p with { Merged = true, Open = false });

        var result = await Merging().WaitForMergeAsync(Options(("mode", "pull-request"), ("wait-for-merge", "60")), Proposed(pr), default);

        Assert.Equal("ours", Assert.IsType<DeployOutcome.Merged>(result.Outcome).Sha);
    }

    [Fact]
    public async Task A_pull_request_closed_unmerged_while_waiting_fails_the_run()
    {
        Polls(p => p, p => p with { Open = false });

        var error = await Assert.ThrowsAsync<DeployException>(() => Merging().WaitForMergeAsync(Options(("mode", "pull-request"), ("wait-for-merge", "60")), Proposed(pr), default));

        Assert.Equal(ErrorKind.Conflict, error.Kind);
        Assert.Equal($"pull request #7 was closed without being merged ({Url})", error.Message);
    }

    [Fact]
    public async Task Waiting_ends_at_the_deadline_with_a_warning_and_the_pull_request_left_open()
    {
        Polls(p => p);
        var proposed = Proposed(pr);

        var result = await Merging().WaitForMergeAsync(Options(("mode", "pull-request"), ("wait-for-merge", "30")), proposed, default);

        Assert.Same(proposed, result);
        Assert.Equal(TimeSpan.FromSeconds(30), time.Elapsed);
        // A poll every 1.5 s (wait-for-merge / 20), the last one at the deadline itself.
        await prs.ReceivedWithAnyArgs(21).GetAsync(default, default);
        runtime.Received(1).Warning($"pull request #7 was not merged within 30 s; it stays open and the deployment stays queued ({Url})", Arg.Any<SourceLocation?>());
    }
}
