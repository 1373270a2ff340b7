using System.Diagnostics;
using System.Globalization;
using System.Text;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Git;
using GitOpsDeploy.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;

// Usage: GitOpsDeploy.Bench <folder with published variants> [runs]
// Figures and ratios against a git CLI baseline on the same loopback smart-HTTP server; asserts nothing.
var variants = Path.GetFullPath(args.Length > 0 ? args[0] : "bench/out");
var runs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
var tool = Path.Combine(variants, "dockerfile", "gitops-deploy");
const string Token = "ghs_benchTOKEN0123456789";
var inv = CultureInfo.InvariantCulture;

// BENCH_ONLY=s: only what the supply-chain gate (pin, verify-attestations) adds, against a real registry; BENCH_TOOL runs
// another build of the tool (e.g. a framework-dependent publish) than the Dockerfile's variant.
// BENCH_ONLY=r: only what the promotion report costs, renderer off and on, on a small and a 2,000-file gitops repository.
if (Environment.GetEnvironmentVariable("BENCH_ONLY") == "r")
{
    return await ReportBench.RunAsync(Environment.GetEnvironmentVariable("BENCH_TOOL") ?? tool, runs);
}

if (Environment.GetEnvironmentVariable("BENCH_ONLY") == "s")
{
    return await SupplyChainBench.RunAsync(Environment.GetEnvironmentVariable("BENCH_TOOL") ?? tool, runs);
}

// BENCH_ONLY=d: only what DORA metrics cost over a window of 500 deployments, the REST reads of before against the GraphQL pages of now.
if (Environment.GetEnvironmentVariable("BENCH_ONLY") == "d")
{
    return await DoraBench.RunAsync(runs);
}

await using var github = await FakeGitHub.StartAsync();
github.AddToken(Token, Permission.Write);
github.CreateApiRepo("acme/app");
var kustomization = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../../base\nimages:\n  - name: web\n    newName: ghcr.io/acme/web\n    newTag: \"1.0.0\"\n";
var small = github.CreateRepo("acme/small", new Dictionary<string, string>
{
    ["base/kustomization.yaml"] = "resources: []\n",
    ["environments/staging/kustomization.yaml"] = kustomization,
});
var tag = 0;
var only = Environment.GetEnvironmentVariable("BENCH_ONLY");

// BENCH_ONLY=startup: the small push only, both methods, against the script; BENCH_TOOL_B adds a second
// build (e.g. before a change) interleaved with the first in the same run, so both rows share the machine's drift.
if (only == "startup")
{
    var builds = new List<(string Name, string Binary)> { ("A", Environment.GetEnvironmentVariable("BENCH_TOOL") ?? tool) };
    if (Environment.GetEnvironmentVariable("BENCH_TOOL_B") is { } b)
    {
        builds.Add(("B", b));
    }

    Console.WriteLine($"small push, {runs} runs each, medians; A = {builds[0].Binary}" + (builds.Count > 1 ? $", B = {builds[1].Binary}" : string.Empty));
    // "image" runs the tool with the default image's PATH (no kubectl, kustomize or helm: no rendered diff);
    // "renderers" with this machine's PATH (kubectl found: the report renders the overlay before and after).
    var bare = Directory.CreateTempSubdirectory("bench-path-").FullName;
    var cases = new[] { ("api", "image"), ("git", "image"), ("api", "renderers") };
    var times = builds.SelectMany(build => cases.Select(v => (build.Name, v.Item1, v.Item2))).ToDictionary(k => k, _ => new List<double>());
    // CPU time (user + system, the tool and every process it waited for) holds still on a busy machine where wall time does not.
    var cpu = times.Keys.ToDictionary(k => k, _ => new List<double>());
    var scriptCpu = new List<double>();
    var script = new List<double>();
    for (var i = 0; i < runs; i++)
    {
        foreach (var (name, binary) in builds)
        {
            foreach (var (method, path) in cases)
            {
                var before = ChildCpu.Milliseconds();
                var run = RunTool(binary, github, small, "push", $"2.{++tag}.0", method: method, path: path == "image" ? bare : null);
                if (run.Exit != 0)
                {
                    throw new InvalidOperationException($"{binary} ({method}, {path}) exited {run.Exit}: a failed run is no figure");
                }

                times[(name, method, path)].Add(run.Ms);
                cpu[(name, method, path)].Add(ChildCpu.Milliseconds() - before);
            }
        }

        var cliBefore = ChildCpu.Milliseconds();
        script.Add(RunCli(github, small, "push", $"3.{++tag}.0"));
        scriptCpu.Add(ChildCpu.Milliseconds() - cliBefore);
    }

    var cli = Median(script);
    var cliCpu = Median(scriptCpu);
    var startupRows = new List<string[]> { new[] { "build", "commit-method", "PATH", "gitops-deploy (ms)", "git CLI script (ms)", "ratio tool/cli", "tool CPU (ms)", "script CPU (ms)", "CPU ratio" } };
    foreach (var ((name, method, path), values) in times)
    {
        var t = Median(values);
        var c = Median(cpu[(name, method, path)]);
        startupRows.Add([name, method, path, t.ToString("F0", inv), cli.ToString("F0", inv), (t / cli).ToString("F2", inv), c.ToString("F0", inv), cliCpu.ToString("F0", inv), (c / cliCpu).ToString("F2", inv)]);
    }

    Print(startupRows);
    return 0;
}

