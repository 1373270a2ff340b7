using GitOpsDeploy.Core.Pipeline;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Reporting;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Core.Steps.Attestations;
using GitOpsDeploy.Editing;
using NSubstitute;

namespace GitOpsDeploy.Core.Tests;

/// <summary>
/// verify-attestations in the core: a real GitHub attestation (github/artifact-attestations-workflows signing for
/// malancas/attest-demo on GitHub's cloud, from cli/cli's test data) fetched through the port and verified with the
/// shipped trusted roots, and every way the check refuses before or after asking GitHub.
/// </summary>
[Trait("Tier", "Unit")]
public sealed class AttestationCheckTests
{
    private const string Digest = "sha256:49a3aa6075e0f49f82843e74b5baa614ad2a588e6675612bf108a0a008c5ac25";
    private const string Commit = "95baf27389e83e6a5c48f42e190d48d7abcea19e";
    private const string Workflow = "github/artifact-attestations-workflows/.github/workflows/attest.yml";

    private static readonly ActionContext Cloud = new("https://github.com", "https://api.github.com", "malancas/attest-demo", Commit, "7", true);

    private readonly IAttestations attestations = Substitute.For<IAttestations>();
    private readonly Doubles.RecordingLogger logger = new();

    public AttestationCheckTests() =>
        attestations.ListAsync("malancas/attest-demo", Digest, Arg.Any<CancellationToken>()).Returns(
            $$"""{"attestations":[{"bundle":{{File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "cli-reusable-workflow.sigstore.json"))}},"repository_id":804070735}]}""");

    private RunContext Run(ActionContext? action = null, bool port = true) =>
        new(new DeployPorts(new Doubles.MemoryGitOps(new Dictionary<string, string>())) { Attestations = port ? attestations : null },
            Substitute.For<IActionRuntime>(), action ?? Cloud, TimeProvider.System, logger, Substitute.For<IRunObserver>(), Substitute.For<IDeploymentLedger>());

    private static DeployRequest Request(params (string Name, string Value)[] inputs) => Doubles.TestRequests.Parse(
        [("images", "web=ghcr.io/malancas/attest-demo:1"), ("source-repository", "malancas/attest-demo"), ("source-sha", Commit),
         ("verify-attestations", "true"), ("attestation-signer-workflow", Workflow), .. inputs]);

    private static DeployRequest Resolved(DeployRequest request, string digest = Digest) =>
        request with { Supply = request.Supply with { Resolved = new Dictionary<string, ResolvedImage> { ["web"] = new("ghcr.io/malancas/attest-demo", digest) } } };

    [Fact]
    public async Task A_real_attestation_verifies_and_names_its_signer_run_and_commit()
    {
        var attested = await AttestationCheck.For(Run(), Request()).VerifyAsync("web", Digest, Commit, default);

        Assert.Equal(new AttestedImage("web", Digest, Workflow + "@09b495c3f12c7881b3cc17209a327792065c1a1d", "9228858953", Commit), attested);
        Assert.Equal($"{Workflow}@09b495c3f12c7881b3cc17209a327792065c1a1d, run 9228858953", attested.Trailer);
        Assert.Contains(logger.Lines, l => l.StartsWith($"web: {Digest} attested by {attested.Trailer} (", StringComparison.Ordinal));
    }

    [Fact]
    public void A_run_builds_its_check_once_so_the_trusted_root_is_read_once()
    {
        var run = Run();

        Assert.Same(AttestationCheck.For(run, Request()), AttestationCheck.For(run, Resolved(Request())));
        Assert.NotSame(AttestationCheck.For(run, Request()), AttestationCheck.For(Run(), Request()));
    }

    [Fact]
    public async Task The_step_verifies_each_pinned_digest_and_keeps_what_verified()
    {
        var request = await new AttestationStep().PrepareAsync(Run(), Resolved(Request()), default);

        var attested = Assert.Single(request.Attestations);
        Assert.Equal(("web", Digest, "9228858953"), (attested.Image, attested.Digest, attested.RunId));
    }

    [Theory]
    [InlineData("verify-attestations", "false")]
    [InlineData("promote-from", "staging")]
    public async Task The_step_asks_nothing_when_not_asked_or_not_a_deploy(string input, string value)
    {
        var request = Resolved(Request((input, value), ("environment", "production"), ("images", input == "promote-from" ? "web" : "web=ghcr.io/malancas/attest-demo:1")));

        Assert.Same(request, await new AttestationStep().PrepareAsync(Run(), request, default));
        await attestations.DidNotReceiveWithAnyArgs().ListAsync(default!, default!, default);
    }

    [Fact]
    public async Task The_step_never_verifies_an_image_pinning_did_not_resolve() =>
        Assert.Equal("image 'web' reached the attestation check without a resolved digest",
            (await Assert.ThrowsAsync<InvalidOperationException>(() => new AttestationStep().PrepareAsync(Run(), Request(), default))).Message);

