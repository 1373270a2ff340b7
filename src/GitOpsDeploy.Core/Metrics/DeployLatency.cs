using System.Globalization;
using System.Text;

namespace GitOpsDeploy.Core.Metrics;

/// <summary>
/// How long the cluster took to run a landed commit: from the moment the commit reached the base branch (pushed or
/// merged, on the run's clock) to the first poll that saw Argo CD Synced at it, and to the poll that saw it Synced and
/// Healthy. Measured by polling, so each figure is late by at most one poll interval.
/// </summary>
public sealed record DeployLatency(double? CommitToSyncedSeconds, double? CommitToHealthySeconds)
{
    /// <summary>Nothing measured (no wait).</summary>
    public static DeployLatency None { get; } = new(null, null);

    public static DeployLatency Between(DateTimeOffset landedAt, DateTimeOffset? syncedAt, DateTimeOffset? healthyAt) => new(
        syncedAt is { } s ? Seconds(s - landedAt) : null,
        healthyAt is { } h ? Seconds(h - landedAt) : null);

    public IReadOnlyDictionary<string, string> Outputs() => new Dictionary<string, string>
    {
        ["commit-to-synced-seconds"] = Format(CommitToSyncedSeconds),
        ["commit-to-healthy-seconds"] = Format(CommitToHealthySeconds),
    };

    /// <summary>For the summary: <c>commit to synced 12.5 s, to healthy 31 s</c>.</summary>
    public string Text() => string.Create(CultureInfo.InvariantCulture,
        $"commit to synced {(CommitToSyncedSeconds is { } s ? $"{Format(s)} s" : "n/a")}, to healthy {(CommitToHealthySeconds is { } h ? $"{Format(h)} s" : "n/a")}");

    /// <summary>Prometheus text exposition format (gauges, no labels: the Pushgateway grouping key carries them).</summary>
    public string Prometheus()
    {
        var sb = new StringBuilder();
        Gauge(sb, "gitops_deploy_commit_to_synced_seconds", "Seconds from the gitops commit landing to Argo CD reporting it Synced (last deploy).", CommitToSyncedSeconds);
        Gauge(sb, "gitops_deploy_commit_to_healthy_seconds", "Seconds from the gitops commit landing to Argo CD reporting it Synced and Healthy (last deploy).", CommitToHealthySeconds);
        return sb.ToString();
    }

    private static void Gauge(StringBuilder sb, string name, string help, double? value)
    {
        if (value is { } v)
        {
            sb.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} gauge\n{name} {v.ToString("0.###", CultureInfo.InvariantCulture)}\n");
        }
    }

    private static double Seconds(TimeSpan span) => Math.Round(Math.Max(0, span.TotalSeconds), 3);

    private static string Format(double? value) => value?.ToString("0.###", CultureInfo.InvariantCulture) ?? string.Empty;
}
