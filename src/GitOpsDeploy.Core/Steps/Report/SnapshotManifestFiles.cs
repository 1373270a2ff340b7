using GitOpsDeploy.Editing;
using GitOpsDeploy.Editing.Overlay;
using GitOpsDeploy.Manifests.Files;

namespace GitOpsDeploy.Core.Steps.Report;

/// <summary>
/// The manifests library's view of a snapshot's tree: paths resolve through symlinks that stay inside the
/// repository (as the editor resolves them); a link that leaves it, or a missing path, is no file. A read the
/// snapshot has not loaded throws its <see cref="Ports.SnapshotMissException"/> through, for the caller to load.
/// </summary>
internal sealed class SnapshotManifestFiles(IRepositoryTree tree) : IManifestFiles
{
    public bool IsFile(string path) => Resolve(path) is { } resolved && tree.KindOf(resolved) == TreeEntryKind.File;

    public bool IsDirectory(string path) => path.Length == 0 || (Resolve(path) is { } resolved && tree.KindOf(resolved) == TreeEntryKind.Directory);

    public byte[] Read(string path) =>
        Resolve(path) is { } resolved && tree.KindOf(resolved) == TreeEntryKind.File ? tree.ReadFile(resolved) : throw new FileNotFoundException($"'{path}' is not a file of the gitops repository", path);

    public IReadOnlyList<string> List(string directory) =>
        (directory.Length == 0 ? tree.List(string.Empty) : Resolve(directory) is { } resolved && tree.KindOf(resolved) == TreeEntryKind.Directory ? tree.List(resolved) : [])
            .Order(StringComparer.Ordinal).ToList();

    private string? Resolve(string path)
    {
        if (path.Length == 0)
        {
            return string.Empty;
        }

        try
        {
            return RepoPath.Resolve(tree, string.Empty, path, "overlay-path");
        }
        catch (DeployException)
        {
            return null;
        }
    }
}
