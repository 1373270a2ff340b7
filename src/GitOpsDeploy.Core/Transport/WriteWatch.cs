using GitOpsDeploy.Core.Ports;

namespace GitOpsDeploy.Core.Transport;

/// <summary>
/// Notes whether a run has sent anything that can put its change on a branch (a commit, a board write with a
/// commit, a merge). A cancelled run looks for its commit on the branch only then: the runner's SIGTERM comes
/// 7.5 s after SIGINT, and a read that cannot find anything would only spend that time.
/// </summary>
internal sealed class WriteWatch
{
    private int sent;

    public bool Sent => Volatile.Read(ref sent) == 1;

    public DeployPorts Watch(DeployPorts ports) => ports with
    {
        Repository = new WatchedRepository(ports.Repository, this),
        PullRequests = ports.PullRequests is { } prs ? new WatchedPullRequests(prs, this) : null,
    };

    private void Mark() => Volatile.Write(ref sent, 1);

    private sealed class WatchedRepository(IGitOpsRepository inner, WriteWatch watch) : IGitOpsRepository
    {
        public IIntentBoard? Board => inner.Board is { } board ? new WatchedBoard(board, watch) : null;

        public RetryPolicy Retries => inner.Retries;

        public Task<IGitOpsSnapshot> ReadAsync(string? branch, SnapshotHint hint, CancellationToken cancellationToken) => inner.ReadAsync(branch, hint, cancellationToken);

        public string? Unwritable(IGitOpsSnapshot snapshot, IReadOnlyList<Editing.FileChange> files) => inner.Unwritable(snapshot, files);

        public Task<CommitDraft> DraftAsync(IGitOpsSnapshot onTopOf, NewCommit commit, CancellationToken cancellationToken) => inner.DraftAsync(onTopOf, commit, cancellationToken);

        public Task<PublishOutcome> PublishAsync(IGitOpsSnapshot onTopOf, CommitDraft draft, string branch, PublishKind kind, CancellationToken cancellationToken)
        {
            if (kind == PublishKind.Advance)
            {
                watch.Mark();
            }

            return inner.PublishAsync(onTopOf, draft, branch, kind, cancellationToken);
        }
    }

    private sealed class WatchedBoard(IIntentBoard inner, WriteWatch watch) : IIntentBoard
    {
        public Task<BoardState> ReadAsync(string branch, DateTimeOffset since, CancellationToken cancellationToken) => inner.ReadAsync(branch, since, cancellationToken);

        public Task<BoardWriteOutcome> WriteAsync(string branch, string atSha, BoardWrite write, CancellationToken cancellationToken)
        {
            if (write.Commit is not null || write.Publish is not null)
            {
                // A published intent may be carried by another run's commit.
                watch.Mark();
            }

            return inner.WriteAsync(branch, atSha, write, cancellationToken);
        }
    }

    private sealed class WatchedPullRequests(IPullRequests inner, WriteWatch watch) : IPullRequests
    {
        public Task<RepositorySettings> GetRepositoryAsync(CancellationToken cancellationToken) => inner.GetRepositoryAsync(cancellationToken);

        public Task<string> ViewerLoginAsync(CancellationToken cancellationToken) => inner.ViewerLoginAsync(cancellationToken);

        public Task<bool> IsVerifiedAsync(string sha, CancellationToken cancellationToken) => inner.IsVerifiedAsync(sha, cancellationToken);

        public Task<IReadOnlyList<PullRequestInfo>> ListOpenAsync(string baseBranch, CancellationToken cancellationToken) => inner.ListOpenAsync(baseBranch, cancellationToken);

        public Task<PullRequestInfo> GetAsync(int number, CancellationToken cancellationToken) => inner.GetAsync(number, cancellationToken);

        public Task<PullRequestInfo?> CreateAsync(NewPullRequest request, CancellationToken cancellationToken) => inner.CreateAsync(request, cancellationToken);

        public Task<PullRequestInfo> UpdateAsync(int number, string title, string body, CancellationToken cancellationToken) => inner.UpdateAsync(number, title, body, cancellationToken);

        public Task AddLabelsAsync(int number, IReadOnlyList<string> labels, CancellationToken cancellationToken) => inner.AddLabelsAsync(number, labels, cancellationToken);

        public Task RequestReviewersAsync(int number, IReadOnlyList<string> reviewers, IReadOnlyList<string> teamReviewers, CancellationToken cancellationToken) =>
            inner.RequestReviewersAsync(number, reviewers, teamReviewers, cancellationToken);

        public Task<MergeOutcome> MergeAsync(int number, string headSha, MergeMethod method, string commitTitle, CancellationToken cancellationToken)
        {
            watch.Mark();
            return inner.MergeAsync(number, headSha, method, commitTitle, cancellationToken);
        }

        public Task<AutoMergeResult> EnableAutoMergeAsync(PullRequestInfo pullRequest, MergeMethod method, CancellationToken cancellationToken)
        {
            watch.Mark();
            return inner.EnableAutoMergeAsync(pullRequest, method, cancellationToken);
        }

        public Task CloseAsync(int number, string comment, CancellationToken cancellationToken) => inner.CloseAsync(number, comment, cancellationToken);
    }
}
