using GitOpsDeploy.Editing;
using GitOpsDeploy.Registry.Tests;
using GitOpsDeploy.Supply;

namespace GitOpsDeploy.Tests.EndToEnd;

/// <summary>
/// pin against a real registry behind a bearer-token service (distribution's <c>auth: token</c>, the flow of ghcr.io
/// and Docker Hub): anonymous first, then registry-username/registry-password at the token service the challenge
/// names; the password never reaches the log, the outputs or the summary, even when the registry refuses it.
/// </summary>
[Trait("Tier", "EndToEnd")]
public sealed class RegistryCredentialsTests(TokenRegistryFixture registry) : GitOpsFixture, IClassFixture<TokenRegistryFixture>
{
    private readonly OciLayout layout = new();

    public override async Task DisposeAsync()
    {
        layout.Dispose();
        await base.DisposeAsync();
    }

    private static string Repository() => $"private/web-{Guid.NewGuid():N}"[..22];

    private Dictionary<string, string> Pinned(string image, params (string Name, string Value)[] more) =>
        Inputs([("images", image), ("pin", "tag-and-digest"), ("token", SourceToken), .. more]);

    /// <summary>Everything the run printed or wrote, but the runner's own mask commands (which must carry the secret).</summary>
    private static string Printed(Fakes.ActionResult result) =>
        string.Join('\n', result.AllBytes.Split('\n').Where(l => !l.StartsWith("::add-mask::", StringComparison.Ordinal)));

