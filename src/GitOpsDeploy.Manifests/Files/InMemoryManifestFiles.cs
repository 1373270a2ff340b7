using System.Text;

namespace GitOpsDeploy.Manifests.Files;

/// <summary>Files held in memory, keyed by repository path; folders are implied by the paths.</summary>
public sealed class InMemoryManifestFiles : IManifestFiles
{
    private readonly SortedDictionary<string, byte[]> files = new(StringComparer.Ordinal);

    public InMemoryManifestFiles()
    {
    }

    public InMemoryManifestFiles(IEnumerable<KeyValuePair<string, string>> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        foreach (var (path, text) in texts)
        {
            Add(path, text);
        }
    }

    /// <summary>Adds or replaces a file (UTF-8 text).</summary>
    public InMemoryManifestFiles Add(string path, string text) => Add(path, Encoding.UTF8.GetBytes(text));

    /// <summary>Adds or replaces a file.</summary>
    public InMemoryManifestFiles Add(string path, byte[] content)
    {
        var normal = ManifestPath.Normalize(path);
        if (normal.Length == 0)
        {
            throw new ArgumentException("a file needs a name", nameof(path));
        }

        files[normal] = content;
        return this;
    }

    public bool IsFile(string path) => files.ContainsKey(ManifestPath.Normalize(path));

    public bool IsDirectory(string path)
    {
        var normal = ManifestPath.Normalize(path);
        return normal.Length == 0 || files.Keys.Any(k => k.StartsWith(normal + "/", StringComparison.Ordinal));
    }

    public byte[] Read(string path) =>
        files.TryGetValue(ManifestPath.Normalize(path), out var content) ? content : throw new FileNotFoundException($"'{path}' is not a file in the repository");

    public IReadOnlyList<string> List(string directory)
    {
        var normal = ManifestPath.Normalize(directory);
        var prefix = normal.Length == 0 ? string.Empty : normal + "/";
        return files.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal))
            .Select(k => k[prefix.Length..].Split('/')[0])
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
    }
}
