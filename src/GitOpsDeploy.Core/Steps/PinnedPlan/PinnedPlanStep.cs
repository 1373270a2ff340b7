using GitOpsDeploy.Core.Pipeline;
using GitOpsDeploy.Core.Planning;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Core.Steps.Attestations;
using GitOpsDeploy.Editing;

namespace GitOpsDeploy.Core.Steps.PinnedPlan;

/// <summary>
/// The supply-chain checks that need the branch, as a plan step (they run on every attempt, before the plan is
/// announced, so a refusal creates no deployment and writes nothing).
/// <list type="bullet">
/// <item>A deploy's digests were resolved before the branch was read, for the repository the spec names: the
/// overlay entry they land in must pull from that repository (an overlay's own <c>newName</c> would otherwise pair
/// one repository's digest with another's name).</item>
/// <item>A promotion copies the digests the source environment runs, which are only known once the branch is read:
/// each is asked of its registry again (a digest that disappeared is refused with the registry's answer), and with
/// verify-attestations its attestation is verified again for the commit that built it (from the source
/// environment's trailers), so production only receives what was attested and ran in staging.</item>
/// </list>
/// </summary>
internal sealed class PinnedPlanStep : IPlanStep
{
    public async Task<PlanOutcome> ApplyAsync(RunContext run, IGitOpsSnapshot snapshot, DeployRequest request, PlanOutcome plan, CancellationToken cancellationToken)
    {
        if (plan is not (PlanOutcome.Write or PlanOutcome.NothingToDo) || !request.Supply.UsesRegistry)
        {
            return plan;
        }

        try
        {
            return request.Change.Kind switch
            {
                ChangeKind.Deploy => CheckNames(request, plan),
                ChangeKind.Promote => await CheckPromotionAsync(run, snapshot, request, plan, cancellationToken),
                _ => plan,
            };
        }
        catch (DeployException e) when (e.Kind is ErrorKind.NotFound or ErrorKind.Policy or ErrorKind.InvalidInput)
        {
            return new PlanOutcome.Refused(e, plan.Edits.FirstOrDefault()?.Target.Environment ?? request.Targets[0].Environment);
        }
    }

    private static PlanOutcome CheckNames(DeployRequest request, PlanOutcome plan)
    {
        foreach (var edit in plan.Edits)
        {
            foreach (var image in edit.Edit.Images)
            {
                if (request.Supply.Resolved.TryGetValue(image.After.Name, out var resolved) && (image.After.NewName ?? image.After.Name) is var written && written != resolved.Repository)
                {
                    throw DeployException.Input("images", $"image '{image.After.Name}': {edit.Edit.OverlayPath} pulls it from '{written}', but its digest was resolved in '{resolved.Repository}'; give the image as {image.After.Name}={written}:TAG so the registry is asked for what is written; nothing was written");
                }
            }
        }

        return plan;
    }

    private static async Task<PlanOutcome> CheckPromotionAsync(RunContext run, IGitOpsSnapshot snapshot, DeployRequest request, PlanOutcome plan, CancellationToken cancellationToken)
    {
        var registry = run.Ports.Registry ?? throw new InvalidOperationException("pin or verify-attestations is set but no registry adapter was composed for the run");
        var attested = new List<AttestedImage>();
        AttestationCheck? check = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var edit in plan.Edits)
        {
            if (edit.Promotion is not { } promotion)
            {
                continue;
            }

            foreach (var promoted in promotion.Images.Where(i => seen.Add(i.Entry.ToString())))
            {
                var entry = promoted.Entry;
                if (entry.Digest is not { } digest)
                {
                    if (request.Supply.VerifyAttestations)
                    {
                        throw new DeployException(ErrorKind.Policy, $"image '{entry.Name}': {promotion.From} runs {CommitMessage.Reference(entry)} without a digest, so nothing proves which image ran there and there is no digest to verify an attestation for; deploy it to {promotion.From} with pin first; nothing was written");
                    }

                    run.Runtime.Warning($"image '{entry.Name}': {promotion.From} runs {CommitMessage.Reference(entry)} without a digest; it is promoted as it is (deploy it with pin to promote a digest)");
                    continue;
                }

                var reference = CommitMessage.Reference(entry);
                DigestPresence presence;
                try
                {
                    presence = await registry.ExistsAsync(reference, cancellationToken);
                }
                catch (DeployException e)
                {
                    throw new DeployException(e.Kind, $"image '{entry.Name}' ({reference}, promoted from {promotion.From}): {e.Message}; nothing was written", e);
                }

                if (!presence.Exists)
                {
                    throw new DeployException(ErrorKind.NotFound, $"image '{entry.Name}': {promotion.From} runs {reference}, which is no longer in its registry ({presence.Answer}); nothing was promoted");
                }

                if (request.Supply.VerifyAttestations)
                {
                    if (promoted.SourceCommit is null)
                    {
                        run.Runtime.Warning($"image '{entry.Name}': {promotion.From}'s history does not say which commit built {reference}; its attestation is verified for any commit of {request.Source.Repository}");
                    }

                    attested.Add(await (check ??= AttestationCheck.For(run, request)).VerifyAsync(entry.Name, digest, promoted.SourceCommit, cancellationToken));
                }
            }
        }

        // The trailers and the summary record what was verified: the same plan, made again with the attestations.
        return attested.Count == 0
            ? plan
            : await snapshot.ReadingAsync(() => run.Planner.Plan(snapshot, request with { Attestations = attested }).OrMiss(), cancellationToken);
    }
}
