using GitOpsDeploy.Editing;

namespace GitOpsDeploy.Core.Ports;

public sealed record CommitAuthor(string Name, string Email)
{
    /// <summary>Chosen by the author-name/author-email inputs rather than the default bot (an API commit, authored by the token's identity, credits it as co-author).</summary>
    public bool Chosen { get; init; }
}

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

    /// <summary>
    /// Loads what a read found missing. The reads above never wait on the network: a read of something the
    /// snapshot does not hold yet throws <see cref="SnapshotMissException"/> naming it, and the caller loads it
    /// here (asynchronously, cancellably) and reads again.
    /// </summary>
    Task LoadAsync(SnapshotNeed need, CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Something a snapshot must load before it can answer a read.</summary>
public abstract record SnapshotNeed
{
    private SnapshotNeed()
    {
    }

    /// <summary>At least this many commits of first-parent history.</summary>
    public sealed record History(int Depth) : SnapshotNeed;

    /// <summary>A directory's entries (with the texts of its files) at a commit.</summary>
    public sealed record Directory(string Commit, string Path) : SnapshotNeed;

    /// <summary>A file's bytes at a commit, when what was read with its directory is cut short or not text.</summary>
    public sealed record Blob(string Commit, string Path) : SnapshotNeed;
}

/// <summary>Thrown by a snapshot's synchronous read of something it has not loaded: the caller loads <see cref="Need"/> and reads again.</summary>
public sealed class SnapshotMissException(SnapshotNeed need) : Exception($"the snapshot has not loaded {need}")
{
    public SnapshotNeed Need { get; } = need;
}

/// <summary>Reads through a snapshot, loading whatever it finds missing, as often as it takes.</summary>
public static class SnapshotReads
{
    /// <summary>A bound on loads for one read: a transport that keeps missing the same thing is a bug, not slowness.</summary>
    private const int MaxLoads = 10_000;

    public static async Task<T> ReadingAsync<T>(this IGitOpsSnapshot snapshot, Func<T> read, CancellationToken cancellationToken)
    {
        SnapshotNeed? previous = null;
        for (var loads = 0; ; loads++)
        {
            try
            {
                return read();
            }
            catch (SnapshotMissException miss) when (loads < MaxLoads)
            {
                if (miss.Need == previous)
                {
                    throw new InvalidOperationException($"the snapshot still misses {miss.Need} after loading it", miss);
                }

                previous = miss.Need;
                await snapshot.LoadAsync(miss.Need, cancellationToken);
            }
        }
    }
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

    /// <summary>
    /// Set when the draft cannot be published as it is (the transport changed under it, e.g. to keep an
    /// executable bit): publishing it answers a lost race, and the change is read and planned again.
    /// </summary>
    public string? Redo { get; init; }
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

/// <summary>How a transport retries a write that lost a race: attempts, and the fully jittered exponential backoff between them.</summary>
public sealed record RetryPolicy(int Attempts, TimeSpan Delay, TimeSpan MaxDelay)
{
    /// <summary>An API attempt is two requests: retried at once on a short backoff (measured in docs/benchmarks.md).</summary>
    public static RetryPolicy Api { get; } = new(15, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(2));

    /// <summary>A git attempt is a clone or fetch and a push: spread out further (30 attempts land 50 racing pipelines).</summary>
    public static RetryPolicy Git { get; } = new(30, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(5));
}

/// <summary>
/// The gitops repository through one transport, chosen once for the run: read snapshots, draft and publish
/// commits, the fan-in board where the transport has one, and how its writes retry.
/// </summary>
public interface IGitOpsRepository : IGitOpsSnapshots, IPublisher
{
    /// <summary>Where contended runs publish intents (fan-in); null when the transport has none.</summary>
    IIntentBoard? Board { get; }

    RetryPolicy Retries { get; }

    /// <summary>Why this transport cannot write <paramref name="files"/> on top of <paramref name="snapshot"/> faithfully (an API commit drops the executable bit); null when it can.</summary>
    string? Unwritable(IGitOpsSnapshot snapshot, IReadOnlyList<FileChange> files) => null;
}
