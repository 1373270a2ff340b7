using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace GitOpsDeploy.Tests.Fakes;

/// <summary>What GitHub puts into a job's ID token (the claims the action reads), per job.</summary>
public sealed record JobClaims(string Repository, string Sha, long RunId)
{
    public string Owner => Repository.Split('/')[0];

    /// <summary>The job's <c>environment:</c>, when it has one (the claim is absent otherwise).</summary>
    public string? Environment { get; init; }
}

/// <summary>
/// GitHub Actions OIDC as a GHES host serves it: the issuer <c>{server}/_services/token</c> with its
/// discovery document and JWKS (RS256, one key), and the runner's token endpoint
/// (<c>ACTIONS_ID_TOKEN_REQUEST_URL</c>: GET with <c>&amp;audience=</c> and the job's request token as
/// bearer, answering <c>{"value": "&lt;JWT&gt;"}</c>). Tests also mint tokens directly, with any claims,
/// lifetimes, issuers or keys, to forge what an attacker could.
/// </summary>
public sealed partial class FakeGitHub
{
    private const string KeyId = "fake-actions-key";
    private readonly RSA signingKey = RSA.Create(2048);
    private readonly ConcurrentDictionary<string, JobClaims> jobs = new(StringComparer.Ordinal);

    /// <summary>How long the ID tokens the runner endpoint issues are valid (GitHub's are short-lived).</summary>
    public TimeSpan IdTokenLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>ID tokens the runner endpoint issued.</summary>
    public int IdTokensIssued => idTokensIssued;

    private int idTokensIssued;

    public string Issuer => ServerUrl + "/_services/token";

    /// <summary>Registers a job: the request token its runner would get, and the variables a step sees.</summary>
    public IReadOnlyDictionary<string, string> RegisterJob(JobClaims claims)
    {
        var requestToken = "oidc-request-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        jobs[requestToken] = claims;
        return new Dictionary<string, string>
        {
            ["ACTIONS_ID_TOKEN_REQUEST_URL"] = $"{ServerUrl}/_apis/oidc/token?api-version=2.0",
            ["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] = requestToken,
        };
    }

    /// <summary>A token as the issuer signs it; <paramref name="key"/> and <paramref name="issuer"/> forge one the issuer never made.</summary>
    public string MintIdToken(JobClaims claims, string audience, TimeSpan? lifetime = null, DateTimeOffset? issuedAt = null, RSA? key = null, string? issuer = null)
    {
        var now = issuedAt ?? DateTimeOffset.UtcNow;
        var subject = new ClaimsIdentity(
        [
            new Claim("sub", $"repo:{claims.Repository}:{(claims.Environment is { } e ? "environment:" + e : "ref:refs/heads/main")}"),
            new Claim("repository", claims.Repository),
            new Claim("repository_owner", claims.Owner),
            new Claim("sha", claims.Sha),
            new Claim("run_id", claims.RunId.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new Claim("job_workflow_ref", $"{claims.Repository}/.github/workflows/ci.yaml@refs/heads/main"),
        ]);
        if (claims.Environment is { } environment)
        {
            subject.AddClaim(new Claim("environment", environment));
        }

        var handler = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false };
        return handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? Issuer,
            Audience = audience,
            Subject = subject,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = (now + (lifetime ?? IdTokenLifetime)).UtcDateTime,
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(key ?? signingKey) { KeyId = KeyId }, SecurityAlgorithms.RsaSha256),
        });
    }

    /// <summary>The issuer's discovery document, its keys, and the runner's token endpoint; false when the path is none of them.</summary>
    private async Task<bool> HandleOidcAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? string.Empty;
        switch (path)
        {
            case "/_services/token/.well-known/openid-configuration":
                await Reply(context, 200, new Dictionary<string, object>
                {
                    ["issuer"] = Issuer,
                    ["jwks_uri"] = Issuer + "/.well-known/jwks",
                    ["subject_types_supported"] = new[] { "public", "pairwise" },
                    ["response_types_supported"] = new[] { "id_token" },
                    ["claims_supported"] = new[] { "sub", "aud", "exp", "iat", "iss", "jti", "nbf", "ref", "sha", "repository", "repository_owner", "run_id", "environment", "job_workflow_ref" },
                    ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
                    ["scopes_supported"] = new[] { "openid" },
                });
                return true;
            case "/_services/token/.well-known/jwks":
                var parameters = signingKey.ExportParameters(false);
                await Reply(context, 200, new Dictionary<string, object>
                {
                    ["keys"] = new[]
                    {
                        new Dictionary<string, string>
                        {
                            ["kty"] = "RSA", ["alg"] = "RS256", ["use"] = "sig", ["kid"] = KeyId,
                            ["n"] = Base64UrlEncoder.Encode(parameters.Modulus), ["e"] = Base64UrlEncoder.Encode(parameters.Exponent),
                        },
                    },
                });
                return true;
            case "/_apis/oidc/token":
                var bearer = context.Request.Headers.Authorization.ToString();
                if (!bearer.StartsWith("Bearer ", StringComparison.Ordinal) || !jobs.TryGetValue(bearer[7..], out var job))
                {
                    await Reply(context, 401, new { message = "Unauthorized" });
                    return true;
                }

                var audience = context.Request.Query["audience"].ToString();
                Interlocked.Increment(ref idTokensIssued);
                await Reply(context, 200, new { value = MintIdToken(job, audience.Length > 0 ? audience : $"https://github.com/{job.Owner}"), count = 1 });
                return true;
            default:
                return false;
        }
    }
}
