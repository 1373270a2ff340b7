using System.Globalization;
using GitOpsDeploy.Prometheus;

namespace GitOpsDeploy.Analysis.Tests;

/// <summary>
/// Whole analyses against a real Prometheus scraping an exporter these tests drive, so rate(), staleness, NaN from 0/0 and
/// empty results are Prometheus's own. Each test uses its own series names. Intervals are 1–3s to keep the run short.
/// </summary>
[Trait("Tier", "Adapter")]
[Collection(PrometheusCollection.Name)]
public sealed class RealPrometheusAnalysisTests(PrometheusFixture prometheus) : IDisposable
{
    private readonly HttpPrometheusQuery client = new();
    private readonly List<Measurement> seen = [];

    public void Dispose() => client.Dispose();

    [SkippableFact]
    public async Task A_healthy_success_rate_passes_every_measurement()
    {
        Skip.If(prometheus.Address is null, PrometheusFixture.SkipReason);
        prometheus.SetCounter("t1_requests_total{code=\"200\"}", 50);
        prometheus.SetCounter("t1_requests_total{code=\"500\"}", 0);
        const string Query = "sum(rate(t1_requests_total{code!~\"5..\"}[5s])) / sum(rate(t1_requests_total[5s]))";
        await prometheus.WaitUntilAsync(client, Query, r => r.Values.Count == 1 && !double.IsNaN(r.Values[0]));

        var spec = Spec($"""
            - name: success-rate
              interval: 1s
              count: 3
              successCondition: result[0] >= {"{{args.threshold}}"}
              provider:
                prometheus:
                  address: "{"{{args.prometheus}}"}"
                  query: '{Query}'
            """, ("threshold", "0.95"));

        var step = await RunAsync(spec);

        Assert.Equal(AnalysisPhase.Successful, step.Phase);
        Assert.Equal(3, step.Metrics[0].Successful);
        Assert.Equal("[1]", step.Result.Value);
        Assert.Equal("successCondition: result[0] >= 0.95", step.Result.Condition);
        Assert.Equal("count (3) reached", step.Result.Limit);
        Assert.Equal("analysis passed: 1 metric(s), 3 measurement(s)", step.Result.Summary());
    }

    [SkippableFact]
    public async Task An_error_rate_over_the_threshold_fails_with_the_value_the_query_and_the_condition()
    {
        Skip.If(prometheus.Address is null, PrometheusFixture.SkipReason);
        prometheus.SetCounter("t2_requests_total{code=\"200\"}", 8);
        prometheus.SetCounter("t2_requests_total{code=\"500\"}", 2);
        const string Query = "sum(rate(t2_requests_total{code=~\"5..\"}[5s])) / sum(rate(t2_requests_total[5s]))";
        await prometheus.WaitUntilAsync(client, Query, r => r.Values.Count == 1 && r.Values[0] > 0);

        var spec = Spec($"""
            - name: error-rate
              interval: 1s
              count: 3
              successCondition: result[0] <= 0.05
              failureCondition: result[0] > 0.05
              provider:
                prometheus:
                  address: "{"{{args.prometheus}}"}"
                  query: '{Query}'
            """);

        var step = await RunAsync(spec);

        Assert.Equal(AnalysisPhase.Failed, step.Phase);
        var result = step.Result;
        Assert.Equal("error-rate", result.Metric);
        Assert.Equal(Query, result.Query);
        Assert.Equal(0.2, Sample(result.Value!), 2);
        Assert.Equal("failureCondition: result[0] > 0.05", result.Condition);
        Assert.Equal("failed (1) > failureLimit (0)", result.Limit);
        Assert.Single(seen);
        Assert.Matches(@"^analysis failed on error-rate: \[0\.[12]\d*\] \(failureCondition: result\[0\] > 0\.05\); failed \(1\) > failureLimit \(0\)$", result.Summary());
        Assert.True(result.Summary().Length <= AnalysisResult.DeploymentStatusLength);
    }

    [SkippableFact]
    public async Task No_data_is_inconclusive_and_ends_the_analysis_once_past_the_inconclusive_limit()
    {
        Skip.If(prometheus.Address is null, PrometheusFixture.SkipReason);
        var spec = Spec("""
            - name: latency
              interval: 1s
              count: 4
              successCondition: result[0] < 0.5
              provider:
                prometheus:
                  address: "{{args.prometheus}}"
                  query: sum(rate(t3_never_exported_total[5s]))
            """, options: new AnalysisOptions { InconclusiveLimit = 1 });

        var step = await RunAsync(spec);

        Assert.Equal(AnalysisPhase.Inconclusive, step.Phase);
        Assert.Equal(2, seen.Count);
        Assert.All(seen, m => Assert.Equal(MeasurementPhase.Inconclusive, m.Phase));
        Assert.Equal("[]", step.Result.Value);
        Assert.Equal("inconclusive (2) > inconclusiveLimit (1)", step.Result.Limit);
        Assert.Contains("no data: the query returned an empty vector", step.Result.Detail, StringComparison.Ordinal);
        Assert.Equal("analysis inconclusive on latency: no data (successCondition: result[0] < 0.5); inconclusive (2) > inconclusiveLimit (1)", step.Result.Summary());
    }

