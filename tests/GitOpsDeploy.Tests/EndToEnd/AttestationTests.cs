using GitOpsDeploy.Registry.Tests;
using GitOpsDeploy.Sigstore.Tests;
using GitOpsDeploy.Tests.Fakes;

namespace GitOpsDeploy.Tests.EndToEnd;

/// <summary>
/// verify-attestations, the whole program: the image's digest comes from a real registry (docker-registry + skopeo),
/// its attestations from the fake GitHub's <c>GET /repos/{owner}/{repo}/attestations/{subject_digest}</c>, as GitHub
/// serves them, holding bundles minted by <see cref="LocalSigstore"/> (a Fulcio-shaped CA and an RFC 3161 TSA, real
/// signatures) whose trusted root is given as attestation-trusted-root. The fake plays a GitHub Enterprise Server at
/// its own URL, so the certificates name that server and its OIDC issuer.
/// </summary>
[Trait("Tier", "EndToEnd")]
public sealed class AttestationTests(RegistryFixture registry) : GitOpsFixture, IClassFixture<RegistryFixture>, IDisposable
{
    private const string DeployedCommit = "0123456789abcdef0123456789abcdef01234567";
    private readonly OciLayout layout = new();
    private readonly LocalSigstore sigstore = new();
    private readonly string trustedRoot = Path.Combine(Directory.CreateTempSubdirectory("trusted-root-").FullName, "trusted_root.json");

