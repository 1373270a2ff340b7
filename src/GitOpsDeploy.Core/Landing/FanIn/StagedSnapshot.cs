using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Editing;

namespace GitOpsDeploy.Core.Landing.FanIn;

/// <summary>
/// A snapshot with files staged on top of it in memory: a batch plans each intent on the branch as
/// the intents before it left it. History is the underlying snapshot's.
/// </summary>
internal sealed class StagedSnapshot(IGitOpsSnapshot inner) : IGitOpsSnapshot
{
    private readonly StagedTree tree = new(inner.Tree);

    public string Branch => inner.Branch;

    public string HeadSha => inner.HeadSha;

    public IRepositoryTree Tree => tree;

    /// <summary>Every staged change, in the order first staged (a later write of a path replaces the earlier one).</summary>
    public IReadOnlyList<FileChange> Changes => tree.Changes.Select(c => new FileChange(c.Key, c.Value)).ToList();

    public void Stage(IEnumerable<FileChange> files)
    {
        foreach (var file in files)
        {
            tree.Changes[file.Path] = file.Content;
        }
    }

    public IReadOnlyList<HistoryEntry> History(int max) => inner.History(max);

    public IRepositoryTree? TreeAt(string sha) => inner.TreeAt(sha);

    public void Dispose()
    {
        // The underlying snapshot belongs to whoever read it.
    }

    private sealed class StagedTree(IRepositoryTree inner) : IRepositoryTree
    {
        public Dictionary<string, byte[]?> Changes { get; } = new(StringComparer.Ordinal);

        public TreeEntryKind KindOf(string path) =>
            Changes.TryGetValue(path, out var content) ? content is null ? TreeEntryKind.Missing : TreeEntryKind.File : inner.KindOf(path);

        public string ReadSymlink(string path) => inner.ReadSymlink(path);

        public byte[] ReadFile(string path) =>
            Changes.TryGetValue(path, out var content) ? content ?? throw new FileNotFoundException(path) : inner.ReadFile(path);

        public IReadOnlyList<string> List(string directory)
        {
            var prefix = directory.Length == 0 ? string.Empty : directory.TrimEnd('/') + "/";
            var names = inner.List(directory).ToList();
            foreach (var (path, content) in Changes)
            {
                if (path.StartsWith(prefix, StringComparison.Ordinal) && path[prefix.Length..] is var rest && !rest.Contains('/', StringComparison.Ordinal))
                {
                    if (content is null)
                    {
                        names.Remove(rest);
                    }
                    else if (!names.Contains(rest, StringComparer.Ordinal))
                    {
                        names.Add(rest);
                    }
                }
            }

            return names;
        }
    }
}