var sw = Stopwatch.StartNew();
var large = CreateLargeRepo(github, "acme/large", commits: 20_000, files: 2_000, kustomization);
Console.WriteLine($"machine: {Environment.ProcessorCount} cores; generated acme/large (20,000 commits, 2,000 files) in {sw.Elapsed.TotalSeconds:F1} s; {runs} runs per figure, medians");

// BENCH_ONLY=e runs only the concurrency figure (the slowest to settle); BENCH_ONLY=a only the wall times (a, b).
if (only != "e")
{
Console.WriteLine("\n(a, b) end-to-end wall time vs a minimal git CLI script");
var rows = new List<string[]> { new[] { "repository", "mode", "commit-method", "gitops-deploy (ms)", "git CLI script (ms)", "ratio tool/cli" } };
foreach (var repo in new[] { small, large })
{
    foreach (var mode in new[] { "push", "pull-request" })
    {
        // The tool with both methods and the script, interleaved, so drift on the machine hits all three alike.
        var toolTimes = new Dictionary<string, List<double>> { ["git"] = [], ["api"] = [] };
        var cliTimes = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            foreach (var method in toolTimes.Keys)
            {
                toolTimes[method].Add(RunTool(tool, github, repo, mode, $"2.{++tag}.0", method: method).Ms);
            }

            cliTimes.Add(RunCli(github, repo, mode, $"3.{++tag}.0"));
        }

        var c = Median(cliTimes);
        foreach (var (method, times) in toolTimes)
        {
            var t = Median(times);
            rows.Add([repo.FullName, mode, method, t.ToString("F0", inv), c.ToString("F0", inv), (t / c).ToString("F2", inv)]);
        }
    }
}

Print(rows);
if (only == "a")
{
    return 0;
}

Console.WriteLine("\n    clone inside the git adapter (warm process): depth 1 vs full history");
var cloneRows = new List<string[]> { new[] { "repository", "depth 1 (ms)", "full (ms)", "ratio full/depth1" } };
foreach (var repo in new[] { small, large })
{
    var shallow = Median(Enumerable.Range(0, runs).Select(_ => TimeClone(github, repo, 1)).ToList());
    var full = Median(Enumerable.Range(0, runs).Select(_ => TimeClone(github, repo, 0)).ToList());
    cloneRows.Add([repo.FullName, shallow.ToString("F0", inv), full.ToString("F0", inv), (full / shallow).ToString("F1", inv)]);
}

Print(cloneRows);

