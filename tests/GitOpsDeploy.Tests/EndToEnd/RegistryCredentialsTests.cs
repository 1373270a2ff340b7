using GitOpsDeploy.Registry.Tests;

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
