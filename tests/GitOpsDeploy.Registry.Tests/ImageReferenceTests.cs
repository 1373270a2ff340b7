namespace GitOpsDeploy.Registry.Tests;

[Trait("Tier", "Unit")]
public sealed class ImageReferenceTests
{
    private const string Sha = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    [Theory]
    [InlineData("nginx", "registry-1.docker.io", "library/nginx", null, null, "docker.io/library/nginx")]
    [InlineData("nginx:1.27", "registry-1.docker.io", "library/nginx", "1.27", null, "docker.io/library/nginx:1.27")]
    [InlineData("acme/web:v1", "registry-1.docker.io", "acme/web", "v1", null, "docker.io/acme/web:v1")]
    [InlineData("docker.io/nginx", "registry-1.docker.io", "library/nginx", null, null, "docker.io/library/nginx")]
    [InlineData("docker.io/library/nginx:latest", "registry-1.docker.io", "library/nginx", "latest", null, "docker.io/library/nginx:latest")]
    [InlineData("index.docker.io/acme/web", "registry-1.docker.io", "acme/web", null, null, "docker.io/acme/web")]
    [InlineData("registry-1.docker.io/redis:7", "registry-1.docker.io", "library/redis", "7", null, "docker.io/library/redis:7")]
    [InlineData("ghcr.io/acme/web:1.2.3", "ghcr.io", "acme/web", "1.2.3", null, "ghcr.io/acme/web:1.2.3")]
    [InlineData("ghcr.io/web", "ghcr.io", "web", null, null, "ghcr.io/web")]
    [InlineData("localhost/web", "localhost", "web", null, null, "localhost/web")]
    [InlineData("localhost:5000/team/app:dev", "localhost:5000", "team/app", "dev", null, "localhost:5000/team/app:dev")]
    [InlineData("127.0.0.1:5000/app", "127.0.0.1:5000", "app", null, null, "127.0.0.1:5000/app")]
    [InlineData("registry.example.com:443/a/b/c/d:x", "registry.example.com:443", "a/b/c/d", "x", null, "registry.example.com:443/a/b/c/d:x")]
    [InlineData("Registry.Example.com/a", "registry.example.com", "a", null, null, "registry.example.com/a")]
    [InlineData("MyHost/a", "MyHost", "a", null, null, "MyHost/a")]
    [InlineData("a.b/c__d/e-f--g/h.i_j:T_a.g-1", "a.b", "c__d/e-f--g/h.i_j", "T_a.g-1", null, "a.b/c__d/e-f--g/h.i_j:T_a.g-1")]
    [InlineData("ghcr.io/acme/web@" + Sha, "ghcr.io", "acme/web", null, Sha, "ghcr.io/acme/web@" + Sha)]
    [InlineData("ghcr.io/acme/web:v1@" + Sha, "ghcr.io", "acme/web", "v1", Sha, "ghcr.io/acme/web:v1@" + Sha)]
    [InlineData("nginx@" + Sha, "registry-1.docker.io", "library/nginx", null, Sha, "docker.io/library/nginx@" + Sha)]
    [InlineData("localhost:5000/app:5000", "localhost:5000", "app", "5000", null, "localhost:5000/app:5000")]
    public void Parses_like_docker_and_round_trips(string text, string registry, string repository, string? tag, string? digest, string canonical)
    {
        var reference = ImageReference.Parse(text);

        Assert.Equal(registry, reference.Registry);
        Assert.Equal(repository, reference.Repository);
        Assert.Equal(tag, reference.Tag);
        Assert.Equal(digest, reference.Digest);
        Assert.Equal(canonical, reference.ToString());
        Assert.Equal(reference, ImageReference.Parse(reference.ToString()));
        Assert.Equal(reference, ImageReference.Parse(canonical));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("nginx:", "the tag after ':' is empty")]
    [InlineData("nginx:-x", "must not start with '.' or '-'")]
    [InlineData("nginx:a/b", "invalid port")]
    [InlineData("Nginx", "repository path segment 'Nginx'")]
    [InlineData("acme//web", "empty path segment")]
    [InlineData("acme/web-", "repository path segment 'web-'")]
    [InlineData("acme/we..b", "repository path segment 'we..b'")]
    [InlineData("acme/we___b", "repository path segment 'we___b'")]
    [InlineData("ghcr.io/", "the repository name is empty")]
    [InlineData("ghcr.io:99999/a", "invalid port")]
    [InlineData("ghcr.io:/a", "invalid port")]
    [InlineData("-bad.io/a", "is not a host name")]
    [InlineData("[::1]:5000/a", "is not a host name")]
    [InlineData("nginx@sha256:abc", "64 lowercase hex digits")]
    [InlineData("nginx@sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef", "64 lowercase hex digits")]
    [InlineData("nginx@sha512:00", "128 lowercase hex digits")]
    [InlineData("nginx@nodigest", "is not 'algorithm:hex'")]
    [InlineData("nginx@", "is not 'algorithm:hex'")]
    [InlineData("ngi nx", "whitespace")]
    [InlineData("nginx:v1\n", "control character")]
    public void Rejects_what_docker_rejects_and_says_why(string text, string reason)
    {
        Assert.False(ImageReference.TryParse(text, out var reference, out var error));
        Assert.Null(reference);
        Assert.Contains(reason, error, StringComparison.Ordinal);
        var e = Assert.Throws<FormatException>(() => ImageReference.Parse(text));
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tag_longer_than_128_characters_and_a_name_longer_than_255_are_refused()
    {
        Assert.Contains("longer than 128", Error("nginx:" + new string('a', 129)), StringComparison.Ordinal);
        Assert.Null(Error("nginx:" + new string('a', 128)));
        Assert.Contains("longer than 255", Error("ghcr.io/" + new string('a', 256 - "ghcr.io/".Length)), StringComparison.Ordinal);
        Assert.Null(Error("ghcr.io/" + new string('a', 255 - "ghcr.io/".Length)));

        static string? Error(string text) => ImageReference.TryParse(text, out _, out var error) ? null : error;
    }

    [Fact]
    public void Create_builds_from_parts_and_normalises_the_registry()
    {
        Assert.Equal("docker.io/library/nginx:1", ImageReference.Create("docker.io", "nginx", "1").ToString());
        Assert.Equal("localhost:5000/a/b@" + Sha, ImageReference.Create("localhost:5000", "a/b", digest: Sha).ToString());
        Assert.Equal("ghcr.io/acme/web", ImageReference.Create("https://ghcr.io/", "acme/web").ToString());
        Assert.Throws<FormatException>(() => ImageReference.Create("myregistry", "a"));
        Assert.Throws<FormatException>(() => ImageReference.Create("ghcr.io", "a:b"));
        Assert.Throws<FormatException>(() => ImageReference.Create("ghcr.io", "Acme"));
    }

    [Fact]
    public void With_methods_pin_and_unpin()
    {
        var reference = ImageReference.Parse("ghcr.io/acme/web:v1");

        var pinned = reference.WithDigest(Sha);

        Assert.Equal("ghcr.io/acme/web:v1@" + Sha, pinned.ToString());
        Assert.Equal(reference, pinned.WithoutDigest());
        Assert.Equal("ghcr.io/acme/web:v2@" + Sha, pinned.WithTag("v2").ToString());
        Assert.Throws<FormatException>(() => reference.WithDigest("sha256:nope"));
        Assert.Throws<FormatException>(() => reference.WithTag("bad tag"));
    }

    [Theory]
    [InlineData("docker.io", "registry-1.docker.io")]
    [InlineData("index.docker.io", "registry-1.docker.io")]
    [InlineData("https://index.docker.io/v1/", "registry-1.docker.io")]
    [InlineData("Registry-1.Docker.IO", "registry-1.docker.io")]
    [InlineData("GHCR.io", "ghcr.io")]
    [InlineData("https://ghcr.io", "ghcr.io")]
    [InlineData(" localhost:5000 ", "localhost:5000")]
    public void Registry_hosts_are_normalised_as_a_user_writes_them(string written, string host) =>
        Assert.Equal(host, ImageReference.NormalizeRegistry(written));

    [Theory]
    [InlineData("localhost", true)]
    [InlineData("localhost:5000", true)]
    [InlineData("registry.localhost:5000", true)]
    [InlineData("127.0.0.1:5000", true)]
    [InlineData("127.1.2.3", true)]
    [InlineData("ghcr.io", false)]
    [InlineData("10.0.0.1:5000", false)]
    [InlineData("localhost.example.com", false)]
    public void Loopback_registries_are_recognised(string registry, bool loopback) =>
        Assert.Equal(loopback, ImageReference.IsLoopback(registry));

    [Fact]
    public void Credentials_never_show_their_password()
    {
        var credentials = new RegistryCredentials("bot", "hunter2-secret");

        Assert.Equal("bot:***", credentials.ToString());
        Assert.Equal("credentials of user 'bot'", credentials.Describe());
        Assert.Equal(RegistryCredentials.PlaceholderUsername, new RegistryCredentials(null, "ghp_token").Username);
        Assert.Throws<ArgumentException>(() => new RegistryCredentials("a:b", "x"));
        Assert.ThrowsAny<ArgumentException>(() => new RegistryCredentials("a", string.Empty));
    }
}
