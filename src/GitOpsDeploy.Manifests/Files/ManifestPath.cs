namespace GitOpsDeploy.Manifests.Files;

/// <summary>Lexical handling of repository paths: '/'-separated, relative to the root, never above it.</summary>
public static class ManifestPath
{
    /// <summary>
    /// Joins <paramref name="relative"/> onto the folder <paramref name="directory"/> and normalises
    /// <c>.</c> and <c>..</c>. Throws <see cref="ManifestException"/> when the result would climb above
    /// the repository root or <paramref name="relative"/> is absolute; <paramref name="referrer"/>
    /// (the file that names the path) is named in the message.
    /// </summary>
    public static string Join(string directory, string relative, string? referrer = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(relative);
        if (relative.StartsWith('/') || relative.StartsWith('\\') || (relative.Length > 1 && relative[1] == ':'))
        {
            throw new ManifestException(referrer, $"'{relative}' is an absolute path: only paths inside the repository are followed");
        }

        if (relative.Any(char.IsControl))
        {
            throw new ManifestException(referrer, "a path contains a control character");
        }

        var parts = new List<string>();
        foreach (var part in Split(directory).Concat(Split(relative)))
        {
            if (part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (parts.Count == 0)
                {
                    throw new ManifestException(referrer, $"'{relative}' (from '{(directory.Length == 0 ? "." : directory)}') points outside the repository: refused");
                }

                parts.RemoveAt(parts.Count - 1);
                continue;
            }

            parts.Add(part);
        }

        return string.Join('/', parts);
    }

    /// <summary>Normalises a path given relative to the root (<c>./a//b/</c> becomes <c>a/b</c>).</summary>
    public static string Normalize(string path) => Join(string.Empty, path);

    /// <summary>The folder holding <paramref name="path"/> (<c>""</c> for a top-level entry).</summary>
    public static string Directory(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash < 0 ? string.Empty : path[..slash];
    }

    /// <summary>The last component of <paramref name="path"/>.</summary>
    public static string FileName(string path) => path[(path.LastIndexOf('/') + 1)..];

    /// <summary>Joins two already-normal paths.</summary>
    public static string Combine(string directory, string name) => directory.Length == 0 ? name : $"{directory}/{name}";

    /// <summary>True when <paramref name="path"/> is <paramref name="directory"/> itself or lies below it.</summary>
    public static bool IsInside(string directory, string path) =>
        directory.Length == 0 || path == directory || path.StartsWith(directory + "/", StringComparison.Ordinal);

    /// <summary>Every file below <paramref name="directory"/> (recursively), as repository paths in ordinal order.</summary>
    public static IReadOnlyList<string> ListFilesRecursively(IManifestFiles files, string directory, int limit = 10_000)
    {
        ArgumentNullException.ThrowIfNull(files);
        var result = new List<string>();
        var pending = new Stack<string>();
        pending.Push(directory);
        while (pending.Count > 0)
        {
            var current = pending.Pop();
            foreach (var name in files.List(current).Reverse())
            {
                var path = Combine(current, name);
                if (files.IsDirectory(path))
                {
                    pending.Push(path);
                }
                else if (files.IsFile(path))
                {
                    result.Add(path);
                    if (result.Count > limit)
                    {
                        throw new ManifestException(directory, $"holds more than {limit} files: refused");
                    }
                }
            }
        }

        result.Sort(StringComparer.Ordinal);
        return result;
    }

    private static IEnumerable<string> Split(string path) => path.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries);
}