Console.WriteLine("\n(c) REST calls per run (deployment on, labels set, common case: first run of a new image)");
var callRows = new List<string[]> { new[] { "mode", "commit-method", "deployment", "REST calls", "GraphQL calls", "calls" } };
foreach (var (mode, method, deployment) in new[] { ("push", "api", false), ("push", "api", true), ("push", "git", true), ("pull-request", "api", true), ("pull-request", "git", true), ("merge", "api", true), ("merge", "git", true), ("auto-merge", "git", true) })
{
    var repo = github.CreateRepo($"acme/calls-{mode}-{method}-{deployment}", new Dictionary<string, string> { ["environments/staging/kustomization.yaml"] = kustomization });
    github.Api(repo.FullName).AllowAutoMerge = true;
    github.Api(repo.FullName).RequireReviews = mode == "auto-merge";
    var before = github.ApiRequests.Count();
    RunTool(tool, github, repo, mode, "9.9.9", deployment: deployment, method: method);
    var calls = github.ApiRequests.Skip(before).ToList();
    callRows.Add([mode, method, deployment ? "on" : "off", calls.Count(c => !c.Contains("graphql", StringComparison.Ordinal)).ToString(inv), calls.Count(c => c.Contains("graphql", StringComparison.Ordinal)).ToString(inv), string.Join(", ", calls.Select(c => c.Split('?')[0].Replace($"/repos/{repo.FullName}", "", StringComparison.Ordinal).Replace("/repos/acme/app", "app:", StringComparison.Ordinal)))]);
}

Print(callRows);

Console.WriteLine("\n(d) --help start-up and published size per variant");
var variantRows = new List<string[]> { new[] { "variant", "--help median (ms)", "size (MB)", "ratio to dockerfile" } };
var measured = new[] { "framework-dependent", "self-contained", "self-contained-r2r", "self-contained-r2r-trimmed", "dockerfile" }.Select(variant =>
{
    var binary = Path.Combine(variants, variant, "gitops-deploy");
    var help = Median(Enumerable.Range(0, 15).Select(_ => Time(Start(binary, "--help"))).ToList());
    var size = Directory.GetFiles(Path.Combine(variants, variant), "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length) / 1024.0 / 1024.0;
    return (Variant: variant, Help: help, Size: size);
}).ToList();
var baseline = measured.Single(m => m.Variant == "dockerfile").Help;
foreach (var (variant, help, size) in measured)
{
    variantRows.Add([variant, help.ToString("F0", inv), size.ToString("F1", inv), (help / baseline).ToString("F2", inv)]);
}

Print(variantRows);
}

