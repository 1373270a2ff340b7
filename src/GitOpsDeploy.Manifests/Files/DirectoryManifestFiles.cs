namespace GitOpsDeploy.Manifests.Files;

/// <summary>
/// A folder on disk (a clone's work tree). Symlinks are followed only while they stay inside the
/// root: a path that resolves outside it is neither a file nor a folder.
/// </summary>
public sealed class DirectoryManifestFiles : IManifestFiles
{
    private readonly string root;

    public DirectoryManifestFiles(string root)
    {
        ArgumentNullException.ThrowIfNull(root);
        this.root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        if (!Directory.Exists(this.root))
        {
            throw new DirectoryNotFoundException($"'{root}' is not a folder");
        }

        this.root = Resolve(this.root) ?? this.root;
    }

    public bool IsFile(string path) => Inside(path) is { } full && File.Exists(full);

    public bool IsDirectory(string path) => Inside(path) is { } full && Directory.Exists(full);

    public byte[] Read(string path) =>
        Inside(path) is { } full && File.Exists(full) ? File.ReadAllBytes(full) : throw new FileNotFoundException($"'{path}' is not a file in the repository");

    public IReadOnlyList<string> List(string directory)
    {
        if (Inside(directory) is not { } full || !Directory.Exists(full))
        {
            return [];
        }

        var names = Directory.EnumerateFileSystemEntries(full).Select(Path.GetFileName).OfType<string>()
            .Where(n => n != ".git").ToList();
        names.Sort(StringComparer.Ordinal);
        return names;
    }

    /// <summary>The real path of <paramref name="path"/> when it stays inside the root, else null.</summary>
    private string? Inside(string path)
    {
        var normal = ManifestPath.Normalize(path);
        var full = normal.Length == 0 ? root : Path.Combine(root, normal);
        var real = Resolve(full);
        return real is not null && (real == root || real.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal)) ? real : null;
    }

    /// <summary>Resolves every symlink on the way (like realpath); a missing tail is kept lexically.</summary>
    private static string? Resolve(string full)
    {
        var parts = full.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        var current = Path.DirectorySeparatorChar.ToString();
        var hops = 0;
        var queue = new Queue<string>(parts);
        while (queue.Count > 0)
        {
            var part = queue.Dequeue();
            if (part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                current = Path.GetDirectoryName(current) ?? current;
                continue;
            }

            var next = Path.Combine(current, part);
            var info = new FileInfo(next);
            if (info.Exists || Directory.Exists(next))
            {
                FileSystemInfo entry = Directory.Exists(next) ? new DirectoryInfo(next) : info;
                if (entry.LinkTarget is { } target)
                {
                    if (++hops > 40)
                    {
                        return null;
                    }

                    var resolved = Path.IsPathRooted(target) ? target : Path.Combine(current, target);
                    var rest = queue.ToArray();
                    queue.Clear();
                    foreach (var p in resolved.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries).Concat(rest))
                    {
                        queue.Enqueue(p);
                    }

                    current = Path.DirectorySeparatorChar.ToString();
                    continue;
                }
            }

            current = next;
        }

        return current;
    }
}
