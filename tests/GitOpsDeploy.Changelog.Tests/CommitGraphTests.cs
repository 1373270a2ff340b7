namespace GitOpsDeploy.Changelog.Tests;

[Trait("Tier", "Unit")]
public sealed class CommitGraphTests
{
    private static SourceCommit C(string name, params string[] parents) =>
        new(GoldenCase.Sha(name), [.. parents.Select(GoldenCase.Sha)], name) { PullRequests = [] };

    private static SourceCommit WithPull(SourceCommit commit, int number, string? mergedAs = null, bool merged = true, DateTimeOffset? at = null) =>
        commit with { PullRequests = [.. commit.PullRequests ?? [], new PullRequestRef(number, $"PR {number}", $"https://github.com/acme/app/pull/{number}") { MergeCommitSha = mergedAs is null ? null : GoldenCase.Sha(mergedAs), Merged = merged, MergedAt = at }] };

    private static ChangeList Added(string tip, params SourceCommit[] commits) =>
        ChangeReport.Build(new SourceComparison { Repository = "acme/app", Base = GoldenCase.Sha("r0"), Head = GoldenCase.Sha(tip), Status = ComparisonStatus.Ahead, AheadBy = commits.Length, Added = commits }).Sections[0].Added;

    private static string[] Names(IEnumerable<SourceCommit> commits) => [.. commits.Select(c => c.Message)];

    [Fact]
    public void The_first_parent_line_runs_from_the_tip_until_a_commit_is_not_listed()
    {
        SourceCommit[] commits = [C("a1", "r0"), C("b1", "r0"), C("a2", "a1", "b1"), C("a3", "a2")];

        Assert.Equal(["a3", "a2", "a1"], Names(CommitGraph.FirstParentLine(GoldenCase.Sha("a3"), commits)));
        Assert.Equal(["a3", "a2", "a1"], Names(CommitGraph.FirstParentLine(GoldenCase.Sha("a3")[..10], commits)));
        Assert.Empty(CommitGraph.FirstParentLine(GoldenCase.Sha("zz"), commits));
    }

    [Fact]
    public void A_merge_takes_what_its_branch_brought_but_not_what_the_branch_took_from_main()
    {
        // b2 merged main (a1) into the branch before the branch was merged: a1 stays on the line.
        var list = Added("m", C("a1", "r0"), C("b1", "r0"), C("b2", "b1", "a1"), C("a2", "a1"), WithPull(C("m", "a2", "b2"), 5, "m"));

        Assert.Equal(["m", "a2", "a1"], Names(list.Groups.SelectMany(g => g.FirstParent)));
        Assert.Equal(["m", "b2", "b1"], Names(list.Groups[0].Commits));
        Assert.Equal(5, list.Groups[0].PullRequest!.Number);
        Assert.Equal(5, list.Total);
        Assert.Equal(0, list.Unlisted);
    }

    [Fact]
    public void A_branch_built_on_a_branch_merged_earlier_brings_only_its_own_commits()
    {
        var list = Added("m2", C("f1", "r0"), WithPull(C("m1", "r0", "f1"), 1, "m1"), C("f2", "f1"), WithPull(C("m2", "m1", "f2"), 2, "m2"));

        Assert.Equal(["m2", "f2"], Names(list.Groups[0].Commits));
        Assert.Equal(["m1", "f1"], Names(list.Groups[1].Commits));
    }

    [Fact]
    public void Rebased_commits_of_one_pull_request_make_one_group_and_a_pull_request_keeps_its_newest_place()
    {
        var list = Added("c4", WithPull(C("c1", "r0"), 7, "c3"), WithPull(C("c2", "c1"), 7, "c3"), WithPull(C("c3", "c2"), 7, "c3"), C("c4", "c3"));

        Assert.Equal(2, list.Groups.Count);
        Assert.Null(list.Groups[0].PullRequest);
        Assert.Equal(["c3", "c2", "c1"], Names(list.Groups[1].FirstParent));

        var apart = Added("c3", WithPull(C("c1", "r0"), 7), C("c2", "c1"), WithPull(C("c3", "c2"), 7));
        Assert.Equal(["c3", "c1"], Names(apart.Groups[0].Commits));
        Assert.Equal(["c2"], Names(apart.Groups[1].Commits));
    }

    [Fact]
    public void The_pull_request_a_commit_was_merged_as_wins_then_the_first_merged_then_an_open_one()
    {
        var early = DateTimeOffset.Parse("2024-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        var commit = WithPull(WithPull(WithPull(C("c1", "r0"), 3, at: early.AddDays(2)), 2, at: early), 9, "c1", at: early.AddDays(5));
        Assert.Equal(9, CommitGraph.PullRequestOf(commit)!.Number);

        var noMergeSha = WithPull(WithPull(C("c1", "r0"), 3, at: early.AddDays(2)), 2, at: early);
        Assert.Equal(2, CommitGraph.PullRequestOf(noMergeSha)!.Number);

        var open = WithPull(C("c1", "r0"), 4, merged: false);
        Assert.Equal(4, CommitGraph.PullRequestOf(open)!.Number);

        Assert.Null(CommitGraph.PullRequestOf(C("c1", "r0")));
        Assert.Null(CommitGraph.PullRequestOf(C("c1", "r0") with { PullRequests = null }));
    }

    [Fact]
    public void Commits_off_the_line_of_a_cut_list_come_last_and_the_host_count_is_kept()
    {
        // The host listed a merge's side but not the merge's first parent line below it.
        var list = Added("m", C("x1", "gone"), C("x2", "x1"), C("m", "missing", "x2"));

        Assert.Equal(["m", "x2", "x1"], Names(list.Groups[0].Commits));

        var noTip = ChangeReport.Build(new SourceComparison
        {
            Repository = "acme/app", Base = "r0", Head = GoldenCase.Sha("tip"), Status = ComparisonStatus.Ahead, AheadBy = 10,
            Added = [C("a", "r0"), C("b", "a")],
        }).Sections[0].Added;
        Assert.Equal(["b", "a"], noTip.Groups.SelectMany(g => Names(g.Commits)));
        Assert.Equal(10, noTip.Total);
        Assert.Equal(8, noTip.Unlisted);
    }

    [Theory]
    [InlineData(null, "h", ComparisonStatus.Ahead, ChangeDirection.FirstDeploy)]
    [InlineData("b", "h", ComparisonStatus.Unavailable, ChangeDirection.Unknown)]
    [InlineData("b", "h", ComparisonStatus.Identical, ChangeDirection.Unchanged)]
    [InlineData("h", "h", ComparisonStatus.Ahead, ChangeDirection.Unchanged)]
    [InlineData("b", "h", ComparisonStatus.Ahead, ChangeDirection.Forward)]
    [InlineData("b", "h", ComparisonStatus.Behind, ChangeDirection.Rollback)]
    [InlineData("b", "h", ComparisonStatus.Diverged, ChangeDirection.Diverged)]
    public void The_direction_follows_the_status(string? baseSha, string head, ComparisonStatus status, ChangeDirection expected)
    {
        var section = ChangeReport.Build(new SourceComparison
        {
            Repository = "acme/app", Base = baseSha, Head = head, Status = status, AheadBy = 1, BehindBy = 1,
            Added = [C("a", "b")], Removed = [C("z", "h")],
        }).Sections[0];

        Assert.Equal(expected, section.Direction);
        Assert.Equal(expected is ChangeDirection.Forward or ChangeDirection.Diverged, section.Added.Total > 0);
        Assert.Equal(expected is ChangeDirection.Rollback or ChangeDirection.Diverged, section.Removed.Total > 0);
    }
}
