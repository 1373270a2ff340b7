namespace GitOpsDeploy.Core.Tests.Doubles;

/// <summary>Analysis files the metric-analysis tests share.</summary>
public static class AnalysisFixtures
{
    /// <summary>An Argo Rollouts AnalysisTemplate with one Prometheus metric, <c>errors</c> (no final line break).</summary>
    public const string ErrorRateTemplate = """
        apiVersion: argoproj.io/v1alpha1
        kind: AnalysisTemplate
        metadata:
          name: error-rate
        spec:
          metrics:
          - name: errors
            successCondition: result[0] < 0.05
            provider:
              prometheus:
                query: sum(rate(errors[5m]))
        """;
}
