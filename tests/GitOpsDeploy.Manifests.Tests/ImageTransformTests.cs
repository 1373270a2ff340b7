using GitOpsDeploy.Manifests.Images;

namespace GitOpsDeploy.Manifests.Tests;

/// <summary>kustomize's image name rules (api/internal/image, api/filters/imagetag), case by case.</summary>
[Trait("Tier", "Unit")]
public sealed class ImageTransformTests
{
    private const string Sha = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    [Theory]
    [InlineData("nginx", "nginx", true)]
    [InlineData("nginx:1.25", "nginx", true)]
    [InlineData("nginx@" + Sha, "nginx", true)]
    [InlineData("nginx:1.25@" + Sha, "nginx", true)]
    [InlineData("apache:1", "nginx", false)]
    [InlineData("docker.io/library/nginx:1.25", "nginx", false)]
    [InlineData("nginx:1.25", "docker.io/library/nginx", false)]
    [InlineData("nginx-exporter:1", "nginx", false)]
    [InlineData("my/nginx:1", "nginx", false)]
    [InlineData("registry.local:5000/web:7", "registry.local:5000/web", true)]
    [InlineData("registry.local:5000/web:7", "web", false)]
    [InlineData("web@sha512:abc", "web", false)]
    [InlineData("ghcrXio/acme/web:1", "ghcr.io/acme/web", true)]
    [InlineData("web:1", "(web", false)]
    public void An_entry_name_matches_as_kustomize_matches_it(string image, string name, bool matched) =>
        Assert.Equal(matched, ImageTransform.IsMatched(image, name));

    [Theory]
    [InlineData("nginx", "nginx", "", "")]
    [InlineData("nginx:1.2.3", "nginx", "1.2.3", "")]
    [InlineData("nginx@sha256:12345", "nginx", "", "sha256:12345")]
    [InlineData("nginx:1.2.3@sha256:12345", "nginx", "1.2.3", "sha256:12345")]
    [InlineData("docker.io/nginx:1.2.3", "docker.io/nginx", "1.2.3", "")]
    [InlineData("foo.com:443/nginx:1.2.3", "foo.com:443/nginx", "1.2.3", "")]
    [InlineData("foo.com:443/nginx:1.2.3@sha256:12345", "foo.com:443/nginx", "1.2.3", "sha256:12345")]
    [InlineData("foo.com:443/nginx", "foo.com:443/nginx", "", "")]
    public void An_image_splits_into_name_tag_and_digest(string image, string name, string tag, string digest) =>
        Assert.Equal((name, tag, digest), ImageTransform.Split(image));

    [Theory]
    [InlineData("web:1.0", null, "2.0", null, "web:2.0")]
    [InlineData("web:1.0@" + Sha, null, "2.0", null, "web:2.0")]
    [InlineData("web:1.0", null, null, Sha, "web@" + Sha)]
    [InlineData("web:1.0", null, "2.0", Sha, "web:2.0@" + Sha)]
    [InlineData("web:1.0", "ghcr.io/acme/web", null, null, "ghcr.io/acme/web:1.0")]
    [InlineData("web:1.0@" + Sha, "ghcr.io/acme/web", null, null, "ghcr.io/acme/web:1.0@" + Sha)]
    [InlineData("web", null, "", "", "web")]
    public void An_entry_replaces_the_parts_it_sets(string image, string? newName, string? newTag, string? digest, string expected) =>
        Assert.Equal(expected, ImageTransform.Apply(image, new KustomizeImage("web", newName, newTag, digest)));

    [Fact]
    public void A_tag_suffix_appends_to_the_tag_and_drops_the_digest() =>
        Assert.Equal("web:1.0-debug", ImageTransform.Apply("web:1.0@" + Sha, new KustomizeImage("web", TagSuffix: "-debug")));

    [Theory]
    [InlineData("1.10", "number")]
    [InlineData("0755", "number")]
    [InlineData("09", "number")]
    [InlineData("1_000", "number")]
    [InlineData("0x1F", "number")]
    [InlineData("0o17", "number")]
    [InlineData("0b101", "number")]
    [InlineData("1e3", "number")]
    [InlineData("-1", "number")]
    [InlineData(".inf", "number")]
    [InlineData("true", "bool")]
    [InlineData("yes", "bool")]
    [InlineData("on", "bool")]
    [InlineData("Inf", null)]
    [InlineData("1:20", null)]
    [InlineData("v1.0", null)]
    [InlineData("null", null)]
    public void A_plain_new_tag_is_refused_where_kustomize_reads_it_as_a_number_or_a_bool(string plain, string? type) =>
        Assert.Equal(type, YamlDocuments.ReadsAsNonString(plain));
}
