using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace GitOpsDeploy.Sigstore.Tests;

/// <summary>
/// One change to a real, verifying bundle at a time: each must be refused by the check that guards it.
/// </summary>
[Trait("Tier", "Unit")]
public sealed class TamperedRealBundleTests
{
    private const string PublicDigest = "a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf";
    private const string PrivateDigest = "ae57936def59bc4c75edd3a837d89bcefc6d3a5e31d55a6fa7a71624f92c3c3b";
    private static readonly AttestationPolicy PublicPolicy = Fixture.Cloud("sigstore-conformance/extremely-dangerous-public-oidc-beacon");
    private static readonly AttestationPolicy PrivatePolicy = Fixture.Cloud("actions/attest-demo");
    private static readonly AttestationVerifier Verifier = new();

    private static AttestationVerificationResult Public(Action<JsonObject> edit) =>
        Verifier.VerifyBundle(Fixture.Edit(Fixture.Real("rust-happy-path.sigstore.json"), edit), PublicDigest, PublicPolicy);

    private static AttestationVerificationResult Private(Action<JsonObject> edit) =>
        Verifier.VerifyBundle(Fixture.Edit(Fixture.Real("cli-github-private-provenance.sigstore.json"), edit), PrivateDigest, PrivatePolicy);

    private static JsonObject Entry(JsonObject bundle) => bundle["verificationMaterial"]!["tlogEntries"]![0]!.AsObject();

