using GitOpsDeploy.Core.Metrics;
using GitOpsDeploy.Core.Pipeline;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Core.Results;
using GitOpsDeploy.Editing;
using Microsoft.Extensions.Logging;

namespace GitOpsDeploy.Core.Steps.Dora;

/// <summary>DORA metrics of each environment from its deployments (this run's included; <see cref="Pushgateway.PushgatewayStep"/> pushes them); never fails the deploy.</summary>
public sealed class DoraStep : IReportingStep
{
    private const int MaxDeployments = 100;

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
