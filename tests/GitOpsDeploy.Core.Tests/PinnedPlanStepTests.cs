using GitOpsDeploy.Core.Planning;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Core.Steps.PinnedPlan;
using GitOpsDeploy.Core.Tests.Doubles;
using GitOpsDeploy.Editing;
using NSubstitute;

namespace GitOpsDeploy.Core.Tests;

/// <summary>
/// A promotion's supply-chain checks, which need the branch: what staging runs is asked of its registry again, and an
/// image staging runs without a digest is promoted with a warning, or refused when attestations are required (there
/// is no digest to verify one for).
/// </summary>
[Trait("Tier", "Unit")]
public sealed class PinnedPlanStepTests
{
    private const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private readonly IImageRegistry registry = Substitute.For<IImageRegistry>();
    private readonly IActionRuntime runtime = Substitute.For<IActionRuntime>();

    private static MemorySnapshot Branch(string staging) => new("base", new Dictionary<string, string>
    {
        ["environments/staging/kustomization.yaml"] = staging,
        ["environments/production/kustomization.yaml"] = "images:\n- name: web\n  newName: ghcr.io/acme/web\n  newTag: \"1\"\n",
    });

    private static DeployRequest Promotion(params (string, string)[] more) =>
        TestRequests.Parse([("environment", "production"), ("promote-from", "staging"), ("images", ""), .. more]);

    private async Task<(PlanOutcome Before, PlanOutcome After)> Check(string staging, DeployRequest request)
    {
        var run = TestRequests.Run(new DeployPorts(new MemoryGitOps(new Dictionary<string, string>())) { Registry = registry }, runtime: runtime);
        var snapshot = Branch(staging);
        var plan = run.Planner.Plan(snapshot, request);
        Assert.IsType<PlanOutcome.Write>(plan);
        return (plan, await new PinnedPlanStep().ApplyAsync(run, snapshot, request, plan, CancellationToken.None));
    }

    [Fact]
    public async Task An_image_staging_runs_without_a_digest_is_promoted_as_it_is_with_a_warning_and_no_registry_request()
    {
        var (before, after) = await Check("images:\n- name: web\n  newName: ghcr.io/acme/web\n  newTag: \"2\"\n", Promotion());

        Assert.Same(before, after);
        runtime.Received(1).Warning(Arg.Is<string>(w => w.Contains("image 'web': staging runs ghcr.io/acme/web:2 without a digest; it is promoted as it is", StringComparison.Ordinal)));
        await registry.DidNotReceiveWithAnyArgs().ExistsAsync(default!, default);
    }

