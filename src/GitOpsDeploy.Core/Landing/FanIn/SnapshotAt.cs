using GitOpsDeploy.Core.Planning;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Editing;

namespace GitOpsDeploy.Core.Landing.FanIn;

/// <summary>
/// A snapshot as it was at one earlier commit of the branch (its tree, its history from there):
/// how a waiting run checks that the commit naming its intent really carries its change.
/// <see cref="Tree"/> is null when the commit is not one the snapshot can read.
/// </summary>
internal sealed class SnapshotAt(IGitOpsSnapshot head, string sha) : IGitOpsSnapshot
{
    private readonly IRepositoryTree? tree = sha == head.HeadSha ? head.Tree : head.TreeAt(sha);

    public string Branch => head.Branch;

    public string HeadSha => sha;

    public IRepositoryTree Tree => tree ?? throw new InvalidOperationException($"{sha} is not readable from this snapshot");

    public IReadOnlyList<HistoryEntry> History(int max) => head.History(max + Promotion.HistoryDepth).SkipWhile(h => h.Sha != sha).Take(max).ToList();

    public IRepositoryTree? TreeAt(string commit) => head.TreeAt(commit);

    public void Dispose()
    {
        // The underlying snapshot belongs to whoever read it.
    }
}
