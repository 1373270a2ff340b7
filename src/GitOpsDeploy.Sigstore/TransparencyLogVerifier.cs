using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace GitOpsDeploy.Sigstore;

/// <summary>
/// Checks a Rekor (v1) entry: that its body records this envelope's signature, payload and
/// certificate; its signed entry timestamp (inclusion promise); and its inclusion proof up to a
/// checkpoint signed by the log. Only a verified signed entry timestamp makes the integrated time
/// a trusted time: the inclusion proof does not cover it.
/// </summary>
internal static class TransparencyLogVerifier
{
    /// <summary>Verifies the entry; returns the integrated time when a signed entry timestamp proves it.</summary>
    public static DateTimeOffset? Verify(TransparencyLogEntry entry, SigstoreBundle bundle, X509Certificate2 leaf, TrustedRoot root)
    {
        var where = string.Create(CultureInfo.InvariantCulture, $"transparency log entry {entry.LogIndex}");
        if (entry.SignedEntryTimestamp is null && entry.InclusionProof is null)
        {
            throw Refuse($"{where} has neither an inclusion promise nor an inclusion proof");
        }

        VerifyBody(entry, bundle, leaf, where);

        var logs = root.TransparencyLogs.Where(l => CryptographicOperations.FixedTimeEquals(l.LogId, entry.LogId)).ToList();
        if (logs.Count == 0)
        {
            throw Refuse($"{where} is from log {Convert.ToHexStringLower(entry.LogId)}, which the {root.Name} trusted root does not trust");
        }

        DateTimeOffset? integrated = null;
        if (entry.SignedEntryTimestamp is not null)
        {
            var time = DateTimeOffset.FromUnixTimeSeconds(entry.IntegratedTime);
            var valid = logs.Where(l => l.ValidFor.Contains(time)).ToList();
            if (valid.Count == 0)
            {
                throw Refuse($"{where} was integrated at {Format(time)}, when the log's key was not trusted ({logs[0].ValidFor})");
            }

            var payload = SignedEntryTimestampPayload(entry);
            if (!valid.Any(l => l.Key.Verify(payload, entry.SignedEntryTimestamp)))
            {
                var unsupported = valid.Select(l => l.Key.Unsupported).FirstOrDefault(u => u is not null);
                throw Refuse(unsupported is null
                    ? $"{where}: the signed entry timestamp (inclusion promise) does not verify with the log's key"
                    : $"{where}: {unsupported}");
            }

            integrated = time;
        }

        if (entry.InclusionProof is not null)
        {
            VerifyInclusionProof(entry, entry.InclusionProof, logs, where);
        }

        return integrated;
    }

    /// <summary>
    /// The canonical JSON that Rekor signs as the inclusion promise:
    /// <c>{"body":base64(body),"integratedTime":t,"logID":hex(logId),"logIndex":i}</c>.
    /// </summary>
    internal static byte[] SignedEntryTimestampPayload(TransparencyLogEntry entry)
    {
        var payload = new JsonObject
        {
            ["body"] = Convert.ToBase64String(entry.CanonicalizedBody),
            ["integratedTime"] = entry.IntegratedTime,
            ["logID"] = Convert.ToHexStringLower(entry.LogId),
            ["logIndex"] = entry.LogIndex,
        };
        using var document = JsonDocument.Parse(payload.ToJsonString());
        return CanonicalJson.Serialize(document.RootElement);
    }

    private static void VerifyInclusionProof(TransparencyLogEntry entry, InclusionProof proof, List<TrustedLog> logs, string where)
    {
        var leafHash = Merkle.HashLeaf(entry.CanonicalizedBody);
        var computed = Merkle.RootFromInclusionProof(proof.LogIndex, proof.TreeSize, leafHash, proof.Hashes);
        if (computed is null)
        {
            throw Refuse(string.Create(CultureInfo.InvariantCulture,
                $"{where}: the inclusion proof ({proof.Hashes.Count} hashes) cannot place leaf {proof.LogIndex} in a tree of {proof.TreeSize}"));
        }

        if (!CryptographicOperations.FixedTimeEquals(computed, proof.RootHash))
        {
            throw Refuse($"{where}: the inclusion proof leads to root {Convert.ToHexStringLower(computed)}, not the proof's root {Convert.ToHexStringLower(proof.RootHash)}");
        }

        if (proof.Checkpoint is null)
        {
            throw Refuse($"{where}: the inclusion proof has no checkpoint, so its root hash is not signed by the log");
        }

        Checkpoint checkpoint;
        try
        {
            checkpoint = Checkpoint.Parse(proof.Checkpoint);
        }
        catch (FormatException e)
        {
            throw Refuse($"{where}: {e.Message}");
        }

        if (checkpoint.TreeSize != proof.TreeSize || !CryptographicOperations.FixedTimeEquals(checkpoint.RootHash, proof.RootHash))
        {
            throw Refuse(string.Create(CultureInfo.InvariantCulture,
                $"{where}: the checkpoint (size {checkpoint.TreeSize}, root {Convert.ToHexStringLower(checkpoint.RootHash)}) is not the tree of the inclusion proof (size {proof.TreeSize}, root {Convert.ToHexStringLower(proof.RootHash)})"));
        }

        var verified = checkpoint.Signatures.Any(signature => logs.Any(log =>
            CryptographicOperations.FixedTimeEquals(signature.KeyHint, (log.CheckpointKeyId ?? log.LogId).AsSpan(0, 4))
            && signature.Name == log.Origin
            && log.Key.Verify(checkpoint.SignedText, signature.Signature)));
        if (!verified)
        {
            throw Refuse($"{where}: the checkpoint \"{checkpoint.Origin}\" carries no signature that verifies with the log's key ({string.Join(", ", logs.Select(l => l.Origin))})");
        }
    }

