using GitOpsDeploy.Core.Inputs;
using GitOpsDeploy.Core.Ports;
using Microsoft.Extensions.Logging;

namespace GitOpsDeploy.Core.Deploy;

/// <summary>How a pull request was landed: left open, merged, auto-merge enabled, or to be rebuilt and retried.</summary>
public enum LandingKind
{
    Open,
    Merged,
    AutoMergeEnabled,
    Retry,
}

public sealed record Landing(LandingKind Kind, string? Sha);

/// <summary>
/// Opening or updating the one deploy pull request, then merging it, enabling auto-merge, or waiting
/// for a person: the decisions GitHub's answers call for (405 vs 409, mergeable_state, "clean status").
/// </summary>
public sealed class PullRequestLanding(IPullRequests prs, string viewer, IActionRuntime runtime, TimeProvider time, ILogger logger)
{
    private const int MergeabilityChecks = 4;

    /// <summary>A pull request on our head branch that we cannot prove is ours: pushing would destroy someone's commits.</summary>
    public static void RefuseForeign(PullRequestInfo? onHeadBranch, string viewer, string headBranch)
    {
        if (onHeadBranch is not null && !PullRequestOwnership.IsOurs(onHeadBranch, viewer, headBranch))
        {
            throw new DeployException(ErrorKind.Conflict,
                $"pull request #{onHeadBranch.Number} ({onHeadBranch.Url}) uses the head branch '{headBranch}', but {PullRequestOwnership.WhyNotOurs(onHeadBranch, viewer)}; "
                + "the action will not push over it. Close it, or set pull-request-branch to another branch");
        }
    }

    public async Task<(PullRequestInfo Pr, DeployOperation Operation)> OpenOrUpdateAsync(
        DeployOptions options, PullRequestInfo? existing, bool upToDate, string title, string body, string baseBranch, CancellationToken cancellationToken)
    {
        using var group = runtime.Group(existing is null ? "Open pull request" : $"Update pull request #{existing.Number}");
        if (existing is not null)
        {
            return upToDate && existing.Title == title
                ? (existing, DeployOperation.None)
                : (await prs.UpdateAsync(existing.Number, title, body, cancellationToken), DeployOperation.Updated);
        }

        var created = await prs.CreateAsync(new NewPullRequest(title, body, options.PullRequestBranch, baseBranch), cancellationToken);
        if (created is null)
        {
            // Another run opened it between our listing and our create (GitHub's 422 "already exists"): adopt it.
            var adopted = (await prs.ListOpenAsync(baseBranch, cancellationToken)).FirstOrDefault(p => p.HeadRef == options.PullRequestBranch)
                ?? throw new DeployException(ErrorKind.Conflict, $"GitHub says a pull request for {options.PullRequestBranch} exists, but none is open against {baseBranch}");
            RefuseForeign(adopted, viewer, options.PullRequestBranch);
            logger.LogInformation("Adopted pull request #{Number} opened concurrently", adopted.Number);
            return (await prs.UpdateAsync(adopted.Number, title, body, cancellationToken), DeployOperation.Updated);
        }

        logger.LogInformation("Opened pull request #{Number}: {Url}", created.Number, created.Url);
        if (options.Labels.Count > 0)
        {
            await prs.AddLabelsAsync(created.Number, options.Labels, cancellationToken);
        }

        if (options.Reviewers.Count > 0 || options.TeamReviewers.Count > 0)
        {
            await prs.RequestReviewersAsync(created.Number, options.Reviewers, options.TeamReviewers, cancellationToken);
        }

        return (created, DeployOperation.Created);
    }

