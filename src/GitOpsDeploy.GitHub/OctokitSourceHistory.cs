using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using GitOpsDeploy.Changelog;
using GitOpsDeploy.Editing;
using Microsoft.Extensions.Logging;
using Octokit;

namespace GitOpsDeploy.GitHub;

/// <summary>
/// A source repository's history for the changelog, through GitHub's REST API:
/// <c>GET /repos/{owner}/{repo}/compare/{base}...{head}</c> for the commits of each side and
/// <c>GET /repos/{owner}/{repo}/commits/{sha}/pulls</c> for the pull request of each first-parent commit.
/// <para>
/// What one comparison costs: one compare request (GitHub lists up to the 250 newest commits without paging
/// parameters); a rollback or a diverged deploy compares the other way too. Then one pull-request lookup per
/// first-parent commit, newest first, until <see cref="HistoryBudget.MaxGroups"/> groups are known or
/// <see cref="HistoryBudget.MaxPullLookups"/> lookups are spent: a squash or merge-commit workflow costs one per
/// listed line, a rebase merge one per rebased commit. Only when the first-parent line runs past the commits
/// read before the groups are known is an older page of 100 read (never past <see cref="HistoryBudget.MaxCommits"/>). Lookups are cached for the adapter's life (one run), so a second report over the same commits
/// (another environment) costs only its compare. Nothing is asked on a first deploy or when both commits are the same.
/// Rate limits are waited out by the connection's <see cref="RateLimitGate"/>, like every other call.
/// </para>
/// </summary>
public sealed class OctokitSourceHistory(IGitHubClient client, RateLimitGate gate, ILogger logger) : ISourceHistory
{
    private const string TokenInput = "token";
    private const int PageSize = 100;
    private readonly ConcurrentDictionary<(string Repository, string Sha), IReadOnlyList<PullRequestRef>> pulls = new();
    private int requests;

    /// <summary>REST requests made so far (compare pages and pull-request lookups).</summary>
    public int Requests => Volatile.Read(ref requests);

    public async Task<SourceComparison> CompareAsync(SourceRange range, HistoryBudget budget, CancellationToken cancellationToken)
    {
        var slash = range.Repository.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == range.Repository.Length - 1)
        {
            throw new ArgumentException($"'{range.Repository}' is not owner/name", nameof(range));
        }

        var (owner, name) = (range.Repository[..slash], range.Repository[(slash + 1)..]);
        var result = new SourceComparison { Repository = range.Repository, Label = range.Label, Base = range.Base, Head = range.Head };
        if (range.Base is null)
        {
            return result;
        }

        if (string.Equals(range.Base, range.Head, StringComparison.OrdinalIgnoreCase))
        {
            return result with { Status = ComparisonStatus.Identical };
        }

