using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Tests.Doubles;
using GitOpsDeploy.Core.Transport;
using GitOpsDeploy.Editing;
using NSubstitute;

namespace GitOpsDeploy.Core.Tests;

/// <summary>
/// The decorators around the transport: the executable-file fallback from the API to git (decided once, while
/// drafting, before anything is written), and the watch that says whether a run sent anything that can land.
/// </summary>
[Trait("Tier", "Unit")]
public sealed class TransportTests
{
    private static readonly IGitOpsSnapshot Snapshot = new MemorySnapshot("base0", new Dictionary<string, string>());

    private static NewCommit Commit => new([new FileChange("deploy.sh", [1])], TestRequests.Parse().Landing.Author, "deploy", DateTimeOffset.UnixEpoch);

    private readonly IGitOpsRepository api = Substitute.For<IGitOpsRepository>();
    private readonly MemoryGitOps git = new(new Dictionary<string, string>()) { Retries = new RetryPolicy(30, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(8)) };
    private readonly List<string> warnings = [];
    private int gitBuilt;

    private ExecutableFallback Fallback() => new(api, () =>
    {
        gitBuilt++;
        return git;
    }, warnings.Add);

    [Fact]
    public async Task A_change_the_api_can_write_stays_on_the_api()
    {
        api.DraftAsync(default!, default!, default).ReturnsForAnyArgs(new CommitDraft("base0", "api1", "diff"));
        api.Retries.Returns(RetryPolicy.Api);
        var fallback = Fallback();

        var draft = await fallback.DraftAsync(Snapshot, Commit, default);
        await fallback.PublishAsync(Snapshot, draft, "main", PublishKind.Advance, default);

        Assert.Equal(("api1", null), (draft.Sha, draft.Redo));
        Assert.False(fallback.Switched);
        Assert.Equal(RetryPolicy.Api, fallback.Retries);
        await api.Received(1).PublishAsync(Snapshot, draft, "main", PublishKind.Advance, Arg.Any<CancellationToken>());
        Assert.Equal(0, gitBuilt);
        Assert.Empty(warnings);
    }

    [Fact]
    public async Task An_executable_file_switches_the_run_to_git_before_anything_is_written_and_asks_for_another_attempt()
    {
        api.DraftAsync(default!, default!, default).ReturnsForAnyArgs(Task.FromException<CommitDraft>(new DeployException(ErrorKind.UnsupportedByCommitMethod, "deploy.sh is executable and the API writes every file 100644")));
        var fallback = Fallback();

        var draft = await fallback.DraftAsync(Snapshot, Commit, default);
        var published = await fallback.PublishAsync(Snapshot, draft, "main", PublishKind.Advance, default);

        Assert.Equal(("base0", string.Empty, "the change is committed with the git method, which keeps the executable bit"), (draft.BaseSha, draft.Sha, draft.Redo));
        Assert.Equal(new PublishOutcome.LostRace("the change is committed with the git method, which keeps the executable bit"), published);
        await api.DidNotReceiveWithAnyArgs().PublishAsync(default!, default!, default!, default, default);
        Assert.True(fallback.Switched);
        Assert.Equal(["deploy.sh is executable and the API writes every file 100644: this run commits with the git method instead, so GitHub does not sign the commit (a branch that requires signed commits refuses it)"], warnings);

        // From now on every call goes to git: its reads, its drafts, its retries, no fan-in board.
        await fallback.ReadAsync("main", SnapshotHint.Tip, default);
        var second = await fallback.DraftAsync(Snapshot, Commit, default);
        await fallback.PublishAsync(Snapshot, second, "main", PublishKind.Advance, default);
        Assert.Equal((1, 1, 1), (git.Reads.Count, git.Drafts.Count, git.Published.Count));
        Assert.Equal(30, fallback.Retries.Attempts);
        Assert.Null(fallback.Board);
        Assert.Equal(1, gitBuilt);
        await api.DidNotReceiveWithAnyArgs().ReadAsync(default, default!, default);
    }

