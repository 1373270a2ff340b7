using GitOpsDeploy.Core.Pipeline;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Core.Steps.Attestations;
using GitOpsDeploy.Editing;
using GitOpsDeploy.Editing.Images;
using Microsoft.Extensions.Logging;

namespace GitOpsDeploy.Core.Steps.DigestPinning;

/// <summary>
/// Before anything is read: every image of a deploy is asked of its registry, and written with the digest the
/// registry confirms (<c>pin</c>: <c>name:tag@digest</c> or <c>name@digest</c>). A tag the registry does not have, a
/// registry that refuses the credentials or cannot be reached refuses the run here, naming the image and the
/// registry's answer, so nothing is written. A digest given in <c>images</c> is checked to exist. A multi-platform
/// index pins the index's digest (what a node pulls before choosing its platform).
/// </summary>
/// <remarks>
/// Promotion copies the digest the source environment runs, known only once the branch is read: it is checked
/// again by the <c>PinnedPlan</c> plan step. A rollback restores what ran before, exactly as it was written.
/// </remarks>
internal sealed class DigestPinningStep : IPreparationStep
{
    public async Task<DeployRequest> PrepareAsync(RunContext run, DeployRequest request, CancellationToken cancellationToken)
    {
        var supply = request.Supply;
        if (supply.VerifyAttestations && (request.Change.Kind == ChangeKind.Promote || (request.Change.Kind == ChangeKind.Deploy && request.Change.Images.Count > 0)))
        {
            // Inputs first: the attestation check's own (trusted root, token) are refused before any registry is asked.
            // A rollback verifies nothing (it restores what ran before), so it never needs them.
            // The check is kept for the run: the attestation step and each promotion attempt use the same one.
            _ = AttestationCheck.For(run, request);
        }

        if (request.Change.Kind != ChangeKind.Deploy || !supply.UsesRegistry || request.Change.Images.Count == 0)
        {
            return request;
        }

        var registry = run.Ports.Registry ?? throw new InvalidOperationException("pin or verify-attestations is set but no registry adapter was composed for the run");
        var pinned = new List<ImageSpec>();
        var resolved = new Dictionary<string, ResolvedImage>(StringComparer.Ordinal);
        using (run.Runtime.Group("Resolve image digests"))
        {
            foreach (var spec in request.Change.Images)
            {
                if (Unresolvable(spec) is { } why)
                {
                    if (supply.VerifyAttestations)
                    {
                        throw DeployException.Input("images", $"image '{spec.Name}': {why}, so there is no digest to verify an attestation for; give the full reference (NAME=REGISTRY/REPOSITORY:TAG)");
                    }

                    run.Runtime.Warning($"image '{spec.Name}' is written without a digest: {why} (pin)");
                    pinned.Add(spec);
                    continue;
                }

                var name = spec.Repository;
                var tag = spec.Tag.Kind == SpecPartKind.Set ? spec.Tag.Value : null;
                string digest;
                if (spec.Digest.Kind == SpecPartKind.Set)
                {
                    digest = spec.Digest.Value!;
                    var asked = $"{name}{(tag is null ? string.Empty : ":" + tag)}@{digest}";
                    var presence = await Ask(() => registry.ExistsAsync(asked, cancellationToken), spec, asked, supply);
                    if (!presence.Exists)
                    {
                        throw new DeployException(ErrorKind.NotFound, $"image '{spec.Name}': {asked} is not in its registry ({presence.Answer}); nothing was written");
                    }

                    run.Logger.LogInformation("{Image}: {Reference} is in its registry", spec.Name, asked);
                }
                else
                {
                    var asked = $"{name}:{tag}";
                    var manifest = await Ask(() => registry.ResolveAsync(asked, cancellationToken), spec, asked, supply);
                    digest = manifest.Digest;
                    run.Logger.LogInformation("{Image}: {Reference} is {Digest}{Index}", spec.Name, asked, digest, manifest.IsIndex ? " (a multi-platform index: its digest is pinned)" : string.Empty);
                }

                resolved[spec.Name] = new ResolvedImage(name, digest);
                pinned.Add(Pin(spec, digest, supply.Pin));
            }
        }

        return request with
        {
            Change = request.Change with { Images = pinned },
            Supply = supply with { Resolved = resolved },
        };
    }

    /// <summary>The spec as written: <c>tag-and-digest</c> keeps the tag next to the digest; <c>digest</c> drops it; <c>none</c> (attestations only) leaves the spec as given.</summary>
    public static ImageSpec Pin(ImageSpec spec, string digest, PinMode mode) => mode switch
    {
        PinMode.TagAndDigest => spec with { Digest = SpecPart.Set(digest) },
        PinMode.Digest => spec with { Tag = SpecPart.Absent, Digest = SpecPart.Set(digest) },
        _ => spec,
    };

    /// <summary>Why the registry cannot be asked for this spec (its reference depends on the overlay), or null.</summary>
    private static string? Unresolvable(ImageSpec spec)
    {
        if (spec.NewName.Kind == SpecPartKind.Keep || spec.Tag.Kind == SpecPartKind.Keep || spec.Digest.Kind == SpecPartKind.Keep)
        {
            return $"'{spec}' keeps a part of the overlay's reference ('*'), which is only known once the branch is read";
        }

        return spec.Tag.Kind != SpecPartKind.Set && spec.Digest.Kind != SpecPartKind.Set
            ? $"'{spec}' gives neither a tag nor a digest"
            : null;
    }

    /// <summary>One registry request; a failure names the image and says what to do, with the registry's own words.</summary>
    private static async Task<T> Ask<T>(Func<Task<T>> call, ImageSpec spec, string asked, SupplyChainOptions supply)
    {
        try
        {
            return await call();
        }
        catch (DeployException e)
        {
            var hint = e.Kind switch
            {
                ErrorKind.NotFound => "; push the image first, or check the tag",
                ErrorKind.AuthenticationFailed => "; give registry-username and registry-password (for ghcr.io, a token with packages: read)",
                ErrorKind.Transient => supply.VerifyAttestations ? string.Empty : "; with a registry the runner cannot reach, pin: none writes the tag without asking it",
                _ => string.Empty,
            };
            throw new DeployException(e.Kind, $"image '{spec.Name}' ({asked}): {e.Message}{hint}; nothing was written", e);
        }
    }
}