    [Fact]
    public async Task Another_commit_is_refused_naming_the_image_the_digest_and_the_check()
    {
        var refused = await Assert.ThrowsAsync<DeployException>(() => AttestationCheck.For(Run(), Request()).VerifyAsync("web", Digest, "1111111111111111111111111111111111111111", default));

        Assert.Equal(ErrorKind.Policy, refused.Kind);
        Assert.StartsWith($"image 'web' ({Digest}): no attestation in malancas/attest-demo verifies: SourceCommit: ", refused.Message, StringComparison.Ordinal);
        Assert.EndsWith("; nothing was written", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_workflow_not_allowed_to_sign_is_refused()
    {
        var refused = await Assert.ThrowsAsync<DeployException>(() => AttestationCheck.For(Run(), Request(("attestation-signer-workflow", ""))).VerifyAsync("web", Digest, Commit, default));

        Assert.Contains("verifies: SignerWorkflow: ", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_attestation_for_the_digest_is_refused_as_policy()
    {
        const string other = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
        attestations.ListAsync("malancas/attest-demo", other, Arg.Any<CancellationToken>()).Returns((string?)null);
        var refused = await Assert.ThrowsAsync<DeployException>(() => AttestationCheck.For(Run(), Request()).VerifyAsync("web", other, Commit, default));

        Assert.Equal(ErrorKind.Policy, refused.Kind);
        Assert.Equal($"image 'web' ({other}) has no attestation in malancas/attest-demo (GitHub answered 404: none was made for this digest, or token cannot read them); nothing was written", refused.Message);
    }

    [Fact]
    public async Task Only_sha256_digests_are_asked_of_github()
    {
        var refused = await Assert.ThrowsAsync<DeployException>(() => AttestationCheck.For(Run(), Request()).VerifyAsync("web", "sha512:" + new string('1', 128), Commit, default));

        Assert.Equal(ErrorKind.Policy, refused.Kind);
        Assert.StartsWith("image 'web' (sha512:", refused.Message, StringComparison.Ordinal);
        Assert.EndsWith("): GitHub attests sha256 digests only; nothing was written", refused.Message, StringComparison.Ordinal);
        await attestations.DidNotReceiveWithAnyArgs().ListAsync(default!, default!, default);
    }

    [Fact]
    public void What_the_check_needs_is_refused_as_an_input_before_any_request()
    {
        Assert.Equal("input 'verify-attestations': needs token (read access to malancas/attest-demo's attestations) and GITHUB_API_URL to fetch the attestations",
            Assert.Throws<DeployException>(() => AttestationCheck.For(Run(port: false), Request())).Message);
        var unknown = Assert.Throws<DeployException>(() => AttestationCheck.For(Run(Cloud with { ServerUrl = "https://git.example.com", ApiUrl = "https://api.example.com" }), Request()));
        Assert.StartsWith("input 'verify-attestations': needs to know the GitHub whose Actions built and signed the images (the runner sets both variables): ", unknown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_trusted_root_that_cannot_be_read_is_refused_as_its_input()
    {
        var notJson = Path.GetTempFileName();
        try
        {
            File.WriteAllText(notJson, "not a trusted root");
            foreach (var path in new[] { notJson, notJson + ".missing" })
            {
                var refused = Assert.Throws<DeployException>(() => AttestationCheck.For(Run(), Request(("attestation-trusted-root", path))));
                Assert.StartsWith($"input 'attestation-trusted-root': '{path}' could not be read as a Sigstore trusted root: ", refused.Message, StringComparison.Ordinal);
            }
        }
        finally
        {
            File.Delete(notJson);
        }
    }

    [Fact]
    public async Task A_trusted_root_file_replaces_the_shipped_ones()
    {
        // cli/cli's test root is Sigstore's public-good instance: the attestation verifies under it, and no longer once its transparency log is taken out.
        var root = Path.Combine(AppContext.BaseDirectory, "Fixtures", "cli-trusted_root.json");
        var withoutLog = Path.GetTempFileName();
        try
        {
            var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(root))!;
            json["tlogs"] = new System.Text.Json.Nodes.JsonArray();
            File.WriteAllText(withoutLog, json.ToJsonString());

            Assert.Equal(Commit, (await AttestationCheck.For(Run(), Request(("attestation-trusted-root", root))).VerifyAsync("web", Digest, Commit, default)).SourceCommit);
            var refused = await Assert.ThrowsAsync<DeployException>(() => AttestationCheck.For(Run(), Request(("attestation-trusted-root", withoutLog))).VerifyAsync("web", Digest, Commit, default));
            Assert.Contains("no attestation in malancas/attest-demo verifies: TransparencyLog: ", refused.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(withoutLog);
        }
    }
}
