namespace GitOpsDeploy.Registry.Tests;

/// <summary>The real registry with htpasswd auth: a <c>Basic</c> challenge, answered with the credentials given for it.</summary>
[Trait("Tier", "Adapter")]
public sealed class BasicAuthRegistryTests(HtpasswdRegistryFixture registry) : IClassFixture<HtpasswdRegistryFixture>, IDisposable
{
    private readonly OciLayout layout = new();

    public void Dispose() => layout.Dispose();

    [SkippableFact]
    public async Task Basic_credentials_resolve_a_tag_and_check_its_digest()
    {
        registry.RequireTools();
        var image = layout.AddImage("v1");
        await registry.PushAsync(layout, "v1", "team/app");
        var log = new List<string>();
        using var client = Client(HtpasswdRegistryFixture.Password, log.Add);

        var first = await client.ResolveAsync(registry.Reference("team/app", "v1"));
        var second = await client.ExistsAsync(first.Reference);

        Assert.Equal(image.Digest, first.Digest);
        Assert.Equal(await registry.SkopeoDigestAsync("team/app", "v1"), first.Digest);
        Assert.True(second.Exists);
    }

    [SkippableFact]
    public async Task Without_credentials_the_basic_challenge_is_unauthorized()
    {
        registry.RequireTools();
        using var client = new RegistryClient();

        var e = await Assert.ThrowsAsync<RegistryException>(() => client.ResolveAsync(registry.Reference("team/app", "v1")));

        Assert.Equal(RegistryErrorKind.Unauthorized, e.Kind);
        Assert.Equal(["anonymous"], e.CredentialsTried);
        Assert.Contains($"no credentials were given for {registry.Host}", e.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_wrong_password_is_unauthorized_naming_the_user_not_the_password()
    {
        registry.RequireTools();
        const string wrong = "wrong-htpasswd-Pa55word";
        using var client = Client(wrong, null);

        var e = await Assert.ThrowsAsync<RegistryException>(() => client.ResolveAsync(registry.Reference("team/app", "v1")));

        Assert.Equal(RegistryErrorKind.Unauthorized, e.Kind);
        Assert.Equal(["anonymous", $"credentials of user '{HtpasswdRegistryFixture.User}'"], e.CredentialsTried);
        Assert.DoesNotContain(wrong, e.ToString(), StringComparison.Ordinal);
    }

    private RegistryClient Client(string password, Action<string>? log) => new(new RegistryClientOptions
    {
        Credentials = new Dictionary<string, RegistryCredentials> { [registry.Host] = new(HtpasswdRegistryFixture.User, password) },
        Log = log,
    });
}