    /// <summary>
    /// Merges with the head sha we pushed. Retries what can succeed (base moved: the caller rebuilds
    /// the branch; mergeability not computed yet: ask again), fails clearly on what cannot (conflict,
    /// protection), and falls back to auto-merge when branch protection blocks a merge right now.
    /// </summary>
    public async Task<Landing> MergeAsync(DeployOptions options, PullRequestInfo pr, string title, CancellationToken cancellationToken)
    {
        using var group = runtime.Group($"Merge pull request #{pr.Number}");
        for (var check = 1; ; check++)
        {
            var merge = await prs.MergeAsync(pr.Number, pr.HeadSha, options.MergeMethod, title, cancellationToken);
            switch (merge.Kind)
            {
                case MergeResultKind.Merged:
                    logger.LogInformation("Merged #{Number} as {Sha}", pr.Number, merge.Sha);
                    return new Landing(LandingKind.Merged, merge.Sha);
                case MergeResultKind.HeadModified:
                    logger.LogWarning("The head of #{Number} changed since we pushed it ({Reason}); rebuilding it", pr.Number, merge.Message);
                    return new Landing(LandingKind.Retry, null);
            }

            var current = await prs.GetAsync(pr.Number, cancellationToken);
            if (current.Merged)
            {
                // Our merge went through but its answer was lost (the retry met the merged PR's 405).
                logger.LogInformation("#{Number} is merged as {Sha} (the answer to our merge request was lost)", pr.Number, current.MergeCommitSha);
                return new Landing(LandingKind.Merged, current.MergeCommitSha);
            }

            var state = current.MergeableState;
            switch (state)
            {
                case "behind":
                    logger.LogWarning("#{Number} is behind {Base}; updating it from the new base tip", pr.Number, pr.BaseRef);
                    return new Landing(LandingKind.Retry, null);
                case "dirty" when current.HeadSha == pr.HeadSha:
                    // The head is exactly what we pushed: the conflict is with what landed on the base since.
                    // Re-planning our edit on the new base resolves it; only foreign changes need a person.
                    logger.LogWarning("#{Number} conflicts with changes that landed on {Base} since; rebuilding our branch from the new base", pr.Number, pr.BaseRef);
                    return new Landing(LandingKind.Retry, null);
                case "dirty":
                    throw new DeployException(ErrorKind.Conflict,
                        $"pull request #{pr.Number} conflicts with {pr.BaseRef}, and its head ({current.HeadSha[..Math.Min(7, current.HeadSha.Length)]}) is not the commit this run pushed: someone changed it; resolve it by hand ({pr.Url})");
                case "blocked":
                    if (options.Mode == DeployMode.Merge && (await prs.GetRepositoryAsync(cancellationToken)).AllowAutoMerge)
                    {
                        var auto = await prs.EnableAutoMergeAsync(pr, options.MergeMethod, cancellationToken);
                        if (auto.Kind == AutoMergeResultKind.Enabled)
                        {
                            logger.LogWarning("Branch protection blocks merging #{Number} now ({Reason}); enabled auto-merge instead: GitHub merges it once the required reviews and checks pass", pr.Number, merge.Message);
                            return new Landing(LandingKind.AutoMergeEnabled, null);
                        }
                    }

                    throw new DeployException(ErrorKind.PushRejected,
                        $"branch protection blocks merging pull request #{pr.Number}: {merge.Message}. Required reviews or status checks must pass first; allow auto-merge in the repository settings, or merge it by hand ({pr.Url})");
                default:
                    if (check >= MergeabilityChecks)
                    {
                        throw new DeployException(ErrorKind.Transient, $"GitHub would not merge pull request #{pr.Number} ({merge.Message}, state '{state ?? "unknown"}') after {check} tries ({pr.Url})");
                    }

                    // Mergeability is computed in the background after a push: ask again shortly.
                    logger.LogInformation("GitHub has not decided whether #{Number} can be merged (state {State}); asking again", pr.Number, state ?? "unknown");
                    await Task.Delay(options.RetryDelay * check, time, cancellationToken);
                    break;
            }
        }
    }

    public async Task<Landing> AutoMergeAsync(DeployOptions options, PullRequestInfo pr, string title, CancellationToken cancellationToken)
    {
        AutoMergeResult auto;
        using (runtime.Group($"Enable auto-merge on #{pr.Number}"))
        {
            auto = await prs.EnableAutoMergeAsync(pr, options.MergeMethod, cancellationToken);
        }

        switch (auto.Kind)
        {
            case AutoMergeResultKind.Enabled:
                logger.LogInformation("Auto-merge enabled on #{Number}: GitHub merges it when its requirements pass", pr.Number);
                return new Landing(LandingKind.AutoMergeEnabled, null);
            case AutoMergeResultKind.AlreadyMergeable:
                logger.LogInformation("#{Number} can be merged right now ({Reason}); merging it", pr.Number, auto.Message);
                return await MergeAsync(options, pr, title, cancellationToken);
            default:
                throw new DeployException(ErrorKind.Policy,
                    $"auto-merge is not available on {options.GitOps.Display}: {auto.Message}. Enable 'Allow auto-merge' in the repository settings, or use mode 'merge' or 'pull-request'");
        }
    }

    public async Task<DeployResult> WaitForMergeAsync(DeployOptions options, DeployResult result, CancellationToken cancellationToken)
    {
        var pr = result.PullRequest!;
        var deadline = time.GetUtcNow() + options.WaitForMerge;
        using var group = runtime.Group($"Wait up to {options.WaitForMerge.TotalSeconds:0} s for #{pr.Number} to be merged");
        while (true)
        {
            var current = await prs.GetAsync(pr.Number, cancellationToken);
            if (current.Merged)
            {
                logger.LogInformation("#{Number} was merged as {Sha}", pr.Number, current.MergeCommitSha);
                return result with { Operation = DeployOperation.Merged, Merged = true, CommitSha = current.MergeCommitSha ?? result.CommitSha, PullRequest = current };
            }

            if (!current.Open)
            {
                throw new DeployException(ErrorKind.Conflict, $"pull request #{pr.Number} was closed without being merged ({pr.Url})");
            }

            if (time.GetUtcNow() >= deadline)
            {
                runtime.Warning($"pull request #{pr.Number} was not merged within {options.WaitForMerge.TotalSeconds:0} s; it stays open and the deployment stays queued ({pr.Url})");
                return result;
            }

            await Task.Delay(options.PollInterval, time, cancellationToken);
        }
    }
}
