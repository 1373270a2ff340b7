using GitOpsDeploy.Core.Metrics;
using GitOpsDeploy.Core.Ports;

namespace GitOpsDeploy.Core.Tests;

[Trait("Tier", "Unit")]
public sealed class DoraTests
{
    private static readonly DateTimeOffset T = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    private static DeploymentRecord Deployment(int id, double committedHoursBefore, double finishedDaysBefore, string state, string? description = null) =>
        new(id, $"sha{id}", T.AddDays(-finishedDaysBefore).AddMinutes(-5), [("in_progress", null, T.AddDays(-finishedDaysBefore).AddMinutes(-5)), (state, description, T.AddDays(-finishedDaysBefore))])
        {
            CommittedAt = T.AddDays(-finishedDaysBefore).AddHours(-committedHoursBefore),
        };

    [Fact]
    public void Computes_the_four_metrics()
    {
        var dora = DoraMetrics.Compute(
        [
            Deployment(1, 1, 3, "success"),
            Deployment(2, 2, 2, "failure"),
            Deployment(3, 3, 1, "success"),
            Deployment(4, 0.5, 0, "success"),
            new DeploymentRecord(5, "sha5", T, [("in_progress", null, T)]),
        ], 30);

        Assert.Equal(4, dora.Deployments);
        Assert.Equal(3, dora.Successful);
        Assert.Equal(0.1, dora.DeploymentsPerDay);
        Assert.Equal(3600, dora.LeadTimeSeconds);
        Assert.Equal(0.25, dora.ChangeFailureRate);
        Assert.Equal(86400, dora.MeanTimeToRestoreSeconds);
    }

    [Fact]
    public void A_rolled_back_release_counts_as_a_failure()
    {
        var rolledBack = new DeploymentRecord(1, "a", T.AddDays(-1), [("success", null, T.AddDays(-1)), ("inactive", "rolled back to web=x:1", T.AddHours(-1))]);
        var restored = Deployment(2, 1, 0, "success");
        var dora = DoraMetrics.Compute([rolledBack, restored], 7);

        Assert.Equal(0.5, dora.ChangeFailureRate);
        Assert.Equal(3600, dora.MeanTimeToRestoreSeconds);
    }

    [Fact]
    public void A_rollback_that_succeeds_in_the_second_of_the_failure_restores_in_zero_seconds()
    {
        // A metric analysis fails the release, the rollback's deployment succeeds within the same (whole) second.
        var failed = new DeploymentRecord(1, "b", T, [("in_progress", null, T), ("failure", "metric analysis failed on error-rate", T.AddSeconds(30))]);
        var rollback = new DeploymentRecord(2, "a", T.AddSeconds(30), [("in_progress", null, T.AddSeconds(30)), ("success", null, T.AddSeconds(30))]);
        var dora = DoraMetrics.Compute([failed, rollback], 1);

        Assert.Equal(0.5, dora.ChangeFailureRate);
        Assert.Equal(0, dora.MeanTimeToRestoreSeconds);
    }

    [Fact]
    public void No_history_gives_unknowns_not_zeros()
    {
        var dora = DoraMetrics.Compute([], 30);
        Assert.Equal(0, dora.DeploymentsPerDay);
        Assert.Null(dora.LeadTimeSeconds);
        Assert.Null(dora.ChangeFailureRate);
        Assert.Equal(string.Empty, dora.Outputs()["lead-time-seconds"]);
        Assert.DoesNotContain("lead_time", dora.Prometheus(), StringComparison.Ordinal);
    }

    [Fact]
    public void Renders_prometheus_text_format()
    {
        var text = DoraMetrics.Compute([Deployment(1, 1, 1, "success")], 30).Prometheus();
        Assert.Contains("# TYPE gitops_deploy_lead_time_seconds gauge\ngitops_deploy_lead_time_seconds 3600\n", text, StringComparison.Ordinal);
        Assert.Contains("gitops_deploy_deployment_frequency_per_day 0.033\n", text, StringComparison.Ordinal);
    }
}
