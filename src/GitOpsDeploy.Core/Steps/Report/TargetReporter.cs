using System.Collections.Concurrent;
using GitOpsDeploy.Changelog;
using GitOpsDeploy.Core.Pipeline;
using GitOpsDeploy.Core.Planning;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Core.Steps.ArgoCd;
using GitOpsDeploy.Editing;
using GitOpsDeploy.Editing.Images;
using GitOpsDeploy.Editing.Overlay;
using GitOpsDeploy.Editing.Yaml;
using GitOpsDeploy.Manifests;
using GitOpsDeploy.Manifests.Diff;
using GitOpsDeploy.Manifests.Files;
using GitOpsDeploy.Manifests.Images;
using GitOpsDeploy.Manifests.Kustomize;
using GitOpsDeploy.Manifests.Render;
using Microsoft.Extensions.Logging;

namespace GitOpsDeploy.Core.Steps.Report;

/// <summary>What one run's reports keep between attempts: comparisons and renders of the same inputs are not asked twice.</summary>
internal sealed class ReportCache
{
    public ConcurrentDictionary<(string Repository, string? Base, string Head), SourceComparison> Comparisons { get; } = new();

    public ConcurrentDictionary<string, RenderPair> Renders { get; } = new(StringComparer.Ordinal);

    /// <summary>Argo CD's application list, read once per run.</summary>
    public Task<IReadOnlyList<ArgoAppSources>>? ArgoApplications { get; set; }

    /// <summary>Argo CD's renders by application and revision.</summary>
    public ConcurrentDictionary<(string Application, string Revision), Task<ArgoManifests>> ArgoRenders { get; } = new();
}

/// <summary>
/// Builds one target's <see cref="TargetReport"/>: the affected workloads (statically for a kustomize overlay,
/// from a render for a Helm values folder), the changelog of each source range through the source-history port,
/// the rendered-manifest diff with the real tools, and the plan binding. Refuses (by throwing) an image edit that
/// changes no container, and, with require-render, a target that does not render.
/// </summary>
internal sealed class TargetReporter(RunContext run, IGitOpsSnapshot snapshot, DeployRequest request, ReportCache cache, RenderTools tools)
{
    /// <summary>Folders searched for the Argo CD Applications that render a Helm values folder (besides the folder itself).</summary>
    public static readonly string[] ApplicationFolders = ["argocd", "apps", "applications"];

    /// <summary>How long one render may take before it is abandoned (and shown as not built).</summary>
    public static readonly TimeSpan RenderTimeout = TimeSpan.FromSeconds(60);

    public async Task<TargetReport> BuildAsync(TargetEdit edit, CancellationToken cancellationToken)
    {
        var (target, overlay) = (edit.Target, edit.Edit);
        var view = await snapshot.ReadingAsync(() => Read(overlay), cancellationToken);
        var notes = new List<string>(view.Notes);
        var render = overlay.Changed ? await RenderAsync(target, overlay, view, cancellationToken) : null;
        var images = overlay.KustomizationPath is null ? HelmImpacts(overlay, render) : view.Impacts;
        var sources = await ChangelogAsync(edit, notes, cancellationToken);
        var binding = await snapshot.ReadingAsync(() => Bind(edit, view), cancellationToken);
        var report = new TargetReport(target.Environment, overlay.OverlayPath) { Images = images, Sources = sources, Render = render, Notes = notes, Binding = binding, Links = run.Action.GitHub?.Links };
        Refuse(edit, report);
        return report;
    }