    [SkippableFact]
    public async Task Missing_data_within_the_inconclusive_limit_does_not_stop_a_metric_that_then_passes()
    {
        Skip.If(prometheus.Address is null, PrometheusFixture.SkipReason);
        var spec = Spec("""
            - name: readiness
              interval: 3s
              count: 3
              successCondition: result[0] >= 0.95
              provider:
                prometheus:
                  address: "{{args.prometheus}}"
                  query: t4_ready_ratio
            """, options: new AnalysisOptions { InconclusiveLimit = 1 });

        // The series appears only after the first (empty) measurement.
        var step = await RunAsync(spec, m =>
        {
            if (seen.Count == 1)
            {
                prometheus.SetGauge("t4_ready_ratio", 0.99);
            }
        });

        Assert.Equal(AnalysisPhase.Successful, step.Phase);
        Assert.Equal([MeasurementPhase.Inconclusive, MeasurementPhase.Successful, MeasurementPhase.Successful], seen.Select(m => m.Phase));
        Assert.Equal(1, step.Metrics[0].Inconclusive);
        Assert.Equal("[0.99]", step.Result.Value);
    }

    [SkippableFact]
    public async Task A_query_prometheus_rejects_is_an_error_in_prometheus_words()
    {
        Skip.If(prometheus.Address is null, PrometheusFixture.SkipReason);
        var spec = Spec("""
            - name: broken
              consecutiveErrorLimit: 0
              successCondition: result[0] < 1
              provider:
                prometheus:
                  address: "{{args.prometheus}}"
                  query: sum(rate(t5_requests_total[5s])
            """);

        var step = await RunAsync(spec);

        Assert.Equal(AnalysisPhase.Error, step.Phase);
        Assert.Equal("consecutiveErrors (1) > consecutiveErrorLimit (0)", step.Result.Limit);
        Assert.Null(step.Result.Value);
        Assert.StartsWith($"Prometheus at {prometheus.Address} rejected the query: ", step.Result.Detail, StringComparison.Ordinal);
        Assert.Contains("parse error", step.Result.Detail, StringComparison.Ordinal);
        var e = await Assert.ThrowsAsync<PrometheusQueryException>(() => client.QueryAsync(prometheus.Address!, "sum(rate(x[5s])", DateTimeOffset.UtcNow, TimeSpan.FromSeconds(5), CancellationToken.None));
        Assert.Equal(PrometheusQueryFailure.BadQuery, e.Failure);
    }

