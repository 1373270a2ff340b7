using GitOpsDeploy.Core.Metrics;
using GitOpsDeploy.Core.Text;
using GitOpsDeploy.GitHub;
using GitOpsDeploy.Prometheus;
using GitOpsDeploy.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;

namespace GitOpsDeploy.Tests.EndToEnd;

/// <summary>The real Prometheus harness (shared with the analysis tests) for one test class.</summary>
public sealed class PrometheusHarness : IAsyncLifetime
{
    public RealPrometheus Prometheus { get; } = new();

    public Task InitializeAsync() => Prometheus.StartAsync();

    public async Task DisposeAsync() => await Prometheus.DisposeAsync();
}

/// <summary>
/// Rolling back on bad metrics through the whole program: after Argo CD reports Synced and Healthy, a real Prometheus
/// (Debian's, on loopback, scraping an exporter these tests drive) is queried with the template's or the inline
/// metrics; a failed or inconclusive analysis fails the deployment with the query, the value and the condition, and
/// rollback-on-failure rolls the environment back and holds it.
/// </summary>
[Trait("Tier", "EndToEnd")]
public sealed class MetricAnalysisTests(PrometheusHarness harness) : GitOpsFixture, IClassFixture<PrometheusHarness>
{
    private const string ShaA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    private const string ShaB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    private RealPrometheus Prometheus => harness.Prometheus;

