using GitOpsDeploy.Core.Pipeline;
using GitOpsDeploy.Core.Planning;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Editing;

namespace GitOpsDeploy.Core.Steps.MetricAnalysis;

/// <summary>
/// Reads the analysis-template of every target the plan changes from the commit it is planned on, before anything is
/// written: a template that is missing, not an AnalysisTemplate, or whose metrics cannot be run (an unknown argument,
/// no Prometheus address) refuses the deploy with the input or file:line, instead of failing it after it landed.
/// The verification step reads it again from the tip once the change runs.
/// </summary>
internal sealed class AnalysisTemplateCheckStep : IPlanStep
{
    public async Task<PlanOutcome> ApplyAsync(RunContext run, IGitOpsSnapshot snapshot, Requests.DeployRequest request, PlanOutcome plan, CancellationToken cancellationToken)
    {
        if (plan is not PlanOutcome.Write write || request.Analysis.Templates.Count == 0)
        {
            return plan;
        }

        foreach (var edit in write.Edits.Where(e => e.Edit.Changed))
        {
            try
            {
                await snapshot.ReadingAsync(() => AnalysisSpecs.For(snapshot.Tree, snapshot.Branch, request, edit.Target), cancellationToken);
            }
            catch (DeployException e)
            {
                return new PlanOutcome.Refused(e, edit.Target.Environment);
            }
        }

        return plan;
    }
}
