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

public sealed record FileChange(string Path, byte[] Content);

public enum PushOutcome
{
    Pushed,
    /// <summary>The branch moved on the server since the clone: re-clone, re-apply, push again.</summary>
    RejectedNonFastForward,
}

/// <summary>Opens fresh clones of the gitops repository. Each clone is independent and deleted on dispose.</summary>
public interface IGitOpsWorkspace
{
    /// <summary>Clones <paramref name="branch"/> (null: the remote's default branch), as shallow as the transport allows.</summary>
    Task<IGitOpsCheckout> CheckoutAsync(string? branch, CancellationToken cancellationToken);
}

/// <summary>One clone of the gitops repository at the tip of a branch.</summary>
public interface IGitOpsCheckout : IDisposable
{
    string Branch { get; }

    string HeadSha { get; }

    IRepositoryTree Tree { get; }

    /// <summary>Commits the changed files on top of <see cref="HeadSha"/>; returns the new commit's sha.</summary>
    string Commit(IReadOnlyList<FileChange> changes, CommitAuthor author, string message, DateTimeOffset when);

    /// <summary>A unified diff between two commits of this clone.</summary>
    string Diff(string fromSha, string toSha);

    /// <summary>Pushes <paramref name="sha"/> to <paramref name="branch"/> on the remote.</summary>
    Task<PushOutcome> PushAsync(string sha, string branch, bool force, CancellationToken cancellationToken);
}
