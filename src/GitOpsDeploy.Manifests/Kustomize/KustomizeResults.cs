using GitOpsDeploy.Manifests.Images;

namespace GitOpsDeploy.Manifests.Kustomize;

public enum NoteKind
{
    /// <summary>A remote base or resource (a git or HTTP URL): not fetched, its workloads are not seen.</summary>
    NotFollowed,

    /// <summary>A kustomization feature whose effect on images is not modelled statically (replacements, plugins, Helm charts).</summary>
    NotModelled,

    /// <summary>Something kustomize would likely refuse or that the analysis could not apply (a patch that matches nothing).</summary>
    Warning,
}

/// <summary>Something the static analysis could not see or do; the prediction may be incomplete where there is one.</summary>
public sealed record ManifestNote(NoteKind Kind, string Path, string Message)
{
    public override string ToString() => $"{Kind switch { NoteKind.NotFollowed => "not followed", NoteKind.NotModelled => "not modelled", _ => "warning" }}: {Path}: {Message}";
}

/// <summary>The workloads of a kustomize overlay and the images they run, as <c>kustomize build</c> would render them.</summary>
/// <param name="OverlayImages">The overlay's own <c>images:</c> list (then <c>imageTags:</c>).</param>
/// <param name="ImageNamesAtOverlay">The image names (without tag or digest) that reach the overlay's images transformer: what an entry's <c>name</c> can match.</param>
/// <param name="Kustomizations">Every kustomization file followed, overlay first.</param>
/// <param name="Files">Every file a render of the overlay reads (kustomizations, resources, patches, generator inputs ...), ordinal order.</param>
/// <param name="Directories">Folders a render needs whole (a Helm chart home).</param>
public sealed record KustomizeAnalysis(
    string Overlay,
    IReadOnlyList<WorkloadContainer> Containers,
    IReadOnlyList<KustomizeImage> OverlayImages,
    IReadOnlyList<string> ImageNamesAtOverlay,
    IReadOnlyList<string> Kustomizations,
    IReadOnlyList<string> Files,
    IReadOnlyList<string> Directories,
    IReadOnlyList<ManifestNote> Notes)
{
    /// <summary>The distinct images the workloads run, ordinal order.</summary>
    public IReadOnlyList<string> Images =>
        Containers.Select(c => c.Image).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

    /// <summary>True when a kustomization inflates Helm charts (<c>helmCharts</c>): rendering needs <c>--enable-helm</c> and helm.</summary>
    public bool InflatesHelmCharts { get; init; }

    /// <summary>The distinct workloads, in render order.</summary>
    public IReadOnlyList<ResourceRef> Workloads => Containers.Select(c => c.Workload).Distinct().ToList();
}

/// <summary>What changing the overlay's <c>images:</c> entry <see cref="Name"/> from <see cref="Before"/> to <see cref="After"/> changes in the rendered workloads.</summary>
/// <param name="Matched">True when the name matches at least one container image where the overlay's entry applies.</param>
/// <param name="Changes">The containers whose image changes, in render order.</param>
/// <param name="AvailableNames">The image names an entry of the overlay can match: those reaching the overlay's images transformer and those leaving it (ordinal order).</param>
/// <param name="Suggestion">When nothing matched: the available name closest to <see cref="Name"/> (edit distance), for "did you mean"; else null.</param>
public sealed record ImageEditImpact(
    string Name,
    KustomizeImage? Before,
    KustomizeImage? After,
    bool Matched,
    IReadOnlyList<ContainerImageChange> Changes,
    IReadOnlyList<string> AvailableNames,
    string? Suggestion,
    IReadOnlyList<ManifestNote> Notes)
{
    /// <summary>One line for a log or a pull request: what changes, or why nothing does.</summary>
    public string Summary()
    {
        if (!Matched)
        {
            var available = AvailableNames.Count == 0 ? "no workload image reaches the overlay" : $"the overlay's images are {string.Join(", ", AvailableNames.Select(n => $"'{n}'"))}";
            return Suggestion is null
                ? $"image '{Name}' matches no container: {available}"
                : $"image '{Name}' matches no container: did you mean '{Suggestion}'? ({available})";
        }

        return Changes.Count == 0
            ? $"image '{Name}' matches, but the rendered images stay the same"
            : string.Join("; ", Changes.Select(c => c.ToString()));
    }
}
