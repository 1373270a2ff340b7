namespace GitOpsDeploy.Changelog;

/// <summary>What deploying the head does to what runs.</summary>
public enum ChangeDirection
{
    /// <summary>The head descends from what runs: <see cref="ChangeSection.Added"/> ships.</summary>
    Forward,

    /// <summary>The head is an ancestor of what runs: <see cref="ChangeSection.Removed"/> is taken out.</summary>
    Rollback,

    /// <summary>Neither descends from the other: <see cref="ChangeSection.Added"/> ships and <see cref="ChangeSection.Removed"/> is taken out.</summary>
    Diverged,

    /// <summary>The head is what runs.</summary>
    Unchanged,

    /// <summary>Nothing runs yet: there is nothing to compare with.</summary>
    FirstDeploy,

    /// <summary>The comparison could not be made (<see cref="ChangeSection.Reason"/>).</summary>
    Unknown,
}

/// <summary>The changelog of one deploy: a section per source repository, in the order given.</summary>
public sealed record ChangeReport(IReadOnlyList<ChangeSection> Sections)
{
    /// <summary>Builds the report from the comparisons; pure, and never fails on a partial comparison.</summary>
    public static ChangeReport Build(IEnumerable<SourceComparison> comparisons) =>
        new([.. comparisons.Select(ChangeSection.From)]);

    public static ChangeReport Build(params SourceComparison[] comparisons) => Build(comparisons.AsEnumerable());
}

/// <summary>One repository's part of the report.</summary>
public sealed record ChangeSection
{
    public required string Repository { get; init; }

    public string? Label { get; init; }

    /// <summary>The commit that runs (null on a first deploy).</summary>
    public string? Base { get; init; }

    public required string Head { get; init; }

    public required ChangeDirection Direction { get; init; }

    /// <summary>What ships (forward, diverged), newest first.</summary>
    public ChangeList Added { get; init; } = ChangeList.Empty;

    /// <summary>What is taken out (rollback, diverged), newest first.</summary>
    public ChangeList Removed { get; init; } = ChangeList.Empty;

    /// <summary>The host's page listing <see cref="Added"/>.</summary>
    public string? CompareUrl { get; init; }

    /// <summary>The host's page listing <see cref="Removed"/>.</summary>
    public string? RemovedCompareUrl { get; init; }

    public string? Reason { get; init; }

    public IReadOnlyList<string> Notes { get; init; } = [];

    internal static ChangeSection From(SourceComparison comparison)
    {
        var direction = comparison switch
        {
            { Base: null } => ChangeDirection.FirstDeploy,
            { Status: ComparisonStatus.Unavailable } => ChangeDirection.Unknown,
            { Status: ComparisonStatus.Identical } => ChangeDirection.Unchanged,
            _ when string.Equals(comparison.Base, comparison.Head, StringComparison.OrdinalIgnoreCase) => ChangeDirection.Unchanged,
            { Status: ComparisonStatus.Ahead } => ChangeDirection.Forward,
            { Status: ComparisonStatus.Behind } => ChangeDirection.Rollback,
            _ => ChangeDirection.Diverged,
        };
        return new ChangeSection
        {
            Repository = comparison.Repository,
            Label = comparison.Label,
            Base = comparison.Base,
            Head = comparison.Head,
            Direction = direction,
            Added = direction is ChangeDirection.Forward or ChangeDirection.Diverged
                ? CommitGraph.Group(comparison.Head, comparison.Added, comparison.AheadBy)
                : ChangeList.Empty,
            Removed = direction is ChangeDirection.Rollback or ChangeDirection.Diverged
                ? CommitGraph.Group(comparison.Base!, comparison.Removed, comparison.BehindBy)
                : ChangeList.Empty,
            CompareUrl = comparison.CompareUrl,
            RemovedCompareUrl = comparison.RemovedCompareUrl,
            Reason = comparison.Reason,
            Notes = comparison.Notes,
        };
    }
}

/// <summary>One side's commits, grouped; <see cref="Total"/> counts what the host said, listed or not.</summary>
public sealed record ChangeList(IReadOnlyList<ChangeGroup> Groups, int Total)
{
    public static readonly ChangeList Empty = new([], 0);

    /// <summary>Commits in <see cref="Groups"/>.</summary>
    public int Listed => Groups.Sum(g => g.Commits.Count);

    /// <summary>Commits the host counted but did not list (its answer was cut, or the reader stopped).</summary>
    public int Unlisted => Math.Max(0, Total - Listed);
}

/// <summary>
/// Commits that arrived together: a pull request's (its merge commit and what it merged, its squash
/// commit, or its rebased commits), or one commit without a pull request with what it merged.
/// </summary>
/// <param name="PullRequest">Null for a commit no pull request contains (or nobody asked).</param>
/// <param name="FirstParent">The group's commits on the first-parent line of the list's tip, newest first.</param>
/// <param name="Commits">All of the group's commits: each first-parent commit followed by the commits it merged, newest first.</param>
public sealed record ChangeGroup(PullRequestRef? PullRequest, IReadOnlyList<SourceCommit> FirstParent, IReadOnlyList<SourceCommit> Commits)
{
    /// <summary>The commit that names the group when it has no pull request.</summary>
    public SourceCommit Newest => FirstParent.Count > 0 ? FirstParent[0] : Commits[0];
}
