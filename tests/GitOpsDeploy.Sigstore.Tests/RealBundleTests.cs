using System.Text.Json.Nodes;

namespace GitOpsDeploy.Sigstore.Tests;

/// <summary>
/// Real attestations, as GitHub and Sigstore issued them (copied from cli/cli's and sigstore-rust's test
/// data), against the embedded trusted roots: the checks must accept what the real services produce.
/// </summary>
[Trait("Tier", "Unit")]
public sealed class RealBundleTests
{
    // github/artifact-attestations-workflows signed for malancas/attest-demo (a reusable workflow), public-good, Rekor dsse entry.
    private const string ReusableDigest = "sha256:49a3aa6075e0f49f82843e74b5baa614ad2a588e6675612bf108a0a008c5ac25";
    private const string ReusableWorkflow = "github/artifact-attestations-workflows/.github/workflows/attest.yml";

    private static readonly AttestationVerifier Verifier = new();

    private static AttestationPolicy ReusablePolicy => Fixture.Cloud("malancas/attest-demo") with
    {
        SourceCommit = "95baf27389e83e6a5c48f42e190d48d7abcea19e",
        SourceRef = "refs/heads/main",
        AllowedSignerWorkflows = [ReusableWorkflow],
    };

    [Fact]
    public void A_public_good_attestation_by_a_reusable_workflow_verifies_with_its_identity_time_and_log_index()
    {
        var result = Verifier.VerifyBundle(Fixture.Real("cli-reusable-workflow.sigstore.json"), ReusableDigest, ReusablePolicy);

        Assert.True(result.IsVerified, result.ToString());
        Assert.Equal(TimeProof.TransparencyLog, result.TimeProof);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1716578064), result.SigningTime);
        Assert.Equal(96764485, result.LogIndex);
        Assert.Equal("Sigstore public-good", result.TrustedRoot);
        Assert.Equal(AttestationPolicy.SlsaProvenanceV1, result.PredicateType);
        var identity = result.Identity!;
        Assert.Equal("https://github.com/github/artifact-attestations-workflows/.github/workflows/attest.yml@09b495c3f12c7881b3cc17209a327792065c1a1d", identity.SubjectAlternativeName);
        Assert.Equal(identity.SubjectAlternativeName, identity.BuildSignerUri);
        Assert.Equal("https://token.actions.githubusercontent.com", identity.Issuer);
        Assert.Equal("https://github.com/malancas/attest-demo", identity.SourceRepositoryUri);
        Assert.Equal("95baf27389e83e6a5c48f42e190d48d7abcea19e", identity.SourceRepositoryDigest);
        Assert.Equal("refs/heads/main", identity.SourceRepositoryRef);
        Assert.Equal("804070735", identity.SourceRepositoryIdentifier);
        Assert.Equal("https://github.com/malancas", identity.SourceRepositoryOwnerUri);
        Assert.Equal("16248153", identity.SourceRepositoryOwnerIdentifier);
        Assert.Equal("github-hosted", identity.RunnerEnvironment);
        Assert.Equal("https://github.com/malancas/attest-demo/.github/workflows/shared.yml@refs/heads/main", identity.BuildConfigUri);
        Assert.Equal("workflow_dispatch", identity.BuildTrigger);
        Assert.Equal("https://github.com/malancas/attest-demo/actions/runs/9228858953/attempts/1", identity.RunInvocationUri);
        Assert.Equal("public", identity.SourceRepositoryVisibility);
        Assert.Equal("09b495c3f12c7881b3cc17209a327792065c1a1d", identity.BuildSignerDigest);
    }

    [Fact]
    public void By_default_only_workflows_of_the_source_repository_may_sign()
    {
        var result = Verifier.VerifyBundle(Fixture.Real("cli-reusable-workflow.sigstore.json"), ReusableDigest,
            ReusablePolicy with { AllowedSignerWorkflows = [] });

        Assert.False(result.IsVerified);
        Assert.Equal(VerificationCheck.SignerWorkflow, result.FailedCheck);
        Assert.Contains("github/artifact-attestations-workflows/.github/workflows/attest.yml@09b495c", result.Reason, StringComparison.Ordinal);
        Assert.Contains("https://github.com/malancas/attest-demo", result.Reason, StringComparison.Ordinal);
        // Refusals still say who signed.
        Assert.Equal("https://github.com/malancas/attest-demo", result.Identity?.SourceRepositoryUri);
    }

    [Theory]
    [InlineData("malancas/other", VerificationCheck.SourceRepository)]
    [InlineData("MALANCAS/Attest-Demo", null)]
    public void The_source_repository_is_compared_as_github_does(string repository, VerificationCheck? expected)
    {
        var result = Verifier.VerifyBundle(Fixture.Real("cli-reusable-workflow.sigstore.json"), ReusableDigest,
            ReusablePolicy with { SourceRepository = repository });

        Assert.Equal(expected, result.FailedCheck);
    }

    [Fact]
    public void A_pinned_workflow_ref_must_match_and_a_wrong_commit_or_ref_is_refused()
    {
        var pinned = Verifier.VerifyBundle(Fixture.Real("cli-reusable-workflow.sigstore.json"), ReusableDigest,
            ReusablePolicy with { AllowedSignerWorkflows = [ReusableWorkflow + "@09b495c3f12c7881b3cc17209a327792065c1a1d"] });
        var otherRef = Verifier.VerifyBundle(Fixture.Real("cli-reusable-workflow.sigstore.json"), ReusableDigest,
            ReusablePolicy with { AllowedSignerWorkflows = [ReusableWorkflow + "@refs/heads/main"] });
        var commit = Verifier.VerifyBundle(Fixture.Real("cli-reusable-workflow.sigstore.json"), ReusableDigest,
            ReusablePolicy with { SourceCommit = new string('a', 40) });
        var gitRef = Verifier.VerifyBundle(Fixture.Real("cli-reusable-workflow.sigstore.json"), ReusableDigest,
            ReusablePolicy with { SourceRef = "refs/tags/v1" });

        Assert.True(pinned.IsVerified, pinned.ToString());
        Assert.Equal(VerificationCheck.SignerWorkflow, otherRef.FailedCheck);
        Assert.Equal(VerificationCheck.SourceCommit, commit.FailedCheck);
        Assert.Equal(VerificationCheck.SourceRef, gitRef.FailedCheck);
    }

    [Fact]
    public void Another_digest_is_refused_with_the_subjects_it_does_name()
    {
        var result = Verifier.VerifyBundle(Fixture.Real("cli-reusable-workflow.sigstore.json"), new string('0', 64), ReusablePolicy);

        Assert.True(result.FailedCheck == VerificationCheck.Subject, result.ToString());
        Assert.Contains("github_provenance_demo-0.0.0-py3-none-any.whl@sha256:49a3aa60", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_custom_oidc_issuer_is_refused_unless_the_policy_names_it()
    {
        const string digest = "afa27b44d43b02a9fea41d13cedc2e4016cfcf87c5dbf990e593669aa8ce286d";
        var policy = Fixture.Cloud("too-legit/attest");

        var refused = Verifier.VerifyBundle(Fixture.Real("cli-custom-issuer.sigstore.json"), digest, policy);
        var accepted = Verifier.VerifyBundle(Fixture.Real("cli-custom-issuer.sigstore.json"), digest,
            policy with { Issuer = "https://token.actions.githubusercontent.com/hammer-time" });

        Assert.Equal(VerificationCheck.Issuer, refused.FailedCheck);
        Assert.Contains("hammer-time", refused.Reason, StringComparison.Ordinal);
        Assert.True(accepted.IsVerified, accepted.ToString());
    }

    [Fact]
    public void A_private_repository_attestation_from_githubs_instance_verifies_by_its_rfc3161_timestamp()
    {
        var result = Verifier.VerifyBundle(
            Fixture.Real("cli-github-private-provenance.sigstore.json"),
            "sha256:ae57936def59bc4c75edd3a837d89bcefc6d3a5e31d55a6fa7a71624f92c3c3b",
            Fixture.Cloud("actions/attest-demo"));

        Assert.True(result.IsVerified, result.ToString());
        Assert.Equal(TimeProof.TimestampAuthority, result.TimeProof);
        Assert.Null(result.LogIndex);
        Assert.Equal("GitHub", result.TrustedRoot);
        Assert.Equal(new DateTimeOffset(2024, 4, 22, 17, 33, 26, TimeSpan.Zero), result.SigningTime);
        Assert.Equal("https://github.com/actions/attest-demo/.github/workflows/build-python.yml@refs/heads/main", result.Identity!.BuildSignerUri);
    }

    [Fact]
    public void The_github_instance_attestation_is_refused_when_only_the_public_good_root_is_trusted()
    {
        var verifier = new AttestationVerifier([TrustedRoot.PublicGood]);

        var result = verifier.VerifyBundle(
            Fixture.Real("cli-github-private-provenance.sigstore.json"),
            "sha256:ae57936def59bc4c75edd3a837d89bcefc6d3a5e31d55a6fa7a71624f92c3c3b",
            Fixture.Cloud("actions/attest-demo"));

        Assert.Equal(VerificationCheck.CertificateChain, result.FailedCheck);
        Assert.Contains("Fulcio Intermediate l2", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_sigstore_conformance_attestation_verifies()
    {
        var result = Verifier.VerifyBundle(
            Fixture.Real("rust-happy-path.sigstore.json"),
            "a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf",
            Fixture.Cloud("sigstore-conformance/extremely-dangerous-public-oidc-beacon"));

        Assert.True(result.IsVerified, result.ToString());
        Assert.Equal(155690850, result.LogIndex);
    }

    [Fact]
    public void A_non_provenance_predicate_is_refused_unless_the_policy_accepts_it()
    {
        const string digest = "54303491a8418fbed24344b513546182c29b43bf282ceb433af65e2299f9271f";
        var policy = Fixture.Cloud("prefix-dev/sigstore-example");

        var refused = Verifier.VerifyBundle(Fixture.Real("rust-conda-attestation.sigstore.json"), digest, policy);
        var accepted = Verifier.VerifyBundle(Fixture.Real("rust-conda-attestation.sigstore.json"), digest,
            policy with { PredicateTypes = ["https://schemas.conda.org/attestations-publish-1.schema.json"] });

        Assert.Equal(VerificationCheck.PredicateType, refused.FailedCheck);
        Assert.True(accepted.IsVerified, accepted.ToString());
    }

    [Theory]
    [InlineData("rust-sigstore-js-2.0.0-v0.1.sigstore.json")] // v0.1, intoto 0.0.2 entry with SET, proof and checkpoint
    [InlineData("rust-dsse-2022-v0.1.sigstore.json")] // v0.1, intoto 0.0.2 entry with a SET only, the 2022 CA and CT log
    [InlineData("cli-sigstore-js-2.1.0-v0.1.sigstore.json")]
    public void Npm_provenance_bundles_pass_every_cryptographic_check_and_stop_at_their_sha512_subject(string name)
    {
        var result = Verifier.VerifyBundle(Fixture.Real(name), new string('0', 64), Fixture.Cloud("sigstore/sigstore-js"));

        // The subject is checked after the log, time, chain, SCT and signature: reaching it means those verified.
        Assert.True(result.FailedCheck == VerificationCheck.Subject, result.ToString());
        Assert.Contains("no sha256", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_github_release_attestation_verifies_cryptographically_but_is_no_workflow_identity()
    {
        var result = Verifier.VerifyBundle(
            Fixture.Real("rust-github-release-tsa.sigstore.json"),
            "76f1fe8593bf227cca2c089e3c16dc95014a8d3e89c5dd220530469ca043c428",
            Fixture.Cloud("jdx/communique") with { PredicateTypes = ["https://in-toto.io/attestation/release/v0.2"] });

        Assert.True(result.FailedCheck == VerificationCheck.Issuer, result.ToString());
        Assert.Equal("GitHub", result.TrustedRoot);
        Assert.Equal("https://dotcom.releases.github.com", result.Identity?.SubjectAlternativeName);
    }

    [Theory]
    [InlineData("rust-dsse-2sigs.sigstore.json", VerificationCheck.BundleFormat, "2 signatures")]
    [InlineData("rust-message-signature.sigstore.json", VerificationCheck.BundleFormat, "messageSignature")]
    [InlineData("rust-conda-attestation-rekor2.sigstore.json", VerificationCheck.TransparencyLog, "hashedrekord 0.0.2")]
    public void Bundles_that_are_no_single_signature_rekor_v1_attestation_are_refused(string name, VerificationCheck check, string reason)
    {
        var result = Verifier.VerifyBundle(Fixture.Real(name), new string('0', 64), Fixture.Cloud("a/b"));

        Assert.Equal(check, result.FailedCheck);
        Assert.Contains(reason, result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void The_github_api_response_shape_is_read_and_the_first_verified_attestation_wins()
    {
        var bundle = JsonNode.Parse(Fixture.Real("cli-reusable-workflow.sigstore.json"));
        var response = new JsonObject
        {
            ["attestations"] = new JsonArray(
                new JsonObject { ["bundle"] = JsonNode.Parse(Fixture.Real("cli-custom-issuer.sigstore.json")), ["repository_id"] = 1 },
                new JsonObject { ["bundle"] = null, ["bundle_url"] = "https://example.invalid/b", ["repository_id"] = 2 },
                new JsonObject { ["bundle"] = bundle, ["repository_id"] = 804070735 }),
        }.ToJsonString();

        var verified = Verifier.VerifyGitHubAttestations(response, ReusableDigest, ReusablePolicy);
        var refused = Verifier.VerifyGitHubAttestations(response, ReusableDigest, ReusablePolicy with { SourceRepository = "malancas/other" });

        Assert.True(verified.IsVerified, verified.ToString());
        Assert.False(refused.IsVerified);
        Assert.StartsWith("none of the 3 attestations verified: #1 (Subject)", refused.Reason, StringComparison.Ordinal);
        Assert.Contains("#2 (BundleFormat): it has no inline bundle", refused.Reason, StringComparison.Ordinal);
        Assert.Contains("#3 (SourceRepository)", refused.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_github_response_is_a_refusal_not_an_exception()
    {
        var result = Verifier.VerifyGitHubAttestations("""{"attestations":[]}""", ReusableDigest, ReusablePolicy);

        Assert.True(result.FailedCheck == VerificationCheck.Subject, result.ToString());
        Assert.Contains("no attestation", result.Reason, StringComparison.Ordinal);
    }
}