    /// <summary>What the tree says before anything runs: the static analysis, the files a render needs (copied), the Helm sources.</summary>
    private StaticView Read(OverlayEdit overlay)
    {
        var files = new SnapshotManifestFiles(snapshot.Tree);
        var notes = new List<string>();
        var copy = new InMemoryManifestFiles();
        var copied = new SortedSet<string>(StringComparer.Ordinal);
        if (overlay.KustomizationPath is not null)
        {
            var analyzer = new KustomizeAnalyzer(files);
            KustomizeAnalysis analysis;
            try
            {
                analysis = analyzer.Analyze(overlay.OverlayPath);
            }
            catch (ManifestException e)
            {
                notes.Add($"the overlay could not be built statically ({e.Message}): its workloads are not known");
                CopyFolder(files, copy, copied, overlay.OverlayPath);
                return new StaticView(copy, [], [.. copied], [.. overlay.Images.Select(i => Unknown(i, "the overlay could not be built statically"))], notes);
            }

            foreach (var path in analysis.Files)
            {
                Copy(files, copy, copied, path);
            }

            foreach (var directory in analysis.Directories)
            {
                CopyFolder(files, copy, copied, directory);
            }

            notes.AddRange(analysis.Notes.Where(n => n.Kind != NoteKind.Warning).Select(n => n.ToString()));
            var impacts = overlay.Images.Select(i => Impact(analyzer, overlay.OverlayPath, i)).ToList();
            return new StaticView(copy, [], [.. copied], impacts, notes);
        }

        // A Helm values folder: rendered by the Application that points its value files here, or by the folder's own chart.
        var search = HelmSources.ForValuesFolder(files, overlay.OverlayPath, ApplicationFolders.Where(files.IsDirectory));
        CopyFolder(files, copy, copied, overlay.OverlayPath);
        foreach (var source in search.Sources)
        {
            CopyFolder(files, copy, copied, source.ChartPath);
            foreach (var value in source.ValueFiles)
            {
                Copy(files, copy, copied, value);
            }

            if (source.Origin is { } origin)
            {
                Copy(files, copy, copied, origin);
            }
        }

        notes.AddRange(search.Notes);
        return new StaticView(copy, search.Sources, [.. copied], [], notes);
    }

    /// <summary>One kustomize image edit's containers, predicted statically from the overlay and its local bases.</summary>
    private static ImageImpact Impact(KustomizeAnalyzer analyzer, string overlay, ImageChange change)
    {
        var impact = analyzer.PredictImageEdit(overlay, change.After.Name, Kustomize(change.Before), Kustomize(change.After));
        var blind = impact.Notes.Where(n => n.Kind is NoteKind.NotFollowed or NoteKind.NotModelled).Select(n => n.ToString()).ToList();
        if (impact.AvailableNames.Count == 0)
        {
            blind.Add("no container image of a known workload kind reaches the overlay (the static analysis does not see other kinds)");
        }

        return new ImageImpact(change.After.Name, change.Before?.ToString(), change.After.ToString())
        {
            Containers = impact.Changes,
            Certainty = blind.Count == 0 ? ImpactCertainty.Known : ImpactCertainty.Unknown,
            Unused = impact.Matched ? null : impact.Summary(),
            Notes = blind,
        };
    }

    /// <summary>A Helm folder's image edits, read from the rendered workloads (unknown without a render).</summary>
    private static IReadOnlyList<ImageImpact> HelmImpacts(OverlayEdit overlay, RenderedChange? render)
    {
        if (render is not { State: RenderState.Built, Diff: { } diff })
        {
            var why = render?.State == RenderState.DoesNotBuild ? "the change does not render" : render?.Message ?? "nothing was rendered";
            return [.. overlay.Images.Select(i => Unknown(i, why))];
        }

        var changes = diff.WorkloadImageChanges();
        return [.. overlay.Images.Select(image =>
        {
            var reference = CommitMessage.Reference(image.After);
            var containers = changes.Where(c => c.After is { } after && SameImage(after, reference)).ToList();
            var running = render.Images;
            return new ImageImpact(image.After.Name, image.Before?.ToString(), image.After.ToString())
            {
                Containers = containers,
                Certainty = ImpactCertainty.Known,
                Unused = containers.Count > 0 ? null
                    : $"image '{image.After.Name}' ({reference}) changes no container in the rendered chart ({render.Tool})" + (running.Count == 0 ? string.Empty : $"; the chart's workloads run {string.Join(", ", running.Select(r => $"'{r}'"))}"),
            };
        })];
    }

