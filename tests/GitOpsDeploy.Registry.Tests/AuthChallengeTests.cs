using System.Text;

namespace GitOpsDeploy.Registry.Tests;

[Trait("Tier", "Unit")]
public sealed class AuthChallengeTests
{
    [Fact]
    public void Reads_distributions_bearer_challenge()
    {
        var challenge = Assert.Single(AuthChallenge.Parse("Bearer realm=\"https://auth.example.com/token\",service=\"registry.example.com\",scope=\"repository:acme/web:pull\",error=\"insufficient_scope\""));

        Assert.True(challenge.IsBearer);
        Assert.Equal("https://auth.example.com/token", challenge["realm"]);
        Assert.Equal("registry.example.com", challenge["service"]);
        Assert.Equal("repository:acme/web:pull", challenge["scope"]);
        Assert.Equal("insufficient_scope", challenge["error"]);
    }

    [Fact]
    public void Quoted_strings_keep_commas_and_spaces_and_unescape_backslashes()
    {
        var challenge = Assert.Single(AuthChallenge.Parse("Bearer realm=\"a, \\\"quoted\\\" \\\\ realm\", scope=\"repository:a:pull repository:b:pull,push\""));

        Assert.Equal("a, \"quoted\" \\ realm", challenge["realm"]);
        Assert.Equal("repository:a:pull repository:b:pull,push", challenge["scope"]);
    }

    [Fact]
    public void Names_are_case_insensitive_spaces_around_equals_are_allowed_and_the_first_value_wins()
    {
        var challenge = Assert.Single(AuthChallenge.Parse("bearer  Realm = \"https://r\" , SERVICE=svc, realm=\"https://other\""));

        Assert.True(challenge.IsBearer);
        Assert.Equal("https://r", challenge["realm"]);
        Assert.Equal("svc", challenge["service"]);
    }

    [Fact]
    public void Several_challenges_in_one_header_are_told_apart()
    {
        var challenges = AuthChallenge.Parse("Basic realm=\"registry\", Bearer realm=\"https://t/token\",service=\"s\", Negotiate abc123==, Custom");

        Assert.Equal(["Basic", "Bearer", "Negotiate", "Custom"], challenges.Select(c => c.Scheme));
        Assert.Equal("registry", challenges[0]["realm"]);
        Assert.Equal("https://t/token", challenges[1]["realm"]);
        Assert.Equal("s", challenges[1]["service"]);
        Assert.Equal("abc123==", challenges[2].Token68);
        Assert.Empty(challenges[3].Parameters);
    }

    [Fact]
    public void Several_header_values_are_all_read()
    {
        var challenges = AuthChallenge.ParseAll(["Basic realm=\"x\"", "Bearer realm=\"https://t\""]);

        Assert.True(challenges[0].IsBasic);
        Assert.True(challenges[1].IsBearer);
    }

    [Fact]
    public void Unquoted_urls_and_scopes_are_read_leniently()
    {
        var challenge = Assert.Single(AuthChallenge.Parse("Bearer realm=https://auth.example.com/token?x=1,scope=repository:a/b:pull"));

        Assert.Equal("https://auth.example.com/token?x=1", challenge["realm"]);
        Assert.Equal("repository:a/b:pull", challenge["scope"]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(",,")]
    public void Nothing_is_no_challenge(string header) => Assert.Empty(AuthChallenge.Parse(header));

    [Fact]
    public void A_malformed_tail_keeps_what_was_read()
    {
        var challenges = AuthChallenge.Parse("Bearer realm=\"https://t\", service=\"unterminated");

        var challenge = Assert.Single(challenges);
        Assert.Equal("https://t", challenge["realm"]);
        Assert.Null(challenge["service"]);
    }

    [Fact]
    public void Registry_error_bodies_are_read_as_code_and_message()
    {
        var errors = RegistryClient.ParseErrors(Encoding.UTF8.GetBytes("""{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"v2"}},{"code":"DENIED","message":"requested access to the resource is denied"}]}"""));

        Assert.Equal(2, errors.Count);
        Assert.Equal(new RegistryError("MANIFEST_UNKNOWN", "manifest unknown", """{"Tag":"v2"}"""), errors[0]);
        Assert.Equal("DENIED: requested access to the resource is denied", errors[1].ToString());
        Assert.Equal("UNAUTHORIZED: incorrect username or password", Assert.Single(RegistryClient.ParseErrors(Encoding.UTF8.GetBytes("""{"error":"UNAUTHORIZED","details":"incorrect username or password"}"""))).ToString());
        Assert.Empty(RegistryClient.ParseErrors(Encoding.UTF8.GetBytes("<html>502 Bad Gateway</html>")));
        Assert.Empty(RegistryClient.ParseErrors([]));
    }

    [Fact]
    public void Token_answers_give_the_token_and_its_lifetime()
    {
        var now = DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

        var docker = RegistryClient.ParseToken(Encoding.UTF8.GetBytes("""{"token":"abc.def.ghi","expires_in":300,"issued_at":"2026-01-01T00:00:00Z"}"""), now, withCredentials: true);
        var oauth = RegistryClient.ParseToken(Encoding.UTF8.GetBytes("""{"access_token":"xyz"}"""), now, withCredentials: false);

        Assert.Equal("abc.def.ghi", docker!.Value);
        Assert.Equal(now.AddSeconds(290), docker.UsableUntil);
        Assert.True(docker.WithCredentials);
        Assert.Equal("xyz", oauth!.Value);
        Assert.Equal(now.AddSeconds(50), oauth.UsableUntil);
        Assert.Null(RegistryClient.ParseToken(Encoding.UTF8.GetBytes("""{"token":""}"""), now, false));
        Assert.Null(RegistryClient.ParseToken(Encoding.UTF8.GetBytes("""{"token":"has space"}"""), now, false));
        Assert.Null(RegistryClient.ParseToken(Encoding.UTF8.GetBytes("not json"), now, false));
    }
}
