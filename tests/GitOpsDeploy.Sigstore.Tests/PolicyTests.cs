namespace GitOpsDeploy.Sigstore.Tests;

/// <summary>The policy on a signer identity, claim by claim.</summary>
[Trait("Tier", "Unit")]
public sealed class PolicyTests
{
    private static readonly SignerIdentity Identity = new()
    {
        SubjectAlternativeName = "https://github.com/acme/web/.github/workflows/release.yml@refs/heads/main",
        BuildSignerUri = "https://github.com/acme/web/.github/workflows/release.yml@refs/heads/main",
        Issuer = Fixture.CloudIssuer,
        RunnerEnvironment = "github-hosted",
        SourceRepositoryUri = "https://github.com/acme/web",
        SourceRepositoryOwnerUri = "https://github.com/acme",
        SourceRepositoryDigest = "c0ffee0000000000000000000000000000000001",
        SourceRepositoryRef = "refs/heads/main",
    };

    private static readonly AttestationPolicy Policy = Fixture.Cloud("acme/web");

    private static VerificationCheck? Check(SignerIdentity identity, AttestationPolicy policy)
    {
        try
        {
            PolicyCheck.Check(identity, policy);
            return null;
        }
        catch (RefusalException e)
        {
            Assert.False(string.IsNullOrWhiteSpace(e.Message));
            return e.Check;
        }
    }

    [Fact]
    public void The_matching_identity_passes_the_default_policy() => Assert.Null(Check(Identity, Policy));

    [Fact]
    public void Self_hosted_runners_are_refused_unless_allowed()
    {
        var selfHosted = Identity with { RunnerEnvironment = "self-hosted" };

        Assert.Equal(VerificationCheck.RunnerEnvironment, Check(selfHosted, Policy));
        Assert.Equal(VerificationCheck.RunnerEnvironment, Check(Identity with { RunnerEnvironment = null }, Policy));
        Assert.Null(Check(selfHosted, Policy with { AllowSelfHostedRunners = true }));
    }

    [Fact]
    public void The_owner_must_match_the_repository_owner() =>
        Assert.Equal(VerificationCheck.SourceRepository, Check(Identity with { SourceRepositoryOwnerUri = "https://github.com/evil" }, Policy));

    [Fact]
    public void A_missing_claim_is_refused_not_skipped()
    {
        Assert.Equal(VerificationCheck.Issuer, Check(Identity with { Issuer = null }, Policy));
        Assert.Equal(VerificationCheck.SourceRepository, Check(Identity with { SourceRepositoryUri = null }, Policy));
        Assert.Equal(VerificationCheck.SignerWorkflow, Check(Identity with { BuildSignerUri = null }, Policy));
        Assert.Equal(VerificationCheck.SourceCommit, Check(Identity with { SourceRepositoryDigest = null }, Policy with { SourceCommit = "c0ffee0000000000000000000000000000000001" }));
    }

    [Fact]
    public void The_subject_must_be_the_build_signer() =>
        Assert.Equal(VerificationCheck.SignerWorkflow, Check(Identity with { SubjectAlternativeName = "https://github.com/acme/web/.github/workflows/other.yml@refs/heads/main" }, Policy));

    [Theory]
    [InlineData("https://github.com/acme/web/.github/workflows/release.yml@refs/heads/main", null)]
    [InlineData("https://github.com/acme/web/.github/workflows/sub/dir.yml@refs/tags/v1", null)]
    [InlineData("https://github.com/acme/web-tools/.github/workflows/release.yml@refs/heads/main", VerificationCheck.SignerWorkflow)]
    [InlineData("https://github.com/acme/web/.github/workflowsX/release.yml@refs/heads/main", VerificationCheck.SignerWorkflow)]
    [InlineData("https://github.com/acme/web/release.yml@refs/heads/main", VerificationCheck.SignerWorkflow)]
    [InlineData("https://github.example.com/acme/web/.github/workflows/release.yml@refs/heads/main", VerificationCheck.SignerWorkflow)]
    public void By_default_any_workflow_of_the_source_repository_may_sign(string signer, VerificationCheck? expected) =>
        Assert.Equal(expected, Check(Identity with { SubjectAlternativeName = signer, BuildSignerUri = signer }, Policy));

    [Theory]
    [InlineData("acme/shared/.github/workflows/build.yml", null)]
    [InlineData("https://github.com/acme/shared/.github/workflows/build.yml", null)]
    [InlineData("acme/shared/.github/workflows/build.yml@refs/tags/v2", null)]
    [InlineData("acme/shared/.github/workflows/build.yml@refs/tags/v3", VerificationCheck.SignerWorkflow)]
    [InlineData("acme/shared/.github/workflows/build.y", VerificationCheck.SignerWorkflow)]
    [InlineData("acme/web/.github/workflows/release.yml", VerificationCheck.SignerWorkflow)]
    public void A_listed_workflow_may_sign_at_any_ref_or_at_the_pinned_one(string allowed, VerificationCheck? expected)
    {
        const string signer = "https://github.com/acme/shared/.github/workflows/build.yml@refs/tags/v2";

        Assert.Equal(expected, Check(Identity with { SubjectAlternativeName = signer, BuildSignerUri = signer }, Policy with { AllowedSignerWorkflows = [allowed] }));
    }

    [Fact]
    public void Ghes_identities_are_checked_against_the_server_and_issuer_of_the_policy()
    {
        var ghes = Identity with
        {
            SubjectAlternativeName = "https://git.corp.example/acme/web/.github/workflows/release.yml@refs/heads/main",
            BuildSignerUri = "https://git.corp.example/acme/web/.github/workflows/release.yml@refs/heads/main",
            Issuer = "https://git.corp.example/_services/token",
            SourceRepositoryUri = "https://git.corp.example/acme/web",
            SourceRepositoryOwnerUri = "https://git.corp.example/acme",
        };
        var policy = Policy with { ServerUrl = "https://git.corp.example/", Issuer = "https://git.corp.example/_services/token" };

        Assert.Null(Check(ghes, policy));
        Assert.Equal(VerificationCheck.Issuer, Check(ghes, Policy));
        Assert.Equal(VerificationCheck.SourceRepository, Check(ghes, Policy with { Issuer = policy.Issuer }));
    }

    [Theory]
    [InlineData("acme")]
    [InlineData("acme/web/extra")]
    [InlineData("/web")]
    public void A_policy_repository_that_is_not_owner_slash_repo_is_a_caller_error(string repository) =>
        Assert.Throws<ArgumentException>(() => PolicyCheck.Check(Identity, Policy with { SourceRepository = repository }));
}
