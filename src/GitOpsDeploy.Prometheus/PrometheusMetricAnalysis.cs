using GitOpsDeploy.Analysis;
using GitOpsDeploy.Core.Ports;

namespace GitOpsDeploy.Prometheus;

/// <summary>The metric analysis port over Prometheus's HTTP API: <see cref="PrometheusAnalysisRunner"/> on the run's clock, one bearer token for every query.</summary>
public sealed class PrometheusMetricAnalysis(string? bearerToken, TimeProvider time, HttpMessageHandler? handler = null) : IMetricAnalysis, IDisposable
{
    private readonly HttpPrometheusQuery query = new(bearerToken, handler);

    public Task<AnalysisStep> RunAsync(AnalysisSpec spec, Action<Measurement, AnalysisStep>? onMeasurement, CancellationToken cancellationToken) =>
        new PrometheusAnalysisRunner(query, time).RunAsync(spec, onMeasurement, cancellationToken);

    public void Dispose() => query.Dispose();
}