    [SkippableFact]
    public async Task A_private_repository_is_pinned_with_the_credentials_through_the_token_service_and_the_password_is_never_shown()
    {
        registry.RequireTools();
        var repository = Repository();
        var image = layout.AddImage("1.2.0");
        await registry.PushAsync(layout, "1.2.0", repository);
        var asked = registry.Tokens.Requests.Count;

        var result = await Run(Pinned(
            $"web={registry.Host}/{repository}:1.2.0",
            ("registry-username", TokenRegistryFixture.User),
            ("registry-password", TokenRegistryFixture.Password)));

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Equal($"web={registry.Host}/{repository}:1.2.0@{image.Digest}", result.Output("images"));
        Assert.Contains($"digest: {image.Digest}", Repo.ReadFile("environments/staging/kustomization.yaml"), StringComparison.Ordinal);
        // Anonymous first (refused for a private repository), then the user: the token service saw both.
        var requests = registry.Tokens.Requests.Skip(asked).ToList();
        Assert.Contains(requests, r => r.User is null);
        Assert.Contains(requests, r => r.User == TokenRegistryFixture.User && r.Granted && r.Scopes.Contains($"repository:{repository}:pull"));
        Assert.DoesNotContain(TokenRegistryFixture.Password, Printed(result), StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Credentials_with_images_in_two_registries_need_registry_host_and_go_to_that_one_only()
    {
        registry.RequireTools();
        var repository = Repository();
        var image = layout.AddImage("1.3.0");
        await registry.PushAsync(layout, "1.3.0", repository);
        var head = Repo.Head();
        var asked = registry.Tokens.Requests.Count;
        string[] images = [$"web={registry.Host}/{repository}:1.3.0", "worker=docker.io/acme/worker@sha256:" + new string('b', 64)];
        var credentials = new[] { ("registry-username", TokenRegistryFixture.User), ("registry-password", TokenRegistryFixture.Password) };

        var ambiguous = await Run(Pinned(string.Join('\n', images), credentials));

        Assert.Equal(1, ambiguous.ExitCode);
        Assert.Contains("input 'registry-host': images name 2 registries", ambiguous.Stdout, StringComparison.Ordinal);
        Assert.Equal(head, Repo.Head());
        Assert.Equal(asked, registry.Tokens.Requests.Count);
        Assert.Empty(App.Deployments);

        // Named: the private registry gets them (Docker Hub is not reachable from here, so only the first image is deployed).
        var named = await Run(Pinned(images[0], [.. credentials, ("registry-host", registry.Host)]));
        Assert.True(named.ExitCode == 0, named.Stdout);
        Assert.Equal($"web={registry.Host}/{repository}:1.3.0@{image.Digest}", named.Output("images"));

        // Named for another registry: this one is asked anonymously only, and refuses.
        var before = registry.Tokens.Requests.Count;
        var elsewhere = await Run(Pinned(images[0], [.. credentials, ("registry-host", "quay.io")]));
        Assert.Equal(1, elsewhere.ExitCode);
        Assert.NotEqual(before, registry.Tokens.Requests.Count);
        Assert.All(registry.Tokens.Requests.Skip(before), r => Assert.Null(r.User));
    }

    [SkippableFact]
    public async Task Without_credentials_a_private_repository_is_refused_before_anything_is_written()
    {
        registry.RequireTools();
        var repository = Repository();
        layout.AddImage("1.0.0");
        await registry.PushAsync(layout, "1.0.0", repository);
        var head = Repo.Head();

        var result = await Run(Pinned($"web={registry.Host}/{repository}:1.0.0"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"image 'web' ({registry.Host}/{repository}:1.0.0)", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("registry-username", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(head, Repo.Head());
        Assert.Empty(App.Deployments);
    }

    [SkippableFact]
    public async Task A_wrong_password_is_refused_naming_the_user_and_never_the_password()
    {
        registry.RequireTools();
        var repository = Repository();
        layout.AddImage("1.0.0");
        await registry.PushAsync(layout, "1.0.0", repository);
        const string wrong = "not-the-Pa55word-7c1e";
        var head = Repo.Head();

        var result = await Run(Pinned(
            $"web={registry.Host}/{repository}:1.0.0",
            ("registry-username", TokenRegistryFixture.User),
            ("registry-password", wrong)));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"image 'web' ({registry.Host}/{repository}:1.0.0)", result.Stdout, StringComparison.Ordinal);
        Assert.Contains(TokenRegistryFixture.User, result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, Printed(result), StringComparison.Ordinal);
        Assert.Equal(head, Repo.Head());
        Assert.Empty(App.Deployments);
    }
}

/// <summary>Which registry the credentials may go to (<see cref="RegistryImages.CredentialsHost"/>).</summary>
[Trait("Tier", "Unit")]
public sealed class CredentialsHostTests
{
    [Theory]
    [InlineData(null, new[] { "registry.example.com:5000/acme/web", "registry.example.com:5000/acme/worker" }, "registry.example.com:5000")]
    [InlineData(null, new[] { "nginx", "library/redis" }, "registry-1.docker.io")]
    [InlineData("docker.io", new[] { "ghcr.io/acme/web", "nginx" }, "registry-1.docker.io")]
    [InlineData("ghcr.io", new[] { "ghcr.io/acme/web", "quay.io/acme/worker" }, "ghcr.io")]
    [InlineData(null, new string[0], null)]
    public void The_credentials_go_to_the_named_registry_or_the_images_one_registry(string? given, string[] images, string? expected) =>
        Assert.Equal(expected, RegistryImages.CredentialsHost(given, images));

    [Fact]
    public void Images_in_several_registries_without_registry_host_are_an_input_error()
    {
        var e = Assert.Throws<DeployException>(() => RegistryImages.CredentialsHost(null, ["ghcr.io/acme/web", "quay.io/acme/worker"]));

        Assert.Equal("input 'registry-host': images name 2 registries (ghcr.io, quay.io); say which one registry-username/registry-password are for, so they are never sent to another", e.Message);
    }

    [Theory]
    [InlineData("https://ghcr.io")]
    [InlineData("ghcr.io/acme")]
    public void A_registry_host_that_is_not_a_host_is_an_input_error(string given)
    {
        var e = Assert.Throws<DeployException>(() => RegistryImages.CredentialsHost(given, ["ghcr.io/acme/web"]));

        Assert.StartsWith("input 'registry-host':", e.Message, StringComparison.Ordinal);
    }
}
