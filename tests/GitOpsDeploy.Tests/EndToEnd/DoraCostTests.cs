using System.Diagnostics;
using System.Globalization;
using Xunit.Abstractions;

namespace GitOpsDeploy.Tests.EndToEnd;

/// <summary>
/// What DORA metrics cost today (the REST reads), for a window of 500 deployments of one environment: the figure
/// docs/benchmarks.md records as the "before" of the GraphQL reads (issue 23). Every deployment has its own source
/// commit, and one in ten failed.
/// </summary>
[Trait("Tier", "Benchmark")]
public sealed class DoraCostTests(ITestOutputHelper output) : GitOpsFixture
{
    [Fact]
    public async Task Dora_over_500_deployments_costs_these_requests()
    {
        var now = DateTimeOffset.UtcNow;
        // Oldest first, as GitHub's ids grow with time (it lists newest first by id).
        for (var i = 499; i >= 0; i--)
        {
            var sha = i.ToString("x40", CultureInfo.InvariantCulture);
            var at = now.AddMinutes(-(i + 1) * 60);
            App.CommitTimes[sha] = at.AddMinutes(-30);
            GitHub.SeedDeployment("acme/app", "staging", "deploy:app", sha, at, i % 10 == 3 ? ("failure", "broke", at.AddMinutes(5)) : ("success", null, at.AddMinutes(5)));
        }

        var before = GitHub.ApiRequests.Count();
        var clock = Stopwatch.StartNew();
        var result = await Run(Inputs(("token", SourceToken), ("dora-metrics", "true")));
        clock.Stop();

        Assert.True(result.ExitCode == 0, result.Stdout);
        var requests = GitHub.ApiRequests.Skip(before).ToList();
        var deploymentReads = requests.Count(r => r.Contains("/deployments", StringComparison.Ordinal) && r.StartsWith("GET", StringComparison.Ordinal));
        var commitReads = requests.Count(r => r.Contains("/commits/", StringComparison.Ordinal) && r.StartsWith("GET", StringComparison.Ordinal));
        output.WriteLine($"run: {clock.ElapsedMilliseconds} ms, {requests.Count} API requests ({deploymentReads} deployment/status reads, {commitReads} commit reads); deployment-frequency {result.Output("deployment-frequency")}, change-failure-rate {result.Output("change-failure-rate")}");
        // The newest 100 deployments (90 successful) span 100 hours, 5 days: 18 per day, with a warning, not 100 / 30.
        Assert.Equal("18", result.Output("deployment-frequency"));
        Assert.Contains("::warning::DORA metrics for staging cover the newest 100 deployments only, the last 5 of dora-window's 30 days", result.Stdout, StringComparison.Ordinal);
        Assert.True(deploymentReads > 0 && commitReads > 0, string.Join('\n', requests));
    }
}
