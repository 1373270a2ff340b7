using GitOpsDeploy.Analysis;
using GitOpsDeploy.Core.Steps.MetricAnalysis;

namespace GitOpsDeploy.Core.Tests;

/// <summary>The one line a failed analysis says (a deployment status keeps 140 characters of it): metric, query, value, condition, limit.</summary>
[Trait("Tier", "Unit")]
public sealed class MetricAnalysisDescribeTests
{
    [Theory]
    [InlineData("sum(rate(errors[5m]))", "[0.12]", "result[0] < 0.05", "failure limit 0 reached", null,
        "metric analysis failed on errors: sum(rate(errors[5m])) = [0.12] (result[0] < 0.05); failure limit 0 reached")]
    [InlineData("up", "[]", null, null, null, "metric analysis failed on errors: up = no data")]
    [InlineData(null, null, null, null, "Prometheus answered 503", "metric analysis failed on errors: Prometheus answered 503")]
    [InlineData("up", null, "result[0] == 1", null, "no such metric", "metric analysis failed on errors: up = no such metric (result[0] == 1)")]
    public void A_failed_analysis_names_what_decided_it(string? query, string? value, string? condition, string? limit, string? detail, string expected) =>
        Assert.Equal(expected, MetricAnalysisStep.Describe(new AnalysisResult(AnalysisPhase.Failed, "errors", query, value, condition, limit, detail, 1, 3)));

    [Fact]
    public void The_phase_is_said_in_lower_case() =>
        Assert.StartsWith("metric analysis inconclusive on latency: ", MetricAnalysisStep.Describe(new AnalysisResult(AnalysisPhase.Inconclusive, "latency", null, null, null, null, "x", 1, 1)), StringComparison.Ordinal);
}
