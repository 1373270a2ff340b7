namespace GitOpsDeploy.Changelog;

/// <summary>
/// The shape of a list of commits: its first-parent line (what <c>git log --first-parent</c> shows, and
/// what a reader looks pull requests up for) and the groups the report lists.
/// </summary>
public static class CommitGraph
{
    /// <summary>
    /// The first-parent line from <paramref name="tip"/> (a full sha, or a prefix of one) through
    /// <paramref name="commits"/>, newest first; it ends at the first commit the list does not hold.
    /// </summary>
    public static IReadOnlyList<SourceCommit> FirstParentLine(string tip, IReadOnlyCollection<SourceCommit> commits) =>
        FirstParentLine(tip, Index(commits));

    /// <summary>
    /// The pull request a commit arrived with: the one GitHub merged it as (merge, squash or last rebased
    /// commit), else the one merged first (it introduced the commit), else the first listed (open ones).
    /// </summary>
    public static PullRequestRef? PullRequestOf(SourceCommit commit)
    {
        if (commit.PullRequests is not { Count: > 0 } pulls)
        {
            return null;
        }

        return pulls.FirstOrDefault(p => p.Merged && string.Equals(p.MergeCommitSha, commit.Sha, StringComparison.OrdinalIgnoreCase))
            ?? pulls.Where(p => p.Merged).OrderBy(p => p.MergedAt ?? DateTimeOffset.MaxValue).ThenBy(p => p.Number).FirstOrDefault()
            ?? pulls[0];
    }

    /// <summary>
    /// Groups <paramref name="commits"/> as the report lists them, newest first: each first-parent commit
    /// takes the commits it merged (the ones reachable from its other parents that no older first-parent
    /// commit merged); first-parent commits of one pull request make one group (rebase merges), every
    /// other commit is a group of its own. Commits off the line (a cut list) come last, grouped the same way.
    /// </summary>
    internal static ChangeList Group(string tip, IReadOnlyList<SourceCommit> commits, int total)
    {
        var index = Index(commits);
        var order = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < commits.Count; i++)
        {
            order.TryAdd(commits[i].Sha, i);
        }

        var line = FirstParentLine(tip, index);
        var taken = new HashSet<string>(line.Select(c => c.Sha), StringComparer.OrdinalIgnoreCase);
        var merged = new Dictionary<string, List<SourceCommit>>(StringComparer.OrdinalIgnoreCase);

        // Oldest first: what an older merge brought is its own, whatever a newer merge also reaches.
        for (var i = line.Count - 1; i >= 0; i--)
        {
            var commit = line[i];
            if (commit.Parents.Count < 2)
            {
                continue;
            }

            var brought = new List<SourceCommit>();
            var pending = new Stack<string>(commit.Parents.Skip(1).Reverse());
            while (pending.TryPop(out var sha))
            {
                if (!index.TryGetValue(sha, out var reached) || !taken.Add(reached.Sha))
                {
                    continue;
                }

                brought.Add(reached);
                foreach (var parent in reached.Parents.Reverse())
                {
                    pending.Push(parent);
                }
            }

            merged[commit.Sha] = [.. brought.OrderByDescending(c => order[c.Sha])];
        }

        var groups = new List<GroupBuilder>();
        var byPullRequest = new Dictionary<int, GroupBuilder>();
        foreach (var commit in line)
        {
            var brought = merged.GetValueOrDefault(commit.Sha) ?? [];
            var pull = PullRequestOf(commit) ?? CommonPullRequest(brought);
            var group = Find(pull);
            group.FirstParent.Add(commit);
            group.Commits.Add(commit);
            group.Commits.AddRange(brought);
        }

        // Off the line: the tip was not listed, or the list was cut below a merge's side.
        foreach (var commit in commits.Where(c => !taken.Contains(c.Sha)).OrderByDescending(c => order[c.Sha]))
        {
            if (!taken.Add(commit.Sha))
            {
                continue;
            }

            Find(PullRequestOf(commit)).Commits.Add(commit);
        }

        var result = groups.Select(g => new ChangeGroup(g.PullRequest, g.FirstParent, g.Commits)).ToList();
        return new ChangeList(result, Math.Max(total, result.Sum(g => g.Commits.Count)));

        GroupBuilder Find(PullRequestRef? pull)
        {
            if (pull is not null && byPullRequest.TryGetValue(pull.Number, out var existing))
            {
                return existing;
            }

            var created = new GroupBuilder(pull);
            groups.Add(created);
            if (pull is not null)
            {
                byPullRequest[pull.Number] = created;
            }

            return created;
        }
    }

    /// <summary>The one pull request all of a merge's commits that have one agree on (a merge made outside GitHub of a branch GitHub merged).</summary>
    private static PullRequestRef? CommonPullRequest(IReadOnlyList<SourceCommit> brought)
    {
        var pulls = brought.Select(PullRequestOf).OfType<PullRequestRef>().DistinctBy(p => p.Number).ToList();
        return pulls.Count == 1 ? pulls[0] : null;
    }

    private static List<SourceCommit> FirstParentLine(string tip, Dictionary<string, SourceCommit> index)
    {
        var line = new List<SourceCommit>();
        if (!index.TryGetValue(tip, out var commit))
        {
            commit = index.Values.Where(c => tip.Length >= 4 && c.Sha.StartsWith(tip, StringComparison.OrdinalIgnoreCase)).Take(2).ToList() is [var only] ? only : null;
        }

        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        while (commit is not null && seen.Add(commit.Sha))
        {
            line.Add(commit);
            commit = commit.Parents.Count > 0 && index.TryGetValue(commit.Parents[0], out var parent) ? parent : null;
        }

        return line;
    }

    private static Dictionary<string, SourceCommit> Index(IEnumerable<SourceCommit> commits)
    {
        var index = new Dictionary<string, SourceCommit>(StringComparer.OrdinalIgnoreCase);
        foreach (var commit in commits)
        {
            index.TryAdd(commit.Sha, commit);
        }

        return index;
    }

    private sealed class GroupBuilder(PullRequestRef? pullRequest)
    {
        public PullRequestRef? PullRequest { get; } = pullRequest;

        public List<SourceCommit> FirstParent { get; } = [];

        public List<SourceCommit> Commits { get; } = [];
    }
}