// (e) bursts: N pipelines at once, each a different image into one overlay; GitHub's limit of 80
// content-generating requests per minute per identity is on, and every scenario has its own identity.
github.ContentLimitPerMinute = 80;
var scenario = 0;
foreach (var writers in (Environment.GetEnvironmentVariable("BENCH_WRITERS") ?? "20,50").Split(',').Select(w => int.Parse(w, inv)))
{
    Console.WriteLine($"\n(e) {writers} concurrent push-mode runs on one repository, each a different image, vs {writers} hand-written `git pull --rebase` retry loops");
    var concurrencyRows = new List<string[]> { new[] { "writer", "exit 0", "landed", "commits", "verified", "content requests", "rate-limited", "coalesced", "p50 (ms)", "p95 (ms)", "makespan (ms)", "makespan ratio to the loop" } };
    // One line per service, a spacer between them, so git's own merge can rebase one loop's edit over another's.
    var loopRepo = github.CreateRepo($"acme/shared-loop-{writers}", new Dictionary<string, string> { ["environments/staging/values.yaml"] = string.Concat(Enumerable.Range(1, writers).Select(i => $"svc{i}: 0.0.0\n#\n")) });
    // BENCH_LOOP=0 leaves the baseline out (its O(N^2) takes many minutes at 50 on a slow day): no ratio then.
    var loopMakespan = double.NaN;
    if (Environment.GetEnvironmentVariable("BENCH_LOOP") != "0")
    {
        var loopClock = Stopwatch.StartNew();
        var loops = await Task.WhenAll(Enumerable.Range(1, writers).Select(i => Task.Run(() => RunRebaseLoop(github, loopRepo, $"svc{i}"))));
        loopMakespan = loopClock.Elapsed.TotalMilliseconds;
        var loopLanded = Enumerable.Range(1, writers).Count(i => loopRepo.ReadFile("environments/staging/values.yaml").Contains($"svc{i}: 1.0.0\n", StringComparison.Ordinal));
        var loopTimes = loops.Order().ToList();
        concurrencyRows.Add(["git pull --rebase loop", $"{writers}/{writers}", $"{loopLanded}/{writers}", (loopRepo.CommitCount() - 1).ToString(inv), "0", "-", "-", "-", Percentile(loopTimes, 50).ToString("F0", inv), Percentile(loopTimes, 95).ToString("F0", inv), loopMakespan.ToString("F0", inv), "1.00"]);
    }

    // BENCH_ROWS picks rows by method-coalesce[-long], e.g. api-auto,api-auto-long.
    var rows = Environment.GetEnvironmentVariable("BENCH_ROWS")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    foreach (var (method, coalesce, longNames) in new[] { ("git", "off", false), ("api", "off", false), ("api", "auto", false), ("api", "auto", true) })
    {
        if (rows is not null && !rows.Contains($"{method}-{coalesce}{(longNames ? "-long" : string.Empty)}"))
        {
            continue;
        }

        if (method == "api" && coalesce == "off" && writers > 20)
        {
            // Alone, N API writers need O(N^2) attempts: beyond 20 they queue behind the 80-per-minute limit for many minutes.
            continue;
        }

        var name = $"acme/shared-{writers}-{method}-{coalesce}{(longNames ? "-long" : string.Empty)}";
        var token = $"ghs_bench{++scenario}TOKEN0123456789";
        var login = $"bench-{scenario}[bot]";
        github.AddToken(token, Permission.Write);
        github.SetLogin(token, login);
        var shared = github.CreateRepo(name, new Dictionary<string, string> { ["environments/staging/kustomization.yaml"] = "images: []\n" });
        var before = shared.Head();
        var clock = Stopwatch.StartNew();
        // Long names: the source repository and image names of issue 19 (intent refs of 279-298 bytes before they were made short).
        var source = longNames ? "my-platform-organisation/observability-platform-service" : "acme/app";
        string Image(int i) => longNames ? $"observability-platform-service-{i}" : $"svc{i}";
        var version = longNames ? "1.2.3-rc.1" : "1.0.0";
        var concurrent = await Task.WhenAll(Enumerable.Range(1, writers).Select(i => Task.Run(() => RunTool(tool, github, shared, "push", version, image: Image(i), method: method, token: token, coalesce: coalesce, runId: i, source: source, registry: longNames ? "ghcr.io/my-platform-organisation" : "ghcr.io/acme"))));
        var makespan = clock.Elapsed.TotalMilliseconds;
        var landed = Enumerable.Range(1, writers).Count(i => shared.ReadFile("environments/staging/kustomization.yaml").Contains($"name: {Image(i)}\n", StringComparison.Ordinal));
        var commits = shared.Git("rev-list", $"{before}..main").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var times = concurrent.Select(r => r.Ms).Order().ToList();
        concurrencyRows.Add([$"gitops-deploy, {method}, coalesce {coalesce}{(longNames ? ", long names" : string.Empty)}", $"{concurrent.Count(r => r.Exit == 0)}/{writers}", $"{landed}/{writers}", commits.Length.ToString(inv),
            commits.Count(github.IsVerified).ToString(inv), method == "git" ? "-" : github.ContentRequests(login).ToString(inv), method == "git" ? "-" : github.RateLimited(login).ToString(inv),
            concurrent.Count(r => r.Coalesced).ToString(inv), Percentile(times, 50).ToString("F0", inv), Percentile(times, 95).ToString("F0", inv), makespan.ToString("F0", inv), double.IsNaN(loopMakespan) ? "-" : (makespan / loopMakespan).ToString("F2", inv)]);
    }

    Print(concurrencyRows);
}

return 0;

