using GitOpsDeploy.Core.Planning;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Reporting;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Core.Results;
using GitOpsDeploy.Core.Runs;
using GitOpsDeploy.Core.Text;
using GitOpsDeploy.Editing;
using Microsoft.Extensions.Logging;

namespace GitOpsDeploy.Core.Landing;

/// <summary>
/// Pull-request modes: the planned commit on a deterministic head branch (one for the whole target
/// set), then open, update, merge or auto-merge one pull request. One attempt of the lost-race loop:
/// read, plan, publish the head, land; a base that moved or a head another run pushed means another attempt.
/// </summary>
public sealed class PullRequestFlow(DeployPorts ports, DeployPlanner planner, OutOfOrder order, IActionRuntime runtime, ActionContext context, TimeProvider time, ILogger logger)
{
    /// <summary>How often a run writes its text again when another run keeps overwriting it under our head.</summary>
    private const int MaxTextChecks = 3;

    private SourceLinks? links;
    private string? viewer;
    private RepositorySettings? settings;
    private readonly HashSet<string> warned = new(StringComparer.Ordinal);

    public async Task<Attempt<DeployResult>> AttemptAsync(DeployRequest request, DeploymentReporter reporter, int attempt, CancellationToken cancellationToken)
    {
        var prs = ports.PullRequests ?? throw new InvalidOperationException("pull request modes need the GitHub adapter");
        var landing = request.Landing;
        using var snapshot = await DeployRunner.ReadAsync(ports.Snapshots, request, attempt, runtime, logger, cancellationToken);
        if (landing.PullRequestBranch == snapshot.Branch)
        {
            // The head branch is force-pushed: a base branch as head would erase other people's commits.
            throw DeployException.Input("pull-request-branch", $"'{landing.PullRequestBranch}' is the base branch of {request.GitOps.Display}; the head branch is force-pushed, so it must be another branch");
        }

        var plan = planner.Plan(snapshot, request, await order.CheckAsync(snapshot, request, cancellationToken));
        DeployRunner.LogPlan(plan, logger, runtime, warned);
        await reporter.PlannedAsync(plan, cancellationToken);
        if (plan is PlanOutcome.Refused refused)
        {
            throw refused.Reason;
        }

        if (plan is PlanOutcome.Superseded superseded)
        {
            return Attempt<DeployResult>.Done(DeployRunner.Superseded(superseded, snapshot, attempt, logger));
        }

        links ??= await LinksAsync(request, reporter.First, cancellationToken);
        viewer ??= await prs.ViewerLoginAsync(cancellationToken);
        if (landing.Mode is DeployMode.Merge or DeployMode.AutoMerge && settings is null)
        {
            // A method the repository disallows fails now, before anything is pushed, not after four merge tries.
            settings = await prs.GetRepositoryAsync(cancellationToken);
            PullRequestLanding.RequireAllowed(landing.MergeMethod, settings, request.GitOps.Display);
        }

        var edits = plan.Edits;
        var files = plan is PlanOutcome.Write write ? write.Files : [];
        var pullRequests = new PullRequestLanding(prs, viewer, runtime, time, logger);
        var marker = new PullRequestMarker(string.Join(',', request.Targets.Select(t => t.Environment)), request.Source.Repository ?? string.Empty,
            PullRequestMarker.ChangeSetOf(edits.Select(e => e.Edit)), reporter.Ids, PullRequestText.Digest(snapshot.HeadSha, files));
        PullRequestInfo? existing;
        IReadOnlyList<PullRequestInfo> ours;
        using (runtime.Group("Pull requests"))
        {
            var open = await prs.ListOpenAsync(snapshot.Branch, cancellationToken);
            existing = open.FirstOrDefault(p => p.HeadRef == landing.PullRequestBranch);
            PullRequestLanding.RefuseForeign(existing, viewer, landing.PullRequestBranch);
            ours = open.Where(p => PullRequestOwnership.IsOurs(p, viewer, landing.PullRequestBranch)
                && (p.HeadRef == landing.PullRequestBranch || marker.SameTarget(PullRequestMarker.Find(p.Body)))).ToList();
        }

        var held = ours.FirstOrDefault(p => p.Labels.Contains(landing.HoldLabel, StringComparer.OrdinalIgnoreCase));
        if (held is not null)
        {
            throw new DeployException(ErrorKind.Policy,
                $"pull request #{held.Number} carries the '{landing.HoldLabel}' label: deploys to {request.EnvironmentList} are on hold; remove the label to continue ({held.Url})");
        }

        if (plan is not PlanOutcome.Write planned)
        {
            logger.LogInformation("{Branch} already has the requested images in {Overlay}: no commit, no pull request", snapshot.Branch, string.Join(", ", edits.Select(e => e.Edit.OverlayPath)));
            return Attempt<DeployResult>.Done(new DeployResult(DeployOperation.None, edits, snapshot.Branch, snapshot.HeadSha) { Attempts = attempt });
        }

        // Up to date only when its text describes this change on the head it sits on: another run may have pushed over it since.
        var upToDate = existing is not null && PullRequestMarker.Find(existing.Body)?.Describes(marker, existing.HeadSha) == true;
        string headSha;
        var diff = string.Empty;
        var verified = false;
        if (upToDate && !landing.DryRun)
        {
            headSha = existing!.HeadSha;
            logger.LogInformation("Pull request #{Number} already proposes exactly this change on {Base} at {Sha}", existing.Number, snapshot.Branch, snapshot.HeadSha);
        }
        else
        {
            var draft = await DeployRunner.DraftAsync(ports.Publisher, snapshot, request, planned, time, logger, cancellationToken);
            (headSha, diff) = (draft.Sha, draft.Diff);
            if (landing.DryRun)
            {
                DeployRunner.PrintDryRun(runtime, logger, diff);
                return Attempt<DeployResult>.Done(new DeployResult(DeployOperation.DryRun, edits, snapshot.Branch, snapshot.HeadSha) { CommitSha = headSha, Diff = diff, Attempts = attempt });
            }

            cancellationToken.ThrowIfCancellationRequested();
            using (runtime.Group($"Push {landing.PullRequestBranch}"))
            {
                // The head branch is ours: always rebuilt from the current base tip.
                switch (await ports.Publisher.PublishAsync(snapshot, draft, landing.PullRequestBranch, PublishKind.Replace, cancellationToken))
                {
                    case PublishOutcome.Published published:
                        headSha = published.Sha;
                        verified = published.Verified;
                        logger.LogInformation("Pushed {Sha} to {Branch}", headSha, landing.PullRequestBranch);
                        break;
                    case PublishOutcome.LostRace lost:
                        logger.LogWarning("The push of {Branch} was refused as a concurrent update ({Reason}); rebuilding it", landing.PullRequestBranch, lost.Reason);
                        return Attempt<DeployResult>.Again("the head branch was pushed concurrently");
                    case PublishOutcome.Rejected rejected:
                        throw DeployRunner.Rejected(request, landing.PullRequestBranch, rejected.Reason);
                }
            }
        }

        // Nothing is written after the runner asked us to stop.
        cancellationToken.ThrowIfCancellationRequested();
        var title = PullRequestText.Title(request, edits);
        marker = marker with { Head = headSha };
        var body = PullRequestText.Body(request, edits, diff, links, marker);
        var (pr, operation) = await pullRequests.OpenOrUpdateAsync(landing, existing, upToDate, title, body, snapshot.Branch, cancellationToken);

        // Title, body and marker must describe exactly what the head carries, whatever another run did meanwhile:
        // read the pull request back after writing. A head that is not ours means another run pushed after us
        // (rebuild, and our next write tells its run it was replaced); our head under another run's text means
        // that run wrote after our push (write ours again). A pull request we did not touch already said this.
        for (var check = 1; operation != DeployOperation.None; check++)
        {
            var seen = await prs.GetAsync(pr.Number, cancellationToken);
            if (seen.HeadSha != headSha)
            {
                logger.LogWarning("The head of #{Number} is {Seen}, not our {Sha}: another run pushed it meanwhile; rebuilding", pr.Number, seen.HeadSha, headSha);
                return Attempt<DeployResult>.Again("another run pushed the head meanwhile");
            }

            if (seen.Title == title && PullRequestMarker.Find(seen.Body)?.Describes(marker, headSha) == true)
            {
                break;
            }

            if (check >= MaxTextChecks)
            {
                throw new DeployException(ErrorKind.Conflict, $"pull request #{pr.Number} keeps being rewritten by another run while its head is ours; re-run the job ({pr.Url})");
            }

            logger.LogWarning("#{Number} describes another run's change although its head is ours: writing ours again", pr.Number);
            pr = await prs.UpdateAsync(pr.Number, title, body, cancellationToken);
            operation = operation == DeployOperation.None ? DeployOperation.Updated : operation;
        }

        pr = pr with { HeadSha = headSha };
        await SupersedeAsync(prs, reporter, ours, existing, pr, marker, title, cancellationToken);
        var result = new DeployResult(operation, edits, snapshot.Branch, snapshot.HeadSha)
        {
            Attempts = attempt,
            PullRequest = pr,
            CommitSha = headSha,
            Diff = diff,
            Changed = operation != DeployOperation.None,
            Verified = verified,
        };

        var landed = landing.Mode switch
        {
            DeployMode.Merge => await pullRequests.MergeAsync(landing, settings!, request.GitOps.Display, pr, title, cancellationToken),
            DeployMode.AutoMerge => await pullRequests.AutoMergeAsync(landing, settings!, request.GitOps.Display, pr, title, cancellationToken),
            _ => new Landed(LandingKind.Open, null),
        };

        if (landed.Kind == LandingKind.Retry)
        {
            return Attempt<DeployResult>.Again("the base branch moved or the head was modified; updating the pull request");
        }

        result = landed.Kind switch
        {
            LandingKind.Merged => result with
            {
                Operation = DeployOperation.Merged, Merged = true, CommitSha = landed.Sha, Changed = true,
                Verified = landed.Sha is { } merge && await prs.IsVerifiedAsync(merge, cancellationToken),
            },
            LandingKind.AutoMergeEnabled => result with { Operation = DeployOperation.AutoMergeEnabled },
            _ => result,
        };
        return Attempt<DeployResult>.Done(result.Merged || landing.WaitForMerge <= TimeSpan.Zero ? result : await pullRequests.WaitForMergeAsync(landing, result, cancellationToken));
    }

