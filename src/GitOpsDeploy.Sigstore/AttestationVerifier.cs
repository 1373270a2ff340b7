using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace GitOpsDeploy.Sigstore;

/// <summary>
/// Verifies GitHub artifact attestations (Sigstore bundles with an in-toto SLSA provenance statement)
/// for a container image digest against trusted roots and a policy. Refusals are results, not exceptions.
/// </summary>
public sealed class AttestationVerifier
{
    private const string CodeSigningEku = "1.3.6.1.5.5.7.3.3";

    /// <summary>How far a proved signing time may be ahead of this machine's clock.</summary>
    internal static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(5);

    private readonly IReadOnlyList<TrustedRoot> _roots;
    private readonly TimeProvider _time;

    /// <summary>Verifies against the embedded Sigstore public-good and GitHub trusted roots.</summary>
    public AttestationVerifier()
        : this([TrustedRoot.PublicGood, TrustedRoot.GitHub])
    {
    }

    /// <summary>Verifies against the given trusted roots (see <see cref="TrustedRoot.LoadFile"/> for newer ones).</summary>
    public AttestationVerifier(IEnumerable<TrustedRoot> trustedRoots, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(trustedRoots);
        _roots = trustedRoots.ToList();
        if (_roots.Count == 0)
        {
            throw new ArgumentException("at least one trusted root is needed", nameof(trustedRoots));
        }

        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Verifies one Sigstore bundle (JSON) for an image digest (<c>sha256:HEX</c> or HEX).</summary>
    public AttestationVerificationResult VerifyBundle(string bundleJson, string imageDigest, AttestationPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(bundleJson);
        ArgumentNullException.ThrowIfNull(policy);
        PolicyCheck.Validate(policy);
        var digest = NormalizeDigest(imageDigest);
        try
        {
            using var document = JsonDocument.Parse(bundleJson, Json.Strict);
            return Verify(document.RootElement, digest, policy);
        }
        catch (JsonException e)
        {
            return AttestationVerificationResult.Refused(VerificationCheck.BundleFormat, $"the bundle is not JSON: {e.Message}");
        }
    }

    /// <summary>
    /// Verifies the response of GitHub's <c>GET /repos/{owner}/{repo}/attestations/{subject_digest}</c>
    /// (<c>{"attestations":[{"bundle":{...},"repository_id":...}]}</c>): the first attestation that verifies
    /// wins; when none does, the refusal lists why each was refused.
    /// </summary>
    public AttestationVerificationResult VerifyGitHubAttestations(string responseJson, string imageDigest, AttestationPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(responseJson);
        ArgumentNullException.ThrowIfNull(policy);
        PolicyCheck.Validate(policy);
        var digest = NormalizeDigest(imageDigest);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(responseJson, Json.Strict);
        }
        catch (JsonException e)
        {
            return AttestationVerificationResult.Refused(VerificationCheck.BundleFormat, $"the attestations response is not JSON: {e.Message}");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("attestations", out var attestations)
                || attestations.ValueKind != JsonValueKind.Array)
            {
                return AttestationVerificationResult.Refused(VerificationCheck.BundleFormat, "the response has no \"attestations\" array");
            }

            var refusals = new List<AttestationVerificationResult>();
            var index = 0;
            foreach (var attestation in attestations.EnumerateArray())
            {
                index++;
                AttestationVerificationResult result;
                if (attestation.ValueKind != JsonValueKind.Object
                    || !attestation.TryGetProperty("bundle", out var bundle) || bundle.ValueKind != JsonValueKind.Object)
                {
                    result = AttestationVerificationResult.Refused(VerificationCheck.BundleFormat,
                        "it has no inline bundle (a bundle_url must be fetched by the caller)");
                }
                else
                {
                    result = Verify(bundle, digest, policy);
                }

                if (result.IsVerified)
                {
                    return result;
                }

                refusals.Add(result);
            }

            if (refusals.Count == 0)
            {
                return AttestationVerificationResult.Refused(VerificationCheck.Subject, $"GitHub has no attestation for sha256:{digest}");
            }

            if (refusals.Count == 1)
            {
                return refusals[0];
            }

            var reasons = string.Join("; ", refusals.Select((r, i) => string.Create(CultureInfo.InvariantCulture, $"#{i + 1} ({r.FailedCheck}): {r.Reason}")));
            var first = refusals[0];
            return AttestationVerificationResult.Refused(first.FailedCheck!.Value,
                string.Create(CultureInfo.InvariantCulture, $"none of the {refusals.Count} attestations verified: {reasons}"), first.Identity, first.TrustedRoot);
        }
    }

    private static string NormalizeDigest(string imageDigest)
    {
        ArgumentNullException.ThrowIfNull(imageDigest);
        return InTotoStatement.NormalizeDigest(imageDigest)
            ?? throw new ArgumentException($"\"{imageDigest}\" is not a sha256 digest (sha256:<64 hex digits>)", nameof(imageDigest));
    }

    private AttestationVerificationResult Verify(JsonElement bundleJson, string digest, AttestationPolicy policy)
    {
        SigstoreBundle bundle;
        X509Certificate2 leaf;
        try
        {
            bundle = SigstoreBundle.Parse(bundleJson);
            leaf = X509CertificateLoader.LoadCertificate(bundle.LeafCertificate);
        }
        catch (RefusalException e)
        {
            return AttestationVerificationResult.Refused(e.Check, e.Message);
        }
        catch (CryptographicException e)
        {
            return AttestationVerificationResult.Refused(VerificationCheck.BundleFormat, $"the signing certificate is not X.509 DER: {e.Message}");
        }
        catch (Exception e) when (IsMalformedInput(e))
        {
            return AttestationVerificationResult.Refused(VerificationCheck.BundleFormat, $"the bundle is malformed: {e.Message}");
        }

        using (leaf)
        {
            var candidates = _roots
                .Where(r => r.CertificateAuthorities.Any(ca => NamesIssuer(ca, leaf)))
                .ToList();
            if (candidates.Count == 0)
            {
                return AttestationVerificationResult.Refused(VerificationCheck.CertificateChain,
                    $"the signing certificate was issued by \"{leaf.Issuer}\", which is no certificate authority of the trusted roots ({string.Join(", ", _roots.Select(r => r.Name))})");
            }

            AttestationVerificationResult? firstRefusal = null;
            foreach (var root in candidates)
            {
                var result = VerifyWithRoot(bundle, leaf, root, digest, policy);
                if (result.IsVerified)
                {
                    return result;
                }

                firstRefusal ??= result;
            }

            return firstRefusal!;
        }
    }

    private AttestationVerificationResult VerifyWithRoot(SigstoreBundle bundle, X509Certificate2 leaf, TrustedRoot root, string digest, AttestationPolicy policy)
    {
        SignerIdentity? identity = null;
        try
        {
            // 1. Proofs of time: every log entry and timestamp present must verify.
            var times = new List<(DateTimeOffset Time, TimeProof Proof)>();
            long? logIndex = null;
            foreach (var entry in bundle.TransparencyLogEntries)
            {
                var integrated = TransparencyLogVerifier.Verify(entry, bundle, leaf, root);
                logIndex ??= entry.LogIndex;
                if (integrated is { } t)
                {
                    times.Add((t, TimeProof.TransparencyLog));
                }
            }

            for (var i = 0; i < bundle.Rfc3161Timestamps.Count; i++)
            {
                times.Add((TimestampVerifier.Verify(bundle.Rfc3161Timestamps[i], bundle.Signature, root, i), TimeProof.TimestampAuthority));
            }

            if (times.Count == 0)
            {
                throw new RefusalException(VerificationCheck.SigningTime, bundle.TransparencyLogEntries.Count == 0
                    ? "the bundle proves no signing time: it has neither a transparency log entry nor an RFC 3161 timestamp"
                    : "the bundle proves no signing time: its transparency log entry has no signed entry timestamp, and it has no RFC 3161 timestamp");
            }

            var now = _time.GetUtcNow();
            foreach (var (time, proof) in times)
            {
                if (time > now + MaxClockSkew)
                {
                    throw new RefusalException(VerificationCheck.SigningTime,
                        $"the {Describe(proof)} says the signature was made at {Format(time)}, in the future (now is {Format(now)})");
                }
            }

            // 2. The certificate: chains to a trusted Fulcio CA at every proved time, for code signing, logged in CT.
            var issuerKey = Array.Empty<byte>();
            foreach (var (time, proof) in times)
            {
                issuerKey = CheckChain(leaf, root, time, proof);
            }

            CheckCodeSigning(leaf);
            CertificateTransparency.Verify(leaf, issuerKey, root);

            // 3. The envelope's signature.
            var key = VerificationKey.FromCertificate(leaf);
            if (!key.Verify(Dsse.PreAuthEncoding(bundle.PayloadType, bundle.Payload), bundle.Signature))
            {
                throw new RefusalException(VerificationCheck.Signature,
                    key.Unsupported ?? $"the DSSE envelope's signature does not verify with the signing certificate's {key.Description} key");
            }

            // 4. The statement, 5. the signer.
            identity = SignerIdentity.FromCertificate(leaf);
            var predicateType = InTotoStatement.Check(bundle, digest, policy.PredicateTypes);
            PolicyCheck.Check(identity, policy);

            var tlog = times.Where(t => t.Proof == TimeProof.TransparencyLog).ToList();
            var signingTime = tlog.Count > 0 ? tlog[0].Time : times[0].Time;
            var proofs = times.Aggregate(TimeProof.None, (acc, t) => acc | t.Proof);
            return AttestationVerificationResult.Verified(identity, signingTime, proofs, logIndex, predicateType, root.Name);
        }
        catch (RefusalException e)
        {
            return AttestationVerificationResult.Refused(e.Check, e.Message, identity ?? TryIdentity(leaf), root.Name);
        }
        catch (Exception e) when (IsMalformedInput(e))
        {
            return AttestationVerificationResult.Refused(VerificationCheck.BundleFormat, $"the bundle could not be read: {e.Message}", identity ?? TryIdentity(leaf), root.Name);
        }
    }

    /// <summary>What reading hostile input can throw: a refusal, not a crash.</summary>
    private static bool IsMalformedInput(Exception e) =>
        e is FormatException or InvalidOperationException or CryptographicException or System.Formats.Asn1.AsnContentException
            or OverflowException or ArgumentException or JsonException;

    /// <summary>Returns the SubjectPublicKeyInfo of the CA certificate that issued the leaf (for the SCT's issuer key hash).</summary>
    private static byte[] CheckChain(X509Certificate2 leaf, TrustedRoot root, DateTimeOffset time, TimeProof proof)
    {
        var trusted = root.CertificateAuthorities.Where(ca => ca.ValidFor.Contains(time)).ToList();
        if (trusted.Count == 0)
        {
            throw new RefusalException(VerificationCheck.CertificateChain,
                $"no certificate authority of the {root.Name} trusted root is trusted at {Format(time)} ({Describe(proof)})");
        }

        var errors = new List<string>();
        foreach (var ca in trusted)
        {
            var error = CertificateChains.Build(leaf, ca.Chain, time, out var chain);
            if (error is null)
            {
                using (chain)
                {
                    // A chain has the leaf and at least its (self-signed) root: element 1 issued the leaf.
                    return chain!.ChainElements[1].Certificate.PublicKey.ExportSubjectPublicKeyInfo();
                }
            }

            errors.Add(error);
        }

        // The error of a CA whose issuing certificate names the leaf's issuer is the relevant one.
        var relevant = trusted
            .Select((ca, i) => (ca, error: errors[i]))
            .FirstOrDefault(x => NamesIssuer(x.ca, leaf)).error ?? errors[0];
        throw new RefusalException(VerificationCheck.CertificateChain, $"signed at {Format(time)} ({Describe(proof)}): {relevant}");
    }

    /// <summary>True when one of the authority's certificates has the leaf's issuer name (Fulcio issues from its intermediates).</summary>
    private static bool NamesIssuer(TrustedAuthority authority, X509Certificate2 leaf) =>
        authority.Chain.Any(c => c.SubjectName.RawData.AsSpan().SequenceEqual(leaf.IssuerName.RawData));

    internal static void CheckCodeSigning(X509Certificate2 leaf)
    {
        var eku = leaf.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault();
        if (eku is null || !eku.EnhancedKeyUsages.Cast<Oid>().Any(o => o.Value == CodeSigningEku))
        {
            throw new RefusalException(VerificationCheck.CertificateChain, "the signing certificate is not for code signing (no code-signing extended key usage)");
        }

        if (leaf.Extensions.OfType<X509BasicConstraintsExtension>().Any(b => b.CertificateAuthority))
        {
            throw new RefusalException(VerificationCheck.CertificateChain, "the signing certificate is a CA certificate, not a Fulcio signing certificate");
        }

        var usage = leaf.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault();
        if (usage is not null && !usage.KeyUsages.HasFlag(X509KeyUsageFlags.DigitalSignature))
        {
            throw new RefusalException(VerificationCheck.CertificateChain, "the signing certificate's key usage does not allow digital signatures");
        }
    }

    private static SignerIdentity? TryIdentity(X509Certificate2 leaf)
    {
        try
        {
            return SignerIdentity.FromCertificate(leaf);
        }
        catch (RefusalException)
        {
            return null;
        }
    }

    private static string Describe(TimeProof proof) => proof switch
    {
        TimeProof.TransparencyLog => "transparency log's integrated time",
        TimeProof.TimestampAuthority => "RFC 3161 timestamp",
        _ => proof.ToString(),
    };

    private static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
}
