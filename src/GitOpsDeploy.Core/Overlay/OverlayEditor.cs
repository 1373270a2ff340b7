using GitOpsDeploy.Core.Images;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Yaml;

namespace GitOpsDeploy.Core.Overlay;

/// <summary>The planned edit of one overlay: files to write and what changed in them.</summary>
/// <param name="KustomizationPath">Null for a folder without a kustomization (a Helm values folder): only <c>set</c> applies there.</param>
public sealed record OverlayEdit(
    string OverlayPath,
    string? KustomizationPath,
    IReadOnlyList<FileChange> Files,
    IReadOnlyList<ImageChange> Images,
    IReadOnlyList<ValueChange> Values)
{
    public bool Changed => Files.Count > 0;

    /// <summary>Set when the images were promoted from another environment.</summary>
    public Deploy.Promotion? Promotion { get; init; }

    /// <summary>Set when this edit rolls the environment back.</summary>
    public Deploy.Rollback? Rollback { get; init; }
}

/// <summary>Applies the requested images and value settings to an environment overlay.</summary>
public static class OverlayEditor
{
    public static readonly string[] KustomizationNames = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

    public static OverlayEdit Plan(IRepositoryTree tree, string overlayPath, IReadOnlyList<ImageSpec> images, IReadOnlyList<ValueSetting> settings)
    {
        var overlay = RepoPath.Resolve(tree, string.Empty, overlayPath, "overlay-path");
        if (tree.KindOf(overlay) != TreeEntryKind.Directory)
        {
            throw DeployException.Input("overlay-path", $"'{overlayPath}' is not a folder in the gitops repository");
        }

        // A Helm values folder has no kustomization: 'set' edits its files, 'images' needs a kustomization.
        var kustomization = images.Count > 0 || HasKustomization(tree, overlay) ? FindKustomization(tree, overlay, overlayPath) : null;
        var files = new List<FileChange>();
        IReadOnlyList<ImageChange> imageChanges = [];
        if (kustomization is not null && images.Count > 0)
        {
            var file = Load(tree, kustomization);
            (var text, imageChanges) = KustomizationImageEditor.Apply(file, images);
            AddIfChanged(files, file, text);
        }

        var valueChanges = new List<ValueChange>();
        foreach (var group in settings.GroupBy(s => SettingFile(tree, overlay, overlayPath, s.File)))
        {
            if (files.Any(f => f.Path == group.Key))
            {
                throw DeployException.Input("set", $"'{group.First().File}' is the kustomization; set images with the 'images' input");
            }

            var file = Load(tree, group.Key);
            var (text, changes) = YamlValueEditor.Apply(file, group.ToList());
            valueChanges.AddRange(changes);
            AddIfChanged(files, file, text);
        }

        return new OverlayEdit(overlay, kustomization, files, imageChanges, valueChanges);
    }

    /// <summary>The images an overlay sets now.</summary>
    public static IReadOnlyList<ImageEntry> ReadImages(IRepositoryTree tree, string overlayPath, string input)
    {
        var overlay = RepoPath.Resolve(tree, string.Empty, overlayPath, input);
        if (tree.KindOf(overlay) != TreeEntryKind.Directory)
        {
            throw DeployException.Input(input, $"'{overlayPath}' is not a folder in the gitops repository");
        }

        return KustomizationImageEditor.ReadImages(Load(tree, FindKustomization(tree, overlay, overlayPath)));
    }

    /// <summary>
    /// The file a <c>set</c> writes, resolved through symlinks. It must stay inside the target's overlay:
    /// a path into another environment would bypass that environment's hold and policy.
    /// </summary>
    private static string SettingFile(IRepositoryTree tree, string overlay, string overlayPath, string file)
    {
        var path = RepoPath.ResolveFile(tree, overlay, file, "set", _ => DeployException.Input("set", $"'{file}' does not exist in the overlay '{overlayPath}'"));
        if (!RepoPath.IsInside(overlay, path))
        {
            throw DeployException.Input("set", $"'{file}' resolves to '{path}', outside the overlay '{overlayPath}': set writes only files inside the target's overlay");
        }

        if (path == $"{overlay}/{Deploy.Rollback.HoldFile}")
        {
            throw DeployException.Input("set", $"'{file}' is the hold marker; lift a hold with release-hold: true");
        }

        return path;
    }

    private static bool HasKustomization(IRepositoryTree tree, string overlay) =>
        tree.List(overlay).Any(n => KustomizationNames.Contains(n, StringComparer.Ordinal));

    private static string FindKustomization(IRepositoryTree tree, string overlay, string overlayPath)
    {
        var names = tree.List(overlay);
        var found = KustomizationNames.Where(n => names.Contains(n, StringComparer.Ordinal)).ToList();
        return found.Count switch
        {
            1 => KustomizationFile(tree, overlay, overlayPath, found[0]),
            0 => throw DeployException.Input("images",
                $"'{overlayPath}' has no kustomization.yaml, kustomization.yml or Kustomization; images are set in a kustomization (in a Helm values folder, use set: values.yaml:image.tag=...)"),
            _ => throw DeployException.Input("overlay-path", $"'{overlayPath}' has several kustomization files ({string.Join(", ", found)}); kustomize refuses that too"),
        };
    }

    private static string KustomizationFile(IRepositoryTree tree, string overlay, string overlayPath, string name)
    {
        var path = RepoPath.ResolveFile(tree, overlay, name, "overlay-path", p => DeployException.Input("overlay-path", $"'{overlayPath}/{name}' cannot be read ({p})"));
        return RepoPath.IsInside(overlay, path)
            ? path
            : throw DeployException.Input("overlay-path", $"'{overlayPath}/{name}' is a symlink to '{path}', outside the overlay: the action writes only files inside the target's overlay");
    }

    private static YamlText Load(IRepositoryTree tree, string path) => YamlText.Load(path, tree.ReadFile(path));

    private static void AddIfChanged(List<FileChange> files, YamlText file, string text)
    {
        if (text != file.Text)
        {
            files.Add(new FileChange(file.Path, YamlText.ToBytes(text, file.HasBom)));
        }
    }
}