    [SkippableFact]
    public async Task A_query_prometheus_cannot_execute_is_an_error_too()
    {
        Skip.If(prometheus.Address is null, PrometheusFixture.SkipReason);
        prometheus.SetGauge("t9_pool{pool=\"a\",zone=\"x\"}", 1);
        prometheus.SetGauge("t9_pool{pool=\"b\",zone=\"x\"}", 2);
        await prometheus.WaitUntilAsync(client, "t9_pool", r => r.Values.Count == 2);

        // Two series on each side for the one match group zone="x": Prometheus refuses to execute it.
        var e = await Assert.ThrowsAsync<PrometheusQueryException>(() => client.QueryAsync(prometheus.Address!, "t9_pool / on(zone) t9_pool", DateTimeOffset.UtcNow, TimeSpan.FromSeconds(5), CancellationToken.None));

        Assert.Equal(PrometheusQueryFailure.BadQuery, e.Failure);
        Assert.StartsWith($"Prometheus at {prometheus.Address} could not run the query: ", e.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_series_that_disappears_is_stale_and_makes_the_next_measurement_inconclusive_not_successful()
    {
        Skip.If(prometheus.Address is null, PrometheusFixture.SkipReason);
        prometheus.SetGauge("t6_latency_seconds", 0.1);
        await prometheus.WaitUntilAsync(client, "t6_latency_seconds", r => r.Values.Count == 1);
        var spec = Spec("""
            - name: latency
              interval: 3s
              count: 2
              successCondition: result[0] < 0.5
              provider:
                prometheus:
                  address: "{{args.prometheus}}"
                  query: t6_latency_seconds
            """);

        // The exporter stops exporting it after the first measurement; the 5m lookback would still find the last sample,
        // so only Prometheus's staleness marker makes the next answer empty.
        var step = await RunAsync(spec, _ => prometheus.Remove("t6_latency_seconds"));

        Assert.Equal([MeasurementPhase.Successful, MeasurementPhase.Inconclusive], seen.Select(m => m.Phase));
        Assert.Equal(AnalysisPhase.Inconclusive, step.Phase);
        Assert.Equal("[]", step.Result.Value);
    }

    [SkippableFact]
    public async Task A_ratio_of_two_idle_counters_is_nan_which_is_inconclusive_unless_the_condition_handles_it()
    {
        Skip.If(prometheus.Address is null, PrometheusFixture.SkipReason);
        prometheus.SetCounter("t7_errors_total", 0);
        prometheus.SetCounter("t7_requests_total", 0, start: 5);
        const string Query = "sum(rate(t7_errors_total[5s])) / sum(rate(t7_requests_total[5s]))";
        var raw = await prometheus.WaitUntilAsync(client, Query, r => r.Values.Count == 1);
        Assert.True(double.IsNaN(raw.Values[0]), raw.ToString());

        // Argo Rollouts would call this Successful (NaN > 0.05 is false); no traffic is not evidence of health.
        var naive = await RunAsync(Spec($"""
            - name: error-rate
              failureCondition: result[0] > 0.05
              provider:
                prometheus:
                  address: "{"{{args.prometheus}}"}"
                  query: '{Query}'
            """));
        Assert.Equal(AnalysisPhase.Inconclusive, naive.Phase);
        Assert.Equal("[NaN]", naive.Result.Value);
        Assert.Contains("no data: the query returned [NaN]", naive.Result.Detail, StringComparison.Ordinal);

        // A condition that says what NaN means is honoured.
        var explicitly = await RunAsync(Spec($"""
            - name: error-rate
              successCondition: isNaN(result[0]) || result[0] <= 0.05
              provider:
                prometheus:
                  address: "{"{{args.prometheus}}"}"
                  query: '{Query}'
            """));
        Assert.Equal(AnalysisPhase.Successful, explicitly.Phase);
    }

    [SkippableFact]
    public async Task Scalar_matrix_and_infinite_answers_reach_conditions_as_prometheus_gave_them()
    {
        Skip.If(prometheus.Address is null, PrometheusFixture.SkipReason);
        prometheus.SetGauge("t8_queue_depth", 3);
        await prometheus.WaitUntilAsync(client, "count_over_time(t8_queue_depth[10s])", r => r.Values.Count == 1 && r.Values[0] >= 3);

        var matrix = await client.QueryAsync(prometheus.Address!, "t8_queue_depth[10s]", DateTimeOffset.UtcNow, TimeSpan.FromSeconds(5), CancellationToken.None);
        Assert.False(matrix.IsScalar);
        Assert.True(matrix.Values.Count >= 3);
        Assert.All(matrix.Values, v => Assert.Equal(3, v));

        Assert.Equal(QueryResult.Scalar(double.PositiveInfinity), await client.QueryAsync(prometheus.Address!, "1/0", DateTimeOffset.UtcNow, TimeSpan.FromSeconds(5), CancellationToken.None));
        Assert.Equal(QueryResult.Scalar(double.NegativeInfinity), await client.QueryAsync(prometheus.Address!, "-1/0", DateTimeOffset.UtcNow, TimeSpan.FromSeconds(5), CancellationToken.None));
        Assert.Equal(QueryResult.Scalar(double.NaN), await client.QueryAsync(prometheus.Address!, "0/0", DateTimeOffset.UtcNow, TimeSpan.FromSeconds(5), CancellationToken.None));

        var step = await RunAsync(Spec("""
            - name: depth
              successCondition: result <= 5 && !isInf(result)
              provider:
                prometheus:
                  address: "{{args.prometheus}}"
                  query: scalar(max(t8_queue_depth))
            - name: all-samples
              successCondition: all(result, {# == 3}) && len(result) >= 3
              provider:
                prometheus:
                  address: "{{args.prometheus}}"
                  query: t8_queue_depth[10s]
            """));
        Assert.Equal(AnalysisPhase.Successful, step.Phase);
        Assert.Equal("3", step.Metrics[0].LastMeasurement!.Value!.ToString());
    }

    private AnalysisSpec Spec(string metrics, params (string Name, string Value)[] args) => Spec(metrics, null, args);

    private AnalysisSpec Spec(string metrics, AnalysisOptions? options, params (string Name, string Value)[] args)
    {
        var values = args.ToDictionary(a => a.Name, a => a.Value);
        values["prometheus"] = prometheus.Address!;
        return AnalysisTemplateParser.ParseMetrics(metrics, "inline", values, (options ?? new AnalysisOptions()) with { ErrorRetryInterval = TimeSpan.FromSeconds(1) });
    }

    private async Task<AnalysisStep> RunAsync(AnalysisSpec spec, Action<Measurement>? after = null)
    {
        seen.Clear();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        return await new PrometheusAnalysisRunner(client, TimeProvider.System).RunAsync(spec, (m, _) =>
        {
            seen.Add(m);
            after?.Invoke(m);
        }, timeout.Token);
    }

    private static double Sample(string vector) => double.Parse(vector.Trim('[', ']'), CultureInfo.InvariantCulture);
}
