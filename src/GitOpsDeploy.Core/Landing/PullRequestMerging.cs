using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Core.Results;
using GitOpsDeploy.Core.Text;
using GitOpsDeploy.Editing;
using Microsoft.Extensions.Logging;

namespace GitOpsDeploy.Core.Landing;

/// <summary>How a pull request was landed: left open, merged, auto-merge enabled, or to be rebuilt and retried.</summary>
internal enum LandingKind
{
    Open,
    Merged,
    AutoMergeEnabled,
    Retry,
}

internal sealed record Landed(LandingKind Kind, string? Sha);

/// <summary>
/// Opening or updating the one deploy pull request, then merging it, enabling auto-merge, or waiting
/// for a person. The host's answers arrive already decided (<see cref="MergeOutcomeKind"/>); this
/// class decides what the run does about each.
/// </summary>
internal sealed class PullRequestMerging(IPullRequests prs, string viewer, IActionRuntime runtime, TimeProvider time, ILogger logger, TimeSpan pause)
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

    public async Task<(PullRequestInfo Pr, ProposalKind Kind)> OpenOrUpdateAsync(
        LandingOptions options, PullRequestInfo? existing, bool upToDate, string title, string body, string baseBranch, CancellationToken cancellationToken)
    {
        using var group = runtime.Group(existing is null ? "Open pull request" : $"Update pull request #{existing.Number}");
        if (existing is not null)
        {
            return upToDate && existing.Title == title
                ? (existing, ProposalKind.Unchanged)
                : (await prs.UpdateAsync(existing.Number, title, body, cancellationToken), ProposalKind.Updated);
        }

        var created = await prs.CreateAsync(new NewPullRequest(title, body, options.PullRequestBranch, baseBranch), cancellationToken);
        if (created is null)
        {
            // Another run opened it between our listing and our create (GitHub's 422 "already exists"): adopt it.
            var adopted = (await prs.ListOpenAsync(baseBranch, cancellationToken)).FirstOrDefault(p => p.HeadRef == options.PullRequestBranch)
                ?? throw new DeployException(ErrorKind.Conflict, $"GitHub says a pull request for {options.PullRequestBranch} exists, but none is open against {baseBranch}");
            RefuseForeign(adopted, viewer, options.PullRequestBranch);
            logger.LogInformation("Adopted pull request #{Number} opened concurrently", adopted.Number);
            return (await prs.UpdateAsync(adopted.Number, title, body, cancellationToken), ProposalKind.Updated);
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

        return (created, ProposalKind.Created);
    }

    /// <summary>
    /// Merges with the head sha we pushed. Retries what can succeed (base moved: the caller rebuilds
    /// the branch; mergeability not computed yet: ask again), fails clearly on what cannot (conflict,
    /// protection, a disallowed method), and falls back to auto-merge when branch protection blocks a
    /// merge right now.
    /// </summary>
    public async Task<Landed> MergeAsync(LandingOptions options, RepositorySettings settings, string repository, PullRequestInfo pr, string title, CancellationToken cancellationToken)
    {
        using var group = runtime.Group($"Merge pull request #{pr.Number}");
        for (var check = 1; ; check++)
        {
            var merge = await prs.MergeAsync(pr.Number, pr.HeadSha, options.MergeMethod, title, cancellationToken);
            switch (merge.Kind)
            {
                case MergeOutcomeKind.Merged:
                    logger.LogInformation("Merged #{Number} as {Sha} ({Message})", pr.Number, merge.Sha, merge.Message);
                    return new Landed(LandingKind.Merged, merge.Sha);
                case MergeOutcomeKind.Rebuild:
                    logger.LogWarning("#{Number} cannot be merged as it is: {Reason}; rebuilding our branch from the new base", pr.Number, merge.Message);
                    return new Landed(LandingKind.Retry, null);
                case MergeOutcomeKind.Conflict:
                    throw new DeployException(ErrorKind.Conflict,
                        $"pull request #{pr.Number} conflicts with {pr.BaseRef}, and its head ({merge.HeadSha?[..Math.Min(7, merge.HeadSha.Length)]}) is not the commit this run pushed: someone changed it; resolve it by hand ({pr.Url})");
                case MergeOutcomeKind.MethodNotAllowed:
                    var refused = MethodNotAllowed(options.MergeMethod, repository, merge.Message);
                    throw new DeployException(refused.Kind, $"{refused.Message}; pull request #{pr.Number} stays open unmerged ({pr.Url})");
                case MergeOutcomeKind.Blocked:
                    if (options.Mode == DeployMode.Merge && settings.AllowAutoMerge)
                    {
                        var auto = await prs.EnableAutoMergeAsync(pr, options.MergeMethod, cancellationToken);
                        if (auto.Kind == AutoMergeResultKind.Enabled)
                        {
                            logger.LogWarning("Branch protection blocks merging #{Number} now ({Reason}); enabled auto-merge instead: GitHub merges it once the required reviews and checks pass", pr.Number, merge.Message);
                            return new Landed(LandingKind.AutoMergeEnabled, null);
                        }
                    }

                    throw new DeployException(ErrorKind.PushRejected,
                        $"branch protection blocks merging pull request #{pr.Number}: {merge.Message}. Required reviews or status checks must pass first; allow auto-merge in the repository settings, or merge it by hand ({pr.Url})");
                default:
                    if (check >= MergeabilityChecks)
                    {
                        throw new DeployException(ErrorKind.Transient, $"GitHub would not merge pull request #{pr.Number} ({merge.Message}) after {check} tries ({pr.Url})");
                    }

                    // Mergeability is computed in the background after a push: ask again shortly.
                    logger.LogInformation("GitHub has not decided whether #{Number} can be merged ({Reason}); asking again", pr.Number, merge.Message);
                    await Task.Delay(pause * check, time, cancellationToken);
                    break;
            }
        }
    }

    /// <summary>Refuses a merge method the repository's settings disallow: no retry can change a setting.</summary>
    public static DeployException? Disallowed(MergeMethod method, RepositorySettings settings, string repository) =>
        settings.MergeMethods.Contains(method) ? null
        : MethodNotAllowed(method, repository, $"allowed: {string.Join(", ", settings.MergeMethods.Select(InputName).Order(StringComparer.Ordinal))}");

    private static DeployException MethodNotAllowed(MergeMethod method, string repository, string detail)
    {
        var setting = method switch
        {
            MergeMethod.Merge => "Allow merge commits",
            MergeMethod.Rebase => "Allow rebase merging",
            _ => "Allow squash merging",
        };
        return new DeployException(ErrorKind.Policy,
            $"input 'merge-method': '{InputName(method)}' is not allowed on {repository} ({detail}); choose another merge-method, or turn on '{setting}' in the repository's settings (General > Pull Requests)");
    }

    private static string InputName(MergeMethod method) => method.ToString().ToLowerInvariant();

    public async Task<Landed> AutoMergeAsync(LandingOptions options, RepositorySettings settings, string repository, PullRequestInfo pr, string title, CancellationToken cancellationToken)
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
                return new Landed(LandingKind.AutoMergeEnabled, null);
            case AutoMergeResultKind.AlreadyMergeable:
                logger.LogInformation("#{Number} can be merged right now ({Reason}); merging it", pr.Number, auto.Message);
                return await MergeAsync(options, settings, repository, pr, title, cancellationToken);
            default:
                throw new DeployException(ErrorKind.Policy,
                    $"auto-merge is not available on {repository}: {auto.Message}. Enable 'Allow auto-merge' in the repository settings, or use mode 'merge' or 'pull-request'");
        }
    }

    public async Task<DeployResult> WaitForMergeAsync(LandingOptions options, DeployResult result, CancellationToken cancellationToken)
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
                return result with { Outcome = new DeployOutcome.Merged(current, current.MergeCommitSha ?? result.CommitSha ?? string.Empty, result.Verified) };
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