    private static void VerifyBody(TransparencyLogEntry entry, SigstoreBundle bundle, X509Certificate2 leaf, string where)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(entry.CanonicalizedBody, Json.Strict);
        }
        catch (JsonException)
        {
            throw Refuse($"{where}: the entry body is not JSON");
        }

        using (document)
        {
            var body = document.RootElement;
            try
            {
                var kind = Json.RequiredString(body, "kind");
                var apiVersion = Json.RequiredString(body, "apiVersion");
                if (kind != entry.Kind || apiVersion != entry.KindVersion)
                {
                    throw Refuse($"{where}: the body is a {kind} {apiVersion} entry, the bundle says {entry.Kind} {entry.KindVersion}");
                }

                var spec = Json.Required(body, "spec");
                switch ((kind, apiVersion))
                {
                    case ("dsse", "0.0.1"):
                        {
                            var signatures = Json.RequiredArray(spec, "signatures").ToList();
                            if (signatures.Count != 1)
                            {
                                throw Refuse($"{where}: the entry records {signatures.Count} signatures, the envelope has one");
                            }

                            var signature = Json.RequiredBase64(signatures[0], "signature");
                            var verifier = Json.RequiredBase64(signatures[0], "verifier");
                            CheckBody(bundle, leaf, where, signature, Json.Required(spec, "payloadHash"), verifier);
                            break;
                        }

                    case ("intoto", "0.0.2"):
                        {
                            var content = Json.Required(spec, "content");
                            var signatures = Json.RequiredArray(Json.Required(content, "envelope"), "signatures").ToList();
                            if (signatures.Count != 1)
                            {
                                throw Refuse($"{where}: the entry records {signatures.Count} signatures, the envelope has one");
                            }

                            // intoto v0.0.2 stores the signature and key base64-encoded twice.
                            var signature = Json.Base64(Encoding.UTF8.GetString(Json.RequiredBase64(signatures[0], "sig")), "sig");
                            var verifier = Json.RequiredBase64(signatures[0], "publicKey");
                            CheckBody(bundle, leaf, where, signature, Json.Required(content, "payloadHash"), verifier);
                            break;
                        }

                    default:
                        throw Refuse($"{where} is a {kind} {apiVersion} entry; only dsse 0.0.1 and intoto 0.0.2 (Rekor v1) attestation entries are supported");
                }
            }
            catch (FormatException e)
            {
                throw Refuse($"{where}: the entry body is malformed: {e.Message}");
            }
        }
    }

    private static void CheckBody(SigstoreBundle bundle, X509Certificate2 leaf, string where, byte[] signature, JsonElement payloadHash, byte[] verifier)
    {
        if (!CryptographicOperations.FixedTimeEquals(signature, bundle.Signature))
        {
            throw Refuse($"{where} records a different signature than the bundle's envelope");
        }

        var algorithm = Json.RequiredString(payloadHash, "algorithm");
        var value = Json.RequiredString(payloadHash, "value");
        var actual = Convert.ToHexStringLower(SHA256.HashData(bundle.Payload));
        if (algorithm != "sha256" || !string.Equals(value, actual, StringComparison.OrdinalIgnoreCase))
        {
            throw Refuse($"{where} records payload {algorithm}:{value}, the envelope's payload is sha256:{actual}");
        }

        // The verifier is the signing certificate in PEM (some older entries: DER).
        byte[] der;
        try
        {
            var text = Encoding.ASCII.GetString(verifier);
            der = text.Contains("-----BEGIN", StringComparison.Ordinal)
                ? X509Certificate2.CreateFromPem(text).RawData
                : verifier;
        }
        catch (CryptographicException)
        {
            throw Refuse($"{where} records a verifier that is not a certificate");
        }

        if (!der.AsSpan().SequenceEqual(leaf.RawData))
        {
            throw Refuse($"{where} records a different signing certificate than the bundle's");
        }
    }

    private static RefusalException Refuse(string reason) => new(VerificationCheck.TransparencyLog, reason);

    private static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
}
