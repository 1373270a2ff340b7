using GitOpsDeploy.Core.Landing.FanIn;
using GitOpsDeploy.Core.Pipeline;
using GitOpsDeploy.Core.Planning;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Reporting;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Core.Results;
using GitOpsDeploy.Core.Tests.Doubles;
using GitOpsDeploy.Editing;
using GitOpsDeploy.Editing.Yaml;
using NSubstitute;

namespace GitOpsDeploy.Core.Tests;

/// <summary>
/// <see cref="FanInFlow"/> on a board in memory and a clock on which waiting takes no time: when a run publishes
/// or joins, when it leads (after the quiet period) or takes over (after a silent leader), how long it waits at
/// most, and when it takes its intent back.
/// </summary>
[Trait("Tier", "Unit")]
public sealed class FanInFlowTests
{
    private const string Overlay = "environments/staging/kustomization.yaml";
    private const string Mine = "000000000000";
    private const string Base0 = "base000000000000000000000000000000000000";
    private const string MyTrailer = "acme/app#7 (intent " + Mine + ")";

    private readonly VirtualTime time = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
    private readonly MemoryBoard board;
    private readonly MemoryGitOps git;
    private readonly RunContext run;
    private readonly DeployRequest request = TestRequests.Parse(("images", "web:2"));
    private string branchTag = "1";

    public FanInFlowTests()
    {
        board = new MemoryBoard(time);
        git = new MemoryGitOps(_ => Files(branchTag)) { Board = board, HeadOf = n => $"base{n}".PadRight(40, '0') };
        run = TestRequests.Run(new DeployPorts(git) { Proofs = new MemoryProofs(board, time) }, time);
    }

    /// <summary>Files besides the staging overlay, on every read.</summary>
    private readonly Dictionary<string, string> extra = [];

    private Dictionary<string, string> Files(string tag) =>
        new(extra) { [Overlay] = $"images:\n- name: web\n  newName: ghcr.io/acme/web\n  newTag: \"{tag}\"\n" };

    private MemorySnapshot Head() => new([new MemoryCommit("head", "initial", Files("1"))]) { Pending = [.. board.Pending] };

    private Task<Attempt<DeployResult>?> Push(FanInFlow flow, int attempt = 1, CancellationToken cancellationToken = default)
    {
        var snapshot = Head();
        var plan = Assert.IsType<PlanOutcome.Write>(run.Planner.Plan(snapshot, request));
        return flow.PushAsync(request, snapshot, plan, new CommitDraft("head", "drafted", "diff"), attempt, cancellationToken);
    }

    /// <summary>Another run's intent, proven, for the api image (so it never competes with ours for web).</summary>
    private DeployIntent Other(string id, TimeSpan age, string run = "5") =>
        IntentCodec.Of(TestRequests.Parse(("images", "api=ghcr.io/acme/api:3")), TestRequests.Context with { RunId = run }, id, time.GetUtcNow() - age)
            with { Branch = "main", Proof = "their-token", Key = id, Object = "o" + id };

    private static BoardCommit Carrying(string sha, string trailer) => new(sha, $"deploy\n\nDeploy-Run: {trailer}\nEnvironment: staging\n", true);

    [Fact]
    public async Task An_uncontended_run_commits_alone_in_one_request()
    {
        Assert.True(FanInFlow.Applies(request));

        var attempt = await Push(new FanInFlow(run), attempt: 3);

        var pushed = Assert.IsType<DeployOutcome.Pushed>(attempt!.Value.Result!.Outcome);
        Assert.Equal("drafted", pushed.Sha);
        Assert.Equal(3, attempt.Value.Result.Attempts);
        var (write, _) = Assert.Single(board.Writes);
        Assert.Null(write.Publish);
        Assert.Equal("drafted", write.Commit!.Sha);
        Assert.Empty(board.Pending);
    }

