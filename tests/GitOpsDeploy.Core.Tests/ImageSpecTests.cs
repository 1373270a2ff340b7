using GitOpsDeploy.Editing;
using GitOpsDeploy.Editing.Images;

namespace GitOpsDeploy.Core.Tests;

[Trait("Tier", "Unit")]
public sealed class ImageSpecTests
{
    private const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private const string OldDigest = "sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";

    private static ImageEntry Current => new("web", "ghcr.io/acme/web", "1.0.0", null);

    private static ImageEntry Pinned => new("web", "ghcr.io/acme/web", null, Digest);

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
    public void A_star_digest_keeps_the_pinned_digest_beside_a_new_tag() =>
        Assert.Equal(new ImageEntry("web", "ghcr.io/acme/web", "2.0.0", Digest), ImageSpec.Parse("web:2.0.0@*").ApplyTo(Pinned));

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
    [InlineData("  ", "empty image spec")]
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
    [InlineData("v2:1.0", true)]
    [InlineData("1.27.3@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", true)]
    [InlineData("acme/1.2", true)]
    [InlineData("1.27.3", false)]
    [InlineData("v2", false)]
    [InlineData("v1.2.3-alpine", false)]
    [InlineData("20240101", false)]
    [InlineData("Web", false)]
    [InlineData("web:", false)]
    public void Tells_an_image_reference_from_a_bare_tag(string text, bool reference) =>
        Assert.Equal(reference, ImageSpec.LooksLikeReference(text));

    // An exact copy (promotion, rollback) is the source entry, field for field: what the source lacks goes away.
    [Theory]
    [InlineData(null, "2", null)] // the digest the target had is stale: it goes
    [InlineData("ghcr.io/acme/web", "2", null)]
    [InlineData(null, null, Digest)] // the tag goes
    [InlineData("ghcr.io/acme/web", null, Digest)]
    [InlineData(null, "2", Digest)] // the newName goes
    public void An_exact_copy_removes_what_the_source_does_not_set(string? newName, string? tag, string? digest)
    {
        var source = new ImageEntry("web", newName, tag, digest);
        var target = new ImageEntry("web", "registry.example.com/old/web", "1", OldDigest);

        Assert.Equal(source, ImageSpec.Exactly(source).ApplyTo(target));
        Assert.Equal(source, ImageSpec.Exactly(source).ApplyTo(null));
    }

    [Theory]
    [InlineData("web:1.1.0")]
    [InlineData("web@" + Digest)]
    [InlineData("web:1.1.0@" + Digest)]
    [InlineData("web=quay.io/acme/web")]
    [InlineData("web=quay.io/acme/web:2@" + Digest)]
    [InlineData("web=*:1.2.0")]
    [InlineData("web:*@" + Digest)]
    [InlineData("web=localhost:5000/web:3")]
    [InlineData("localhost:5000/web:1.2")]
    public void A_spec_survives_its_text(string text)
    {
        // Fan-in intents carry images as this text: what the leader parses must be what the run asked for.
        var spec = ImageSpec.Parse(text);

        Assert.Equal(text, spec.ToString());
        Assert.Equal(spec, ImageSpec.Parse(spec.ToString()));
    }

    [Fact]
    public void An_entry_survives_its_text()
    {
        var entry = new ImageEntry("web", "ghcr.io/acme/web", "2", Digest);

        Assert.Equal("web=ghcr.io/acme/web:2@" + Digest, entry.ToString());
        Assert.Equal(entry, ImageSpec.Parse(entry.ToString()).ApplyTo(null));
    }

    [Theory]
    [InlineData("-bad", null, "tag '-bad' is not a valid OCI tag")]
    [InlineData("1", "sha256:abc", "a sha256 digest has exactly 64 lowercase hex digits")]
    public void An_entry_that_cannot_be_copied_is_refused_naming_the_file(string tag, string? digest, string reason)
    {
        var error = Assert.Throws<DeployException>(() => ImageSpec.RequireCopyable(new ImageEntry("web", "ghcr.io/acme/web", tag, digest), "environments/staging"));

        Assert.Equal(ErrorKind.InvalidFile, error.Kind);
        Assert.StartsWith("environments/staging sets image 'web' to a reference that cannot be promoted or restored: image spec 'web=ghcr.io/acme/web:", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.IsType<DeployException>(error.InnerException);
    }

    [Fact]
    public void An_entry_that_can_be_copied_passes() =>
        Assert.Null(Record.Exception(() => ImageSpec.RequireCopyable(new ImageEntry("web", "ghcr.io/acme/web", "1.2.3", Digest), "environments/staging")));

    [Fact]
    public void A_sha512_digest_has_exactly_128_lowercase_hex_digits()
    {
        var sha512 = "sha512:" + string.Concat(Enumerable.Repeat("0123456789abcdef", 8));

        Assert.Equal(sha512, ImageSpec.Parse("web@" + sha512).Digest.Value);
        Assert.Contains("a sha512 digest has exactly 128 lowercase hex digits", Assert.Throws<DeployException>(() => ImageSpec.Parse("web@sha512:" + Digest[7..])).Message, StringComparison.Ordinal);
        Assert.Contains("a sha512 digest has exactly 128 lowercase hex digits", Assert.Throws<DeployException>(() => ImageSpec.Parse("web@" + sha512.ToUpperInvariant().Replace("SHA512", "sha512", StringComparison.Ordinal))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_new_name_must_be_a_reference_a_registry_accepts()
    {
        // What the cluster pulls: a path over 255 characters, or with capitals, is refused (the capitals with a hint).
        var longest = "ghcr.io/" + new string('a', 247);

        Assert.Equal(longest, ImageSpec.Parse($"web={longest}:1").NewName.Value);
        var tooLong = Assert.Throws<DeployException>(() => ImageSpec.Parse($"web={longest}a:1")).Message;
        Assert.Contains($"newName '{longest}a' is not a valid image reference", tooLong, StringComparison.Ordinal);
        Assert.DoesNotContain("lowercase", tooLong, StringComparison.Ordinal);
        Assert.EndsWith("; repository paths are lowercase", Assert.Throws<DeployException>(() => ImageSpec.Parse("web=ghcr.io/Acme/web:1")).Message, StringComparison.Ordinal);
        Assert.DoesNotContain("lowercase", Assert.Throws<DeployException>(() => ImageSpec.Parse("web=Web:1")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_reference_name_over_255_characters_is_not_a_reference()
    {
        Assert.True(ImageSpec.LooksLikeReference("ghcr.io/" + new string('a', 247)));
        Assert.False(ImageSpec.LooksLikeReference("ghcr.io/" + new string('a', 248)));
    }

    [Fact]
    public void A_control_character_is_shown_escaped_and_the_error_names_the_input()
    {
        var error = Assert.Throws<DeployException>(() => ImageSpec.Parse("web:1\r\nforged", "promote-images"));

        Assert.Equal("input 'promote-images': image spec 'web:1\\r\\nforged' contains whitespace or a control character", error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.StartsWith("input 'promote-images':", Assert.Throws<DeployException>(() => ImageSpec.ParseList("web:1\nweb:2", "promote-images")).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("web:1", "web")]
    [InlineData("web=ghcr.io/acme/web:1", "ghcr.io/acme/web")]
    [InlineData("web=*:1", "web")]
    public void The_repository_of_a_spec_is_its_new_name_when_it_sets_one(string text, string repository) =>
        Assert.Equal(repository, ImageSpec.Parse(text).Repository);
}
