namespace GitOpsDeploy.Manifests.Files;

/// <summary>
/// Read-only access to a repository's files over '/'-separated paths relative to its root (the
/// root itself is <c>""</c>). The caller adapts whatever it has (a clone, a forge's API) and
/// decides what a symlink means; paths handed in are already normalised by <see cref="ManifestPath"/>
/// and never climb above the root.
/// </summary>
public interface IManifestFiles
{
    bool IsFile(string path);

    bool IsDirectory(string path);

    /// <summary>The file's bytes; throws <see cref="FileNotFoundException"/> (or any IO exception) when it cannot be read.</summary>
    byte[] Read(string path);

    /// <summary>The names (not paths) of a folder's direct entries, files and folders, in ordinal order.</summary>
    IReadOnlyList<string> List(string directory);
}
