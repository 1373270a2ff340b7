using System.Diagnostics;

namespace GitOpsDeploy.Tests.App;

/// <summary>The real program as the runner starts it: SIGTERM mid-run must not leave the deployment in_progress.</summary>
public sealed class SigtermTests : GitOpsFixture
{
    [Fact]
    public async Task Sigterm_while_pushing_marks_the_deployment_inactive_and_exits_non_zero()
    {
        // The program's own build output (its deps.json), built before the tests as a project reference.
        var configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        var program = Path.Combine(ConventionTests.RepoRoot(), "src", "GitOpsDeploy", "bin", configuration, "net10.0", "gitops-deploy.dll");
        var start = new ProcessStartInfo("dotnet", $"\"{program}\"") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in new Dictionary<string, string>
        {
            ["GITHUB_ACTIONS"] = "true",
            ["GITHUB_SERVER_URL"] = GitHub.ServerUrl,
            ["GITHUB_API_URL"] = GitHub.ServerUrl + "/api/v3",
            ["GITHUB_REPOSITORY"] = "acme/app",
            ["GITHUB_SHA"] = "0123456789abcdef0123456789abcdef01234567",
            ["GITHUB_RUN_ID"] = "7",
            ["INPUT_GITOPS-REPOSITORY"] = "acme/gitops",
            ["INPUT_GITOPS-TOKEN"] = WriteToken,
            ["INPUT_TOKEN"] = SourceToken,
            ["INPUT_ENVIRONMENT"] = "staging",
            ["INPUT_IMAGES"] = "web=ghcr.io/acme/web:9.0.0",
            ["INPUT_MODE"] = "pull-request",
        })
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        GitHub.BeforeReceivePack = _ =>
        {
            // The runner cancels the job while the head branch is being pushed.
            using var kill = Process.Start("kill", $"-TERM {process.Id}");
            kill.WaitForExit();
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
}
