using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Core.Steps.DigestPinning;
using GitOpsDeploy.Editing;
using GitOpsDeploy.Editing.Images;
using NSubstitute;

namespace GitOpsDeploy.Core.Tests;

/// <summary>Digest pinning before anything is read: each image asked of its registry and written with the digest it confirms, or the run refused naming the image and the registry's answer.</summary>
[Trait("Tier", "Unit")]
public sealed class DigestPinningStepTests
{
    private const string Digest = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    private const string Other = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

    private readonly IImageRegistry registry = Substitute.For<IImageRegistry>();
    private readonly IActionRuntime runtime = Substitute.For<IActionRuntime>();
    private readonly Doubles.RecordingLogger logger = new();

    private Task<DeployRequest> Prepare(params (string, string)[] inputs)
    {
        var request = Doubles.TestRequests.Parse(inputs);
        var run = Doubles.TestRequests.Run(new DeployPorts(new Doubles.MemoryGitOps(new Dictionary<string, string>())) { Registry = registry, Attestations = Substitute.For<IAttestations>() }, logger: logger, runtime: runtime);
        return new DigestPinningStep().PrepareAsync(run, request, default);
    }

    private static DigestPresence Present(string reference) => new(new RegistryManifest(reference, Digest, "application/vnd.oci.image.manifest.v1+json", false), "200");

    [Theory]
    [InlineData("tag-and-digest", "web=ghcr.io/acme/web:1.2.0@" + Digest)]
    [InlineData("digest", "web=ghcr.io/acme/web@" + Digest)]
    public async Task A_tag_is_resolved_and_written_with_its_digest(string pin, string written)
    {
        registry.ResolveAsync("ghcr.io/acme/web:1.2.0", Arg.Any<CancellationToken>()).Returns(new RegistryManifest("ghcr.io/acme/web:1.2.0", Digest, "application/vnd.oci.image.index.v1+json", true));

        var request = await Prepare(("images", "web=ghcr.io/acme/web:1.2.0"), ("pin", pin));

        Assert.Equal(written, Assert.Single(request.Change.Images).ToString());
        Assert.Equal(new ResolvedImage("ghcr.io/acme/web", Digest), request.Supply.Resolved["web"]);
    }

    [Fact]
    public async Task A_given_digest_is_checked_to_exist_with_its_tag()
    {
        registry.ExistsAsync($"ghcr.io/acme/web:1.2.0@{Digest}", Arg.Any<CancellationToken>()).Returns(Present("x"));
        registry.ExistsAsync($"ghcr.io/acme/web@{Other}", Arg.Any<CancellationToken>()).Returns(new DigestPresence(null, "404 MANIFEST_UNKNOWN"));

        var request = await Prepare(("images", $"web=ghcr.io/acme/web:1.2.0@{Digest}"), ("pin", "tag-and-digest"));
        var missing = await Assert.ThrowsAsync<DeployException>(() => Prepare(("images", $"web=ghcr.io/acme/web@{Other}"), ("pin", "tag-and-digest")));

        Assert.Equal(Digest, request.Supply.Resolved["web"].Digest);
        await registry.DidNotReceiveWithAnyArgs().ResolveAsync(default!, default);
        Assert.Equal(ErrorKind.NotFound, missing.Kind);
        Assert.Equal($"image 'web': ghcr.io/acme/web@{Other} is not in its registry (404 MANIFEST_UNKNOWN); nothing was written", missing.Message);
    }

    [Theory]
    [InlineData(ErrorKind.NotFound, "; push the image first, or check the tag")]
    [InlineData(ErrorKind.AuthenticationFailed, "; give registry-username and registry-password (for ghcr.io, a token with packages: read)")]
    [InlineData(ErrorKind.Transient, "; with a registry the runner cannot reach, pin: none writes the tag without asking it")]
    [InlineData(ErrorKind.Policy, "")]
    public async Task A_registry_failure_names_the_image_and_says_what_to_do(ErrorKind kind, string hint)
    {
        registry.ResolveAsync(default!, default).ReturnsForAnyArgs(Task.FromException<RegistryManifest>(new DeployException(kind, "the registry said no")));

        var error = await Assert.ThrowsAsync<DeployException>(() => Prepare(("images", "web=ghcr.io/acme/web:1.2.0"), ("pin", "tag-and-digest")));

        Assert.Equal(kind, error.Kind);
        Assert.Equal($"image 'web' (ghcr.io/acme/web:1.2.0): the registry said no{hint}; nothing was written", error.Message);
    }

    [Theory]
    [InlineData("web=*:1.2.0", "keeps a part of the overlay's reference ('*')")]
    [InlineData("web=ghcr.io/acme/web:*", "keeps a part of the overlay's reference ('*')")]
    [InlineData("web=ghcr.io/acme/web", "gives neither a tag nor a digest")]
    public async Task An_image_whose_reference_the_overlay_completes_is_written_unpinned_with_a_warning(string image, string why)
    {
        var request = await Prepare(("images", image), ("pin", "tag-and-digest"));

        Assert.Equal(image, Assert.Single(request.Change.Images).ToString());
        Assert.Empty(request.Supply.Resolved);
        runtime.Received(1).Warning(Arg.Is<string>(w => w.StartsWith("image 'web' is written without a digest: ", StringComparison.Ordinal) && w.Contains(why, StringComparison.Ordinal) && w.EndsWith(" (pin)", StringComparison.Ordinal)), Arg.Any<SourceLocation?>());
    }

