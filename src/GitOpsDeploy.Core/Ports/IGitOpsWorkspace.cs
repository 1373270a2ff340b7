namespace GitOpsDeploy.Core.Ports;

public enum TreeEntryKind
{
    Missing,
    File,
    Directory,
    Symlink,
}

/// <summary>Read access to the committed tree of the gitops branch, path by path (no working-tree checkout needed).</summary>
public interface IRepositoryTree
{
    /// <summary>What is at a '/'-separated path relative to the root, without following a final symlink.</summary>
    TreeEntryKind KindOf(string path);

    string ReadSymlink(string path);

    byte[] ReadFile(string path);

    /// <summary>Names of the entries of a directory.</summary>
    IReadOnlyList<string> List(string directory);
}

public sealed record CommitAuthor(string Name, string Email);

/// <summary>A file to write; <see cref="Content"/> null deletes it.</summary>
public sealed record FileChange(string Path, byte[]? Content);

/// <summary>A commit on the first-parent history of the branch.</summary>
public sealed record HistoryEntry(string Sha, string Message, DateTimeOffset When);

public enum PushOutcome
{
    Pushed,
    /// <summary>The branch moved on the server since the clone: re-clone, re-apply, push again.</summary>
    RejectedNonFastForward,
}

/// <summary>Opens fresh clones of the gitops repository. Each clone is independent and deleted on dispose.</summary>
public interface IGitOpsWorkspace
{
    /// <summary>Clones <paramref name="branch"/> (null: the remote's default branch) with <paramref name="depth"/> commits of history (0: all).</summary>
    Task<IGitOpsCheckout> CheckoutAsync(string? branch, int depth, CancellationToken cancellationToken);
}

/// <summary>One clone of the gitops repository at the tip of a branch.</summary>
public interface IGitOpsCheckout : IDisposable
{
    string Branch { get; }

    string HeadSha { get; }

    IRepositoryTree Tree { get; }

    /// <summary>First-parent history from the tip, newest first, as far as this clone holds it (at most <paramref name="max"/>).</summary>
    IReadOnlyList<HistoryEntry> History(int max);

    /// <summary>True when <see cref="History"/> stops at a shallow boundary rather than at the first commit.</summary>
    bool IsShallow { get; }

    /// <summary>The tree of an older commit of this clone, or null when the clone does not hold it.</summary>
    IRepositoryTree? TreeAt(string sha);

    /// <summary>Commits the changed files on top of <see cref="HeadSha"/>; returns the new commit's sha.</summary>
    string Commit(IReadOnlyList<FileChange> changes, CommitAuthor author, string message, DateTimeOffset when);

    /// <summary>A unified diff between two commits of this clone.</summary>
    string Diff(string fromSha, string toSha);

    /// <summary>Pushes <paramref name="sha"/> to <paramref name="branch"/> on the remote.</summary>
    Task<PushOutcome> PushAsync(string sha, string branch, bool force, CancellationToken cancellationToken);
}
