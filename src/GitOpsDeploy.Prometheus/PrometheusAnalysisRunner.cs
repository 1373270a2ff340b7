using GitOpsDeploy.Analysis;

namespace GitOpsDeploy.Prometheus;

/// <summary>
/// Drives an analysis to its end: asks <see cref="AnalysisScheduler"/> what is due, waits on the <see cref="TimeProvider"/>,
/// queries the due metrics (in parallel, as Argo Rollouts does), and turns a query that gave no answer into an Error
/// measurement with the client's message. Every query is evaluated at the time it is sent.
/// </summary>
public sealed class PrometheusAnalysisRunner(IPrometheusQuery prometheus, TimeProvider time)
{
    /// <param name="onMeasurement">Called after each measurement with where the analysis then stands (for logs).</param>
    public async Task<AnalysisStep> RunAsync(AnalysisSpec spec, Action<Measurement, AnalysisStep>? onMeasurement = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var startedAt = time.GetUtcNow();
        var measurements = new List<Measurement>();
        while (true)
        {
            var step = AnalysisScheduler.Assess(spec, startedAt, measurements);
            if (step.IsFinished)
            {
                return step;
            }

            var wait = step.NextDueAt!.Value - time.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, time, cancellationToken);
            }

            var due = step.DueBy(time.GetUtcNow());
            var taken = await Task.WhenAll(due.Select(name => MeasureAsync(spec.Metric(name), cancellationToken)));
            foreach (var measurement in taken)
            {
                measurements.Add(measurement);
                onMeasurement?.Invoke(measurement, AnalysisScheduler.Assess(spec, startedAt, measurements));
            }
        }
    }

    private async Task<Measurement> MeasureAsync(MetricSpec metric, CancellationToken cancellationToken)
    {
        var startedAt = time.GetUtcNow();
        try
        {
            var result = await prometheus.QueryAsync(metric.Prometheus.Address, metric.Prometheus.Query, startedAt, metric.Prometheus.Timeout, cancellationToken);
            return Measurement.Evaluate(metric, result, startedAt, time.GetUtcNow());
        }
        catch (PrometheusQueryException e)
        {
            return Measurement.Errored(metric, e.Message, startedAt, time.GetUtcNow());
        }
    }
}