    /// <summary>
    /// Renders the target before and after the change. Argo CD renders first where it can: the before side is the
    /// base commit the plan is made on, which exists in the gitops repository, so the target's Argo CD application
    /// renders it as Argo CD applies it. The after commit does not exist while the report is made (a plan comes
    /// before its commit in every mode, and a plan run writes nothing), so the after side is always rendered by the
    /// local renderer (kubectl kustomize, kustomize or helm template on PATH). With both, the two sides are put in
    /// one text form (<see cref="CanonicalResources"/>) and the local render of the base commit tells whether the local
    /// renderer renders as Argo CD does. Without Argo CD (not configured, no application that renders exactly this
    /// folder from the gitops repository, or a failure) both sides are local, and the report says why.
    /// </summary>
    private async Task<RenderedChange> RenderAsync(DeployTarget target, OverlayEdit overlay, StaticView view, CancellationToken cancellationToken)
    {
        var local = await RenderLocallyAsync(overlay, view, cancellationToken);
        var folder = overlay.KustomizationPath is not null ? overlay.OverlayPath : view.HelmSources.Count > 0 ? view.HelmSources[0].ChartPath : null;
        var (argo, why) = folder is null ? (null, null) : await RenderWithArgoCdAsync(target, folder, cancellationToken);
        if (argo is null)
        {
            return why is null ? local.Change : local.Change with { Message = Join(local.Change.Message, $"Argo CD did not render it ({why}): both sides are rendered locally") };
        }

        var before = $"Argo CD {argo.Application} at {Short(argo.Revision)}";
        if (local.Pair is not { } pair)
        {
            return local.Change with { Tool = $"{before} → (no local renderer)", Message = $"Argo CD rendered the running commit, but the commit after the change does not exist yet and only a local renderer can render it: {local.Change.Message}" };
        }

        if (!pair.After.Succeeded)
        {
            return local.Change;
        }

        var argoBefore = CanonicalResources.Normalize(CanonicalResources.FromJsonManifests(argo.Manifests), argo.Application);
        var after = CanonicalResources.Normalize(RenderedResource.Split(pair.After.Output), argo.Application);
        var said = $"before: Argo CD's render of application {argo.Application} at {Short(argo.Revision)} (the commit the plan is made on); after: {pair.After.Command} (the commit after the change does not exist until it lands); both in one form (keys sorted, Argo CD's tracking metadata removed, Secret values hidden as Argo CD hides them)";
        if (pair.Before.Succeeded)
        {
            var fidelity = ManifestDiff.Compare(argoBefore, CanonicalResources.Normalize(RenderedResource.Split(pair.Before.Output), argo.Application));
            said += fidelity.IsEmpty
                ? $"; {pair.Before.Command} renders the base commit exactly as Argo CD does"
                : $"; {pair.Before.Command} renders the base commit differently from Argo CD in {fidelity.Changes.Count} resource(s) ({string.Join(", ", fidelity.Changes.Take(5).Select(c => c.Key.ToString()))}{(fidelity.Changes.Count > 5 ? ", ..." : string.Empty)}): their diff shows that difference too";
        }

        return new RenderedChange(RenderState.Built, $"{before} → {pair.After.Command}", said) { Diff = ManifestDiff.Compare(argoBefore, after), Images = local.Change.Images };
    }

