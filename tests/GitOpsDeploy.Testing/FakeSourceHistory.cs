using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace GitOpsDeploy.Tests.Fakes;

/// <summary>
/// What a changelog reads from a source repository, answered from its bare repository as GitHub does:
/// <list type="bullet">
/// <item><c>GET /compare/{base}...{head}</c>: status, <c>ahead_by</c>/<c>behind_by</c>, and the commits of
/// <c>base..head</c> in chronological order (<c>git rev-list --date-order --reverse</c>) in GitHub's commit shape.
/// Without <c>per_page</c> or <c>page</c> the list is at most 250 commits, the newest ones (GitHub: "the last
/// commit in the list is the most recent of the entire comparison"); with either, pages of <c>per_page</c>
/// (default 30, at most 100) from the oldest, with a Link header, and the changed files on page 1 only.</item>
/// <item><c>GET /commits/{sha}/pulls</c>: for a commit on the default branch, the merged pull requests that
/// brought it (their merge, squash or rebased commit, or a commit a merge commit brought in); for any other
/// commit, only open pull requests whose head holds it.</item>
/// </list>
/// Pull requests are the fake's own (merged by <c>MergeByHand</c>, auto-merge or the merge endpoint) and the
/// ones a test registers for history it made with git itself. Like git (and unlike GitHub, which walks by
/// generation numbers), <c>base..head</c> trusts commit dates: a history whose commits are older than their
/// parents can be miscounted, so tests date their commits forward.
/// </summary>
public sealed partial class FakeGitHub
{
    /// <summary>GitHub's answer without paging parameters holds at most this many commits.</summary>
    public const int CompareCommitLimit = 250;

    private readonly ConcurrentDictionary<string, string> accountsByEmail = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<(string Repository, int Number, string MergeCommit), HashSet<string>> pullCommits = new();
    private readonly ConcurrentDictionary<(string Repository, string Tip), HashSet<string>> defaultBranchCommits = new();

    /// <summary>The account GitHub shows as a commit's author when its author email is <paramref name="email"/> (a verified email of that user).</summary>
    public void LinkEmail(string email, string login) => accountsByEmail[email] = login;

    /// <summary>
    /// A merged pull request for history a test made with git: <paramref name="mergeCommit"/> is what landed on
    /// the base (a merge commit, a squash commit, or the last rebased commit), <paramref name="headSha"/> the
    /// head it had, and <paramref name="commits"/> the commits GitHub associates with it when they are not
    /// what a merge commit brought (rebased commits).
    /// </summary>
    public FakePull RegisterMergedPull(string fullName, string title, string author, string mergeCommit, string headSha, IReadOnlyList<string>? commits = null, string head = "feature", string baseBranch = "main")
    {
        lock (state)
        {
            var repo = repos[fullName];
            var at = DateTimeOffset.UtcNow;
            var pr = new FakePull
            {
                Number = repo.NextIssueNumber++,
                Head = head,
                Base = baseBranch,
                Title = title,
                Author = author,
                State = "closed",
                Merged = true,
                MergedAt = at,
                ClosedAt = at,
                MergeCommitSha = mergeCommit,
                ClosedHeadSha = headSha,
            };
            repo.Pulls.Add(pr);
            if (commits is not null)
            {
                pullCommits[(repo.FullName, pr.Number, mergeCommit)] = [.. commits, mergeCommit];
            }

            return pr;
        }
    }

