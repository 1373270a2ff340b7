using System.Net;

namespace GitOpsDeploy.Registry.Tests;

/// <summary>Tags resolved and digests checked against a real registry (distribution 2.8) that skopeo pushed to.</summary>
[Trait("Tier", "Adapter")]
public sealed class RealRegistryTests(RegistryFixture registry) : IClassFixture<RegistryFixture>, IDisposable
{
    private readonly OciLayout layout = new();
    private readonly List<string> log = [];
    private readonly RegistryClient client = new(new RegistryClientOptions { Timeout = TimeSpan.FromSeconds(30), RetryDelay = TimeSpan.FromMilliseconds(50) });

    public void Dispose()
    {
        client.Dispose();
        layout.Dispose();
    }

    [SkippableFact]
    public async Task A_tag_resolves_to_the_digest_the_registry_serves_which_skopeo_reads_too()
    {
        registry.RequireTools();
        var image = layout.AddImage("v1");
        await registry.PushAsync(layout, "v1", "acme/web");

        var resolved = await client.ResolveAsync(registry.Reference("acme/web", "v1"));

        Assert.Equal(image.Digest, resolved.Digest);
        Assert.Equal(await registry.SkopeoDigestAsync("acme/web", "v1"), resolved.Digest);
        Assert.Equal(ManifestMediaTypes.OciManifest, resolved.MediaType);
        Assert.False(resolved.IsIndex);
        Assert.Equal(image.Bytes.Length, resolved.Size);
        Assert.Equal($"{registry.Host}/acme/web:v1@{image.Digest}", resolved.Reference.ToString());
    }

    [SkippableFact]
    public async Task A_reference_parsed_from_text_resolves_the_same()
    {
        registry.RequireTools();
        var image = layout.AddImage("1.0.0");
        await registry.PushAsync(layout, "1.0.0", "acme/parsed/deep");

        var resolved = await client.ResolveAsync(ImageReference.Parse($"{registry.Host}/acme/parsed/deep:1.0.0"));

        Assert.Equal(image.Digest, resolved.Digest);
    }

    [SkippableFact]
    public async Task A_tag_moved_by_a_second_push_resolves_to_the_new_digest()
    {
        registry.RequireTools();
        var first = layout.AddImage("stable");
        await registry.PushAsync(layout, "stable", "acme/moving");
        var before = await client.ResolveAsync(registry.Reference("acme/moving", "stable"));

        var second = layout.AddImage("stable");
        await registry.PushAsync(layout, "stable", "acme/moving");
        var after = await client.ResolveAsync(registry.Reference("acme/moving", "stable"));

        Assert.Equal(first.Digest, before.Digest);
        Assert.Equal(second.Digest, after.Digest);
        Assert.NotEqual(before.Digest, after.Digest);
        Assert.Equal(await registry.SkopeoDigestAsync("acme/moving", "stable"), after.Digest);
    }

    [SkippableFact]
    public async Task A_multi_platform_index_resolves_to_the_index_digest_and_says_it_is_an_index()
    {
        registry.RequireTools();
        var (index, images) = layout.AddIndex("multi", "amd64", "arm64");
        await registry.PushAsync(layout, "multi", "acme/multi", all: true);

        var resolved = await client.ResolveAsync(registry.Reference("acme/multi", "multi"));

        Assert.Equal(index.Digest, resolved.Digest);
        Assert.Equal(await registry.SkopeoDigestAsync("acme/multi", "multi"), resolved.Digest);
        Assert.True(resolved.IsIndex);
        Assert.Equal(ManifestMediaTypes.OciIndex, resolved.MediaType);

        // Each platform's manifest is there by its own digest, and is not an index.
        foreach (var image in images)
        {
            var presence = await client.ExistsAsync(registry.Reference("acme/multi", digest: image.Digest));
            Assert.True(presence.Exists);
            Assert.False(presence.Manifest!.IsIndex);
        }
    }

    [SkippableFact]
    public async Task A_docker_manifest_list_is_an_index_too()
    {
        registry.RequireTools();
        layout.AddIndex("list", "amd64", "arm64");
        await registry.PushAsync(layout, "list", "acme/dockerlist", all: true, format: "v2s2");

        var resolved = await client.ResolveAsync(registry.Reference("acme/dockerlist", "list"));

        Assert.Equal(ManifestMediaTypes.DockerManifestList, resolved.MediaType);
        Assert.True(resolved.IsIndex);
        Assert.Equal(await registry.SkopeoDigestAsync("acme/dockerlist", "list"), resolved.Digest);
    }

