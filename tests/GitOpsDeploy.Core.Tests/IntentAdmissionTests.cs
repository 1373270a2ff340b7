using GitOpsDeploy.Core.Landing.FanIn;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Core.Tests.Doubles;
using GitOpsDeploy.Editing;

namespace GitOpsDeploy.Core.Tests;

/// <summary>
/// The leader's gate in front of every intent: each field validated as its input would be, the proof's
/// claims bound to what the intent says, trust by owner, and production decided by the leader's rules.
/// </summary>
[Trait("Tier", "Unit")]
public sealed class IntentAdmissionTests
{
    private const string Sha = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    private static DeployIntent Intent(string environment = "staging", string overlay = "environments/staging") =>
        new("0123456789ab", "acme/app#42", Now.AddSeconds(-5), "acme/app", Sha, [new IntentTarget(environment, overlay)])
        {
            GitOpsRepository = "acme/gitops",
            Branch = "main",
            Images = ["web=ghcr.io/acme/web:2.0.0"],
            Proof = "a.b.c",
        };

    private static ProofCheck Claims(string repository = "acme/app", string sha = Sha, long run = 42, string? environment = null) =>
        new ProofCheck.Verified(new RunClaims(repository, repository.Split('/')[0], sha, run, Now.AddSeconds(-5), Now.AddMinutes(5)) { Environment = environment });

    private static Admission Admit(DeployIntent intent, ProofCheck? proof, DeployRequest? applier = null) =>
        IntentAdmission.Admit(intent, proof, applier ?? TestRequests.Parse(), "main", Now);

    [Fact]
    public void A_proven_intent_becomes_the_leaders_request_with_the_intents_source_and_change()
    {
        var admission = Admit(Intent(), Claims());

        Assert.Null(admission.Refusal);
        var request = admission.Request!;
        Assert.Equal(("acme/app", Sha, true), (request.Source.Repository, request.Source.Sha, request.Source.ShaGiven));
        Assert.Equal([("staging", "environments/staging", false)], request.Targets.Select(t => (t.Environment, t.OverlayPath, t.Production)));
        Assert.Equal(["web=ghcr.io/acme/web:2.0.0"], request.Change.Images.Select(i => i.ToString()));
        Assert.False(request.Change.Force);
        Assert.Equal(ChangeKind.Deploy, request.Change.Kind);
    }

