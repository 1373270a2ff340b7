using GitOpsDeploy.Core.Planning;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Core.Results;
using GitOpsDeploy.Editing;

namespace GitOpsDeploy.Core.Pipeline;

/// <summary>
/// Before anything is read: may refine the request (e.g. pin tags to the digests a registry confirms) or refuse
/// it by throwing a <see cref="Editing.DeployException"/>, so nothing is written. Runs once per run, in order.
/// </summary>
public interface IPreparationStep
{
    Task<DeployRequest> PrepareAsync(RunContext run, DeployRequest request, CancellationToken cancellationToken);
}

/// <summary>
/// After the pure planner, on every attempt: may re-plan (out-of-order protection keeps older builds out) or
/// add to the plan (a promotion report). Reads the snapshot only through <see cref="SnapshotReads"/>, never
/// waiting on the network inside a read.
/// </summary>
public interface IPlanStep
{
    Task<PlanOutcome> ApplyAsync(RunContext run, IGitOpsSnapshot snapshot, DeployRequest request, PlanOutcome plan, CancellationToken cancellationToken);
}

/// <summary>
/// After the change landed, per target, before the deployments are finished: waits for the cluster (Argo CD),
/// checks metrics. Throws a <see cref="Editing.DeployException"/> of kind Unhealthy to fail the target (which
/// rollback-on-failure then rolls back); returns the target's result with what it found.
/// </summary>
public interface IVerificationStep
{
    Task<TargetResult> VerifyAsync(RunContext run, DeployRequest request, DeployResult result, TargetResult target, CancellationToken cancellationToken);
}

/// <summary>After the deployments are finished, per target: what is computed from them (DORA metrics). Never fails the run.</summary>
public interface IReportingStep
{
    Task<TargetResult> ReportAsync(RunContext run, DeployRequest request, DeployResult result, TargetResult target, CancellationToken cancellationToken);
}

/// <summary>
/// How one attempt's plan reaches the base branch: a direct push, a pull request, or fan-in around a direct push.
/// The attempt loop reads and plans; the landing writes (or finds it need not) and says whether the attempt is done.
/// </summary>
internal interface ILanding
{
    /// <summary>What the snapshot should also hold for this landing (fan-in reads the board with the branch).</summary>
    SnapshotHint Hint(DeployRequest request, SnapshotHint hint) => hint;

    /// <summary>
    /// Why this landing cannot take the request on this branch at all (checked on every attempt before the plan is
    /// announced, so a refusal leaves no deployment behind); null when it can.
    /// </summary>
    Task<DeployException?> RefusalAsync(RunContext run, DeployRequest request, IGitOpsSnapshot snapshot, CancellationToken cancellationToken) => Task.FromResult<DeployException?>(null);

    Task<Attempt<DeployResult>> LandAsync(RunContext run, DeployRequest request, IGitOpsSnapshot snapshot, PlanOutcome plan, int attempt, CancellationToken cancellationToken);

    /// <summary>What kept failing, for the error after the last attempt.</summary>
    string GiveUp(DeployRequest request, string branch);
}

/// <summary>The steps of a run, each kind in order: built-in ones registered by the core module, more by other modules.</summary>
public sealed record RunSteps(IReadOnlyList<IPreparationStep> Preparation, IReadOnlyList<IPlanStep> Plan, IReadOnlyList<IVerificationStep> Verification, IReadOnlyList<IReportingStep> Reporting)
{
    public static RunSteps None { get; } = new([], [], [], []);
}