    [Fact]
    public async Task Without_a_digest_a_promotion_that_requires_attestations_is_refused_before_anything_is_written()
    {
        var (_, after) = await Check("images:\n- name: web\n  newName: ghcr.io/acme/web\n  newTag: \"2\"\n", Promotion(("verify-attestations", "true")));

        // A refused plan: nothing is written and no deployment is created.
        var refused = Assert.IsType<PlanOutcome.Refused>(after);
        var error = refused.Reason;
        Assert.Equal("production", refused.Environment);
        Assert.Equal(ErrorKind.Policy, error.Kind);
        Assert.Contains("staging runs ghcr.io/acme/web:2 without a digest", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("nothing was written", error.Message, StringComparison.Ordinal);
        await registry.DidNotReceiveWithAnyArgs().ExistsAsync(default!, default);
    }

    [Fact]
    public async Task A_digest_staging_runs_is_asked_of_its_registry_again_and_refused_once_it_is_gone()
    {
        var staging = $"images:\n- name: web\n  newName: ghcr.io/acme/web\n  newTag: \"2\"\n  digest: {Digest}\n";
        registry.ExistsAsync($"ghcr.io/acme/web:2@{Digest}", Arg.Any<CancellationToken>())
            .Returns(new DigestPresence(new RegistryManifest($"ghcr.io/acme/web:2@{Digest}", Digest, "application/vnd.oci.image.index.v1+json", IsIndex: true), null), new DigestPresence(null, "MANIFEST_UNKNOWN"));

        var (before, after) = await Check(staging, Promotion());
        var error = Assert.IsType<PlanOutcome.Refused>((await Check(staging, Promotion())).After).Reason;

        Assert.Same(before, after);
        Assert.Equal(ErrorKind.NotFound, error.Kind);
        Assert.Contains($"staging runs ghcr.io/acme/web:2@{Digest}, which is no longer in its registry (MANIFEST_UNKNOWN); nothing was promoted", error.Message, StringComparison.Ordinal);
        runtime.DidNotReceiveWithAnyArgs().Warning(default!);
    }

    [Fact]
    public async Task A_registry_that_fails_is_named_with_the_image_and_where_it_was_promoted_from()
    {
        var staging = $"images:\n- name: web\n  newName: ghcr.io/acme/web\n  newTag: \"2\"\n  digest: {Digest}\n";
        registry.ExistsAsync(Arg.Any<string>(), Arg.Any<CancellationToken>()).Returns<DigestPresence>(_ => throw new DeployException(ErrorKind.Transient, "ghcr.io answered 503"));

        var error = await Assert.ThrowsAsync<DeployException>(() => Check(staging, Promotion()));

        Assert.Equal(ErrorKind.Transient, error.Kind);
        Assert.Contains($"image 'web' (ghcr.io/acme/web:2@{Digest}, promoted from staging): ghcr.io answered 503; nothing was written", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_pin_none_or_a_plan_that_writes_nothing_the_registry_is_not_asked()
    {
        var digest = $"images:\n- name: web\n  newName: ghcr.io/acme/web\n  newTag: \"2\"\n  digest: {Digest}\n";

        var (before, after) = await Check(digest, Promotion(("pin", "none")));
        var run = TestRequests.Run(new DeployPorts(new MemoryGitOps(new Dictionary<string, string>())) { Registry = registry }, runtime: runtime);
        var refused = new PlanOutcome.Refused(DeployException.Input("images", "x"), "production");

        Assert.Same(before, after);
        Assert.Same(refused, await new PinnedPlanStep().ApplyAsync(run, Branch(digest), Promotion(), refused, default));
        await registry.DidNotReceiveWithAnyArgs().ExistsAsync(default!, default);
    }

    [Fact]
    public async Task A_deploy_whose_overlay_pulls_the_image_from_elsewhere_than_it_was_resolved_is_refused()
    {
        // The request says web comes from registry.example.com, the overlay keeps ghcr.io/acme/web: the digest would belong to another image.
        var request = TestRequests.Parse(("environment", "production"), ("images", "web=registry.example.com/acme/web:2"), ("pin", "digest"));
        request = request with { Supply = request.Supply with { Resolved = new Dictionary<string, ResolvedImage> { ["web"] = new("ghcr.io/acme/web", Digest) } } };
        var run = TestRequests.Run(new DeployPorts(new MemoryGitOps(new Dictionary<string, string>())) { Registry = registry }, runtime: runtime);
        var snapshot = Branch("images: []\n");
        var plan = Assert.IsType<PlanOutcome.Write>(run.Planner.Plan(snapshot, request));

        var refused = Assert.IsType<PlanOutcome.Refused>(await new PinnedPlanStep().ApplyAsync(run, snapshot, request, plan, default));

        Assert.Equal("production", refused.Environment);
        Assert.Equal("input 'images': image 'web': environments/production pulls it from 'registry.example.com/acme/web', but its digest was resolved in 'ghcr.io/acme/web'; give the image as web=registry.example.com/acme/web:TAG so the registry is asked for what is written; nothing was written", refused.Reason.Message);
    }

    [Fact]
    public async Task A_deploy_pulled_from_where_it_was_resolved_passes()
    {
        var request = TestRequests.Parse(("environment", "production"), ("images", "web=ghcr.io/acme/web:2"), ("pin", "digest"));
        request = request with { Supply = request.Supply with { Resolved = new Dictionary<string, ResolvedImage> { ["web"] = new("ghcr.io/acme/web", Digest) } } };
        var run = TestRequests.Run(new DeployPorts(new MemoryGitOps(new Dictionary<string, string>())) { Registry = registry }, runtime: runtime);
        var snapshot = Branch("images: []\n");
        var plan = run.Planner.Plan(snapshot, request);

        Assert.Same(plan, await new PinnedPlanStep().ApplyAsync(run, snapshot, request, plan, default));
    }
}
