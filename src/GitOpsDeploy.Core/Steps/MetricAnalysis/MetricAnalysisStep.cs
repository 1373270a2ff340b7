using System.Text;
using GitOpsDeploy.Analysis;
using GitOpsDeploy.Core.Pipeline;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Core.Results;
using GitOpsDeploy.Editing;
using Microsoft.Extensions.Logging;

namespace GitOpsDeploy.Core.Steps.MetricAnalysis;

/// <summary>
/// After the change landed and (when waited for) Argo CD reported it Synced and Healthy: the Prometheus checks of an
/// Argo Rollouts AnalysisTemplate (read from the gitops repository, so teams keep one definition) and/or the metrics
/// given inline. Anything but a successful analysis (failed, errored, or inconclusive: missing data is never evidence)
/// fails the target as unhealthy, which rollback-on-failure then rolls back; the error carries the deciding query, the
/// value it measured and the condition it broke.
/// </summary>
internal sealed class MetricAnalysisStep : IVerificationStep
{
    public async Task<TargetResult> VerifyAsync(RunContext run, DeployRequest request, DeployResult result, TargetResult target, CancellationToken cancellationToken)
    {
        var options = request.Analysis;
        if (!options.Enabled || run.Ports.Analysis is not { } analysis)
        {
            return target;
        }

        var spec = await SpecAsync(run, request, target.Target, cancellationToken);
        await run.Observer.ProgressAsync(target.Target, $"Analysing {spec.Metrics.Count} metric(s) of {spec.Name} on Prometheus", cancellationToken);
        AnalysisStep step;
        using (run.Runtime.Group($"Metric analysis {spec.Name} for {target.Target.Environment}: {string.Join(", ", spec.Metrics.Select(m => m.Name))}"))
        {
            step = await analysis.RunAsync(spec, (measurement, now) => run.Logger.LogInformation("{Metric}: {Phase} - {Message}", measurement.Metric, measurement.Phase, measurement.Message), cancellationToken);
            run.Logger.LogInformation("{Result}", step.Result.ToString());
        }

        return step.Phase == AnalysisPhase.Successful
            ? target with { Analysis = step.Result }
            : throw new DeployException(ErrorKind.Unhealthy, Describe(step.Result));
    }

    /// <summary>
    /// The one line a failed analysis says (the deployment status keeps its first 140 characters): which metric, its
    /// query, the value and the condition, then the limit that ended it.
    /// </summary>
    public static string Describe(AnalysisResult result)
    {
        var text = new StringBuilder($"metric analysis {result.Phase.ToString().ToLowerInvariant()} on {result.Metric}: ");
        text.Append(result.Query is null ? string.Empty : $"{result.Query} = ");
        text.Append(result.Value is null ? result.Detail : result.Value == "[]" ? "no data" : result.Value);
        text.Append(result.Condition is null ? string.Empty : $" ({result.Condition})");
        text.Append(result.Limit is null ? string.Empty : $"; {result.Limit}");
        return text.ToString();
    }

    /// <summary>The template read from the tip of the base branch (the commit just landed, or a later one), with the inline metrics after its own.</summary>
    private static async Task<AnalysisSpec> SpecAsync(RunContext run, DeployRequest request, DeployTarget target, CancellationToken cancellationToken)
    {
        if (!request.Analysis.Templates.ContainsKey(target.Environment))
        {
            return request.Analysis.Inline!;
        }

        using var snapshot = await run.Repository.ReadAsync(request.Landing.BaseBranch, SnapshotHint.Tip, cancellationToken);
        return await snapshot.ReadingAsync(() => AnalysisSpecs.For(snapshot.Tree, snapshot.Branch, request, target), cancellationToken);
    }
}
