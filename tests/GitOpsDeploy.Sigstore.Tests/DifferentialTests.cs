using System.Text.Json;

namespace GitOpsDeploy.Sigstore.Tests;

/// <summary>
/// Differential tests: bundles minted with @sigstore/mock (Fulcio, CT log, Rekor and TSA with keys the
/// tests control), each good or with one defect, checked by this verifier and by sigstore-js. Both must
/// give the minted answer, and a refusal must be for the same kind of reason.
/// </summary>
[Trait("Tier", "Adapter")]
public sealed class DifferentialTests(MintedBundles minted) : IClassFixture<MintedBundles>
{
    /// <summary>Every case node/mint.mjs mints; a test below keeps this list and the script's in step.</summary>
    public static readonly string[] CaseList =
    [
        "good-v03", "good-v03-legacy-media-type", "good-v02", "good-v01-set-only", "good-v01-set-and-proof",
        "good-mock-single-leaf-proof", "good-first-leaf-of-two", "good-last-leaf-of-large-tree", "good-intoto-entry-v01",
        "good-statement-v01-slsa-v02", "good-tlog-and-tsa", "good-tsa-only", "good-reusable-workflow-allowed", "good-expected-commit",
        "wrong-repository", "wrong-workflow", "wrong-digest", "wrong-predicate-type", "wrong-payload-type", "wrong-issuer",
        "wrong-commit", "self-hosted-runner", "expired-certificate-tlog", "expired-certificate-tsa", "certificate-not-yet-valid",
        "bad-signature", "bad-signature-tsa-only", "tampered-inclusion-proof", "tampered-checkpoint", "checkpoint-signed-by-untrusted-key",
        "tampered-signed-entry-timestamp", "tampered-integrated-time", "tlog-entry-for-another-payload", "untrusted-transparency-log",
        "future-timestamp", "future-timestamp-tsa-only", "untrusted-ca", "untrusted-ca-tsa-only", "sct-from-untrusted-ct-log", "sct-forged-for-trusted-ct-log", "no-sct",
        "tsa-untrusted", "no-time-proof", "v01-without-set", "v03-without-inclusion-proof", "v03-with-certificate-chain",
    ];

    public static TheoryData<string> CaseNames => new(CaseList);

    // What sigstore-js (or verify.mjs's statement and clock checks) calls each kind of refusal.
    private static readonly Dictionary<string, VerificationCheck[]> ReferenceCodes = new()
    {
        ["UNTRUSTED_SIGNER_ERROR"] =
        [
            VerificationCheck.Issuer, VerificationCheck.SourceRepository, VerificationCheck.SourceCommit,
            VerificationCheck.SourceRef, VerificationCheck.SignerWorkflow, VerificationCheck.RunnerEnvironment,
        ],
        ["CERTIFICATE_ERROR"] = [VerificationCheck.CertificateChain, VerificationCheck.CertificateTransparency],
        ["TLOG_INCLUSION_PROOF_ERROR"] = [VerificationCheck.TransparencyLog],
        ["TLOG_INCLUSION_PROMISE_ERROR"] = [VerificationCheck.TransparencyLog],
        ["TLOG_BODY_ERROR"] = [VerificationCheck.TransparencyLog],
        ["TLOG_ERROR"] = [VerificationCheck.TransparencyLog],
        ["TIMESTAMP_ERROR"] = [VerificationCheck.TimestampAuthority, VerificationCheck.SigningTime],
        ["SIGNATURE_ERROR"] = [VerificationCheck.Signature],
        ["SUBJECT"] = [VerificationCheck.Subject],
        ["PREDICATE_TYPE"] = [VerificationCheck.PredicateType],
        ["STATEMENT"] = [VerificationCheck.Statement],
        ["FUTURE_TIMESTAMP"] = [VerificationCheck.SigningTime],
        ["Error"] = [VerificationCheck.BundleFormat], // @sigstore/bundle's ValidationError
    };