    private static void Refused(AttestationVerificationResult result, VerificationCheck check, string reason)
    {
        Assert.False(result.IsVerified, "expected a refusal");
        Assert.True(result.FailedCheck == check, $"expected {check}, got {result}");
        Assert.Contains(reason, result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void The_untouched_bundles_verify()
    {
        Assert.True(Public(_ => { }).IsVerified);
        Assert.True(Private(_ => { }).IsVerified);
    }

    [Fact]
    public void A_forged_signed_entry_timestamp_is_refused() =>
        Refused(Public(b =>
        {
            var promise = Entry(b)["inclusionPromise"]!.AsObject();
            promise["signedEntryTimestamp"] = Fixture.FlipBase64((string)promise["signedEntryTimestamp"]!, -3);
        }), VerificationCheck.TransparencyLog, "signed entry timestamp (inclusion promise) does not verify");

    [Fact]
    public void A_moved_integrated_time_breaks_the_signed_entry_timestamp() =>
        Refused(Public(b =>
        {
            var entry = Entry(b);
            entry["integratedTime"] = (long.Parse((string)entry["integratedTime"]!, CultureInfo.InvariantCulture) - 60).ToString(CultureInfo.InvariantCulture);
        }), VerificationCheck.TransparencyLog, "signed entry timestamp");

    [Fact]
    public void A_changed_log_index_breaks_the_signed_entry_timestamp() =>
        Refused(Public(b => Entry(b)["logIndex"] = "1"), VerificationCheck.TransparencyLog, "signed entry timestamp");

    [Fact]
    public void A_tampered_inclusion_proof_hash_is_refused() =>
        Refused(Public(b =>
        {
            var hashes = Entry(b)["inclusionProof"]!["hashes"]!.AsArray();
            hashes[2] = Fixture.FlipBase64((string)hashes[2]!, 7);
        }), VerificationCheck.TransparencyLog, "inclusion proof leads to root");

    [Fact]
    public void A_dropped_inclusion_proof_hash_is_refused() =>
        Refused(Public(b => Entry(b)["inclusionProof"]!["hashes"]!.AsArray().RemoveAt(0)), VerificationCheck.TransparencyLog, "inclusion proof");

    [Fact]
    public void An_inclusion_proof_for_another_tree_size_is_refused() =>
        Refused(Public(b =>
        {
            var proof = Entry(b)["inclusionProof"]!.AsObject();
            proof["treeSize"] = (long.Parse((string)proof["treeSize"]!, CultureInfo.InvariantCulture) + 1).ToString(CultureInfo.InvariantCulture);
        }), VerificationCheck.TransparencyLog, "inclusion proof");

    [Fact]
    public void A_checkpoint_whose_note_was_edited_is_refused()
    {
        Refused(Public(b =>
        {
            var checkpoint = Entry(b)["inclusionProof"]!["checkpoint"]!.AsObject();
            var envelope = (string)checkpoint["envelope"]!;
            var lines = envelope.Split('\n');
            lines[0] += "x"; // the origin line is signed too
            checkpoint["envelope"] = string.Join('\n', lines);
        }), VerificationCheck.TransparencyLog, "no signature that verifies");
    }

    [Fact]
    public void A_checkpoint_for_another_root_is_refused()
    {
        Refused(Public(b =>
        {
            var checkpoint = Entry(b)["inclusionProof"]!["checkpoint"]!.AsObject();
            var lines = ((string)checkpoint["envelope"]!).Split('\n');
            lines[2] = Fixture.FlipBase64(lines[2]);
            checkpoint["envelope"] = string.Join('\n', lines);
        }), VerificationCheck.TransparencyLog, "is not the tree of the inclusion proof");
    }

    [Fact]
    public void A_checkpoint_signed_under_another_name_is_refused()
    {
        Refused(Public(b =>
        {
            var checkpoint = Entry(b)["inclusionProof"]!["checkpoint"]!.AsObject();
            checkpoint["envelope"] = ((string)checkpoint["envelope"]!).Replace("\u2014 rekor.sigstore.dev ", "\u2014 rekor.example.com ", StringComparison.Ordinal);
        }), VerificationCheck.TransparencyLog, "no signature that verifies");
    }

    [Fact]
    public void An_entry_for_another_payload_is_refused()
    {
        Refused(Public(b =>
        {
            var envelope = b["dsseEnvelope"]!.AsObject();
            var payload = Encoding.UTF8.GetString(Convert.FromBase64String((string)envelope["payload"]!));
            envelope["payload"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(payload.Replace("a.txt", "b.txt", StringComparison.Ordinal)));
        }), VerificationCheck.TransparencyLog, "records payload sha256:");
    }

    [Fact]
    public void An_envelope_signature_that_is_not_the_logged_one_is_refused() =>
        Refused(Public(b =>
        {
            var signature = b["dsseEnvelope"]!["signatures"]![0]!.AsObject();
            signature["sig"] = Fixture.FlipBase64((string)signature["sig"]!, 10);
        }), VerificationCheck.TransparencyLog, "different signature");

    [Fact]
    public void An_entry_from_an_untrusted_log_is_refused() =>
        Refused(Public(b => Entry(b)["logId"]!["keyId"] = Convert.ToBase64String(new byte[32])), VerificationCheck.TransparencyLog, "does not trust");

    [Fact]
    public void A_bundle_without_log_entry_or_timestamp_proves_no_time() =>
        Refused(Public(b => b["verificationMaterial"]!["tlogEntries"] = new JsonArray()), VerificationCheck.SigningTime, "neither a transparency log entry nor an RFC 3161 timestamp");

    [Fact]
    public void A_v03_bundle_entry_without_inclusion_proof_is_malformed() =>
        Refused(Public(b => Entry(b).Remove("inclusionProof")), VerificationCheck.BundleFormat, "inclusion proof with a checkpoint");

    [Fact]
    public void A_leaf_certificate_swapped_for_another_fulcio_certificate_is_refused()
    {
        var other = (string)Fixture.Edit(Fixture.Real("cli-reusable-workflow.sigstore.json"), _ => { }) is var json
            ? (string)System.Text.Json.Nodes.JsonNode.Parse(json)!["verificationMaterial"]!["certificate"]!["rawBytes"]!
            : throw new InvalidOperationException();
        var result = Public(b => b["verificationMaterial"]!["certificate"]!["rawBytes"] = other);

        // The log entry records the certificate that signed: another one does not match it.
        Refused(result, VerificationCheck.TransparencyLog, "different signing certificate");
    }

    [Fact]
    public void A_timestamp_over_another_signature_is_refused() =>
        Refused(Private(b =>
        {
            var signature = b["dsseEnvelope"]!["signatures"]![0]!.AsObject();
            signature["sig"] = Fixture.FlipBase64((string)signature["sig"]!, 10);
        }), VerificationCheck.TimestampAuthority, "does not verify");

    [Fact]
    public void A_tampered_timestamp_token_is_refused() =>
        Refused(Private(b =>
        {
            var timestamp = b["verificationMaterial"]!["timestampVerificationData"]!["rfc3161Timestamps"]![0]!.AsObject();
            timestamp["signedTimestamp"] = Fixture.FlipBase64((string)timestamp["signedTimestamp"]!, -5);
        }), VerificationCheck.TimestampAuthority, "RFC 3161 timestamp 1");

    [Fact]
    public void A_tampered_payload_under_a_valid_timestamp_fails_the_envelope_signature() =>
        Refused(Private(b =>
        {
            var envelope = b["dsseEnvelope"]!.AsObject();
            var payload = Encoding.UTF8.GetString(Convert.FromBase64String((string)envelope["payload"]!));
            envelope["payload"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(payload.Replace("refs/heads/main", "refs/heads/evil", StringComparison.Ordinal)));
        }), VerificationCheck.Signature, "does not verify with the signing certificate's ECDSA P-256 key");

    [Fact]
    public void Without_a_timestamp_a_private_bundle_proves_no_time() =>
        Refused(Private(b => b["verificationMaterial"]!.AsObject().Remove("timestampVerificationData")), VerificationCheck.SigningTime, "proves no signing time");

    [Fact]
    public void A_signing_time_outside_the_trusted_roots_ca_period_is_refused()
    {
        // The 2024-04 GitHub certificate chains to a CA trusted until 2024-05-25: a root that trusts it only later refuses.
        var json = Fixture.EmbeddedRoot("github.json");
        var edited = Fixture.Edit(json, root =>
        {
            foreach (var ca in root["certificateAuthorities"]!.AsArray())
            {
                ca!["validFor"]!["start"] = "2024-06-01T00:00:00Z";
            }
        });
        var verifier = new AttestationVerifier([TrustedRoot.Parse(edited, "GitHub (edited)")]);

        var result = verifier.VerifyBundle(Fixture.Real("cli-github-private-provenance.sigstore.json"), PrivateDigest, PrivatePolicy);

        Refused(result, VerificationCheck.CertificateChain, "no certificate authority of the GitHub (edited) trusted root is trusted at 2024-04-22T17:33:26Z");
    }

    [Fact]
    public void A_statement_with_a_duplicate_member_is_refused_even_when_signed()
    {
        // Parsers disagree on which "subject" wins, so a signer's tools and this verifier could read two
        // different statements from one signed payload: this verifier reads neither.
        var statement = "{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[],\"subject\":[]}";
        var bundle = InTotoStatementBundle(statement);

        var refusal = Assert.Throws<RefusalException>(() => InTotoStatement.Check(bundle, PrivateDigest, [AttestationPolicy.SlsaProvenanceV1]));

        Assert.Equal(VerificationCheck.Statement, refusal.Check);
        Assert.Contains("not JSON", refusal.Message, StringComparison.Ordinal);
    }

    private static SigstoreBundle InTotoStatementBundle(string statement) => new()
    {
        MediaType = "application/vnd.dev.sigstore.bundle.v0.3+json",
        Version = 3,
        LeafCertificate = [],
        PayloadType = Dsse.InTotoPayloadType,
        Payload = Encoding.UTF8.GetBytes(statement),
        Signature = [1],
        TransparencyLogEntries = [],
        Rfc3161Timestamps = [],
    };

    [Fact]
    public void A_timestamp_outside_its_authoritys_trusted_period_is_refused()
    {
        var edited = Fixture.Edit(Fixture.EmbeddedRoot("github.json"), root =>
        {
            foreach (var tsa in root["timestampAuthorities"]!.AsArray())
            {
                tsa!["validFor"]!["end"] = "2024-01-01T00:00:00Z";
            }
        });
        var verifier = new AttestationVerifier([TrustedRoot.Parse(edited, "GitHub (edited)")]);

        var result = verifier.VerifyBundle(Fixture.Real("cli-github-private-provenance.sigstore.json"), PrivateDigest, PrivatePolicy);

        Refused(result, VerificationCheck.TimestampAuthority, "the timestamp says 2024-04-22T17:33:26Z");
    }

    [Fact]
    public void A_timestamp_authority_whose_certificate_does_not_chain_to_its_root_is_refused()
    {
        var foreignRoot = (string)System.Text.Json.Nodes.JsonNode.Parse(Fixture.EmbeddedRoot("public-good.json"))!
            ["certificateAuthorities"]![0]!["certChain"]!["certificates"]![0]!["rawBytes"]!;
        var edited = Fixture.Edit(Fixture.EmbeddedRoot("github.json"), root =>
        {
            foreach (var tsa in root["timestampAuthorities"]!.AsArray())
            {
                var certificates = tsa!["certChain"]!["certificates"]!.AsArray();
                certificates[^1] = new JsonObject { ["rawBytes"] = foreignRoot };
            }
        });
        var verifier = new AttestationVerifier([TrustedRoot.Parse(edited, "GitHub (edited)")]);

        var result = verifier.VerifyBundle(Fixture.Real("cli-github-private-provenance.sigstore.json"), PrivateDigest, PrivatePolicy);

        Refused(result, VerificationCheck.TimestampAuthority, "does not chain");
    }

    [Theory]
    [InlineData("rust-happy-path.sigstore.json", "transparency log's integrated time")]
    [InlineData("cli-github-private-provenance.sigstore.json", "RFC 3161 timestamp")]
    public void A_signing_time_ahead_of_the_clock_is_refused(string name, string proof)
    {
        // Seen from a clock set before the signature was made, its proved time is in the future.
        var verifier = new AttestationVerifier([TrustedRoot.PublicGood, TrustedRoot.GitHub], new FixedTime(new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero)));
        var digest = name.StartsWith("cli", StringComparison.Ordinal) ? PrivateDigest : PublicDigest;
        var policy = name.StartsWith("cli", StringComparison.Ordinal) ? PrivatePolicy : PublicPolicy;

        var result = verifier.VerifyBundle(Fixture.Real(name), digest, policy);

        Refused(result, VerificationCheck.SigningTime, $"the {proof} says the signature was made at");
        Assert.Contains("in the future (now is 2024-01-01T00:00:00Z)", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void An_sct_that_the_trusted_ct_log_key_did_not_sign_is_refused()
    {
        // Same log ID, another key: the SCT is found under its log and its signature must fail.
        using var other = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var edited = Fixture.Edit(Fixture.EmbeddedRoot("public-good.json"), root =>
        {
            foreach (var log in root["ctlogs"]!.AsArray())
            {
                log!["publicKey"]!["rawBytes"] = Convert.ToBase64String(other.ExportSubjectPublicKeyInfo());
            }
        });
        var verifier = new AttestationVerifier([TrustedRoot.Parse(edited, "public-good (edited)")]);

        var result = verifier.VerifyBundle(Fixture.Real("rust-happy-path.sigstore.json"), PublicDigest, PublicPolicy);

        Refused(result, VerificationCheck.CertificateTransparency, "SCT from https://ctfe.sigstore.dev/2022 does not verify");
    }

    [Fact]
    public void A_timestamp_by_a_certificate_other_than_the_authoritys_is_refused()
    {
        // The 2024 timestamp authority's entry now names the newest authority's certificates.
        var edited = Fixture.Edit(Fixture.EmbeddedRoot("github.json"), root =>
        {
            var authorities = root["timestampAuthorities"]!.AsArray();
            authorities[0]!["certChain"] = authorities[^1]!["certChain"]!.DeepClone();
        });
        var verifier = new AttestationVerifier([TrustedRoot.Parse(edited, "GitHub (edited)")]);

        var result = verifier.VerifyBundle(Fixture.Real("cli-github-private-provenance.sigstore.json"), PrivateDigest, PrivatePolicy);

        Assert.Equal(VerificationCheck.TimestampAuthority, result.FailedCheck);
        Assert.Matches("not by the authority's certificate|signature or message imprint does not verify", result.Reason);
    }

    [Theory]
    [InlineData("rust-happy-path.sigstore.json")]
    [InlineData("cli-github-private-provenance.sigstore.json")]
    [InlineData("rust-sigstore-js-2.0.0-v0.1.sigstore.json")]
    public void Any_change_of_a_json_value_type_in_a_bundle_is_a_refusal_not_an_exception(string name)
    {
        var original = JsonNode.Parse(Fixture.Real(name))!;
        var (digest, policy) = name.StartsWith("cli", StringComparison.Ordinal) ? (PrivateDigest, PrivatePolicy) : (PublicDigest, PublicPolicy);
        var paths = new List<string>();
        Walk(original, "$", paths);
        var replacements = new JsonNode?[] { null, JsonValue.Create(12345678901234L), JsonValue.Create("x"), new JsonArray(), new JsonObject(), JsonValue.Create(true) };

        foreach (var path in paths)
        {
            foreach (var replacement in replacements)
            {
                var edited = JsonNode.Parse(original.ToJsonString())!;
                Replace(edited, path, replacement?.DeepClone());
                var result = Verifier.VerifyBundle(edited.ToJsonString(), digest, policy);
                Assert.False(result.IsVerified && !IsOptional(path, replacement), $"{path} = {replacement?.ToJsonString() ?? "null"} verified");
                Assert.False(string.IsNullOrEmpty(result.Reason));
            }
        }

        Assert.True(paths.Count > 10, $"{paths.Count} paths");
    }

    /// <summary>Members whose removal or change a verifier may ignore (they are not signed or not read).</summary>
    private static bool IsOptional(string path, JsonNode? replacement) =>
        path.EndsWith(".keyid", StringComparison.Ordinal) // DSSE key IDs are hints
        || (replacement is null && path.EndsWith(".timestampVerificationData", StringComparison.Ordinal)); // optional when a log proves the time

    private static void Walk(JsonNode node, string path, List<string> paths)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, value) in o)
                {
                    paths.Add($"{path}.{key}");
                    if (value is not null)
                    {
                        Walk(value, $"{path}.{key}", paths);
                    }
                }

                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    paths.Add($"{path}[{i}]");
                    Walk(a[i]!, $"{path}[{i}]", paths);
                }