    private FakeArgoCd argo = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        argo = await FakeArgoCd.StartAsync();
        argo.Script("app-staging", _ => new ArgoState("Synced", Repo.Head(), "Healthy"));
    }

    public override async Task DisposeAsync()
    {
        await argo.DisposeAsync();
        await base.DisposeAsync();
    }

    /// <summary>Exports <paramref name="series"/> and waits until Prometheus has scraped it.</summary>
    private async Task ExportAsync(string series, double value)
    {
        Prometheus.SetGauge(series, value);
        using var client = new HttpPrometheusQuery();
        await Prometheus.WaitUntilAsync(client, series, r => r.Values.Count == 1 && r.Values[0] == value);
    }

    private static string Metrics(string query) => $"""
        - name: error-rate
          interval: 1s
          count: 2
          failureCondition: result[0] > 0.05
          provider:
            prometheus:
              query: {query}
        """;

    private Dictionary<string, string> Deploy(params (string Name, string Value)[] overrides) =>
        Inputs([("images", "web=ghcr.io/acme/web:1.2.0"), ("source-sha", ShaB), ("token", SourceToken),
            ("argocd-server", argo.Url), ("argocd-token", argo.Token), ("argocd-timeout", "5"), ("prometheus-url", Prometheus.Address!), .. overrides]);

    private async Task ReleaseAsync()
    {
        var result = await Run(Inputs(("images", "web=ghcr.io/acme/web:1.1.0"), ("source-sha", ShaA), ("token", SourceToken)));
        Assert.True(result.ExitCode == 0, result.Stdout);
    }

    [SkippableFact]
    public async Task Good_metrics_after_synced_and_healthy_pass_and_the_summary_says_so()
    {
        Skip.If(Prometheus.Address is null, RealPrometheus.SkipReason);
        await ExportAsync("e2e_good_error_rate", 0.01);

        var result = await Run(Deploy(("analysis-metrics", Metrics("e2e_good_error_rate"))));

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Contains("Metric analysis: analysis passed: 1 metric(s), 2 measurement(s).", result.Summary, StringComparison.Ordinal);
        Assert.Equal("success", Assert.Single(App.Deployments).LastState);
    }

    [SkippableFact]
    public async Task Bad_metrics_fail_the_deployment_with_query_value_and_threshold_and_roll_back_with_a_hold()
    {
        Skip.If(Prometheus.Address is null, RealPrometheus.SkipReason);
        await ReleaseAsync();
        var bad = Repo.CommitCount();
        await ExportAsync("e2e_bad_error_rate", 0.2);

        var result = await Run(Deploy(("analysis-metrics", Metrics("e2e_bad_error_rate")), ("rollback-on-failure", "true")));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("metric analysis failed on error-rate: e2e_bad_error_rate = [0.2] (failureCondition: result[0] > 0.05); failed (1) > failureLimit (0)", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("rolled back to web=ghcr.io/acme/web:1.1.0", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(bad + 2, Repo.CommitCount());
        Assert.StartsWith("rollback(staging)", Repo.Message(Repo.Head()), StringComparison.Ordinal);
        Assert.Contains("newTag: \"1.1.0\"", Repo.ReadFile("environments/staging/kustomization.yaml"), StringComparison.Ordinal);
        Assert.Contains("rolled-back-commit:", Repo.ReadFile("environments/staging/.gitops-deploy-hold"), StringComparison.Ordinal);
        var failed = App.Deployments.Last(d => d.Sha == ShaB);
        Assert.Equal(["in_progress", "in_progress", "in_progress", "failure", "inactive"], failed.Statuses.Select(s => s.State));
        Assert.StartsWith("metric analysis failed on error-rate: e2e_bad_error_rate = [0.2] (failureCondition: result[0] > 0.05)", failed.Statuses[3].Description, StringComparison.Ordinal);
        Assert.Equal("success", App.Deployments.Last().LastState);

        // DORA, read as the next run reads it (GraphQL): the metric rollback is a change failure the rollback restored.
        using var github = new GitHubFactory(TimeProvider.System, NullLoggerFactory.Instance, new SecretMasker());
        var history = await github.Deployments(GitHub.ServerUrl + "/api/v3", null, SourceToken, "acme/app").HistoryAsync("staging", DateTimeOffset.UtcNow.AddDays(-1), 1000, default);
        var dora = DoraMetrics.Compute(history, 1);
        Assert.Equal(3, dora.Deployments);
        Assert.Equal(0.333, dora.ChangeFailureRate);
        Assert.NotNull(dora.MeanTimeToRestoreSeconds);
    }

    [SkippableFact]
    public async Task No_data_is_inconclusive_and_fails_the_deploy_never_passes_it()
    {
        Skip.If(Prometheus.Address is null, RealPrometheus.SkipReason);

        var result = await Run(Deploy(("analysis-metrics", Metrics("e2e_never_exported_error_rate")), ("analysis-inconclusive-limit", "1")));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("metric analysis inconclusive on error-rate: e2e_never_exported_error_rate = no data", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("inconclusive (2) > inconclusiveLimit (1)", result.Stdout, StringComparison.Ordinal);
        Assert.Equal("failure", Assert.Single(App.Deployments).LastState);
    }

    [SkippableFact]
    public async Task An_analysis_template_kept_in_the_gitops_repository_is_read_with_the_given_arguments()
    {
        Skip.If(Prometheus.Address is null, RealPrometheus.SkipReason);
        await ExportAsync("e2e_template_latency_seconds{service=\"web\"}", 0.3);
        Repo.Commit(new Dictionary<string, string>
        {
            ["analysis/latency.yaml"] = """
                apiVersion: argoproj.io/v1alpha1
                kind: AnalysisTemplate
                metadata:
                  name: latency
                spec:
                  args:
                    - name: service
                    - name: threshold
                      value: "1"
                  metrics:
                    - name: p99-latency
                      successCondition: result[0] < {{args.threshold}}
                      provider:
                        prometheus:
                          query: e2e_template_latency_seconds{service="{{args.service}}"}
                """,
        }, "analysis template");

        var passed = await Run(Deploy(("analysis-template", "analysis/latency.yaml"), ("analysis-args", "service=web")));
        var failed = await Run(Deploy(("images", "web=ghcr.io/acme/web:1.3.0"), ("analysis-template", "analysis/latency.yaml"), ("analysis-args", "service=web\nthreshold=0.25")));

        Assert.True(passed.ExitCode == 0, passed.Stdout);
        Assert.Equal(1, failed.ExitCode);
        Assert.Contains("metric analysis failed on p99-latency: e2e_template_latency_seconds{service=\"web\"} = [0.3] (successCondition: result[0] < 0.25)", failed.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_template_that_is_not_in_the_repository_is_named_and_nothing_is_written()
    {
        var before = Repo.CommitCount();

        var result = await Run(Deploy(("analysis-template", "analysis/missing.yaml"), ("prometheus-url", "http://127.0.0.1:9")));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("input 'analysis-template': 'analysis/missing.yaml' is not a file", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(before, Repo.CommitCount());
        Assert.DoesNotContain(App.Deployments, d => d.LastState == "in_progress");
    }

    [Fact]
    public async Task A_template_that_cannot_run_is_refused_with_its_file_and_line_before_anything_is_written()
    {
        Repo.Commit(new Dictionary<string, string>
        {
            ["analysis/broken.yaml"] = """
                apiVersion: argoproj.io/v1alpha1
                kind: AnalysisTemplate
                metadata:
                  name: broken
                spec:
                  metrics:
                    - name: error-rate
                      successCondition: result[0] < 0.05
                      provider:
                        prometheus:
                          query: rate(errors{service="{{args.service}}"}[1m])
                """,
        }, "broken analysis template");
        var before = Repo.CommitCount();

        var result = await Run(Deploy(("analysis-template", "analysis/broken.yaml")));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("analysis/broken.yaml:", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("service", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(before, Repo.CommitCount());
        Assert.DoesNotContain(App.Deployments, d => d.LastState == "in_progress");
    }
}