    private (int, object, string?) CompareCommits(HttpContext context, ApiRepo repo, FakeRepo git, string from, string to)
    {
        var baseSha = TryGit(git, "rev-parse", "--verify", "--quiet", from + "^{commit}");
        var headSha = TryGit(git, "rev-parse", "--verify", "--quiet", to + "^{commit}");
        if (baseSha is null || headSha is null)
        {
            return (404, new { message = $"No commit found for SHA: {(baseSha is null ? from : to)}", documentation_url = "https://docs.github.com/rest/commits/commits#compare-two-commits" }, null);
        }

        var mergeBase = TryGit(git, "merge-base", baseSha, headSha);
        if (mergeBase is null)
        {
            return (404, new { message = $"No common ancestor between {from} and {to}.", documentation_url = "https://docs.github.com/rest/commits/commits#compare-two-commits" }, null);
        }

        var all = CommitsJson(repo, git, "--date-order", "--reverse", $"{baseSha}..{headSha}");
        var behind = int.Parse(git.Git("rev-list", "--count", $"{headSha}..{baseSha}"), CultureInfo.InvariantCulture);
        var status = (all.Count, behind) switch { (0, 0) => "identical", (_, 0) => "ahead", (0, _) => "behind", _ => "diverged" };

        var query = context.Request.Query;
        var paged = query.ContainsKey("per_page") || query.ContainsKey("page");
        List<object> commits;
        string? link = null;
        var page = 1;
        if (!paged)
        {
            commits = [.. all.Skip(Math.Max(0, all.Count - CompareCommitLimit))];
        }
        else
        {
            var perPage = Math.Clamp(int.TryParse(query["per_page"], CultureInfo.InvariantCulture, out var pp) ? pp : 30, 1, 100);
            page = Math.Max(1, int.TryParse(query["page"], CultureInfo.InvariantCulture, out var p) ? p : 1);
            var last = Math.Max(1, (all.Count + perPage - 1) / perPage);
            commits = [.. all.Skip((page - 1) * perPage).Take(perPage)];
            link = PageLinks(context, page, last);
        }

        var url = $"{ServerUrl}/api/v3/repos/{repo.FullName}/compare/{from}...{to}";
        return (200, new
        {
            url,
            html_url = $"{ServerUrl}/{repo.FullName}/compare/{from}...{to}",
            permalink_url = $"{ServerUrl}/{repo.FullName}/compare/{repo.FullName.Split('/')[0]}:{baseSha[..7]}...{repo.FullName.Split('/')[0]}:{headSha[..7]}",
            diff_url = $"{ServerUrl}/{repo.FullName}/compare/{from}...{to}.diff",
            patch_url = $"{ServerUrl}/{repo.FullName}/compare/{from}...{to}.patch",
            base_commit = CommitsJson(repo, git, "-1", baseSha)[0],
            merge_base_commit = CommitsJson(repo, git, "-1", mergeBase)[0],
            status,
            ahead_by = all.Count,
            behind_by = behind,
            total_commits = all.Count,
            commits,
            files = page == 1 ? ChangedFiles(git, mergeBase, headSha) : [],
        }, link);
    }

    private (int, object, string?) CommitPulls(HttpContext context, ApiRepo repo, FakeRepo git, string reference)
    {
        // What the default branch holds is listed once per tip: a changelog asks about hundreds of its commits.
        var tip = BranchSha(repo, repo.DefaultBranch);
        var onBranch = tip is null ? [] : defaultBranchCommits.GetOrAdd((repo.FullName, tip), _ => [.. git.Git("rev-list", tip).Split('\n')]);
        var sha = onBranch.Contains(reference) ? reference : TryGit(git, "rev-parse", "--verify", "--quiet", reference + "^{commit}");
        if (sha is null)
        {
            return (422, new { message = $"No commit found for SHA: {reference}", documentation_url = "https://docs.github.com/rest/commits/commits#list-pull-requests-associated-with-a-commit" }, null);
        }

        var onDefault = onBranch.Contains(sha);
        var pulls = repo.Pulls
            .Where(pr => onDefault
                ? pr.Merged && pr.MergeCommitSha is not null && (pr.MergeCommitSha == sha || MergedCommits(repo, git, pr).Contains(sha))
                : pr.State == "open" && OpenCommits(repo, git, pr).Contains(sha))
            .OrderBy(pr => pr.Number)
            .Select(pr => PullJson(repo, pr));
        return Page(context, pulls);
    }

    /// <summary>What a merged pull request brought: what a test registered, else what its merge commit merged (nothing more for a squash or a rebase).</summary>
    private HashSet<string> MergedCommits(ApiRepo repo, FakeRepo git, FakePull pr) =>
        pullCommits.GetOrAdd((repo.FullName, pr.Number, pr.MergeCommitSha!), _ =>
        {
            var merge = pr.MergeCommitSha!;
            var parents = git.Git("rev-list", "--parents", "-n", "1", merge).Split(' ');
            if (parents.Length < 3 || pr.ClosedHeadSha is not { } head || !Succeeds(git, "merge-base", "--is-ancestor", head, merge))
            {
                return [merge];
            }

            return [merge, .. git.Git("rev-list", $"{parents[1]}..{head}").Split('\n', StringSplitOptions.RemoveEmptyEntries)];
        });