    /// <summary>
    /// Closes our older pull requests for the same change set, and ends the deployments they reported to:
    /// a closed pull request must not leave a deployment queued forever.
    /// </summary>
    private async Task SupersedeAsync(IPullRequests prs, DeploymentReporter reporter, IReadOnlyList<PullRequestInfo> ours, PullRequestInfo? existing, PullRequestInfo pr, PullRequestMarker marker, string title, CancellationToken cancellationToken)
    {
        foreach (var old in ours.Where(p => p.Number != pr.Number))
        {
            await prs.CloseAsync(old.Number, $"Superseded by #{pr.Number} ({pr.Url}): {title}", cancellationToken);
            logger.LogInformation("Closed #{Old}: superseded by #{New}", old.Number, pr.Number);
            await reporter.EndOthersAsync(PullRequestMarker.Find(old.Body)?.Deployments, $"superseded by PR #{pr.Number}", cancellationToken);
        }

        // The pull request we updated now carries another change: the deployments it reported for are replaced.
        if (existing is not null && PullRequestMarker.Find(existing.Body) is { } before && before.Digest != marker.Digest)
        {
            await reporter.EndOthersAsync(before.Deployments, $"replaced in PR #{pr.Number} by a newer change", cancellationToken);
        }
    }

    private async Task<SourceLinks> LinksAsync(DeployRequest request, DeploymentTracker tracker, CancellationToken cancellationToken)
    {
        if (request.Source.Repository is not { } repo || tracker.Sha is not { } sha || context.ServerUrl is not { } server)
        {
            return new SourceLinks(null, null);
        }

        var root = $"{server.TrimEnd('/')}/{repo}";
        var previous = await tracker.PreviousShaAsync(cancellationToken);
        return new SourceLinks($"{root}/commit/{sha}", previous is null ? null : $"{root}/compare/{previous}...{sha}");
    }
}
