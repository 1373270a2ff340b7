using System.Globalization;
using System.Text;
using GitOpsDeploy.Core.Ports;

namespace GitOpsDeploy.Core.Metrics;

/// <summary>The four DORA metrics for one environment over a window.</summary>
public sealed record DoraMetrics(int Days, int Deployments, int Successful, double DeploymentsPerDay, double? LeadTimeSeconds, double? ChangeFailureRate, double? MeanTimeToRestoreSeconds)
{
    /// <summary>
    /// Deployment frequency: successful deployments per day. Lead time: median source-commit-to-success.
    /// Change failure rate: failed or rolled-back deployments over finished ones. Time to restore: mean
    /// time from a failure to the next success.
    /// </summary>
    public static DoraMetrics Compute(IReadOnlyList<DeploymentRecord> deployments, int days)
    {
        var finished = deployments.Where(d => d.FirstSuccess is not null || d.FailedAt is not null).OrderBy(d => d.CreatedAt).ToList();
        var successes = finished.Where(d => d.FirstSuccess is not null).ToList();
        var leadTimes = successes.Where(d => d.CommittedAt is not null).Select(d => (d.FirstSuccess!.Value - d.CommittedAt!.Value).TotalSeconds).Order().ToList();
        var failures = finished.Where(d => d.FailedAt is not null).ToList();
        var restores = failures
            // GitHub's times are whole seconds: a restore (a metric rollback's deployment) may share the failure's second.
            .Select(f => successes.Where(s => !ReferenceEquals(s, f) && s.FirstSuccess >= f.FailedAt).Select(s => s.FirstSuccess!.Value).Order().Select(t => (double?)(t - f.FailedAt!.Value).TotalSeconds).FirstOrDefault())
            .OfType<double>().ToList();
        return new DoraMetrics(
            days,
            finished.Count,
            successes.Count,
            Math.Round(successes.Count / (double)days, 3),
            leadTimes.Count == 0 ? null : leadTimes[leadTimes.Count / 2],
            finished.Count == 0 ? null : Math.Round(failures.Count / (double)finished.Count, 3),
            restores.Count == 0 ? null : restores.Average());
    }

    public IReadOnlyDictionary<string, string> Outputs() => new Dictionary<string, string>
    {
        ["deployment-frequency"] = DeploymentsPerDay.ToString("0.###", CultureInfo.InvariantCulture),
        ["lead-time-seconds"] = Format(LeadTimeSeconds),
        ["change-failure-rate"] = Format(ChangeFailureRate),
        ["mean-time-to-restore-seconds"] = Format(MeanTimeToRestoreSeconds),
    };

    public string Markdown(string environment) => new StringBuilder()
        .Append(CultureInfo.InvariantCulture, $"\n\n| DORA ({environment}, {Days} days) | value |\n|---|---|\n")
        .Append(CultureInfo.InvariantCulture, $"| Deployment frequency | {DeploymentsPerDay:0.###} per day ({Successful} successful of {Deployments}) |\n")
        .Append(CultureInfo.InvariantCulture, $"| Lead time for changes (median) | {Duration(LeadTimeSeconds)} |\n")
        .Append(CultureInfo.InvariantCulture, $"| Change failure rate | {(ChangeFailureRate is { } r ? $"{r * 100:0.#}%" : "n/a")} |\n")
        .Append(CultureInfo.InvariantCulture, $"| Mean time to restore | {Duration(MeanTimeToRestoreSeconds)} |\n")
        .ToString();

    /// <summary>Prometheus text exposition format (gauges, no labels: the Pushgateway grouping key carries them).</summary>
    public string Prometheus()
    {
        var sb = new StringBuilder();
        void Gauge(string name, string help, double? value)
        {
            if (value is { } v)
            {
                sb.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} gauge\n{name} {v.ToString("0.######", CultureInfo.InvariantCulture)}\n");
            }
        }

        Gauge("gitops_deploy_deployment_frequency_per_day", "Successful deployments per day over the window.", DeploymentsPerDay);
        Gauge("gitops_deploy_lead_time_seconds", "Median time from source commit to successful deployment.", LeadTimeSeconds);
        Gauge("gitops_deploy_change_failure_rate", "Share of finished deployments that failed or were rolled back.", ChangeFailureRate);
        Gauge("gitops_deploy_mean_time_to_restore_seconds", "Mean time from a failed deployment to the next successful one.", MeanTimeToRestoreSeconds);
        Gauge("gitops_deploy_deployments", "Finished deployments in the window.", Deployments);
        Gauge("gitops_deploy_window_days", "Length of the window the metrics cover.", Days);
        return sb.ToString();
    }

    private static string Format(double? value) => value is { } v ? v.ToString("0.###", CultureInfo.InvariantCulture) : string.Empty;

    private static string Duration(double? seconds) => seconds is { } s ? TimeSpan.FromSeconds(Math.Round(s)).ToString(@"d\d\ hh\:mm\:ss", CultureInfo.InvariantCulture) : "n/a";
}
