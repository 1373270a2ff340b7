using GitOpsDeploy.Core.Metrics;
using GitOpsDeploy.Core.Pipeline;
using GitOpsDeploy.Core.Planning;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Core.Results;
using GitOpsDeploy.Core.Verification;
using GitOpsDeploy.Editing;
using Microsoft.Extensions.Logging;

namespace GitOpsDeploy.Core.Steps.ArgoCd;

/// <summary>
/// After the change landed: waits until the target's Argo CD application runs the gitops commit (or a later
/// one), Synced and Healthy; Degraded, a failed sync or the timeout fail the target as unhealthy.
/// </summary>
internal sealed class ArgoCdWaitStep : IVerificationStep
{
    public async Task<TargetResult> VerifyAsync(RunContext run, DeployRequest request, DeployResult result, TargetResult target, CancellationToken cancellationToken)
    {
        // argocd-timeout 0: refresh only (ArgoCdRefreshStep), no wait.
        if (run.Ports.ArgoCd is not { } argoCd || target.Target.ArgoCd is not { } argo || argo.Timeout <= TimeSpan.Zero)
        {
            return target;
        }

        var commit = result.CommitSha ?? result.BaseSha;
        await run.Observer.ProgressAsync(target.Target, $"Waiting for Argo CD application {argo.Application} to sync {commit[..Math.Min(7, commit.Length)]}", cancellationToken);
        ArgoOutcome outcome;
        using (run.Runtime.Group($"Wait for Argo CD application {argo.Application} (up to {argo.Timeout.TotalSeconds:0} s)"))
        {
            outcome = await new ArgoCdWait(argoCd, run.Time, run.Logger).WaitAsync(argo, commit, revision => DescendsFromAsync(run, request, commit, revision, cancellationToken), cancellationToken);
        }

        if (!outcome.Healthy)
        {
            throw new DeployException(ErrorKind.Unhealthy, "Argo CD: " + outcome.Reason);
        }

        run.Logger.LogInformation("Argo CD: {Reason}", outcome.Reason);
        var latency = result.LandedAt is { } landedAt ? DeployLatency.Between(landedAt, outcome.SyncedAt, outcome.HealthyAt) : null;
        if (latency is not null)
        {
            run.Logger.LogInformation("Argo CD {Application}: {Latency}", argo.Application, latency.Text());
        }

        return target with { Argo = outcome, Latency = latency };
    }

    /// <summary>True when <paramref name="revision"/> is a later commit of the base branch than <paramref name="commit"/> (someone deployed on top of us).</summary>
    private static async Task<bool> DescendsFromAsync(RunContext run, DeployRequest request, string commit, string revision, CancellationToken cancellationToken)
    {
        using var snapshot = await run.Repository.ReadAsync(request.Landing.BaseBranch, new SnapshotHint(Promotion.HistoryDepth, []), cancellationToken);
        var history = (await snapshot.ReadingAsync(() => snapshot.History(Promotion.HistoryDepth), cancellationToken)).Select(h => h.Sha).ToList();
        var newer = history.IndexOf(revision);
        var ours = history.IndexOf(commit);
        return newer >= 0 && ours > newer;
    }
}
