using System.Collections.Concurrent;
using GitOpsDeploy.Calendar;
using GitOpsDeploy.Core.Pipeline;
using GitOpsDeploy.Core.Planning;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Editing;
using Microsoft.Extensions.Logging;

namespace GitOpsDeploy.Core.Steps.Freeze;

/// <summary>
/// The freeze calendar as a plan step: a commit is refused (nothing written) while Argo CD would not sync the
/// target's application (the AppProject's sync windows in the gitops repository) or a stop-the-line freeze names
/// the environment, saying until when. A plan step and not a preparation step because the calendar lives in the
/// gitops repository: it is read from the very commit the change is planned on, on every attempt, so a freeze
/// committed while this run retries a lost race stops it too, and a refused plan leaves nothing written.
/// override-freeze lets a change through only in a job whose environment, proven by its GitHub Actions ID token,
/// is the production target; the reason goes into a <c>Freeze-Override</c> trailer and the summary.
/// Rollbacks are never held: they restore the known-good release.
/// </summary>
internal sealed class FreezeStep : IPlanStep
{
    /// <summary>The audience of the ID token that proves the job's environment.</summary>
    public const string OverrideAudience = "gitops-deploy:override-freeze";

    public const string OverrideTrailer = "Freeze-Override";

    /// <summary>Warnings about the calendar files, shown once however many attempts read them.</summary>
    private readonly ConcurrentDictionary<string, bool> warned = new(StringComparer.Ordinal);

    public async Task<PlanOutcome> ApplyAsync(RunContext run, IGitOpsSnapshot snapshot, DeployRequest request, PlanOutcome plan, CancellationToken cancellationToken)
    {
        if (plan is not PlanOutcome.Write write || request.Change.Kind == ChangeKind.Rollback)
        {
            return plan;
        }

        var now = run.Time.GetUtcNow();
        var blocked = new List<(TargetEdit Edit, CalendarAnswer Answer)>();
        foreach (var edit in write.Edits.Where(e => e.Edit.Changed))
        {
            FreezeCheck check;
            try
            {
                check = await snapshot.ReadingAsync(() => FreezeCalendar.Check(snapshot.Tree, request.Gates, edit.Target, now), cancellationToken);
            }
            catch (DeployException e)
            {
                var named = request.Targets.Count == 1 ? e
                    : e.Location is { } at ? new DeployException(e.Kind, $"{edit.Target.Environment}: {e.Message}", at, e)
                    : new DeployException(e.Kind, $"{edit.Target.Environment}: {e.Message}", e);
                return new PlanOutcome.Refused(named, edit.Target.Environment);
            }

            foreach (var warning in check.Warnings.Where(w => warned.TryAdd(w, true)))
            {
                run.Runtime.Warning(warning);
            }

            if (!check.Answer.Allowed)
            {
                run.Logger.LogInformation("{Calendar}", check.Answer.ToText().TrimEnd());
                blocked.Add((edit, check.Answer));
            }
        }

        if (blocked.Count == 0)
        {
            return plan;
        }

        var what = string.Join("; ", blocked.Select(b => $"{b.Edit.Target.Environment} {b.Answer.Summary}"));
        if (request.Gates.OverrideReason is not { } reason)
        {
            // Only an approved production job may override, so the hint names what would (or says nothing can).
            var hint = blocked.Select(b => b.Edit.Target).FirstOrDefault(t => !t.Production) is { } notProduction
                ? $"{notProduction.Environment} is not a production environment, so override-freeze cannot deploy through its freeze"
                : $"override-freeze: <reason> deploys anyway, only in a job with environment: {blocked[0].Edit.Target.Environment}";
            return Refuse(blocked, $"freeze: {what}; nothing was written ({hint})");
        }

        if (await OverrideRefusalAsync(run, blocked.Select(b => b.Edit.Target).ToList(), cancellationToken) is { } refusal)
        {
            return Refuse(blocked, $"freeze: {what}; override-freeze is not honoured here: {refusal}");
        }

        run.Runtime.Warning($"override-freeze: deploying through the freeze ({what}): {reason}");
        var overridden = blocked.Select(b => b.Edit.Target.Environment).ToHashSet(StringComparer.Ordinal);
        var edits = write.Edits.Select(e => overridden.Contains(e.Target.Environment)
            ? e with { FreezeOverride = $"{reason} (overrode: {blocked.First(b => b.Edit.Target.Environment == e.Target.Environment).Answer.Summary})" }
            : e).ToList();
        return new PlanOutcome.Write(write.BaseSha, edits, write.Files, WithTrailer(write.Message, OverrideTrailer, reason));
    }

    /// <summary>Appends a trailer to a message that already ends with its trailers.</summary>
    public static string WithTrailer(string message, string key, string value) =>
        $"{message.ReplaceLineEndings("\n").TrimEnd('\n')}\n{key}: {value}\n";

    private static PlanOutcome.Refused Refuse(List<(TargetEdit Edit, CalendarAnswer Answer)> blocked, string message) =>
        new(new DeployException(ErrorKind.Policy, "policy " + message, new CalendarBlock(blocked)), blocked[0].Edit.Target.Environment);

    /// <summary>
    /// Why override-freeze cannot be honoured for <paramref name="targets"/>; null when it can. The job's environment is
    /// what GitHub puts in its ID token's <c>environment</c> claim (present only for a job with <c>environment:</c>
    /// whose protection rules passed), checked against the issuer's keys: neither an input nor a variable an earlier
    /// step could set can claim it.
    /// </summary>
    private static async Task<string?> OverrideRefusalAsync(RunContext run, IReadOnlyList<DeployTarget> targets, CancellationToken cancellationToken)
    {
        if (targets.FirstOrDefault(t => !t.Production) is { } notProduction)
        {
            return $"{notProduction.Environment} is not a production environment (production-environment), and only an approved production job may override a freeze";
        }

        if (run.Ports.Proofs is not { } proofs)
        {
            return "the run is not a GitHub Actions job, so no job environment vouches for it";
        }

        if (proofs.Unavailable is { } unavailable)
        {
            return unavailable + " (the job's environment is read from its ID token)";
        }

        var proof = await proofs.ProveAsync(OverrideAudience, cancellationToken);
        if (await proofs.CheckAsync(proof.Token, OverrideAudience, cancellationToken) is not ProofCheck.Verified { Claims: var claims })
        {
            return "this job's ID token did not verify against its issuer";
        }

        if (claims.Environment is not { } environment)
        {
            return $"this job has no environment (set environment: {targets[0].Environment} on the job, with required reviewers)";
        }

        return targets.FirstOrDefault(t => !t.Environment.Equals(environment, StringComparison.OrdinalIgnoreCase)) is { } other
            ? $"this job's environment is '{environment}', not {other.Environment}"
            : null;
    }
}
