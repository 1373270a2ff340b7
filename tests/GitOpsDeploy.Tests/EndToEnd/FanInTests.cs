using System.Security.Cryptography;
using GitOpsDeploy.Core.Landing.FanIn;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.GitHub.Api;
using GitOpsDeploy.Tests.Fakes;

namespace GitOpsDeploy.Tests.EndToEnd;

/// <summary>
/// Fan-in (coalesce: auto): runs that find the branch contended publish intents with their job's ID
/// token, and the oldest intent's run commits every intent that proves itself at once. The fake
/// enforces GitHub's 80 content requests per minute, its 255-byte ref limit and its OIDC issuer.
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

        // Every run is named exactly once across the commits: batches name each run they carried, the others their own.
        var named = commits.SelectMany(c => Repo.Message(c).Split('\n')).Where(l => l.StartsWith("Deploy-Run: acme/app#", StringComparison.Ordinal)).ToList();
        Assert.Equal(runs, named.Count);
        Assert.Equal(runs, named.Select(l => l.Split(' ')[1]).Distinct().Count());
        Assert.Contains(commits.Select(Repo.Message), m => m.Contains("Applied together", StringComparison.Ordinal));
        Assert.Contains(results, r => r.Stdout.Contains("intents: acme/app#", StringComparison.Ordinal));
        Assert.Equal(0, GitHub.RateLimited(Bot));
        // A loser's first attempt is its bare commit; it then publishes (payload object + one mutation); batches are one each.
        Assert.InRange(GitHub.ContentRequests(Bot), runs + 1, (3 * runs) + 2);
        Assert.All(Intents(), r => Assert.InRange(System.Text.Encoding.UTF8.GetByteCount(r), 1, 80));

        // What stays on the board is carried; the next write clears it, and commits alone in that same one request.
        Assert.NotEmpty(Intents());
        var before = GitHub.ContentRequests(Bot);
        var next = await RunAs(99, Api(("images", "web=ghcr.io/acme/web:9.9.9")));
        Assert.Equal("pushed", next.Output("operation"));
        Assert.Equal("false", next.Output("coalesced"));
        Assert.Empty(Intents());
        Assert.Equal(before + 1, GitHub.ContentRequests(Bot));
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
        Assert.DoesNotContain("Applied together", Repo.Git("log", "--format=%B", $"{head}..main"), StringComparison.Ordinal);
        Assert.Empty(Intents());
        // Each commit still names the run that made it.
        for (var i = 1; i <= runs; i++)
        {
            Assert.Contains($"Deploy-Run: acme/app#{i} (intent ", Repo.Git("log", "--format=%B", $"{head}..main"), StringComparison.Ordinal);
        }
    }

    private static string NewSha() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));

    /// <summary>An intent as another run of this action would publish it, with its job's ID token.</summary>
    private DeployIntent Dead(string run, string image, DateTimeOffset created, string? sha = null, string source = "acme/app", string environment = "staging", string overlay = "environments/staging", string? jobEnvironment = null) =>
        Prove(new DeployIntent(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)), run, DateTimeOffset.FromUnixTimeMilliseconds(created.ToUnixTimeMilliseconds()), source, sha ?? NewSha(), [new IntentTarget(environment, overlay)])
        {
            Images = [image], GitOpsRepository = "acme/gitops", Branch = "main",
        }, jobEnvironment);

    private DeployIntent Prove(DeployIntent intent, string? jobEnvironment = null) =>
        intent with { Proof = GitHub.MintIdToken(ClaimsOf(intent) with { Environment = jobEnvironment }, IntentCodec.Audience(intent)) };

    private static JobClaims ClaimsOf(DeployIntent intent) => new(intent.SourceRepository, intent.SourceSha, intent.RunId ?? 0);

    /// <summary>Puts an intent on the board as its run would: a payload commit and a short ref naming it.</summary>
    private void Place(DeployIntent intent, string? payload = null)
    {
        var tree = Repo.Git("rev-parse", "main^{tree}");
        var commit = Repo.Git("commit-tree", tree, "-m", payload ?? IntentCodec.Payload(intent));
        Repo.Git("update-ref", ApiIntentBoard.IntentRef("main", IntentCodec.Name(intent)), commit);
    }

    private string[] IntentIds() => Intents().Select(r => r.Split('/')[^1].Split('-')[1]).ToArray();

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
        Assert.Contains("Committed ", result.Stdout, StringComparison.Ordinal);
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
        // Joining is two requests (our payload object, then the ref), the batch one more.
        Assert.Equal(3, GitHub.ContentRequests(Bot));
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
        Assert.Empty(Intents());
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
        Assert.Contains("Could not commit to 'main' yet: GitHub's rate limit (403); waiting ", limited.Stdout, StringComparison.Ordinal);
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
        Assert.Equal([dead.Id], IntentIds());
        Assert.Equal(1, Repo.CommitCount());
    }

    public static TheoryData<string, string> Forgeries() => new()
    {
        { "no token", "its proof does not verify: it is not a JSON web token" },
        { "signed with another key", "its signature does not verify against the keys of" },
        { "another issuer", "was issued by 'https://evil.example/_services/token'" },
        { "another repository's job", "was issued to a job of acme/evil, not acme/app" },
        { "another run", "was issued to run 8, not acme/app#7" },
        { "another commit", "was issued for commit" },
        { "an expired token", "it expired at" },
        { "a token for other content", "it was issued for another audience" },
        { "an untrusted owner", "other/app is not among the owners this run trusts" },
        { "production without its environment", "production is a production environment here" },
        { "the gitops CI", "under .github/" },
        { "an Argo CD Application outside helm", "the action edits one only under spec.source.helm" },
        { "the repository root", "is the root of the gitops repository" },
    };

    [Theory]
    [MemberData(nameof(Forgeries))]
    public async Task An_intent_that_does_not_prove_itself_is_cleared_unapplied_and_never_blocks_the_batch(string forgery, string reason)
    {
        Repo.Commit(new Dictionary<string, string> { ["argocd/staging-app.yaml"] = "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: web-staging\nspec:\n  destination:\n    namespace: web\n" }, "argocd");
        // Dated after ours, so our run leads and has to judge it.
        var at = DateTimeOffset.UtcNow.AddSeconds(30);
        var honest = Dead("acme/app#7", "api=ghcr.io/evil/api:6.6.6", at);
        var sha = honest.SourceSha;
        DeployIntent forged = forgery switch
        {
            "no token" => honest with { Proof = "not-a-token" },
            "signed with another key" => honest with { Proof = GitHub.MintIdToken(ClaimsOf(honest), IntentCodec.Audience(honest), key: RSA.Create(2048)) },
            "another issuer" => honest with { Proof = GitHub.MintIdToken(ClaimsOf(honest), IntentCodec.Audience(honest), issuer: "https://evil.example/_services/token") },
            "another repository's job" => honest with { Proof = GitHub.MintIdToken(ClaimsOf(honest) with { Repository = "acme/evil" }, IntentCodec.Audience(honest)) },
            "another run" => honest with { Proof = GitHub.MintIdToken(ClaimsOf(honest) with { RunId = 8 }, IntentCodec.Audience(honest)) },
            "another commit" => honest with { Proof = GitHub.MintIdToken(ClaimsOf(honest) with { Sha = NewSha() }, IntentCodec.Audience(honest)) },
            "an expired token" => honest with { Proof = GitHub.MintIdToken(ClaimsOf(honest), IntentCodec.Audience(honest), TimeSpan.FromMinutes(5), DateTimeOffset.UtcNow.AddMinutes(-10)) },
            // A real token of a real run, moved onto other content: the audience commits to the content.
            "a token for other content" => Dead("acme/app#7", "web=ghcr.io/acme/web:1.1.0", at, sha) with { Images = ["api=ghcr.io/evil/api:6.6.6"] },
            "an untrusted owner" => Dead("other/app#7", "api=ghcr.io/evil/api:6.6.6", at, source: "other/app"),
            "production without its environment" => Dead("acme/app#7", "api=ghcr.io/evil/api:6.6.6", at, environment: "production", overlay: "environments/production"),
            "the gitops CI" => Prove(honest with { Images = [], Settings = ["ci.yaml:on=push"], Targets = [new IntentTarget("staging", ".github/workflows")] }),
            "an Argo CD Application outside helm" => Prove(honest with { Images = [], Settings = ["staging-app.yaml:spec.destination.namespace=kube-system"], Targets = [new IntentTarget("staging", "argocd")] }),
            "the repository root" => Prove(honest with { Images = [], Settings = ["README.md:a=b"], Targets = [new IntentTarget("staging", ".")] }),
            _ => throw new ArgumentOutOfRangeException(nameof(forgery)),
        };
        LoseTheFirstCommitAndThen(() => forged);

        var result = await RunAs(1, Api(("images", Image(1))));

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Contains($"Intent {forged.Id} of {forged.Run}: Dropped (", result.Stdout, StringComparison.Ordinal);
        Assert.Contains(reason, result.Stdout, StringComparison.Ordinal);
        Assert.Contains("- name: svc1\n", Repo.ReadFile("environments/staging/kustomization.yaml"), StringComparison.Ordinal);
        var everything = Repo.Git("log", "-p", "main");
        Assert.DoesNotContain("evil", everything, StringComparison.Ordinal);
        Assert.DoesNotContain("kube-system", everything, StringComparison.Ordinal);
        Assert.DoesNotContain(forged.Id, IntentIds());
    }

    [Fact]
    public async Task Long_names_coalesce_within_githubs_ref_limit()
    {
        const string Source = "my-platform-organisation/observability-platform-service";
        const string Branch = "release/observability-platform-service/2026-12-quarterly-platform-maintenance-window";
        Repo.Git("branch", Branch, "main");
        var inputs = (int i) => Api(("images", $"observability-platform-service-{i}=ghcr.io/my-platform-organisation/observability-platform-service-{i}:1.2.3-rc.1"),
            ("source-repository", Source), ("base-branch", Branch), ("coalesce-trust", "my-platform-organisation"), ("token", SourceToken));
        GitHub.CreateApiRepo(Source);
        const int runs = 4;
        RaceTheFirstCommits(runs);

        var results = await Task.WhenAll(Enumerable.Range(1, runs).Select(i =>
            ActionRun.RunAsync(GitHub, inputs(i), new Dictionary<string, string> { ["GITHUB_RUN_ID"] = $"1234567890{i}", ["GITHUB_REPOSITORY"] = Source })));

        Assert.All(results, r => Assert.True(r.ExitCode == 0, r.Stdout));
        Assert.Contains(results, r => r.Output("coalesced") == "true");
        var file = Repo.ReadFile("environments/staging/kustomization.yaml", Branch);
        for (var i = 1; i <= runs; i++)
        {
            Assert.Contains($"newName: ghcr.io/my-platform-organisation/observability-platform-service-{i}\n    newTag: 1.2.3-rc.1", file, StringComparison.Ordinal);
        }

        Assert.All(Repo.Git("for-each-ref", "--format=%(refname)").Split('\n'), r => Assert.InRange(System.Text.Encoding.UTF8.GetByteCount(r), 1, 255));
    }

    [Fact]
    public async Task A_run_without_an_id_token_does_not_take_part_and_says_why_once()
    {
        RaceTheFirstCommits(2);
        var results = await Task.WhenAll(Enumerable.Range(1, 2).Select(i => ActionRun.RunAsync(GitHub, Api(("images", Image(i))),
            new Dictionary<string, string> { ["GITHUB_RUN_ID"] = $"{i}", ["ACTIONS_ID_TOKEN_REQUEST_URL"] = string.Empty })));

        Assert.All(results, r => Assert.True(r.ExitCode == 0, r.Stdout));
        Assert.All(results, r => Assert.Equal("false", r.Output("coalesced")));
        Assert.Contains(results, r => r.Stdout.Contains("Retrying on the new tip", StringComparison.Ordinal));
        Assert.All(results, r => Assert.True(r.Stdout.Split("Not taking part in fan-in").Length <= 2, r.Stdout));
        Assert.Contains(results, r => r.Stdout.Contains("Not taking part in fan-in (this job has no ID token: its workflow does not grant 'permissions: id-token: write')", StringComparison.Ordinal));
        Assert.Empty(Intents());
    }

    [Fact]
    public async Task An_intent_the_api_cannot_write_is_dropped_and_the_leader_stays_on_the_api()
    {
        Repo.CommitExecutable("environments/staging/run.sh", "#!/bin/sh\n");
        Repo.Commit(new Dictionary<string, string> { ["environments/staging/run.yaml"] = "a: 1\n" }, "values");
        // run.sh is executable: an API commit would drop the bit. Only its own run may fall back to git for it.
        var poison = Prove(Dead("acme/app#7", "api=ghcr.io/acme/api:7.0.0", DateTimeOffset.UtcNow.AddSeconds(30)) with { Images = [], Settings = ["run.sh:a=2"] });
        LoseTheFirstCommitAndThen(() => poison);

        var result = await RunAs(1, Api(("images", Image(1))));

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Contains($"Intent {poison.Id} of acme/app#7: Dropped (", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("commits with the git method instead", result.Stdout, StringComparison.Ordinal);
        Assert.True(GitHub.IsVerified(Repo.Head()));
        Assert.Equal("#!/bin/sh\n", Repo.ReadFile("environments/staging/run.sh") + "\n");
        Assert.DoesNotContain(poison.Id, IntentIds());
    }

    [Fact]
    public async Task A_commit_that_names_our_intent_without_our_change_does_not_end_our_run()
    {
        // Our first two commits lose, so the second publishes our intent and we wait; then someone with write
        // access writes a commit whose trailer names our intent without carrying it: a trailer proves nothing.
        var lost = 0;
        GitHub.BeforeCommitOnBranch = (repo, _) =>
        {
            if (Interlocked.Increment(ref lost) <= 2)
            {
                repo.Commit(new Dictionary<string, string> { ["environments/staging/values.yaml"] = $"replicas: {lost + 2}\n" }, "another pipeline");
            }
        };
        var placed = 0;
        GitHub.BeforeGraphQlQuery = () =>
        {
            if (Intents().FirstOrDefault() is { } ours && Interlocked.Exchange(ref placed, 1) == 0)
            {
                var id = ours.Split('/')[^1].Split('-')[1];
                Repo.Commit(new Dictionary<string, string> { ["README.md"] = "hi\n" }, $"chore\n\nDeploy-Run: acme/app#1 (intent {id})\n");
            }
        };

        var result = await RunAs(1, Api(("images", Image(1))));

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Contains("names our intent but does not have our change: going on alone", result.Stdout, StringComparison.Ordinal);
        Assert.Equal("false", result.Output("coalesced"));
        Assert.Contains("- name: svc1\n", Repo.ReadFile("environments/staging/kustomization.yaml"), StringComparison.Ordinal);
        Assert.Empty(Intents());
    }
}
