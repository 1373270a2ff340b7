using System.Text.Json;

namespace GitOpsDeploy.Sigstore;

/// <summary>The in-toto statement an attestation's envelope carries, and the checks on its subject and predicate.</summary>
internal static class InTotoStatement
{
    public static readonly string[] StatementTypes = ["https://in-toto.io/Statement/v1", "https://in-toto.io/Statement/v0.1"];

    /// <summary>Checks the statement names the image (sha256) and an accepted predicate; returns the predicate type.</summary>
    public static string Check(SigstoreBundle bundle, string imageDigest, IReadOnlyList<string> predicateTypes)
    {
        if (bundle.PayloadType != Dsse.InTotoPayloadType)
        {
            throw new RefusalException(VerificationCheck.Statement, $"the envelope's payload type is \"{bundle.PayloadType}\", not \"{Dsse.InTotoPayloadType}\"");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bundle.Payload, Json.Strict);
        }
        catch (JsonException e)
        {
            throw new RefusalException(VerificationCheck.Statement, $"the in-toto statement is not JSON: {e.Message}");
        }

        using (document)
        {
            var statement = document.RootElement;
            try
            {
                var type = Json.RequiredString(statement, "_type");
                if (!StatementTypes.Contains(type))
                {
                    throw new RefusalException(VerificationCheck.Statement, $"the statement type is \"{type}\", not an in-toto statement v1 or v0.1");
                }

                var digests = new List<string>();
                var found = false;
                foreach (var subject in Json.RequiredArray(statement, "subject"))
                {
                    var sha256 = subject.TryGetProperty("digest", out var digest) ? Json.OptionalString(digest, "sha256") : null;
                    var name = Json.OptionalString(subject, "name");
                    digests.Add(sha256 is null ? $"{name ?? "(unnamed)"} (no sha256)" : $"{(name is null ? string.Empty : name + "@")}sha256:{sha256}");
                    found |= sha256 is not null && string.Equals(sha256, imageDigest, StringComparison.OrdinalIgnoreCase);
                }

                if (!found)
                {
                    var listed = digests.Count <= 5 ? string.Join(", ", digests) : $"{string.Join(", ", digests.Take(5))} and {digests.Count - 5} more";
                    throw new RefusalException(VerificationCheck.Subject, $"the attestation is not about sha256:{imageDigest}; its subjects are {(digests.Count == 0 ? "none" : listed)}");
                }

                var predicateType = Json.RequiredString(statement, "predicateType");
                if (!predicateTypes.Contains(predicateType, StringComparer.Ordinal))
                {
                    throw new RefusalException(VerificationCheck.PredicateType, $"the predicate type is \"{predicateType}\", expected {string.Join(" or ", predicateTypes)}");
                }

                return predicateType;
            }
            catch (FormatException e)
            {
                throw new RefusalException(VerificationCheck.Statement, $"the in-toto statement is malformed: {e.Message}");
            }
        }
    }

    /// <summary>Accepts <c>sha256:HEX</c> or bare hex; returns lower-case hex, or null when it is no SHA-256 digest.</summary>
    public static string? NormalizeDigest(string digest)
    {
        var hex = digest.StartsWith("sha256:", StringComparison.OrdinalIgnoreCase) ? digest[7..] : digest;
        return hex.Length == 64 && hex.All(Uri.IsHexDigit) ? hex.ToLowerInvariant() : null;
    }
}
