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
    public string? MergeCommitSha { get; init; }

    /// <summary>The login that opened it (a person, or an app as <c>name[bot]</c>).</summary>
    public string Author { get; init; } = string.Empty;
}

public sealed record NewPullRequest(string Title, string Body, string Head, string Base);

public sealed record RepositorySettings(string DefaultBranch, bool AllowAutoMerge)
{
    /// <summary>The merge methods the repository's settings allow.</summary>
    public IReadOnlySet<MergeMethod> MergeMethods { get; init; } = new HashSet<MergeMethod> { MergeMethod.Merge, MergeMethod.Squash, MergeMethod.Rebase };
}

/// <summary>What a merge attempt came to, in our words; the adapter decides it from the host's answers.</summary>
public enum MergeOutcomeKind
{
    /// <summary>Merged (also when the answer to our merge was lost and the pull request turned out merged).</summary>
    Merged,

    /// <summary>The base moved or the head changed (behind, modified, or a conflict with what landed on the base on top of our own head): rebuild the head from the new base and try again.</summary>
    Rebuild,

    /// <summary>A conflict in a head someone else changed: a person must resolve it.</summary>
    Conflict,

    /// <summary>Branch protection blocks the merge now (reviews, checks).</summary>
    Blocked,

    /// <summary>The repository does not allow this merge method.</summary>
    MethodNotAllowed,

    /// <summary>The host has not decided yet whether it can be merged: ask again shortly.</summary>
    NotReady,
}

public sealed record MergeOutcome(MergeOutcomeKind Kind, string Message)
{
    /// <summary>The merge commit, when merged.</summary>
    public string? Sha { get; init; }

    /// <summary>The head the host saw, when it is not ours (conflict).</summary>
    public string? HeadSha { get; init; }
}

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

    /// <summary>Whether GitHub shows a commit (a merge or squash merge, a pull request head) as signed and verified.</summary>
    Task<bool> IsVerifiedAsync(string sha, CancellationToken cancellationToken);

    /// <summary>All open pull requests against <paramref name="baseBranch"/> (every page).</summary>
    Task<IReadOnlyList<PullRequestInfo>> ListOpenAsync(string baseBranch, CancellationToken cancellationToken);

    Task<PullRequestInfo> GetAsync(int number, CancellationToken cancellationToken);

    /// <summary>Creates a pull request; returns null when GitHub says one already exists for the head branch.</summary>
    Task<PullRequestInfo?> CreateAsync(NewPullRequest request, CancellationToken cancellationToken);

    Task<PullRequestInfo> UpdateAsync(int number, string title, string body, CancellationToken cancellationToken);

    Task AddLabelsAsync(int number, IReadOnlyList<string> labels, CancellationToken cancellationToken);

    Task RequestReviewersAsync(int number, IReadOnlyList<string> reviewers, IReadOnlyList<string> teamReviewers, CancellationToken cancellationToken);

    /// <summary>Merges the pull request if its head is still <paramref name="headSha"/>, and says in our words what happened.</summary>
    Task<MergeOutcome> MergeAsync(int number, string headSha, MergeMethod method, string commitTitle, CancellationToken cancellationToken);

    Task<AutoMergeResult> EnableAutoMergeAsync(PullRequestInfo pullRequest, MergeMethod method, CancellationToken cancellationToken);

    /// <summary>Comments on a pull request, then closes it.</summary>
    Task CloseAsync(int number, string comment, CancellationToken cancellationToken);
}