    public static TheoryData<string, DeployIntent, ProofCheck?, string> Refusals() => new()
    {
        { "no proof", Intent(), null, "carries no proof" },
        { "bad signature", Intent(), new ProofCheck.Refused("its signature does not verify against the keys of https://x"), "its proof does not verify: its signature" },
        { "another repository's job", Intent(), Claims(repository: "acme/evil"), "was issued to a job of acme/evil, not acme/app" },
        { "another commit", Intent(), Claims(sha: new string('b', 40)), "was issued for commit bbbbbbb, not aaaaaaa" },
        { "another run", Intent(), Claims(run: 41), "was issued to run 41, not acme/app#42" },
        { "untrusted owner", Intent() with { SourceRepository = "other/app", Run = "other/app#42" }, Claims(repository: "other/app"), "other/app is not among the owners this run trusts (coalesce-trust: acme)" },
        { "production without its environment", Intent("production", "environments/production"), Claims(), "production is a production environment here, and the job that published it did not run in that environment" },
        { "production from another environment", Intent("production", "environments/production"), Claims(environment: "staging"), "ran in 'staging'" },
        { "production overlay under a harmless name", Intent("staging", "clusters/prod-eu/web"), Claims(), "staging is a production environment here" },
        { "future-dated", Intent() with { Created = Now.AddMinutes(3) }, Claims(), "in the future" },
        { "expired", Intent() with { Created = Now - DeployIntent.Lifetime - TimeSpan.FromSeconds(1) }, Claims(), "published more than 10 minutes ago" },
        { "another branch", Intent() with { Branch = "release" }, Claims(), "published for acme/gitops@release, not acme/gitops@main" },
        { "another gitops repository", Intent() with { GitOpsRepository = "acme/other" }, Claims(), "not acme/gitops@main" },
        { "newline in the run", Intent() with { Run = "acme/app#42\nSource-Commit: x" }, Claims(), "control character" },
        { "newline in an image", Intent() with { Images = ["web=ghcr.io/acme/web:2\nImage: evil"] }, Claims(), "control character" },
        { "newline in a set line", Intent() with { Settings = ["values.yaml:a=1\nSigned-off-by: x"] }, Claims(), "control character" },
        { "run of another repository", Intent() with { Run = "acme/evil#42" }, Claims(), "is not <source repository>#<run id>" },
        { "short sha", Intent() with { SourceSha = "aaaaaaa" }, Claims(sha: "aaaaaaa"), "is not owner/name at a full commit sha" },
        { "path in an environment", Intent("../production", "environments/staging"), Claims(), "is not an environment name" },
        { "absolute overlay", Intent("staging", "/etc"), Claims(), "is not a relative path" },
        { "no change", Intent() with { Images = [] }, Claims(), "changes nothing" },
        { "unparsable image", Intent() with { Images = ["web=GHCR.IO/Acme/Web:2"] }, Claims(), "its change does not parse" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void An_intent_that_does_not_prove_itself_is_refused_with_why(string what, DeployIntent intent, ProofCheck? proof, string reason)
    {
        var admission = Admit(intent, proof);

        Assert.True(admission.Request is null, what);
        Assert.Contains(reason, admission.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void A_production_target_is_carried_only_from_the_leaders_own_repository_with_its_environment_claim()
    {
        var production = Intent("production", "environments/production");

        var admitted = Admit(production, Claims(environment: "Production"));
        Assert.Null(admitted.Refusal);
        Assert.True(admitted.Request!.Targets[0].Production);

        // Another repository of a trusted owner can make an unprotected environment of that name: not enough.
        var foreign = production with { SourceRepository = "acme/tool", Run = "acme/tool#42" };
        Assert.Contains("only a run of acme/app is carried there", Admit(foreign, Claims(repository: "acme/tool", environment: "production")).Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void The_leaders_own_production_rule_applies_to_the_names_it_knows()
    {
        // The leader says 'live' is production (production-environment: true): an intent for 'live' needs that environment.
        var applier = TestRequests.Parse(("environment", "live"), ("production-environment", "true"));
        var live = Intent("live", "environments/live");

        Assert.Contains("live is a production environment here", Admit(live, Claims(), applier).Refusal, StringComparison.Ordinal);
        Assert.Null(Admit(live, Claims(environment: "live"), applier).Refusal);
        // The intent never says whether it is production: only names decide.
        Assert.False(IntentAdmission.IsProduction(TestRequests.Parse(), new IntentTarget("staging", "environments/staging")));
        Assert.True(IntentAdmission.IsProduction(TestRequests.Parse(), new IntentTarget("staging", "apps/web/PROD")));
    }

    [Fact]
    public void Coalesce_trust_widens_the_owners_and_names_repositories()
    {
        var other = Intent() with { SourceRepository = "partner/app", Run = "partner/app#42" };
        var trusting = TestRequests.Parse(("coalesce-trust", "acme, partner/app"));

        Assert.Null(Admit(other, Claims(repository: "partner/app"), trusting).Refusal);
        Assert.Contains("not among the owners", Admit(other with { SourceRepository = "partner/lib", Run = "partner/lib#42" }, Claims(repository: "partner/lib"), trusting).Refusal, StringComparison.Ordinal);
        Assert.Throws<DeployException>(() => TestRequests.Parse(("coalesce-trust", "not a name")));
    }

    [Fact]
    public void The_default_trust_is_the_source_repositorys_owner()
    {
        Assert.Equal(["acme"], TestRequests.Parse().Landing.CoalesceTrust);
        Assert.Equal(["other"], TestRequests.Parse(("source-repository", "other/app")).Landing.CoalesceTrust);
    }
}
