namespace GitOpsDeploy.Changelog;

/// <summary>Which two commits of which repository to compare: <paramref name="Base"/> runs (null: nothing does), <paramref name="Head"/> is being deployed.</summary>
public sealed record SourceRange(string Repository, string? Base, string Head)
{
    /// <summary>Carried into <see cref="SourceComparison.Label"/>.</summary>
    public string? Label { get; init; }
}

/// <summary>
/// How much a reader may ask for one comparison: it stops once the report could not show more.
/// The defaults match <see cref="MarkdownOptions"/>' list length.
/// </summary>
public sealed record HistoryBudget
{
    /// <summary>Lines one list of the report shows (<see cref="MarkdownOptions.MaxItems"/>): pull requests are looked up until this many groups are known.</summary>
    public int MaxGroups { get; init; } = MarkdownOptions.DefaultMaxItems;

    /// <summary>Pull-request lookups for the whole comparison (both lists), whatever the groups: rebase merges cost one per commit.</summary>
    public int MaxPullLookups { get; init; } = 100;

    /// <summary>Commits read per list: past the host's first answer (250 on GitHub), pages are read only while the report needs them, and never past this.</summary>
    public int MaxCommits { get; init; } = 1000;
}

/// <summary>The port to a source host's history: a comparison with its commits and their pull requests.</summary>
public interface ISourceHistory
{
    /// <summary>
    /// Compares <see cref="SourceRange.Base"/> with <see cref="SourceRange.Head"/> and lists the commits of
    /// both sides with their pull requests, within <paramref name="budget"/>. A comparison the host cannot
    /// make (an unknown commit) comes back <see cref="ComparisonStatus.Unavailable"/> with the reason;
    /// other failures (credentials, access, network) are the adapter's translated errors.
    /// </summary>
    Task<SourceComparison> CompareAsync(SourceRange range, HistoryBudget budget, CancellationToken cancellationToken);
}
