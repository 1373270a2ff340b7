using GitOpsDeploy.Core.Pipeline;
using GitOpsDeploy.Core.Planning;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Core.Results;
using Microsoft.Extensions.Logging;

namespace GitOpsDeploy.Core.Runs;

/// <summary>
/// The one attempt, written once for every landing: read the branch tip (with what the plan will read,
/// loaded in one go), plan purely (loading what the snapshot finds missing, and planning again), run the plan
/// steps, tell the observers, and hand the plan to the landing. A lost race is another attempt, on the
/// transport's retry policy.
/// </summary>
internal sealed class AttemptLoop(RunContext run, IReadOnlyList<IPlanStep> planSteps)
{
    /// <summary>The edit warnings already shown: a retried attempt plans the same edits again.</summary>
    private readonly HashSet<string> warned = new(StringComparer.Ordinal);

    public async Task<DeployResult> RunAsync(DeployRequest request, ILanding landing, CancellationToken cancellationToken)
    {
        var branch = request.Landing.BaseBranch ?? "the base branch";
        var loop = new LostRaceLoop(run.Repository.Retries, run.Time, run.Logger);
        return await loop.RunAsync(
            async attempt =>
            {
                using var snapshot = await ReadAsync(request, landing, attempt, cancellationToken);
                branch = snapshot.Branch;
                var plan = await landing.RefusalAsync(run, request, snapshot, cancellationToken) is { } refusal
                    ? new PlanOutcome.Refused(refusal, request.Targets[0].Environment)
                    : await PlanAsync(snapshot, request, cancellationToken);
                await run.Observer.PlannedAsync(plan, cancellationToken);
                return plan is PlanOutcome.Refused refused
                    ? Attempt<DeployResult>.Done(new DeployResult(new DeployOutcome.Refused(refused.Reason), (IReadOnlyList<TargetResult>)[], snapshot.Branch, snapshot.HeadSha) { Attempts = attempt })
                    : await landing.LandAsync(run, request, snapshot, plan, attempt, cancellationToken);
            },
            () => landing.GiveUp(request, branch),
            cancellationToken);
    }

    /// <summary>The pure plan, then each plan step; whatever the snapshot had not loaded is loaded here, asynchronously.</summary>
    public async Task<PlanOutcome> PlanAsync(IGitOpsSnapshot snapshot, DeployRequest request, CancellationToken cancellationToken)
    {
        var plan = run.Planner.Plan(snapshot, request);
        while (plan is PlanOutcome.NeedsMore more)
        {
            await snapshot.LoadAsync(more.Need, cancellationToken);
            plan = run.Planner.Plan(snapshot, request);
        }

        foreach (var step in planSteps)
        {
            plan = await step.ApplyAsync(run, snapshot, request, plan, cancellationToken);
        }

        LogPlan(plan);
        return plan;
    }

    /// <summary>Reads the branch tip, with the history a promotion or rollback will ask for fetched in one go.</summary>
    private async Task<IGitOpsSnapshot> ReadAsync(DeployRequest request, ILanding landing, int attempt, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using (run.Runtime.Group(attempt == 1 ? $"Read {request.GitOps.Display}" : $"Read {request.GitOps.Display} again (attempt {attempt})"))
        {
            var overlays = request.Targets.SelectMany(t => new[] { t.OverlayPath, t.PromoteFromOverlay }).OfType<string>().Distinct().ToList();
            var hint = landing.Hint(request, new SnapshotHint(request.Change.ReadsHistory || OutOfOrder.Applies(request) ? Promotion.HistoryDepth : 1, overlays));
            var snapshot = await run.Repository.ReadAsync(request.Landing.BaseBranch, hint, cancellationToken);
            run.Logger.LogInformation("Read {Branch} at {Sha}", snapshot.Branch, snapshot.HeadSha);
            return snapshot;
        }
    }

    /// <summary>Says what a promotion or rollback found, and what the edit warns about, before anything is written.</summary>
    private void LogPlan(PlanOutcome plan)
    {
        foreach (var planned in plan.Edits)
        {
            foreach (var warning in planned.Edit.Warnings.Where(w => warned.Add(w.Describe())))
            {
                run.Runtime.Warning(warning.Message, warning.Location);
            }

            if (planned.Promotion is { } promotion)
            {
                run.Logger.LogInformation("Promoting from {From} at {Sha} to {Environment}: {Images}", promotion.From, promotion.FromSha, planned.Target.Environment, string.Join(", ", promotion.Images.Select(i => i.Entry.ToString())));
            }

            if (planned.Rollback is { } rollback)
            {
                run.Logger.LogInformation("Rolling back {Environment} to the release of {Commit}: {Images}", planned.Target.Environment, rollback.RestoredCommit, string.Join(", ", rollback.Images.Select(i => i.ToString())));
            }
        }
    }
}