    /// <summary>
    /// The before side from Argo CD: the target's application (argocd-application) when its one source is the gitops
    /// repository at exactly <paramref name="folder"/>, else the one application that is; null and why when none
    /// renders it or Argo CD fails (null and no reason when no Argo CD is configured). Cached for the run.
    /// </summary>
    private async Task<(ArgoManifests? Manifests, string? Why)> RenderWithArgoCdAsync(DeployTarget target, string folder, CancellationToken cancellationToken)
    {
        if (run.Ports.ArgoCd is not { } argo || target.ArgoCd is not { } options)
        {
            return (null, null);
        }

        IReadOnlyList<ArgoAppSources> apps;
        try
        {
            apps = await (cache.ArgoApplications ??= argo.ListAsync(cancellationToken));
        }
        catch (DeployException e)
        {
            return (null, $"its application list could not be read: {e.Message}");
        }

        var repository = ArgoCdRefreshStep.NormalizeRepoUrl(request.GitOps.Url);
        var rendering = apps.Where(a => a.Sources.Count == 1 && ArgoCdRefreshStep.NormalizeRepoUrl(a.Sources[0].RepoUrl) == repository && SamePath(a.Sources[0].Path, folder))
            .Select(a => a.Name).Order(StringComparer.Ordinal).ToList();
        var application = rendering.Contains(options.Application, StringComparer.Ordinal) ? options.Application : rendering.Count == 1 ? rendering[0] : null;
        if (application is null)
        {
            return (null, rendering.Count == 0
                ? $"no application renders exactly {folder} of {request.GitOps.Display} from one source"
                : $"{string.Join(", ", rendering)} all render {folder}; argocd-application names none of them");
        }

        try
        {
            var manifests = await cache.ArgoRenders.GetOrAdd((application, snapshot.HeadSha), key => argo.ManifestsAsync(key.Application, key.Revision, cancellationToken));
            run.Logger.LogInformation("Argo CD rendered application {Application} at {Revision}: {Count} resources", application, Short(snapshot.HeadSha), manifests.Manifests.Count);
            return (manifests, null);
        }
        catch (DeployException e)
        {
            cache.ArgoRenders.TryRemove((application, snapshot.HeadSha), out _);
            return (null, $"application {application} at {Short(snapshot.HeadSha)}: {e.Message}");
        }
    }

    /// <summary>Renders the target before and after the change with the local tool (cached for the run by its inputs); the pair when a tool ran.</summary>
    private async Task<(RenderedChange Change, RenderPair? Pair)> RenderLocallyAsync(OverlayEdit overlay, StaticView view, CancellationToken cancellationToken)
    {
        var edits = overlay.Files.ToDictionary(f => f.Path, f => f.Content, StringComparer.Ordinal);
        var renderer = new ManifestRenderer(new RenderOptions(RenderTimeout, tools));
        Func<Task<RenderPair>> render;
        if (overlay.KustomizationPath is not null)
        {
            if (!tools.CanRenderKustomize)
            {
                return (new RenderedChange(RenderState.Unavailable, "kubectl kustomize", $"no renderer: neither kubectl nor kustomize is on PATH where the action runs ({NoRendererHint})"), null);
            }

            render = () => renderer.RenderKustomizeEditAsync(view.Files, edits, overlay.OverlayPath, cancellationToken);
        }
        else
        {
            if (view.HelmSources.Count == 0)
            {
                return (new RenderedChange(RenderState.Unavailable, "helm template", $"no Argo CD Application (in {string.Join(", ", ApplicationFolders.Select(f => f + "/"))}) renders {overlay.OverlayPath} from a chart of this repository, and it holds no Chart.yaml"), null);
            }

            if (tools.Helm is null)
            {
                return (new RenderedChange(RenderState.Unavailable, "helm template", $"no renderer: helm is neither at HELM_PATH nor on PATH where the action runs ({NoRendererHint})"), null);
            }

            render = () => renderer.RenderHelmEditAsync(view.Files, edits, view.HelmSources[0], cancellationToken);
        }

        var key = overlay.OverlayPath + "\n" + string.Join("\n", view.Inputs.Select(p => p + ":" + PlanBinding.FileDigest(view.Files.Read(p))))
            + "\n--\n" + string.Join("\n", edits.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => e.Key + ":" + (e.Value is null ? "-" : PlanBinding.FileDigest(e.Value))));
        if (!cache.Renders.TryGetValue(key, out var pair))
        {
            pair = await render();
            cache.Renders[key] = pair;
            run.Logger.LogInformation("Rendered {Overlay} before and after the change with {Command} ({Before:0} ms, {After:0} ms)", overlay.OverlayPath, pair.After.Command, pair.Before.Elapsed.TotalMilliseconds, pair.After.Elapsed.TotalMilliseconds);
        }

        if (!pair.After.Succeeded)
        {
            var before = pair.Before.Succeeded ? string.Empty : " (it did not build before the change either)";
            return (new RenderedChange(RenderState.DoesNotBuild, pair.After.Command, pair.After.FailureMessage + before), pair);
        }

