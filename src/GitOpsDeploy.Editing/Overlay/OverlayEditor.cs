using GitOpsDeploy.Editing.Images;
using GitOpsDeploy.Editing.Yaml;

namespace GitOpsDeploy.Editing.Overlay;

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

    /// <summary>What the edit did that deserves a look (a tag where an image reference belongs), shown as workflow warnings.</summary>
    public IReadOnlyList<EditWarning> Warnings { get; init; } = [];
}

/// <summary>Applies the requested images and value settings to an environment overlay.</summary>
public static class OverlayEditor
{
    public static readonly string[] KustomizationNames = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

    /// <summary>The marker file beside an overlay that holds automated deploys (written and lifted by the deploy layer, never by <c>set</c>).</summary>
    public const string HoldFile = ".gitops-deploy-hold";

    /// <param name="helmKeys">For a Helm values folder (no kustomization): where each image lives (<c>helm-image-keys</c>); empty: <c>values.yaml:image</c>.</param>
    /// <param name="createMissingKeys">create-missing-keys: <c>set</c> and Helm images add the missing parents of their key paths.</param>
    public static OverlayEdit Plan(
        IRepositoryTree tree, string overlayPath, IReadOnlyList<ImageSpec> images, IReadOnlyList<ValueSetting> settings, IReadOnlyDictionary<string, HelmImageKey>? helmKeys = null, bool createMissingKeys = true)
    {
        var overlay = ResolveOverlay(tree, overlayPath, "overlay-path");
        var kustomization = HasKustomization(tree, overlay) ? FindKustomization(tree, overlay, overlayPath) : null;
        var edits = new FileEdits(tree);
        IReadOnlyList<ImageChange> imageChanges = [];
        var warnings = new List<EditWarning>();
        if (images.Count > 0 && kustomization is not null)
        {
            var file = edits.Current(kustomization);
            (var text, imageChanges) = KustomizationImageEditor.Apply(file, images);
            edits.Record(file, text);
        }
        else if (images.Count > 0)
        {
            if (helmKeys is not { Count: > 0 } && tree.KindOf($"{overlay}/{HelmImageKey.DefaultFile}") == TreeEntryKind.Missing)
            {
                throw DeployException.Input("overlay-path", $"'{overlayPath}' has neither a kustomization (kustomization.yaml, kustomization.yml, Kustomization) nor a Helm {HelmImageKey.DefaultFile} to set images in");
            }

            // A Helm values folder: each image is written where the chart keeps it.
            var located = images.Select(i => (Spec: i, Key: KeyOf(helmKeys, i.Name, images.Count))).ToList();
            var changes = new List<ImageChange>();
            foreach (var group in located.GroupBy(l => ValuesFile(tree, overlay, overlayPath, l.Key.File, "helm-image-keys")))
            {
                var file = edits.Current(group.Key);
                ArgoCdFiles.RefuseOutsideHelm(file, group.Select(g => g.Key.Path), "helm-image-keys");
                var (text, fileChanges, fileWarnings) = HelmImageEditor.Apply(file, group.ToList(), createMissingKeys);
                changes.AddRange(fileChanges);
                warnings.AddRange(fileWarnings);
                edits.Record(file, text);
            }

            imageChanges = changes;
        }

        var valueChanges = new List<ValueChange>();
        foreach (var group in settings.GroupBy(s => ValuesFile(tree, overlay, overlayPath, s.File, "set")))
        {
            if (group.Key == kustomization && images.Count > 0)
            {
                throw DeployException.Input("set", $"'{group.First().File}' is the kustomization; set images with the 'images' input");
            }

            var file = edits.Current(group.Key);
            ArgoCdFiles.RefuseOutsideHelm(file, group.Select(g => g.Path), "set");
            var (text, changes) = YamlValueEditor.Apply(file, group.ToList(), createMissingKeys);
            valueChanges.AddRange(changes);
            edits.Record(file, text);
        }

        return new OverlayEdit(overlay, kustomization, edits.Changes(), imageChanges, valueChanges) { Warnings = warnings };
    }

    /// <summary>The images an overlay sets now: its kustomization's, or for a Helm values folder those of <paramref name="names"/> (or of every mapped name).</summary>
    public static IReadOnlyList<ImageEntry> ReadImages(IRepositoryTree tree, string overlayPath, string input, IReadOnlyDictionary<string, HelmImageKey>? helmKeys = null, IReadOnlyList<string>? names = null)
    {
        var overlay = ResolveOverlay(tree, overlayPath, input);
        if (HasKustomization(tree, overlay))
        {
            return KustomizationImageEditor.ReadImages(Load(tree, FindKustomization(tree, overlay, overlayPath)));
        }

        var wanted = names is { Count: > 0 } ? names : helmKeys?.Keys.ToList() ?? [];
        if (wanted.Count == 0)
        {
            throw DeployException.Input("images", $"'{overlayPath}' is a Helm values folder: name the images (images: web) or map them with helm-image-keys");
        }

        return wanted
            .Select(name => (Name: name, Key: KeyOf(helmKeys, name, wanted.Count)))
            .Select(x => HelmImageEditor.Read(Load(tree, ValuesFile(tree, overlay, overlayPath, x.Key.File, "helm-image-keys")), x.Key, x.Name))
            .OfType<ImageEntry>()
            .ToList();
    }

