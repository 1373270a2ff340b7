using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Editing;

namespace GitOpsDeploy.Core.Transport;

/// <summary>
/// The API transport, with the git transport held back for the one change the API cannot write faithfully:
/// a file that is executable (createCommitOnBranch writes every file 100644). Found while drafting, before
/// anything was written: the run warns, and from then on this repository is the git one; the draft asks to be
/// planned again, so the next attempt reads and commits through git, with git's retries and no fan-in board.
/// </summary>
public sealed class ExecutableFallback(IGitOpsRepository api, Func<IGitOpsRepository> git, Action<string> warn) : IGitOpsRepository
{
    private IGitOpsRepository current = api;

    /// <summary>True once the run commits with the git method.</summary>
    public bool Switched { get; private set; }

    public IIntentBoard? Board => current.Board;

    public RetryPolicy Retries => current.Retries;

    public Task<IGitOpsSnapshot> ReadAsync(string? branch, SnapshotHint hint, CancellationToken cancellationToken) => current.ReadAsync(branch, hint, cancellationToken);

    public string? Unwritable(IGitOpsSnapshot snapshot, IReadOnlyList<FileChange> files) => current.Unwritable(snapshot, files);

    public async Task<CommitDraft> DraftAsync(IGitOpsSnapshot onTopOf, NewCommit commit, CancellationToken cancellationToken)
    {
        try
        {
            return await current.DraftAsync(onTopOf, commit, cancellationToken);
        }
        catch (DeployException e) when (e.Kind == ErrorKind.UnsupportedByCommitMethod && !Switched)
        {
            warn($"{e.Message}: this run commits with the git method instead, so GitHub does not sign the commit (a branch that requires signed commits refuses it)");
            current = git();
            Switched = true;
            return new CommitDraft(onTopOf.HeadSha, string.Empty, string.Empty) { Redo = "the change is committed with the git method, which keeps the executable bit" };
        }
    }

    public Task<PublishOutcome> PublishAsync(IGitOpsSnapshot onTopOf, CommitDraft draft, string branch, PublishKind kind, CancellationToken cancellationToken) =>
        draft.Redo is { } redo ? Task.FromResult<PublishOutcome>(new PublishOutcome.LostRace(redo)) : current.PublishAsync(onTopOf, draft, branch, kind, cancellationToken);
}
