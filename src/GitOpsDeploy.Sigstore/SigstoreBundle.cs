using System.Text.Json;

namespace GitOpsDeploy.Sigstore;

/// <summary>
/// The parts of a Sigstore bundle (media types v0.1, v0.2 and v0.3) that an attestation check reads.
/// Parsing enforces the shape each version promises: v0.1 entries carry a signed entry timestamp,
/// v0.2 and later entries an inclusion proof with a checkpoint, and v0.3 a single certificate.
/// </summary>
internal sealed class SigstoreBundle
{
    public required string MediaType { get; init; }

    /// <summary>The minor version: 1, 2 or 3.</summary>
    public required int Version { get; init; }

    /// <summary>DER of the signing (leaf) certificate.</summary>
    public required byte[] LeafCertificate { get; init; }

    public required string PayloadType { get; init; }

    public required byte[] Payload { get; init; }

    public required byte[] Signature { get; init; }

    public required IReadOnlyList<TransparencyLogEntry> TransparencyLogEntries { get; init; }

    /// <summary>DER-encoded RFC 3161 TimeStampResp (or bare token) values.</summary>
    public required IReadOnlyList<byte[]> Rfc3161Timestamps { get; init; }

    public static SigstoreBundle Parse(JsonElement bundle)
    {
        try
        {
            return ParseCore(bundle);
        }
        catch (FormatException e)
        {
            throw RefusalException.Format($"the bundle is malformed: {e.Message}");
        }
    }

    private static SigstoreBundle ParseCore(JsonElement bundle)
    {
        if (bundle.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("a bundle is a JSON object");
        }

        var mediaType = Json.RequiredString(bundle, "mediaType");
        var version = mediaType switch
        {
            "application/vnd.dev.sigstore.bundle+json;version=0.1" => 1,
            "application/vnd.dev.sigstore.bundle+json;version=0.2" => 2,
            "application/vnd.dev.sigstore.bundle+json;version=0.3" => 3,
            "application/vnd.dev.sigstore.bundle.v0.3+json" => 3,
            _ => throw RefusalException.Format($"unsupported bundle media type \"{mediaType}\" (expected Sigstore bundle v0.1, v0.2 or v0.3)"),
        };

        if (bundle.TryGetProperty("messageSignature", out _))
        {
            throw RefusalException.Format("the bundle signs a blob (messageSignature), not an attestation (dsseEnvelope)");
        }

        var envelope = Json.Required(bundle, "dsseEnvelope");
        var signatures = Json.RequiredArray(envelope, "signatures").ToList();
        if (signatures.Count != 1)
        {
            throw RefusalException.Format($"the DSSE envelope has {signatures.Count} signatures; a Sigstore bundle carries exactly one");
        }

        var material = Json.Required(bundle, "verificationMaterial");
        byte[] leaf;
        if (material.TryGetProperty("certificate", out var certificate) && certificate.ValueKind == JsonValueKind.Object)
        {
            leaf = Json.RequiredBase64(certificate, "rawBytes");
        }
        else if (material.TryGetProperty("x509CertificateChain", out var chain) && chain.ValueKind == JsonValueKind.Object)
        {
            if (version >= 3)
            {
                throw RefusalException.Format("a v0.3 bundle carries a single \"certificate\", not \"x509CertificateChain\"");
            }

            var first = Json.RequiredArray(chain, "certificates").FirstOrDefault();
            if (first.ValueKind == JsonValueKind.Undefined)
            {
                throw RefusalException.Format("the bundle's certificate chain is empty");
            }

            leaf = Json.RequiredBase64(first, "rawBytes");
        }
        else if (material.TryGetProperty("publicKey", out _))
        {
            throw RefusalException.Format("the bundle is signed with a long-lived public key, not a Fulcio certificate");
        }
        else
        {
            throw RefusalException.Format("the bundle has no signing certificate");
        }

        var entries = Json.OptionalArray(material, "tlogEntries").Select(e => TransparencyLogEntry.Parse(e, version)).ToList();
        var timestamps = material.TryGetProperty("timestampVerificationData", out var tvd) && tvd.ValueKind == JsonValueKind.Object
            ? Json.OptionalArray(tvd, "rfc3161Timestamps").Select(t => Json.RequiredBase64(t, "signedTimestamp")).ToList()
            : [];

        var signature = Json.RequiredBase64(signatures[0], "sig");
        if (signature.Length == 0)
        {
            throw new FormatException("the DSSE signature is empty");
        }

        return new SigstoreBundle
        {
            MediaType = mediaType,
            Version = version,
            LeafCertificate = leaf,
            PayloadType = Json.RequiredString(envelope, "payloadType"),
            Payload = Json.RequiredBase64(envelope, "payload"),
            Signature = signature,
            TransparencyLogEntries = entries,
            Rfc3161Timestamps = timestamps,
        };
    }
}

