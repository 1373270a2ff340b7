using GitOpsDeploy.Core.Pipeline;
using GitOpsDeploy.Core.Planning;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Core.Results;
using GitOpsDeploy.Core.Text;
using GitOpsDeploy.Editing;
using Microsoft.Extensions.Logging;

namespace GitOpsDeploy.Core.Landing;

/// <summary>
/// Pull-request modes: the planned commit on a deterministic head branch (one for the whole target set), then
/// open, update, merge or auto-merge one pull request. A base that moved or a head another run pushed means
/// another attempt.
/// </summary>
internal sealed class PullRequestLanding : ILanding
{
    /// <summary>How often a run writes its text again when another run keeps overwriting it under our head.</summary>
    private const int MaxTextChecks = 3;

    private SourceLinks? links;
    private string? viewer;
    private RepositorySettings? settings;

    public string GiveUp(DeployRequest request, string branch) =>
        $"the pull request head {request.Landing.PullRequestBranch} could not be brought onto {request.Landing.BaseBranch ?? "the base branch"} because it kept moving";

    public async Task<DeployException?> RefusalAsync(RunContext run, DeployRequest request, IGitOpsSnapshot snapshot, CancellationToken cancellationToken)
    {
        var landing = request.Landing;
        if (landing.PullRequestBranch == snapshot.Branch)
        {
            // The head branch is force-pushed: a base branch as head would erase other people's commits.
            return DeployException.Input("pull-request-branch", $"'{landing.PullRequestBranch}' is the base branch of {request.GitOps.Display}; the head branch is force-pushed, so it must be another branch");
        }

        if (landing.Mode is DeployMode.Merge or DeployMode.AutoMerge && settings is null)
        {
            // A method the repository disallows fails now, before anything is pushed, not after four merge tries.
            var prs = run.Ports.PullRequests ?? throw new InvalidOperationException("pull request modes need the GitHub adapter");
            settings = await prs.GetRepositoryAsync(cancellationToken);
            return PullRequestMerging.Disallowed(landing.MergeMethod, settings, request.GitOps.Display);
        }

        return null;
    }

    public async Task<Attempt<DeployResult>> LandAsync(RunContext run, DeployRequest request, IGitOpsSnapshot snapshot, PlanOutcome plan, int attempt, CancellationToken cancellationToken)
    {
        var (runtime, logger, ledger) = (run.Runtime, run.Logger, run.Ledger);
        var prs = run.Ports.PullRequests ?? throw new InvalidOperationException("pull request modes need the GitHub adapter");
        var landing = request.Landing;
        if (plan is PlanOutcome.Superseded superseded)
        {
            return Attempt<DeployResult>.Done(DirectPush.Superseded(run, superseded, snapshot, attempt));
        }

        links ??= await LinksAsync(run, request, cancellationToken);
        viewer ??= await prs.ViewerLoginAsync(cancellationToken);

        var edits = plan.Edits;
        var files = plan is PlanOutcome.Write write ? write.Files : [];
        var pullRequests = new PullRequestMerging(prs, viewer, runtime, run.Time, logger, run.Repository.Retries.Delay);
        var marker = new PullRequestMarker(string.Join(',', request.Targets.Select(t => t.Environment)), request.Source.Repository ?? string.Empty,
            PullRequestMarker.ChangeSetOf(edits.Select(e => e.Edit)), ledger.Ids, PullRequestText.Digest(snapshot.HeadSha, files));
        PullRequestInfo? existing;
        IReadOnlyList<PullRequestInfo> ours;
        using (runtime.Group("Pull requests"))
        {
            var open = await prs.ListOpenAsync(snapshot.Branch, cancellationToken);
            existing = open.FirstOrDefault(p => p.HeadRef == landing.PullRequestBranch);
            PullRequestMerging.RefuseForeign(existing, viewer, landing.PullRequestBranch);
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
            return Attempt<DeployResult>.Done(new DeployResult(new DeployOutcome.AlreadyThere(), edits, snapshot.Branch, snapshot.HeadSha) { Attempts = attempt });
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
            var draft = await DirectPush.DraftAsync(run, snapshot, request, planned, cancellationToken);
            if (draft.Redo is { } redo)
            {
                return Attempt<DeployResult>.Again(redo);
            }

            (headSha, diff) = (draft.Sha, draft.Diff);
            if (landing.DryRun)
            {
                return Attempt<DeployResult>.Done(DirectPush.DryRun(run, planned, draft, snapshot, attempt));
            }

            cancellationToken.ThrowIfCancellationRequested();
            using (runtime.Group($"Push {landing.PullRequestBranch}"))
            {
                // The head branch is ours: always rebuilt from the current base tip.
                switch (await run.Repository.PublishAsync(snapshot, draft, landing.PullRequestBranch, PublishKind.Replace, cancellationToken))
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
                        throw DirectPush.Rejected(request, landing.PullRequestBranch, rejected.Reason);
                }
            }
        }

