namespace GitOpsDeploy.Core.Ports;

/// <summary>Where metrics go (a Prometheus Pushgateway).</summary>
public interface IMetricsSink
{
    /// <summary>Replaces the metrics of this environment and repository with <paramref name="exposition"/> (Prometheus text format).</summary>
    Task PushAsync(string environment, string repository, string exposition, CancellationToken cancellationToken);
}