// The shell people write: clone, append a line, commit, then pull --rebase and push until it lands.
double RunRebaseLoop(FakeGitHub server, FakeRepo repo, string service)
{
    var dir = Directory.CreateTempSubdirectory("bench-loop-").FullName;
    var auth = Convert.ToBase64String(Encoding.UTF8.GetBytes("x-access-token:" + Token));
    var script = $"""
        set -e
        git -c http.extraHeader="Authorization: Basic {auth}" clone -q --single-branch --branch main {server.ServerUrl}/{repo.FullName}.git {dir}/clone
        cd {dir}/clone
        sed -i 's/^{service}: .*/{service}: 1.0.0/' environments/staging/values.yaml
        git -c user.name=bot -c user.email=bot@example.com commit -q -am "deploy {service}"
        until git -c http.extraHeader="Authorization: Basic {auth}" push -q origin HEAD:main 2>/dev/null; do
          git -c http.extraHeader="Authorization: Basic {auth}" -c user.name=bot -c user.email=bot@example.com pull -q --rebase origin main
        done
        """;
    var start = Start("bash", "-c", script);
    start.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
    var ms = Time(start);
    Directory.Delete(dir, true);
    return ms;
}

(double Ms, int Exit, bool Coalesced) RunTool(string binary, FakeGitHub server, FakeRepo repo, string mode, string version, bool deployment = false, string image = "web", string method = "git", string token = Token, string coalesce = "auto", int runId = 1, string source = "acme/app", string registry = "ghcr.io/acme", string? path = null)
{
    var dir = Directory.CreateTempSubdirectory("bench-tool-").FullName;
    var start = Start(binary);
    const string sha = "0123456789abcdef0123456789abcdef01234567";
    // Each run is a job with permissions id-token: write, as fan-in needs: the runner's ID-token endpoint for its claims.
    foreach (var (key, value) in server.RegisterJob(new JobClaims(source, sha, runId)))
    {
        start.Environment[key] = value;
    }

    // The environment the image's ENV lines give the tool in the action's container.
    foreach (var (key, value) in ImageEnvironment.Value.Value)
    {
        start.Environment[key] = value;
    }

    start.Environment["GITHUB_ACTIONS"] = "true";
    start.Environment["GITHUB_OUTPUT"] = Path.Combine(dir, "out");
    start.Environment["GITHUB_SERVER_URL"] = server.ServerUrl;
    start.Environment["GITHUB_API_URL"] = server.ServerUrl + "/api/v3";
    start.Environment["GITHUB_REPOSITORY"] = source;
    start.Environment["GITHUB_SHA"] = sha;
    start.Environment["GITHUB_RUN_ID"] = runId.ToString(CultureInfo.InvariantCulture);
    if (path is not null)
    {
        start.Environment["PATH"] = path;
        start.Environment.Remove("HELM_PATH");
    }

    start.Environment["INPUT_PIN"] = "none"; // the bench's images exist in no registry (table s measures pinning)
    start.Environment["INPUT_GITOPS-REPOSITORY"] = repo.FullName;
    start.Environment["INPUT_GITOPS-TOKEN"] = token;
    start.Environment["INPUT_TOKEN"] = Token;
    start.Environment["INPUT_ENVIRONMENT"] = "staging";
    start.Environment["INPUT_IMAGES"] = $"{image}={registry}/{image}:{version}";
    start.Environment["INPUT_MODE"] = mode;
    start.Environment["INPUT_LABELS"] = "deploy";
    start.Environment["INPUT_DEPLOYMENT"] = deployment ? "true" : "false";
    start.Environment["INPUT_COMMIT-METHOD"] = method;
    start.Environment["INPUT_COALESCE"] = coalesce;
    // BENCH_TOOL_ENV="DOTNET_TieredPGO=0;..." tries a runtime knob on every run of the tool.
    foreach (var setting in (Environment.GetEnvironmentVariable("BENCH_TOOL_ENV") ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries))
    {
        start.Environment[setting[..setting.IndexOf('=', StringComparison.Ordinal)]] = setting[(setting.IndexOf('=', StringComparison.Ordinal) + 1)..];
    }

    var ms = TimeChecked(start, out var exit, throwOnFailure: false);
    // GITHUB_OUTPUT holds "name<<DELIMITER", the value, then the delimiter.
    var outputs = File.Exists(Path.Combine(dir, "out")) ? File.ReadAllLines(Path.Combine(dir, "out")) : [];
    var at = Array.FindIndex(outputs, l => l.StartsWith("coalesced<<", StringComparison.Ordinal));
    var coalesced = at >= 0 && at + 1 < outputs.Length && outputs[at + 1] == "true";
    Directory.Delete(dir, true);
    return (ms, exit, coalesced);
}

