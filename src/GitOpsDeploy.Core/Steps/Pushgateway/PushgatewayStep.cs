using GitOpsDeploy.Core.Pipeline;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Core.Results;
using GitOpsDeploy.Editing;
using Microsoft.Extensions.Logging;

namespace GitOpsDeploy.Core.Steps.Pushgateway;

/// <summary>
/// Pushes what the run measured of each environment (DORA metrics, commit to synced and healthy) to the Pushgateway,
/// in one body per environment: the push replaces the group, so two pushes would erase each other. Never fails the deploy.
/// </summary>
internal sealed class PushgatewayStep : IReportingStep
{
    public async Task<TargetResult> ReportAsync(RunContext run, DeployRequest request, DeployResult result, TargetResult target, CancellationToken cancellationToken)
    {
        var exposition = (target.Dora?.Prometheus() ?? string.Empty) + (target.Latency?.Prometheus() ?? string.Empty);
        if (run.Ports.Metrics is not { } metrics || request.Source.Repository is not { } repository || exposition.Length == 0 || request.Landing.DryRun)
        {
            return target;
        }

        var what = target.Dora is null ? "deploy latency metrics" : target.Latency is null ? "DORA metrics" : "DORA and deploy latency metrics";
        try
        {
            await metrics.PushAsync(target.Target.Environment, repository, exposition, cancellationToken);
            run.Logger.LogInformation("Pushed {What} to the Pushgateway", what);
        }
        catch (DeployException e)
        {
            run.Runtime.Warning($"{char.ToUpperInvariant(what[0])}{what[1..]} were not reported: {e.Message}");
        }

        return target;
    }
}