    private static HashSet<string> OpenCommits(ApiRepo repo, FakeRepo git, FakePull pr) =>
        BranchSha(repo, pr.Head) is { } head && BranchSha(repo, pr.Base) is { } baseSha
            ? [.. git.Git("rev-list", $"{baseSha}..{head}").Split('\n', StringSplitOptions.RemoveEmptyEntries)]
            : [];

    /// <summary>Commits as the REST API shows them, from one <c>git log</c> over <paramref name="range"/>.</summary>
    private List<object> CommitsJson(ApiRepo repo, FakeRepo git, params string[] range)
    {
        const string format = "%H%x1f%P%x1f%T%x1f%an%x1f%ae%x1f%aI%x1f%cn%x1f%ce%x1f%cI%x1f%B%x1e";
        var output = git.Git(["log", $"--format={format}", .. range]);

        var api = $"{ServerUrl}/api/v3/repos/{repo.FullName}";
        var commits = new List<object>();
        foreach (var record in output.Split('\x1e', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = record.TrimStart('\n').Split('\x1f');
            if (f.Length < 10)
            {
                continue;
            }

            var sha = f[0];
            commits.Add(new
            {
                sha,
                node_id = "C_" + sha[..10],
                commit = new
                {
                    author = new { name = f[3], email = f[4], date = f[5] },
                    committer = new { name = f[6], email = f[7], date = f[8] },
                    message = f[9].TrimEnd('\n'),
                    tree = new { sha = f[2], url = $"{api}/git/trees/{f[2]}" },
                    url = $"{api}/git/commits/{sha}",
                    comment_count = 0,
                    verification = new { verified = false, reason = "unsigned", signature = (string?)null, payload = (string?)null },
                },
                url = $"{api}/commits/{sha}",
                html_url = $"{ServerUrl}/{repo.FullName}/commit/{sha}",
                comments_url = $"{api}/commits/{sha}/comments",
                author = Account(f[4]),
                committer = Account(f[7]),
                parents = f[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)
                    .Select(p => new { sha = p, url = $"{api}/commits/{p}", html_url = $"{ServerUrl}/{repo.FullName}/commit/{p}" }).ToList(),
            });
        }

        return commits;
    }

    /// <summary>The user an email belongs to: linked by the test, or a noreply address (<c>[id+]login@users.noreply.github.com</c>); null otherwise.</summary>
    private object? Account(string email)
    {
        var login = accountsByEmail.TryGetValue(email, out var linked) ? linked
            : NoReply().Match(email) is { Success: true } match ? match.Groups["login"].Value
            : null;
        return login is null ? null : new { login, id = Math.Abs(login.GetHashCode(StringComparison.Ordinal)), type = login.EndsWith("[bot]", StringComparison.Ordinal) ? "Bot" : "User", html_url = $"{ServerUrl}/{login}" };
    }

    private static List<object> ChangedFiles(FakeRepo git, string from, string to)
    {
        var files = new List<object>();
        foreach (var line in git.Git("diff", "--name-status", "--no-renames", from, to).Split('\n', StringSplitOptions.RemoveEmptyEntries).Take(300))
        {
            var parts = line.Split('\t');
            files.Add(new { filename = parts[1], status = parts[0] switch { "A" => "added", "D" => "removed", _ => "modified" } });
        }

        return files;
    }

    /// <summary>GitHub's Link header: next and last while there are more pages, first and prev after the first.</summary>
    private string? PageLinks(HttpContext context, int page, int last)
    {
        string Url(int n)
        {
            var q = context.Request.Query.Where(kv => kv.Key != "page").Select(kv => $"{kv.Key}={Uri.EscapeDataString(kv.Value.ToString())}").Append($"page={n}");
            return $"<{ServerUrl}{context.Request.Path}?{string.Join('&', q)}>";
        }

        var links = new List<string>();
        if (page > 1)
        {
            links.Add($"{Url(page - 1)}; rel=\"prev\"");
        }

        if (page < last)
        {
            links.Add($"{Url(page + 1)}; rel=\"next\"");
            links.Add($"{Url(last)}; rel=\"last\"");
        }

        if (page > 1)
        {
            links.Add($"{Url(1)}; rel=\"first\"");
        }

        return links.Count == 0 ? null : string.Join(", ", links);
    }

    private static bool Succeeds(FakeRepo git, params string[] args)
    {
        try
        {
            git.Git(args);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"^(?:\d+\+)?(?<login>[^@+]+)@users\.noreply\.github\.com$", RegexOptions.IgnoreCase)]
    private static partial Regex NoReply();
}
