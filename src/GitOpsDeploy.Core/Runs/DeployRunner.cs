using GitOpsDeploy.Core.Landing;
using GitOpsDeploy.Core.Landing.FanIn;
using GitOpsDeploy.Core.Pipeline;
using GitOpsDeploy.Core.Planning;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Reporting;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Core.Results;
using GitOpsDeploy.Core.Transport;
using GitOpsDeploy.Editing;
using Microsoft.Extensions.Logging;

namespace GitOpsDeploy.Core.Runs;

/// <summary>
/// One run: preparation steps, then one attempt loop (read a snapshot, the pure plan with its plan steps, the
/// landing), then verification steps per target, then the deployments finished and reporting steps. Observers
/// hear every phase in every mode. A target that fails verification is rolled back when rollback-on-failure
/// asks for it, by a run of its own through the same landing.
/// </summary>
public sealed class DeployRunner(DeployPorts ports, IActionRuntime runtime, ActionContext context, TimeProvider time, ILogger<DeployRunner> logger, RunSteps? steps = null, IReadOnlyList<IRunObserver>? observers = null)
{
    private readonly RunSteps steps = steps ?? RunSteps.None;
    private readonly WriteWatch writes = new();
    private readonly List<DeploymentReporter> reporters = [];
    private DeployPorts? watched;

    /// <summary>How many deployments this run created (0 when it stopped before there was anything to deploy).</summary>
    public int DeploymentsCreated => reporters.Sum(r => r.Created);

    /// <summary>Set when the run was cancelled after its change reached the base branch: the commit that carries it.</summary>
    public string? LandedBeforeCancel { get; private set; }

    /// <summary>How long a cancelled run looks for its own commit on the branch (the runner's SIGTERM comes 7.5 s after SIGINT).</summary>
    public static readonly TimeSpan LandedCheckBudget = TimeSpan.FromSeconds(2.5);

    public async Task<DeployResult> RunAsync(DeployRequest request, CancellationToken cancellationToken)
    {
        watched ??= writes.Watch(ports);
        var reporter = new DeploymentReporter(watched.Deployments, request, context, time, logger);
        reporters.Add(reporter);
        // Reporters listen to the run: the deployments first, then whatever else was composed in.
        var observer = new RunObservers([reporter, .. observers ?? []]);
        var run = new RunContext(watched, runtime, context, time, logger, observer, reporter);
        try
        {
            await observer.StartedAsync(cancellationToken);
            foreach (var step in steps.Preparation)
            {
                request = await step.PrepareAsync(run, request, cancellationToken);
            }

            var result = await new AttemptLoop(run, steps.Plan).RunAsync(request, LandingFor(request), cancellationToken);
            if (result.Outcome is DeployOutcome.Refused refused)
            {
                await observer.FailedAsync(refused.Reason, request.Targets, cancellationToken);
                return result;
            }

            result = result with
            {
                Targets = result.Targets.Select(t => t with { DeploymentId = reporter.IdOf(t.Target) }).ToList(),
                LandedAt = result.Landed ? time.GetUtcNow() : null,
            };
            var (verified, unhealthy) = await VerifyAsync(run, request, result, cancellationToken);
            result = verified;
            await observer.FinishedAsync(result, result.Targets.Where(t => unhealthy.All(u => u.Target != t.Target)).ToList(), cancellationToken);
            if (unhealthy.Count > 0)
            {
                await FailUnhealthyAsync(run, request, unhealthy, cancellationToken);
            }

            return await ReportAsync(run, request, result, cancellationToken);
        }
        catch (DeployException e)
        {
            await observer.FailedAsync(e, request.Targets, cancellationToken);
            throw;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // A request may have been on its way when the runner asked us to stop: say what really happened.
            LandedBeforeCancel = await LandedAsync(request);
            await observer.CancelledAsync(LandedBeforeCancel);
            throw;
        }
        catch (Exception e)
        {
            // Anything else (a bug, a timeout that is not ours): the deployments still end with a status, and the caller reports it.
            await observer.FailedAsync(new DeployException(ErrorKind.Transient, "internal error: " + e.Message), request.Targets, CancellationToken.None);
            throw;
        }
    }

