namespace GitOpsDeploy.Editing;

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

/// <summary>A file to write; <see cref="Content"/> null deletes it.</summary>
public sealed record FileChange(string Path, byte[]? Content);