        // Nothing is written after the runner asked us to stop.
        cancellationToken.ThrowIfCancellationRequested();
        var title = PullRequestText.Title(request, edits);
        marker = marker with { Head = headSha };
        var body = PullRequestText.Body(request, edits, diff, links, marker);
        var (pr, kind) = await pullRequests.OpenOrUpdateAsync(landing, existing, upToDate, title, body, snapshot.Branch, cancellationToken);

        // Title, body and marker must describe exactly what the head carries, whatever another run did meanwhile:
        // read the pull request back after writing. A head that is not ours means another run pushed after us
        // (rebuild, and our next write tells its run it was replaced); our head under another run's text means
        // that run wrote after our push (write ours again). A pull request we did not touch already said this.
        for (var check = 1; kind != ProposalKind.Unchanged; check++)
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
        }

        pr = pr with { HeadSha = headSha };
        await SupersedeAsync(run, prs, ours, existing, pr, marker, title, cancellationToken);
        var proposed = new DeployResult(new DeployOutcome.Proposed(pr, kind, headSha, verified), edits, snapshot.Branch, snapshot.HeadSha) { Attempts = attempt };
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

        var result = landed.Kind switch
        {
            LandingKind.Merged => proposed with
            {
                Outcome = new DeployOutcome.Merged(pr, landed.Sha!, landed.Sha is { } merge && await prs.IsVerifiedAsync(merge, cancellationToken)),
            },
            LandingKind.AutoMergeEnabled => proposed with { Outcome = new DeployOutcome.AutoMergeEnabled(pr, kind, headSha, verified) },
            _ => proposed,
        };
        return Attempt<DeployResult>.Done(result.Merged || landing.WaitForMerge <= TimeSpan.Zero ? result : await pullRequests.WaitForMergeAsync(landing, result, cancellationToken));
    }

    /// <summary>
    /// Closes our older pull requests for the same change set, and ends the deployments they reported to:
    /// a closed pull request must not leave a deployment queued forever.
    /// </summary>
    private static async Task SupersedeAsync(RunContext run, IPullRequests prs, IReadOnlyList<PullRequestInfo> ours, PullRequestInfo? existing, PullRequestInfo pr, PullRequestMarker marker, string title, CancellationToken cancellationToken)
    {
        foreach (var old in ours.Where(p => p.Number != pr.Number))
        {
            await prs.CloseAsync(old.Number, $"Superseded by #{pr.Number} ({pr.Url}): {title}", cancellationToken);
            run.Logger.LogInformation("Closed #{Old}: superseded by #{New}", old.Number, pr.Number);
            await run.Ledger.EndOthersAsync(PullRequestMarker.Find(old.Body)?.Deployments, $"superseded by PR #{pr.Number}", cancellationToken);
        }

        // The pull request we updated now carries another change: the deployments it reported for are replaced.
        if (existing is not null && PullRequestMarker.Find(existing.Body) is { } before && before.Digest != marker.Digest)
        {
            await run.Ledger.EndOthersAsync(before.Deployments, $"replaced in PR #{pr.Number} by a newer change", cancellationToken);
        }
    }

    private static async Task<SourceLinks> LinksAsync(RunContext run, DeployRequest request, CancellationToken cancellationToken)
    {
        if (request.Source.Repository is not { } repo || run.Ledger.SourceSha is not { } sha || run.Action.ServerUrl is not { } server)
        {
            return new SourceLinks(null, null);
        }

        var root = $"{server.TrimEnd('/')}/{repo}";
        var previous = await run.Ledger.PreviousShaAsync(cancellationToken);
        return new SourceLinks($"{root}/commit/{sha}", previous is null ? null : $"{root}/compare/{previous}...{sha}");
    }
}
