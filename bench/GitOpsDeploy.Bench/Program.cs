using System.Diagnostics;
using System.Globalization;
using System.Text;
using GitOpsDeploy.Core.Inputs;
using GitOpsDeploy.Git;
using GitOpsDeploy.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;

// Usage: GitOpsDeploy.Bench <path to published gitops-deploy> [runs]
// Compares a push-mode run of the published binary with a minimal git CLI script doing the same job
// (clone --depth 1 --single-branch, edit, commit, push) against the same smart-HTTP server, on a
// small gitops repo and on one with 20,000 commits and 2,000 files. Prints medians and ratios.
var tool = Path.GetFullPath(args.Length > 0 ? args[0] : "bench/out/app/gitops-deploy");
var runs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
const string Token = "ghs_benchTOKEN0123456789";

await using var github = await FakeGitHub.StartAsync();
github.AddToken(Token, Permission.Write);
if (args is ["serve", ..])
{
    // Keeps a server with acme/small up for manual profiling of single runs.
    github.CreateRepo("acme/small", new Dictionary<string, string> { ["environments/staging/kustomization.yaml"] = "images:\n- name: web\n  newTag: \"1\"\n" });
    Console.WriteLine(github.ServerUrl);
    while (true)
    {
        await Task.Delay(200);
        while (github.Requests.TryDequeue(out var request))
        {
            Console.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {request}");
        }
    }
}

var kustomization = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../../base\nimages:\n  - name: web\n    newName: ghcr.io/acme/web\n    newTag: \"1.0.0\"\n";
var small = github.CreateRepo("acme/small", new Dictionary<string, string>
{
    ["base/kustomization.yaml"] = "resources: []\n",
    ["environments/staging/kustomization.yaml"] = kustomization,
});
var sw = Stopwatch.StartNew();
var large = CreateLargeRepo(github, "acme/large", commits: 20_000, files: 2_000, kustomization);
Console.WriteLine($"generated acme/large (20,000 commits, 2,000 files) in {sw.Elapsed.TotalSeconds:F1} s");
Console.WriteLine($"runs per figure: {runs} (median reported)");
Console.WriteLine();

var rows = new List<string[]> { new[] { "repository", "gitops-deploy (ms)", "git CLI script (ms)", "ratio tool/cli" } };
foreach (var repo in new[] { small, large })
{
    var toolTimes = new List<double>();
    var cliTimes = new List<double>();
    for (var i = 0; i < runs; i++)
    {
        toolTimes.Add(RunTool(tool, github, repo, $"2.{i}.0"));
        cliTimes.Add(RunCli(github, repo, $"3.{i}.0"));
    }

    var t = Median(toolTimes);
    var c = Median(cliTimes);
    rows.Add([repo.FullName, t.ToString("F0", CultureInfo.InvariantCulture), c.ToString("F0", CultureInfo.InvariantCulture), (t / c).ToString("F2", CultureInfo.InvariantCulture)]);
}

Print(rows);
Console.WriteLine();

// Clone cost in the adapter alone: shallow (what a run does) vs full history.
var cloneRows = new List<string[]> { new[] { "repository", "depth 1 clone (ms)", "full clone (ms)", "ratio full/depth1" } };
foreach (var repo in new[] { small, large })
{
    var shallow = Median(Enumerable.Range(0, runs).Select(_ => TimeClone(github, repo, 1)).ToList());
    var full = Median(Enumerable.Range(0, runs).Select(_ => TimeClone(github, repo, 0)).ToList());
    cloneRows.Add([repo.FullName, shallow.ToString("F0", CultureInfo.InvariantCulture), full.ToString("F0", CultureInfo.InvariantCulture), (full / shallow).ToString("F1", CultureInfo.InvariantCulture)]);
}

Print(cloneRows);
return 0;

