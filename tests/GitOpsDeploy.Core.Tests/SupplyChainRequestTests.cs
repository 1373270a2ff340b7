using GitOpsDeploy.Core.Planning;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Core.Steps.DigestPinning;
using GitOpsDeploy.Editing;
using GitOpsDeploy.Editing.Images;

namespace GitOpsDeploy.Core.Tests;

/// <summary>The supply-chain inputs as parsed, how a resolved digest is written, and the Attested-By trailer.</summary>
[Trait("Tier", "Unit")]
public sealed class SupplyChainRequestTests
{
    private const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private static readonly ActionContext Context = new("https://github.com", "https://api.github.com", "acme/app", "0123456789abcdef0123456789abcdef01234567", "7", true);

    private static DeployRequest Parse(params (string Name, string Value)[] extra)
    {
        var inputs = new Dictionary<string, string> { ["gitops-repository"] = "acme/gitops", ["environment"] = "staging", ["images"] = "web=ghcr.io/acme/web:1.2.0" };
        foreach (var (name, value) in extra)
        {
            inputs[name] = value;
        }

        return RequestParser.Parse(inputs, Context);
    }

    [Fact]
    public void The_input_default_pins_tag_and_digest_and_verifies_nothing()
    {
        var supply = Parse().Supply;
        Assert.Equal(PinMode.TagAndDigest, supply.Pin);
        Assert.False(supply.VerifyAttestations);
        Assert.True(supply.UsesRegistry);
        Assert.Equal(PinMode.None, Parse(("pin", "none")).Supply.Pin);
        Assert.False(Parse(("pin", "none")).Supply.UsesRegistry);
        Assert.Equal(PinMode.Digest, Parse(("pin", "digest")).Supply.Pin);
    }

    [Theory]
    [InlineData("pin", "sha", "input 'pin': 'sha' is not one of: tag-and-digest, digest, none")]
    [InlineData("registry-username", "bot", "input 'registry-password': is required with registry-username")]
    [InlineData("attestation-signer-workflow", "release.yml", "input 'attestation-signer-workflow': 'release.yml' is not owner/repo/.github/workflows/FILE.yml")]
    public void Malformed_supply_chain_inputs_are_refused_naming_the_input(string input, string value, string message)
    {
        var error = Assert.Throws<DeployException>(() => Parse((input, value)));
        Assert.Equal(ErrorKind.InvalidInput, error.Kind);
        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_registry_password_is_a_secret_of_the_run_and_signer_workflows_are_listed()
    {
        var request = Parse(("registry-username", "bot"), ("registry-password", "hunter2-registry"), ("registry-host", "registry.example.com:5000"), ("verify-attestations", "true"),
            ("attestation-signer-workflow", "acme/app/.github/workflows/release.yml@refs/heads/main\nhttps://github.com/acme/ci/.github/workflows/build.yaml"));

        Assert.Contains("hunter2-registry", request.Secrets);
        Assert.Equal("bot", request.Supply.RegistryUsername);
        Assert.Equal("registry.example.com:5000", request.Supply.RegistryHost);
        Assert.True(request.Supply.VerifyAttestations);
        Assert.Equal(["acme/app/.github/workflows/release.yml@refs/heads/main", "https://github.com/acme/ci/.github/workflows/build.yaml"], request.Supply.SignerWorkflows);
    }

    [Fact]
    public void Verifying_attestations_needs_the_full_commit_being_deployed()
    {
        var error = Assert.Throws<DeployException>(() => Parse(("verify-attestations", "true"), ("source-sha", "0123456")));
        Assert.StartsWith("input 'verify-attestations': needs source-sha as a full 40-digit commit", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(PinMode.TagAndDigest, "web=ghcr.io/acme/web:1.2.0", "web=ghcr.io/acme/web:1.2.0@" + Digest)]
    [InlineData(PinMode.Digest, "web=ghcr.io/acme/web:1.2.0", "web=ghcr.io/acme/web@" + Digest)]
    [InlineData(PinMode.None, "web=ghcr.io/acme/web:1.2.0", "web=ghcr.io/acme/web:1.2.0")]
    public void A_resolved_digest_is_written_as_the_pin_mode_says(PinMode mode, string spec, string written)
    {
        var pinned = DigestPinningStep.Pin(ImageSpec.Parse(spec), Digest, mode);
        Assert.Equal(written, pinned.ApplyTo(new ImageEntry("web", "ghcr.io/acme/web", "1.0.0", null)).ToString());
    }

    [Fact]
    public void Verified_attestations_are_recorded_as_attested_by_trailers()
    {
        var request = Parse() with
        {
            Attestations = [new AttestedImage("web", Digest, "acme/app/.github/workflows/release.yml@refs/heads/main", "4242", "0123456789abcdef0123456789abcdef01234567")],
        };
        var entry = new ImageEntry("web", "ghcr.io/acme/web", "1.2.0", Digest);
        var edit = new Editing.Overlay.OverlayEdit("environments/staging", null, [], [new Editing.Yaml.ImageChange(new ImageEntry("web", "ghcr.io/acme/web", "1.0.0", null), entry)], []);

        var trailers = CommitMessage.Trailers(request, [new TargetEdit(request.Targets[0], edit)]);

        Assert.EndsWith($"Image: {entry}\nAttested-By: acme/app/.github/workflows/release.yml@refs/heads/main, run 4242\n", trailers, StringComparison.Ordinal);
    }
}