double RunCli(FakeGitHub server, FakeRepo repo, string mode, string version)
{
    var dir = Directory.CreateTempSubdirectory("bench-cli-").FullName;
    var auth = Convert.ToBase64String(Encoding.UTF8.GetBytes("x-access-token:" + Token));
    var branch = mode == "push" ? "main" : $"deploy/{version}";
    var pr = mode == "push" ? string.Empty : $"""
        curl -sf -o /dev/null -X POST -H "Authorization: token {Token}" -H "Content-Type: application/json" \
          -d '{"{"}"title":"deploy {version}","head":"{branch}","base":"main"{"}"}' {server.ServerUrl}/api/v3/repos/{repo.FullName}/pulls
        """;
    var script = $"""
        set -e
        git -c http.extraHeader="Authorization: Basic {auth}" clone -q --depth 1 --single-branch --branch main {server.ServerUrl}/{repo.FullName}.git {dir}/clone
        cd {dir}/clone
        sed -i 's/newTag: .*/newTag: "{version}"/' environments/staging/kustomization.yaml
        git -c user.name=bot -c user.email=bot@example.com commit -q -am "deploy {version}"
        git -c http.extraHeader="Authorization: Basic {auth}" push -q origin HEAD:{branch}
        {pr}
        """;
    var start = Start("bash", "-c", script);
    start.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
    var ms = Time(start);
    Directory.Delete(dir, true);
    return ms;
}

static ProcessStartInfo Start(string file, params string[] arguments)
{
    var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
    foreach (var argument in arguments)
    {
        start.ArgumentList.Add(argument);
    }

    return start;
}

static double TimeClone(FakeGitHub github, FakeRepo repo, int depth)
{
    using var workspace = new LibGit2Workspace(GitOpsRemote.Parse(repo.FullName, github.ServerUrl), Token, NullLogger<LibGit2Workspace>.Instance);
    var sw = Stopwatch.StartNew();
    using (workspace.ReadAsync(null, new SnapshotHint(depth, []), default).GetAwaiter().GetResult())
    {
        return sw.Elapsed.TotalMilliseconds;
    }
}

static double Time(ProcessStartInfo start) => TimeChecked(start, out _, throwOnFailure: true);

static double TimeChecked(ProcessStartInfo start, out int exit, bool throwOnFailure)
{
    var sw = Stopwatch.StartNew();
    using var process = Process.Start(start)!;
    // With BENCH_LOGS, each line is stamped with the wall clock as it arrives.
    var output = Environment.GetEnvironmentVariable("BENCH_LOGS") is null ? process.StandardOutput.ReadToEndAsync() : Stamped(process.StandardOutput);
    var error = process.StandardError.ReadToEnd();
    process.WaitForExit();
    var ms = sw.Elapsed.TotalMilliseconds;
    exit = process.ExitCode;
    if (Environment.GetEnvironmentVariable("BENCH_LOGS") is { } logs)
    {
        // Each run's log, for reading a burst's timeline afterwards.
        Directory.CreateDirectory(logs);
        File.WriteAllText(Path.Combine(logs, $"{DateTime.UtcNow:HHmmss.fff}-{Guid.NewGuid():N}.log"), $"{ms:F0} ms, exit {exit}\n{output.Result}\n{error}");
    }
    if (throwOnFailure && exit != 0)
    {
        throw new InvalidOperationException($"{start.FileName} failed: {error}\n{output.Result}");
    }

    return ms;
}

static async Task<string> Stamped(StreamReader reader)
{
    var sb = new StringBuilder();
    while (await reader.ReadLineAsync() is { } line)
    {
        sb.Append(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:HH:mm:ss.fff} {line}\n");
    }

    return sb.ToString();
}

static double Median(List<double> values)
{
    values.Sort();
    return values[values.Count / 2];
}