static double RunTool(string tool, FakeGitHub github, FakeRepo repo, string tag)
{
    var dir = Directory.CreateTempSubdirectory("bench-tool-").FullName;
    var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
    start.Environment["GITHUB_ACTIONS"] = "true";
    start.Environment["GITHUB_OUTPUT"] = Path.Combine(dir, "out");
    start.Environment["GITHUB_SERVER_URL"] = github.ServerUrl;
    start.Environment["GITHUB_REPOSITORY"] = "acme/app";
    start.Environment["GITHUB_SHA"] = "0123456789abcdef0123456789abcdef01234567";
    start.Environment["INPUT_GITOPS-REPOSITORY"] = repo.FullName;
    start.Environment["INPUT_GITOPS-TOKEN"] = Token;
    start.Environment["INPUT_ENVIRONMENT"] = "staging";
    start.Environment["INPUT_IMAGES"] = $"web=ghcr.io/acme/web:{tag}";
    start.Environment["INPUT_MODE"] = "push";
    var ms = Time(start);
    Directory.Delete(dir, true);
    return ms;
}

static double RunCli(FakeGitHub github, FakeRepo repo, string tag)
{
    var dir = Directory.CreateTempSubdirectory("bench-cli-").FullName;
    var auth = Convert.ToBase64String(Encoding.UTF8.GetBytes("x-access-token:" + Token));
    var script = $"""
        set -e
        git -c http.extraHeader="Authorization: Basic {auth}" clone -q --depth 1 --single-branch --branch main {github.ServerUrl}/{repo.FullName}.git {dir}/clone
        cd {dir}/clone
        sed -i 's/newTag: .*/newTag: "{tag}"/' environments/staging/kustomization.yaml
        git -c user.name=bot -c user.email=bot@example.com commit -q -am "deploy {tag}"
        git -c http.extraHeader="Authorization: Basic {auth}" push -q origin HEAD:main
        """;
    var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
    start.ArgumentList.Add("-c");
    start.ArgumentList.Add(script);
    start.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
    var ms = Time(start);
    Directory.Delete(dir, true);
    return ms;
}

static double TimeClone(FakeGitHub github, FakeRepo repo, int depth)
{
    var workspace = new LibGit2Workspace(GitOpsRemote.Parse(repo.FullName, github.ServerUrl), Token, NullLogger<LibGit2Workspace>.Instance) { Depth = depth };
    var sw = Stopwatch.StartNew();
    using (workspace.CheckoutAsync(null, default).GetAwaiter().GetResult())
    {
        return sw.Elapsed.TotalMilliseconds;
    }
}

static double Time(ProcessStartInfo start)
{
    var sw = Stopwatch.StartNew();
    using var process = Process.Start(start)!;
    var output = process.StandardOutput.ReadToEndAsync();
    var error = process.StandardError.ReadToEnd();
    process.WaitForExit();
    var ms = sw.Elapsed.TotalMilliseconds;
    if (process.ExitCode != 0)
    {
        throw new InvalidOperationException($"{start.FileName} failed: {error}\n{output.Result}");
    }

    return ms;
}

static double Median(List<double> values)
{
    values.Sort();
    return values[values.Count / 2];
}

static void Print(List<string[]> rows)
{
    var widths = Enumerable.Range(0, rows[0].Length).Select(i => rows.Max(r => r[i].Length)).ToArray();
    foreach (var row in rows)
    {
        Console.WriteLine(string.Join("  ", row.Select((cell, i) => cell.PadRight(widths[i]))));
    }
}

// 2,000 files in the first commit, then one small change per commit, streamed through git fast-import.
static FakeRepo CreateLargeRepo(FakeGitHub github, string fullName, int commits, int files, string kustomization)
{
    var repo = github.CreateRepo(fullName, new Dictionary<string, string> { ["environments/staging/kustomization.yaml"] = kustomization });
    var stream = new StringBuilder();
    var parent = repo.Head();
    void Blob(string path, string content)
    {
        var bytes = Encoding.UTF8.GetByteCount(content);
        stream.Append(CultureInfo.InvariantCulture, $"M 100644 inline {path}\ndata {bytes}\n{content}\n");
    }

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