    public void Dispose()
    {
        sigstore.Dispose();
        Directory.Delete(Path.GetDirectoryName(trustedRoot)!, recursive: true);
    }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await File.WriteAllTextAsync(trustedRoot, sigstore.TrustedRootJson());
    }

    public override async Task DisposeAsync()
    {
        layout.Dispose();
        await base.DisposeAsync();
    }

    private static string Repository() => $"acme/web-{Guid.NewGuid():N}"[..20];

    private BuildClaims Claims(string commit = DeployedCommit, string workflow = ".github/workflows/release.yml", string runner = "github-hosted", string repository = "acme/app") =>
        new(Repository: repository, Commit: commit, Workflow: workflow, Runner: runner, RunId: "9001", Server: GitHub.ServerUrl);

    /// <summary>A bundle for the digest, as the app repository's CI would have stored it (actions/attest-build-provenance).</summary>
    private void Attest(string digest, BuildClaims claims) =>
        App.Attestations.Add((digest, sigstore.Bundle(digest, LocalSigstore.Epoch, LocalSigstore.Epoch.AddSeconds(5), claims: claims)));

    private async Task<(string Image, string Digest)> PushAsync(string tag)
    {
        var repository = Repository();
        var image = layout.AddImage(tag);
        await registry.PushAsync(layout, tag, repository);
        return ($"{registry.Host}/{repository}", image.Digest);
    }

    private Dictionary<string, string> Verified(string image, params (string Name, string Value)[] more) =>
        Inputs([("images", image), ("pin", "tag-and-digest"), ("token", SourceToken), ("verify-attestations", "true"), ("attestation-trusted-root", trustedRoot), .. more]);

    [SkippableFact]
    public async Task An_attested_digest_is_deployed_with_an_Attested_By_trailer_and_a_summary_line()
    {
        registry.RequireTools();
        var (name, digest) = await PushAsync("1.1.0");
        Attest(digest, Claims());

        var result = await Run(Verified($"web={name}:1.1.0"));

        Assert.True(result.ExitCode == 0, result.Stdout);
        var message = Repo.Message(Repo.Head());
        Assert.Contains("\nAttested-By: acme/app/.github/workflows/release.yml@refs/heads/main, run 9001\n", message + "\n", StringComparison.Ordinal);
        Assert.Contains($"Attested: `web` `{digest}` was built and signed by `acme/app/.github/workflows/release.yml@refs/heads/main, run 9001` from `0123456789ab`", result.Summary, StringComparison.Ordinal);
        Assert.Contains($"digest: {digest}", Repo.ReadFile("environments/staging/kustomization.yaml"), StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_digest_built_from_another_commit_is_refused_before_anything_is_written()
    {
        registry.RequireTools();
        var (name, digest) = await PushAsync("1.1.0");
        Attest(digest, Claims(commit: "fedcba9876543210fedcba9876543210fedcba98"));
        var head = Repo.Head();

        var result = await Run(Verified($"web={name}:1.1.0"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"image 'web' ({digest}): no attestation in acme/app verifies", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("fedcba9876543210fedcba9876543210fedcba98", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(head, Repo.Head());
        Assert.Empty(App.Deployments);
    }

    [SkippableFact]
    public async Task A_digest_without_attestations_is_refused_with_GitHubs_answer()
    {
        registry.RequireTools();
        var (name, digest) = await PushAsync("1.1.0");
        var head = Repo.Head();

        var result = await Run(Verified($"web={name}:1.1.0"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"image 'web' ({digest}) has no attestation in acme/app (GitHub answered 404", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(head, Repo.Head());
        Assert.Empty(App.Deployments);
    }

    [SkippableFact]
    public async Task The_signer_workflow_allow_list_refuses_another_workflow_and_accepts_a_listed_one()
    {
        registry.RequireTools();
        var (name, digest) = await PushAsync("1.1.0");
        Attest(digest, Claims(workflow: ".github/workflows/nightly.yml"));
        var head = Repo.Head();

        var refused = await Run(Verified($"web={name}:1.1.0", ("attestation-signer-workflow", "acme/app/.github/workflows/release.yml")));

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("nightly.yml", refused.Stdout, StringComparison.Ordinal);
        Assert.Equal(head, Repo.Head());
        Assert.Empty(App.Deployments);

        var accepted = await Run(Verified($"web={name}:1.1.0", ("attestation-signer-workflow", "acme/app/.github/workflows/release.yml\nacme/app/.github/workflows/nightly.yml@refs/heads/main")));
        Assert.True(accepted.ExitCode == 0, accepted.Stdout);
        Assert.Contains("Attested-By: acme/app/.github/workflows/nightly.yml@refs/heads/main, run 9001", Repo.Message(Repo.Head()), StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_self_hosted_build_is_refused_unless_allowed()
    {
        registry.RequireTools();
        var (name, digest) = await PushAsync("1.1.0");
        Attest(digest, Claims(runner: "self-hosted"));
        var head = Repo.Head();

        var refused = await Run(Verified($"web={name}:1.1.0"));

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("self-hosted", refused.Stdout, StringComparison.Ordinal);
        Assert.Equal(head, Repo.Head());

        var allowed = await Run(Verified($"web={name}:1.1.0", ("attestation-allow-self-hosted", "true")));
        Assert.True(allowed.ExitCode == 0, allowed.Stdout);
    }

    [SkippableFact]
    public async Task A_bundle_signed_under_another_trust_root_is_refused()
    {
        registry.RequireTools();
        var (name, digest) = await PushAsync("1.1.0");
        using var stranger = new LocalSigstore();
        App.Attestations.Add((digest, stranger.Bundle(digest, LocalSigstore.Epoch, LocalSigstore.Epoch.AddSeconds(5), claims: Claims())));
        var head = Repo.Head();

        var result = await Run(Verified($"web={name}:1.1.0"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"image 'web' ({digest}): no attestation in acme/app verifies", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(head, Repo.Head());
        Assert.Empty(App.Deployments);
    }

    [Theory]
    [InlineData("/nonexistent/trusted_root.json")]
    [InlineData("NOT-JSON")]
    public async Task An_unreadable_trusted_root_is_an_input_error_naming_the_input_before_any_registry_is_asked(string path)
    {
        if (path == "NOT-JSON")
        {
            path = Path.Combine(Path.GetDirectoryName(trustedRoot)!, "garbage.json");
            await File.WriteAllTextAsync(path, "{\"mediaType\": 42");
        }

        // A registry nobody listens on: had it been asked, the error would name it instead.
        var closed = $"127.0.0.1:{RegistryFixture.FreePort()}";
        var head = Repo.Head();

        var result = await Run(Verified($"web={closed}/acme/web:1.1.0", ("attestation-trusted-root", path)));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"input 'attestation-trusted-root': '{path}' could not be read as a Sigstore trusted root", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(closed, result.Stdout, StringComparison.Ordinal);
        Assert.Equal(head, Repo.Head());
        Assert.Empty(App.Deployments);
    }

    [Fact]
    public async Task Without_GITHUB_SERVER_URL_the_signing_host_is_unknown_and_the_run_is_refused_before_any_registry()
    {
        // The issuer the certificates must name comes from the runner's server and API URLs, never from a built-in host.
        var closed = $"127.0.0.1:{RegistryFixture.FreePort()}";

        var inputs = Verified($"web={closed}/acme/web:1.1.0");
        inputs["gitops-repository"] = $"{GitHub.ServerUrl}/acme/gitops.git";
        inputs["commit-method"] = "git";

        var result = await ActionRun.RunAsync(GitHub, inputs, new Dictionary<string, string> { ["GITHUB_SERVER_URL"] = string.Empty });

        Assert.Equal(1, result.ExitCode);
        Assert.True(result.Stdout.Contains("input 'verify-attestations': needs to know the GitHub", StringComparison.Ordinal), result.Stdout);
        Assert.True(result.Stdout.Contains("GITHUB_SERVER_URL is not set", StringComparison.Ordinal), result.Stdout);
        Assert.DoesNotContain(closed, result.Stdout, StringComparison.Ordinal);
        Assert.Empty(App.Deployments);
    }

    [Fact]
    public async Task Without_a_token_to_read_attestations_the_run_is_refused_naming_the_input()
    {
        var closed = $"127.0.0.1:{RegistryFixture.FreePort()}";
        var inputs = Verified($"web={closed}/acme/web:1.1.0");
        inputs.Remove("token");

        var result = await ActionRun.RunAsync(GitHub, inputs, new Dictionary<string, string> { ["GITHUB_TOKEN"] = string.Empty });

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("verify-attestations", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("needs token", result.Stdout, StringComparison.Ordinal);
        Assert.Empty(App.Deployments);
    }

    [SkippableFact]
    public async Task Promotion_verifies_the_staged_digest_again_and_refuses_one_whose_attestation_is_gone()
    {
        registry.RequireTools();
        var (name, digest) = await PushAsync("1.5.0");
        Attest(digest, Claims());
        var staged = await Run(Verified($"web={name}:1.5.0"));
        Assert.True(staged.ExitCode == 0, staged.Stdout);

        var promote = Verified("web", ("environment", "production"), ("promote-from", "staging"));
        var promoted = await Run(promote);
        Assert.True(promoted.ExitCode == 0, promoted.Stdout);
        Assert.Contains($"digest: {digest}", Repo.ReadFile("environments/production/kustomization.yaml"), StringComparison.Ordinal);
        Assert.Contains("Attested-By: acme/app/.github/workflows/release.yml@refs/heads/main, run 9001", Repo.Message(Repo.Head()), StringComparison.Ordinal);

        // The attestation is deleted (or was never readable by this token): production refuses what it cannot prove.
        Repo.Commit(new Dictionary<string, string> { ["environments/production/kustomization.yaml"] = StagingKustomization.Replace("1.0.0", "0.9.0", StringComparison.Ordinal) }, "roll production back by hand");
        App.Attestations.Clear();
        var head = Repo.Head();
        var deployments = App.Deployments.Count;

        var refused = await Run(promote);

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains($"({digest}) has no attestation in acme/app", refused.Stdout, StringComparison.Ordinal);
        Assert.Equal(head, Repo.Head());
        Assert.Equal(deployments, App.Deployments.Count);
        Assert.DoesNotContain(App.Deployments, d => d.LastState == "in_progress");
    }
}
