using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace GitOpsDeploy.Registry.Tests;

/// <summary>
/// What a real registry will not do on demand, over real HTTP on loopback (Kestrel): a HEAD without digest,
/// 5xx and 429, redirects within and off the origin, a stalled answer, TLS with an untrusted certificate.
/// </summary>
[Trait("Tier", "Adapter")]
public sealed class ScriptedRegistryTests
{
    private static readonly byte[] ManifestBytes = Encoding.UTF8.GetBytes("""{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}""");
    private static readonly string ManifestDigest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(ManifestBytes));

    private readonly List<string> log = [];

    [Fact]
    public async Task A_head_without_digest_header_is_followed_by_a_get_whose_exact_bytes_are_hashed()
    {
        await using var server = await ScriptedServer.StartAsync(c => Manifest(c, ManifestBytes, ManifestMediaTypes.OciManifest, digest: null));
        using var client = Client();

        var resolved = await client.ResolveAsync(ImageReference.Parse($"{server.Host}/acme/web:v1"));

        Assert.Equal(ManifestDigest, resolved.Digest);
        Assert.Equal(ManifestMediaTypes.OciManifest, resolved.MediaType);
        Assert.Equal(ManifestBytes.Length, resolved.Size);
        Assert.Equal(["HEAD", "GET"], server.Requests.Select(r => r.Method));
        Assert.All(server.Requests, r => Assert.Equal(string.Join(", ", ManifestMediaTypes.All), r.Accept));
    }

    [Fact]
    public async Task A_generic_content_type_is_replaced_by_the_manifests_own_media_type()
    {
        var index = Encoding.UTF8.GetBytes("""{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","manifests":[]}""");
        await using var server = await ScriptedServer.StartAsync(c => Manifest(c, index, "application/json", digest: null));
        using var client = Client();

        var resolved = await client.ResolveAsync(ImageReference.Parse($"{server.Host}/acme/web:v1"));

        Assert.Equal(ManifestMediaTypes.DockerManifestList, resolved.MediaType);
        Assert.True(resolved.IsIndex);
        Assert.Equal("sha256:" + Convert.ToHexStringLower(SHA256.HashData(index)), resolved.Digest);
    }

    [Fact]
    public async Task A_digest_header_that_does_not_match_the_bytes_served_is_an_unexpected_answer()
    {
        var lie = "sha256:" + new string('1', 64);
        await using var server = await ScriptedServer.StartAsync(c => HttpMethods.IsHead(c.Request.Method)
            ? Manifest(c, ManifestBytes, ManifestMediaTypes.OciManifest, digest: null)
            : Manifest(c, ManifestBytes, ManifestMediaTypes.OciManifest, digest: lie));
        using var client = Client();

        var e = await Assert.ThrowsAsync<RegistryException>(() => client.ResolveAsync(ImageReference.Parse($"{server.Host}/acme/web:v1")));

        Assert.Equal(RegistryErrorKind.UnexpectedResponse, e.Kind);
        Assert.Contains($"hashes to {ManifestDigest}, but its Docker-Content-Digest says {lie}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_answer_for_another_digest_than_asked_is_refused()
    {
        var other = "sha256:" + new string('2', 64);
        await using var server = await ScriptedServer.StartAsync(c => Manifest(c, ManifestBytes, ManifestMediaTypes.OciManifest, digest: ManifestDigest));
        using var client = Client();

        var e = await Assert.ThrowsAsync<RegistryException>(() => client.ExistsAsync(ImageReference.Parse($"{server.Host}/acme/web@{other}")));

        Assert.Equal(RegistryErrorKind.UnexpectedResponse, e.Kind);
        Assert.Contains($"asked for {other}, the registry answered for {ManifestDigest}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_errors_are_retried_a_bounded_number_of_times_then_succeed()
    {
        var calls = 0;
        await using var server = await ScriptedServer.StartAsync(c => Interlocked.Increment(ref calls) <= 2
            ? Status(c, 503, """{"errors":[{"code":"UNAVAILABLE","message":"try later"}]}""")
            : Manifest(c, ManifestBytes, ManifestMediaTypes.OciManifest, ManifestDigest));
        using var client = Client();

        var resolved = await client.ResolveAsync(ImageReference.Parse($"{server.Host}/acme/web:v1"));

        Assert.Equal(ManifestDigest, resolved.Digest);
        Assert.Equal(3, server.Requests.Count);
        Assert.Equal(2, log.Count(l => l.Contains("answered 503; retrying", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Persistent_server_errors_give_up_after_the_attempts_with_the_registrys_answer()
    {
        await using var server = await ScriptedServer.StartAsync(c => Status(c, 502, "<html>bad gateway</html>"));
        using var client = Client();

        var e = await Assert.ThrowsAsync<RegistryException>(() => client.ResolveAsync(ImageReference.Parse($"{server.Host}/acme/web:v1")));

        Assert.Equal(RegistryErrorKind.UnexpectedResponse, e.Kind);
        Assert.Equal(502, e.StatusCode);
        Assert.Contains("unexpected answer 502 Bad Gateway (after 3 attempts)", e.Message, StringComparison.Ordinal);
        Assert.Equal(3, server.Requests.Count);
    }

    [Fact]
    public async Task A_rate_limit_is_waited_out_as_retry_after_asks_within_the_bound()
    {
        var calls = 0;
        await using var server = await ScriptedServer.StartAsync(c =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                c.Response.Headers.RetryAfter = "1";
                return Status(c, 429, """{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}""");
            }

            return Manifest(c, ManifestBytes, ManifestMediaTypes.OciManifest, ManifestDigest);
        });
        using var client = Client(new RegistryClientOptions { MaxRetryDelay = TimeSpan.FromMilliseconds(200), Log = log.Add });

        var resolved = await client.ResolveAsync(ImageReference.Parse($"{server.Host}/acme/web:v1"));

        Assert.Equal(ManifestDigest, resolved.Digest);
        Assert.Contains(log, l => l.Contains("answered 429; retrying in 200 ms", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Basic_credentials_stay_on_the_registry_when_it_redirects_to_another_host()
    {
        await using var other = await ScriptedServer.StartAsync(c => Manifest(c, ManifestBytes, ManifestMediaTypes.OciManifest, ManifestDigest), address: "127.0.0.2");
        await using var registry = await ScriptedServer.StartAsync(c =>
        {
            if (c.Request.Headers.Authorization.Count == 0)
            {
                c.Response.Headers.WWWAuthenticate = "Basic realm=\"scripted\"";
                return Status(c, 401, """{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}""");
            }

            c.Response.Headers.Location = new Uri(other.Url, c.Request.Path).ToString();
            return Status(c, 307, string.Empty);
        });
        using var client = Client(new RegistryClientOptions
        {
            Credentials = new Dictionary<string, RegistryCredentials> { [registry.Host] = new("bot", "basic-secret") },
            Log = log.Add,
        });

        var resolved = await client.ResolveAsync(ImageReference.Parse($"{registry.Host}/acme/web:v1"));
        var again = await client.ResolveAsync(ImageReference.Parse($"{registry.Host}/acme/web:v1"));

        Assert.Equal(ManifestDigest, resolved.Digest);
        Assert.Equal(ManifestDigest, again.Digest);
        Assert.All(other.Requests, r => Assert.Null(r.Authorization));
        Assert.Equal(
            [null, "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("bot:basic-secret")), "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("bot:basic-secret"))],
            registry.Requests.Select(r => r.Authorization));
        Assert.Contains(log, l => l.Contains("(another origin: sent without credentials)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_redirect_within_the_registry_keeps_the_credentials()
    {
        await using var registry = await ScriptedServer.StartAsync(c =>
        {
            if (c.Request.Headers.Authorization.Count == 0)
            {
                c.Response.Headers.WWWAuthenticate = "Basic realm=\"scripted\"";
                return Status(c, 401, string.Empty);
            }

            if (c.Request.Path.StartsWithSegments("/v2/old"))
            {
                c.Response.Headers.Location = "/v2/new/manifests/v1";
                return Status(c, 301, string.Empty);
            }

            return Manifest(c, ManifestBytes, ManifestMediaTypes.OciManifest, ManifestDigest);
        });
        using var client = Client(new RegistryClientOptions { Credentials = new Dictionary<string, RegistryCredentials> { [registry.Host] = new("bot", "pw") } });

        var resolved = await client.ResolveAsync(ImageReference.Parse($"{registry.Host}/old:v1"));

        Assert.Equal(ManifestDigest, resolved.Digest);
        var last = registry.Requests.Last();
        Assert.Equal("/v2/new/manifests/v1", last.PathAndQuery);
        Assert.NotNull(last.Authorization);
    }

    [Fact]
    public async Task A_401_from_a_redirect_target_does_not_get_the_registrys_credentials()
    {
        await using var other = await ScriptedServer.StartAsync(
            c =>
            {
                c.Response.Headers.WWWAuthenticate = "Basic realm=\"elsewhere\"";
                return Status(c, 401, string.Empty);
            },
            address: "127.0.0.2");
        await using var registry = await ScriptedServer.StartAsync(c =>
        {
            c.Response.Headers.Location = new Uri(other.Url, c.Request.Path).ToString();
            return Status(c, 302, string.Empty);
        });
        using var client = Client(new RegistryClientOptions { Credentials = new Dictionary<string, RegistryCredentials> { [registry.Host] = new("bot", "pw-not-for-others") } });

        var e = await Assert.ThrowsAsync<RegistryException>(() => client.ResolveAsync(ImageReference.Parse($"{registry.Host}/acme/web:v1")));

        Assert.Equal(RegistryErrorKind.Unauthorized, e.Kind);
        Assert.Contains($"the 401 came from {other.Url.GetLeftPart(UriPartial.Authority)} after a redirect, and credentials for {registry.Host} are not sent there", e.Message, StringComparison.Ordinal);
        Assert.All(other.Requests, r => Assert.Null(r.Authorization));
    }

    [Fact]
    public async Task The_token_realm_may_be_another_host_and_gets_the_credentials_but_the_registry_only_the_token()
    {
        await using var tokens = await ScriptedServer.StartAsync(
            c => c.Request.Headers.Authorization.Count == 0
                ? Json(c, 200, """{"token":"anonymous-token"}""")
                : Json(c, 200, """{"token":"user-token","expires_in":120}"""),
            address: "127.0.0.2");
        await using var registry = await ScriptedServer.StartAsync(c =>
        {
            if (c.Request.Headers.Authorization.ToString() == "Bearer user-token")
            {
                return Manifest(c, ManifestBytes, ManifestMediaTypes.OciManifest, ManifestDigest);
            }

            c.Response.Headers.WWWAuthenticate = $"Bearer realm=\"{tokens.Url}token\",service=\"scripted\",scope=\"repository:acme/web:pull\"{(c.Request.Headers.Authorization.Count > 0 ? ",error=\"insufficient_scope\"" : string.Empty)}";
            return Status(c, 401, string.Empty);
        });
        using var client = Client(new RegistryClientOptions { Credentials = new Dictionary<string, RegistryCredentials> { [registry.Host] = new("bot", "token-pw") } });

        var resolved = await client.ResolveAsync(ImageReference.Parse($"{registry.Host}/acme/web:v1"));

        Assert.Equal(ManifestDigest, resolved.Digest);
        Assert.Equal([null, "Bearer anonymous-token", "Bearer user-token"], registry.Requests.Select(r => r.Authorization));
        Assert.Equal([null, "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("bot:token-pw"))], tokens.Requests.Select(r => r.Authorization));
        Assert.Equal("/token?service=scripted&scope=repository%3Aacme%2Fweb%3Apull&account=bot", tokens.Requests.Last().PathAndQuery);
    }

    [Fact]
    public async Task A_stalled_registry_is_a_timeout_within_the_overall_bound()
    {
        await using var server = await ScriptedServer.StartAsync(async c => await Task.Delay(TimeSpan.FromSeconds(30), c.RequestAborted));
        using var client = Client(new RegistryClientOptions { Timeout = TimeSpan.FromMilliseconds(700) });
        var started = DateTime.UtcNow;

        var e = await Assert.ThrowsAsync<RegistryException>(() => client.ResolveAsync(ImageReference.Parse($"{server.Host}/acme/web:v1")));

        Assert.Equal(RegistryErrorKind.Timeout, e.Kind);
        Assert.Contains($"no answer from registry {server.Host} within 0.7 s (was waiting for HEAD http://{server.Host}/v2/acme/web/manifests/v1)", e.Message, StringComparison.Ordinal);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task An_attempt_that_gets_no_answer_in_time_is_retried()
    {
        var calls = 0;
        await using var server = await ScriptedServer.StartAsync(async c =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                await Task.Delay(TimeSpan.FromSeconds(30), c.RequestAborted);
            }

            await Manifest(c, ManifestBytes, ManifestMediaTypes.OciManifest, ManifestDigest);
        });
        using var client = Client(new RegistryClientOptions { RequestTimeout = TimeSpan.FromSeconds(1), RetryDelay = TimeSpan.FromMilliseconds(20), Log = log.Add });

        var resolved = await client.ResolveAsync(ImageReference.Parse($"{server.Host}/acme/web:v1"));

        Assert.Equal(ManifestDigest, resolved.Digest);
        Assert.Contains(log, l => l.Contains("failed (no answer within 1 s); retrying", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_callers_cancellation_is_a_cancellation_not_a_registry_error()
    {
        await using var server = await ScriptedServer.StartAsync(async c => await Task.Delay(TimeSpan.FromSeconds(30), c.RequestAborted));
        using var client = Client();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.ResolveAsync(ImageReference.Parse($"{server.Host}/acme/web:v1"), cancel.Token));
    }

    [Fact]
    public async Task Cancellation_during_a_retry_pause_is_honoured()
    {
        await using var server = await ScriptedServer.StartAsync(c => Status(c, 503, string.Empty));
        using var client = Client(new RegistryClientOptions { RetryDelay = TimeSpan.FromSeconds(20), MaxRetryDelay = TimeSpan.FromSeconds(20) });
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var started = DateTime.UtcNow;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.ResolveAsync(ImageReference.Parse($"{server.Host}/acme/web:v1"), cancel.Token));

        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task An_untrusted_certificate_is_a_tls_error_and_is_not_retried()
    {
        await using var server = await ScriptedServer.StartAsync(c => Manifest(c, ManifestBytes, ManifestMediaTypes.OciManifest, ManifestDigest), https: true);
        using var client = Client(new RegistryClientOptions { PlainHttpForLoopback = false });

        var e = await Assert.ThrowsAsync<RegistryException>(() => client.ResolveAsync(ImageReference.Parse($"{server.Host}/acme/web:v1")));

        Assert.Equal(RegistryErrorKind.Tls, e.Kind);
        Assert.Contains($"the TLS connection to registry {server.Host} at https://{server.Host} failed", e.Message, StringComparison.Ordinal);
        Assert.Contains("certificate", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("plain-http", e.Message, StringComparison.Ordinal);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task A_handler_that_trusts_the_certificate_resolves_over_https()
    {
        await using var server = await ScriptedServer.StartAsync(c => Manifest(c, ManifestBytes, ManifestMediaTypes.OciManifest, ManifestDigest), https: true);
        var options = new RegistryClientOptions { PlainHttpForLoopback = false };
        var handler = RegistryClient.CreateHandler(options);
        var pinned = server.Certificate!.GetCertHashString();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate?.GetCertHashString() == pinned;
        using var client = new RegistryClient(options, handler);

        var resolved = await client.ResolveAsync(ImageReference.Parse($"{server.Host}/acme/web:v1"));

        Assert.Equal(ManifestDigest, resolved.Digest);
    }

    [Fact]
    public async Task Https_to_a_plain_http_registry_is_a_tls_error_that_says_how_to_configure_it()
    {
        await using var server = await ScriptedServer.StartAsync(c => Manifest(c, ManifestBytes, ManifestMediaTypes.OciManifest, ManifestDigest));
        using var client = Client(new RegistryClientOptions { PlainHttpForLoopback = false });

        var e = await Assert.ThrowsAsync<RegistryException>(() => client.ResolveAsync(ImageReference.Parse($"{server.Host}/acme/web:v1")));

        Assert.Equal(RegistryErrorKind.Tls, e.Kind);
        Assert.Contains($"if {server.Host} serves plain http, configure it as a plain-http registry", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_redirect_from_https_to_plain_http_is_not_followed()
    {
        await using var plain = await ScriptedServer.StartAsync(c => Manifest(c, ManifestBytes, ManifestMediaTypes.OciManifest, ManifestDigest));
        await using var server = await ScriptedServer.StartAsync(
            c =>
            {
                c.Response.Headers.Location = new Uri(plain.Url, c.Request.Path).ToString();
                return Status(c, 302, string.Empty);
            },
            https: true);
        var options = new RegistryClientOptions { PlainHttpForLoopback = false };
        var handler = RegistryClient.CreateHandler(options);
        handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        using var client = new RegistryClient(options, handler);

        var e = await Assert.ThrowsAsync<RegistryException>(() => client.ResolveAsync(ImageReference.Parse($"{server.Host}/acme/web:v1")));

        Assert.Equal(RegistryErrorKind.UnexpectedResponse, e.Kind);
        Assert.Contains("which drops https: not followed", e.Message, StringComparison.Ordinal);
        Assert.Empty(plain.Requests);
    }

    [Fact]
    public async Task A_denied_answer_is_unauthorized()
    {
        await using var server = await ScriptedServer.StartAsync(c => Status(c, 403, """{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}"""));
        using var client = Client();

        var e = await Assert.ThrowsAsync<RegistryException>(() => client.ResolveAsync(ImageReference.Parse($"{server.Host}/acme/web:v1")));

        Assert.Equal(RegistryErrorKind.Unauthorized, e.Kind);
        Assert.Equal(403, e.StatusCode);
        Assert.Contains($"registry {server.Host} denied access to repository 'acme/web' (403 DENIED: requested access to the resource is denied); tried anonymous", e.Message, StringComparison.Ordinal);
        Assert.Equal(["HEAD", "GET"], server.Requests.Select(r => r.Method));
    }

    [Fact]
    public async Task A_401_without_a_usable_challenge_says_so()
    {
        await using var server = await ScriptedServer.StartAsync(c =>
        {
            c.Response.Headers.WWWAuthenticate = "Negotiate";
            return Status(c, 401, string.Empty);
        });
        using var client = Client();

        var e = await Assert.ThrowsAsync<RegistryException>(() => client.ResolveAsync(ImageReference.Parse($"{server.Host}/acme/web:v1")));

        Assert.Equal(RegistryErrorKind.Unauthorized, e.Kind);
        Assert.Contains("a challenge this client cannot answer (Negotiate); Bearer and Basic are supported", e.Message, StringComparison.Ordinal);
    }

    private RegistryClient Client(RegistryClientOptions? options = null) => new(options ?? new RegistryClientOptions
    {
        RetryDelay = TimeSpan.FromMilliseconds(20),
        Log = log.Add,
    });

    private static async Task Manifest(HttpContext c, byte[] body, string mediaType, string? digest)
    {
        c.Response.ContentType = mediaType;
        c.Response.ContentLength = body.Length;
        if (digest is not null)
        {
            c.Response.Headers["Docker-Content-Digest"] = digest;
        }

        if (!HttpMethods.IsHead(c.Request.Method))
        {
            await c.Response.Body.WriteAsync(body);
        }
    }

    private static Task Status(HttpContext c, int status, string body)
    {
        c.Response.StatusCode = status;
        if (body.Length == 0 || HttpMethods.IsHead(c.Request.Method))
        {
            return Task.CompletedTask;
        }

        c.Response.ContentType = body.StartsWith('{') ? "application/json" : "text/html";
        return c.Response.WriteAsync(body);
    }

    private static Task Json(HttpContext c, int status, string body)
    {
        c.Response.StatusCode = status;
        c.Response.ContentType = new MediaTypeHeaderValue("application/json").ToString();
        return c.Response.WriteAsync(body);
    }
}
