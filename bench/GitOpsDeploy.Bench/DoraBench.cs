using System.Diagnostics;
using System.Globalization;
using GitOpsDeploy.Core.Metrics;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Text;
using GitOpsDeploy.GitHub;
using GitOpsDeploy.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;
using Octokit;

/// <summary>
/// (d) What DORA metrics cost for a window of 500 deployments of one environment (<c>BENCH_ONLY=d</c>), before and after
/// issue 23, in one run on the loopback GitHub fake: the REST path as main had it (one list, then per deployment its
/// statuses and per source commit its time; main stopped at the newest 100, and the same code reading the whole window
/// is shown too) against the GraphQL pages of 100 the adapter uses now. Each deployment has its own source commit and
/// one in ten failed. Requests are counted where they arrive (the fake's request log); times are medians of interleaved
/// runs after one warm-up of each path; the metrics each path computes are printed so the figures compare like with like.
/// </summary>
internal static class DoraBench
{
    private const string Token = "ghs_benchDORAtoken0123456789";
    private const int Window = 500;
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static async Task<int> RunAsync(int runs)
    {
        await using var github = await FakeGitHub.StartAsync();
        github.AddToken(Token, Permission.Write);
        var app = github.CreateApiRepo("acme/app");
        var now = DateTimeOffset.UtcNow;
        for (var i = Window - 1; i >= 0; i--)
        {
            var sha = i.ToString("x40", Inv);
            var at = now.AddHours(-(i + 1));
            app.CommitTimes[sha] = at.AddMinutes(-30);
            github.SeedDeployment("acme/app", "staging", "deploy:app", sha, at, ("in_progress", null, at), i % 10 == 3 ? ("failure", "broke", at.AddMinutes(5)) : ("success", null, at.AddMinutes(5)));
        }

        var api = github.ServerUrl + "/api/v3";
        using var factory = new GitHubFactory(TimeProvider.System, NullLoggerFactory.Instance, new SecretMasker());
        var graphQl = factory.Deployments(api, null, Token, "acme/app");
        var connection = factory.Connection(api);
        var rest = new RestDoraHistory(connection.Create(Token), connection.Gate, "acme/app");
        var since = now.AddDays(-30);
        var paths = new (string Name, Func<Task<IReadOnlyList<DeploymentRecord>>> Read)[]
        {
            ("REST, main (newest 100 only)", () => rest.HistoryAsync("staging", since, 100, default)),
            ("REST, whole window", () => rest.HistoryAsync("staging", since, Window, default)),
            ("GraphQL pages of 100 (now)", () => graphQl.HistoryAsync("staging", since, 1000, default)),
        };
        var samples = paths.ToDictionary(p => p.Name, _ => new List<double>());
        var results = new Dictionary<string, (int Read, int Requests, int GraphQl, DoraMetrics Dora)>();
        foreach (var (name, read) in paths)
        {
            await read();
        }

        for (var run = 0; run < runs; run++)
        {
            foreach (var (name, read) in paths)
            {
                var before = github.ApiRequests.Count();
                var clock = Stopwatch.StartNew();
                var history = await read();
                clock.Stop();
                samples[name].Add(clock.Elapsed.TotalMilliseconds);
                var requests = github.ApiRequests.Skip(before).ToList();
                results[name] = (history.Count, requests.Count, requests.Count(r => r.Contains("graphql", StringComparison.Ordinal)), DoraMetrics.Compute(history, 30));
            }
        }

        Console.WriteLine($"\n(d) DORA metrics over a window of {Window} deployments (one environment, 30 days): requests and read time; {runs} runs, medians");
        var after = Median(samples[paths[^1].Name]);
        var rows = new List<string[]> { new[] { "path", "deployments read", "requests", "GraphQL", "median (ms)", "ratio to GraphQL", "per day", "failure rate", "lead time (s)", "restore (s)" } };
        foreach (var (name, _) in paths)
        {
            var (read, requests, graphQlRequests, dora) = results[name];
            var ms = Median(samples[name]);
            rows.Add([name, read.ToString(Inv), requests.ToString(Inv), graphQlRequests.ToString(Inv), ms.ToString("F0", Inv), (ms / after).ToString("F1", Inv),
                dora.DeploymentsPerDay.ToString("0.###", Inv), dora.ChangeFailureRate?.ToString("0.###", Inv) ?? "n/a", dora.LeadTimeSeconds?.ToString("0", Inv) ?? "n/a", dora.MeanTimeToRestoreSeconds?.ToString("0", Inv) ?? "n/a"]);
        }

        var widths = Enumerable.Range(0, rows[0].Length).Select(i => rows.Max(r => r[i].Length)).ToArray();
        foreach (var row in rows)
        {
            Console.WriteLine(string.Join("  ", row.Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd());
        }

        return 0;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    /// <summary>The baseline: OctokitDeployments.HistoryAsync as main had it before issue 23's GraphQL reads (errors left untranslated).</summary>
    private sealed class RestDoraHistory(IGitHubClient client, RateLimitGate gate, string repository)
    {
        private readonly string owner = repository.Split('/')[0];
        private readonly string name = repository.Split('/')[1];

        public async Task<IReadOnlyList<DeploymentRecord>> HistoryAsync(string environment, DateTimeOffset since, int max, CancellationToken cancellationToken)
        {
            var api = new ApiConnection(client.Connection);
            var parameters = new Dictionary<string, string> { ["environment"] = environment };
            var all = await gate.RunAsync(
                () => api.GetAll<Deployment>(new Uri($"repos/{owner}/{name}/deployments", UriKind.Relative), parameters, new ApiOptions { PageSize = 100, PageCount = Math.Max(1, (max + 99) / 100) }),
                "list deployments", cancellationToken);
            var records = new List<DeploymentRecord>();
            var commitTimes = new Dictionary<string, DateTimeOffset?>();
            foreach (var deployment in all.Where(d => d.CreatedAt >= since).Take(max))
            {
                var statuses = await gate.RunAsync(() => client.Repository.Deployment.Status.GetAll(owner, name, deployment.Id), "list deployment statuses", cancellationToken);
                if (!commitTimes.TryGetValue(deployment.Sha, out var committed))
                {
                    committed = commitTimes[deployment.Sha] = (await gate.RunAsync(() => client.Repository.Commit.Get(owner, name, deployment.Sha), "read a commit", cancellationToken)).Commit.Committer.Date;
                }

                records.Add(new DeploymentRecord(deployment.Id, deployment.Sha, deployment.CreatedAt, statuses.OrderBy(s => s.CreatedAt).Select(s => (s.State.StringValue, (string?)s.Description, s.CreatedAt)).ToList())
                {
                    CommittedAt = committed,
                });
            }

            return records;
        }
    }
}
