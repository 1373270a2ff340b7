using GitOpsDeploy.Editing;
using GitOpsDeploy.Editing.Images;

namespace GitOpsDeploy.Core.Tests;

[Trait("Tier", "Unit")]
public sealed class ImageSpecTests
{
    private const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private static readonly ImageEntry Current = new("web", "ghcr.io/acme/web", "1.0.0", null);
    private static readonly ImageEntry Pinned = new("web", "ghcr.io/acme/web", null, Digest);

    [Theory]
    [InlineData("web:1.1.0", "web=ghcr.io/acme/web:1.1.0")]
    [InlineData("web@" + Digest, "web=ghcr.io/acme/web@" + Digest)]
    [InlineData("web:1.1.0@" + Digest, "web=ghcr.io/acme/web:1.1.0@" + Digest)]
    [InlineData("web=quay.io/acme/web", "web=quay.io/acme/web:1.0.0")]
    [InlineData("web=quay.io/acme/web:2", "web=quay.io/acme/web:2")]
    [InlineData("web=quay.io/acme/web@" + Digest, "web=quay.io/acme/web@" + Digest)]
    [InlineData("web=*:1.2.0", "web=ghcr.io/acme/web:1.2.0")]
    [InlineData("web:*@" + Digest, "web=ghcr.io/acme/web:1.0.0@" + Digest)]
    [InlineData("web=localhost:5000/web:3", "web=localhost:5000/web:3")]
    public void Merges_into_an_existing_entry(string spec, string expected) =>
        Assert.Equal(expected, ImageSpec.Parse(spec).ApplyTo(Current).ToString());

    [Fact]
    public void A_tag_on_a_pinned_entry_removes_the_digest_and_keeps_the_name() =>
        Assert.Equal(new ImageEntry("web", "ghcr.io/acme/web", "2.0.0", null), ImageSpec.Parse("web:2.0.0").ApplyTo(Pinned));

    [Fact]
    public void A_new_entry_gets_only_what_the_spec_sets() =>
        Assert.Equal(new ImageEntry("api", null, "1", null), ImageSpec.Parse("api:1").ApplyTo(null));

    [Fact]
    public void A_registry_port_is_part_of_the_name()
    {
        var spec = ImageSpec.Parse("localhost:5000/web:1.2");
        Assert.Equal("localhost:5000/web", spec.Name);
        Assert.Equal("1.2", spec.Tag.Value);
    }

    [Theory]
    [InlineData("web", "sets nothing")]
    [InlineData("web=", "nothing after '='")]
    [InlineData("web:-bad", "not a valid OCI tag")]
    [InlineData("web:" + "a12345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678", "not a valid OCI tag")]
    [InlineData("web@sha256:abc", "exactly 64 lowercase hex")]
    [InlineData("web@sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef", "exactly 64 lowercase hex")]
    [InlineData("web@nodigest", "not 'algorithm:hex'")]
    [InlineData("we b:1", "whitespace")]
    [InlineData("web:1\nfoo", "whitespace")]
    [InlineData("-web:1", "not a valid image name")]
    [InlineData("*:1", "not a valid image name")]
    public void Rejects_malformed_specs(string spec, string message)
    {
        var error = Assert.Throws<DeployException>(() => ImageSpec.Parse(spec));
        Assert.Equal(ErrorKind.InvalidInput, error.Kind);
        Assert.StartsWith("input 'images':", error.Message, StringComparison.Ordinal);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Lists_accept_lines_and_commas_and_refuse_duplicates()
    {
        Assert.Equal(["web", "api", "worker"], ImageSpec.ParseList("web:1, api:2\n\nworker:3\r\n").Select(s => s.Name));
        Assert.Contains("given twice", Assert.Throws<DeployException>(() => ImageSpec.ParseList("web:1\nweb:2")).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("nginx", true)]
    [InlineData("nginx:1.27.3", true)]
    [InlineData("ghcr.io/acme/web:1.4.2", true)]
    [InlineData("registry.example.com:5000/web@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", true)]
    [InlineData("v2ray", true)]
    [InlineData("acme/1.2", true)]
    [InlineData("1.27.3", false)]
    [InlineData("v2", false)]
    [InlineData("v1.2.3-alpine", false)]
    [InlineData("20240101", false)]
    [InlineData("Web", false)]
    [InlineData("web:", false)]
    public void Tells_an_image_reference_from_a_bare_tag(string text, bool reference) =>
        Assert.Equal(reference, ImageSpec.LooksLikeReference(text));
}
