using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using GitOpsDeploy.Tests.Fakes;

namespace GitOpsDeploy.Tests.EndToEnd;

/// <summary>A real Prometheus Pushgateway (Debian's prometheus-pushgateway) on a loopback port, started per test class.</summary>
public sealed class PushgatewayFixture : IDisposable
{
    private const string Binary = "/usr/bin/prometheus-pushgateway";
    private readonly Process? process;

    public PushgatewayFixture()
    {
        if (!File.Exists(Binary))
        {
            return;
        }

        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        process = Process.Start(new ProcessStartInfo(Binary, $"--web.listen-address=127.0.0.1:{port}") { RedirectStandardOutput = true, RedirectStandardError = true });
        Url = $"http://127.0.0.1:{port}";
        using var http = new HttpClient();
        for (var i = 0; i < 100; i++)
        {
            try
            {
                if (http.GetAsync(Url + "/-/ready").GetAwaiter().GetResult().IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            Thread.Sleep(100);
        }

        throw new InvalidOperationException("the Pushgateway did not become ready");
    }

    public string? Url { get; }

    public void Dispose()
    {
        if (process is { HasExited: false })
        {
            process.Kill();
        }

        process?.Dispose();
    }
}

/// <summary>DORA metrics from the deployments API, in outputs, the summary, and a real Pushgateway.</summary>
[Trait("Tier", "EndToEnd")]
public sealed class DoraTests(PushgatewayFixture pushgateway) : GitOpsFixture, IClassFixture<PushgatewayFixture>
{
    [SkippableFact]
    public async Task Computes_dora_metrics_and_pushes_them_to_the_pushgateway()
    {
        Skip.If(pushgateway.Url is null, "prometheus-pushgateway is not installed (.ci/run installs it): Pushgateway test skipped");
        var now = DateTimeOffset.UtcNow;
        App.CommitTimes["aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"] = now.AddDays(-3).AddHours(-1);
        App.CommitTimes["bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"] = now.AddDays(-2).AddHours(-2);
        App.CommitTimes["cccccccccccccccccccccccccccccccccccccccc"] = now.AddDays(-1).AddHours(-3);
        App.CommitTimes["0123456789abcdef0123456789abcdef01234567"] = now.AddMinutes(-30);
        GitHub.SeedDeployment("acme/app", "staging", "deploy:app", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", now.AddDays(-3), ("success", null, now.AddDays(-3)));
        GitHub.SeedDeployment("acme/app", "staging", "deploy:app", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", now.AddDays(-2), ("failure", "broke", now.AddDays(-2)));
        GitHub.SeedDeployment("acme/app", "staging", "deploy:app", "cccccccccccccccccccccccccccccccccccccccc", now.AddDays(-1), ("success", null, now.AddDays(-1)));
        GitHub.SeedDeployment("acme/app", "staging", "deploy:app", "dddddddddddddddddddddddddddddddddddddddd", now.AddDays(-40), ("success", null, now.AddDays(-40)));

        var result = await Run(Inputs(("token", SourceToken), ("pushgateway-url", pushgateway.Url!)));

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Equal("0.1", result.Output("deployment-frequency"));
        Assert.Equal("3600", result.Output("lead-time-seconds"));
        Assert.Equal("0.25", result.Output("change-failure-rate"));
        Assert.Equal("86400", result.Output("mean-time-to-restore-seconds"));
        Assert.Contains("| Change failure rate | 25% |", result.Summary, StringComparison.Ordinal);

        using var http = new HttpClient();
        var metrics = await http.GetStringAsync(pushgateway.Url + "/metrics");
        var labels = "{environment=\"staging\",instance=\"\",job=\"gitops_deploy\",repository=\"acme/app\"}";
        Assert.Contains($"gitops_deploy_lead_time_seconds{labels} 3600", metrics, StringComparison.Ordinal);
        Assert.Contains($"gitops_deploy_change_failure_rate{labels} 0.25", metrics, StringComparison.Ordinal);
        Assert.Contains($"gitops_deploy_deployment_frequency_per_day{labels} 0.1", metrics, StringComparison.Ordinal);
        Assert.Contains($"gitops_deploy_mean_time_to_restore_seconds{labels} 86400", metrics, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Deploy_latency_goes_to_the_pushgateway_in_the_same_group_as_the_dora_metrics()
    {
        Skip.If(pushgateway.Url is null, "prometheus-pushgateway is not installed (.ci/run installs it): Pushgateway test skipped");
        await using var argo = await FakeArgoCd.StartAsync();
        argo.Script("app-staging", n => new ArgoState("Synced", Repo.Head(), n < 1 ? "Progressing" : "Healthy"));

        var result = await Run(Inputs(("token", SourceToken), ("pushgateway-url", pushgateway.Url!),
            ("argocd-server", argo.Url), ("argocd-token", argo.Token), ("argocd-timeout", "4")));

        Assert.True(result.ExitCode == 0, result.Stdout);
        using var http = new HttpClient();
        var metrics = await http.GetStringAsync(pushgateway.Url + "/metrics");
        var labels = "{environment=\"staging\",instance=\"\",job=\"gitops_deploy\",repository=\"acme/app\"}";
        Assert.Contains($"gitops_deploy_commit_to_synced_seconds{labels} {result.Output("commit-to-synced-seconds")}", metrics, StringComparison.Ordinal);
        Assert.Contains($"gitops_deploy_commit_to_healthy_seconds{labels} {result.Output("commit-to-healthy-seconds")}", metrics, StringComparison.Ordinal);
        Assert.Contains($"gitops_deploy_deployment_frequency_per_day{labels} ", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_pushgateway_warns_but_does_not_fail_the_deploy()
    {
        var result = await Run(Inputs(("token", SourceToken), ("pushgateway-url", "http://127.0.0.1:9")));

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("::warning::DORA metrics were not reported: the Pushgateway at http://127.0.0.1:9 is unreachable", result.Stdout, StringComparison.Ordinal);
        Assert.Equal("pushed", result.Output("operation"));
    }
}
