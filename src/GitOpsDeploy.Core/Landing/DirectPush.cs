using GitOpsDeploy.Core.Pipeline;
using GitOpsDeploy.Core.Planning;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Core.Results;
using GitOpsDeploy.Editing;
using Microsoft.Extensions.Logging;

namespace GitOpsDeploy.Core.Landing;

/// <summary>
/// Push mode: one commit for every target, compare-and-swapped onto the branch tip it was planned on. A lost
/// race is another attempt; a refusal by the server (a hook, protection) is final.
/// </summary>
internal sealed class DirectPush : ILanding
{
    public async Task<Attempt<DeployResult>> LandAsync(RunContext run, DeployRequest request, IGitOpsSnapshot snapshot, PlanOutcome plan, int attempt, CancellationToken cancellationToken)
    {
        switch (plan)
        {
            case PlanOutcome.NothingToDo nothing:
                run.Logger.LogInformation("{Overlay} already has the requested images and values: nothing to do", string.Join(", ", nothing.Edits.Select(e => e.Edit.OverlayPath)));
                return Attempt<DeployResult>.Done(new DeployResult(new DeployOutcome.AlreadyThere(), nothing.Edits, snapshot.Branch, snapshot.HeadSha) { Attempts = attempt });
            case PlanOutcome.Superseded superseded:
                return Attempt<DeployResult>.Done(Superseded(run, superseded, snapshot, attempt));
            case PlanOutcome.Write write:
                var draft = await DraftAsync(run, snapshot, request, write, cancellationToken);
                if (draft.Redo is { } redo)
                {
                    return Attempt<DeployResult>.Again(redo);
                }

                if (request.Landing.DryRun)
                {
                    return Attempt<DeployResult>.Done(DryRun(run, write, draft, snapshot, attempt));
                }

                return await PublishAsync(run, request, snapshot, write, draft, attempt, cancellationToken);
            default:
                throw new InvalidOperationException($"a landing got a {plan.GetType().Name} plan");
        }
    }

    public string GiveUp(DeployRequest request, string branch) => $"{branch} of {request.GitOps.Display} kept moving";

    /// <summary>The commit of a plan, built (a clone) or described (the API) by the repository.</summary>
    public static async Task<CommitDraft> DraftAsync(RunContext run, IGitOpsSnapshot snapshot, DeployRequest request, PlanOutcome.Write plan, CancellationToken cancellationToken)
    {
        var draft = await run.Repository.DraftAsync(snapshot, new NewCommit(plan.Files, request.Landing.Author, plan.Message, run.Time.GetUtcNow()), cancellationToken);
        if (draft.Redo is null)
        {
            var summary = string.Join("; ", CommitMessage.Changing(plan.Edits).Select(e => $"{e.Target.Environment}: {CommitMessage.Summary(e.Edit)}"));
            if (draft.Sha.Length > 0)
            {
                run.Logger.LogInformation("Committed {Sha}: {Summary}", draft.Sha, summary);
            }
            else
            {
                run.Logger.LogInformation("Prepared the commit: {Summary}", summary);
            }
        }

        return draft;
    }

    /// <summary>Publishes the draft onto the branch it was planned on: pushed, another attempt, or the server's refusal.</summary>
    public static async Task<Attempt<DeployResult>> PublishAsync(RunContext run, DeployRequest request, IGitOpsSnapshot snapshot, PlanOutcome.Write plan, CommitDraft draft, int attempt, CancellationToken cancellationToken)
    {
        // Nothing is written after the runner asked us to stop, whatever the transport does with the token.
        cancellationToken.ThrowIfCancellationRequested();
        using (run.Runtime.Group($"Push to {snapshot.Branch}"))
        {
            switch (await run.Repository.PublishAsync(snapshot, draft, snapshot.Branch, PublishKind.Advance, cancellationToken))
            {
                case PublishOutcome.Published published:
                    run.Logger.LogInformation("Pushed {Sha} to {Branch}", published.Sha, snapshot.Branch);
                    return Attempt<DeployResult>.Done(new DeployResult(new DeployOutcome.Pushed(published.Sha, published.Verified), plan.Edits, snapshot.Branch, snapshot.HeadSha) { Attempts = attempt });
                case PublishOutcome.Rejected rejected:
                    throw Rejected(request, snapshot.Branch, rejected.Reason);
                case PublishOutcome.LostRace lost:
                    return Attempt<DeployResult>.Again($"another pipeline wrote {snapshot.Branch} first ({lost.Reason})");
                default:
                    throw new InvalidOperationException("unknown publish outcome");
            }
        }
    }

    public static DeployResult DryRun(RunContext run, PlanOutcome.Write plan, CommitDraft draft, IGitOpsSnapshot snapshot, int attempt)
    {
        using (run.Runtime.Group("Dry run: the diff that would be pushed"))
        {
            run.Logger.LogInformation("{Diff}", draft.Diff);
        }

        return new DeployResult(new DeployOutcome.DryRun(draft.Diff, draft.Sha.Length > 0 ? draft.Sha : null), plan.Edits, snapshot.Branch, snapshot.HeadSha) { Attempts = attempt };
    }

    /// <summary>Nothing is written: every image already runs from a newer build.</summary>
    public static DeployResult Superseded(RunContext run, PlanOutcome.Superseded plan, IGitOpsSnapshot snapshot, int attempt)
    {
        foreach (var by in plan.By)
        {
            run.Logger.LogWarning("{Image} in {Environment} was deployed from {Newer}, a newer commit than ours: not replaced (force: true deploys anyway)", by.Image, by.Environment, by.NewerSource);
        }

        return new DeployResult(new DeployOutcome.Superseded(plan.By), plan.Edits, snapshot.Branch, snapshot.HeadSha) { Attempts = attempt };
    }

    public static DeployException Rejected(DeployRequest request, string branch, string reason) =>
        new(ErrorKind.PushRejected, $"{request.GitOps.Display} rejected the push to '{branch}': {reason}. A server hook or branch protection refused it; use mode 'pull-request' for protected branches");
}