    private static string ResolveOverlay(IRepositoryTree tree, string overlayPath, string input)
    {
        var overlay = RepoPath.Resolve(tree, string.Empty, overlayPath, input);
        if (overlay.Length == 0)
        {
            throw DeployException.Input(input, $"'{overlayPath}' is the root of the gitops repository: the action writes only inside an environment's own folder (e.g. environments/staging)");
        }

        if (overlay == ".github" || overlay.StartsWith(".github/", StringComparison.Ordinal))
        {
            throw DeployException.Input(input, $"'{overlayPath}' is under .github/ (the gitops repository's own workflows and settings): the action never writes there");
        }

        return tree.KindOf(overlay) == TreeEntryKind.Directory
            ? overlay
            : throw DeployException.Input(input, $"'{overlayPath}' is not a folder in the gitops repository; {Nearby(tree, overlay, overlay[(overlay.LastIndexOf('/') + 1)..])}");
    }

    /// <summary>
    /// What exists beside a missing folder: the folders of its parent and the closest to what was
    /// <paramref name="typed"/>, or that the parent is missing too.
    /// </summary>
    public static string Nearby(IRepositoryTree tree, string path, string typed)
    {
        var slash = path.LastIndexOf('/');
        var parent = slash < 0 ? string.Empty : path[..slash];
        if (parent.Length > 0 && tree.KindOf(parent) != TreeEntryKind.Directory)
        {
            return $"'{parent}/' does not exist either";
        }

        var folders = tree.List(parent)
            .Where(n => !n.StartsWith('.') && tree.KindOf(parent.Length == 0 ? n : $"{parent}/{n}") == TreeEntryKind.Directory)
            .Order(StringComparer.Ordinal)
            .ToList();
        var where = parent.Length == 0 ? "the repository's root" : $"'{parent}/'";
        if (folders.Count == 0)
        {
            return $"{where} has no folders";
        }

        var hint = Suggestions.DidYouMean(typed, folders) is { } did ? $" ({did})" : string.Empty;
        return $"the folders in {where} are {string.Join(", ", folders.Take(20))}{(folders.Count > 20 ? ", ..." : string.Empty)}{hint}";
    }

    /// <summary>Where a Helm target keeps an image; without a mapping, one image lives at values.yaml:image.</summary>
    private static HelmImageKey KeyOf(IReadOnlyDictionary<string, HelmImageKey>? helmKeys, string name, int count)
    {
        if (helmKeys is { Count: > 0 })
        {
            return helmKeys.TryGetValue(name, out var key)
                ? key
                : throw DeployException.Input("helm-image-keys", $"image '{name}' is not mapped (it maps {string.Join(", ", helmKeys.Keys)})");
        }

        return count == 1
            ? HelmImageKey.Default
            : throw DeployException.Input("helm-image-keys", "several images in a Helm values folder need a mapping, e.g. web=frontend.image, worker=worker.image");
    }

    /// <summary>
    /// The file a <c>set</c> (or a Helm image) writes, resolved through symlinks. It must stay inside the target's overlay:
    /// a path into another environment would bypass that environment's hold and policy.
    /// </summary>
    private static string ValuesFile(IRepositoryTree tree, string overlay, string overlayPath, string file, string input)
    {
        var path = RepoPath.ResolveFile(tree, overlay, file, input, _ => DeployException.Input(input, $"'{file}' does not exist in the overlay '{overlayPath}'"));
        if (!RepoPath.IsInside(overlay, path))
        {
            throw DeployException.Input(input, $"'{file}' resolves to '{path}', outside the overlay '{overlayPath}': the action writes only files inside the target's overlay");
        }

        if (path == $"{overlay}/{HoldFile}")
        {
            throw DeployException.Input(input, $"'{file}' is the hold marker; lift a hold with release-hold: true");
        }

        return path;
    }

    private static bool HasKustomization(IRepositoryTree tree, string overlay) =>
        tree.List(overlay).Any(n => KustomizationNames.Contains(n, StringComparer.Ordinal));

    private static string FindKustomization(IRepositoryTree tree, string overlay, string overlayPath)
    {
        var names = tree.List(overlay);
        var found = KustomizationNames.Where(n => names.Contains(n, StringComparer.Ordinal)).ToList();
        return found.Count == 1
            ? KustomizationFile(tree, overlay, overlayPath, found[0])
            : throw DeployException.Input("overlay-path", $"'{overlayPath}' has several kustomization files ({string.Join(", ", found)}); kustomize refuses that too");
    }

    private static string KustomizationFile(IRepositoryTree tree, string overlay, string overlayPath, string name)
    {
        var path = RepoPath.ResolveFile(tree, overlay, name, "overlay-path", p => DeployException.Input("overlay-path", $"'{overlayPath}/{name}' cannot be read ({p})"));
        return RepoPath.IsInside(overlay, path)
            ? path
            : throw DeployException.Input("overlay-path", $"'{overlayPath}/{name}' is a symlink to '{path}', outside the overlay: the action writes only files inside the target's overlay");
    }

    private static YamlText Load(IRepositoryTree tree, string path) => YamlText.Load(path, tree.ReadFile(path));

    /// <summary>
    /// The files being edited: a later edit of the same file (set after a Helm image) starts from the
    /// earlier edit's text, and only files whose text changed are written, with their own BOM.
    /// </summary>
    private sealed class FileEdits(IRepositoryTree tree)
    {
        private readonly Dictionary<string, (YamlText Original, string Text)> edited = new(StringComparer.Ordinal);

        public YamlText Current(string path) =>
            edited.TryGetValue(path, out var e) ? YamlText.Parse(path, e.Text, e.Original.HasBom) : Load(tree, path);

        public void Record(YamlText current, string text) =>
            edited[current.Path] = (edited.TryGetValue(current.Path, out var e) ? e.Original : current, text);

        public IReadOnlyList<FileChange> Changes() =>
            edited.Values.Where(e => e.Text != e.Original.Text).Select(e => new FileChange(e.Original.Path, YamlText.ToBytes(e.Text, e.Original.HasBom))).ToList();
    }
}
