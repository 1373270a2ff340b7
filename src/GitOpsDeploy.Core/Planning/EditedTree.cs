using GitOpsDeploy.Editing;

namespace GitOpsDeploy.Core.Planning;

/// <summary>
/// A tree with files written on top of it in memory (a null content removes one): the tree after a planned change
/// (what a plan binds), or a fan-in batch's branch as the intents before one left it. A later write of a path replaces
/// the earlier one; listings are sorted.
/// </summary>
internal sealed class EditedTree(IRepositoryTree inner) : IRepositoryTree
{
    private readonly Dictionary<string, byte[]?> edited = new(StringComparer.Ordinal);

    public EditedTree(IRepositoryTree inner, IEnumerable<FileChange> changes)
        : this(inner) => Stage(changes);

    /// <summary>Every written path, in the order first written, with its last content.</summary>
    public IReadOnlyList<FileChange> Changes => [.. edited.Select(e => new FileChange(e.Key, e.Value))];

    public void Stage(IEnumerable<FileChange> files)
    {
        foreach (var file in files)
        {
            edited[file.Path] = file.Content;
        }
    }

    public TreeEntryKind KindOf(string path) =>
        edited.TryGetValue(path, out var content) ? content is null ? TreeEntryKind.Missing : TreeEntryKind.File : inner.KindOf(path);

    public string ReadSymlink(string path) => inner.ReadSymlink(path);

    public byte[] ReadFile(string path) =>
        edited.TryGetValue(path, out var content) ? content ?? throw new FileNotFoundException($"{path} is removed by the change") : inner.ReadFile(path);

    public IReadOnlyList<string> List(string directory)
    {
        var prefix = directory.Length == 0 ? string.Empty : directory.TrimEnd('/') + "/";
        var names = new SortedSet<string>(inner.KindOf(directory) == TreeEntryKind.Directory || directory.Length == 0 ? inner.List(directory) : [], StringComparer.Ordinal);
        foreach (var (path, content) in edited.Where(e => e.Key.StartsWith(prefix, StringComparison.Ordinal) && !e.Key[prefix.Length..].Contains('/', StringComparison.Ordinal)))
        {
            if (content is null)
            {
                names.Remove(path[prefix.Length..]);
            }
            else
            {
                names.Add(path[prefix.Length..]);
            }
        }

        return [.. names];
    }
}
