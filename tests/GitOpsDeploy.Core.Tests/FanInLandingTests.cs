using GitOpsDeploy.Core.Landing;
using GitOpsDeploy.Core.Landing.FanIn;
using GitOpsDeploy.Core.Pipeline;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Results;
using GitOpsDeploy.Core.Tests.Doubles;
using GitOpsDeploy.Editing;
using NSubstitute;

namespace GitOpsDeploy.Core.Tests;

/// <summary>
/// Fan-in as a landing: what goes over the board and what lands as a plain push, that a run keeps one flow
/// across its attempts, and the earlier commit a waiting run reads (<see cref="SnapshotAt"/>).
/// </summary>
[Trait("Tier", "Unit")]
public sealed class FanInLandingTests
{
    private const string Overlay = "environments/staging/kustomization.yaml";

    private readonly VirtualTime time = new(new DateTimeOffset(2026, 12, 8, 12, 0, 0, TimeSpan.Zero));
    private readonly RecordingLogger logger = new();
    private readonly MemoryBoard board;

    public FanInLandingTests() => board = new MemoryBoard(time);

    private static Dictionary<string, string> Files(string tag) => new() { [Overlay] = $"images:\n- name: web\n  newTag: \"{tag}\"\n" };

    private (RunContext Run, MemoryGitOps Git) Run(IIntentBoard? onBoard, MemoryProofs? proofs = null)
    {
        var git = new MemoryGitOps(_ => Files("1")) { Board = onBoard, HeadOf = n => $"base{n}".PadRight(40, '0') };
        return (TestRequests.Run(new DeployPorts(git) { Proofs = proofs ?? new MemoryProofs(board, time) }, time, logger), git);
    }

    private static async Task<Attempt<DeployResult>> Land(FanInLanding landing, RunContext run, IGitOpsRepository git, int attempt = 1, params (string, string)[] inputs)
    {
        var request = TestRequests.Parse(inputs);
        var snapshot = await git.ReadAsync(null, SnapshotHint.Tip, default);
        return await landing.LandAsync(run, request, snapshot, run.Planner.Plan(snapshot, request), attempt, default);
    }

    [Fact]
    public void A_fan_in_run_reads_the_board_with_its_snapshot()
    {
        var landing = new FanInLanding(new DirectPush());

        Assert.True(landing.Hint(TestRequests.Parse(), SnapshotHint.Tip).Pending);
        Assert.Equal("main of acme/gitops kept moving", landing.GiveUp(TestRequests.Parse(), "main"));
    }

    [Fact]
    public async Task An_uncontended_write_goes_over_the_board_in_one_request()
    {
        var (run, git) = Run(board);

        var result = (await Land(new FanInLanding(new DirectPush()), run, git, attempt: 2)).Result!;

        Assert.Equal(("new0", 2), (Assert.IsType<DeployOutcome.Pushed>(result.Outcome).Sha, result.Attempts));
        Assert.Equal("new0", Assert.Single(board.Writes).Write.Commit!.Sha);
        Assert.Empty(git.Published);
    }

    [Theory]
    [InlineData(false, "dry-run", "true")]
    [InlineData(true, "images", "web:2")]
    public async Task A_dry_run_or_a_transport_without_a_board_lands_as_a_plain_push(bool withoutBoard, string input, string value)
    {
        var (run, git) = Run(withoutBoard ? null : board);

        await Land(new FanInLanding(new DirectPush()), run, git, 1, (input, value));

        Assert.Empty(board.Writes);
        Assert.Equal(withoutBoard ? 1 : 0, git.Published.Count);
    }