    [Fact]
    public async Task Other_refusals_and_a_second_unsupported_change_are_not_swallowed()
    {
        api.DraftAsync(default!, default!, default).ReturnsForAnyArgs(Task.FromException<CommitDraft>(new DeployException(ErrorKind.InvalidFile, "bad")));
        var fallback = Fallback();

        Assert.Equal(ErrorKind.InvalidFile, (await Assert.ThrowsAsync<DeployException>(() => fallback.DraftAsync(Snapshot, Commit, default))).Kind);
        Assert.False(fallback.Switched);

        var unsupported = Substitute.For<IGitOpsRepository>();
        unsupported.DraftAsync(default!, default!, default).ReturnsForAnyArgs(Task.FromException<CommitDraft>(new DeployException(ErrorKind.UnsupportedByCommitMethod, "still")));
        api.DraftAsync(default!, default!, default).ReturnsForAnyArgs(Task.FromException<CommitDraft>(new DeployException(ErrorKind.UnsupportedByCommitMethod, "exec")));
        var twice = new ExecutableFallback(api, () => unsupported, warnings.Add);
        await twice.DraftAsync(Snapshot, Commit, default);

        Assert.Equal("still", (await Assert.ThrowsAsync<DeployException>(() => twice.DraftAsync(Snapshot, Commit, default))).Message);
        Assert.Single(warnings);
    }

    [Fact]
    public async Task Only_a_write_that_can_put_the_change_on_a_branch_counts_as_sent()
    {
        var board = new MemoryBoard(TimeProvider.System);
        var prs = Substitute.For<IPullRequests>();
        var watch = new WriteWatch();
        var ports = watch.Watch(new DeployPorts(new MemoryGitOps(new Dictionary<string, string>()) { Board = board }) { PullRequests = prs });
        var draft = new CommitDraft("base0", "new0", "diff");

        await ports.Repository.ReadAsync(null, SnapshotHint.Tip, default);
        await ports.Repository.DraftAsync(Snapshot, Commit, default);
        await ports.Repository.PublishAsync(Snapshot, draft, "gitops-deploy/staging/web", PublishKind.Replace, default);
        await ports.Repository.Board!.ReadAsync("main", DateTimeOffset.UnixEpoch, default);
        await ports.Repository.Board.WriteAsync("main", "base0", new BoardWrite(null, null, []), default);
        await ports.PullRequests!.ListOpenAsync("main", default);
        await ports.PullRequests.CreateAsync(new NewPullRequest("t", "b", "h", "main"), default);
        await ports.PullRequests.CloseAsync(1, "c", default);
        Assert.False(watch.Sent);

        await ports.Repository.PublishAsync(Snapshot, draft, "main", PublishKind.Advance, default);
        Assert.True(watch.Sent);
    }

    public static TheoryData<string> Sends => new() { "board commit", "board intent", "merge", "auto-merge" };

    [Theory]
    [MemberData(nameof(Sends))]
    public async Task A_board_commit_or_intent_a_merge_and_auto_merge_each_count_as_sent(string write)
    {
        var watch = new WriteWatch();
        var ports = watch.Watch(new DeployPorts(new MemoryGitOps(new Dictionary<string, string>()) { Board = new MemoryBoard(TimeProvider.System) }) { PullRequests = Substitute.For<IPullRequests>() });
        var intent = new DeployIntent("0123456789ab", "acme/app#7", DateTimeOffset.UnixEpoch, "acme/app", new string('a', 40), []);

        await (write switch
        {
            "board commit" => ports.Repository.Board!.WriteAsync("main", "base0", new BoardWrite(new CommitDraft("base0", "new0", "diff"), null, []), default),
            "board intent" => ports.Repository.Board!.WriteAsync("main", "base0", new BoardWrite(null, intent, []), default),
            "merge" => ports.PullRequests!.MergeAsync(1, "h", MergeMethod.Squash, "t", default),
            _ => (Task)ports.PullRequests!.EnableAutoMergeAsync(new PullRequestInfo(1, "u", "h", "s", "main", true, false, "n", "t", "b", []), MergeMethod.Squash, default),
        });

        Assert.True(watch.Sent);
    }

    [Fact]
    public void A_transport_without_a_board_or_pull_requests_stays_without_them()
    {
        var ports = new WriteWatch().Watch(new DeployPorts(new MemoryGitOps(new Dictionary<string, string>())));

        Assert.Null(ports.Repository.Board);
        Assert.Null(ports.PullRequests);
    }
}