    [Fact]
    public async Task After_a_lost_race_the_intent_rides_with_the_commit_and_its_run_leads_after_the_quiet_period()
    {
        var flow = new FanInFlow(run);
        board.Answer(new PublishOutcome.LostRace("fetch first"), new PublishOutcome.LostRace("fetch first"));

        var first = await Push(flow);
        Assert.NotNull(first!.Value.RetryReason);
        Assert.Null(board.Writes[0].Write.Publish);

        var second = await Push(flow, attempt: 2);

        var pushed = Assert.IsType<DeployOutcome.Pushed>(second!.Value.Result!.Outcome);
        Assert.Equal("new0", pushed.Sha);
        Assert.Empty(pushed.CarriedRuns);
        Assert.Equal(3, board.Writes.Count);
        var (publish, publishedAt) = board.Writes[1];
        Assert.Equal((Mine, "drafted"), (publish.Publish!.Id, publish.Commit!.Sha));
        var (lead, ledAt) = board.Writes[2];
        Assert.Equal("new0", lead.Commit!.Sha);
        // Alone in the line, the leader commits once the line has been quiet for the quiet period: not before, not later.
        Assert.Equal(FanInFlow.Quiet, ledAt - publishedAt);
        Assert.Contains("Deploy-Run: " + MyTrailer, Assert.Single(git.Drafts).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_leader_whose_line_keeps_growing_lingers_no_longer_than_the_longest_linger()
    {
        var flow = new FanInFlow(run);
        board.Answer(new PublishOutcome.LostRace("fetch first"), new PublishOutcome.LostRace("fetch first"));
        await Push(flow);
        // Another run joins behind us before every read: the line is never quiet.
        board.OnRead = reads => board.Pending.Add(Other($"{reads:D12}", TimeSpan.Zero, run: $"{10 + reads}"));

        var second = await Push(flow, attempt: 2);

        Assert.IsType<DeployOutcome.Pushed>(second!.Value.Result!.Outcome);
        var (_, publishedAt) = board.Writes[1];
        var (lead, ledAt) = board.Writes[2];
        Assert.NotNull(lead.Commit);
        Assert.Equal(FanInFlow.MaxLinger, ledAt - publishedAt);
    }

    [Fact]
    public async Task A_run_that_finds_intents_waiting_joins_them_and_ends_when_another_run_carries_it()
    {
        board.Pending.Add(Other("111111111111", TimeSpan.FromSeconds(1)));
        branchTag = "2";
        board.OnRead = reads => board.Recent.Add(Carrying(Base0, MyTrailer));

        var attempt = await Push(new FanInFlow(run), attempt: 4);

        var carried = Assert.IsType<DeployOutcome.CarriedBy>(attempt!.Value.Result!.Outcome);
        Assert.Equal((Base0, true), (carried.Sha, carried.Verified));
        Assert.Equal(4, attempt.Value.Result.Attempts);
        var (join, _) = Assert.Single(board.Writes);
        Assert.Null(join.Commit);
        Assert.Equal(Mine, join.Publish!.Id);
    }

    [Fact]
    public async Task A_commit_that_names_our_intent_without_our_change_sends_the_run_on_alone_and_withdraws_the_intent()
    {
        board.Pending.Add(Other("111111111111", TimeSpan.FromSeconds(1)));
        board.OnRead = reads => board.Recent.Add(Carrying(Base0, MyTrailer));
        var flow = new FanInFlow(run);

        var attempt = await Push(flow);

        Assert.Contains("base000 names our intent without our change", attempt!.Value.RetryReason, StringComparison.Ordinal);
        Assert.True(flow.Declined);
        var (withdrawal, _) = board.Writes[^1];
        Assert.Equal(Mine, Assert.Single(withdrawal.Clear).Id);
        Assert.DoesNotContain(board.Pending, p => p.Id == Mine);
        Assert.Null(await Push(flow, attempt: 2));
    }

    [Fact]
    public async Task The_next_in_line_takes_over_from_a_silent_leader_after_the_take_over_time()
    {
        board.Pending.Add(Other("111111111111", TimeSpan.FromSeconds(1)));
        var flow = new FanInFlow(run);

        var attempt = await Push(flow);

        var pushed = Assert.IsType<DeployOutcome.Pushed>(attempt!.Value.Result!.Outcome);
        Assert.Equal(["acme/app#5"], pushed.CarriedRuns);
        var (_, joinedAt) = board.Writes[0];
        var (lead, ledAt) = board.Writes[^1];
        Assert.NotNull(lead.Commit);
        Assert.InRange(ledAt - joinedAt, FanInFlow.TakeoverAfter, FanInFlow.TakeoverAfter + TimeSpan.FromSeconds(4));
    }

    [Fact]
    public async Task A_run_never_carried_withdraws_after_the_wait_budget_and_fails()
    {
        // A leader that changes on every read is never silent long enough to be taken over.
        board.Pending.Add(Other("111111111111", TimeSpan.FromSeconds(1)));
        board.OnRead = reads =>
        {
            board.Pending.RemoveAll(p => p.Id != Mine);
            board.Pending.Insert(0, Other($"{reads:D12}", TimeSpan.FromSeconds(1), run: "9"));
        };

        var error = await Assert.ThrowsAsync<DeployException>(() => Push(new FanInFlow(run)));

        Assert.Equal(ErrorKind.Conflict, error.Kind);
        Assert.Contains("was not carried within 5 minutes (1 intents ahead of it); withdrew it", error.Message, StringComparison.Ordinal);
        Assert.InRange(time.Elapsed, FanInFlow.WaitBudget, FanInFlow.WaitBudget + TimeSpan.FromSeconds(4));
        var (withdrawal, _) = board.Writes[^1];
        Assert.Equal(Mine, Assert.Single(withdrawal.Clear).Id);
        Assert.DoesNotContain(board.Pending, p => p.Id == Mine);
    }

    [Fact]
    public async Task A_cancelled_run_takes_its_intent_back()
    {
        board.Pending.Add(Other("111111111111", TimeSpan.FromSeconds(1)));
        using var cancel = new CancellationTokenSource();
        board.OnRead = reads => cancel.Cancel();
        var flow = new FanInFlow(run);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Push(flow, cancellationToken: cancel.Token));

        var (withdrawal, _) = board.Writes[^1];
        Assert.Equal(Mine, Assert.Single(withdrawal.Clear).Id);
        Assert.Null(withdrawal.Publish);
        await flow.WithdrawAsync("main", CancellationToken.None);
        Assert.Equal(2, board.Writes.Count);
    }

    [Fact]
    public async Task A_run_that_cannot_prove_itself_stays_out_of_fan_in()
    {
        var unproven = TestRequests.Run(new DeployPorts(git) { Proofs = new MemoryProofs(board, time) { Unavailable = "no id-token permission" } }, time);

        Assert.Null(await Push(new FanInFlow(unproven)));
        Assert.Empty(board.Writes);
        Assert.False(FanInFlow.Applies(request with { Change = request.Change with { Force = true } }));
        Assert.False(FanInFlow.Applies(request with { Landing = request.Landing with { Coalesce = false } }));
    }

    [Fact]
    public async Task Expired_intents_and_intents_from_the_future_are_cleared_by_the_commit_and_never_joined()
    {
        board.Pending.Add(Other("111111111111", DeployIntent.Lifetime + TimeSpan.FromSeconds(1)));
        board.Pending.Add(Other("222222222222", -(DeployIntent.ClockSkew + TimeSpan.FromSeconds(1))));

        var attempt = await Push(new FanInFlow(run));

        Assert.IsType<DeployOutcome.Pushed>(attempt!.Value.Result!.Outcome);
        var (write, _) = Assert.Single(board.Writes);
        Assert.Equal("drafted", write.Commit!.Sha);
        Assert.Null(write.Publish);
        Assert.Equal(["111111111111", "222222222222"], write.Clear.Select(c => c.Id));
    }

    [Fact]
    public async Task An_intent_just_inside_its_lifetime_is_still_waiting_and_is_joined()
    {
        board.Pending.Add(Other("111111111111", DeployIntent.Lifetime - TimeSpan.FromSeconds(1)));
        board.OnRead = reads => board.Recent.Add(Carrying(Base0, MyTrailer));
        branchTag = "2";

        var attempt = await Push(new FanInFlow(run));

        Assert.IsType<DeployOutcome.CarriedBy>(attempt!.Value.Result!.Outcome);
        var (join, _) = board.Writes[0];
        Assert.Null(join.Commit);
        Assert.Equal(Mine, join.Publish!.Id);
        Assert.Empty(join.Clear);
    }

    [Fact]
    public async Task A_rejected_commit_fails_the_run_and_a_waiting_run_takes_its_intent_back_first()
    {
        board.Answer(new PublishOutcome.Rejected("protected branch"));
        var alone = await Assert.ThrowsAsync<DeployException>(() => Push(new FanInFlow(run)));
        Assert.Equal(ErrorKind.PushRejected, alone.Kind);
        Assert.Contains("rejected the push to 'main': protected branch", alone.Message, StringComparison.Ordinal);

        // Joined behind a silent leader, it leads after the take-over time and its batch commit is refused.
        board.Writes.Clear();
        board.Pending.Add(Other("111111111111", TimeSpan.FromSeconds(1)));
        board.Answer(new PublishOutcome.Rejected("protected branch"));

        var leading = await Assert.ThrowsAsync<DeployException>(() => Push(new FanInFlow(run)));

        Assert.Equal(ErrorKind.PushRejected, leading.Kind);
        Assert.Equal(3, board.Writes.Count);
        Assert.NotNull(board.Writes[1].Write.Commit);
        var (withdrawal, _) = board.Writes[2];
        Assert.Equal(Mine, Assert.Single(withdrawal.Clear).Id);
        Assert.DoesNotContain(board.Pending, p => p.Id == Mine);
    }

    [Fact]
    public async Task An_intent_taken_off_the_board_unapplied_sends_the_run_on_alone()
    {
        board.Pending.Add(Other("111111111111", TimeSpan.FromSeconds(1)));
        board.OnRead = reads => board.Pending.RemoveAll(p => p.Id == Mine);
        var flow = new FanInFlow(run);

        var attempt = await Push(flow);

        Assert.Contains("our intent was taken off the board without being applied", attempt!.Value.RetryReason, StringComparison.Ordinal);
        Assert.True(flow.Declined);
        Assert.Single(board.Writes);
        Assert.Null(await Push(flow, attempt: 2));
    }

    [Fact]
    public async Task A_waiting_run_renews_its_proof_before_it_runs_low_under_the_same_ref()
    {
        // The leader changes on every read, so the run waits its whole budget; its 5-minute token is renewed once under 2 minutes are left.
        board.Pending.Add(Other("111111111111", TimeSpan.FromSeconds(1)));
        board.OnRead = reads =>
        {
            board.Pending.RemoveAll(p => p.Id != Mine);
            board.Pending.Insert(0, Other($"{reads:D12}", TimeSpan.FromSeconds(1), run: "9"));
        };

        await Assert.ThrowsAsync<DeployException>(() => Push(new FanInFlow(run)));

        var (join, joinedAt) = board.Writes[0];
        var renewals = board.Writes.Where(w => w.Write.Publish is not null).Skip(1).ToList();
        var (renewal, renewedAt) = Assert.Single(renewals);
        Assert.Equal(("token1", "token2"), (join.Publish!.Proof, renewal.Publish!.Proof));
        Assert.Equal((Mine, IntentCodec.Name(join.Publish), "payload1"), (renewal.Publish.Id, renewal.Publish.Key, renewal.Publish.Object));
        Assert.Null(renewal.Commit);
        Assert.InRange(renewedAt - joinedAt, TimeSpan.FromMinutes(5) - FanInFlow.RefreshBefore, TimeSpan.FromMinutes(5) - FanInFlow.RefreshBefore + TimeSpan.FromSeconds(4));
    }

    /// <summary>
    /// The batch's out-of-order rule: two waiting intents for the same image (api) in the same environment, from
    /// <paramref name="first"/> (tag 3, run 5) and <paramref name="second"/> (tag 4, run 6), the graph answering how two
    /// source commits relate. This run (web) leads after taking over from the silent first. Returns what it committed.
    /// </summary>
    private async Task<(DeployOutcome.Pushed Pushed, string Overlay, IReadOnlyList<string> Cleared, SourceGraph Graph)> LeadTwoApiIntents(
        string first, string second, Func<string, string, SourceOrder> relation, string secondRepository = "acme/app")
    {
        var graph = new SourceGraph(relation);
        var leader = TestRequests.Run(new DeployPorts(git) { Proofs = new MemoryProofs(board, time), SourceCommits = graph }, time, log);
        board.Pending.Add(Api("111111111111", "3", first, "5", "acme/app", TimeSpan.FromSeconds(2)));
        board.Pending.Add(Api("222222222222", "4", second, "6", secondRepository, TimeSpan.FromSeconds(1)));

        var attempt = await Push(new FanInFlow(leader));

        var pushed = Assert.IsType<DeployOutcome.Pushed>(attempt!.Value.Result!.Outcome);
        var file = Assert.Single(git.Drafts[^1].Files);
        var (lead, _) = board.Writes[^1];
        return (pushed, System.Text.Encoding.UTF8.GetString(file.Content!), lead.Clear.Select(c => c.Id).ToList(), graph);
    }

    private DeployIntent Api(string id, string tag, string sourceSha, string runId, string repository, TimeSpan age) =>
        IntentCodec.Of(
                TestRequests.Parse(("images", $"api=ghcr.io/acme/api:{tag}"), ("source-sha", sourceSha), ("source-repository", repository)),
                TestRequests.Context with { RunId = runId, Repository = repository },
                id,
                time.GetUtcNow() - age)
            with { Branch = "main", Proof = "their-token", Key = id, Object = "o" + id };

    private readonly RecordingLogger log = new();

    private const string OlderSource = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    private const string NewerSource = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    /// <summary>A line of history: <see cref="OlderSource"/> then <see cref="NewerSource"/>; any other commit cannot be placed.</summary>
    private static SourceOrder Line(string ours, string theirs) =>
        ours == theirs ? SourceOrder.Same
        : (ours, theirs) == (NewerSource, OlderSource) ? SourceOrder.Newer
        : (ours, theirs) == (OlderSource, NewerSource) ? SourceOrder.Older
        : SourceOrder.Unknown;

    [Fact]
    public async Task Of_two_waiting_intents_for_one_image_the_batch_keeps_the_newer_source_when_it_came_second()
    {
        var (pushed, overlay, cleared, graph) = await LeadTwoApiIntents(OlderSource, NewerSource, Line);

        Assert.Equal(["acme/app#6"], pushed.CarriedRuns);
        Assert.Contains("newName: ghcr.io/acme/api\n  newTag: \"4\"", overlay, StringComparison.Ordinal);
        Assert.Equal(["111111111111"], cleared);
        Assert.Equal((NewerSource, OlderSource), Assert.Single(graph.Asked));
        // Dropped by the order, not by the batch's same-entry rule (which would also leave one of the two).
        Assert.Contains("Intent 111111111111 of acme/app#5: Dropped (acme/app#6 deploys the same image from bbbbbbb, a newer commit than aaaaaaa)", log.Lines);
    }

    [Fact]
    public async Task Of_two_waiting_intents_for_one_image_the_batch_keeps_the_newer_source_when_it_came_first()
    {
        var (pushed, overlay, cleared, _) = await LeadTwoApiIntents(NewerSource, OlderSource, Line);

        Assert.Equal(["acme/app#5"], pushed.CarriedRuns);
        Assert.Contains("newTag: \"3\"", overlay, StringComparison.Ordinal);
        Assert.DoesNotContain("newTag: \"4\"", overlay, StringComparison.Ordinal);
        Assert.Equal(["222222222222"], cleared);
        Assert.Contains("Intent 222222222222 of acme/app#6: Dropped (acme/app#5 deploys the same image from bbbbbbb, a newer commit than aaaaaaa)", log.Lines);
    }

    [Theory]
    [InlineData(SourceOrder.Diverged)]
    [InlineData(SourceOrder.Unknown)]
    public async Task Two_waiting_intents_for_one_image_whose_sources_cannot_be_ordered_are_both_left_out(SourceOrder relation)
    {
        var (pushed, overlay, cleared, graph) = await LeadTwoApiIntents(OlderSource, NewerSource, (_, _) => relation);

        Assert.Empty(pushed.CarriedRuns);
        Assert.DoesNotContain("acme/api", overlay, StringComparison.Ordinal);
        Assert.Contains("newTag: \"2\"", overlay, StringComparison.Ordinal);
        Assert.Equal(["111111111111", "222222222222"], cleared);
        Assert.Single(graph.Asked);
        Assert.Contains("Intent 111111111111 of acme/app#5: Dropped (acme/app#6 deploys the same image to the same environment and the two source commits cannot be ordered)", log.Lines);
        Assert.Contains("Intent 222222222222 of acme/app#6: Dropped (acme/app#5 deploys the same image to the same environment and the two source commits cannot be ordered)", log.Lines);
    }

    [Fact]
    public async Task Intents_from_a_source_repository_this_run_cannot_compare_in_are_never_ordered_by_guess()
    {
        // acme/tools is trusted (same owner) but this run's token is for acme/app: its commits are not compared, both wait alone.
        var (pushed, overlay, cleared, graph) = await LeadTwoApiIntents(OlderSource, NewerSource, Line, secondRepository: "acme/tools");

        Assert.Empty(pushed.CarriedRuns);
        Assert.DoesNotContain("acme/api", overlay, StringComparison.Ordinal);
        Assert.Equal(["111111111111", "222222222222"], cleared);
        Assert.Empty(graph.Asked);
    }

    [Fact]
    public async Task Two_waiting_intents_from_the_same_commit_are_not_compared_and_the_batch_keeps_one()
    {
        // Same source commit, two tags for one entry: no order to ask for; the batch's same-entry rule keeps one of them.
        var (pushed, _, cleared, graph) = await LeadTwoApiIntents(OlderSource, OlderSource, Line);

        Assert.Empty(graph.Asked);
        Assert.Single(pushed.CarriedRuns);
        Assert.Single(cleared);
        Assert.DoesNotContain(cleared, id => pushed.CarriedRuns.Contains(id == "111111111111" ? "acme/app#5" : "acme/app#6"));
    }

    [Fact]
    public async Task Intents_for_the_same_image_in_different_environments_are_not_ordered()
    {
        var graph = new SourceGraph(Line);
        var leader = TestRequests.Run(new DeployPorts(git) { Proofs = new MemoryProofs(board, time), SourceCommits = graph }, time);
        board.Pending.Add(Api("111111111111", "3", NewerSource, "5", "acme/app", TimeSpan.FromSeconds(2)));
        board.Pending.Add(Api("222222222222", "4", OlderSource, "6", "acme/app", TimeSpan.FromSeconds(1)) with { Targets = [new IntentTarget("qa", "environments/qa")] });
        extra["environments/qa/kustomization.yaml"] = "images:\n- name: api\n  newName: ghcr.io/acme/api\n  newTag: \"1\"\n";

        var attempt = await Push(new FanInFlow(leader));

        var pushed = Assert.IsType<DeployOutcome.Pushed>(attempt!.Value.Result!.Outcome);
        Assert.Equal(["acme/app#5", "acme/app#6"], pushed.CarriedRuns);
        Assert.Empty(graph.Asked);
    }

    /// <summary>The source repository's commit graph as a function of two commits; remembers what it was asked.</summary>
    private sealed class SourceGraph(Func<string, string, SourceOrder> relation) : ISourceCommits
    {
        public List<(string Ours, string Theirs)> Asked { get; } = [];

        public Task<(SourceOrder Order, string? Reason)> CompareAsync(string ours, string theirs, CancellationToken cancellationToken)
        {
            Asked.Add((ours, theirs));
            var order = relation(ours, theirs);
            return Task.FromResult<(SourceOrder, string?)>((order, order == SourceOrder.Unknown ? "not in the history" : null));
        }
    }

    private RunContext Run(IRunProofs? proofs) =>
        new(new DeployPorts(git) { Proofs = proofs }, Substitute.For<IActionRuntime>(), TestRequests.Context, time, log, Substitute.For<IRunObserver>(), Substitute.For<IDeploymentLedger>());

    /// <summary>Our request with a <c>set</c> value of <paramref name="length"/> characters: only its intent grows, the plan stays the small one.</summary>
    private DeployRequest WithValueOf(int length) =>
        request with { Change = request.Change with { Settings = [ValueSetting.Parse("values.yaml:note=" + new string('x', length))] } };

    private int CanonicalLength(DeployRequest big) => IntentCodec.Canonical(IntentCodec.Of(big, TestRequests.Context, Mine, time.GetUtcNow()) with { Branch = "main" }).Length;

    [Fact]
    public async Task A_change_too_large_to_publish_stays_out_of_fan_in_and_one_at_the_limit_is_published()
    {
        // Sized so the intent is exactly the largest payload published.
        var atLimit = WithValueOf(1000 + IntentCodec.MaxPayload - CanonicalLength(WithValueOf(1000)));
        Assert.Equal(IntentCodec.MaxPayload, CanonicalLength(atLimit));
        board.Pending.Add(Other("111111111111", TimeSpan.FromSeconds(1)));
        var snapshot = Head();
        var plan = Assert.IsType<PlanOutcome.Write>(run.Planner.Plan(snapshot, request));
        using var cancel = new CancellationTokenSource();
        board.OnRead = _ => cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new FanInFlow(run).PushAsync(atLimit, snapshot, plan, new CommitDraft("head", "drafted", "diff"), 1, cancel.Token));
        Assert.Equal(Mine, board.Writes[0].Write.Publish?.Id);

        board.Writes.Clear();
        var tooLarge = new FanInFlow(Run(new MemoryProofs(board, time)));
        var over = WithValueOf(1001 + IntentCodec.MaxPayload - CanonicalLength(WithValueOf(1000)));
        Assert.Null(await tooLarge.PushAsync(over, Head(), plan, new CommitDraft("head", "drafted", "diff"), 1, CancellationToken.None));
        Assert.True(tooLarge.Declined);
        Assert.Empty(board.Writes);
        Assert.Contains(log.Lines, l => l.StartsWith("The change is too large to publish as an intent", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_run_whose_ID_token_cannot_be_had_retries_on_its_own_and_says_why()
    {
        board.Pending.Add(Other("111111111111", TimeSpan.FromSeconds(1)));
        var flow = new FanInFlow(Run(new MemoryProofs(board, time) { ProveFails = "the runner refused the token request (403)" }));

        Assert.Null(await Push(flow));

        Assert.True(flow.Declined);
        Assert.Empty(board.Writes);
        Assert.Contains(log.Lines, l => l.StartsWith("Could not get this job's ID token (the runner refused the token request (403))", StringComparison.Ordinal));
        Assert.Null(await Push(flow, attempt: 2));
    }

    [Fact]
    public async Task A_run_that_cannot_prove_itself_says_why_once_however_often_it_retries()
    {
        var onRunner = new FanInFlow(Run(new MemoryProofs(board, time) { Unavailable = "no id-token permission" }));
        var offRunner = new FanInFlow(Run(null));

        Assert.Null(await Push(onRunner));
        Assert.Null(await Push(onRunner, attempt: 2));
        Assert.Null(await Push(offRunner));

        var said = log.Lines.Where(l => l.StartsWith("Not taking part in fan-in", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, said.Count);
        Assert.Contains("(no id-token permission)", said[0], StringComparison.Ordinal);
        Assert.Contains("(the run is not on a GitHub Actions runner)", said[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_withdrawal_that_fails_is_said_and_never_fails_the_run_in_its_place()
    {
        board.Pending.Add(Other("111111111111", TimeSpan.FromSeconds(1)));
        using var cancel = new CancellationTokenSource();
        board.OnRead = _ => cancel.Cancel();
        board.FailWrite = write => write.Publish is null && write.Commit is null ? new DeployException(ErrorKind.Conflict, "GitHub answered 502") : null;
        var flow = new FanInFlow(Run(new MemoryProofs(board, time)));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Push(flow, cancellationToken: cancel.Token));

        Assert.Contains(log.Lines, l => l.StartsWith($"Could not withdraw intent {Mine} (GitHub answered 502); it expires unapplied after {(int)DeployIntent.Lifetime.TotalMinutes} minutes", StringComparison.Ordinal));
        board.FailWrite = null;
        await flow.WithdrawAsync("main", CancellationToken.None);
        Assert.Single(board.Writes);
    }
}
