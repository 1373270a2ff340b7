using System.Diagnostics;
using GitOpsDeploy.Tests.Fakes;

namespace GitOpsDeploy.Tests.App;

/// <summary>The real program as the runner starts it: a cancellation mid-call must not leave the deployment in_progress.</summary>
[Trait("Tier", "App")]
public sealed class SigtermTests : GitOpsFixture
{
    /// <summary>Starts the built program the way the runner starts the container's entrypoint: INPUT_* and GITHUB_* variables.</summary>
    private Process Start(params (string Name, string Value)[] inputs)
    {
        // The program's own build output (its deps.json), built before the tests as a project reference.
        var configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        var program = Path.Combine(ConventionTests.RepoRoot(), "src", "GitOpsDeploy", "bin", configuration, "net10.0", "gitops-deploy.dll");
        var start = new ProcessStartInfo("dotnet", $"\"{program}\"") { RedirectStandardOutput = true, RedirectStandardError = true };
        var environment = ActionRun.RunnerContext(GitHub);
        foreach (var (name, value) in new Dictionary<string, string>
        {
            ["INPUT_PIN"] = "none", // ghcr.io/acme/... exists in no registry this machine reaches
            ["INPUT_GITOPS-REPOSITORY"] = "acme/gitops",
            ["INPUT_GITOPS-TOKEN"] = WriteToken,
            ["INPUT_TOKEN"] = SourceToken,
            ["INPUT_ENVIRONMENT"] = "staging",
            ["INPUT_IMAGES"] = "web=ghcr.io/acme/web:9.0.0",
            ["INPUT_MODE"] = "pull-request",
            // These tests hang the git transport on purpose.
            ["INPUT_COMMIT-METHOD"] = "git",
        })
        {
            environment[name] = value;
        }

        foreach (var (name, value) in inputs)
        {
            environment["INPUT_" + name.ToUpperInvariant()] = value;
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        return Process.Start(start)!;
    }

    private static void Signal(Process process, string signal)
    {
        using var kill = Process.Start("kill", $"-{signal} {process.Id}");
        kill.WaitForExit();
    }

    [Fact]
    public async Task Sigterm_while_pushing_marks_the_deployment_inactive_and_exits_non_zero()
    {
        using var process = Start();
        GitHub.BeforeReceivePack = _ =>
        {
            // The runner cancels the job while the head branch is being pushed.
            Signal(process, "TERM");
            return Task.CompletedTask;
        };
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(process.ExitCode == 1, await output + await error);
        Assert.Contains("cancelled", await output, StringComparison.Ordinal);
        var deployment = Assert.Single(App.Deployments);
        Assert.Equal("inactive", deployment.LastState);
        Assert.Empty(GitOpsApi.Pulls);
    }

    [Fact]
    public async Task Sigint_while_github_hangs_on_a_call_exits_before_the_runners_sigterm_with_the_deployment_inactive()
    {
        GitHub.Inject(new InjectedFailure { Method = "POST", PathSuffix = "/repos/acme/gitops/pulls", Status = 500, Delay = TimeSpan.FromSeconds(60) });
        using var process = Start();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await WaitForAsync(() => GitHub.Requests.Any(r => r.StartsWith("POST /api/v3/repos/acme/gitops/pulls", StringComparison.Ordinal)));

        await InterruptAndExpectAPromptInactiveExitAsync(process, output, error);
    }

    [Fact]
    public async Task Sigint_while_the_push_hangs_in_the_server_exits_promptly_with_the_deployment_inactive()
    {
        var pushing = new TaskCompletionSource();
        GitHub.BeforeReceivePack = async _ =>
        {
            pushing.TrySetResult();
            await Task.Delay(TimeSpan.FromSeconds(30));
        };
        using var process = Start(("mode", "push"));
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await pushing.Task.WaitAsync(TimeSpan.FromSeconds(30));

        await InterruptAndExpectAPromptInactiveExitAsync(process, output, error);
    }

    /// <summary>SIGINT, as the runner sends first: the program must exit before the runner's SIGTERM (7.5 s later) with the deployment inactive.</summary>
    private async Task InterruptAndExpectAPromptInactiveExitAsync(Process process, Task<string> output, Task<string> error)
    {
        var clock = Stopwatch.StartNew();
        Signal(process, "INT");
        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            // Say what the program was doing when it would not stop.
            process.Kill(entireProcessTree: true);
            Assert.Fail($"still running {clock.Elapsed} after SIGINT:\n{await output}\n{await error}");
        }

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(7.5), $"exited after {clock.Elapsed}");
        Assert.True(process.ExitCode == 1, await output + await error);
        Assert.Equal("inactive", Assert.Single(App.Deployments).LastState);
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for the program");
            await Task.Delay(50);
        }
    }
}
