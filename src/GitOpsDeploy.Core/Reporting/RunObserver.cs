using GitOpsDeploy.Core.Planning;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Core.Results;
using GitOpsDeploy.Core.Text;
using GitOpsDeploy.Editing;
using Microsoft.Extensions.Logging;

namespace GitOpsDeploy.Core.Reporting;

/// <summary>
/// What a run tells the world about itself as it goes: reporters (GitHub Deployments today) listen to
/// these events instead of being woven into the landing code. A new reporter implements this and is
/// added where the runner is composed.
/// </summary>
public interface IRunObserver
{
    /// <summary>Before anything is read.</summary>
    Task StartedAsync(CancellationToken cancellationToken);

    /// <summary>After each planning of the change (once per attempt).</summary>
    Task PlannedAsync(PlanOutcome plan, CancellationToken cancellationToken);

    /// <summary>Something a target is waiting for (Argo CD syncing).</summary>
    Task ProgressAsync(DeployTarget target, string description, CancellationToken cancellationToken);

    /// <summary>Each target's outcome: landed, waiting for a merge, or unhealthy.</summary>
    Task FinishedAsync(DeployResult result, IReadOnlyList<TargetResult> healthy, CancellationToken cancellationToken);

    /// <summary>The run (or some targets of it) failed.</summary>
    Task FailedAsync(DeployException error, IReadOnlyList<DeployTarget> targets, CancellationToken cancellationToken);

    /// <summary>The runner asked us to stop; <paramref name="landedSha"/> is the commit that carries the change when it reached the branch first.</summary>
    Task CancelledAsync(string? landedSha);
}

/// <summary>
/// What a pull request landing needs from the deployments: the ids its marker records (so a later run can end
/// them), ending another run's deployments its pull request replaced, and the commit deployed before this one
/// (for the compare link).
/// </summary>
public interface IDeploymentLedger
{
    /// <summary>The deployment ids of this run, comma-separated.</summary>
    string Ids { get; }

    /// <summary>The source commit the first target's deployment is (or will be) on.</summary>
    string? SourceSha { get; }

    Task<string?> PreviousShaAsync(CancellationToken cancellationToken);

    /// <summary>Ends the deployments another run's pull request reported to (superseded, replaced).</summary>
    Task EndOthersAsync(string? ids, string description, CancellationToken cancellationToken);
}

/// <summary>
/// One GitHub Deployment per environment on the source commit, each with its own truthful status.
/// Promotions and rollbacks without a given source-sha start theirs once the plan says which commit
/// built the images.
/// </summary>
internal sealed class DeploymentReporter(IDeployments? deployments, DeployRequest request, ActionContext context, TimeProvider time, ILogger logger) : IRunObserver, IDeploymentLedger
{
    private readonly IReadOnlyList<DeploymentTracker> trackers =
        request.Targets.Select(t => new DeploymentTracker(deployments, request, t, context, time, logger)).ToList();

    /// <summary>The deployment ids, comma-separated, for a pull request's marker.</summary>
    public string Ids => string.Join(',', trackers.Select(t => t.Id).OfType<long>());

    /// <summary>The first target's tracker: the source commit and the compare link of a pull request come from it.</summary>
    public DeploymentTracker First => trackers[0];

    public string? SourceSha => First.Sha;

    public Task<string?> PreviousShaAsync(CancellationToken cancellationToken) => First.PreviousShaAsync(cancellationToken);

    private bool Defers => request.Change.ReadsHistory && !request.Source.ShaGiven;

    public long? IdOf(DeployTarget target) => Tracker(target).Id;

    /// <summary>How many deployments were created.</summary>
    public int Created => trackers.Count(t => t.Id is not null);

    /// <summary>Nothing is created before the plan: a run refused by its inputs, its token or policy leaves no deployment behind.</summary>
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// The deployments start once the plan says what this commit means for each environment: a change to write,
    /// a newer build already there (ended inactive, saying which), or (once per environment and commit) a change
    /// the branch already has. A refused plan creates none: a mistake in the inputs, the token or policy leaves no
    /// failed deployment behind.
    /// </summary>
    public async Task PlannedAsync(PlanOutcome plan, CancellationToken cancellationToken)
    {
        switch (plan)
        {
            case PlanOutcome.Write or PlanOutcome.Superseded:
                break;
            case PlanOutcome.Refused { Reason.InnerException: CalendarBlock block }:
                // A freeze-blocked run is a deploy that was asked for: its deployment says "Blocked until ..." (ended by FailedAsync).
                await ForEach(block.Blocked, b => StartFor(b.Edit, cancellationToken));
                return;
            case PlanOutcome.NothingToDo when Defers:
                break;
            case PlanOutcome.NothingToDo:
                foreach (var tracker in trackers)
                {
                    if (await tracker.AlreadyReportedAsync(cancellationToken))
                    {
                        logger.LogInformation("{Environment} already has a deployment of {Sha}: no new one", tracker.Target.Environment, tracker.Sha);
                        continue;
                    }

                    await tracker.StartAsync(Deploying(tracker.Target), cancellationToken);
                }

                return;
            default:
                return;
        }

        if (!Defers)
        {
            await ForEach(trackers, t => plan.Edits.FirstOrDefault(e => e.Target.Environment == t.Target.Environment) is { } edit
                ? StartFor(edit, cancellationToken)
                : t.StartAsync(Deploying(t.Target), cancellationToken));
            return;
        }

        await ForEach(plan.Edits, edit => StartFor(edit, cancellationToken));
    }

