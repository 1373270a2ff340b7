using GitOpsDeploy.Core.Inputs;
using GitOpsDeploy.Core.Overlay;
using GitOpsDeploy.Core.Ports;
using Microsoft.Extensions.Logging;

namespace GitOpsDeploy.Core.Deploy;

/// <summary>
/// The deploy sequence: clone, plan the overlay edit, commit, push; on a lost race re-clone and
/// re-apply the same edit, a bounded number of times. Each attempt starts from a fresh clone
/// because fetching into a shallow clone breaks it.
/// </summary>
public sealed class DeployRunner(IGitOpsWorkspace workspace, IActionRuntime runtime, TimeProvider time, ILogger<DeployRunner> logger)
{
    public async Task<DeployResult> RunAsync(DeployOptions options, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            IGitOpsCheckout checkout;
            using (runtime.Group(attempt == 1 ? $"Clone {options.GitOps.Display}" : $"Clone {options.GitOps.Display} again (attempt {attempt})"))
            {
                checkout = await workspace.CheckoutAsync(options.BaseBranch, cancellationToken);
                logger.LogInformation("Cloned {Branch} at {Sha}", checkout.Branch, checkout.HeadSha);
            }

            using (checkout)
            {
                var edit = PlanEdit(options, checkout);
                if (!edit.Changed)
                {
                    logger.LogInformation("{Overlay} already has the requested images and values: nothing to do", edit.OverlayPath);
                    return new DeployResult(DeployOperation.None, edit, checkout.Branch, checkout.HeadSha) { Attempts = attempt };
                }

                var message = CommitMessage.Build(options, edit);
                var sha = checkout.Commit(edit.Files, options.Author, message, time.GetUtcNow());
                var diff = checkout.Diff(checkout.HeadSha, sha);
                logger.LogInformation("Committed {Sha}: {Summary}", sha, CommitMessage.Summary(edit));
                var result = new DeployResult(DeployOperation.DryRun, edit, checkout.Branch, checkout.HeadSha) { CommitSha = sha, Diff = diff, Attempts = attempt };
                if (options.DryRun)
                {
                    using (runtime.Group("Dry run: the diff that would be pushed"))
                    {
                        logger.LogInformation("{Diff}", diff);
                    }

                    return result;
                }

                using (runtime.Group($"Push to {checkout.Branch}"))
                {
                    var pushed = await checkout.PushAsync(sha, checkout.Branch, force: false, cancellationToken);
                    if (pushed == PushOutcome.Pushed)
                    {
                        logger.LogInformation("Pushed {Sha} to {Branch}", sha, checkout.Branch);
                        return result with { Operation = DeployOperation.Pushed };
                    }
                }

                if (attempt >= options.PushAttempts)
                {
                    throw new DeployException(ErrorKind.Conflict,
                        $"{checkout.Branch} of {options.GitOps.Display} kept moving: gave up after {attempt} push attempts; re-run the job");
                }
            }

            var delay = Backoff(options.RetryDelay, attempt);
            logger.LogWarning("{Branch} moved while we were deploying (another pipeline pushed first); retrying from a fresh clone in {Delay} ms", options.BaseBranch ?? "the base branch", (int)delay.TotalMilliseconds);
            await Task.Delay(delay, time, cancellationToken);
        }
    }

    private static OverlayEdit PlanEdit(DeployOptions options, IGitOpsCheckout checkout) =>
        OverlayEditor.Plan(checkout.Tree, options.OverlayPath, options.Images, options.Settings);

    /// <summary>Exponential backoff with full jitter, so concurrent pipelines spread out.</summary>
    private static TimeSpan Backoff(TimeSpan baseDelay, int attempt)
    {
        var ceiling = baseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1);
        return TimeSpan.FromMilliseconds(ceiling / 2 + Random.Shared.NextDouble() * ceiling / 2);
    }
}