static double Percentile(List<double> sorted, int p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p / 100.0 * sorted.Count) - 1)];

static void Print(List<string[]> rows)
{
    var widths = Enumerable.Range(0, rows[0].Length).Select(i => rows.Max(r => r[i].Length)).ToArray();
    foreach (var row in rows)
    {
        Console.WriteLine(string.Join("  ", row.Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd());
    }
}

// 2,000 files in the first commit, then one small change per commit, streamed through git fast-import.
static FakeRepo CreateLargeRepo(FakeGitHub github, string fullName, int commits, int files, string kustomization)
{
    var repo = github.CreateRepo(fullName, new Dictionary<string, string> { ["environments/staging/kustomization.yaml"] = kustomization });
    var stream = new StringBuilder();
    var parent = repo.Head();
    void Blob(string path, string content) =>
        stream.Append(CultureInfo.InvariantCulture, $"M 100644 inline {path}\ndata {Encoding.UTF8.GetByteCount(content)}\n{content}\n");

    for (var c = 0; c < commits - 1; c++)
    {
        var message = $"change {c}";
        stream.Append(CultureInfo.InvariantCulture, $"commit refs/heads/main\ncommitter Bench <bench@example.com> {1_700_000_000 + c} +0000\ndata {message.Length}\n{message}\n");
        if (c == 0)
        {
            stream.Append(CultureInfo.InvariantCulture, $"from {parent}\n");
            for (var f = 0; f < files; f++)
            {
                Blob($"apps/app{f % 100}/manifest{f}.yaml", $"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm{f}\ndata:\n  value: \"{f}\"\n");
            }
        }
        else
        {
            var f = c % files;
            Blob($"apps/app{f % 100}/manifest{f}.yaml", $"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm{f}\ndata:\n  value: \"{c}\"\n");
        }

        stream.Append('\n');
    }

    var start = new ProcessStartInfo("git") { RedirectStandardInput = true, RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = repo.BarePath };
    start.ArgumentList.Add("fast-import");
    start.ArgumentList.Add("--quiet");
    using var process = Process.Start(start)!;
    process.StandardInput.Write(stream.ToString());
    process.StandardInput.Close();
    process.WaitForExit();
    if (process.ExitCode != 0)
    {
        throw new InvalidOperationException(process.StandardError.ReadToEnd());
    }

    repo.Git("repack", "-adq");
    return repo;
}

/// <summary>User plus system CPU of this process's waited-for descendants (getrusage RUSAGE_CHILDREN), in milliseconds.</summary>
internal static class ChildCpu
{
    public static double Milliseconds()
    {
        var usage = new long[18];
        if (GetRusage(-1, usage) != 0)
        {
            throw new InvalidOperationException("getrusage failed");
        }

        // struct rusage starts with ru_utime and ru_stime, two struct timevals of (seconds, microseconds).
        return ((usage[0] + usage[2]) * 1000.0) + ((usage[1] + usage[3]) / 1000.0);
    }

#pragma warning disable SYSLIB1054 // a bench helper: DllImport needs no unsafe code, LibraryImport would
    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "getrusage")]
    private static extern int GetRusage(int who, [System.Runtime.InteropServices.Out] long[] usage);
#pragma warning restore SYSLIB1054
}

/// <summary>The ENV lines of the Dockerfile's last stage (KEY=VALUE pairs): what the action's process sees in its container.</summary>
internal static class ImageEnvironment
{
    public static readonly Lazy<IReadOnlyList<(string Key, string Value)>> Value = new(() =>
    {
        var lines = File.ReadAllLines(Path.Combine(FindRoot(), "Dockerfile"));
        var last = Array.FindLastIndex(lines, l => l.StartsWith("FROM ", StringComparison.Ordinal));
        return [.. lines.Skip(last).Where(l => l.StartsWith("ENV ", StringComparison.Ordinal))
            .SelectMany(l => l[4..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(pair => (pair[..pair.IndexOf('=', StringComparison.Ordinal)], pair[(pair.IndexOf('=', StringComparison.Ordinal) + 1)..]))];
    });

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Action.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Action.sln not found above the bench's folder");
    }
}