/// <summary>A Rekor entry as a bundle carries it.</summary>
internal sealed class TransparencyLogEntry
{
    public required long LogIndex { get; init; }

    public required byte[] LogId { get; init; }

    public required string Kind { get; init; }

    public required string KindVersion { get; init; }

    /// <summary>Seconds since the epoch; 0 when the log did not give one (Rekor v2).</summary>
    public required long IntegratedTime { get; init; }

    public required byte[]? SignedEntryTimestamp { get; init; }

    public required InclusionProof? InclusionProof { get; init; }

    public required byte[] CanonicalizedBody { get; init; }

    public static TransparencyLogEntry Parse(JsonElement entry, int bundleVersion)
    {
        var kindVersion = Json.Required(entry, "kindVersion");
        byte[]? set = null;
        if (entry.TryGetProperty("inclusionPromise", out var promise) && promise.ValueKind == JsonValueKind.Object)
        {
            set = Json.RequiredBase64(promise, "signedEntryTimestamp");
        }

        InclusionProof? proof = null;
        if (entry.TryGetProperty("inclusionProof", out var p) && p.ValueKind == JsonValueKind.Object)
        {
            proof = new InclusionProof
            {
                LogIndex = Json.RequiredInt64(p, "logIndex"),
                RootHash = Json.RequiredBase64(p, "rootHash"),
                TreeSize = Json.RequiredInt64(p, "treeSize"),
                Hashes = Json.OptionalArray(p, "hashes").Select(h => Json.Base64(h.GetString() ?? string.Empty, "hashes")).ToList(),
                Checkpoint = p.TryGetProperty("checkpoint", out var c) && c.ValueKind == JsonValueKind.Object
                    ? Json.OptionalString(c, "envelope")
                    : null,
            };
        }

        if (bundleVersion == 1 && set is null)
        {
            throw new FormatException("a v0.1 bundle's transparency log entry must carry an inclusion promise (signed entry timestamp)");
        }

        if (bundleVersion >= 2 && (proof is null || proof.Checkpoint is null))
        {
            throw new FormatException("a v0.2+ bundle's transparency log entry must carry an inclusion proof with a checkpoint");
        }

        return new TransparencyLogEntry
        {
            LogIndex = Json.RequiredInt64(entry, "logIndex"),
            LogId = Json.RequiredBase64(Json.Required(entry, "logId"), "keyId"),
            Kind = Json.RequiredString(kindVersion, "kind"),
            KindVersion = Json.RequiredString(kindVersion, "version"),
            IntegratedTime = Json.OptionalInt64(entry, "integratedTime") ?? 0,
            SignedEntryTimestamp = set,
            InclusionProof = proof,
            CanonicalizedBody = Json.RequiredBase64(entry, "canonicalizedBody"),
        };
    }
}

internal sealed class InclusionProof
{
    public required long LogIndex { get; init; }

    public required byte[] RootHash { get; init; }

    public required long TreeSize { get; init; }

    public required IReadOnlyList<byte[]> Hashes { get; init; }

    public required string? Checkpoint { get; init; }
}
