namespace GitOpsDeploy.Core.Ports;

public enum MergeMethod
{
    Squash,
    Merge,
    Rebase,
}

/// <summary>A pull request as we need it: mapped by hand from the API's model in the adapter.</summary>
public sealed record PullRequestInfo(int Number, string Url, string HeadRef, string HeadSha, string BaseRef, bool Open, bool Merged, string NodeId, string Title, string Body, IReadOnlyList<string> Labels)
{
    /// <summary>GitHub's mergeable_state (clean, blocked, behind, dirty, unstable, has_hooks, unknown, draft); null if not computed yet.</summary>
    public string? MergeableState { get; init; }

    public string? MergeCommitSha { get; init; }

    /// <summary>The login that opened it (a person, or an app as <c>name[bot]</c>).</summary>
    public string Author { get; init; } = string.Empty;
}

public sealed record NewPullRequest(string Title, string Body, string Head, string Base);

public sealed record RepositorySettings(string DefaultBranch, bool AllowAutoMerge);

public enum MergeResultKind
{
    Merged,
    /// <summary>405: GitHub will not merge it now (protection, reviews, checks, conflict).</summary>
    NotMergeable,
    /// <summary>409: the head moved since we read it.</summary>
    HeadModified,
}

public sealed record MergeResult(MergeResultKind Kind, string? Sha, string Message);

public enum AutoMergeResultKind
{
    Enabled,
    /// <summary>GitHub refuses auto-merge on a PR that can be merged right now ("clean status"): merge it instead.</summary>
    AlreadyMergeable,
    NotAllowed,
}

public sealed record AutoMergeResult(AutoMergeResultKind Kind, string Message);

/// <summary>Pull requests on the gitops repository.</summary>
public interface IPullRequests
{
    Task<RepositorySettings> GetRepositoryAsync(CancellationToken cancellationToken);

    /// <summary>The login of the token's identity (GraphQL <c>viewer</c>: works for app installation tokens too).</summary>
    Task<string> ViewerLoginAsync(CancellationToken cancellationToken);

    /// <summary>All open pull requests against <paramref name="baseBranch"/> (every page).</summary>
    Task<IReadOnlyList<PullRequestInfo>> ListOpenAsync(string baseBranch, CancellationToken cancellationToken);

    Task<PullRequestInfo> GetAsync(int number, CancellationToken cancellationToken);

    /// <summary>Creates a pull request; returns null when GitHub says one already exists for the head branch.</summary>
    Task<PullRequestInfo?> CreateAsync(NewPullRequest request, CancellationToken cancellationToken);

    Task<PullRequestInfo> UpdateAsync(int number, string title, string body, CancellationToken cancellationToken);

    Task AddLabelsAsync(int number, IReadOnlyList<string> labels, CancellationToken cancellationToken);

    Task RequestReviewersAsync(int number, IReadOnlyList<string> reviewers, IReadOnlyList<string> teamReviewers, CancellationToken cancellationToken);

    Task<MergeResult> MergeAsync(int number, string headSha, MergeMethod method, string commitTitle, CancellationToken cancellationToken);

    Task<AutoMergeResult> EnableAutoMergeAsync(PullRequestInfo pullRequest, MergeMethod method, CancellationToken cancellationToken);

    /// <summary>Comments on a pull request, then closes it.</summary>
    Task CloseAsync(int number, string comment, CancellationToken cancellationToken);
}
