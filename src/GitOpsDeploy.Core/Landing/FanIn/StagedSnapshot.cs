using GitOpsDeploy.Core.Planning;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Editing;

namespace GitOpsDeploy.Core.Landing.FanIn;

/// <summary>
/// A snapshot with files staged on top of it in memory: a batch plans each intent on the branch as
/// the intents before it left it. History is the underlying snapshot's.
/// </summary>
internal sealed class StagedSnapshot(IGitOpsSnapshot inner) : IGitOpsSnapshot
{
    private readonly EditedTree tree = new(inner.Tree);

    public string Branch => inner.Branch;

    public string HeadSha => inner.HeadSha;

    public IRepositoryTree Tree => tree;

    /// <summary>Every staged change, in the order first staged (a later write of a path replaces the earlier one).</summary>
    public IReadOnlyList<FileChange> Changes => tree.Changes;

    public void Stage(IEnumerable<FileChange> files) => tree.Stage(files);

    public IReadOnlyList<HistoryEntry> History(int max) => inner.History(max);

    public IRepositoryTree? TreeAt(string sha) => inner.TreeAt(sha);

    public void Dispose()
    {
        // The underlying snapshot belongs to whoever read it.
    }
}
