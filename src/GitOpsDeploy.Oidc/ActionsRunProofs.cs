using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Editing;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace GitOpsDeploy.Oidc;

/// <summary>
/// What the runner gives a job with <c>permissions: id-token: write</c> (ACTIONS_ID_TOKEN_REQUEST_URL and
/// ACTIONS_ID_TOKEN_REQUEST_TOKEN), and the GitHub (GITHUB_SERVER_URL and GITHUB_API_URL) whose issuer signs the tokens.
/// </summary>
public sealed record OidcSettings(string? RequestUrl, string? RequestToken, GitHubHost? GitHub);

/// <summary>
/// GitHub Actions OIDC over HTTP: asks the runner for this job's ID token (GET the request URL with
/// <c>&amp;audience=</c> and the request token as bearer: <c>{"value": "&lt;JWT&gt;"}</c>), and checks
/// another job's token with IdentityModel against the issuer's published keys
/// (<c>&lt;issuer&gt;/.well-known/openid-configuration</c> -&gt; <c>jwks_uri</c>): RS256 signature,
/// issuer, audience, expiry. The issuer is the GitHub's (<see cref="GitHubHost.ActionsIssuer"/>: the cloud's token
/// service or its enterprise-slug form, learnt from this job's own token; a GHE.com tenant's; a GHES's <c>/_services/token</c>).
/// </summary>
public sealed class ActionsRunProofs : IRunProofs, IDisposable
{
    /// <summary>How far clocks may disagree when a token's expiry is checked.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(1);

    private readonly OidcSettings settings;
    private readonly HttpClient http;
    private readonly ILogger logger;
    // Built on first use: most runs never verify a token, and loading Microsoft.IdentityModel costs start-up time.
    private JsonWebTokenHandler? tokens;
    private string? issuer;
    private ConfigurationManager<OpenIdConnectConfiguration>? keys;

    public ActionsRunProofs(OidcSettings settings, ILogger logger, HttpMessageHandler? handler = null)
    {
        this.settings = settings;
        this.logger = logger;
        http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        http.Timeout = TimeSpan.FromSeconds(30);
        issuer = settings.GitHub?.ActionsIssuer;
    }

    private JsonWebTokenHandler Tokens => tokens ??= new JsonWebTokenHandler();

    public string? Unavailable =>
        settings.RequestUrl is null || settings.RequestToken is null ? "this job has no ID token: its workflow does not grant 'permissions: id-token: write'"
        : issuer is null ? "which GitHub this is cannot be told from GITHUB_SERVER_URL and GITHUB_API_URL, so the token issuer is unknown"
        : null;

    public async Task<RunProof> ProveAsync(string audience, CancellationToken cancellationToken)
    {
        if (Unavailable is { } why)
        {
            throw new DeployException(ErrorKind.PermissionDenied, why);
        }

        var url = settings.RequestUrl! + (settings.RequestUrl!.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "audience=" + Uri.EscapeDataString(audience);
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", settings.RequestToken);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        string body;
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new DeployException(ErrorKind.PermissionDenied, $"the runner refused this job's ID token ({(int)response.StatusCode})");
            }
        }
        catch (HttpRequestException e)
        {
            throw new DeployException(ErrorKind.Transient, $"the runner's ID token service could not be reached: {e.Message}", e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new DeployException(ErrorKind.Transient, "the runner's ID token service did not answer in time", e);
        }

        string token;
        try
        {
            token = JsonDocument.Parse(body).RootElement.GetProperty("value").GetString() ?? throw new JsonException("no value");
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new DeployException(ErrorKind.Transient, "the runner's ID token service answered without a token", e);
        }

        var jwt = new JsonWebToken(token);
        // Enterprises may make GitHub add their slug to the issuer: this job's own token says which.
        if (issuer is not null && jwt.Issuer.StartsWith(issuer + "/", StringComparison.Ordinal))
        {
            issuer = jwt.Issuer;
            keys = null;
        }

        return new RunProof(token, new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero));
    }

    public async Task<ProofCheck> CheckAsync(string token, string audience, CancellationToken cancellationToken)
    {
        if (issuer is null)
        {
            return new ProofCheck.Refused("the token issuer is unknown (GITHUB_SERVER_URL and GITHUB_API_URL do not tell which GitHub this is)");
        }

        if (!Tokens.CanReadToken(token))
        {
            return new ProofCheck.Refused("it is not a JSON web token");
        }

        keys ??= new ConfigurationManager<OpenIdConnectConfiguration>(
            issuer.TrimEnd('/') + "/.well-known/openid-configuration",
            new OpenIdConnectConfigurationRetriever(),
            new HttpDocumentRetriever(http) { RequireHttps = !IsLoopback(issuer) });
        OpenIdConnectConfiguration configuration;
        try
        {
            configuration = await keys.GetConfigurationAsync(cancellationToken);
        }
        catch (InvalidOperationException e)
        {
            logger.LogWarning("Could not read the signing keys of {Issuer}: {Reason}", issuer, e.Message);
            return new ProofCheck.Refused($"the keys of {issuer} could not be read ({e.Message})");
        }

        var result = await Tokens.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = issuer,
            ValidAudience = audience,
            IssuerSigningKeys = configuration.SigningKeys,
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ValidateLifetime = true,
            ClockSkew = ClockSkew,
        });
        if (!result.IsValid)
        {
            return new ProofCheck.Refused(Reason(result.Exception, (JsonWebToken)Tokens.ReadToken(token)));
        }

        var jwt = (JsonWebToken)result.SecurityToken;
        string? Claim(string name) => jwt.TryGetPayloadValue<string>(name, out var value) && value.Length > 0 ? value : null;
        if (Claim("repository") is not { } repository || Claim("repository_owner") is not { } owner || Claim("sha") is not { } sha
            || !long.TryParse(Claim("run_id"), NumberStyles.None, CultureInfo.InvariantCulture, out var runId))
        {
            return new ProofCheck.Refused("it lacks the repository, repository_owner, sha or run_id claim");
        }

        return new ProofCheck.Verified(new RunClaims(repository, owner, sha, runId, new DateTimeOffset(jwt.IssuedAt, TimeSpan.Zero), new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero))
        {
            Environment = Claim("environment"),
            Workflow = Claim("job_workflow_ref"),
        });
    }

    public void Dispose() => http.Dispose();

    /// <summary>Why IdentityModel refused a token, in our words (never the token itself).</summary>
    private string Reason(Exception? error, JsonWebToken token) => error switch
    {
        SecurityTokenExpiredException => $"it expired at {token.ValidTo:u}",
        SecurityTokenNotYetValidException => $"it is not valid before {token.ValidFrom:u}",
        SecurityTokenInvalidAudienceException => "it was issued for another audience (another intent's content)",
        SecurityTokenInvalidIssuerException => $"it was issued by '{token.Issuer}', not {issuer}",
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => $"its signature does not verify against the keys of {issuer}",
        SecurityTokenInvalidAlgorithmException => $"it is signed with {token.Alg}, not RS256",
        _ => $"it does not validate ({error?.GetType().Name ?? "unknown reason"})",
    };

    private static bool IsLoopback(string url) => Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.IsLoopback;
}
