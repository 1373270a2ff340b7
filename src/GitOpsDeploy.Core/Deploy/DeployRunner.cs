using GitOpsDeploy.Core.Images;
using GitOpsDeploy.Core.Inputs;
using GitOpsDeploy.Core.Overlay;
using GitOpsDeploy.Core.Policy;
using GitOpsDeploy.Core.Ports;
using Microsoft.Extensions.Logging;

namespace GitOpsDeploy.Core.Deploy;

/// <summary>
/// The deploy sequence. Push mode: clone, plan the overlay edit, commit, push; on a lost race
/// re-clone and re-apply, a bounded number of times (each attempt starts from a fresh clone because
/// fetching into a shallow clone breaks it). Pull-request modes: the same edit on a deterministic
/// head branch, then open, update, merge or auto-merge one pull request per environment and app.
/// Around both, the GitHub Deployment on the source commit reports what really happened.
/// </summary>
public sealed class DeployRunner(
    IGitOpsWorkspace workspace,
    IPullRequests? pullRequests,
    IDeployments? deployments,
    IArgoCd? argoCd,
    IMetricsSink? metrics,
    IActionRuntime runtime,
    ActionContext context,
    TimeProvider time,
    ILogger<DeployRunner> logger)
{
    private const int MaxDoraDeployments = 100;
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(8);

    public async Task<DeployResult> RunAsync(DeployOptions options, CancellationToken cancellationToken)
    {
        var tracker = new DeploymentTracker(deployments, options, context, time, logger);
        try
        {
            if (!DefersDeployment(options))
            {
                await tracker.StartAsync($"Deploying {string.Join(", ", options.Images.Select(i => i.ToString()))} to {options.Environment}", cancellationToken);
            }

            var result = options.UsesPullRequest
                ? await PullRequestFlowAsync(options, tracker, cancellationToken)
                : await PushFlowAsync(options, tracker, cancellationToken);
            result = result with { DeploymentId = tracker.Id };
            if (options.ArgoCd is { } argo && argoCd is not null && result.Landed && !options.DryRun)
            {
                result = result with { Argo = await WaitForArgoCdAsync(options, argo, tracker, result.CommitSha ?? result.BaseSha, cancellationToken) };
            }

            await tracker.FinishAsync(result, ChangeUrl(options, result), cancellationToken);
            if (result.Landed && result.Edit.Rollback is { CurrentSource: { } rolledBack })
            {
                await tracker.MarkInactiveAsync(rolledBack, $"rolled back to {string.Join(", ", result.Edit.Rollback.Images.Select(i => i.ToString()))}", cancellationToken);
            }

            return result with { Dora = await DoraAsync(options, cancellationToken) };
        }
        catch (DeployException e) when (e.Kind == ErrorKind.Unhealthy && options.RollbackOnFailure && !options.Rollback)
        {
            await tracker.FailAsync(e, cancellationToken);
            runtime.Warning($"{e.Message}; rolling back (rollback-on-failure)");
            // The rollback is a run of its own: its own deployment, never another rollback.
            // It does not wait for Argo CD again: the previous release is the known-good one, and a second wait would double the outage.
            var rollback = options with { Rollback = true, RollbackOnFailure = false, RollbackTo = null, PromoteFrom = null, Images = [], Settings = [], SourceShaGiven = false, CloneDepth = Promotion.HistoryDepth, Force = true, ArgoCd = null };
            var restored = await RunAsync(rollback, cancellationToken);
            throw new DeployException(ErrorKind.Unhealthy, $"{e.Message}; rolled back to {string.Join(", ", restored.Edit.Images.Select(i => i.After.ToString()))} ({DeployResult.OperationName(restored.Operation)})");
        }
        catch (DeployException e)
        {
            await tracker.FailAsync(e, cancellationToken);
            throw;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await tracker.CancelAsync();
            throw;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await tracker.FailAsync(new DeployException(ErrorKind.Transient, "internal error: " + e.Message), cancellationToken);
            throw;
        }
    }

    private async Task<DeployResult> PushFlowAsync(DeployOptions options, DeploymentTracker tracker, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var (checkout, edit) = await CloneAndPlanAsync(options, attempt, cancellationToken);
            using (checkout)
            {
                await StartDeferredAsync(options, tracker, edit, cancellationToken);
                if (!edit.Changed)
                {
                    logger.LogInformation("{Overlay} already has the requested images and values: nothing to do", edit.OverlayPath);
                    return new DeployResult(DeployOperation.None, edit, checkout.Branch, checkout.HeadSha) { Attempts = attempt };
                }

                var (sha, diff) = CommitEdit(options, checkout, edit);
                var result = new DeployResult(DeployOperation.DryRun, edit, checkout.Branch, checkout.HeadSha) { CommitSha = sha, Diff = diff, Attempts = attempt };
                if (options.DryRun)
                {
                    PrintDryRun(diff);
                    return result;
                }

                using (runtime.Group($"Push to {checkout.Branch}"))
                {
                    if (await checkout.PushAsync(sha, checkout.Branch, force: false, cancellationToken) == PushOutcome.Pushed)
                    {
                        logger.LogInformation("Pushed {Sha} to {Branch}", sha, checkout.Branch);
                        return result with { Operation = DeployOperation.Pushed };
                    }
                }

                GiveUpAfter(options, attempt, $"{checkout.Branch} of {options.GitOps.Display} kept moving");
            }

            await BackoffAsync(options, attempt, "another pipeline pushed first", cancellationToken);
        }
    }

    private async Task<DeployResult> PullRequestFlowAsync(DeployOptions options, DeploymentTracker tracker, CancellationToken cancellationToken)
    {
        var prs = pullRequests ?? throw new InvalidOperationException("pull request modes need the GitHub adapter");
        SourceLinks? links = null;
        string? viewer = null;
        for (var attempt = 1; ; attempt++)
        {
            var (checkout, edit) = await CloneAndPlanAsync(options, attempt, cancellationToken);
            using (checkout)
            {
                if (options.PullRequestBranch == checkout.Branch)
                {
                    // The head branch is force-pushed: a base branch as head would erase other people's commits.
                    throw DeployException.Input("pull-request-branch", $"'{options.PullRequestBranch}' is the base branch of {options.GitOps.Display}; the head branch is force-pushed, so it must be another branch");
                }

                await StartDeferredAsync(options, tracker, edit, cancellationToken);
                links ??= await LinksAsync(options, tracker, cancellationToken);
                viewer ??= await prs.ViewerLoginAsync(cancellationToken);
                var landing = new PullRequestLanding(prs, viewer, runtime, time, logger);
                var marker = new PullRequestMarker(options.Environment, options.SourceRepository ?? string.Empty, PullRequestMarker.ChangeSetOf(edit), tracker.Id, PullRequestText.Digest(checkout.HeadSha, edit));
                PullRequestInfo? existing;
                IReadOnlyList<PullRequestInfo> ours;
                using (runtime.Group("Pull requests"))
                {
                    var open = await prs.ListOpenAsync(checkout.Branch, cancellationToken);
                    existing = open.FirstOrDefault(p => p.HeadRef == options.PullRequestBranch);
                    PullRequestLanding.RefuseForeign(existing, viewer, options.PullRequestBranch);
                    ours = open.Where(p => PullRequestOwnership.IsOurs(p, viewer, options.PullRequestBranch)
                        && (p.HeadRef == options.PullRequestBranch || marker.SameTarget(PullRequestMarker.Find(p.Body)))).ToList();
                }

                var held = ours.FirstOrDefault(p => p.Labels.Contains(options.HoldLabel, StringComparer.OrdinalIgnoreCase));
                if (held is not null)
                {
                    throw new DeployException(ErrorKind.Policy,
                        $"pull request #{held.Number} carries the '{options.HoldLabel}' label: deploys to {options.Environment} are on hold; remove the label to continue ({held.Url})");
                }

                if (!edit.Changed)
                {
                    logger.LogInformation("{Branch} already has the requested images in {Overlay}: no commit, no pull request", checkout.Branch, edit.OverlayPath);
                    return new DeployResult(DeployOperation.None, edit, checkout.Branch, checkout.HeadSha) { Attempts = attempt };
                }

                var upToDate = existing is not null && PullRequestMarker.Find(existing.Body)?.Digest == marker.Digest;
                string headSha;
                var diff = string.Empty;
                var pushed = true;
                if (upToDate && !options.DryRun)
                {
                    headSha = existing!.HeadSha;
                    logger.LogInformation("Pull request #{Number} already proposes exactly this change on {Base} at {Sha}", existing.Number, checkout.Branch, checkout.HeadSha);
                }
                else
                {
                    (headSha, diff) = CommitEdit(options, checkout, edit);
                    if (options.DryRun)
                    {
                        PrintDryRun(diff);
                        return new DeployResult(DeployOperation.DryRun, edit, checkout.Branch, checkout.HeadSha) { CommitSha = headSha, Diff = diff, Attempts = attempt };
                    }

                    cancellationToken.ThrowIfCancellationRequested();
                    using (runtime.Group($"Push {options.PullRequestBranch}"))
                    {
                        // The head branch is ours: always rebuilt from the current base tip.
                        pushed = await checkout.PushAsync(headSha, options.PullRequestBranch, force: true, cancellationToken) == PushOutcome.Pushed;
                        if (pushed)
                        {
                            logger.LogInformation("Pushed {Sha} to {Branch}", headSha, options.PullRequestBranch);
                        }
                        else
                        {
                            logger.LogWarning("The push of {Branch} was refused as a concurrent update; rebuilding it", options.PullRequestBranch);
                        }
                    }
                }

                if (pushed)
                {
                    // Nothing is written after the runner asked us to stop.
                    cancellationToken.ThrowIfCancellationRequested();
                    var title = PullRequestText.Title(options, edit);
                    var body = PullRequestText.Body(options, edit, diff, links, marker);
                    var (pr, operation) = await landing.OpenOrUpdateAsync(options, existing, upToDate, title, body, checkout.Branch, cancellationToken);
                    if (!upToDate && pr.HeadSha.Length > 0 && pr.HeadSha != headSha && pr.HeadSha != existing?.HeadSha)
                    {
                        // Another run pushed the head between our push and our title: title and head would disagree.
                        logger.LogWarning("The head of #{Number} is {Seen}, not our {Sha}: another run pushed it meanwhile; rebuilding", pr.Number, pr.HeadSha, headSha);
                    }
                    else
                    {
                        pr = pr with { HeadSha = headSha };
                        await SupersedeAsync(prs, tracker, ours, existing, pr, marker, title, cancellationToken);
                        var result = new DeployResult(operation, edit, checkout.Branch, checkout.HeadSha)
                        {
                            Attempts = attempt,
                            PullRequest = pr,
                            CommitSha = headSha,
                            Diff = diff,
                            Changed = operation != DeployOperation.None,
                        };

                        var landed = options.Mode switch
                        {
                            DeployMode.Merge => await landing.MergeAsync(options, pr, title, cancellationToken),
                            DeployMode.AutoMerge => await landing.AutoMergeAsync(options, pr, title, cancellationToken),
                            _ => new Landing(LandingKind.Open, null),
                        };

                        if (landed.Kind != LandingKind.Retry)
                        {
                            result = landed.Kind switch
                            {
                                LandingKind.Merged => result with { Operation = DeployOperation.Merged, Merged = true, CommitSha = landed.Sha, Changed = true },
                                LandingKind.AutoMergeEnabled => result with { Operation = DeployOperation.AutoMergeEnabled },
                                _ => result,
                            };
                            return result.Merged || options.WaitForMerge <= TimeSpan.Zero ? result : await landing.WaitForMergeAsync(options, result, cancellationToken);
                        }
                    }
                }

                GiveUpAfter(options, attempt, $"the pull request head {options.PullRequestBranch} could not be brought onto {checkout.Branch} because it kept moving");
            }

            await BackoffAsync(options, attempt, "the base branch moved or the head was modified; updating the pull request", cancellationToken);
        }
    }

    /// <summary>
    /// Closes our older pull requests for the same change set, and ends the deployments they reported to:
    /// a closed pull request must not leave a deployment queued forever.
    /// </summary>
    private async Task SupersedeAsync(IPullRequests prs, DeploymentTracker tracker, IReadOnlyList<PullRequestInfo> ours, PullRequestInfo? existing, PullRequestInfo pr, PullRequestMarker marker, string title, CancellationToken cancellationToken)
    {
        foreach (var old in ours.Where(p => p.Number != pr.Number))
        {
            await prs.CloseAsync(old.Number, $"Superseded by #{pr.Number} ({pr.Url}): {title}", cancellationToken);
            logger.LogInformation("Closed #{Old}: superseded by #{New}", old.Number, pr.Number);
            await tracker.EndOtherAsync(PullRequestMarker.Find(old.Body)?.DeploymentId, $"superseded by PR #{pr.Number}", cancellationToken);
        }

        // The pull request we updated now carries another change: the deployment it reported for is replaced.
        if (existing is not null && PullRequestMarker.Find(existing.Body) is { } before && before.Digest != marker.Digest)
        {
            await tracker.EndOtherAsync(before.DeploymentId, $"replaced in PR #{pr.Number} by a newer change", cancellationToken);
        }
    }

    /// <summary>DORA metrics from the environment's deployments (this run's included); reporting them never fails the deploy.</summary>
    private async Task<DoraMetrics?> DoraAsync(DeployOptions options, CancellationToken cancellationToken)
    {
        if (options.DoraWindowDays <= 0 || deployments is null || options.SourceRepository is null || options.DryRun)
        {
            return null;
        }

        try
        {
            using var group = runtime.Group($"DORA metrics for {options.Environment} ({options.DoraWindowDays} days)");
            var since = time.GetUtcNow().AddDays(-options.DoraWindowDays);
            var history = await deployments.HistoryAsync(options.Environment, since, MaxDoraDeployments, cancellationToken);
            var dora = DoraMetrics.Compute(history, options.DoraWindowDays);
            logger.LogInformation("{Deployments} deployments, {PerDay} per day, lead time {Lead} s, failure rate {Rate}, restore {Restore} s",
                dora.Deployments, dora.DeploymentsPerDay, dora.LeadTimeSeconds, dora.ChangeFailureRate, dora.MeanTimeToRestoreSeconds);
            if (metrics is not null)
            {
                await metrics.PushAsync(options.Environment, options.SourceRepository, dora.Prometheus(), cancellationToken);
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

    private async Task<ArgoOutcome> WaitForArgoCdAsync(DeployOptions options, ArgoCdOptions argo, DeploymentTracker tracker, string commit, CancellationToken cancellationToken)
    {
        await tracker.ProgressAsync($"Waiting for Argo CD application {argo.Application} to sync {commit[..Math.Min(7, commit.Length)]}", cancellationToken);
        ArgoOutcome outcome;
        using (runtime.Group($"Wait for Argo CD application {argo.Application} (up to {argo.Timeout.TotalSeconds:0} s)"))
        {
            outcome = await new ArgoCdWait(argoCd!, time, logger).WaitAsync(argo, commit, revision => DescendsFromAsync(options, commit, revision, cancellationToken), cancellationToken);
        }

        if (!outcome.Healthy)
        {
            throw new DeployException(ErrorKind.Unhealthy, "Argo CD: " + outcome.Reason);
        }

        logger.LogInformation("Argo CD: {Reason}", outcome.Reason);
        return outcome;
    }

    /// <summary>True when <paramref name="revision"/> is a later commit of the base branch than <paramref name="commit"/> (someone deployed on top of us).</summary>
    private async Task<bool> DescendsFromAsync(DeployOptions options, string commit, string revision, CancellationToken cancellationToken)
    {
        using var checkout = await workspace.CheckoutAsync(options.BaseBranch, Promotion.HistoryDepth, cancellationToken);
        var history = checkout.History(Promotion.HistoryDepth).Select(h => h.Sha).ToList();
        var newer = history.IndexOf(revision);
        var ours = history.IndexOf(commit);
        return newer >= 0 && ours > newer;
    }

    /// <summary>
    /// Clones and plans. When a rollback needs older history than the clone holds, the clone is
    /// discarded and the repository cloned again deeper (fetching into a shallow clone breaks libgit2).
    /// </summary>
    private async Task<(IGitOpsCheckout Checkout, OverlayEdit Edit)> CloneAndPlanAsync(DeployOptions options, int attempt, CancellationToken cancellationToken)
    {
        var depth = options.CloneDepth;
        while (true)
        {
            var checkout = await CloneAsync(options, attempt, depth, cancellationToken);
            try
            {
                return (checkout, PlanEdit(options, checkout));
            }
            catch (NeedsMoreHistoryException) when (depth != 0)
            {
                checkout.Dispose();
                depth = depth >= 1250 ? 0 : depth * 5;
                logger.LogInformation("The previous release is older than the clone's history; cloning again with {Depth}", depth == 0 ? "full history" : $"depth {depth}");
            }
            catch
            {
                checkout.Dispose();
                throw;
            }
        }
    }

    private async Task<IGitOpsCheckout> CloneAsync(DeployOptions options, int attempt, int depth, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using (runtime.Group(attempt == 1 ? $"Clone {options.GitOps.Display}" : $"Clone {options.GitOps.Display} again (attempt {attempt})"))
        {
            var checkout = await workspace.CheckoutAsync(options.BaseBranch, depth, cancellationToken);
            logger.LogInformation("Cloned {Branch} at {Sha}", checkout.Branch, checkout.HeadSha);
            return checkout;
        }
    }

    private (string Sha, string Diff) CommitEdit(DeployOptions options, IGitOpsCheckout checkout, OverlayEdit edit)
    {
        var sha = checkout.Commit(edit.Files, options.Author, CommitMessage.Build(options, edit), time.GetUtcNow());
        logger.LogInformation("Committed {Sha}: {Summary}", sha, CommitMessage.Summary(edit));
        return (sha, checkout.Diff(checkout.HeadSha, sha));
    }

    private void PrintDryRun(string diff)
    {
        using (runtime.Group("Dry run: the diff that would be pushed"))
        {
            logger.LogInformation("{Diff}", diff);
        }
    }

    private static void GiveUpAfter(DeployOptions options, int attempt, string what)
    {
        if (attempt >= options.PushAttempts)
        {
            throw new DeployException(ErrorKind.Conflict, $"{what}: gave up after {attempt} attempts; re-run the job");
        }
    }

    private async Task BackoffAsync(DeployOptions options, int attempt, string reason, CancellationToken cancellationToken)
    {
        // Exponential backoff with jitter, capped, so concurrent pipelines spread out without waiting long.
        var ceiling = Math.Min(options.RetryDelay.TotalMilliseconds * Math.Pow(2, attempt - 1), MaxBackoff.TotalMilliseconds);
        var delay = TimeSpan.FromMilliseconds(ceiling / 2 + Random.Shared.NextDouble() * ceiling / 2);
        logger.LogWarning("Retrying from a fresh clone in {Delay} ms: {Reason}", (int)delay.TotalMilliseconds, reason);
        await Task.Delay(delay, time, cancellationToken);
    }

    /// <summary>Plans the overlay edit and applies the policy gate to it, before anything is written.</summary>
    private OverlayEdit PlanEdit(DeployOptions options, IGitOpsCheckout checkout)
    {
        var promotion = options.PromoteFrom is { } from ? Promotion.Resolve(checkout, from, options.PromoteFromOverlay!, options.PromoteNames, options.HelmImageKeys) : null;
        if (promotion is not null)
        {
            logger.LogInformation("Promoting from {From} at {Sha}: {Images}", promotion.From, promotion.FromSha, string.Join(", ", promotion.Images.Select(i => i.Entry.ToString())));
        }

        var rollback = options.Rollback
            ? Deploy.Rollback.Find(checkout, options.OverlayPath, options.Environment, options.RollbackNames, options.RollbackTo, options.HelmImageKeys) ?? throw new NeedsMoreHistoryException()
            : null;
        if (rollback is not null)
        {
            foreach (var image in rollback.Images)
            {
                ImageSpec.RequireCopyable(image, $"{options.OverlayPath} at {rollback.RestoredCommit[..Math.Min(7, rollback.RestoredCommit.Length)]}");
            }

            logger.LogInformation("Rolling back to the release of {Commit}: {Images}", rollback.RestoredCommit, string.Join(", ", rollback.Images.Select(i => i.ToString())));
        }

        var specs = promotion?.Specs ?? rollback?.Specs ?? options.Images;
        var edit = OverlayEditor.Plan(checkout.Tree, options.OverlayPath, specs, options.Settings, options.HelmImageKeys) with { Promotion = promotion, Rollback = rollback };
        edit = HoldMarker.Apply(options, checkout, edit, context.RunUrl);
        if (edit.Changed)
        {
            PolicyGate.Check(options, edit, time.GetUtcNow());
        }

        return edit;
    }

    /// <summary>A promotion whose source commit was not given is deployed on the commit that built the promoted image.</summary>
    private static bool DefersDeployment(DeployOptions options) => (options.PromoteFrom is not null || options.Rollback) && !options.SourceShaGiven;

    private static Task StartDeferredAsync(DeployOptions options, DeploymentTracker tracker, OverlayEdit edit, CancellationToken cancellationToken)
    {
        if (!DefersDeployment(options))
        {
            return Task.CompletedTask;
        }

        // The one known build commit among the promoted images (images of unknown provenance do not outvote it).
        var sources = edit.Promotion?.Images.Select(i => i.SourceCommit).OfType<string>().Distinct().ToList()
            ?? (edit.Rollback?.RestoredSource is { } restored ? [restored] : []);
        var sha = sources is [{ Length: 40 } single] ? single : null;
        var what = edit.Promotion is { } p ? $"Promoting {string.Join(", ", p.Images.Select(i => i.Entry.ToString()))} from {p.From}"
            : edit.Rollback is { } r ? $"Rolling back to {string.Join(", ", r.Images.Select(i => i.ToString()))}" : "Deploying";
        return tracker.StartAsync($"{what} to {options.Environment}", cancellationToken, sha);
    }

    private async Task<SourceLinks> LinksAsync(DeployOptions options, DeploymentTracker tracker, CancellationToken cancellationToken)
    {
        if (context.ServerUrl is not { } server || options.SourceRepository is not { } repo || tracker.Sha is not { } sha)
        {
            return new SourceLinks(null, null);
        }

        var root = $"{server.TrimEnd('/')}/{repo}";
        var previous = await tracker.PreviousShaAsync(cancellationToken);
        return new SourceLinks($"{root}/commit/{sha}", previous is null ? null : $"{root}/compare/{previous}...{sha}");
    }

    private string? ChangeUrl(DeployOptions options, DeployResult result)
    {
        if (result.Operation is DeployOperation.Created or DeployOperation.Updated or DeployOperation.AutoMergeEnabled && result.PullRequest is { } pr)
        {
            return pr.Url;
        }

        return result.CommitSha is { } sha && options.GitOps.Repository is { } repo && context.ServerUrl is { } server
            ? $"{server.TrimEnd('/')}/{repo}/commit/{sha}"
            : result.PullRequest?.Url;
    }
}
