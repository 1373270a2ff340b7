using GitOpsDeploy.Changelog;
using GitOpsDeploy.Core.Text;
using GitOpsDeploy.Editing;
using GitOpsDeploy.GitHub;
using GitOpsDeploy.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;

namespace GitOpsDeploy.Tests.GitHub;

/// <summary>
/// The changelog's GitHub adapter against the fake, on histories made with real git: the first-parent
/// line must be <c>git log --first-parent</c>, a merge's group what <c>git rev-list M^1..M^2</c> brought,
/// and the requests what the adapter promises.
/// </summary>
[Trait("Tier", "Adapter")]
public sealed class OctokitSourceHistoryTests : IAsyncLifetime
{
    private const string Token = "ghs_historyTOKEN0123456789";
    private FakeGitHub github = null!;
    private FakeRepo repo = null!;
    private SourceClone clone = null!;
    private GitHubFactory factory = null!;
    private OctokitSourceHistory history = null!;
    private string running = null!;

    public async Task InitializeAsync()
    {
        github = await FakeGitHub.StartAsync();
        github.AddToken(Token, Permission.Read, "acme/app", "acme/lib");
        repo = github.CreateRepo("acme/app", new Dictionary<string, string> { ["README.md"] = "app\n" });
        github.LinkEmail("alice@example.com", "alice");
        github.LinkEmail("bob@example.com", "bob");
        clone = new SourceClone(repo);
        running = clone.Head;
        factory = new GitHubFactory(TimeProvider.System, NullLoggerFactory.Instance, new SecretMasker()) { RetryBaseDelay = TimeSpan.FromMilliseconds(5) };
        history = factory.SourceHistory(github.ServerUrl + "/api/v3", Token);
    }

    public async Task DisposeAsync()
    {
        clone.Dispose();
        factory.Dispose();
        await github.DisposeAsync();
    }

    private Task<SourceComparison> CompareAsync(string? from, string to, HistoryBudget? budget = null, string repository = "acme/app") =>
        history.CompareAsync(new SourceRange(repository, from, to), budget ?? new HistoryBudget(), default);

    private static string[] Shas(IEnumerable<SourceCommit> commits) => [.. commits.Select(c => c.Sha)];

    private int CompareRequests => github.ApiRequests.Count(r => r.Contains("/compare/", StringComparison.Ordinal));

    private int PullLookups => github.ApiRequests.Count(r => r.EndsWith("/pulls?per_page=100", StringComparison.Ordinal));

