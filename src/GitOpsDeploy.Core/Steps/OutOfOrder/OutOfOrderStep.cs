using GitOpsDeploy.Core.Pipeline;
using GitOpsDeploy.Core.Planning;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Requests;

namespace GitOpsDeploy.Core.Steps.OutOfOrder;

/// <summary>
/// Out-of-order protection as a plan step: when the branch already runs a newer build of an image this run
/// would replace (by the source commits in the trailers, compared in the source repository), the plan is made
/// again without that image, or superseded when nothing is left.
/// </summary>
internal sealed class OutOfOrderStep : IPlanStep
{
    public async Task<PlanOutcome> ApplyAsync(RunContext run, IGitOpsSnapshot snapshot, DeployRequest request, PlanOutcome plan, CancellationToken cancellationToken)
    {
        if (plan is not (PlanOutcome.Write or PlanOutcome.NothingToDo))
        {
            return plan;
        }

        var superseded = await run.Order.CheckAsync(snapshot, request, cancellationToken);
        return superseded.Count == 0 ? plan : await snapshot.ReadingAsync(() => run.Planner.Plan(snapshot, request, superseded).OrMiss(), cancellationToken);
    }
}
