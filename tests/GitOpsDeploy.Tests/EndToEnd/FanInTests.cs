using GitOpsDeploy.Core.Deploy;
using GitOpsDeploy.GitHub;
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

    private static DeployIntent Dead(string run, string image, DateTimeOffset created, string? sha = null, string source = "acme/app") =>
        new(Convert.ToHexStringLower(Guid.NewGuid().ToByteArray())[..12], run, created, source, sha, [new IntentTarget("staging", "environments/staging", false)]) { Images = [image] };

    /// <summary>An intent on the board whose run is gone (killed after publishing it).</summary>
    private void Place(DeployIntent intent) => Repo.Git("update-ref", GitHubApiRepository.IntentPrefix + "main/" + IntentCodec.Encode(intent), Repo.Head());

    /// <summary>While our first commit is in flight: another pipeline lands (so ours loses) and <paramref name="intents"/> join the board after ours.</summary>
    private void LoseTheFirstCommitAndThen(params Func<DeployIntent>[] intents)
    {
        var once = 0;
        GitHub.BeforeCommitOnBranch = (repo, _) =>
        {
            if (Interlocked.Exchange(ref once, 1) == 0)
            {
                repo.Commit(new Dictionary<string, string> { ["environments/staging/values.yaml"] = "replicas: 3\n" }, "another pipeline");
                foreach (var intent in intents)
                {
                    Place(intent());
                }
            }
        };
    }

    [Fact]
    public async Task An_intent_whose_run_died_is_carried_by_the_next_run_that_leads()
    {
        LoseTheFirstCommitAndThen(() => Dead("acme/app#7", "api=ghcr.io/acme/api:7.0.0", DateTimeOffset.UtcNow));

        var result = await RunAs(1, Api(("images", Image(1))));

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Equal("pushed", result.Output("operation"));
        Assert.Equal("false", result.Output("coalesced"));
        var file = Repo.ReadFile("environments/staging/kustomization.yaml");
        Assert.Contains("- name: api\n    newName: ghcr.io/acme/api\n    newTag: 7.0.0", file, StringComparison.Ordinal);
        Assert.Contains("- name: svc1\n", file, StringComparison.Ordinal);
        Assert.Equal("replicas: 3", Repo.ReadFile("environments/staging/values.yaml"));
        Assert.Contains("Deploy-Run: acme/app#7 (intent ", Repo.Message(Repo.Head()), StringComparison.Ordinal);
        Assert.Contains("carrying 1 other run's change too: acme/app#7", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dead_leader_is_taken_over_after_its_grace()
    {
        Place(Dead("acme/app#7", "api=ghcr.io/acme/api:7.0.0", DateTimeOffset.UtcNow.AddSeconds(-1)));

        var result = await RunAs(1, Api(("images", Image(1))));

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Contains("1 changes are waiting for main", result.Stdout, StringComparison.Ordinal);
        Assert.Matches("The leading intent [0-9a-f]{12} has not been applied for [67] s: applying the batch ourselves", result.Stdout);
        Assert.Contains("newTag: 7.0.0", Repo.ReadFile("environments/staging/kustomization.yaml"), StringComparison.Ordinal);
        Assert.Equal(2, Repo.CommitCount());
        // Joining is one request (our intent), the batch another.
        Assert.Equal(2, GitHub.ContentRequests(Bot));
    }

    [Fact]
    public async Task An_expired_intent_is_deleted_unapplied()
    {
        var expired = Dead("acme/app#7", "api=ghcr.io/acme/api:7.0.0", DateTimeOffset.UtcNow - DeployIntent.Lifetime - TimeSpan.FromMinutes(1));
        Place(expired);

        var result = await RunAs(1, Api(("images", Image(1))));

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.DoesNotContain("ghcr.io/acme/api", Repo.ReadFile("environments/staging/kustomization.yaml"), StringComparison.Ordinal);
        Assert.DoesNotContain(Intents(), r => r.Contains(expired.Id, StringComparison.Ordinal));
        Assert.Single(Intents());
        Assert.Equal(1, GitHub.ContentRequests(Bot));
    }

    [Fact]
    public async Task An_intent_a_dead_applier_already_committed_is_not_applied_twice()
    {
        // The applier committed api 7.0.0 for run #7 and died before the board was cleared; api has since moved on to 8.0.0.
        var carried = Dead("acme/app#7", "api=ghcr.io/acme/api:7.0.0", DateTimeOffset.UtcNow.AddSeconds(-20));
        Place(carried);
        Repo.Commit(new Dictionary<string, string> { ["environments/staging/kustomization.yaml"] = StagingKustomization + "  - name: api\n    newName: ghcr.io/acme/api\n    newTag: 7.0.0\n" },
            $"deploy(staging): api (new) -> 7.0.0\n\nApplied together: 1 pipeline wrote this branch at once.\n\nDeploy-Run: {carried.Trailer}\nEnvironment: staging\nImage: api=ghcr.io/acme/api:7.0.0\n");
        Repo.Commit(new Dictionary<string, string> { ["environments/staging/kustomization.yaml"] = StagingKustomization + "  - name: api\n    newName: ghcr.io/acme/api\n    newTag: 8.0.0\n" }, "api 8.0.0");

        var result = await RunAs(1, Api(("images", Image(1))));

        Assert.True(result.ExitCode == 0, result.Stdout);
        var file = Repo.ReadFile("environments/staging/kustomization.yaml");
        Assert.Contains("newTag: 8.0.0", file, StringComparison.Ordinal);
        Assert.Contains("- name: svc1\n", file, StringComparison.Ordinal);
        Assert.DoesNotContain(Intents(), r => r.Contains(carried.Id, StringComparison.Ordinal));
        Assert.Equal(1, GitHub.ContentRequests(Bot));
    }

    [Fact]
    public async Task Of_two_intents_for_one_image_the_newer_source_commit_wins_whatever_the_arrival()
    {
        const string WebToken = "ghs_WEBtoken0123456789abcdef";
        var web = GitHub.CreateRepo("acme/web", new Dictionary<string, string> { ["main.go"] = "package main\n" });
        var older = web.Commit(new Dictionary<string, string> { ["main.go"] = "package main // A\n" }, "A");
        var newer = web.Commit(new Dictionary<string, string> { ["main.go"] = "package main // B\n" }, "B");
        var ours = web.Commit(new Dictionary<string, string> { ["main.go"] = "package main // C\n" }, "C");
        GitHub.AddToken(WebToken, Permission.Write, "acme/web");
        // The newer build's intent arrives first, the older one's last.
        LoseTheFirstCommitAndThen(
            () => Dead("acme/web#2", "web=ghcr.io/acme/web:b", DateTimeOffset.UtcNow, newer, "acme/web"),
            () => Dead("acme/web#1", "web=ghcr.io/acme/web:a", DateTimeOffset.UtcNow.AddMilliseconds(5), older, "acme/web"));

        var result = await RunAs(3, Api(("images", "worker=ghcr.io/acme/worker:c"), ("source-repository", "acme/web"), ("source-sha", ours), ("token", WebToken)));

        Assert.True(result.ExitCode == 0, result.Stdout);
        var file = Repo.ReadFile("environments/staging/kustomization.yaml");
        Assert.Contains("newName: ghcr.io/acme/web\n    newTag: \"b\" # current release", file, StringComparison.Ordinal);
        Assert.EndsWith("newName: ghcr.io/acme/worker\n    newTag: c", file, StringComparison.Ordinal);
        Assert.Contains($"acme/web#2 deploys the same image from {newer[..7]}, a newer commit than {older[..7]}", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("acme/web#1", Repo.Message(Repo.Head()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_secondary_rate_limit_on_content_is_waited_out_not_failed()
    {
        GitHub.ContentLimitPerMinute = 1;
        GitHub.ContentWindow = TimeSpan.FromSeconds(2);
        Assert.Equal(0, (await RunAs(1, Api(("images", Image(1))))).ExitCode);

        var limited = await RunAs(2, Api(("images", Image(2))));

        Assert.True(limited.ExitCode == 0, limited.Stdout);
        Assert.Equal("pushed", limited.Output("operation"));
        Assert.Contains("/api/graphql hit GitHub's rate limit (403); waiting ", limited.Stdout, StringComparison.Ordinal);
        Assert.True(GitHub.RateLimited(Bot) >= 1);
        Assert.Contains("- name: svc2\n", Repo.ReadFile("environments/staging/kustomization.yaml"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_run_cancelled_while_it_waits_withdraws_its_intent()
    {
        var dead = Dead("acme/app#7", "api=ghcr.io/acme/api:7.0.0", DateTimeOffset.UtcNow.AddSeconds(-1));
        Place(dead);
        using var cancel = new CancellationTokenSource();
        var run = ActionRun.RunAsync(GitHub, Api(("images", Image(1))), new Dictionary<string, string> { ["GITHUB_RUN_ID"] = "1" }, cancel.Token);
        // Ours joins behind the dead leader (takeover only after 6 s): wait until it is on the board, then cancel.
        for (var i = 0; i < 100 && Intents().Length < 2; i++)
        {
            await Task.Delay(50);
        }

        Assert.Equal(2, Intents().Length);
        cancel.Cancel();
        var result = await run;

        Assert.NotEqual(0, result.ExitCode);
        Assert.Equal([dead.Id], Intents().Select(r => r[(GitHubApiRepository.IntentPrefix + "main/").Length..].Split('/')[0].Split('-')[1]));
        Assert.Equal(1, Repo.CommitCount());
    }
}
