using System.Collections.Concurrent;
using System.Net;
using System.Text;

namespace GitOpsDeploy.Registry.Tests;

/// <summary>
/// Where requests go and what they carry, for hosts that cannot be reached from a test (Docker Hub, ghcr.io, a
/// private network registry): a handler in memory answers and records each request.
/// </summary>
[Trait("Tier", "Unit")]
public sealed class RoutingTests
{
    private const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    [Theory]
    [InlineData("nginx", "https://registry-1.docker.io/v2/library/nginx/manifests/latest")]
    [InlineData("docker.io/acme/web:v1", "https://registry-1.docker.io/v2/acme/web/manifests/v1")]
    [InlineData("ghcr.io/acme/web:v1", "https://ghcr.io/v2/acme/web/manifests/v1")]
    [InlineData("registry.example.com:8443/a/b:c", "https://registry.example.com:8443/v2/a/b/manifests/c")]
    [InlineData("localhost:5000/app:v1", "http://localhost:5000/v2/app/manifests/v1")]
    [InlineData("127.0.0.1:5000/app:v1", "http://127.0.0.1:5000/v2/app/manifests/v1")]
    [InlineData("registry.internal:5000/app:v1", "http://registry.internal:5000/v2/app/manifests/v1")]
    [InlineData("ghcr.io/acme/web:v1@" + Digest, "https://ghcr.io/v2/acme/web/manifests/v1")]
    [InlineData("ghcr.io/acme/web@" + Digest, "https://ghcr.io/v2/acme/web/manifests/" + Digest)]
    public async Task Https_except_for_loopback_and_configured_plain_http_registries(string reference, string url)
    {
        var handler = new StubHandler(_ => Ok());
        using var client = new RegistryClient(new RegistryClientOptions { PlainHttpRegistries = ["Registry.Internal:5000"] }, handler);

        await client.ResolveAsync(ImageReference.Parse(reference));

        Assert.Equal(url, handler.Requests.First().Uri);
    }

    [Fact]
    public async Task Loopback_registries_can_be_reached_over_https_instead()
    {
        var handler = new StubHandler(_ => Ok());
        using var client = new RegistryClient(new RegistryClientOptions { PlainHttpForLoopback = false }, handler);

        await client.ResolveAsync(ImageReference.Parse("localhost:5000/app:v1"));

        Assert.Equal("https://localhost:5000/v2/app/manifests/v1", handler.Requests.First().Uri);
    }