    /// <summary>Starts one target's deployment on the commit its edit deploys (a promotion's or rollback's own build commit when deferred).</summary>
    private Task StartFor(TargetEdit edit, CancellationToken cancellationToken)
    {
        if (!Defers)
        {
            return Tracker(edit.Target).StartAsync(Described(Deploying(edit.Target), edit), cancellationToken, null, Payload(edit));
        }

        // The one known build commit among the promoted images (images of unknown provenance do not outvote it).
        var sources = edit.Promotion?.Images.Select(i => i.SourceCommit).OfType<string>().Distinct().ToList()
            ?? (edit.Rollback?.RestoredSource is { } restored ? [restored] : []);
        var sha = sources is [{ Length: 40 } single] ? single : null;
        var what = edit.Promotion is { } p ? $"Promoting {string.Join(", ", p.Images.Select(i => i.Entry.ToString()))} from {p.From}"
            : edit.Rollback is { } r ? $"Rolling back to {string.Join(", ", r.Images.Select(i => i.ToString()))}" : "Deploying";
        return Tracker(edit.Target).StartAsync(Described($"{what} to {edit.Target.Environment}", edit), cancellationToken, sha, Payload(edit));
    }

    /// <summary>"Deploying web:2 to staging": what the run was asked to deploy where.</summary>
    private string Deploying(DeployTarget target) => $"Deploying {string.Join(", ", request.Change.Images.Select(i => i.ToString()))} to {target.Environment}";

    /// <summary>The description with the promotion report's line ("5 commits in 3 pull requests; changes Deployment production/web") where it fits.</summary>
    private static string Described(string description, TargetEdit edit) =>
        edit.Report is { } report && PromotionReportText.OneLine(report) is { Length: > 0 } line ? $"{description}: {line}" : description;

    /// <summary>The report's short form for the deployment's payload.</summary>
    private static IReadOnlyDictionary<string, string>? Payload(TargetEdit edit) => edit.Report is not { } report ? null : new Dictionary<string, string>
    {
        ["report"] = PromotionReportText.OneLine(report, 1000),
        ["workloads"] = string.Join(", ", PromotionReportText.Workloads(report)),
    };

    public Task ProgressAsync(DeployTarget target, string description, CancellationToken cancellationToken) =>
        Tracker(target).ProgressAsync(description, cancellationToken);

    public async Task FinishedAsync(DeployResult result, IReadOnlyList<TargetResult> healthy, CancellationToken cancellationToken)
    {
        foreach (var target in healthy)
        {
            await Tracker(target.Target).FinishAsync(result, target, ChangeUrl(result), cancellationToken);
            if (result.Landed && target.Rollback is { CurrentSource: { } rolledBack })
            {
                await Tracker(target.Target).MarkInactiveAsync(rolledBack, $"rolled back to {string.Join(", ", target.Rollback.Images.Select(i => i.ToString()))}", cancellationToken);
            }
        }
    }

    public Task FailedAsync(DeployException error, IReadOnlyList<DeployTarget> targets, CancellationToken cancellationToken) =>
        ForEach(targets, t => Tracker(t).FailAsync(error, cancellationToken));

    public Task CancelledAsync(string? landedSha) => Task.WhenAll(trackers.Select(t => t.CancelAsync(landedSha)));

    /// <summary>Ends the deployments another run's pull request reported to (superseded, replaced).</summary>
    public async Task EndOthersAsync(string? ids, string description, CancellationToken cancellationToken)
    {
        foreach (var id in (ids ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            if (long.TryParse(id, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var other) && trackers.All(t => t.Id != other))
            {
                await First.EndOtherAsync(other, description, cancellationToken);
            }
        }
    }

    private DeploymentTracker Tracker(DeployTarget target) => trackers.First(t => t.Target.Environment == target.Environment);

    /// <summary>
    /// The link of a landed change's success: the gitops commit (a push, a carrying commit, a merge, the tip that already had
    /// it), else the merged pull request. A change that did not land links its pull request through its queued status.
    /// </summary>
    private string? ChangeUrl(DeployResult result) =>
        result.CommitSha is { } sha && request.GitOps.Repository is { } repo && context.ServerUrl is { } server
            ? $"{server.TrimEnd('/')}/{repo}/commit/{sha}"
            : result.PullRequest?.Url;

    private static async Task ForEach<T>(IEnumerable<T> items, Func<T, Task> action)
    {
        foreach (var item in items)
        {
            await action(item);
        }
    }
}

/// <summary>Several observers heard in order; each hears every event.</summary>
internal sealed class RunObservers(IReadOnlyList<IRunObserver> observers) : IRunObserver
{
    public async Task StartedAsync(CancellationToken cancellationToken)
    {
        foreach (var observer in observers)
        {
            await observer.StartedAsync(cancellationToken);
        }
    }

    public async Task PlannedAsync(PlanOutcome plan, CancellationToken cancellationToken)
    {
        foreach (var observer in observers)
        {
            await observer.PlannedAsync(plan, cancellationToken);
        }
    }

    public async Task ProgressAsync(DeployTarget target, string description, CancellationToken cancellationToken)
    {
        foreach (var observer in observers)
        {
            await observer.ProgressAsync(target, description, cancellationToken);
        }
    }

    public async Task FinishedAsync(DeployResult result, IReadOnlyList<TargetResult> healthy, CancellationToken cancellationToken)
    {
        foreach (var observer in observers)
        {
            await observer.FinishedAsync(result, healthy, cancellationToken);
        }
    }

    public async Task FailedAsync(DeployException error, IReadOnlyList<DeployTarget> targets, CancellationToken cancellationToken)
    {
        foreach (var observer in observers)
        {
            await observer.FailedAsync(error, targets, cancellationToken);
        }
    }

    public Task CancelledAsync(string? landedSha) => Task.WhenAll(observers.Select(o => o.CancelledAsync(landedSha)));
}