        var after = RenderedResource.Split(pair.After.Output);
        var images = after.Select(r => r.Node).OfType<YamlDotNet.RepresentationModel.YamlNode>().SelectMany(WorkloadKinds.Containers)
            .Select(c => c.Image).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        return (pair.Before.Succeeded
            ? new RenderedChange(RenderState.Built, pair.After.Command, string.Empty) { Diff = ManifestDiff.Compare(RenderedResource.Split(pair.Before.Output), after), Images = images }
            : new RenderedChange(RenderState.Built, pair.After.Command, "it did not build before the change: every resource is shown as added") { Diff = ManifestDiff.Compare([], after), Images = images }, pair);
    }

    /// <summary>What the report says where no local renderer is: the image that bundles them.</summary>
    public const string NoRendererHint = "the action's default image ships none; use the image tagged -renderers, which bundles kubectl and helm";

    private static bool SamePath(string? path, string folder) => NormalizePath(path ?? string.Empty) == NormalizePath(folder);

    private static string NormalizePath(string path) => string.Join('/', path.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != "."));

    private static string Join(string first, string second) => first.Length == 0 ? second : $"{first}; {second}";

    private static string Short(string sha) => sha.Length > 7 ? sha[..7] : sha;

    /// <summary>The changelog of each source range the target's images move along, through the source-history port (cached for the run).</summary>
    private async Task<IReadOnlyList<SourceComparison>> ChangelogAsync(TargetEdit edit, List<string> notes, CancellationToken cancellationToken)
    {
        if (edit.Edit.Images.Count == 0)
        {
            return [];
        }

        if (request.Source.Repository is not { } repository)
        {
            notes.Add("no source repository (source-repository): no changelog");
            return [];
        }

        if (run.Ports.SourceHistory is not { } history)
        {
            notes.Add($"no token for {repository} on a GitHub host: no changelog");
            return [];
        }

        var entries = await snapshot.ReadingAsync(() => snapshot.History(Promotion.HistoryDepth), cancellationToken);
        var ranges = new List<(string? Base, string Head, List<string> Names)>();
        foreach (var image in edit.Edit.Images)
        {
            if (HeadOf(edit, image) is not { Length: 40 } head)
            {
                notes.Add($"the source commit that built {image.After} is unknown: no changelog for {image.After.Name}");
                continue;
            }

            string? running = null;
            if (image.Before is { } before && (running = Promotion.SourceCommitOf(entries, edit.Target.Environment, before)) is null)
            {
                notes.Add($"the source commit that built the running {before} is unknown (no commit of the last {Promotion.HistoryDepth} set it with a Source-Commit trailer): no changelog for {image.After.Name}");
                continue;
            }

            if (ranges.FirstOrDefault(r => r.Base == running && r.Head == head) is { Names: { } names })
            {
                names.Add(image.After.Name);
            }
            else
            {
                ranges.Add((running, head, [image.After.Name]));
            }
        }

        var comparisons = new List<SourceComparison>();
        foreach (var (running, head, names) in ranges)
        {
            var key = (repository, running, head);
            if (!cache.Comparisons.TryGetValue(key, out var comparison))
            {
                try
                {
                    comparison = await history.CompareAsync(new SourceRange(repository, running, head), new HistoryBudget(), cancellationToken);
                }
                catch (DeployException e)
                {
                    notes.Add($"the changelog of {repository} could not be read: {e.Message}");
                    continue;
                }

                cache.Comparisons[key] = comparison;
            }

            comparisons.Add(comparison with { Label = string.Join(", ", names) });
        }

        return comparisons;
    }

    /// <summary>The source commit of the image being deployed: the run's commit, the promoted image's, or the restored release's.</summary>
    private string? HeadOf(TargetEdit edit, ImageChange image) => request.Change.Kind switch
    {
        ChangeKind.Promote => edit.Promotion?.Images.FirstOrDefault(i => i.Entry.Name == image.After.Name)?.SourceCommit,
        ChangeKind.Rollback => edit.Rollback?.RestoredSource,
        _ => request.Source.Sha,
    };

    /// <summary>What a plan binds: the exact images of the overlay after the change and every file that builds it.</summary>
    private TargetBinding Bind(TargetEdit edit, StaticView view)
    {
        var after = new EditedTree(snapshot.Tree, edit.Edit.Files);
        IReadOnlyList<ImageEntry> images;
        try
        {
            var names = edit.Edit.KustomizationPath is null ? edit.Edit.Images.Select(i => i.After.Name).ToList() : null;
            images = names is { Count: 0 } ? [] : OverlayEditor.ReadImages(after, edit.Edit.OverlayPath, "overlay-path", request.Change.HelmImageKeys, names);
        }
        catch (DeployException)
        {
            images = [.. edit.Edit.Images.Select(i => i.After)];
        }

        var paths = view.Inputs.Concat(edit.Edit.Files.Select(f => f.Path));
        return TargetBinding.Of(after, edit.Target.Environment, edit.Edit.OverlayPath, images.Select(i => i.ToString()), paths);
    }

    /// <summary>An edit that changes no container (a typo, a name the manifests do not use) is refused; so is, with require-render, a target that does not render.</summary>
    private void Refuse(TargetEdit edit, TargetReport report)
    {
        var review = request.Review;
        if (!review.AllowUnusedImage && request.Change.Kind == ChangeKind.Deploy
            && report.Images.FirstOrDefault(i => i.Unused is not null && i.Certainty == ImpactCertainty.Known) is { } unused)
        {
            throw DeployException.Input("images",
                $"{edit.Target.Environment}: {unused.Unused}; the edit of {edit.Edit.KustomizationPath ?? edit.Edit.OverlayPath} would change nothing in the cluster, so nothing was written. Fix the name, or set allow-unused-image: true to write the entry anyway");
        }

        if (review.RequireRender && report.Render is { State: not RenderState.Built } render)
        {
            throw DeployException.Input("require-render", $"{edit.Target.Environment}: {(render.State == RenderState.Unavailable ? $"the change could not be rendered: {render.Message}" : render.Message)}");
        }
    }

    private static ImageImpact Unknown(ImageChange change, string why) =>
        new(change.After.Name, change.Before?.ToString(), change.After.ToString()) { Certainty = ImpactCertainty.Unknown, Notes = [why] };

    private static KustomizeImage? Kustomize(ImageEntry? entry) =>
        entry is null ? null : new KustomizeImage(entry.Name, entry.NewName, entry.NewTag, entry.Digest);

    /// <summary>Whether a rendered image is the reference written (a chart may prefix a registry).</summary>
    private static bool SameImage(string rendered, string reference)
    {
        var (renderedName, renderedTag, renderedDigest) = ImageTransform.Split(rendered);
        var (name, tag, digest) = ImageTransform.Split(reference);
        return renderedTag == tag && renderedDigest == digest
            && (renderedName == name || renderedName.EndsWith("/" + name, StringComparison.Ordinal) || name.EndsWith("/" + renderedName, StringComparison.Ordinal));
    }

    private static void Copy(IManifestFiles from, InMemoryManifestFiles to, ISet<string> copied, string path)
    {
        if (from.IsFile(path))
        {
            to.Add(path, from.Read(path));
            copied.Add(ManifestPath.Normalize(path));
        }
    }

    private static void CopyFolder(IManifestFiles from, InMemoryManifestFiles to, ISet<string> copied, string folder)
    {
        if (from.IsDirectory(folder))
        {
            foreach (var path in ManifestPath.ListFilesRecursively(from, folder))
            {
                Copy(from, to, copied, path);
            }
        }
    }

    /// <summary>What the tree says about a target before any tool runs.</summary>
    /// <param name="Inputs">The files that build the target (what a plan binds), the paths copied into <paramref name="Files"/>.</param>
    private sealed record StaticView(InMemoryManifestFiles Files, IReadOnlyList<HelmSource> HelmSources, IReadOnlyList<string> Inputs, IReadOnlyList<ImageImpact> Impacts, IReadOnlyList<string> Notes);
}