    [Fact]
    public async Task Credentials_given_for_docker_io_are_used_for_docker_hubs_api_host_and_its_token_service()
    {
        var handler = new StubHandler(request => request.RequestUri!.Host switch
        {
            "auth.docker.io" => Json(request.Headers.Authorization is null ? """{"token":"anonymous-token"}""" : """{"token":"hub-token","expires_in":300}"""),
            _ when request.Headers.Authorization?.Parameter == "hub-token" => Ok(),
            _ => Challenge("Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\",scope=\"repository:acme/private:pull\""),
        });
        using var client = new RegistryClient(
            new RegistryClientOptions { Credentials = new Dictionary<string, RegistryCredentials> { ["docker.io"] = new("hubuser", "hub-pat") } },
            handler);

        await client.ResolveAsync(ImageReference.Parse("acme/private:v1"));

        // The anonymous token falls short (the registry challenges again): then the credentials, as Basic auth to the realm only.
        var tokenRequests = handler.Requests.Where(r => r.Uri.StartsWith("https://auth.docker.io/", StringComparison.Ordinal)).ToList();
        const string tokenUrl = "https://auth.docker.io/token?service=registry.docker.io&scope=repository%3Aacme%2Fprivate%3Apull";
        Assert.Equal([tokenUrl, tokenUrl + "&account=hubuser"], tokenRequests.Select(r => r.Uri));
        Assert.Equal([null, "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("hubuser:hub-pat"))], tokenRequests.Select(r => r.Authorization));
        Assert.Equal(
            [null, "Bearer anonymous-token", "Bearer hub-token"],
            handler.Requests.Where(r => r.Uri.StartsWith("https://registry-1.docker.io/", StringComparison.Ordinal)).Select(r => r.Authorization));
    }

    [Fact]
    public async Task Credentials_are_not_sent_to_a_token_service_over_plain_http_on_another_network_host()
    {
        var handler = new StubHandler(request => request.RequestUri!.Host switch
        {
            "tokens.example.com" => Json("""{"token":"anonymous-token"}"""),
            _ => Challenge("Bearer realm=\"http://tokens.example.com/token\",service=\"svc\""),
        });
        using var client = new RegistryClient(
            new RegistryClientOptions { Credentials = new Dictionary<string, RegistryCredentials> { ["ghcr.io"] = new("bot", "never-over-http") } },
            handler);

        var e = await Assert.ThrowsAsync<RegistryException>(() => client.ResolveAsync(ImageReference.Parse("ghcr.io/acme/web:v1")));

        Assert.Equal(RegistryErrorKind.Unauthorized, e.Kind);
        Assert.Contains("the credentials for ghcr.io were not sent to its token service http://tokens.example.com over plain http", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(handler.Requests, r => r.Authorization?.StartsWith("Basic", StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task A_token_service_that_refuses_anonymous_access_is_asked_with_the_credentials()
    {
        var handler = new StubHandler(request => request.RequestUri!.Host switch
        {
            "ghcr.io" when request.RequestUri.AbsolutePath == "/token" => request.Headers.Authorization is null
                ? new HttpResponseMessage(HttpStatusCode.Unauthorized) { Content = new StringContent("""{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}""") }
                : Json("""{"token":"ghcr-token"}"""),
            _ when request.Headers.Authorization?.Parameter == "ghcr-token" => Ok(),
            _ => Challenge("Bearer realm=\"https://ghcr.io/token\",service=\"ghcr.io\",scope=\"repository:acme/web:pull\""),
        });
        using var client = new RegistryClient(
            new RegistryClientOptions { Credentials = new Dictionary<string, RegistryCredentials> { ["ghcr.io"] = new(null, "ghp_github_token") } },
            handler);

        var resolved = await client.ResolveAsync(ImageReference.Parse("ghcr.io/acme/web:v1"));

        Assert.Equal(Digest, resolved.Digest);
        Assert.Contains(handler.Requests, r => r.Authorization == "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{RegistryCredentials.PlaceholderUsername}:ghp_github_token")));
    }

    [Fact]
    public async Task A_token_echoed_in_an_error_is_masked()
    {
        var handler = new StubHandler(request => request.RequestUri!.AbsolutePath == "/token"
            ? Json("""{"token":"secret-bearer-token"}""")
            : request.Headers.Authorization is null
                ? Challenge("Bearer realm=\"https://ghcr.io/token\",service=\"ghcr.io\"")
                : request.Method == HttpMethod.Head
                    ? new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent([]) }
                    : new HttpResponseMessage(HttpStatusCode.InternalServerError) { Content = new StringContent("""{"errors":[{"code":"UNKNOWN","message":"bad token secret-bearer-token"}]}""") });
        using var client = new RegistryClient(new RegistryClientOptions { MaxAttempts = 1 }, handler);

        var e = await Assert.ThrowsAsync<RegistryException>(() => client.ResolveAsync(ImageReference.Parse("ghcr.io/acme/web@" + Digest)));

        Assert.Equal(RegistryErrorKind.UnexpectedResponse, e.Kind);
        Assert.Contains("bad token ***", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-bearer-token", e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_handler_that_follows_redirects_itself_is_refused()
    {
        using var handler = new SocketsHttpHandler { AllowAutoRedirect = true };

        var e = Assert.Throws<ArgumentException>(() => new RegistryClient(new RegistryClientOptions(), handler, disposeHandler: false));

        Assert.Contains("must not follow redirects", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Exists_needs_a_digest()
    {
        using var client = new RegistryClient(new RegistryClientOptions(), new StubHandler(_ => Ok()));

        await Assert.ThrowsAsync<ArgumentException>(() => client.ExistsAsync(ImageReference.Parse("ghcr.io/acme/web:v1")));
    }

    private static HttpResponseMessage Ok()
    {
        var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent([]) };
        response.Headers.Add("Docker-Content-Digest", Digest);
        response.Content.Headers.ContentType = new(ManifestMediaTypes.OciManifest);
        return response;
    }

    private static HttpResponseMessage Json(string body) =>
        new(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, "application/json") };

    private static HttpResponseMessage Challenge(string header)
    {
        var response = new HttpResponseMessage(HttpStatusCode.Unauthorized) { Content = new ByteArrayContent([]) };
        response.Headers.TryAddWithoutValidation("WWW-Authenticate", header);
        return response;
    }

    private sealed record Seen(string Method, string Uri, string? Authorization);

    private sealed class StubHandler(Func<HttpRequestMessage, HttpResponseMessage> answer) : HttpMessageHandler
    {
        public ConcurrentQueue<Seen> Requests { get; } = new();

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Enqueue(new Seen(request.Method.Method, request.RequestUri!.AbsoluteUri, request.Headers.Authorization?.ToString()));
            return Task.FromResult(answer(request));
        }
    }
}