                break;
        }
    }

    private static void Replace(JsonNode root, string path, JsonNode? value)
    {
        var steps = System.Text.RegularExpressions.Regex.Matches(path[1..], @"\.([^.\[]+)|\[(\d+)\]").Select(m => m.Groups[1].Success ? (object)m.Groups[1].Value : int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)).ToList();
        var parent = root;
        foreach (var step in steps.Take(steps.Count - 1))
        {
            parent = step is string key ? parent[key]! : parent[(int)step]!;
        }

        if (steps[^1] is string last)
        {
            parent[last] = value;
        }
        else
        {
            parent[(int)steps[^1]] = value;
        }
    }

    [Fact]
    public void Malformed_input_is_a_refusal_not_an_exception()
    {
        Refused(Verifier.VerifyBundle("{", PublicDigest, PublicPolicy), VerificationCheck.BundleFormat, "not JSON");
        Refused(Verifier.VerifyBundle("[]", PublicDigest, PublicPolicy), VerificationCheck.BundleFormat, "malformed");
        Refused(Verifier.VerifyBundle(Fixture.Real("rust-happy-path.sigstore.json").Replace("{\n  \"mediaType\"", "{\"mediaType\":\"x\",\n  \"mediaType\"", StringComparison.Ordinal), PublicDigest, PublicPolicy),
            VerificationCheck.BundleFormat, "not JSON");
        Refused(Public(b => b["mediaType"] = "application/vnd.dev.sigstore.bundle+json;version=0.9"), VerificationCheck.BundleFormat, "unsupported bundle media type");
        Refused(Public(b => b["verificationMaterial"]!["certificate"]!["rawBytes"] = "AAAA"), VerificationCheck.BundleFormat, "not X.509");
        Refused(Public(b => b["dsseEnvelope"]!["payload"] = "%%%"), VerificationCheck.BundleFormat, "not base64");
        Refused(Public(b => Entry(b)["canonicalizedBody"] = Convert.ToBase64String("not json"u8.ToArray())), VerificationCheck.TransparencyLog, "not JSON");
    }
}
