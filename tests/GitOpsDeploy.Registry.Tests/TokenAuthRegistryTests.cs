namespace GitOpsDeploy.Registry.Tests;

/// <summary>
/// The real registry behind the bearer-token flow (distribution's <c>auth: token:</c>) with a token service of this
/// process: public repositories pulled anonymously, private ones with the credentials given for the registry.
/// </summary>
[Trait("Tier", "Adapter")]
public sealed class TokenAuthRegistryTests(TokenRegistryFixture registry) : IClassFixture<TokenRegistryFixture>, IDisposable
{
    private readonly OciLayout layout = new();
    private readonly List<string> log = [];

    public void Dispose() => layout.Dispose();

    [SkippableFact]
    public async Task A_public_repository_resolves_anonymously_even_when_credentials_are_given()
    {
        registry.RequireTools();
        var image = layout.AddImage("v1");
        await registry.PushAsync(layout, "v1", "public/web");
        using var client = Client(TokenRegistryFixture.User, TokenRegistryFixture.Password);
        var before = registry.Tokens.Requests.Count;

        var resolved = await client.ResolveAsync(registry.Reference("public/web", "v1"));
        var asked = registry.Tokens.Requests.Skip(before).ToList();

        Assert.Equal(image.Digest, resolved.Digest);
        Assert.Equal(await registry.SkopeoDigestAsync("public/web", "v1"), resolved.Digest);
        var only = Assert.Single(asked);
        Assert.Null(only.User);
        Assert.Equal(["repository:public/web:pull"], only.Scopes);
    }

    [SkippableFact]
    public async Task A_private_repository_resolves_with_the_credentials_after_the_anonymous_token_falls_short()
    {
        registry.RequireTools();
        var image = layout.AddImage("v1");
        await registry.PushAsync(layout, "v1", "private/web");
        using var client = Client(TokenRegistryFixture.User, TokenRegistryFixture.Password);
        var before = registry.Tokens.Requests.Count;

        var resolved = await client.ResolveAsync(registry.Reference("private/web", "v1"));
        var asked = registry.Tokens.Requests.Skip(before).ToList();

        Assert.Equal(image.Digest, resolved.Digest);
        Assert.Equal(await registry.SkopeoDigestAsync("private/web", "v1"), resolved.Digest);
        Assert.All(asked, r => Assert.Equal(["repository:private/web:pull"], r.Scopes));
        Assert.Equal(2, asked.Count);
        Assert.Null(asked[0].User);
        Assert.Equal(TokenRegistryFixture.User, asked[1].User);
        Assert.Equal(TokenRegistryFixture.User, asked[1].Account);
    }

    [SkippableFact]
    public async Task The_token_is_cached_per_repository_so_a_second_resolution_asks_no_new_token()
    {
        registry.RequireTools();
        layout.AddImage("v1");
        await registry.PushAsync(layout, "v1", "private/cached");
        using var client = Client(TokenRegistryFixture.User, TokenRegistryFixture.Password);
        await client.ResolveAsync(registry.Reference("private/cached", "v1"));
        var after = registry.Tokens.Requests.Count;

        var again = await client.ResolveAsync(registry.Reference("private/cached", "v1"));
        var presence = await client.ExistsAsync(again.Reference);

        Assert.True(presence.Exists);
        Assert.Equal(after, registry.Tokens.Requests.Count);
    }

