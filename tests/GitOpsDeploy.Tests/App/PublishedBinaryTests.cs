using System.Diagnostics;
using System.Text.RegularExpressions;
using GitOpsDeploy.Tests.Fakes;

namespace GitOpsDeploy.Tests.App;

/// <summary>
/// Publishes once, exactly as the Dockerfile does (its restore and publish lines, run verbatim). A trimmed,
/// composite ReadyToRun publish takes minutes on two cores, so this tier runs where it is asked for
/// (<c>GITOPS_DEPLOY_PUBLISHED_TESTS=1</c>, as <c>.ci/run</c> does in a step of its own) and reports itself
/// skipped in the README's test command.
/// </summary>
public sealed partial class PublishedBinaryFixture : IDisposable
{
    public const string Switch = "GITOPS_DEPLOY_PUBLISHED_TESTS";

    public PublishedBinaryFixture()
    {
        var repo = ConventionTests.RepoRoot();
        Output = Directory.CreateTempSubdirectory("published-").FullName;
        Root = Path.Combine(Output, "src-copy");
        Binary = Path.Combine(Output, "app", "gitops-deploy");
        if (!Enabled)
        {
            return;
        }

        var dockerfile = File.ReadAllText(Path.Combine(repo, "Dockerfile"));

        // What the Dockerfile COPYs into its build stage, without build outputs.
        foreach (Match copy in DockerCopy().Matches(dockerfile))
        {
            foreach (var source in copy.Groups["sources"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                CopyTree(Path.Combine(repo, source), Path.Combine(Root, source));
            }
        }

        foreach (Match line in DotnetRun().Matches(dockerfile))
        {
            var args = line.Groups["args"].Value.Replace(" -o /app", $" -o {Path.Combine(Output, "app")}", StringComparison.Ordinal);
            Log += Run("dotnet", args, Root, TimeSpan.FromMinutes(15)).Output;
        }
    }

    /// <summary>Whether this run asked for the published tier.</summary>
    public static bool Enabled => Environment.GetEnvironmentVariable(Switch) == "1";

    public string Root { get; }

    public string Output { get; }

    public string Binary { get; }

    public string Log { get; } = string.Empty;

    public void Dispose() => Directory.Delete(Output, recursive: true);

    public static (int Exit, string Output) Run(string file, string args, string directory, TimeSpan timeout, IDictionary<string, string>? env = null)
    {
        var start = new ProcessStartInfo(file, args) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (key, value) in env ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {args} did not finish in {timeout}");
        }

        var output = stdout.Result + stderr.Result;
        if (file == "dotnet" && process.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet {args} failed:\n{output}");
        }

        return (process.ExitCode, output);
    }

    private static void CopyTree(string source, string target)
    {
        if (File.Exists(source))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(source, target, overwrite: true);
            return;
        }

        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(source, file);
            if (relative.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"))
            {
                continue;
            }

            CopyTree(file, Path.Combine(target, relative));
        }
    }

    // "COPY a b dest/" in the build stage: every token but the last is a source (ignores --from copies).
    [GeneratedRegex(@"^COPY (?!--)(?<sources>.+) \S+$", RegexOptions.Multiline)]
    private static partial Regex DockerCopy();

    [GeneratedRegex(@"^RUN dotnet (?<args>(restore|publish) .+)$", RegexOptions.Multiline)]
    private static partial Regex DotnetRun();
}

/// <summary>
/// The published (self-contained, ReadyToRun, trimmed) binary, end to end: a missing native library
/// or a trimming break in Octokit, CommandLineParser or LibGit2Sharp fails here, without Docker.
/// </summary>
[Trait("Tier", "Published")]
public sealed class PublishedBinaryTests(PublishedBinaryFixture published) : IClassFixture<PublishedBinaryFixture>
{
    private static void RequirePublished() =>
        Skip.IfNot(PublishedBinaryFixture.Enabled, $"the published tier runs in .ci/run ({PublishedBinaryFixture.Switch}=1 dotnet test --filter Tier=Published)");