    [Fact]
    public async Task Merges_squash_merges_rebase_merges_and_a_revert_are_grouped_by_pull_request_along_the_first_parent_line()
    {
        // A merge commit and a squash merge made by the fake's merge button.
        clone.Branch("feature/login");
        clone.Commit("Login form");
        clone.Commit("Login validation", "Bob", "bob@example.com");
        clone.Commit("Login tests");
        clone.Push("feature/login");
        var login = github.OpenPull("acme/app", "feature/login", "Add login page", "", author: "alice");
        var loginMerge = github.MergeByHand("acme/app", login.Number, "merge");
        clone.Pull();

        clone.Branch("fix/cart");
        clone.Commit("Guard the empty cart", "Bob", "bob@example.com");
        clone.Commit("Test the empty cart", "Bob", "bob@example.com");
        clone.Push("fix/cart");
        var cart = github.OpenPull("acme/app", "fix/cart", "Fix crash on empty cart @alice #1", "", author: "bob");
        var cartSquash = github.MergeByHand("acme/app", cart.Number, "squash");
        clone.Pull();

        // Straight onto main, then a merge and a rebase merge made with git and registered as pull requests.
        var bump = clone.Commit("Bump version to 1.4.0", "Release Bot", "release@example.com");
        clone.Branch("feature/search");
        clone.Commit("Search index");
        var searchHead = clone.Commit("Search page");
        clone.Checkout("main");
        clone.Commit("Meanwhile on main", "Bob", "bob@example.com");
        var searchMerge = clone.Merge("feature/search", "Merge pull request #20 from acme/feature/search");
        var search = github.RegisterMergedPull("acme/app", "New search", "alice", searchMerge, searchHead);
        var revert = clone.Revert(cartSquash);
        clone.Branch("refactor/pricing");
        clone.Commit("Extract the price calculator", "Bob", "bob@example.com");
        clone.Commit("Round half to even", "Bob", "bob@example.com");
        var pricingHead = clone.Commit("Test the calculator", "Bob", "bob@example.com");
        clone.Checkout("main");
        var rebased = clone.RebaseMerge("refactor/pricing", "main");
        var pricing = github.RegisterMergedPull("acme/app", "Refactor pricing", "bob", rebased[^1], pricingHead, rebased);
        clone.Push();
        var deploying = clone.Head;

        var comparison = await CompareAsync(running, deploying);
        var section = ChangeReport.Build(comparison).Sections[0];

        Assert.Equal(ChangeDirection.Forward, section.Direction);
        Assert.Equal(clone.RevList("--count", $"{running}..{deploying}")[0], section.Added.Total.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(clone.FirstParent(running, deploying), section.Added.Groups.SelectMany(g => Shas(g.FirstParent)));
        Assert.Equal(section.Added.Total, section.Added.Listed);
        foreach (var merge in section.Added.Groups.SelectMany(g => g.FirstParent).Where(c => c.Parents.Count > 1))
        {
            var group = section.Added.Groups.Single(g => g.FirstParent.Contains(merge));
            var brought = clone.RevList(merge.Parents[1], $"^{merge.Parents[0]}");
            Assert.Equal(brought.Append(merge.Sha).Order(StringComparer.Ordinal), Shas(group.Commits).Order(StringComparer.Ordinal));
        }

        var groups = section.Added.Groups;
        Assert.Equal(
            [pricing.Number, null, search.Number, null, null, cart.Number, login.Number],
            groups.Select(g => (int?)g.PullRequest?.Number));
        Assert.Equal(rebased.Reverse(), Shas(groups[0].FirstParent));
        Assert.Equal([revert], Shas(groups[1].Commits));
        Assert.Equal(["Meanwhile on main"], groups[3].Commits.Select(c => c.Subject));
        Assert.Equal([bump], Shas(groups[4].Commits));
        Assert.Equal([cartSquash], Shas(groups[5].Commits));
        Assert.Equal(4, groups[6].Commits.Count);
        Assert.Equal(loginMerge, groups[6].FirstParent.Single().Sha);
        Assert.Equal("alice", groups[2].Commits[1].AuthorLogin);
        Assert.Null(groups[4].Commits[0].AuthorLogin);
        Assert.Equal("Release Bot", groups[4].Commits[0].AuthorName);

        // One compare; one lookup per first-parent commit (fewer lines than the report shows).
        Assert.Equal(1, CompareRequests);
        Assert.Equal(section.Added.Groups.Sum(g => g.FirstParent.Count), PullLookups);
        Assert.Equal(CompareRequests + PullLookups, history.Requests);

        // The fake is not github.com: no redirect host there, so pull requests are named, not linked, unless backlinks are allowed.
        var markdown = ChangelogMarkdown.Render(ChangeReport.Build(comparison));
        Assert.Contains($"- Fix crash on empty cart @&#8203;alice #&#8203;1 (#&#8203;{cart.Number}) by @&#8203;bob\n", markdown, StringComparison.Ordinal);
        var linked = ChangelogMarkdown.Render(ChangeReport.Build(comparison), new MarkdownOptions { Backlinks = Backlinks.Allow });
        Assert.Contains($"- Add login page ([#&#8203;{login.Number}]({github.ServerUrl}/acme/app/pull/{login.Number})) by @&#8203;alice · 4 commits\n", linked, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rollback_lists_the_commits_it_takes_out()
    {
        var older = clone.Commit("Older");
        clone.Commit("Newer one");
        clone.Branch("topic");
        clone.Commit("Topic work", "Bob", "bob@example.com");
        clone.Checkout("main");
        var newer = clone.Merge("topic", "Merge branch 'topic'");
        clone.Push();

        var comparison = await CompareAsync(newer, older);
        var section = ChangeReport.Build(comparison).Sections[0];

        Assert.Equal(ComparisonStatus.Behind, comparison.Status);
        Assert.Equal(ChangeDirection.Rollback, section.Direction);
        Assert.Equal(clone.FirstParent(older, newer), section.Removed.Groups.SelectMany(g => Shas(g.FirstParent)));
        Assert.Equal(3, section.Removed.Total);
        Assert.Equal(0, section.Added.Total);
        Assert.Equal(2, CompareRequests);
        Assert.EndsWith($"/acme/app/compare/{older}...{newer}", comparison.RemovedCompareUrl, StringComparison.Ordinal);
        Assert.Contains("rollback, 3 commits are taken out", ChangelogMarkdown.Render(ChangeReport.Build(comparison)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_force_push_that_dropped_the_running_commit_is_diverged_and_lists_both_sides()
    {
        var start = clone.Head;
        clone.Branch("feature/audit");
        clone.Commit("Add audit log");
        var old = clone.Commit("WIP audit storage");
        clone.Push("feature/audit");
        var open = github.OpenPull("acme/app", "feature/audit", "Audit log", "", author: "alice");
        clone.Checkout("main");
        clone.Git("merge", "--quiet", "--ff-only", "feature/audit");
        clone.Push();

        // Someone rewrites main: the running commit is no longer in its history (still in the repository, as on GitHub).
        clone.ResetHard(start);
        clone.Commit("Add audit log (amended)");
        var rewritten = clone.Commit("Store audit entries");
        clone.Push(force: true);

        var comparison = await CompareAsync(old, rewritten);
        var section = ChangeReport.Build(comparison).Sections[0];

        Assert.Equal(ChangeDirection.Diverged, section.Direction);
        Assert.Equal(clone.FirstParent(old, rewritten), section.Added.Groups.SelectMany(g => Shas(g.FirstParent)));
        Assert.Equal(clone.FirstParent(rewritten, old), section.Removed.Groups.SelectMany(g => Shas(g.FirstParent)));
        // Off the default branch GitHub lists only open pull requests: the dropped commits' one is still open.
        Assert.Equal(open.Number, section.Removed.Groups[0].PullRequest!.Number);
        Assert.False(section.Removed.Groups[0].PullRequest!.Merged);
        Assert.All(section.Added.Groups, g => Assert.Null(g.PullRequest));
        Assert.Equal(2, CompareRequests);

        var markdown = ChangelogMarkdown.Render(ChangeReport.Build(comparison));
        Assert.Contains("diverged, 2 commits ship and 2 are taken out", markdown, StringComparison.Ordinal);
        Assert.Contains("(open) by @&#8203;alice", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Past_250_commits_older_pages_are_read_while_the_first_parent_line_needs_them()
    {
        for (var i = 1; i <= 5; i++)
        {
            clone.Commit($"Main {i}");
        }

        clone.Branch("import", running);
        var imported = clone.CommitMany(300, "Import");
        clone.Checkout("main");
        var merge = clone.Merge("import", "Merge pull request #9 from acme/import");
        var import = github.RegisterMergedPull("acme/app", "Import the catalogue", "bob", merge, imported[^1]);
        clone.Commit("After one");
        var deploying = clone.Commit("After two");
        clone.Push();

        var comparison = await CompareAsync(running, deploying);
        var section = ChangeReport.Build(comparison).Sections[0];

        // The unpaged answer holds the newest 250 (the merge and most of the import); main's five commits are on page 1 of 100.
        Assert.Equal(308, comparison.AheadBy);
        Assert.Equal(308, comparison.Added.Select(c => c.Sha).Distinct().Count());
        Assert.Equal(clone.FirstParent(running, deploying), section.Added.Groups.SelectMany(g => Shas(g.FirstParent)));
        var importGroup = section.Added.Groups.Single(g => g.PullRequest?.Number == import.Number);
        Assert.Equal(301, importGroup.Commits.Count);
        Assert.Equal(0, section.Added.Unlisted);
        Assert.Equal(2, CompareRequests);
        Assert.Contains(github.ApiRequests, r => r.Contains($"/compare/{running}...{deploying}?", StringComparison.Ordinal) && r.Contains("per_page=100", StringComparison.Ordinal) && r.Contains("page=1", StringComparison.Ordinal));
        Assert.Equal(8, PullLookups);
    }

    [Fact]
    public async Task Older_pages_are_not_read_when_the_newest_commits_already_fill_the_report()
    {
        clone.CommitMany(40, "Main");
        clone.Branch("import");
        clone.CommitMany(230, "Import");
        clone.Checkout("main");
        clone.Merge("import", "Merge branch 'import'");
        clone.CommitMany(30, "After");
        var deploying = clone.Head;
        clone.Push();

        var comparison = await CompareAsync(running, deploying);
        var section = ChangeReport.Build(comparison).Sections[0];

        // The line leaves the newest 250 below the merge, but its first 25 commits already make the report's 25 lines.
        Assert.Equal(301, section.Added.Total);
        Assert.Equal(1, CompareRequests);
        Assert.Equal(MarkdownOptions.DefaultMaxItems, PullLookups);
        Assert.Contains("- …and 276 more commits", ChangelogMarkdown.Render(ChangeReport.Build(comparison)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rate_limited_compare_or_lookup_is_waited_out_and_asked_again()
    {
        var head = clone.Commit("Something");
        clone.Push();
        const string limited = "{\"message\":\"You have exceeded a secondary rate limit.\"}";
        github.Inject(new InjectedFailure { Method = "GET", PathSuffix = $"/compare/{running}...{head}", Status = 403, Body = limited, Headers = { ["retry-after"] = "0" } });
        github.Inject(new InjectedFailure { Method = "GET", PathSuffix = "/pulls", Status = 429, Body = limited, Headers = { ["retry-after"] = "0" } });

        var comparison = await CompareAsync(running, head);

        Assert.Equal(ComparisonStatus.Ahead, comparison.Status);
        Assert.NotNull(Assert.Single(comparison.Added).PullRequests);
        Assert.Empty(comparison.Notes);
        Assert.Equal(2, CompareRequests);
    }

    [Fact]
    public async Task A_cancelled_run_stops_asking()
    {
        var head = clone.Commit("Something");
        clone.Push();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => history.CompareAsync(new SourceRange("acme/app", running, head), new HistoryBudget(), new CancellationToken(canceled: true)));
    }

    [Fact]
    public async Task A_long_history_costs_one_compare_and_a_lookup_per_line_the_report_shows_and_lookups_are_cached()
    {
        clone.CommitMany(260, "Step");
        var deploying = clone.Head;
        clone.Push();

        var comparison = await CompareAsync(running, deploying);
        var markdown = ChangelogMarkdown.Render(ChangeReport.Build(comparison));

        Assert.Equal(260, comparison.AheadBy);
        Assert.Equal(250, comparison.Added.Count);
        Assert.Equal(1 + MarkdownOptions.DefaultMaxItems, history.Requests);
        Assert.Equal(MarkdownOptions.DefaultMaxItems, comparison.Added.Count(c => c.PullRequests is not null));
        Assert.Contains("- Step 236 (", markdown, StringComparison.Ordinal);
        Assert.DoesNotContain("- Step 235 (", markdown, StringComparison.Ordinal);
        Assert.Contains("- …and 235 more commits ([compare](", markdown, StringComparison.Ordinal);

        // A report that shows every line reads the older page too, and asks only about commits not asked before.
        var all = await CompareAsync(running, deploying, new HistoryBudget { MaxGroups = 300, MaxPullLookups = 300 });
        var section = ChangeReport.Build(all).Sections[0];

        Assert.Equal(clone.FirstParent(running, deploying), section.Added.Groups.SelectMany(g => Shas(g.FirstParent)));
        Assert.Equal(1 + 25 + 2 + 235, history.Requests);
        Assert.Equal(0, section.Added.Unlisted);
    }

    [Fact]
    public async Task Several_repositories_make_one_report()
    {
        var lib = github.CreateRepo("acme/lib", new Dictionary<string, string> { ["lib.txt"] = "v1\n" });
        using var libClone = new SourceClone(lib);
        var libOld = libClone.Head;
        var libNew = libClone.Commit("Retry failed jobs twice", "Bob", "bob@example.com");
        libClone.Push();
        var appNew = clone.Commit("Add login page");
        clone.Push();

        var report = ChangeReport.Build(await CompareAsync(running, appNew), await CompareAsync(libNew, libOld, repository: "acme/lib"));
        var markdown = ChangelogMarkdown.Render(report);
        var line = ChangelogMarkdown.OneLine(report);

        Assert.Equal([ChangeDirection.Forward, ChangeDirection.Rollback], report.Sections.Select(s => s.Direction));
        Assert.Contains("### acme/app: 1 commit ships", markdown, StringComparison.Ordinal);
        Assert.Contains("### acme/lib: rollback, 1 commit is taken out", markdown, StringComparison.Ordinal);
        Assert.Equal("app: 1 new commit; lib: rollback, 1 commit out", line);
    }

    [Fact]
    public async Task Mentions_references_and_markup_from_real_commits_reach_the_report_inert()
    {
        var sha = clone.Commit("Thanks @bob: fixes #1 and acme/other#2, see https://github.com/acme/other/issues/3 <b>x</b>\n\nBody @carol");
        clone.Push();

        var markdown = ChangelogMarkdown.Render(ChangeReport.Build(await CompareAsync(running, sha)));
        var cloud = ChangelogMarkdown.Render(ChangeReport.Build(await CompareAsync(running, sha)), new MarkdownOptions { GitHub = new GitHubLinks("github.com", "redirect.github.com") });

        // Rendered for no known GitHub, every issue-shaped link loses its link; for GitHub's cloud it goes through the redirect host.
        Assert.Contains(
            "- Thanks @&#8203;bob: fixes #&#8203;1 and acme/other#&#8203;2, see https&#8203;://github.com/acme/other/issues/3 \\<b\\>x\\</b\\> (",
            markdown,
            StringComparison.Ordinal);
        Assert.Contains("see <https://redirect.github.com/acme/other/issues/3> \\<b\\>x\\</b\\> (", cloud, StringComparison.Ordinal);
        Assert.DoesNotContain("carol", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_running_commit_github_does_not_know_makes_the_comparison_unavailable()
    {
        var head = clone.Commit("Something");
        clone.Push();
        const string unknown = "cccccccccccccccccccccccccccccccccccccccc";

        var comparison = await CompareAsync(unknown, head);

        Assert.Equal(ComparisonStatus.Unavailable, comparison.Status);
        Assert.Contains("cannot compare ccccccc with", comparison.Reason, StringComparison.Ordinal);
        Assert.Equal(1, history.Requests);
        Assert.Contains("changes unknown", ChangelogMarkdown.Render(ChangeReport.Build(comparison)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_repository_the_token_cannot_see_is_our_error_not_octokits()
    {
        github.CreateRepo("acme/secret", new Dictionary<string, string> { ["a"] = "b\n" });

        var error = await Assert.ThrowsAsync<DeployException>(() => CompareAsync(running, running[..39] + "0", repository: "acme/secret"));

        Assert.Equal(ErrorKind.NotFound, error.Kind);
        Assert.Contains("contents: read", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pull_requests_github_will_not_show_leave_a_note_and_the_commits()
    {
        clone.Commit("One");
        var head = clone.Commit("Two");
        clone.Push();
        github.Inject(new InjectedFailure { Method = "GET", PathSuffix = "/pulls", Status = 403, Body = "{\"message\":\"Resource not accessible by integration\"}" });

        var comparison = await CompareAsync(running, head);

        Assert.Equal(2, comparison.Added.Count);
        Assert.All(comparison.Added, c => Assert.Null(c.PullRequests));
        Assert.Contains("403: Resource not accessible by integration; token needs pull-requests: read on acme/app", Assert.Single(comparison.Notes), StringComparison.Ordinal);
        Assert.Equal(2, history.Requests);
        Assert.Contains("Note: pull requests could not be read", ChangelogMarkdown.Render(ChangeReport.Build(comparison)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_first_deploy_and_the_same_commit_ask_nothing()
    {
        var first = await CompareAsync(null, running);
        var same = await CompareAsync(running, running.ToUpperInvariant());

        Assert.Equal(ChangeDirection.FirstDeploy, ChangeReport.Build(first).Sections[0].Direction);
        Assert.Equal(ChangeDirection.Unchanged, ChangeReport.Build(same).Sections[0].Direction);
        Assert.Equal(0, history.Requests);
    }
}
