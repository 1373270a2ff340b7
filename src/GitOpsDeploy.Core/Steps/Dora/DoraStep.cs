using GitOpsDeploy.Core.Metrics;
using GitOpsDeploy.Core.Pipeline;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Core.Results;
using GitOpsDeploy.Editing;
using Microsoft.Extensions.Logging;

namespace GitOpsDeploy.Core.Steps.Dora;

/// <summary>DORA metrics of each environment from its deployments (this run's included; <see cref="Pushgateway.PushgatewayStep"/> pushes them); never fails the deploy.</summary>
internal sealed class DoraStep : IReportingStep
{
    /// <summary>The newest deployments read (ten GraphQL pages of 100, each deployment with its statuses and commit time).</summary>
    private const int MaxDeployments = 1000;

    public async Task<TargetResult> ReportAsync(RunContext run, DeployRequest request, DeployResult result, TargetResult target, CancellationToken cancellationToken)
    {
        if (request.Reporting.DoraWindowDays <= 0 || run.Ports.Deployments is not { } deployments || request.Source.Repository is null || request.Landing.DryRun)
        {
            return target;
        }

        var days = request.Reporting.DoraWindowDays;
        try
        {
            using var group = run.Runtime.Group($"DORA metrics for {target.Target.Environment} ({days} days)");
            var since = run.Time.GetUtcNow().AddDays(-days);
            var history = await deployments.HistoryAsync(target.Target.Environment, since, MaxDeployments, cancellationToken);
            if (history.Count >= MaxDeployments)
            {
                // The reads stop at the newest 1000 (ten requests): over 1000 successes in the window would read as
                // 1000 / days per day. Say so, and measure over the days those 1000 cover instead.
                var covered = (int)Math.Clamp(Math.Ceiling((run.Time.GetUtcNow() - history.Min(d => d.CreatedAt)).TotalDays), 1, days);
                run.Runtime.Warning($"DORA metrics for {target.Target.Environment} cover the newest {MaxDeployments} deployments only, the last {covered} of dora-window's {days} days");
                days = covered;
            }

            var dora = DoraMetrics.Compute(history, days);
            run.Logger.LogInformation("{Deployments} deployments, {PerDay} per day, lead time {Lead} s, failure rate {Rate}, restore {Restore} s",
                dora.Deployments, dora.DeploymentsPerDay, dora.LeadTimeSeconds, dora.ChangeFailureRate, dora.MeanTimeToRestoreSeconds);
            return target with { Dora = dora };
        }
        catch (DeployException e)
        {
            run.Runtime.Warning($"DORA metrics were not reported: {e.Message}");
            return target;
        }
    }
}
