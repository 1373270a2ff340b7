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

/// <summary>The text of a repository file: strict UTF-8, so a file in another encoding is refused by name instead of read with replacement characters.</summary>
public static class RepositoryText
{
    private static readonly System.Text.UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Decodes <paramref name="bytes"/> from <paramref name="offset"/> on (past a BOM the caller keeps).</summary>
    public static string Decode(string path, byte[] bytes, int offset = 0)
    {
        try
        {
            return Strict.GetString(bytes, offset, bytes.Length - offset);
        }
        catch (System.Text.DecoderFallbackException)
        {
            throw DeployException.File(new SourceLocation(path, 0, 0), "file is not valid UTF-8");
        }
    }

    /// <summary>The file at <paramref name="path"/> as text.</summary>
    public static string ReadText(this IRepositoryTree tree, string path) => Decode(path, tree.ReadFile(path));
}
