using GitOpsDeploy.Manifests.Files;

namespace GitOpsDeploy.Manifests.Render;

/// <summary>
/// The files a render needs, written from an <see cref="IManifestFiles"/> into a fresh temporary
/// folder with the repository's layout (the repository need not be checked out). Deleted on dispose.
/// </summary>
public sealed class MaterializedTree : IDisposable
{
    private MaterializedTree(string root)
    {
        Root = root;
        RepositoryRoot = Path.Combine(root, "repo");
        Directory.CreateDirectory(RepositoryRoot);
    }

    /// <summary>The temporary folder (also holds tool state outside the repository copy).</summary>
    public string Root { get; }

    /// <summary>Where the repository's files are written.</summary>
    public string RepositoryRoot { get; }

    /// <summary>How many files were written.</summary>
    public int FileCount { get; private set; }

    /// <summary>Writes <paramref name="paths"/> and every file below <paramref name="directories"/>; paths must be inside the repository.</summary>
    public static MaterializedTree Create(IManifestFiles files, IEnumerable<string> paths, IEnumerable<string>? directories = null)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(paths);
        var tree = new MaterializedTree(Directory.CreateTempSubdirectory("gitops-render-").FullName);
        try
        {
            var all = new SortedSet<string>(paths.Select(ManifestPath.Normalize), StringComparer.Ordinal);
            foreach (var directory in directories ?? [])
            {
                all.UnionWith(ManifestPath.ListFilesRecursively(files, ManifestPath.Normalize(directory)));
            }

            foreach (var path in all)
            {
                tree.Write(path, files.Read(path));
            }

            return tree;
        }
        catch
        {
            tree.Dispose();
            throw;
        }
    }

    /// <summary>The absolute path of a repository path inside the copy.</summary>
    public string FullPath(string path) => Path.Combine(RepositoryRoot, ManifestPath.Normalize(path).Replace('/', Path.DirectorySeparatorChar));

    /// <summary>Replaces the temporary folder's path in a tool's message with repository-relative paths.</summary>
    public string Relativize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Replace(RepositoryRoot + Path.DirectorySeparatorChar, string.Empty, StringComparison.Ordinal)
            .Replace(RepositoryRoot, ".", StringComparison.Ordinal)
            .Replace(Root, "<tmp>", StringComparison.Ordinal);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A tool still holding a file; the folder is in the temporary area anyway.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private void Write(string path, byte[] content)
    {
        if (path.Length == 0)
        {
            throw new ManifestException(path, "is not a file");
        }

        var full = FullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllBytes(full, content);
        FileCount++;
    }
}
