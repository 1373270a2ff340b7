using GitOpsDeploy.Editing;

namespace GitOpsDeploy.Core.Ports;

public sealed record CommitAuthor(string Name, string Email);

/// <summary>A commit on the first-parent history of the branch.</summary>
public sealed record HistoryEntry(string Sha, string Message, DateTimeOffset When);

/// <summary>
/// The snapshot port: the gitops branch as one commit (its tip when read), with the history the
/// planning steps need. Whatever transport backs it (a clone, an API) stays behind it.
/// </summary>
public interface IGitOpsSnapshot : IDisposable
{
    string Branch { get; }

    string HeadSha { get; }

    IRepositoryTree Tree { get; }

    /// <summary>
    /// First-parent history from <see cref="HeadSha"/>, newest first, at most <paramref name="max"/>
    /// commits. Deepens itself when it holds fewer than asked: fewer returned means the first commit was reached.
    /// </summary>
    IReadOnlyList<HistoryEntry> History(int max);

    /// <summary>The tree of a commit returned by <see cref="History"/>, or null when it is not one.</summary>
    IRepositoryTree? TreeAt(string sha);

    /// <summary>The fan-in intents pending for this branch when it was read (asked for with <see cref="SnapshotHint.Pending"/>; oldest first).</summary>
    IReadOnlyList<DeployIntent> Pending => [];
}

/// <summary>Reads snapshots of the gitops repository; each is independent and released on dispose.</summary>
public interface IGitOpsSnapshots
{
    /// <summary>
    /// The tip of <paramref name="branch"/> (null: the default branch). <paramref name="hint"/> says
    /// what the run will probably read, so a clone or an API can fetch it in one go.
    /// </summary>
    Task<IGitOpsSnapshot> ReadAsync(string? branch, SnapshotHint hint, CancellationToken cancellationToken);
}

/// <summary>What a run will probably read: this many commits of history, and these directories (the overlays) with their files.</summary>
public sealed record SnapshotHint(int History, IReadOnlyList<string> Directories)
{
    /// <summary>Also read the branch's pending fan-in intents (same request where the transport allows).</summary>
    public bool Pending { get; init; }

    public static SnapshotHint Tip { get; } = new(1, []);
}

/// <summary>A commit to publish: files changed on top of a snapshot.</summary>
public sealed record NewCommit(IReadOnlyList<FileChange> Files, CommitAuthor Author, string Message, DateTimeOffset When);

/// <summary>
/// A commit built but not yet published, with the diff a dry run or a pull request shows.
/// <see cref="Sha"/> is empty when the commit only exists once published (an API commit).
/// </summary>
public sealed record CommitDraft(string BaseSha, string Sha, string Diff)
{
    /// <summary>What the draft is made of, for a publisher that sends the files rather than a built commit.</summary>
    public NewCommit? Commit { get; init; }
}

/// <summary>How a branch is moved: forward from the snapshot's tip only, or reset (our own pull request head).</summary>
public enum PublishKind
{
    /// <summary>Compare-and-swap: succeeds only while the branch is still at the draft's base.</summary>
    Advance,

    /// <summary>The branch is ours and is rebuilt: whatever it held is replaced (still refused as a lost race if another writer moved it mid-push).</summary>
    Replace,
}

/// <summary>What publishing did.</summary>
public abstract record PublishOutcome
{
    public sealed record Published(string Sha) : PublishOutcome
    {
        /// <summary>True when the host reports the commit as signed and verified (API commits on GitHub).</summary>
        public bool Verified { get; init; }
    }

    /// <summary>Another writer moved the branch first: re-read, re-plan, publish again.</summary>
    public sealed record LostRace(string Reason) : PublishOutcome;

    /// <summary>The server refused for a reason a retry will not fix (protection, a hook); the text is the server's.</summary>
    public sealed record Rejected(string Reason) : PublishOutcome;
}

/// <summary>The publisher port: turns planned file changes into a commit on a branch.</summary>
public interface IPublisher
{
    Task<CommitDraft> DraftAsync(IGitOpsSnapshot onTopOf, NewCommit commit, CancellationToken cancellationToken);

    Task<PublishOutcome> PublishAsync(IGitOpsSnapshot onTopOf, CommitDraft draft, string branch, PublishKind kind, CancellationToken cancellationToken);
}
