using GitOpsDeploy.Core.Planning;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Core.Results;
using GitOpsDeploy.Editing;
using Microsoft.Extensions.Logging;

namespace GitOpsDeploy.Core.Reporting;

/// <summary>
/// The GitHub Deployment on the source commit, kept truthful: in_progress while we work, then
/// success (the change is on the base branch), queued (waiting for a merge), failure/error, or
/// inactive on cancellation. A run never leaves a deployment it created in_progress.
/// </summary>
/// <remarks>One tracker per target: a run to several environments creates one deployment each.</remarks>
internal sealed class DeploymentTracker(IDeployments? deployments, DeployRequest request, DeployTarget target, ActionContext context, TimeProvider time, ILogger logger)
{
    public const int MaxDescription = 140;

    /// <summary>
    /// How long a final status (success, queued, failure, error) is retried while GitHub is down or
    /// rate-limiting: each attempt already retries 5xx and waits out Retry-After inside the HTTP handler.
    /// </summary>
    public static readonly TimeSpan FinalStatusBudget = TimeSpan.FromMinutes(3);

    /// <summary>After cancellation the runner sends SIGTERM 7.5 s after SIGINT: report within a budget that fits.</summary>
    public static readonly TimeSpan CancelBudget = TimeSpan.FromSeconds(5);

    private DeploymentInfo? deployment;
    private DeploymentRequest? creating;
    private DeploymentState? last;
    private bool started;
    private string? sha = request.Source.Sha;

    public long? Id => deployment?.Id;

    public DeployTarget Target => target;

    /// <summary>The deployment task, e.g. <c>deploy:web-app</c> (the source repository's name).</summary>
    public string Task => "deploy:" + (request.Source.Repository?.Split('/')[^1] ?? "app");

    public bool Enabled => deployments is not null && request.Reporting.Deployment && request.Source.Repository is not null && sha is { Length: 40 } && !request.Landing.DryRun;

    /// <summary>Creates the deployment (once); <paramref name="sourceSha"/> replaces the run's commit when the release says which commit it is.</summary>
    /// <param name="extra">More payload entries (the promotion report's short form).</param>
    public async Task StartAsync(string description, CancellationToken cancellationToken, string? sourceSha = null, IReadOnlyDictionary<string, string>? extra = null)
    {
        if (started)
        {
            return;
        }

        started = true;
        sha = sourceSha ?? sha;
        if (!Enabled)
        {
            return;
        }

        var payload = new Dictionary<string, string>
        {
            ["gitops_repository"] = request.GitOps.Display,
            ["environment"] = target.Environment,
            ["overlay_path"] = target.OverlayPath,
            ["images"] = string.Join(",", request.Change.Images.Select(i => i.ToString())),
            ["mode"] = request.Landing.Mode.ToString(),
            // Names this invocation: a deployment whose creation answer never came (a cancellation, a lost connection) is found by it.
            [DeploymentRequest.InvocationKey] = context.InvocationId,
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            payload.TryAdd(key, value);
        }

        creating = new DeploymentRequest(sha!, target.Environment, target.Production, Task, Truncate(description), payload);
        deployment = await deployments!.CreateAsync(creating, cancellationToken);
        if (deployment is not null)
        {
            logger.LogInformation("Created deployment {Id} of {Sha} to {Environment}", deployment.Id, sha, target.Environment);
            await SetAsync(DeploymentState.InProgress, description, context.RunUrl, cancellationToken);
        }
    }

    /// <summary>Whether this environment already has a deployment of the commit (a re-run with nothing to change does not add one).</summary>
    public async Task<bool> AlreadyReportedAsync(CancellationToken cancellationToken) =>
        Enabled && await deployments!.FindLatestAsync(target.Environment, sha!, cancellationToken) is not null;

    public Task<string?> PreviousShaAsync(CancellationToken cancellationToken) =>
        Enabled ? deployments!.FindPreviousShaAsync(target.Environment, Task, sha!, cancellationToken) : System.Threading.Tasks.Task.FromResult<string?>(null);