    /// <summary>The landing the request asks for: a pull request, or a direct push (with fan-in around it where it applies).</summary>
    private static ILanding LandingFor(DeployRequest request) =>
        request.Landing.UsesPullRequest ? new PullRequestLanding()
        : FanInLanding.Applies(request) ? new FanInLanding(new DirectPush())
        : new DirectPush();

    /// <summary>Each landed target through the verification steps, in order, until one fails it.</summary>
    private async Task<(DeployResult Result, List<(DeployTarget Target, DeployException Error)> Unhealthy)> VerifyAsync(RunContext run, DeployRequest request, DeployResult result, CancellationToken cancellationToken)
    {
        var unhealthy = new List<(DeployTarget, DeployException)>();
        if (!result.Landed || request.Landing.DryRun)
        {
            return (result, unhealthy);
        }

        foreach (var original in result.Targets)
        {
            var target = original;
            try
            {
                foreach (var step in steps.Verification)
                {
                    target = await step.VerifyAsync(run, request, result, target, cancellationToken);
                }
            }
            catch (DeployException e) when (e.Kind == ErrorKind.Unhealthy)
            {
                unhealthy.Add((target.Target, e));
            }

            result = result.WithTarget(target.Target.Environment, _ => target);
        }

        return (result, unhealthy);
    }

    /// <summary>Fails the unhealthy targets (and rolls them back when asked): a rollback is a run of its own, never rolled back again.</summary>
    private async Task FailUnhealthyAsync(RunContext run, DeployRequest request, List<(DeployTarget Target, DeployException Error)> unhealthy, CancellationToken cancellationToken)
    {
        var error = unhealthy.Count == 1 && request.Targets.Count == 1
            ? unhealthy[0].Error
            : new DeployException(ErrorKind.Unhealthy, string.Join("; ", unhealthy.Select(u => $"{u.Target.Environment}: {u.Error.Message}")));
        await run.Observer.FailedAsync(error, unhealthy.Select(u => u.Target).ToList(), cancellationToken);
        if (request.Reporting.RollbackOnFailure && request.Change.Kind != ChangeKind.Rollback)
        {
            runtime.Warning($"{error.Message}; rolling back (rollback-on-failure)");
            var restored = await RunAsync(request.RollbackOf(unhealthy.Select(u => u.Target).ToList()), cancellationToken);
            if (restored.Outcome is DeployOutcome.Refused refused)
            {
                throw new DeployException(ErrorKind.Unhealthy, $"{error.Message}; the rollback was refused: {refused.Reason.Message}", refused.Reason);
            }

            throw new DeployException(ErrorKind.Unhealthy,
                $"{error.Message}; rolled back to {string.Join(", ", restored.Targets.SelectMany(t => t.Edit.Images).Select(i => i.After.ToString()).Distinct())} ({DeployResult.OperationName(restored.Operation)})");
        }

        throw error;
    }

    /// <summary>Each target through the reporting steps (DORA), after its deployment is finished.</summary>
    private async Task<DeployResult> ReportAsync(RunContext run, DeployRequest request, DeployResult result, CancellationToken cancellationToken)
    {
        foreach (var original in result.Targets)
        {
            var target = original;
            foreach (var step in steps.Reporting)
            {
                target = await step.ReportAsync(run, request, result, target, cancellationToken);
            }

            result = result.WithTarget(target.Target.Environment, _ => target);
        }

        return result;
    }

    /// <summary>The commit on the base branch whose trailers name this invocation, if one is there (looked up within a short budget).</summary>
    private async Task<string?> LandedAsync(DeployRequest request)
    {
        if (request.Landing.DryRun || !writes.Sent)
        {
            return null;
        }

        var ours = "Deploy-Run: " + CommitMessage.RunTrailer(context);
        using var budget = new CancellationTokenSource(LandedCheckBudget);
        try
        {
            using var snapshot = await ports.Repository.ReadAsync(request.Landing.BaseBranch, new SnapshotHint(20, []), budget.Token);
            var history = await snapshot.ReadingAsync(() => snapshot.History(20), budget.Token);
            return history.FirstOrDefault(h => h.Message.ReplaceLineEndings("\n").Split('\n').Contains(ours, StringComparer.Ordinal))?.Sha;
        }
        catch (Exception e) when (e is DeployException or OperationCanceledException)
        {
            logger.LogWarning("Could not tell whether the change reached the branch before the cancellation ({Reason})", e.Message);
            return null;
        }
    }
}