    [SkippableFact]
    public async Task A_missing_tag_is_not_found_with_the_registrys_manifest_unknown()
    {
        registry.RequireTools();
        layout.AddImage("v1");
        await registry.PushAsync(layout, "v1", "acme/tagged");

        var e = await Assert.ThrowsAsync<RegistryException>(() => client.ResolveAsync(registry.Reference("acme/tagged", "v2")));

        Assert.Equal(RegistryErrorKind.NotFound, e.Kind);
        Assert.False(e.RepositoryMissing);
        Assert.Equal(404, e.StatusCode);
        Assert.Contains(e.Errors, x => x.Code == "MANIFEST_UNKNOWN" && x.Message == "manifest unknown");
        Assert.Contains("tag 'v2' does not exist in repository 'acme/tagged'", e.Message, StringComparison.Ordinal);
        Assert.Contains("MANIFEST_UNKNOWN: manifest unknown", e.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_missing_repository_is_not_found_and_says_the_repository_is_unknown()
    {
        registry.RequireTools();

        var e = await Assert.ThrowsAsync<RegistryException>(() => client.ResolveAsync(registry.Reference("acme/never-pushed", "v1")));

        Assert.Equal(RegistryErrorKind.NotFound, e.Kind);
        Assert.True(e.RepositoryMissing);
        Assert.Contains(e.Errors, x => x.Code == "NAME_UNKNOWN");
        Assert.Contains("repository 'acme/never-pushed' does not exist", e.Message, StringComparison.Ordinal);
        Assert.Contains("NAME_UNKNOWN: repository name not known to registry", e.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_pinned_digest_exists_until_it_is_deleted_then_the_registrys_answer_is_given()
    {
        registry.RequireTools();
        var image = layout.AddImage("v1");
        await registry.PushAsync(layout, "v1", "acme/promote");
        var pinned = registry.Reference("acme/promote", "v1", image.Digest);

        var present = await client.ExistsAsync(pinned);
        Assert.True(present.Exists);
        Assert.Equal(image.Digest, present.Manifest!.Digest);
        Assert.Equal(pinned, present.Manifest.Reference);

        using (var http = new HttpClient())
        using (var delete = await http.DeleteAsync($"http://{registry.Host}/v2/acme/promote/manifests/{image.Digest}"))
        {
            Assert.Equal(HttpStatusCode.Accepted, delete.StatusCode);
        }

        var gone = await client.ExistsAsync(pinned);

        Assert.False(gone.Exists);
        Assert.Null(gone.Manifest);
        var e = Assert.Throws<RegistryException>(() => gone.EnsureExists());
        Assert.Equal(RegistryErrorKind.NotFound, e.Kind);
        Assert.False(e.RepositoryMissing);
        Assert.Contains(e.Errors, x => x.Code == "MANIFEST_UNKNOWN");
        Assert.Contains($"manifest {image.Digest} does not exist in repository 'acme/promote'", e.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_digest_never_pushed_does_not_exist()
    {
        registry.RequireTools();
        layout.AddImage("v1");
        await registry.PushAsync(layout, "v1", "acme/other");
        var unknown = "sha256:" + new string('0', 64);

        var presence = await client.ExistsAsync(registry.Reference("acme/other", digest: unknown));

        Assert.False(presence.Exists);
        Assert.Contains("MANIFEST_UNKNOWN", presence.NotFound!.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Resolving_a_reference_with_only_a_digest_looks_it_up_by_digest()
    {
        registry.RequireTools();
        var image = layout.AddImage("v1");
        await registry.PushAsync(layout, "v1", "acme/bydigest");

        var resolved = await client.ResolveAsync(registry.Reference("acme/bydigest", digest: image.Digest));

        Assert.Equal(image.Digest, resolved.Digest);
        Assert.Null(resolved.Reference.Tag);
    }

    [SkippableFact]
    public async Task A_reference_without_tag_resolves_latest()
    {
        registry.RequireTools();
        var image = layout.AddImage("latest");
        await registry.PushAsync(layout, "latest", "acme/defaulted");

        var resolved = await client.ResolveAsync(ImageReference.Parse($"{registry.Host}/acme/defaulted"));

        Assert.Equal(image.Digest, resolved.Digest);
        Assert.Equal("latest", resolved.Reference.Tag);
    }

    [Fact]
    public async Task A_registry_on_a_closed_port_is_unreachable_after_bounded_retries()
    {
        var closed = RegistryFixture.FreePort();
        using var quick = new RegistryClient(new RegistryClientOptions { RetryDelay = TimeSpan.FromMilliseconds(20), Log = log.Add });
        var started = DateTime.UtcNow;

        var e = await Assert.ThrowsAsync<RegistryException>(() => quick.ResolveAsync(ImageReference.Parse($"127.0.0.1:{closed}/acme/web:v1")));

        Assert.Equal(RegistryErrorKind.Unreachable, e.Kind);
        Assert.Contains($"registry 127.0.0.1:{closed} could not be reached at http://127.0.0.1:{closed}", e.Message, StringComparison.Ordinal);
        Assert.Contains("Connection refused", e.Message, StringComparison.Ordinal);
        Assert.Contains("tried 3 times", e.Message, StringComparison.Ordinal);
        Assert.Equal(2, log.Count(l => l.Contains("retrying", StringComparison.Ordinal)));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10));
    }
}
