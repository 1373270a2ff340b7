using GitOpsDeploy.Core.Landing;
using GitOpsDeploy.Core.Landing.FanIn;
using GitOpsDeploy.Core.Metrics;
using GitOpsDeploy.Core.Planning;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Reporting;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Core.Results;
using GitOpsDeploy.Core.Verification;
using GitOpsDeploy.Editing;
using Microsoft.Extensions.Logging;

namespace GitOpsDeploy.Core.Runs;

/// <summary>
/// The deploy sequence: read the gitops branch, plan every target, publish one commit (push mode) or
/// one pull request (pull-request modes) through the lost-race loop, then wait for each target's
/// Argo CD application. Reporters hear about each step through <see cref="IRunObserver"/>.
/// </summary>
public sealed class DeployRunner(DeployPorts ports, IActionRuntime runtime, ActionContext context, TimeProvider time, ILogger<DeployRunner> logger)
{
    private const int MaxDoraDeployments = 100;

    private readonly WriteWatch writes = new();

    /// <summary>The run's adapters (watched for writes that can land the change); the git method's replace the API's when the API cannot write the change.</summary>
    private DeployPorts ports = ports;

    /// <summary>How many deployments this run created (0 when it stopped before there was anything to deploy).</summary>
    public int DeploymentsCreated => reporters.Sum(r => r.Created);

    private readonly List<DeploymentReporter> reporters = [];

    /// <summary>The edit warnings already shown: a retried attempt plans the same edits again.</summary>
    private readonly HashSet<string> warned = new(StringComparer.Ordinal);