    /// <summary>The source commit the deployment is (or will be) created on.</summary>
    public string? Sha => sha;

    /// <summary>A further in_progress status, e.g. while Argo CD syncs.</summary>
    public Task ProgressAsync(string description, CancellationToken cancellationToken) =>
        deployment is null ? System.Threading.Tasks.Task.CompletedTask : SetAsync(DeploymentState.InProgress, description, context.RunUrl, cancellationToken);

    public async Task FinishAsync(DeployResult result, TargetResult mine, string? changeUrl, CancellationToken cancellationToken)
    {
        if (deployment is null)
        {
            return;
        }

        if (result.Landed)
        {
            // A change says what it changed; an overlay that already had it says what it runs ("web 2 already deployed").
            var what = result.OperationOf(mine) == DeployOperation.None
                ? $"{CommitMessage.Versions(mine.Edit)} already deployed"
                : $"{CommitMessage.Summary(mine.Edit)} deployed";
            var health = mine.Argo is { Healthy: true } ? "; Argo CD healthy" : string.Empty;
            await SetFinalAsync(DeploymentState.Success, $"{what} to {target.Environment}{health}", changeUrl ?? context.RunUrl, cancellationToken);
        }
        else if (result.Operation == DeployOperation.Superseded)
        {
            var newer = result.SupersededBy.FirstOrDefault(s => s.Environment == target.Environment)?.NewerSource;
            await SetFinalAsync(DeploymentState.Inactive, $"superseded: {target.Environment} already runs a build of {newer?[..7]}, newer than this commit", context.RunUrl, cancellationToken);
        }
        else if (result.PullRequest is { } pr)
        {
            var why = result.Operation == DeployOperation.AutoMergeEnabled ? "auto-merge enabled" : "waiting for review";
            await SetFinalAsync(DeploymentState.Queued, $"PR #{pr.Number} {why}", pr.Url, cancellationToken);
        }
    }

    /// <summary>Marks the newest deployment of a rolled-back source commit inactive.</summary>
    public async Task MarkInactiveAsync(string sourceSha, string description, CancellationToken cancellationToken)
    {
        if (deployments is null || !request.Reporting.Deployment || request.Source.Repository is null)
        {
            return;
        }

        if (await deployments.FindLatestAsync(target.Environment, sourceSha, cancellationToken) is { } id && id != deployment?.Id)
        {
            await deployments.SetStatusAsync(id, new DeploymentStatus(DeploymentState.Inactive, Truncate(description), context.RunUrl, null), cancellationToken);
            logger.LogInformation("Marked deployment {Id} of {Sha} inactive", id, sourceSha);
        }
    }

    /// <summary>Ends another run's deployment (e.g. of a superseded pull request) as inactive; never fails the run.</summary>
    public async Task EndOtherAsync(long? id, string description, CancellationToken cancellationToken)
    {
        if (id is not { } other || other == deployment?.Id || deployments is null || !request.Reporting.Deployment || request.Source.Repository is null)
        {
            return;
        }

        try
        {
            await deployments.SetStatusAsync(other, new DeploymentStatus(DeploymentState.Inactive, Truncate(description), context.RunUrl, null), cancellationToken);
            logger.LogInformation("Marked deployment {Id} inactive: {Reason}", other, description);
        }
        catch (DeployException e)
        {
            logger.LogWarning("Could not mark deployment {Id} inactive: {Reason}", other, e.Message);
        }
    }