    [SkippableFact]
    public async Task One_client_resolves_concurrently()
    {
        registry.RequireTools();
        var first = layout.AddImage("v1");
        var second = layout.AddImage("v2");
        await registry.PushAsync(layout, "v1", "private/parallel");
        await registry.PushAsync(layout, "v2", "private/parallel");
        using var client = Client(TokenRegistryFixture.User, TokenRegistryFixture.Password);

        var resolved = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => client.ResolveAsync(registry.Reference("private/parallel", i % 2 == 0 ? "v1" : "v2"))));

        Assert.All(resolved.Where((_, i) => i % 2 == 0), r => Assert.Equal(first.Digest, r.Digest));
        Assert.All(resolved.Where((_, i) => i % 2 == 1), r => Assert.Equal(second.Digest, r.Digest));
    }

    [SkippableFact]
    public async Task A_private_repository_without_credentials_is_unauthorized_and_says_what_was_tried()
    {
        registry.RequireTools();
        layout.AddImage("v1");
        await registry.PushAsync(layout, "v1", "private/nocreds");
        using var client = Client(null, null);

        var e = await Assert.ThrowsAsync<RegistryException>(() => client.ResolveAsync(registry.Reference("private/nocreds", "v1")));

        Assert.Equal(RegistryErrorKind.Unauthorized, e.Kind);
        Assert.Equal(["anonymous"], e.CredentialsTried);
        Assert.Equal(401, e.StatusCode);
        Assert.Contains($"registry {registry.Host} refused access to repository 'private/nocreds'", e.Message, StringComparison.Ordinal);
        Assert.Contains("insufficient_scope", e.Message, StringComparison.Ordinal);
        Assert.Contains($"no credentials were given for {registry.Host}", e.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Credentials_for_another_registry_are_not_used()
    {
        registry.RequireTools();
        layout.AddImage("v1");
        await registry.PushAsync(layout, "v1", "private/elsewhere");
        var seen = registry.Tokens.AuthorizationHeaders.Count;
        using var client = new RegistryClient(new RegistryClientOptions
        {
            Credentials = new Dictionary<string, RegistryCredentials> { ["ghcr.io"] = new(TokenRegistryFixture.User, TokenRegistryFixture.Password) },
        });

        var e = await Assert.ThrowsAsync<RegistryException>(() => client.ResolveAsync(registry.Reference("private/elsewhere", "v1")));

        Assert.Equal(RegistryErrorKind.Unauthorized, e.Kind);
        Assert.Equal(["anonymous"], e.CredentialsTried);
        Assert.Equal(seen, registry.Tokens.AuthorizationHeaders.Count);
    }

    [SkippableFact]
    public async Task A_wrong_password_is_refused_by_the_token_service_with_a_clear_error_that_keeps_the_password_out()
    {
        registry.RequireTools();
        layout.AddImage("v1");
        await registry.PushAsync(layout, "v1", "private/wrong");
        const string wrong = "not-the-Pa55word-0f-deployer";
        using var client = Client(TokenRegistryFixture.User, wrong);

        var e = await Assert.ThrowsAsync<RegistryException>(() => client.ResolveAsync(registry.Reference("private/wrong", "v1")));

        Assert.Equal(RegistryErrorKind.Unauthorized, e.Kind);
        Assert.Equal(["anonymous", $"credentials of user '{TokenRegistryFixture.User}'"], e.CredentialsTried);
        Assert.StartsWith(
            $"{registry.Host}/private/wrong:v1: the token service {registry.Tokens.Realm} of registry {registry.Host} refused the credentials of user '{TokenRegistryFixture.User}' (401 UNAUTHORIZED: authentication failed for user '{TokenRegistryFixture.User}'); tried anonymous, then credentials of user '{TokenRegistryFixture.User}'",
            e.Message,
            StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, e.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, string.Join('\n', log), StringComparison.Ordinal);
        Assert.Contains(registry.Tokens.Requests, r => r.User == TokenRegistryFixture.User && !r.Granted);
    }

    [SkippableFact]
    public async Task A_pinned_digest_is_checked_through_the_token_flow_and_a_missing_one_is_not_found()
    {
        registry.RequireTools();
        var image = layout.AddImage("v1");
        await registry.PushAsync(layout, "v1", "private/pinned");
        using var client = Client(TokenRegistryFixture.User, TokenRegistryFixture.Password);

        var present = await client.ExistsAsync(registry.Reference("private/pinned", digest: image.Digest));
        var absent = await client.ExistsAsync(registry.Reference("private/pinned", digest: "sha256:" + new string('a', 64)));

        Assert.True(present.Exists);
        Assert.False(absent.Exists);
        Assert.Equal(RegistryErrorKind.NotFound, absent.NotFound!.Kind);
        Assert.Contains("MANIFEST_UNKNOWN", absent.NotFound.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_missing_repository_behind_token_auth_is_not_found_for_an_authorized_user()
    {
        registry.RequireTools();
        using var client = Client(TokenRegistryFixture.User, TokenRegistryFixture.Password);

        var e = await Assert.ThrowsAsync<RegistryException>(() => client.ResolveAsync(registry.Reference("private/never", "v1")));

        Assert.Equal(RegistryErrorKind.NotFound, e.Kind);
        Assert.True(e.RepositoryMissing);
    }

    private RegistryClient Client(string? user, string? password) => new(new RegistryClientOptions
    {
        Credentials = password is null
            ? new Dictionary<string, RegistryCredentials>()
            : new Dictionary<string, RegistryCredentials> { [registry.Host] = new(user, password) },
        Timeout = TimeSpan.FromSeconds(30),
        RetryDelay = TimeSpan.FromMilliseconds(50),
        Log = line =>
        {
            lock (log)
            {
                log.Add(line);
            }
        },
    });
}
