using GitOpsDeploy.Core.Pipeline;
using GitOpsDeploy.Core.Requests;

namespace GitOpsDeploy.Core.Steps.Attestations;

/// <summary>
/// verify-attestations, for a deploy: after the digests are pinned (it runs after <c>DigestPinningStep</c>), each
/// image's digest must have a GitHub artifact attestation of the source repository that verifies for the deployed
/// commit (<see cref="AttestationCheck"/>). A refusal throws before anything is read, so nothing is written and no
/// deployment is created; what verified becomes the <c>Attested-By</c> trailers and a line of the summary.
/// </summary>
/// <remarks>Promotions are verified again once the source environment's digests are read (<c>PinnedPlan</c> plan step); rollbacks restore what ran before.</remarks>
internal sealed class AttestationStep : IPreparationStep
{
    public async Task<DeployRequest> PrepareAsync(RunContext run, DeployRequest request, CancellationToken cancellationToken)
    {
        if (!request.Supply.VerifyAttestations || request.Change.Kind != ChangeKind.Deploy || request.Change.Images.Count == 0)
        {
            return request;
        }

        var attested = new List<AttestedImage>();
        var check = AttestationCheck.For(run, request);
        using (run.Runtime.Group("Verify attestations"))
        {
            foreach (var spec in request.Change.Images)
            {
                // Pinning resolved every image (or refused the run): its digest is what the attestation must name.
                var digest = request.Supply.Resolved.TryGetValue(spec.Name, out var resolved)
                    ? resolved.Digest
                    : throw new InvalidOperationException($"image '{spec.Name}' reached the attestation check without a resolved digest");
                attested.Add(await check.VerifyAsync(spec.Name, digest, request.Source.Sha, cancellationToken));
            }
        }

        return request with { Attestations = attested };
    }
}