    [Fact]
    public async Task A_run_fan_in_cannot_prove_lands_as_a_plain_push_and_is_not_asked_again_on_its_next_attempt()
    {
        board.Pending.Add(IntentCodec.Of(TestRequests.Parse(("images", "api=ghcr.io/acme/api:3")), TestRequests.Context with { RunId = "5" }, "111111111111", time.GetUtcNow())
            with { Branch = "main", Proof = "their-token", Key = "111111111111", Object = "o1" });
        var (run, git) = Run(board, new MemoryProofs(board, time) { ProveFails = "the runner refused the token request (403)" });
        git.Answer(MemoryGitOps.LostRace);
        var landing = new FanInLanding(new DirectPush());

        var first = await Land(landing, run, git);
        var second = await Land(landing, run, git, attempt: 2);

        Assert.Equal("another pipeline wrote main first (fetch first)", first.RetryReason);
        Assert.IsType<DeployOutcome.Pushed>(second.Result!.Outcome);
        Assert.Equal([("new1", "main", PublishKind.Advance)], git.Published);
        Assert.Empty(board.Writes);
        Assert.Single(logger.Lines, l => l.Contains("403", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_run_that_lost_a_race_publishes_its_intent_with_its_next_commit()
    {
        var (run, git) = Run(board);
        board.Answer(new PublishOutcome.LostRace("stale data"));
        var landing = new FanInLanding(new DirectPush());

        var first = await Land(landing, run, git);
        await Land(landing, run, git, attempt: 2);

        Assert.NotNull(first.RetryReason);
        Assert.Equal(2, board.Writes.Count);
        Assert.Null(board.Writes[0].Write.Publish);
        Assert.NotNull(board.Writes[1].Write.Publish);
    }

    [Fact]
    public async Task A_run_asked_to_stop_before_its_write_puts_nothing_on_the_board()
    {
        var (run, git) = Run(board);
        using var stop = new CancellationTokenSource();
        var request = TestRequests.Parse();
        var snapshot = await git.ReadAsync(null, SnapshotHint.Tip, default);
        var plan = run.Planner.Plan(snapshot, request);
        await stop.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new FanInLanding(new DirectPush()).LandAsync(run, request, snapshot, plan, 1, stop.Token));

        Assert.Single(git.Drafts);
        Assert.Empty(board.Writes);
        Assert.Empty(git.Published);
    }

    [Fact]
    public void A_snapshot_at_the_head_reads_the_heads_tree_even_where_the_history_cannot_be_read()
    {
        var head = Substitute.For<IGitOpsSnapshot>();
        var tree = Substitute.For<IRepositoryTree>();
        head.HeadSha.Returns("h1");
        head.Branch.Returns("main");
        head.Tree.Returns(tree);
        head.TreeAt(default!).ReturnsForAnyArgs((IRepositoryTree?)null);

        using var at = new SnapshotAt(head, "h1");

        Assert.Same(tree, at.Tree);
        Assert.Equal(("main", "h1"), (at.Branch, at.HeadSha));
        head.DidNotReceiveWithAnyArgs().TreeAt(default!);
    }

    [Fact]
    public void A_snapshot_at_an_earlier_commit_reads_that_commits_tree_and_the_history_below_it()
    {
        var commits = Enumerable.Range(0, 5).Select(i => new MemoryCommit($"c{i}", $"commit {i}", Files($"{10 - i}"))).ToList();
        var head = new MemorySnapshot(commits);

        using var at = new SnapshotAt(head, "c2");

        Assert.Equal("images:\n- name: web\n  newTag: \"8\"\n", at.Tree.ReadText(Overlay));
        Assert.Equal(["c2", "c3"], at.History(2).Select(h => h.Sha));
        Assert.Equal(["c2", "c3", "c4"], at.History(10).Select(h => h.Sha));
        Assert.Equal("images:\n- name: web\n  newTag: \"6\"\n", at.TreeAt("c4")!.ReadText(Overlay));
        Assert.False(head.Disposed);
    }

    [Fact]
    public void A_snapshot_at_an_older_commit_reads_its_history_past_the_commits_above_it()
    {
        var commits = Enumerable.Range(0, 4).Select(i => new MemoryCommit($"c{i}", $"commit {i}", Files("1"))).ToList();

        using var at = new SnapshotAt(new MemorySnapshot(commits), "c3");

        Assert.Equal(["c3"], at.History(1).Select(h => h.Sha));
    }

    [Fact]
    public void A_commit_the_snapshot_cannot_read_fails_when_its_tree_is_asked_for_naming_it()
    {
        using var at = new SnapshotAt(new MemorySnapshot("h1", Files("1")), "unknown");

        var error = Assert.Throws<InvalidOperationException>(() => at.Tree);

        Assert.Equal("unknown is not readable from this snapshot", error.Message);
        Assert.Empty(at.History(5));
    }
}