    [Fact]
    public async Task Pin_none_a_rollback_and_a_promotion_ask_no_registry()
    {
        await Prepare(("images", "web=ghcr.io/acme/web:1.2.0"), ("pin", "none"));
        await Prepare(("images", "web"), ("rollback", "true"), ("pin", "tag-and-digest"));
        await Prepare(("images", "web"), ("promote-from", "qa"), ("pin", "tag-and-digest"));

        await registry.DidNotReceiveWithAnyArgs().ResolveAsync(default!, default);
        await registry.DidNotReceiveWithAnyArgs().ExistsAsync(default!, default);
    }

    [Fact]
    public void Pin_none_keeps_the_spec_as_given() =>
        Assert.Equal("web=ghcr.io/acme/web:1.2.0", DigestPinningStep.Pin(ImageSpec.Parse("web=ghcr.io/acme/web:1.2.0"), Digest, PinMode.None).ToString());

    [Fact]
    public async Task With_attestations_to_verify_an_image_without_a_digest_to_ask_for_is_refused()
    {
        var error = await Assert.ThrowsAsync<DeployException>(() => Prepare(("images", "web=ghcr.io/acme/web"), ("verify-attestations", "true")));

        Assert.Equal("input 'images': image 'web': 'web=ghcr.io/acme/web' gives neither a tag nor a digest, so there is no digest to verify an attestation for; give the full reference (NAME=REGISTRY/REPOSITORY:TAG)", error.Message);
        runtime.DidNotReceiveWithAnyArgs().Warning(default!);
    }

    [Theory]
    [InlineData(true, " (a multi-platform index: its digest is pinned)")]
    [InlineData(false, "")]
    public async Task What_each_image_resolved_to_is_said(bool index, string said)
    {
        registry.ResolveAsync("ghcr.io/acme/web:1.2.0", Arg.Any<CancellationToken>()).Returns(new RegistryManifest("ghcr.io/acme/web:1.2.0", Digest, "application/vnd.oci.image.index.v1+json", index));
        registry.ExistsAsync($"ghcr.io/acme/api:3@{Other}", Arg.Any<CancellationToken>()).Returns(Present("x"));

        await Prepare(("images", $"web=ghcr.io/acme/web:1.2.0\napi=ghcr.io/acme/api:3@{Other}"), ("pin", "digest"));

        Assert.Equal([$"web: ghcr.io/acme/web:1.2.0 is {Digest}{said}", $"api: ghcr.io/acme/api:3@{Other} is in its registry"], logger.Lines);
        runtime.Received(1).Group("Resolve image digests");
    }

    [Fact]
    public async Task An_unreachable_registry_is_not_a_reason_to_suggest_pin_none_when_attestations_are_required()
    {
        registry.ResolveAsync(default!, default).ReturnsForAnyArgs(Task.FromException<RegistryManifest>(new DeployException(ErrorKind.Transient, "connection refused")));

        var error = await Assert.ThrowsAsync<DeployException>(() => Prepare(("images", "web=ghcr.io/acme/web:1.2.0"), ("verify-attestations", "true")));

        Assert.Equal("image 'web' (ghcr.io/acme/web:1.2.0): connection refused; nothing was written", error.Message);
    }

    [Theory]
    [InlineData("deploy")]
    [InlineData("promote")]
    public async Task A_trusted_root_that_cannot_be_read_is_refused_before_any_registry_is_asked(string kind)
    {
        var inputs = kind == "deploy"
            ? new[] { ("images", "web=ghcr.io/acme/web:1.2.0"), ("verify-attestations", "true"), ("attestation-trusted-root", "/nonexistent/root.json") }
            : [("environment", "production"), ("images", "web"), ("promote-from", "staging"), ("verify-attestations", "true"), ("attestation-trusted-root", "/nonexistent/root.json")];

        var error = await Assert.ThrowsAsync<DeployException>(() => Prepare(inputs));

        Assert.StartsWith("input 'attestation-trusted-root': '/nonexistent/root.json' could not be read as a Sigstore trusted root", error.Message, StringComparison.Ordinal);
        await registry.DidNotReceiveWithAnyArgs().ResolveAsync(default!, default);
    }

    [Theory]
    [InlineData("rollback")]
    [InlineData("values only")]
    [InlineData("not asked")]
    public async Task The_trusted_root_is_not_read_where_nothing_is_verified(string kind)
    {
        (string, string)[] inputs = kind switch
        {
            "rollback" => [("images", "web"), ("rollback", "true"), ("verify-attestations", "true"), ("attestation-trusted-root", "/nonexistent/root.json")],
            "values only" => [("images", ""), ("set", "values.yaml:a=1"), ("verify-attestations", "true"), ("attestation-trusted-root", "/nonexistent/root.json")],
            _ => [("images", "web:1"), ("pin", "none"), ("attestation-trusted-root", "/nonexistent/root.json")],
        };

        var request = await Prepare(inputs);

        Assert.Empty(request.Supply.Resolved);
    }
}
