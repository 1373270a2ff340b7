using GitOpsDeploy.Tests.Fakes;

namespace GitOpsDeploy.Tests.EndToEnd;

/// <summary>
/// Fan-in (coalesce: auto): runs that lose the compare-and-swap publish intents, and the oldest
/// intent's run commits them all at once. The fake enforces GitHub's 80 content requests per minute.
/// </summary>
[Trait("Tier", "EndToEnd")]
public sealed class FanInTests : GitOpsFixture
{
    private const string Bot = "deploy-app[bot]";

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        GitHub.SetLogin(WriteToken, Bot);
        GitHub.ContentLimitPerMinute = 80;
    }

    private Dictionary<string, string> Api(params (string Name, string Value)[] overrides) =>
        Inputs([("commit-method", "api"), ("deployment", "false"), .. overrides]);

    private Task<ActionResult> RunAs(int run, Dictionary<string, string> inputs) =>
        ActionRun.RunAsync(GitHub, inputs, new Dictionary<string, string> { ["GITHUB_RUN_ID"] = $"{run}" });

    /// <summary>Holds the first <paramref name="racers"/> commits until all have arrived, so they race on the same head.</summary>
    private void RaceTheFirstCommits(int racers)
    {
        var arrived = 0;
        var gate = new ManualResetEventSlim();
        GitHub.BeforeCommitOnBranch = (_, _) =>
        {
            var number = Interlocked.Increment(ref arrived);
            if (number <= racers)
            {
                if (number == racers)
                {
                    gate.Set();
                }

                gate.Wait(TimeSpan.FromSeconds(20));
            }
        };
    }

    private static string Image(int i) => $"svc{i}=ghcr.io/acme/svc{i}:1.{i}.0";

    [Fact]
    public async Task Runs_that_race_one_branch_land_in_fewer_commits_and_each_says_which_commit_carried_it()
    {
        const int runs = 6;
        RaceTheFirstCommits(runs);
        var head = Repo.Head();

        var results = await Task.WhenAll(Enumerable.Range(1, runs).Select(i => RunAs(i, Api(("images", Image(i))))));

        Assert.All(results, r => Assert.True(r.ExitCode == 0, r.Stdout));
        var file = Repo.ReadFile("environments/staging/kustomization.yaml");
        for (var i = 1; i <= runs; i++)
        {
            Assert.Contains($"- name: svc{i}\n    newName: ghcr.io/acme/svc{i}\n    newTag: 1.{i}.0", file, StringComparison.Ordinal);
        }

        var commits = Repo.Git("rev-list", $"{head}..main").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.InRange(commits.Length, 2, 3);
        Assert.All(commits, c => Assert.True(GitHub.IsVerified(c)));
        var coalesced = results.Where(r => r.Output("coalesced") == "true").ToList();
        Assert.NotEmpty(coalesced);
        foreach (var (result, i) in results.Select((r, i) => (r, i + 1)))
        {
            Assert.Equal("pushed", result.Output("operation"));
            Assert.Equal("true", result.Output("verified"));
            var carrier = result.Output("commit-sha");
            Assert.Contains(carrier, commits);
            Assert.Contains($"Image: {Image(i).Split('=')[0]}=ghcr.io/acme/svc{i}:1.{i}.0", Repo.Message(carrier), StringComparison.Ordinal);
        }

        // The batch names every run it carried; the winner's commit names its own run.
        var batch = commits.Select(Repo.Message).Single(m => m.Contains("Applied together", StringComparison.Ordinal));
        Assert.Equal(runs - 1, batch.Split('\n').Count(l => l.StartsWith("Deploy-Run: acme/app#", StringComparison.Ordinal)));
        Assert.Contains(results, r => r.Stdout.Contains($"carrying {runs - 1} intents", StringComparison.Ordinal));
        Assert.Equal(0, GitHub.RateLimited(Bot));
        // Each run's one attempt publishes its intent in the same request; then one batch commit.
        Assert.Equal(runs + 1, GitHub.ContentRequests(Bot));

        // What stays on the board is carried (the batch cleared the winner's, which the winner's commit carried); the next write clears it.
        Assert.Equal(runs - 1, Intents().Length);
        var next = await RunAs(99, Api(("images", "web=ghcr.io/acme/web:9.9.9")));
        Assert.Equal("pushed", next.Output("operation"));
        Assert.Equal("false", next.Output("coalesced"));
        Assert.Single(Intents());
        Assert.Equal(runs + 2, GitHub.ContentRequests(Bot));
    }

    private string[] Intents() => Repo.Git("for-each-ref", "--format=%(refname)", "refs/gitops-deploy/").Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public async Task With_coalesce_off_every_run_retries_alone()
    {
        const int runs = 3;
        RaceTheFirstCommits(runs);
        var head = Repo.Head();

        var results = await Task.WhenAll(Enumerable.Range(1, runs).Select(i => RunAs(i, Api(("images", Image(i)), ("coalesce", "off")))));

        Assert.All(results, r => Assert.True(r.ExitCode == 0, r.Stdout));
        Assert.All(results, r => Assert.Equal("false", r.Output("coalesced")));
        Assert.Equal(runs, Repo.Git("rev-list", "--count", $"{head}..main").Trim() switch { var n => int.Parse(n, System.Globalization.CultureInfo.InvariantCulture) });
        Assert.DoesNotContain(Repo.Git("log", "--format=%B", $"{head}..main"), "Deploy-Run:", StringComparison.Ordinal);
    }
}