    public async Task<DeployResult> RunAsync(DeployRequest request, CancellationToken cancellationToken)
    {
        if (ports.Publisher is not WriteWatch.IWatched)
        {
            ports = writes.Watch(ports);
        }

        var reporter = new DeploymentReporter(ports.Deployments, request, context, time, logger);
        reporters.Add(reporter);
        // Reporters listen to the run; a new one joins this list.
        IRunObserver observer = new RunObservers([reporter]);
        try
        {
            await observer.StartedAsync(cancellationToken);
            DeployResult result;
            try
            {
                result = await LandAsync(request, reporter, observer, cancellationToken);
            }
            catch (DeployException e) when (e.Kind == ErrorKind.UnsupportedByCommitMethod && ports.GitMethod is { } git)
            {
                // Found while drafting, before anything was written: the same run starts over with a clone and a push.
                runtime.Warning($"{e.Message}: this run commits with the git method instead, so GitHub does not sign the commit (a branch that requires signed commits refuses it)");
                var (snapshots, publisher) = git();
                ports = writes.Watch(ports with { Snapshots = snapshots, Publisher = publisher, Board = null, GitMethod = null });
                request = request with { Landing = request.Landing.ForCommitMethod(CommitMethod.Git) };
                result = await LandAsync(request, reporter, observer, cancellationToken);
            }

            result = result with { Targets = result.Targets.Select(t => t with { DeploymentId = reporter.IdOf(t.Target) }).ToList() };
            var unhealthy = new List<(DeployTarget Target, DeployException Error)>();
            if (ports.ArgoCd is not null && result.Landed && !request.Landing.DryRun)
            {
                foreach (var target in result.Targets.Where(t => t.Target.ArgoCd is not null))
                {
                    try
                    {
                        var argo = await WaitForArgoCdAsync(request, target.Target, observer, result.CommitSha ?? result.BaseSha, cancellationToken);
                        result = result.WithTarget(target.Target.Environment, t => t with { Argo = argo });
                    }
                    catch (DeployException e) when (e.Kind == ErrorKind.Unhealthy)
                    {
                        unhealthy.Add((target.Target, e));
                    }
                }
            }

            await observer.FinishedAsync(result, result.Targets.Where(t => unhealthy.All(u => u.Target != t.Target)).ToList(), cancellationToken);
            if (unhealthy.Count > 0)
            {
                var error = unhealthy.Count == 1 && request.Targets.Count == 1
                    ? unhealthy[0].Error
                    : new DeployException(ErrorKind.Unhealthy, string.Join("; ", unhealthy.Select(u => $"{u.Target.Environment}: {u.Error.Message}")));
                await observer.FailedAsync(error, unhealthy.Select(u => u.Target).ToList(), cancellationToken);
                if (request.Reporting.RollbackOnFailure && request.Change.Kind != ChangeKind.Rollback)
                {
                    runtime.Warning($"{error.Message}; rolling back (rollback-on-failure)");
                    // The rollback is a run of its own: its own deployments and pull request branch, never another rollback.
                    var restored = await RunAsync(request.RollbackOf(unhealthy.Select(u => u.Target).ToList()), cancellationToken);
                    throw new DeployException(ErrorKind.Unhealthy,
                        $"{error.Message}; rolled back to {string.Join(", ", restored.Targets.SelectMany(t => t.Edit.Images).Select(i => i.After.ToString()).Distinct())} ({DeployResult.OperationName(restored.Operation)})");
                }

                throw error;
            }

            var withDora = new List<TargetResult>();
            foreach (var target in result.Targets)
            {
                withDora.Add(target with { Dora = await DoraAsync(request, target.Target, cancellationToken) });
            }

            return result with { Targets = withDora };
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

    /// <summary>Set when the run was cancelled after its change reached the base branch: the commit that carries it.</summary>
    public string? LandedBeforeCancel { get; private set; }

    /// <summary>How long a cancelled run looks for its own commit on the branch (the runner's SIGTERM comes 7.5 s after SIGINT).</summary>
    public static readonly TimeSpan LandedCheckBudget = TimeSpan.FromSeconds(2.5);

    /// <summary>The commit on the base branch whose trailers name this invocation, if one is there (looked up within a short budget).</summary>
    private async Task<string?> LandedAsync(DeployRequest request)
    {
        if (request.Landing.DryRun || !writes.Sent)
        {
            return null;
        }

        var ours = "Deploy-Run: " + FanInFlow.RunTrailer(context);
        using var budget = new CancellationTokenSource(LandedCheckBudget);
        try
        {
            using var snapshot = await ports.Snapshots.ReadAsync(request.Landing.BaseBranch, new SnapshotHint(20, []), budget.Token);
            return snapshot.History(20).FirstOrDefault(h => h.Message.ReplaceLineEndings("\n").Split('\n').Contains(ours, StringComparer.Ordinal))?.Sha;
        }
        catch (Exception e) when (e is DeployException or OperationCanceledException)
        {
            logger.LogWarning("Could not tell whether the change reached the branch before the cancellation ({Reason})", e.Message);
            return null;
        }
    }

    /// <summary>Plans and publishes through the lost-race loop: one commit (push mode) or one pull request.</summary>
    private async Task<DeployResult> LandAsync(DeployRequest request, DeploymentReporter reporter, IRunObserver observer, CancellationToken cancellationToken)
    {
        var planner = new DeployPlanner(time, context.RunUrl, FanInFlow.RunTrailer(context));
        var order = new OutOfOrder(ports.SourceCommits, runtime, logger);
        var loop = new LostRaceLoop(request.Landing, time, logger);
        if (request.Landing.UsesPullRequest)
        {
            var flow = new PullRequestFlow(ports, planner, order, runtime, context, time, logger);
            return await loop.RunAsync(
                attempt => flow.AttemptAsync(request, reporter, attempt, cancellationToken),
                () => $"the pull request head {request.Landing.PullRequestBranch} could not be brought onto {request.Landing.BaseBranch ?? "the base branch"} because it kept moving",
                cancellationToken);
        }

        // Fan-in needs somewhere to publish intents: the API adapter's board.
        var fanIn = FanInFlow.Applies(request) && ports.Board is { } board ? new FanInFlow(ports, board, ports.Proofs, planner, order, context, time, logger) : null;
        var branch = "the base branch";
        return await loop.RunAsync(
            async attempt =>
            {
                var (outcome, seen) = await PushAttemptAsync(request, planner, order, observer, fanIn, attempt, cancellationToken);
                branch = seen;
                return outcome;
            },
            () => $"{branch} of {request.GitOps.Display} kept moving",
            cancellationToken);
    }

    /// <summary>Reads the branch tip, with the history a promotion or rollback will ask for fetched in one go.</summary>
    internal static async Task<IGitOpsSnapshot> ReadAsync(IGitOpsSnapshots snapshots, DeployRequest request, int attempt, IActionRuntime runtime, ILogger logger, CancellationToken cancellationToken, bool pending = false)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using (runtime.Group(attempt == 1 ? $"Read {request.GitOps.Display}" : $"Read {request.GitOps.Display} again (attempt {attempt})"))
        {
            var overlays = request.Targets.SelectMany(t => new[] { t.OverlayPath, t.PromoteFromOverlay }).OfType<string>().Distinct().ToList();
            var snapshot = await snapshots.ReadAsync(request.Landing.BaseBranch, new SnapshotHint(request.Change.ReadsHistory || OutOfOrder.Applies(request) ? Promotion.HistoryDepth : 1, overlays) { Pending = pending }, cancellationToken);
            logger.LogInformation("Read {Branch} at {Sha}", snapshot.Branch, snapshot.HeadSha);
            return snapshot;
        }
    }

    /// <summary>Nothing is written: every image already runs from a newer build.</summary>
    internal static DeployResult Superseded(PlanOutcome.Superseded plan, IGitOpsSnapshot snapshot, int attempt, ILogger logger)
    {
        foreach (var by in plan.By)
        {
            logger.LogWarning("{Image} in {Environment} was deployed from {Newer}, a newer commit than ours: not replaced (force: true deploys anyway)", by.Image, by.Environment, by.NewerSource);
        }

        return new DeployResult(DeployOperation.Superseded, plan.Edits, snapshot.Branch, snapshot.HeadSha) { Attempts = attempt, SupersededBy = plan.By, Changed = false };
    }

    /// <summary>Says what a promotion or rollback found before anything is written, and warns of what the edits found (once per run, however many attempts).</summary>
    internal static void LogPlan(PlanOutcome plan, ILogger logger, IActionRuntime runtime, ISet<string> warned)
    {
        foreach (var planned in plan.Edits)
        {
            var (target, edit) = (planned.Target, planned.Edit);
            foreach (var warning in edit.Warnings.Where(w => warned.Add(w.Describe())))
            {
                runtime.Warning(warning.Describe(), warning.Location);
            }

            if (planned.Promotion is { } promotion)
            {
                logger.LogInformation("Promoting from {From} at {Sha} to {Environment}: {Images}", promotion.From, promotion.FromSha, target.Environment, string.Join(", ", promotion.Images.Select(i => i.Entry.ToString())));
            }

            if (planned.Rollback is { } rollback)
            {
                logger.LogInformation("Rolling back {Environment} to the release of {Commit}: {Images}", target.Environment, rollback.RestoredCommit, string.Join(", ", rollback.Images.Select(i => i.ToString())));
            }
        }
    }

    internal static async Task<CommitDraft> DraftAsync(IPublisher publisher, IGitOpsSnapshot snapshot, DeployRequest request, PlanOutcome.Write plan, TimeProvider time, ILogger logger, CancellationToken cancellationToken)
    {
        var draft = await publisher.DraftAsync(snapshot, new NewCommit(plan.Files, request.Landing.Author, plan.Message, time.GetUtcNow()), cancellationToken);
        logger.LogInformation("Committed {Sha}: {Summary}", draft.Sha, string.Join("; ", CommitMessage.Changing(plan.Edits).Select(e => $"{e.Target.Environment}: {CommitMessage.Summary(e.Edit)}")));
        return draft;
    }

    internal static void PrintDryRun(IActionRuntime runtime, ILogger logger, string diff)
    {
        using (runtime.Group("Dry run: the diff that would be pushed"))
        {
            logger.LogInformation("{Diff}", diff);
        }
    }

    /// <summary>An API commit GitHub did not sign: GHES without web commit signing. Branches that require signed commits refuse those.</summary>
    internal static void WarnUnsigned(DeployRequest request, PublishOutcome.Published published, ILogger logger)
    {
        if (request.Landing.CommitMethod == CommitMethod.Api && !published.Verified)
        {
            logger.LogWarning("GitHub did not sign {Sha} (verified=false): on GitHub Enterprise Server, API commits are signed only when the site administrator enables web commit signing, and branches that require signed commits refuse unsigned ones", published.Sha);
        }
    }

    internal static DeployException Rejected(DeployRequest request, string branch, string reason) =>
        new(ErrorKind.PushRejected, $"{request.GitOps.Display} rejected the push to '{branch}': {reason}. A server hook or branch protection refused it; use mode 'pull-request' for protected branches");

    /// <summary>Push mode: one commit for every target, compare-and-swapped onto the branch tip it was planned on.</summary>
    private async Task<(Attempt<DeployResult> Outcome, string Branch)> PushAttemptAsync(DeployRequest request, DeployPlanner planner, OutOfOrder order, IRunObserver observer, FanInFlow? fanIn, int attempt, CancellationToken cancellationToken)
    {
        var cooperates = fanIn is { Declined: false };
        using var snapshot = await ReadAsync(ports.Snapshots, request, attempt, runtime, logger, cancellationToken, pending: cooperates);
        var plan = planner.Plan(snapshot, request, await order.CheckAsync(snapshot, request, cancellationToken));
        LogPlan(plan, logger, runtime, warned);
        await observer.PlannedAsync(plan, cancellationToken);
        switch (plan)
        {
            case PlanOutcome.Refused refused:
                throw refused.Reason;
            case PlanOutcome.NothingToDo nothing:
                logger.LogInformation("{Overlay} already has the requested images and values: nothing to do", string.Join(", ", nothing.Edits.Select(e => e.Edit.OverlayPath)));
                return (Attempt<DeployResult>.Done(new DeployResult(DeployOperation.None, nothing.Edits, snapshot.Branch, snapshot.HeadSha) { Attempts = attempt }), snapshot.Branch);
            case PlanOutcome.Superseded superseded:
                return (Attempt<DeployResult>.Done(Superseded(superseded, snapshot, attempt, logger)), snapshot.Branch);
        }

        var write = (PlanOutcome.Write)plan;
        var draft = await DraftAsync(ports.Publisher, snapshot, request, write, time, logger, cancellationToken);
        var result = new DeployResult(DeployOperation.DryRun, write.Edits, snapshot.Branch, snapshot.HeadSha) { CommitSha = draft.Sha, Diff = draft.Diff, Attempts = attempt };
        if (request.Landing.DryRun)
        {
            PrintDryRun(runtime, logger, draft.Diff);
            return (Attempt<DeployResult>.Done(result), snapshot.Branch);
        }

        if (cooperates)
        {
            using (runtime.Group($"Push to {snapshot.Branch}"))
            {
                if (await fanIn!.PushAsync(request, snapshot, write, draft, attempt, cancellationToken) is { } cooperated)
                {
                    return (cooperated, snapshot.Branch);
                }
            }
        }

        using (runtime.Group($"Push to {snapshot.Branch}"))
        {
            switch (await ports.Publisher.PublishAsync(snapshot, draft, snapshot.Branch, PublishKind.Advance, cancellationToken))
            {
                case PublishOutcome.Published published:
                    logger.LogInformation("Pushed {Sha} to {Branch}", published.Sha, snapshot.Branch);
                    WarnUnsigned(request, published, logger);
                    return (Attempt<DeployResult>.Done(result with { Operation = DeployOperation.Pushed, CommitSha = published.Sha, Verified = published.Verified }), snapshot.Branch);
                case PublishOutcome.Rejected rejected:
                    throw Rejected(request, snapshot.Branch, rejected.Reason);
                case PublishOutcome.LostRace lost:
                    return (Attempt<DeployResult>.Again($"another pipeline wrote {snapshot.Branch} first ({lost.Reason})"), snapshot.Branch);
                default:
                    throw new InvalidOperationException("unknown publish outcome");
            }
        }
    }

    /// <summary>DORA metrics from the environment's deployments (this run's included); reporting them never fails the deploy.</summary>
    private async Task<DoraMetrics?> DoraAsync(DeployRequest request, DeployTarget target, CancellationToken cancellationToken)
    {
        if (request.Reporting.DoraWindowDays <= 0 || ports.Deployments is null || request.Source.Repository is null || request.Landing.DryRun)
        {
            return null;
        }

        var days = request.Reporting.DoraWindowDays;
        try
        {
            using var group = runtime.Group($"DORA metrics for {target.Environment} ({days} days)");
            var since = time.GetUtcNow().AddDays(-days);
            var history = await ports.Deployments.HistoryAsync(target.Environment, since, MaxDoraDeployments, cancellationToken);
            var dora = DoraMetrics.Compute(history, days);
            logger.LogInformation("{Deployments} deployments, {PerDay} per day, lead time {Lead} s, failure rate {Rate}, restore {Restore} s",
                dora.Deployments, dora.DeploymentsPerDay, dora.LeadTimeSeconds, dora.ChangeFailureRate, dora.MeanTimeToRestoreSeconds);
            if (ports.Metrics is not null)
            {
                await ports.Metrics.PushAsync(target.Environment, request.Source.Repository, dora.Prometheus(), cancellationToken);
                logger.LogInformation("Pushed DORA metrics to the Pushgateway");
            }

            return dora;
        }
        catch (DeployException e)
        {
            runtime.Warning($"DORA metrics were not reported: {e.Message}");
            return null;
        }
    }

    private async Task<ArgoOutcome> WaitForArgoCdAsync(DeployRequest request, DeployTarget target, IRunObserver observer, string commit, CancellationToken cancellationToken)
    {
        var argo = target.ArgoCd!;
        await observer.ProgressAsync(target, $"Waiting for Argo CD application {argo.Application} to sync {commit[..Math.Min(7, commit.Length)]}", cancellationToken);
        ArgoOutcome outcome;
        using (runtime.Group($"Wait for Argo CD application {argo.Application} (up to {argo.Timeout.TotalSeconds:0} s)"))
        {
            outcome = await new ArgoCdWait(ports.ArgoCd!, time, logger).WaitAsync(argo, commit, revision => DescendsFromAsync(request, commit, revision, cancellationToken), cancellationToken);
        }

        if (!outcome.Healthy)
        {
            throw new DeployException(ErrorKind.Unhealthy, "Argo CD: " + outcome.Reason);
        }

        logger.LogInformation("Argo CD: {Reason}", outcome.Reason);
        return outcome;
    }

    /// <summary>True when <paramref name="revision"/> is a later commit of the base branch than <paramref name="commit"/> (someone deployed on top of us).</summary>
    private async Task<bool> DescendsFromAsync(DeployRequest request, string commit, string revision, CancellationToken cancellationToken)
    {
        using var snapshot = await ports.Snapshots.ReadAsync(request.Landing.BaseBranch, new SnapshotHint(Promotion.HistoryDepth, []), cancellationToken);
        var history = snapshot.History(Promotion.HistoryDepth).Select(h => h.Sha).ToList();
        var newer = history.IndexOf(revision);
        var ours = history.IndexOf(commit);
        return newer >= 0 && ours > newer;
    }
}
