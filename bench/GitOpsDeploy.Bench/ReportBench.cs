using System.Diagnostics;
using System.Globalization;
using GitOpsDeploy.Tests.Fakes;

/// <summary>
/// (r) What the promotion report costs in a run (<c>BENCH_ONLY=r</c>): the tool against the loopback GitHub fake, a
/// dry run (plan and report, nothing landed, so every run sees the same repository) of one image edit into a small
/// gitops repository and a 2,000-file one, each with the report's renderer off (no kubectl on the run's PATH: the
/// static analysis of the affected workloads still runs, as the report cannot be switched off) and on (kubectl
/// kustomize renders before and after). The configurations are interleaved; medians of the runs. Requests are the
/// fake GitHub's request log during the run. The changelog is not in it (no Source-Commit history here); its
/// requests are counted in the adapter tests (docs/benchmarks.md (f)).
/// </summary>
internal static class ReportBench
{
    private const string Token = "ghs_benchREPORTtoken0123456789";
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static async Task<int> RunAsync(string tool, int runs)
    {
        var kubectl = RenderToolsDirectory();
        if (kubectl is null)
        {
            Console.WriteLine("(r) skipped: kubectl is not on PATH");
            return 0;
        }

        await using var github = await FakeGitHub.StartAsync();
        github.AddToken(Token, Permission.Write);
        github.CreateApiRepo("acme/app");
        var workload = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: web\n";
        var service = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n    - port: 80\n";
        var overlay = "resources:\n  - ../../base\nimages:\n  - name: web\n    newName: ghcr.io/acme/web\n    newTag: \"1.0.0\"\n";
        var files = new Dictionary<string, string>
        {
            ["base/kustomization.yaml"] = "resources:\n  - deployment.yaml\n  - service.yaml\n",
            ["base/deployment.yaml"] = workload,
            ["base/service.yaml"] = service,
            ["environments/staging/kustomization.yaml"] = overlay,
        };
        var small = github.CreateRepo("acme/report-small", files);
        var large = new Dictionary<string, string>(files);
        for (var i = large.Count; i < 2000; i++)
        {
            large[$"apps/app-{i / 20:D3}/config-{i % 20:D2}.yaml"] = $"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-{i}\ndata:\n  key: value-{i}\n";
        }

        var big = github.CreateRepo("acme/report-2000", large);
        var configurations = new (string Name, string Repository, bool Render)[]
        {
            ("small, renderer off", small.FullName, false),
            ("small, kubectl kustomize", small.FullName, true),
            ("2,000 files, renderer off", big.FullName, false),
            ("2,000 files, kubectl kustomize", big.FullName, true),
        };
        var samples = configurations.ToDictionary(c => c.Name, _ => new List<(double Ms, int Requests)>());
        for (var i = 0; i < runs; i++)
        {
            foreach (var (name, repository, render) in configurations)
            {
                samples[name].Add(Measure(tool, github, repository, render ? kubectl : null, $"1.{i + 1}.0"));
            }
        }

        Console.WriteLine($"\n(r) promotion report: one image edit, dry run, medians of {runs}");
        Console.WriteLine("configuration                     wall (ms)  vs renderer off (ms)  GitHub API requests");
        for (var c = 0; c < configurations.Length; c++)
        {
            var ms = Median(samples[configurations[c].Name].Select(s => s.Ms));
            var off = Median(samples[configurations[c - c % 2].Name].Select(s => s.Ms));
            var requests = Median(samples[configurations[c].Name].Select(s => (double)s.Requests));
            Console.WriteLine($"{configurations[c].Name,-33} {ms.ToString("F0", Inv),9}  {(ms - off).ToString("+0;-0;0", Inv),20}  {requests.ToString(Inv),19}");
        }

        return 0;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.OrderBy(v => v).ToList();
        return sorted[sorted.Count / 2];
    }

    /// <summary>The folder of the real kubectl (gcloud's version dispatcher resolved to the binary beside it is not needed: it runs from its folder).</summary>
    private static string? RenderToolsDirectory() =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(d => File.Exists(Path.Combine(d, "kubectl")));

    private static (double Ms, int Requests) Measure(string tool, FakeGitHub github, string gitops, string? renderers, string tag)
    {
        var dir = Directory.CreateTempSubdirectory("bench-report-run-").FullName;
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["GITHUB_ACTIONS"] = "true";
        start.Environment["GITHUB_OUTPUT"] = Path.Combine(dir, "out");
        start.Environment["GITHUB_STEP_SUMMARY"] = Path.Combine(dir, "summary");
        start.Environment["GITHUB_SERVER_URL"] = github.ServerUrl;
        start.Environment["GITHUB_API_URL"] = github.ServerUrl + "/api/v3";
        start.Environment["GITHUB_REPOSITORY"] = "acme/app";
        start.Environment["GITHUB_SHA"] = "0123456789abcdef0123456789abcdef01234567";
        start.Environment["GITHUB_RUN_ID"] = "4242";
        // The report finds its renderers on the run's PATH: an empty folder, or the folder that holds kubectl.
        start.Environment["PATH"] = renderers ?? dir;
        start.Environment.Remove("HELM_PATH");
        foreach (var (name, value) in new[] { ("GITOPS-REPOSITORY", gitops), ("GITOPS-TOKEN", Token), ("TOKEN", Token), ("MODE", "push"), ("DEPLOYMENT", "false"), ("PIN", "none"), ("DRY-RUN", "true"), ("ENVIRONMENT", "staging"), ("IMAGES", $"web=ghcr.io/acme/web:{tag}") })
        {
            start.Environment["INPUT_" + name] = value;
        }

        var before = github.ApiRequests.Count();
        var sw = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        var ms = sw.Elapsed.TotalMilliseconds;
        var summary = File.Exists(Path.Combine(dir, "summary")) ? File.ReadAllText(Path.Combine(dir, "summary")) : string.Empty;
        Directory.Delete(dir, recursive: true);
        if (process.ExitCode != 0 || (renderers is not null) != summary.Contains("<b>Rendered manifests</b>", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"the bench run did not do what it measures (exit {process.ExitCode}, rendered: {summary.Contains("Rendered manifests", StringComparison.Ordinal)}):\n{stdout.Result}\n{stderr}\n{summary}");
        }

        return (ms, github.ApiRequests.Count() - before);
    }
}