    [SkippableFact]
    public void Help_works()
    {
        RequirePublished();
        var (exit, output) = PublishedBinaryFixture.Run(published.Binary, "--help", published.Root, TimeSpan.FromSeconds(30));
        Assert.Equal(0, exit);
        Assert.Contains("--gitops-repository", output, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void The_embedded_example_deploys()
    {
        RequirePublished();
        var (exit, output) = PublishedBinaryFixture.Run(published.Binary, "example", published.Root, TimeSpan.FromSeconds(60));
        Assert.True(exit == 0, output);
        Assert.Contains("+    newTag: \"1.4.2\"", output, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_merge_mode_run_with_a_deployment_works_through_octokit_and_graphql()
    {
        RequirePublished();
        await using var github = await FakeGitHub.StartAsync();
        github.AddToken("ghs_publishedTOKEN123", Permission.Write);
        var repo = github.CreateRepo("acme/gitops", new Dictionary<string, string> { ["environments/staging/kustomization.yaml"] = "images:\n- name: web\n  newTag: \"1\"\n" });
        var app = github.CreateApiRepo("acme/app");
        github.Api("acme/gitops").AllowAutoMerge = true;
        var outputFile = Path.GetTempFileName();
        var env = new Dictionary<string, string>
        {
            ["GITHUB_ACTIONS"] = "true",
            ["GITHUB_OUTPUT"] = outputFile,
            ["GITHUB_SERVER_URL"] = github.ServerUrl,
            ["GITHUB_API_URL"] = github.ServerUrl + "/api/v3",
            ["GITHUB_REPOSITORY"] = "acme/app",
            ["GITHUB_SHA"] = "0123456789abcdef0123456789abcdef01234567",
            ["GITHUB_RUN_ID"] = "1",
            ["INPUT_PIN"] = "none", // ghcr.io/acme/... exists in no registry this machine reaches
            ["INPUT_GITOPS-REPOSITORY"] = "acme/gitops",
            ["INPUT_GITOPS-TOKEN"] = "ghs_publishedTOKEN123",
            ["INPUT_TOKEN"] = "ghs_publishedTOKEN123",
            ["INPUT_ENVIRONMENT"] = "staging",
            ["INPUT_IMAGES"] = "web=ghcr.io/acme/web:2",
            ["INPUT_MODE"] = "auto-merge",
        };

        var (exit, output) = await Task.Run(() => PublishedBinaryFixture.Run(published.Binary, string.Empty, published.Root, TimeSpan.FromSeconds(60), env));

        Assert.True(exit == 0, output);
        var outputs = ActionRun.ParseOutputs(File.ReadAllText(outputFile));
        File.Delete(outputFile);
        Assert.Equal("merged", outputs["operation"]);
        Assert.Contains("newTag: \"2\"", repo.ReadFile("environments/staging/kustomization.yaml"), StringComparison.Ordinal);
        Assert.Equal(["in_progress", "success"], Assert.Single(app.Deployments).Statuses.Select(s => s.State));
        Assert.Contains("POST /api/graphql", string.Join('\n', github.Requests), StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Ten_processes_at_once_land_in_a_few_verified_commits_within_the_content_limit()
    {
        RequirePublished();
        const int runs = 10;
        await using var github = await FakeGitHub.StartAsync();
        github.AddToken("ghs_publishedTOKEN123", Permission.Write);
        github.SetLogin("ghs_publishedTOKEN123", "fan-in[bot]");
        github.ContentLimitPerMinute = 80;
        var repo = github.CreateRepo("acme/gitops", new Dictionary<string, string> { ["environments/staging/kustomization.yaml"] = "images: []\n" });
        github.CreateApiRepo("acme/app");
        var head = repo.Head();
        // The first attempts wait (up to 5 s) for each other, so the runs really race on one head.
        var arrived = 0;
        var gate = new ManualResetEventSlim();
        github.BeforeCommitOnBranch = (_, _) =>
        {
            if (Interlocked.Increment(ref arrived) >= runs)
            {
                gate.Set();
            }

            gate.Wait(TimeSpan.FromSeconds(5));
        };
        var outputs = Enumerable.Range(1, runs).Select(_ => Path.GetTempFileName()).ToList();
        // Each run is a job with permissions id-token: write: a run without an ID token never takes part in fan-in.
        var jobs = Enumerable.Range(1, runs).Select(i => github.RegisterJob(new JobClaims("acme/app", "0123456789abcdef0123456789abcdef01234567", i))).ToList();
        Dictionary<string, string> Env(int i) => new(jobs[i - 1])
        {
            ["GITHUB_ACTIONS"] = "true",
            ["GITHUB_OUTPUT"] = outputs[i - 1],
            ["GITHUB_SERVER_URL"] = github.ServerUrl,
            ["GITHUB_API_URL"] = github.ServerUrl + "/api/v3",
            ["GITHUB_REPOSITORY"] = "acme/app",
            ["GITHUB_SHA"] = "0123456789abcdef0123456789abcdef01234567",
            ["GITHUB_RUN_ID"] = $"{i}",
            ["INPUT_PIN"] = "none", // ghcr.io/acme/... exists in no registry this machine reaches
            ["INPUT_GITOPS-REPOSITORY"] = "acme/gitops",
            ["INPUT_GITOPS-TOKEN"] = "ghs_publishedTOKEN123",
            ["INPUT_ENVIRONMENT"] = "staging",
            ["INPUT_IMAGES"] = $"svc{i}=ghcr.io/acme/svc{i}:1.0.0",
            ["INPUT_MODE"] = "push",
            ["INPUT_DEPLOYMENT"] = "false",
        };

        var results = await Task.WhenAll(Enumerable.Range(1, runs).Select(i => Task.Run(() => PublishedBinaryFixture.Run(published.Binary, string.Empty, published.Root, TimeSpan.FromSeconds(120), Env(i)))));

        Assert.All(results, r => Assert.True(r.Exit == 0, r.Output));
        var file = repo.ReadFile("environments/staging/kustomization.yaml");
        Assert.All(Enumerable.Range(1, runs), i => Assert.Contains($"name: svc{i}\n", file + "\n", StringComparison.Ordinal));
        var commits = repo.Git("rev-list", $"{head}..main").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.InRange(commits.Length, 1, runs / 2);
        Assert.All(commits, c => Assert.True(github.IsVerified(c)));
        Assert.Equal(0, github.RateLimited("fan-in[bot]"));
        // Every run's first attempt is its bare commit; a loser then publishes (payload object + one mutation); each batch is one more.
        Assert.InRange(github.ContentRequests("fan-in[bot]"), runs + 1, (3 * runs) + 2);
        var parsed = outputs.Select(o => ActionRun.ParseOutputs(File.ReadAllText(o))).ToList();
        outputs.ForEach(File.Delete);
        Assert.All(parsed, o => Assert.Contains(o["commit-sha"], commits));
        Assert.All(parsed, o => Assert.Equal("pushed", o["operation"]));
        // Each commit was made by one run; every other run was carried.
        Assert.Equal(runs - commits.Length, parsed.Count(o => o["coalesced"] == "true"));
    }
}