    /// <summary>Marks a failed run: <c>failure</c> for a refused deploy, <c>error</c> for a broken one.</summary>
    public async Task FailAsync(DeployException error, CancellationToken cancellationToken)
    {
        if (deployment is null || last is DeploymentState.Success or DeploymentState.Failure or DeploymentState.Error)
        {
            return;
        }

        var state = error.Kind is ErrorKind.Transient ? DeploymentState.Error : DeploymentState.Failure;
        if (last is DeploymentState.Queued)
        {
            return;
        }

        // Blocked by the freeze calendar: not a failed change (DORA leaves it out), but never left in progress.
        var description = error.Message;
        if (error.InnerException is CalendarBlock block && block.StatusFor(target.Environment) is { } blocked)
        {
            (state, description) = (DeploymentState.Inactive, blocked);
        }

        try
        {
            await SetFinalAsync(state, description, context.RunUrl, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Cancelled while GitHub kept failing: one last try within the runner's grace period.
            using var budget = new CancellationTokenSource(CancelBudget);
            await ReportQuietlyAsync(state, description, budget.Token);
        }
        catch (DeployException e)
        {
            // The run has already failed; the original error is the one to report.
            logger.LogWarning("Could not mark deployment {Id} as {State}: {Reason}", deployment.Id, state, e.Message);
        }
    }

    /// <summary>
    /// The runner sends SIGTERM 7.5 s after SIGINT: report within a short budget of our own what really happened.
    /// A deployment whose creation was in flight is looked up by this invocation; when the change reached the
    /// branch before the run stopped (<paramref name="landedSha"/>), it is deployed, and says so.
    /// </summary>
    public async Task CancelAsync(string? landedSha = null)
    {
        using var budget = new CancellationTokenSource(CancelBudget);
        if (deployment is null && creating is not null && Enabled)
        {
            try
            {
                deployment = await deployments!.FindCreatedAsync(creating, budget.Token);
            }
            catch (Exception e) when (e is DeployException or OperationCanceledException)
            {
                logger.LogWarning("Could not find the deployment being created when the run was cancelled ({Reason}); it may stay without a status", e.Message);
            }
        }

        // A deployment that already ended (or waits for a merge) says what happened; a late cancellation does not undo that.
        if (deployment is null || last is not (null or DeploymentState.InProgress))
        {
            return;
        }

        if (landedSha is not null)
        {
            await ReportQuietlyAsync(DeploymentState.Success, $"deployed in {landedSha[..Math.Min(7, landedSha.Length)]}; the run was cancelled before it finished", budget.Token);
        }
        else
        {
            await ReportQuietlyAsync(DeploymentState.Inactive, "cancelled", budget.Token);
        }
    }

    public static string Truncate(string text)
    {
        text = text.ReplaceLineEndings(" ");
        return text.Length <= MaxDescription ? text : text[..(MaxDescription - 1)] + "…";
    }

    /// <summary>
    /// A status that ends (or parks) the deployment: retried while GitHub answers with transient errors,
    /// within <see cref="FinalStatusBudget"/>; an authentication or permission error is final at once.
    /// </summary>
    private async Task SetFinalAsync(DeploymentState state, string description, string? logUrl, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + FinalStatusBudget;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await SetAsync(state, description, logUrl, cancellationToken);
                return;
            }
            catch (DeployException e) when (e.Kind == ErrorKind.Transient && time.GetUtcNow() < deadline)
            {
                var wait = TimeSpan.FromSeconds(Math.Min(Math.Pow(2, attempt - 1), 20));
                logger.LogWarning("Could not set deployment {Id} to {State} ({Reason}); trying again in {Seconds} s", deployment!.Id, state, e.Message, (int)wait.TotalSeconds);
                await System.Threading.Tasks.Task.Delay(wait, time, cancellationToken);
            }
        }
    }

    private async Task ReportQuietlyAsync(DeploymentState state, string description, CancellationToken budget)
    {
        try
        {
            await SetAsync(state, description, context.RunUrl, budget);
        }
        catch (Exception e) when (e is DeployException or OperationCanceledException)
        {
            // The run has already failed; the original error is the one to report.
            logger.LogWarning("Could not mark deployment {Id} as {State}: {Reason}", deployment!.Id, state, e.Message);
        }
    }

    private async Task SetAsync(DeploymentState state, string description, string? logUrl, CancellationToken cancellationToken)
    {
        await deployments!.SetStatusAsync(deployment!.Id, new DeploymentStatus(state, Truncate(description), logUrl, target.EnvironmentUrl), cancellationToken);
        last = state;
    }
}
