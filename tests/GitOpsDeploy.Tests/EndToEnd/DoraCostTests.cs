using System.Diagnostics;
using System.Globalization;
using Xunit.Abstractions;

namespace GitOpsDeploy.Tests.EndToEnd;

/// <summary>
/// What DORA metrics cost for a window of 500 deployments of one environment (issue 23): the deployments, their
/// statuses and their commit times come in GraphQL pages of 100, so the reads grow with the window / 100, never with
/// the deployments or the commits (the REST path this replaced made one call per deployment plus one per source commit,
/// and stopped at the newest 100). Every deployment has its own source commit, and one in ten failed.
/// bench/GitOpsDeploy.Bench (BENCH_ONLY=d) measures both paths; docs/benchmarks.md records the figures.
/// </summary>
[Trait("Tier", "Benchmark")]
public sealed class DoraCostTests(ITestOutputHelper output) : GitOpsFixture
{
    [Fact]
    public async Task Dora_over_500_deployments_reads_pages_of_100_not_each_deployment()
    {
        var now = DateTimeOffset.UtcNow;
        // One an hour for 500 hours (about 21 days), oldest first, as GitHub's ids grow with time.
        for (var i = 499; i >= 0; i--)
        {
            var sha = i.ToString("x40", CultureInfo.InvariantCulture);
            var at = now.AddMinutes(-(i + 1) * 60);
            App.CommitTimes[sha] = at.AddMinutes(-30);
            GitHub.SeedDeployment("acme/app", "staging", "deploy:app", sha, at, ("in_progress", null, at), i % 10 == 3 ? ("failure", "broke", at.AddMinutes(5)) : ("success", null, at.AddMinutes(5)));
        }

        GitHub.RecordGraphQl = true;
        var before = GitHub.ApiRequests.Count();
        var clock = Stopwatch.StartNew();
        var result = await Run(Inputs(("token", SourceToken), ("dora-metrics", "true")));
        clock.Stop();

        Assert.True(result.ExitCode == 0, result.Stdout);
        var requests = GitHub.ApiRequests.Skip(before).ToList();
        var pages = GitHub.GraphQlExchanges.Count(e => e["operationName"]?.GetValue<string>() == "DeploymentHistory");
        var perDeployment = requests.Count(r => r.StartsWith("GET", StringComparison.Ordinal) && (r.Contains("/statuses", StringComparison.Ordinal) || r.Contains("/commits/", StringComparison.Ordinal)));
        output.WriteLine($"run: {clock.ElapsedMilliseconds} ms, {requests.Count} API requests ({pages} DeploymentHistory pages, {perDeployment} per-deployment reads); deployment-frequency {result.Output("deployment-frequency")}, change-failure-rate {result.Output("change-failure-rate")}");
        // The whole window is read: 450 successes of the seeded 500 plus this run's own over 30 days, no "newest 100" warning.
        Assert.Equal("15.033", result.Output("deployment-frequency"));
        Assert.Equal("0.1", result.Output("change-failure-rate"));
        Assert.Equal("2100", result.Output("lead-time-seconds"));
        Assert.DoesNotContain("cover the newest", result.Stdout, StringComparison.Ordinal);
        // 501 deployments (the seeded 500 and this run's): six pages, and not one read per deployment or per commit.
        Assert.Equal(6, pages);
        Assert.True(perDeployment == 0, string.Join('\n', requests));
        Assert.True(requests.Count < 30, $"{requests.Count} requests:\n{string.Join('\n', requests)}");
    }
}
