using GitOpsDeploy.Changelog;
using GitOpsDeploy.Manifests;
using GitOpsDeploy.Manifests.Diff;

namespace GitOpsDeploy.Core.Planning;

/// <summary>How sure the report is of what an image edit changes.</summary>
public enum ImpactCertainty
{
    /// <summary>Every workload of the target was seen (statically, or in a render): the listed containers are all it changes.</summary>
    Known,

    /// <summary>Something could not be seen (a remote base, a Helm chart without a renderer, an overlay the analysis could not build): the list may be incomplete.</summary>
    Unknown,
}

/// <summary>What one image edit of a target changes in its workloads: every container (and init container) whose image moves.</summary>
/// <param name="Name">The image entry's name (kustomize) or the image's name in helm-image-keys.</param>
/// <param name="Before">The entry before (NAME=NEWNAME:TAG[@DIGEST]); null when the entry is new.</param>
/// <param name="After">The entry written.</param>
public sealed record ImageImpact(string Name, string? Before, string After)
{
    public IReadOnlyList<ContainerImageChange> Containers { get; init; } = [];

    public ImpactCertainty Certainty { get; init; } = ImpactCertainty.Unknown;

    /// <summary>Why the edit changes no container, with the names that do exist ("did you mean 'web'?"); null when it changes some.</summary>
    public string? Unused { get; init; }

    /// <summary>Why the list may be incomplete (a remote base, no renderer); empty when it is complete.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}

/// <summary>What became of rendering a target before and after its change.</summary>
public enum RenderState
{
    /// <summary>Both sides rendered: <see cref="RenderedChange.Diff"/> holds the per-resource diff.</summary>
    Built,

    /// <summary>The change does not build (or the target did not build before it): <see cref="RenderedChange.Message"/> has the tool's words.</summary>
    DoesNotBuild,

    /// <summary>No renderer for this target (no kubectl, kustomize or helm; a Helm folder no Application renders): <see cref="RenderedChange.Message"/> says which.</summary>
    Unavailable,
}

/// <summary>A target rendered before and after its change.</summary>
/// <param name="Tool">The command that rendered it (repository-relative), or the renderer that is missing.</param>
public sealed record RenderedChange(RenderState State, string Tool, string Message)
{
    public ManifestDiff? Diff { get; init; }

    /// <summary>The images the rendered workloads run after the change (distinct, ordinal order).</summary>
    public IReadOnlyList<string> Images { get; init; } = [];
}

/// <summary>
/// The promotion report of one target: what the change does to its workloads, which source commits ship (one
/// comparison per source repository and range), how the rendered manifests change, and what the report could
/// not see. Built by the report step after the plan; shown in the summary, the pull request and the deployment.
/// </summary>
public sealed record TargetReport(string Environment, string OverlayPath)
{
    public IReadOnlyList<ImageImpact> Images { get; init; } = [];

    /// <summary>The source comparisons of this target (the changelog), one per repository and range.</summary>
    public IReadOnlyList<SourceComparison> Sources { get; init; } = [];

    /// <summary>Null when the change writes nothing to render (nothing to do).</summary>
    public RenderedChange? Render { get; init; }

    /// <summary>What the report could not do, in words for the reader (no token for the changelog, an unknown running commit...).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>What a plan binds for this target (its exact images and the files that build it).</summary>
    public TargetBinding? Binding { get; init; }

    /// <summary>The run's GitHub as its links need it (null when unknown: then no issue-shaped link in the changelog is followed).</summary>
    public GitHubLinks? Links { get; init; }

    /// <summary>The changelog of <see cref="Sources"/>.</summary>
    public ChangeReport Changelog => ChangeReport.Build(Sources);
}
