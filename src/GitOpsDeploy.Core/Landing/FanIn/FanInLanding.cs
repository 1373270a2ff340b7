using GitOpsDeploy.Core.Pipeline;
using GitOpsDeploy.Core.Planning;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Core.Results;

namespace GitOpsDeploy.Core.Landing.FanIn;

/// <summary>
/// Fan-in around a direct push: a write that this run's transport can put on the board goes through the
/// <see cref="FanInFlow"/> (publish under contention, wait, lead); everything else, and a run fan-in cannot
/// carry (no proof, too large, declined), lands as a plain direct push.
/// </summary>
internal sealed class FanInLanding(DirectPush inner) : ILanding
{
    private FanInFlow? flow;

    /// <summary>Whether fan-in can carry this request: a plain push-mode deploy, not forced (a forced run commits alone).</summary>
    public static bool Applies(DeployRequest request) => FanInFlow.Applies(request);

    public SnapshotHint Hint(DeployRequest request, SnapshotHint hint) => hint with { Pending = true };

    public string GiveUp(DeployRequest request, string branch) => inner.GiveUp(request, branch);

    public async Task<Attempt<DeployResult>> LandAsync(RunContext run, DeployRequest request, IGitOpsSnapshot snapshot, PlanOutcome plan, int attempt, CancellationToken cancellationToken)
    {
        flow ??= new FanInFlow(run);
        if (plan is not PlanOutcome.Write write || request.Landing.DryRun || run.Repository.Board is null || flow.Declined)
        {
            return await inner.LandAsync(run, request, snapshot, plan, attempt, cancellationToken);
        }

        var draft = await DirectPush.DraftAsync(run, snapshot, request, write, cancellationToken);
        if (draft.Redo is { } redo)
        {
            // The transport changed under the draft (git for an executable file): that run is not batched.
            await flow.WithdrawAsync(snapshot.Branch, cancellationToken);
            return Attempt<DeployResult>.Again(redo);
        }

        // Nothing goes on the board after the runner asked us to stop.
        cancellationToken.ThrowIfCancellationRequested();
        return await flow.PushAsync(request, snapshot, write, draft, attempt, cancellationToken)
            ?? await DirectPush.PublishAsync(run, request, snapshot, write, draft, attempt, cancellationToken);
    }
}
