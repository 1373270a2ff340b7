using GitOpsDeploy.Registry.Tests;

namespace GitOpsDeploy.Tests.EndToEnd;

/// <summary>
/// pin against a real registry (Debian's docker-registry on loopback, images pushed with skopeo): the tag is written
/// with the digest the registry confirms, a tag that is not there is refused before anything is written, and a
/// promotion re-checks the digest it copies.
/// </summary>
[Trait("Tier", "EndToEnd")]
public sealed class DigestPinningTests(RegistryFixture registry) : GitOpsFixture, IClassFixture<RegistryFixture>
{
    private readonly OciLayout layout = new();

    public override async Task DisposeAsync()
    {
        layout.Dispose();
        await base.DisposeAsync();
    }

    /// <summary>A repository of this test alone in the shared registry.</summary>
    private static string Repository() => $"acme/web-{Guid.NewGuid():N}"[..20];

    private Dictionary<string, string> Pinned(string image, params (string Name, string Value)[] more) =>
        Inputs([("images", image), ("pin", "tag-and-digest"), ("token", SourceToken), .. more]);

    [SkippableFact]
    public async Task A_tag_is_written_with_the_digest_the_registry_confirms_in_a_kustomize_overlay()
    {
        registry.RequireTools();
        var repository = Repository();
        var image = layout.AddImage("1.1.0");
        await registry.PushAsync(layout, "1.1.0", repository);

        var result = await Run(Pinned($"web={registry.Host}/{repository}:1.1.0"));

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Equal(await registry.SkopeoDigestAsync(repository, "1.1.0"), image.Digest);
        var file = Repo.ReadFile("environments/staging/kustomization.yaml");
        Assert.Contains($"newName: {registry.Host}/{repository}\n    newTag: \"1.1.0\" # current release\n    digest: {image.Digest}", file, StringComparison.Ordinal);
        Assert.Contains($"\nImage: web={registry.Host}/{repository}:1.1.0@{image.Digest}\n", Repo.Message(Repo.Head()) + "\n", StringComparison.Ordinal);
        Assert.Equal($"web={registry.Host}/{repository}:1.1.0@{image.Digest}", result.Output("images"));
        Assert.Contains($"is {image.Digest}", result.Stdout, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Pin_digest_writes_the_digest_alone_and_a_given_digest_is_checked_to_exist()
    {
        registry.RequireTools();
        var repository = Repository();
        var image = layout.AddImage("2.0.0");
        await registry.PushAsync(layout, "2.0.0", repository);

        var digestOnly = await Run(Pinned($"web={registry.Host}/{repository}:2.0.0", ("pin", "digest")));
        Assert.True(digestOnly.ExitCode == 0, digestOnly.Stdout);
        var file = Repo.ReadFile("environments/staging/kustomization.yaml");
        Assert.Contains($"newName: {registry.Host}/{repository}\n    digest: {image.Digest}", file, StringComparison.Ordinal);
        Assert.DoesNotContain("newTag: \"1.0.0\"", file, StringComparison.Ordinal);

        var head = Repo.Head();
        var unknown = "sha256:" + new string('e', 64);
        var refused = await Run(Pinned($"web={registry.Host}/{repository}@{unknown}"));
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains($"image 'web': {registry.Host}/{repository}@{unknown} is not in its registry", refused.Stdout, StringComparison.Ordinal);
        Assert.Equal(head, Repo.Head());
    }

    [SkippableFact]
    public async Task A_tag_is_pinned_in_helm_values()
    {
        registry.RequireTools();
        var repository = Repository();
        var image = layout.AddImage("1.4.2");
        await registry.PushAsync(layout, "1.4.2", repository);
        Repo.Commit(new Dictionary<string, string> { ["helm/staging/values.yaml"] = $"image:\n  repository: {registry.Host}/{repository}\n  tag: \"1.0.0\"\n  digest: \"\"\nreplicas: 2\n" }, "helm values folder");

        var result = await Run(Pinned($"web={registry.Host}/{repository}:1.4.2", ("overlay-path", "helm/staging")));

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Equal($"image:\n  repository: {registry.Host}/{repository}\n  tag: \"1.4.2\"\n  digest: \"{image.Digest}\"\nreplicas: 2", Repo.ReadFile("helm/staging/values.yaml").TrimEnd('\n'));
    }

    [SkippableFact]
    public async Task A_tag_that_is_not_in_the_registry_is_refused_before_anything_is_written()
    {
        registry.RequireTools();
        var repository = Repository();
        layout.AddImage("1.0.0");
        await registry.PushAsync(layout, "1.0.0", repository);
        var head = Repo.Head();

        var result = await Run(Pinned($"web={registry.Host}/{repository}:9.9.9"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"image 'web' ({registry.Host}/{repository}:9.9.9)", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("MANIFEST_UNKNOWN", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("nothing was written", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(head, Repo.Head());
        Assert.Empty(App.Deployments);
    }

    [SkippableFact]
    public async Task A_tag_moved_between_two_runs_is_pinned_to_its_new_digest()
    {
        registry.RequireTools();
        var repository = Repository();
        var first = layout.AddImage("rc");
        await registry.PushAsync(layout, "rc", repository);
        var one = await Run(Pinned($"web={registry.Host}/{repository}:rc"));
        var second = layout.AddImage("rc");
        await registry.PushAsync(layout, "rc", repository);
        var two = await Run(Pinned($"web={registry.Host}/{repository}:rc"));

        Assert.True(one.ExitCode == 0, one.Stdout);
        Assert.True(two.ExitCode == 0, two.Stdout);
        Assert.NotEqual(first.Digest, second.Digest);
        Assert.Equal($"web={registry.Host}/{repository}:rc@{first.Digest}", one.Output("images"));
        Assert.Equal($"web={registry.Host}/{repository}:rc@{second.Digest}", two.Output("images"));
        Assert.Equal("pushed", two.Output("operation"));
        Assert.Contains($"digest: {second.Digest}", Repo.ReadFile("environments/staging/kustomization.yaml"), StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_multi_platform_index_pins_the_index_digest()
    {
        registry.RequireTools();
        var repository = Repository();
        var (index, images) = layout.AddIndex("3.0.0", "amd64", "arm64");
        await registry.PushAsync(layout, "3.0.0", repository, all: true);

        var result = await Run(Pinned($"web={registry.Host}/{repository}:3.0.0"));

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Equal($"web={registry.Host}/{repository}:3.0.0@{index.Digest}", result.Output("images"));
        Assert.DoesNotContain(images, i => result.Output("images").Contains(i.Digest, StringComparison.Ordinal));
        Assert.Contains("multi-platform index", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_registry_is_a_clear_error_and_pin_none_writes_the_tag_as_before()
    {
        var closed = $"127.0.0.1:{RegistryFixture.FreePort()}";
        var head = Repo.Head();

        var refused = await Run(Pinned($"web={closed}/acme/web:1.1.0"));

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains($"image 'web' ({closed}/acme/web:1.1.0)", refused.Stdout, StringComparison.Ordinal);
        Assert.Contains("pin: none writes the tag without asking it", refused.Stdout, StringComparison.Ordinal);
        Assert.Equal(head, Repo.Head());
        Assert.Empty(App.Deployments);

        var unpinned = await Run(Pinned($"web={closed}/acme/web:1.1.0", ("pin", "none")));
        Assert.True(unpinned.ExitCode == 0, unpinned.Stdout);
        Assert.Equal($"web={closed}/acme/web:1.1.0", unpinned.Output("images"));
        Assert.DoesNotContain("digest:", Repo.ReadFile("environments/staging/kustomization.yaml"), StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task An_image_the_overlay_pulls_from_another_repository_is_refused_rather_than_pinned_to_the_wrong_one()
    {
        registry.RequireTools();
        var repository = Repository();
        layout.AddImage("1.1.0");
        await registry.PushAsync(layout, "1.1.0", repository);
        // The overlay maps the kustomize image name to another repository with its own newName: the digest resolved
        // for the name would land next to a newName it does not belong to.
        var name = $"{registry.Host}/{repository}";
        Repo.Commit(new Dictionary<string, string> { ["environments/staging/kustomization.yaml"] = $"resources:\n  - ../../base\nimages:\n  - name: {name}\n    newName: ghcr.io/acme/mirror\n    newTag: \"1.0.0\"\n" }, "mirror");
        var head = Repo.Head();

        var result = await Run(Pinned($"{name}:1.1.0"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"pulls it from 'ghcr.io/acme/mirror', but its digest was resolved in '{name}'", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(head, Repo.Head());
        Assert.Empty(App.Deployments);
    }

    [SkippableFact]
    public async Task Promotion_copies_the_staged_digest_and_refuses_one_that_disappeared_from_the_registry()
    {
        registry.RequireTools();
        var repository = Repository();
        var image = layout.AddImage("1.5.0");
        await registry.PushAsync(layout, "1.5.0", repository);
        Assert.Equal(0, (await Run(Pinned($"web={registry.Host}/{repository}:1.5.0"))).ExitCode);

        var promoted = await Run(Inputs(("environment", "production"), ("promote-from", "staging"), ("images", "web"), ("pin", "tag-and-digest"), ("token", SourceToken)));
        Assert.True(promoted.ExitCode == 0, promoted.Stdout);
        Assert.Contains($"newName: {registry.Host}/{repository}\n    newTag: \"1.5.0\" # current release\n    digest: {image.Digest}", Repo.ReadFile("environments/production/kustomization.yaml"), StringComparison.Ordinal);

        // Staging moves on to a digest that is then deleted from the registry (distribution: DELETE /v2/<name>/manifests/<digest>).
        var gone = layout.AddImage("1.6.0");
        await registry.PushAsync(layout, "1.6.0", repository);
        Assert.Equal(0, (await Run(Pinned($"web={registry.Host}/{repository}:1.6.0"))).ExitCode);
        using (var http = new HttpClient())
        {
            using var deleted = await http.DeleteAsync($"http://{registry.Host}/v2/{repository}/manifests/{gone.Digest}");
            Assert.Equal(System.Net.HttpStatusCode.Accepted, deleted.StatusCode);
        }

        var head = Repo.Head();
        var refused = await Run(Inputs(("environment", "production"), ("promote-from", "staging"), ("images", "web"), ("pin", "tag-and-digest"), ("token", SourceToken)));

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains($"staging runs {registry.Host}/{repository}:1.6.0@{gone.Digest}, which is no longer in its registry", refused.Stdout, StringComparison.Ordinal);
        Assert.Contains("MANIFEST_UNKNOWN", refused.Stdout, StringComparison.Ordinal);
        Assert.Equal(head, Repo.Head());
        Assert.Contains($"digest: {image.Digest}", Repo.ReadFile("environments/production/kustomization.yaml"), StringComparison.Ordinal);
    }
}
