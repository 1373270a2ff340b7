namespace GitOpsDeploy.Changelog;

/// <summary>How <see cref="SourceComparison.Head"/> relates to <see cref="SourceComparison.Base"/>, in GitHub's compare words.</summary>
public enum ComparisonStatus
{
    /// <summary>Head descends from base: deploying it moves forward.</summary>
    Ahead,

    /// <summary>Head is an ancestor of base: deploying it takes commits out (a rollback).</summary>
    Behind,

    Identical,

    /// <summary>Neither descends from the other (a force-push, another branch): both sides have commits.</summary>
    Diverged,

    /// <summary>The comparison could not be made (an unknown commit, no access); <see cref="SourceComparison.Reason"/> says why.</summary>
    Unavailable,
}

/// <summary>
/// One source repository's comparison of the commit that runs (<see cref="Base"/>) with the one being
/// deployed (<see cref="Head"/>), as the source host answered it. Commit lists may hold fewer commits
/// than the counts (the host's answer was cut, or the reader stopped early); the report then says how
/// many more there are.
/// </summary>
public sealed record SourceComparison
{
    /// <summary>"owner/name".</summary>
    public required string Repository { get; init; }

    /// <summary>What the commit is deployed as, e.g. an image name; shown beside the repository.</summary>
    public string? Label { get; init; }

    /// <summary>The commit that runs now; null when nothing runs yet (nothing to compare).</summary>
    public string? Base { get; init; }

    /// <summary>The commit being deployed.</summary>
    public required string Head { get; init; }

    /// <summary>GitHub's status of <c>compare/{Base}...{Head}</c>.</summary>
    public ComparisonStatus Status { get; init; }

    /// <summary>Commits in <see cref="Head"/> that <see cref="Base"/> does not have (GitHub's <c>ahead_by</c>).</summary>
    public int AheadBy { get; init; }

    /// <summary>Commits in <see cref="Base"/> that <see cref="Head"/> does not have (GitHub's <c>behind_by</c>).</summary>
    public int BehindBy { get; init; }

    /// <summary>Commits of <c>Base..Head</c>, in any order (GitHub: chronological).</summary>
    public IReadOnlyList<SourceCommit> Added { get; init; } = [];

    /// <summary>Commits of <c>Head..Base</c>: what a rollback or a diverged deploy takes out.</summary>
    public IReadOnlyList<SourceCommit> Removed { get; init; } = [];

    /// <summary>The host's page listing <see cref="Added"/> (<c>Base...Head</c>): the full list when the report is cut.</summary>
    public string? CompareUrl { get; init; }

    /// <summary>The host's page listing <see cref="Removed"/> (<c>Head...Base</c>).</summary>
    public string? RemovedCompareUrl { get; init; }

    /// <summary>Why the comparison is <see cref="ComparisonStatus.Unavailable"/>.</summary>
    public string? Reason { get; init; }

    /// <summary>What the reader could not do but the report still stands without (e.g. pull requests not readable).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}

/// <summary>A commit as the source host lists it.</summary>
public sealed record SourceCommit(string Sha, IReadOnlyList<string> Parents, string Message)
{
    /// <summary>The host account the author email belongs to, when the host knows one.</summary>
    public string? AuthorLogin { get; init; }

    /// <summary>The author name recorded in the commit.</summary>
    public string AuthorName { get; init; } = string.Empty;

    public DateTimeOffset? Date { get; init; }

    public string? HtmlUrl { get; init; }

    /// <summary>The pull requests that contain the commit; null when nobody asked (the reader's budget ran out).</summary>
    public IReadOnlyList<PullRequestRef>? PullRequests { get; init; }

    /// <summary>The first line of the message.</summary>
    public string Subject
    {
        get
        {
            var end = Message.AsSpan().IndexOfAny('\r', '\n');
            return (end < 0 ? Message : Message[..end]).Trim();
        }
    }
}

/// <summary>A pull request that contains a commit.</summary>
public sealed record PullRequestRef(int Number, string Title, string HtmlUrl)
{
    /// <summary>The login that opened it.</summary>
    public string? Author { get; init; }

    /// <summary>False for an open pull request (GitHub lists those for commits outside the default branch).</summary>
    public bool Merged { get; init; } = true;

    /// <summary>The merge, squash or last rebased commit GitHub made when it merged.</summary>
    public string? MergeCommitSha { get; init; }

    public DateTimeOffset? MergedAt { get; init; }
}
