using GitOpsDeploy.Prometheus;
using GitOpsDeploy.Tests.Fakes;

namespace GitOpsDeploy.Analysis.Tests;

/// <summary>The real Prometheus and its exporter (<see cref="RealPrometheus"/>, shared with the end-to-end tests), one per test collection.</summary>
public sealed class PrometheusFixture : IAsyncLifetime
{
    public const string Binary = RealPrometheus.Binary;
    public const string SkipReason = RealPrometheus.SkipReason;

    private readonly RealPrometheus prometheus = new();

    public string? Address => prometheus.Address;

    public string Log => prometheus.Log;

    public void SetGauge(string line, double value) => prometheus.SetGauge(line, value);

    public void SetCounter(string line, double perSecond, double start = 0) => prometheus.SetCounter(line, perSecond, start);

    public void Remove(string line) => prometheus.Remove(line);

    public Task<QueryResult> WaitUntilAsync(IPrometheusQuery query, string promql, Func<QueryResult, bool> until, TimeSpan? within = null) =>
        prometheus.WaitUntilAsync(query, promql, until, within);

    public Task InitializeAsync() => prometheus.StartAsync();

    public async Task DisposeAsync() => await prometheus.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class PrometheusCollection : ICollectionFixture<PrometheusFixture>
{
    public const string Name = "real Prometheus";
}
