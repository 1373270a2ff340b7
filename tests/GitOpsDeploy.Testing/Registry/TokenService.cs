using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GitOpsDeploy.Registry.Tests;

/// <summary>One request the token service received: who asked (null: anonymous) and for which scopes.</summary>
public sealed record TokenRequest(string? User, bool Granted, IReadOnlyList<string> Scopes, string? Account);

/// <summary>
/// A registry token service as distribution 2.8's <c>auth: token:</c> expects one (docs/spec/auth/token.md and
/// jwt.md; registry/auth/token/token.go): <c>GET realm?service=…&amp;scope=…</c>, Basic credentials optional, answering
/// <c>{"token","access_token","expires_in","issued_at"}</c>. The token is a JWT signed RS256 with the key of a
/// self-signed certificate made here; the header's <c>x5c</c> carries that certificate, which the registry verifies
/// against its <c>rootcertbundle</c> (the same certificate, as PEM). Claims: <c>iss</c>, <c>aud</c> (one string: 2.8
/// compares it as one), <c>sub</c>, <c>exp</c>/<c>nbf</c>/<c>iat</c>, <c>jti</c> and <c>access</c>.
/// </summary>
/// <remarks>
/// Policy: repositories under <c>public/</c> may be pulled anonymously; a known user with the right password gets
/// every action asked for; anyone else gets a token without access (as Docker Hub does), and a wrong password
/// gets a 401.
/// </remarks>
public sealed class TokenService : IAsyncDisposable
{
    public const string Issuer = "gitops-deploy-test-issuer";
    public const string Service = "gitops-deploy-test-registry";

    private readonly WebApplication app;
    private readonly RSA key;
    private readonly X509Certificate2 certificate;
    private readonly IReadOnlyDictionary<string, string> users;

    private TokenService(WebApplication app, RSA key, X509Certificate2 certificate, IReadOnlyDictionary<string, string> users, string rootPath)
    {
        this.app = app;
        this.key = key;
        this.certificate = certificate;
        this.users = users;
        RootCertificatePath = rootPath;
    }

    public string Realm { get; private set; } = string.Empty;

    /// <summary>The PEM the registry's <c>rootcertbundle</c> points at.</summary>
    public string RootCertificatePath { get; }

    public ConcurrentQueue<TokenRequest> Requests { get; } = new();

    /// <summary>Every Authorization header received (to check that no credentials arrive where they must not).</summary>
    public ConcurrentQueue<string> AuthorizationHeaders { get; } = new();

    public static async Task<TokenService> StartAsync(string directory, IReadOnlyDictionary<string, string> users)
    {
        var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=gitops-deploy test token issuer", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var rootPath = Path.Combine(directory, "token-root.pem");
        await File.WriteAllTextAsync(rootPath, certificate.ExportCertificatePem() + "\n");

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var service = new TokenService(app, key, certificate, users, rootPath);
        app.MapGet("/token", service.Issue);
        await app.StartAsync();
        var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        service.Realm = url + "/token";
        return service;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        certificate.Dispose();
        key.Dispose();
    }

    private IResult Issue(HttpContext context)
    {
        var query = context.Request.Query;
        var scopes = query["scope"].Where(s => !string.IsNullOrEmpty(s)).Select(s => s!).ToList();
        var account = query["account"].FirstOrDefault();
        string? user = null;
        var header = context.Request.Headers.Authorization.ToString();
        if (header.Length > 0)
        {
            AuthorizationHeaders.Enqueue(header);
            if (!header.StartsWith("Basic ", StringComparison.Ordinal))
            {
                return Refuse(null, scopes, account, "only Basic credentials are accepted here");
            }

            string decoded;
            try
            {
                decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..]));
            }
            catch (FormatException)
            {
                return Refuse(null, scopes, account, "malformed Basic credentials");
            }

            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            user = colon < 0 ? decoded : decoded[..colon];
            var password = colon < 0 ? string.Empty : decoded[(colon + 1)..];
            if (!users.TryGetValue(user, out var expected) || expected != password)
            {
                return Refuse(user, scopes, account, $"authentication failed for user '{user}'");
            }
        }

        if (query["service"].FirstOrDefault() != Service)
        {
            return Results.Json(new { errors = new[] { new { code = "DENIED", message = $"unknown service '{query["service"]}'" } } }, statusCode: 400);
        }

        var access = new List<object>();
        foreach (var scope in scopes)
        {
            // repository:NAME:ACTIONS, NAME itself free of ':' (no port in a repository name).
            var parts = scope.Split(':');
            if (parts.Length != 3)
            {
                continue;
            }

            var asked = parts[2].Split(',', StringSplitOptions.RemoveEmptyEntries);
            var granted = user is not null
                ? asked
                : parts[0] == "repository" && parts[1].StartsWith("public/", StringComparison.Ordinal) ? asked.Where(a => a == "pull").ToArray() : [];
            if (granted.Length > 0)
            {
                access.Add(new { type = parts[0], name = parts[1], actions = granted });
            }
        }

        Requests.Enqueue(new TokenRequest(user, true, scopes, account));
        var now = DateTimeOffset.UtcNow;
        var token = Sign(new Dictionary<string, object?>
        {
            ["iss"] = Issuer,
            ["sub"] = user ?? string.Empty,
            ["aud"] = Service,
            ["exp"] = now.AddMinutes(5).ToUnixTimeSeconds(),
            ["nbf"] = now.AddSeconds(-10).ToUnixTimeSeconds(),
            ["iat"] = now.ToUnixTimeSeconds(),
            ["jti"] = Guid.NewGuid().ToString("N"),
            ["access"] = access,
        });
        return Results.Json(new { token, access_token = token, expires_in = 300, issued_at = now.ToString("O") });
    }

    private IResult Refuse(string? user, IReadOnlyList<string> scopes, string? account, string message)
    {
        Requests.Enqueue(new TokenRequest(user, false, scopes, account));
        return Results.Json(new { errors = new[] { new { code = "UNAUTHORIZED", message } } }, statusCode: 401);
    }

    /// <summary>A compact JWS, RS256, with the signing certificate in <c>x5c</c> (standard base64 DER, as token.go decodes it).</summary>
    private string Sign(Dictionary<string, object?> claims)
    {
        var header = new { typ = "JWT", alg = "RS256", x5c = new[] { Convert.ToBase64String(certificate.RawData) } };
        var signingInput = $"{Base64Url(JsonSerializer.SerializeToUtf8Bytes(header))}.{Base64Url(JsonSerializer.SerializeToUtf8Bytes(claims))}";
        var signature = key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return $"{signingInput}.{Base64Url(signature)}";
    }

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