        try
        {
            var forward = await GetCompareAsync(owner, name, range.Base, range.Head, null, cancellationToken);
            var status = forward.Status switch
            {
                "ahead" => ComparisonStatus.Ahead,
                "behind" => ComparisonStatus.Behind,
                "identical" => ComparisonStatus.Identical,
                "diverged" => ComparisonStatus.Diverged,
                _ => ComparisonStatus.Unavailable,
            };
            if (status == ComparisonStatus.Unavailable)
            {
                return result with { Status = status, Reason = $"GitHub answered '{forward.Status}'" };
            }

            var backward = status is ComparisonStatus.Behind or ComparisonStatus.Diverged
                ? await GetCompareAsync(owner, name, range.Head, range.Base, null, cancellationToken)
                : null;
            var notes = new List<string>();
            var lookups = new Lookups(budget.MaxPullLookups);
            var added = await ReadSideAsync(owner, name, range.Base, range.Head, forward, budget, lookups, notes, cancellationToken);
            var removed = backward is null ? [] : await ReadSideAsync(owner, name, range.Head, range.Base, backward, budget, lookups, notes, cancellationToken);
            return result with
            {
                Status = status,
                AheadBy = forward.AheadBy,
                BehindBy = forward.BehindBy,
                Added = added,
                Removed = removed,
                CompareUrl = forward.HtmlUrl,
                RemovedCompareUrl = backward?.HtmlUrl,
                Notes = notes,
            };
        }
        catch (ApiException e) when (IsUnknownCommit(e))
        {
            return result with { Status = ComparisonStatus.Unavailable, Reason = $"{range.Repository} cannot compare {Short(range.Base)} with {Short(range.Head)} ({(int)e.StatusCode}: {GitHubErrors.Detail(e)}); a force-push may have removed one of them, or it was never pushed" };
        }
    }

    /// <summary>
    /// The commits of <c>from..to</c> with the pull requests of their first-parent line from <paramref name="to"/>,
    /// newest first, until the report has its groups or the lookups run out (the rest keep <c>PullRequests = null</c>).
    /// The unpaged answer holds the newest 250; older pages of 100 are read, newest first, only while the line
    /// still needs lookups and runs past what was read.
    /// </summary>
    private async Task<IReadOnlyList<SourceCommit>> ReadSideAsync(string owner, string name, string from, string to, CompareResult first, HistoryBudget budget, Lookups lookups, List<string> notes, CancellationToken cancellationToken)
    {
        var commits = new Dictionary<string, SourceCommit>(StringComparer.OrdinalIgnoreCase);
        var order = new List<SourceCommit>();
        Add(first.Commits);
        var total = first.AheadBy;
        var stop = first.MergeBaseCommit?.Sha ?? from;
        var page = (total - first.Commits.Count + PageSize - 1) / PageSize;

        var found = new Dictionary<string, IReadOnlyList<PullRequestRef>>(StringComparer.OrdinalIgnoreCase);
        var numbers = new HashSet<int>();
        var groups = 0;
        var asked = 0;
        while (true)
        {
            var line = CommitGraph.FirstParentLine(to, order);
            for (; asked < line.Count && groups < budget.MaxGroups && !lookups.Failed; asked++)
            {
                var commit = line[asked];
                var key = ($"{owner}/{name}".ToLowerInvariant(), commit.Sha.ToLowerInvariant());
                if (!pulls.TryGetValue(key, out var listed))
                {
                    if (lookups.Left <= 0)
                    {
                        break;
                    }

                    lookups.Left--;
                    listed = await PullRequestsAsync(owner, name, commit.Sha, lookups, notes, cancellationToken);
                    if (listed is null)
                    {
                        break;
                    }

                    pulls[key] = listed;
                }

                found[commit.Sha] = listed;
                var pull = CommitGraph.PullRequestOf(commit with { PullRequests = listed });
                if (pull is null || numbers.Add(pull.Number))
                {
                    groups++;
                }
            }

            var parent = asked == line.Count && line.Count > 0 ? line[^1].Parents.FirstOrDefault() : null;
            var needsOlder = parent is not null && !string.Equals(parent, stop, StringComparison.OrdinalIgnoreCase) && !commits.ContainsKey(parent);
            if (!needsOlder || page < 1 || commits.Count >= Math.Min(total, budget.MaxCommits))
            {
                break;
            }

            Add((await GetCompareAsync(owner, name, from, to, page--, cancellationToken)).Commits);
        }

        return [.. order.Select(c => found.TryGetValue(c.Sha, out var listed) ? c with { PullRequests = listed } : c)];

        void Add(IEnumerable<GitHubCommit> listed)
        {
            foreach (var commit in listed.Where(c => !commits.ContainsKey(c.Sha)))
            {
                var mapped = Map(commit);
                commits[commit.Sha] = mapped;
                order.Add(mapped);
            }
        }
    }

    private async Task<CompareResult> GetCompareAsync(string owner, string name, string from, string to, int? page, CancellationToken cancellationToken)
    {
        var uri = new Uri($"repos/{owner}/{name}/compare/{Uri.EscapeDataString(from)}...{Uri.EscapeDataString(to)}", UriKind.Relative);
        var parameters = page is { } p
            ? new Dictionary<string, string> { ["per_page"] = PageSize.ToString(CultureInfo.InvariantCulture), ["page"] = p.ToString(CultureInfo.InvariantCulture) }
            : null;
        Interlocked.Increment(ref requests);
        try
        {
            var response = await gate.RunAsync(() => client.Connection.Get<CompareResult>(uri, parameters), $"compare {Short(from)} with {Short(to)}", cancellationToken);
            return response.Body;
        }
        catch (ApiException e) when (!IsUnknownCommit(e))
        {
            throw GitHubErrors.Translate(e, $"compare {Short(from)} with {Short(to)}", $"{owner}/{name}", TokenInput, "contents: read");
        }
        catch (HttpRequestException e)
        {
            throw GitHubErrors.Network(e, $"compare {Short(from)} with {Short(to)}", $"{owner}/{name}");
        }
    }

    /// <summary>One lookup; null (and a note, once) when GitHub will not tell, so the report goes on without pull requests.</summary>
    private async Task<IReadOnlyList<PullRequestRef>?> PullRequestsAsync(string owner, string name, string sha, Lookups lookups, List<string> notes, CancellationToken cancellationToken)
    {
        var uri = new Uri($"repos/{owner}/{name}/commits/{Uri.EscapeDataString(sha)}/pulls", UriKind.Relative);
        Interlocked.Increment(ref requests);
        try
        {
            var response = await gate.RunAsync(
                () => client.Connection.Get<List<PullRequest>>(uri, new Dictionary<string, string> { ["per_page"] = PageSize.ToString(CultureInfo.InvariantCulture) }),
                $"list the pull requests of {Short(sha)}",
                cancellationToken);
            return [.. (response.Body ?? []).Select(p => new PullRequestRef(p.Number, p.Title ?? string.Empty, p.HtmlUrl ?? string.Empty)
            {
                Author = p.User?.Login,
                Merged = p.MergedAt is not null,
                MergeCommitSha = p.MergeCommitSha,
                MergedAt = p.MergedAt,
            })];
        }
        catch (ApiException e) when (IsUnknownCommit(e))
        {
            // GitHub does not know the commit here (yet): no pull request, not a failure.
            return [];
        }
        catch (Exception e) when (e is ApiException or HttpRequestException or DeployException)
        {
            // Rate limits were waited out by the gate; what is left (no permission, GitHub down, a timeout) is not worth failing the report for.
            var why = e is ApiException api
                ? $"{(int)api.StatusCode}: {GitHubErrors.Detail(api)}{(api is ForbiddenException ? $"; {TokenInput} needs pull-requests: read on {owner}/{name}" : string.Empty)}"
                : e.Message;
            logger.LogWarning("The changelog of {Repository} goes on without pull requests: {Reason}", $"{owner}/{name}", why);
            notes.Add($"pull requests could not be read ({why}): commits are listed without them");
            lookups.Failed = true;
            return null;
        }
    }

    private static SourceCommit Map(GitHubCommit commit) =>
        new(commit.Sha, [.. (commit.Parents ?? []).Select(p => p.Sha)], commit.Commit?.Message ?? string.Empty)
        {
            AuthorLogin = commit.Author?.Login,
            AuthorName = commit.Commit?.Author?.Name ?? string.Empty,
            Date = commit.Commit?.Author?.Date,
            HtmlUrl = commit.HtmlUrl,
        };

    /// <summary>A commit GitHub does not have (or two without a common ancestor), as opposed to a repository it will not show.</summary>
    private static bool IsUnknownCommit(ApiException e) =>
        e.StatusCode == HttpStatusCode.UnprocessableEntity
        || (e.StatusCode == HttpStatusCode.NotFound && GitHubErrors.Detail(e) is var detail
            && (detail.StartsWith("No commit found", StringComparison.Ordinal) || detail.StartsWith("No common ancestor", StringComparison.Ordinal)));

    private static string Short(string sha) => sha.Length > 7 ? sha[..7] : sha;

    private sealed class Lookups(int left)
    {
        public int Left { get; set; } = left;

        public bool Failed { get; set; }
    }
}
