namespace GitOpsDeploy.Manifests.Files;

/// <summary>
/// Another <see cref="IManifestFiles"/> with some files replaced, added, or removed (a null
/// content): the "after" side of an edit, so before and after differ only by the edited files.
/// </summary>
public sealed class EditedManifestFiles : IManifestFiles
{
    private readonly IManifestFiles inner;
    private readonly Dictionary<string, byte[]?> edits;

    public EditedManifestFiles(IManifestFiles inner, IReadOnlyDictionary<string, byte[]?> edits)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(edits);
        this.inner = inner;
        this.edits = edits.ToDictionary(e => ManifestPath.Normalize(e.Key), e => e.Value, StringComparer.Ordinal);
    }

    /// <summary>The edited paths (normalised).</summary>
    public IReadOnlyCollection<string> EditedPaths => edits.Keys;

    public bool IsFile(string path)
    {
        var normal = ManifestPath.Normalize(path);
        return edits.TryGetValue(normal, out var content) ? content is not null : inner.IsFile(normal);
    }

    public bool IsDirectory(string path)
    {
        var normal = ManifestPath.Normalize(path);
        if (edits.ContainsKey(normal))
        {
            return false;
        }

        return inner.IsDirectory(normal) || edits.Any(e => e.Value is not null && ManifestPath.IsInside(normal, e.Key) && e.Key != normal);
    }

    public byte[] Read(string path)
    {
        var normal = ManifestPath.Normalize(path);
        if (edits.TryGetValue(normal, out var content))
        {
            return content ?? throw new FileNotFoundException($"'{path}' was removed by the edit");
        }

        return inner.Read(normal);
    }

    public IReadOnlyList<string> List(string directory)
    {
        var normal = ManifestPath.Normalize(directory);
        var names = new SortedSet<string>(inner.List(normal), StringComparer.Ordinal);
        var prefix = normal.Length == 0 ? string.Empty : normal + "/";
        foreach (var (path, content) in edits)
        {
            if (!path.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }

            var name = path[prefix.Length..].Split('/')[0];
            if (content is not null)
            {
                names.Add(name);
            }
            else if (!path[prefix.Length..].Contains('/', StringComparison.Ordinal))
            {
                names.Remove(name);
            }
        }

        return names.ToList();
    }
}
