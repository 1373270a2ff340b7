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

    [Fact]
    public void The_lead_time_is_the_median_whatever_order_the_deployments_finished_in()
    {
        // Created oldest first, with lead times of 100, 10 and 50 hours: the median is 50.
        var dora = DoraMetrics.Compute([Deployment(1, 100, 3, "success"), Deployment(2, 10, 2, "success"), Deployment(3, 50, 1, "success")], 7);

        Assert.Equal(50 * 3600, dora.LeadTimeSeconds);
    }

    [Fact]
    public void The_time_to_restore_is_the_mean_over_failures_and_a_failure_not_yet_restored_does_not_count()
    {
        var dora = DoraMetrics.Compute(
        [
            Deployment(1, 1, 10, "failure"),
            Deployment(2, 1, 9, "success"),
            Deployment(3, 1, 6, "failure"),
            Deployment(4, 1, 3, "success"),
            Deployment(5, 1, 1, "error"),
        ], 30);

        // Restored after 1 day and after 3 days; the last failure has no success after it.
        Assert.Equal(2 * 86400, dora.MeanTimeToRestoreSeconds);
        Assert.Equal(0.6, dora.ChangeFailureRate);
    }

    private static DoraMetrics Full => new(30, 5, 4, 0.1333333, 3600.25, 0.2, 86400);

    [Fact]
    public void The_outputs_hold_every_metric_with_at_most_three_decimals()
    {
        Assert.Equal(new Dictionary<string, string>
        {
            ["deployment-frequency"] = "0.133",
            ["lead-time-seconds"] = "3600.25",
            ["change-failure-rate"] = "0.2",
            ["mean-time-to-restore-seconds"] = "86400",
        }, Full.Outputs());
    }

    [Fact]
    public void The_summary_table_says_each_metric_in_words()
    {
        Assert.Equal(
            "\n\n| DORA (production, 30 days) | value |\n|---|---|\n"
            + "| Deployment frequency | 0.133 per day (4 successful of 5) |\n"
            + "| Lead time for changes (median) | 0d 01:00:00 |\n"
            + "| Change failure rate | 20% |\n"
            + "| Mean time to restore | 1d 00:00:00 |\n", Full.Markdown("production"));
        Assert.Contains("| Change failure rate | n/a |", DoraMetrics.Compute([], 7).Markdown("staging"), StringComparison.Ordinal);
        Assert.Contains("| Mean time to restore | n/a |", DoraMetrics.Compute([], 7).Markdown("staging"), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_metric_is_a_gauge_with_its_help_in_the_prometheus_text()
    {
        Assert.Equal(
            "# HELP gitops_deploy_deployment_frequency_per_day Successful deployments per day over the window.\n# TYPE gitops_deploy_deployment_frequency_per_day gauge\ngitops_deploy_deployment_frequency_per_day 0.133333\n"
            + "# HELP gitops_deploy_lead_time_seconds Median time from source commit to successful deployment.\n# TYPE gitops_deploy_lead_time_seconds gauge\ngitops_deploy_lead_time_seconds 3600.25\n"
            + "# HELP gitops_deploy_change_failure_rate Share of finished deployments that failed or were rolled back.\n# TYPE gitops_deploy_change_failure_rate gauge\ngitops_deploy_change_failure_rate 0.2\n"
            + "# HELP gitops_deploy_mean_time_to_restore_seconds Mean time from a failed deployment to the next successful one.\n# TYPE gitops_deploy_mean_time_to_restore_seconds gauge\ngitops_deploy_mean_time_to_restore_seconds 86400\n"
            + "# HELP gitops_deploy_deployments Finished deployments in the window.\n# TYPE gitops_deploy_deployments gauge\ngitops_deploy_deployments 5\n"
            + "# HELP gitops_deploy_window_days Length of the window the metrics cover.\n# TYPE gitops_deploy_window_days gauge\ngitops_deploy_window_days 30\n",
            Full.Prometheus());
    }

    [Fact]
    public void Deploy_latency_is_measured_from_the_landed_commit_and_never_negative()
    {
        var landed = T;

        var latency = DeployLatency.Between(landed, landed.AddSeconds(12.5), landed.AddMilliseconds(31_004.4));
        var early = DeployLatency.Between(landed, landed.AddSeconds(-2), null);

        Assert.Equal((12.5, 31.004), (latency.CommitToSyncedSeconds, latency.CommitToHealthySeconds));
        Assert.Equal((0.0, (double?)null), (early.CommitToSyncedSeconds, early.CommitToHealthySeconds));
        Assert.Equal(new Dictionary<string, string> { ["commit-to-synced-seconds"] = "12.5", ["commit-to-healthy-seconds"] = "31.004" }, latency.Outputs());
        Assert.Equal(new Dictionary<string, string> { ["commit-to-synced-seconds"] = string.Empty, ["commit-to-healthy-seconds"] = string.Empty }, DeployLatency.None.Outputs());
        Assert.Equal("commit to synced 12.5 s, to healthy 31.004 s", latency.Text());
        Assert.Equal("commit to synced 0 s, to healthy n/a", early.Text());
        Assert.Equal(
            "# HELP gitops_deploy_commit_to_synced_seconds Seconds from the gitops commit landing to Argo CD reporting it Synced (last deploy).\n# TYPE gitops_deploy_commit_to_synced_seconds gauge\ngitops_deploy_commit_to_synced_seconds 12.5\n"
            + "# HELP gitops_deploy_commit_to_healthy_seconds Seconds from the gitops commit landing to Argo CD reporting it Synced and Healthy (last deploy).\n# TYPE gitops_deploy_commit_to_healthy_seconds gauge\ngitops_deploy_commit_to_healthy_seconds 31.004\n",
            latency.Prometheus());
        Assert.Equal(string.Empty, DeployLatency.None.Prometheus());
    }
}
