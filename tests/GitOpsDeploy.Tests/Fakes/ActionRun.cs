using GitOpsDeploy.Core.Text;
using GitOpsDeploy.Git;
using GitOpsDeploy.GitHub;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GitOpsDeploy.Tests.Fakes;

/// <summary>What one run of the program left behind: exit code, console, file commands, clone config.</summary>
public sealed record ActionResult(int ExitCode, string Stdout, string Stderr, IReadOnlyDictionary<string, string> Outputs, string OutputFile, string Summary, IReadOnlyList<string> CloneConfigs)
{
    /// <summary>Everything the action wrote, for secret scans.</summary>
    public string AllBytes => string.Join("\n", [Stdout, Stderr, OutputFile, Summary, .. CloneConfigs]);

    public string Output(string name) => Outputs.TryGetValue(name, out var value) ? value : throw new KeyNotFoundException($"no output '{name}' in:\n{OutputFile}\n--- stdout ---\n{Stdout}");
}

/// <summary>
/// Runs the whole program in-process the way the Actions runner starts the container: INPUT_*
/// and GITHUB_* variables in, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files out. Nothing touches
/// process-wide state, so these tests run in parallel.
/// </summary>
public static class ActionRun
{
    public static async Task<ActionResult> RunAsync(FakeGitHub github, IReadOnlyDictionary<string, string> inputs, IReadOnlyDictionary<string, string>? extraEnvironment = null, CancellationToken cancellationToken = default)
    {
        var dir = Directory.CreateTempSubdirectory("action-run-").FullName;
        try
        {
            var outputFile = Path.Combine(dir, "output");
            var summaryFile = Path.Combine(dir, "summary");
            File.WriteAllText(outputFile, string.Empty);
            File.WriteAllText(summaryFile, string.Empty);
            var environment = RunnerContext(github);
            // The runner passes its PATH (and a CI its HELM_PATH) to the step: the report finds its renderers there.
            foreach (var name in (string[])["PATH", "HELM_PATH"])
            {
                if (Environment.GetEnvironmentVariable(name) is { Length: > 0 } value)
                {
                    environment[name] = value;
                }
            }

            environment["GITHUB_OUTPUT"] = outputFile;
            environment["GITHUB_STEP_SUMMARY"] = summaryFile;
            // The images of the tests about everything else (ghcr.io/acme/...) exist in no registry this machine can
            // reach: they run with pin: none unless they say otherwise; DigestPinningTests pin against a real registry.
            environment["INPUT_PIN"] = "none";
            foreach (var (name, value) in inputs)
            {
                environment["INPUT_" + name.ToUpperInvariant()] = value;
            }

            foreach (var (name, value) in extraEnvironment ?? new Dictionary<string, string>())
            {
                environment[name] = value;
            }

            // Every job may mint ID tokens (permissions: id-token: write) unless the test says otherwise
            // (ACTIONS_ID_TOKEN_REQUEST_URL set to ""); a job with environment: sets JOB_ENVIRONMENT here.
            if (!environment.ContainsKey("ACTIONS_ID_TOKEN_REQUEST_URL"))
            {
                var job = new JobClaims(environment["GITHUB_REPOSITORY"], environment["GITHUB_SHA"], long.Parse(environment["GITHUB_RUN_ID"], System.Globalization.CultureInfo.InvariantCulture))
                {
                    Environment = environment.GetValueOrDefault("JOB_ENVIRONMENT"),
                };
                foreach (var (name, value) in github.RegisterJob(job))
                {
                    environment[name] = value;
                }
            }

            var configs = new List<string>();
            using var stdout = new StringWriter();
            using var stderr = new StringWriter();
            var exit = await CliHost.RunAsync([], environment, stdout, stderr, cancellationToken, services =>
            {
                services.AddSingleton(sp => new GitHubFactory(TimeProvider.System, sp.GetRequiredService<ILoggerFactory>(), sp.GetRequiredService<SecretMasker>()) { RetryBaseDelay = TimeSpan.FromMilliseconds(10) });
                services.AddSingleton(sp => new GitWorkspaceFactory(sp.GetRequiredService<ILoggerFactory>(), sp.GetRequiredService<SecretMasker>())
                {
                    TempRoot = dir,
                    OnCloned = clone =>
                    {
                        lock (configs)
                        {
                            configs.Add(File.ReadAllText(Path.Combine(clone, "config")));
                        }
                    },
                });
            });
            var outputText = File.ReadAllText(outputFile);
            return new ActionResult(exit, stdout.ToString(), stderr.ToString(), ParseOutputs(outputText), outputText, File.ReadAllText(summaryFile), configs);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>The variables the runner sets for every step, pointing at the fake: GITHUB_ACTIONS and the GITHUB_* facts of the app repository's run.</summary>
    public static Dictionary<string, string> RunnerContext(FakeGitHub github) => new()
    {
        ["GITHUB_ACTIONS"] = "true",
        ["GITHUB_SERVER_URL"] = github.ServerUrl,
        ["GITHUB_API_URL"] = github.ServerUrl + "/api/v3",
        ["GITHUB_REPOSITORY"] = "acme/app",
        ["GITHUB_SHA"] = "0123456789abcdef0123456789abcdef01234567",
        ["GITHUB_RUN_ID"] = "4242",
    };

    /// <summary>Parses <c>name&lt;&lt;DELIM</c> blocks the way the runner's FileCommandManager does.</summary>
    public static Dictionary<string, string> ParseOutputs(string text)
    {
        var outputs = new Dictionary<string, string>();
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Length == 0)
            {
                continue;
            }

            var marker = lines[i].IndexOf("<<", StringComparison.Ordinal);
            if (marker < 0)
            {
                throw new FormatException($"not a heredoc output line: {lines[i]}");
            }

            var name = lines[i][..marker];
            var delimiter = lines[i][(marker + 2)..];
            var value = new List<string>();
            while (lines[++i] != delimiter)
            {
                value.Add(lines[i]);
            }

            outputs[name] = string.Join('\n', value);
        }

        return outputs;
    }
}
