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

    [Theory]
    [InlineData("live", "apps/live-web", true)]
    [InlineData("web", "environments/live/", true)]
    [InlineData("edge", "environments/edge", true)]
    [InlineData("web", "environments/web", false)]
    public void A_target_is_production_when_any_production_target_of_the_leader_shares_its_name_or_its_overlay(string environment, string overlay, bool production)
    {
        // The leader deploys two production environments whose names do not say so.
        var applier = TestRequests.Parse(("environment", "live,edge"), ("production-environment", "true"));

        Assert.Equal(production, IntentAdmission.IsProduction(applier, new IntentTarget(environment, overlay)));
    }

    public static TheoryData<string, DeployIntent> ControlCharacters() => new()
    {
        { "environment", Intent("stag\u0007ing", "environments/staging") },
        { "overlay", Intent("staging", "environments/\tstaging") },
        { "helm key", Intent() with { HelmImageKeys = ["web=values.yaml:image\nImage: evil"] } },
        { "source", Intent() with { SourceRepository = "acme/app\r" } },
    };

    [Theory]
    [MemberData(nameof(ControlCharacters))]
    public void A_control_character_in_any_field_is_refused_and_shown_escaped(string field, DeployIntent intent)
    {
        var refusal = Admit(intent, Claims()).Refusal;

        Assert.True(refusal is not null, field);
        Assert.Contains("a field contains a line break or another control character ('", refusal, StringComparison.Ordinal);
        Assert.DoesNotContain(refusal!, char.IsControl);
    }

    [Fact]
    public void A_field_shown_in_a_refusal_is_cut_at_eighty_characters()
    {
        var refusal = Admit(Intent() with { Id = new string('z', 81) }, Claims()).Refusal;

        Assert.EndsWith($"its id '{new string('z', 80)}...' is not 12 hexadecimal digits", refusal, StringComparison.Ordinal);
        Assert.EndsWith($"its id '{new string('z', 80)}' is not 12 hexadecimal digits", Admit(Intent() with { Id = new string('z', 80) }, Claims()).Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void A_run_must_be_of_the_source_repository_itself_not_one_whose_name_starts_with_it()
    {
        var refusal = Admit(Intent() with { Run = "acme/apple#42" }, Claims()).Refusal;

        Assert.Contains("its run 'acme/apple#42' is not <source repository>#<run id>", refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void An_intent_names_one_to_twenty_distinct_environments()
    {
        IntentTarget Target(int i) => new($"env{i}", $"environments/env{i}");
        var twenty = Intent() with { Targets = [.. Enumerable.Range(0, 20).Select(Target)] };

        Assert.Null(Admit(twenty, Claims()).Refusal);
        Assert.Contains("it names 21 targets (1 to 20 distinct environments)", Admit(twenty with { Targets = [.. twenty.Targets, Target(20)] }, Claims()).Refusal, StringComparison.Ordinal);
        Assert.Contains("it names 0 targets", Admit(Intent() with { Targets = [] }, Claims()).Refusal, StringComparison.Ordinal);
        Assert.Contains("it names 2 targets", Admit(Intent() with { Targets = [Target(1), new IntentTarget("ENV1", "environments/other")] }, Claims()).Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void An_intent_changes_at_most_what_a_runs_inputs_can()
    {
        var hundred = Intent() with { Images = [.. Enumerable.Range(0, 100).Select(i => $"img{i}=ghcr.io/acme/img{i}:1")] };

        Assert.Null(Admit(hundred, Claims()).Refusal);
        Assert.Contains("it changes nothing, or more than a run's inputs can", Admit(hundred with { HelmImageKeys = ["img0=values.yaml:image"] }, Claims()).Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void An_untrusted_owner_is_refused_naming_the_trust_it_would_need()
    {
        var other = Intent() with { SourceRepository = "other/app", Run = "other/app#42" };

        Assert.EndsWith("other/app is not among the owners this run trusts (coalesce-trust: acme, partner/app)",
            Admit(other, Claims(repository: "other/app"), TestRequests.Parse(("coalesce-trust", "acme, partner/app"))).Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void A_production_target_of_another_repository_names_both()
    {
        var foreign = Intent("production", "environments/production") with { SourceRepository = "acme/tool", Run = "acme/tool#42" };

        Assert.EndsWith("production is a production environment here: only a run of acme/app is carried there, not one of acme/tool",
            Admit(foreign, Claims(repository: "acme/tool", environment: "production")).Refusal, StringComparison.Ordinal);
    }
}
