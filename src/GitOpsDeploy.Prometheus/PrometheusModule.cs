using GitOpsDeploy.Core.Ports;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace GitOpsDeploy.Prometheus;

/// <summary>Builds the Pushgateway client for a run's URL; the caller disposes it.</summary>
public sealed class PushgatewayFactory
{
    public IMetricsSink Create(string url) => new HttpPushgateway(url);
}

/// <summary>Builds the Prometheus query client of a run's metric analysis; the caller disposes it.</summary>
public sealed class PrometheusAnalysisFactory(TimeProvider time)
{
    public IMetricAnalysis Create(string? bearerToken) => new PrometheusMetricAnalysis(bearerToken, time);
}

public static class PrometheusModule
{
    public static IServiceCollection AddGitOpsPrometheus(this IServiceCollection services)
    {
        services.TryAddSingleton<PushgatewayFactory>();
        services.TryAddSingleton<PrometheusAnalysisFactory>();
        return services;
    }
}
