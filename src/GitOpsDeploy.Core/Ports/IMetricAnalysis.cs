using GitOpsDeploy.Analysis;

namespace GitOpsDeploy.Core.Ports;

/// <summary>Runs an analysis to its end against Prometheus (measuring on the run's clock), telling each measurement as it comes.</summary>
public interface IMetricAnalysis
{
    Task<AnalysisStep> RunAsync(AnalysisSpec spec, Action<Measurement, AnalysisStep>? onMeasurement, CancellationToken cancellationToken);
}