    [SkippableTheory]
    [MemberData(nameof(CaseNames))]
    public void Both_verifiers_give_the_minted_answer(string name)
    {
        Skip.If(minted.Unavailable is not null, minted.Unavailable);
        var minted1 = minted.Cases[name];
        var reference = minted.Reference[name];
        var verifier = new AttestationVerifier([minted.TrustedRoot()], new FixedTime(minted.Now));

        var mine = verifier.VerifyBundle(File.ReadAllText(Path.Combine(minted.Directory, minted1.File)), minted1.Digest, minted1.Policy);

        var referenceVerified = reference.GetProperty("verified").GetBoolean();
        var referenceSays = referenceVerified
            ? "verified"
            : $"{reference.GetProperty("code").GetString()}: {reference.GetProperty("message").GetString()}";
        Assert.True(minted1.ExpectVerified == mine.IsVerified, $"GitOpsDeploy.Sigstore: {mine}");
        Assert.True(minted1.ExpectVerified == referenceVerified, $"sigstore-js: {referenceSays}");
        if (!minted1.ExpectVerified)
        {
            Assert.True(mine.FailedCheck == minted1.ExpectedCheck, $"expected {minted1.ExpectedCheck}, got {mine}");
            var code = reference.GetProperty("code").GetString()!;
            Assert.True(ReferenceCodes.TryGetValue(code, out var compatible) && compatible.Contains(mine.FailedCheck!.Value),
                $"sigstore-js refused for {referenceSays}, this verifier for {mine}");
            Assert.False(string.IsNullOrWhiteSpace(mine.Reason));
        }
        else
        {
            Assert.NotNull(mine.Identity);
            Assert.NotEqual(TimeProof.None, mine.TimeProof);
            Assert.Equal("https://github.com/acme/web", mine.Identity!.SourceRepositoryUri);
        }
    }

    [SkippableFact]
    public void The_test_list_names_every_minted_case()
    {
        Skip.If(minted.Unavailable is not null, minted.Unavailable);

        Assert.Equal(CaseList.Order(), minted.Cases.Keys.Order());
        Assert.Equal(minted.Cases.Keys.Order(), minted.Reference.Keys.Order());
    }

    [SkippableFact]
    public void The_reference_verifier_alone_tells_good_from_forged_crypto()
    {
        Skip.If(minted.Unavailable is not null, minted.Unavailable);

        // verify.mjs adds only the statement and clock checks: every cryptographic refusal is sigstore-js's own.
        foreach (var name in new[]
                 {
                     "bad-signature", "tampered-inclusion-proof", "tampered-checkpoint", "untrusted-ca", "tsa-untrusted", "no-sct",
                     "sct-forged-for-trusted-ct-log", "expired-certificate-tlog", "tampered-signed-entry-timestamp",
                 })
        {
            Assert.NotEqual("verified", minted.Reference[name].GetProperty("sigstoreJs").GetString());
        }

        Assert.Equal("verified", minted.Reference["good-v03"].GetProperty("sigstoreJs").GetString());
    }

    [SkippableFact]
    public void The_time_and_log_index_of_a_minted_bundle_are_reported()
    {
        Skip.If(minted.Unavailable is not null, minted.Unavailable);
        var verifier = new AttestationVerifier([minted.TrustedRoot()], new FixedTime(minted.Now));
        var good = minted.Cases["good-tlog-and-tsa"];
        var json = File.ReadAllText(Path.Combine(minted.Directory, good.File));
        using var bundle = JsonDocument.Parse(json);
        var entry = bundle.RootElement.GetProperty("verificationMaterial").GetProperty("tlogEntries")[0];

        var result = verifier.VerifyBundle(json, good.Digest, good.Policy);

        Assert.True(result.IsVerified, result.ToString());
        Assert.Equal(TimeProof.TransparencyLog | TimeProof.TimestampAuthority, result.TimeProof);
        Assert.Equal(long.Parse(entry.GetProperty("logIndex").GetString()!, System.Globalization.CultureInfo.InvariantCulture), result.LogIndex);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(long.Parse(entry.GetProperty("integratedTime").GetString()!, System.Globalization.CultureInfo.InvariantCulture)), result.SigningTime);
    }
}
