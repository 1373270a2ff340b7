using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace GitOpsDeploy.Registry;

/// <summary>
/// Asks registries (OCI distribution API) what a tag points to and whether a digest is there, with the registry's
/// own answer: <c>HEAD /v2/&lt;name&gt;/manifests/&lt;reference&gt;</c> and its <c>Docker-Content-Digest</c>, or a GET and the
/// sha256 of the exact bytes when a registry leaves that header out.
/// </summary>
/// <remarks>
/// <para>
/// Authentication as docker does it: anonymous first; on a 401 the <c>WWW-Authenticate</c> challenge decides. For
/// <c>Bearer</c> a token is fetched from the challenge's realm (anonymously, then with the credentials given for the
/// registry as Basic auth), cached per registry and repository until it expires, and the request is retried once per
/// step. For <c>Basic</c> the credentials go to the registry itself. Credentials are never sent to another origin
/// than the registry's or the realm its challenge names, never over plain http except to loopback hosts and hosts
/// configured as plain http, and never across a redirect to another origin.
/// </para>
/// <para>
/// Network errors, 5xx and 429 are retried (<see cref="RegistryClientOptions.MaxAttempts"/>); the whole operation is
/// bounded by <see cref="RegistryClientOptions.Timeout"/>; the caller's cancellation is honoured at every await.
/// Failures are <see cref="RegistryException"/>s; a caller's cancellation is an <see cref="OperationCanceledException"/>.
/// The client is safe to use from several threads at once.
/// </para>
/// </remarks>
public sealed class RegistryClient : IDisposable
{
    /// <summary>distribution refuses manifests larger than this; a bigger answer is not a manifest.</summary>
    private const int MaxManifestBytes = 4 * 1024 * 1024;
    private const int MaxErrorBodyBytes = 64 * 1024;
    private const int MaxTokenBodyBytes = 1024 * 1024;
    private const int MaxRedirects = 5;
    private const string DigestHeader = "Docker-Content-Digest";

    private readonly HttpClient http;
    private readonly RegistryClientOptions options;
    private readonly Dictionary<string, RegistryCredentials> credentials;
    private readonly HashSet<string> plainHttp;
    private readonly TokenCache tokens;

    /// <summary>Registries that answered with a Basic challenge: their credentials are sent up front next time.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> basicRegistries = new(StringComparer.Ordinal);

    /// <summary>A client with its own connection pool (<see cref="CreateHandler"/>).</summary>
    public RegistryClient(RegistryClientOptions? options = null)
        : this(options ?? new RegistryClientOptions(), CreateHandler(options), disposeHandler: true)
    {
    }

    /// <summary>
    /// A client over a given handler (custom TLS trust, a proxy). The handler must not follow redirects itself: the
    /// client follows them, so that no credential crosses to another origin.
    /// </summary>
    public RegistryClient(RegistryClientOptions options, HttpMessageHandler handler, bool disposeHandler = true)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(handler);
        if (handler is SocketsHttpHandler { AllowAutoRedirect: true } or HttpClientHandler { AllowAutoRedirect: true })
        {
            throw new ArgumentException("the handler must not follow redirects (AllowAutoRedirect = false): the registry client follows them itself and keeps credentials on their origin", nameof(handler));
        }

        if (options.MaxAttempts < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "MaxAttempts must be at least 1");
        }

        this.options = options;
        http = new HttpClient(handler, disposeHandler) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        http.DefaultRequestHeaders.UserAgent.TryParseAdd(options.UserAgent);
        credentials = new Dictionary<string, RegistryCredentials>(StringComparer.OrdinalIgnoreCase);
        foreach (var (host, value) in options.Credentials)
        {
            credentials[ImageReference.NormalizeRegistry(host)] = value;
        }

        plainHttp = new HashSet<string>(options.PlainHttpRegistries.Select(ImageReference.NormalizeRegistry), StringComparer.OrdinalIgnoreCase);
        tokens = new TokenCache(options.TimeProvider);
    }

    /// <summary>The handler a client makes for itself: no redirects followed, no cookies, <see cref="RegistryClientOptions.ConnectTimeout"/>.</summary>
    public static SocketsHttpHandler CreateHandler(RegistryClientOptions? options = null) => new()
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        ConnectTimeout = (options ?? new RegistryClientOptions()).ConnectTimeout,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    };

    /// <summary>
    /// The digest a tag points to now, as the registry answers it. A reference without a tag is resolved as
    /// <c>latest</c> (docker's default); one with only a digest is looked up by that digest. For a multi-platform
    /// image the index's digest is returned and <see cref="ResolvedManifest.IsIndex"/> says so.
    /// </summary>
    /// <exception cref="RegistryException">Not found, unauthorized, unreachable, TLS, timeout or an unexpected answer.</exception>
    public Task<ResolvedManifest> ResolveAsync(ImageReference reference, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var asked = reference.Tag is null && reference.Digest is null ? reference.WithTag("latest") : reference;
        var target = asked.Tag ?? asked.Digest!;
        return Run(asked, op => FetchManifest(op, asked.WithoutDigest(), target), cancellationToken);
    }

    /// <summary>
    /// Whether the registry still has the manifest of a pinned digest (a promotion refuses a digest that disappeared).
    /// Absent is an answer, not an error: <see cref="ManifestPresence.NotFound"/> carries the registry's words.
    /// </summary>
    /// <exception cref="ArgumentException">The reference has no digest.</exception>
    /// <exception cref="RegistryException">Unauthorized, unreachable, TLS, timeout or an unexpected answer.</exception>
    public Task<ManifestPresence> ExistsAsync(ImageReference reference, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reference);
        if (reference.Digest is null)
        {
            throw new ArgumentException($"'{reference}' has no digest: a tag is resolved with ResolveAsync", nameof(reference));
        }

        return Run(reference, async op =>
        {
            try
            {
                return new ManifestPresence(reference, await FetchManifest(op, reference, reference.Digest), null);
            }
            catch (RegistryException e) when (e.Kind == RegistryErrorKind.NotFound)
            {
                return new ManifestPresence(reference, null, e);
            }
        }, cancellationToken);
    }

    public void Dispose() => http.Dispose();

    private async Task<T> Run<T>(ImageReference reference, Func<Operation, Task<T>> body, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var timeout = new CancellationTokenSource(options.Timeout, options.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var op = new Operation(reference, linked.Token) { Logger = options.Log };
        try
        {
            return await body(op);
        }
        catch (OperationCanceledException e) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new RegistryException(
                RegistryErrorKind.Timeout,
                $"{reference}: no answer from {Describe(reference.Registry)} within {Seconds(options.Timeout)} s{(op.Waiting is { } w ? $" (was waiting for {w})" : string.Empty)}",
                e)
            { Registry = reference.Registry, Reference = reference };
        }
    }

    /// <summary>HEAD first; a GET when the HEAD leaves out the digest or the media type, or does not answer 200.</summary>
    private async Task<ResolvedManifest> FetchManifest(Operation op, ImageReference image, string target)
    {
        var uri = ManifestUri(image, target);
        var byDigest = target.Contains(':', StringComparison.Ordinal);
        using (var head = await SendAuthorized(op, HttpMethod.Head, uri, image.Repository, manifests: true))
        {
            if (head.StatusCode == HttpStatusCode.OK)
            {
                var digest = Header(head, DigestHeader);
                var mediaType = head.Content.Headers.ContentType?.MediaType;
                if (digest is not null && ImageReference.DigestProblem(digest) is null && !string.IsNullOrEmpty(mediaType) && mediaType != "application/json")
                {
                    if (byDigest && digest != target)
                    {
                        throw Unexpected(op, head, $"asked for {target}, the registry answered for {digest}");
                    }

                    return new ResolvedManifest(Pinned(op.Reference, digest), digest, mediaType, head.Content.Headers.ContentLength);
                }

                op.Log($"HEAD {uri.AbsolutePath} gave no {DigestHeader} or media type: reading the manifest to hash it");
            }
            else
            {
                // A 403 or 404 is told again by the GET, with the registry's error body (a HEAD has none).
                if (head.StatusCode == HttpStatusCode.Unauthorized)
                {
                    throw Unauthorized(op, 401, "refused access", []);
                }

                if ((int)head.StatusCode >= 500 || head.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    throw Unexpected(op, head, null);
                }
            }
        }

        using var get = await SendAuthorized(op, HttpMethod.Get, uri, image.Repository, manifests: true);
        if (get.StatusCode != HttpStatusCode.OK)
        {
            var errors = await ReadErrors(get, op.CancellationToken);
            if (get.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                throw Unauthorized(op, (int)get.StatusCode, get.StatusCode == HttpStatusCode.Forbidden ? "denied access" : "refused access", errors);
            }

            if (get.StatusCode == HttpStatusCode.NotFound)
            {
                throw await NotFound(op, image, target, errors);
            }

            throw Unexpected(op, get, null, errors);
        }

        var bytes = await ReadBounded(get.Content, MaxManifestBytes, op.CancellationToken)
            ?? throw Unexpected(op, get, $"the manifest is larger than {MaxManifestBytes / (1024 * 1024)} MiB");
        var computed = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));
        var header = Header(get, DigestHeader);
        var answered = computed;
        if (header is not null && ImageReference.DigestProblem(header) is null)
        {
            if (header.StartsWith("sha256:", StringComparison.Ordinal) && header != computed)
            {
                throw Unexpected(op, get, $"the manifest it served hashes to {computed}, but its {DigestHeader} says {header}");
            }

            answered = header;
        }

        if (byDigest && target.StartsWith("sha256:", StringComparison.Ordinal) && computed != target)
        {
            throw Unexpected(op, get, $"asked for {target}, the manifest it served hashes to {computed}");
        }

        var media = MediaTypeOf(get.Content.Headers.ContentType?.MediaType, bytes);
        return new ResolvedManifest(Pinned(op.Reference, answered), answered, media, bytes.LongLength);
    }

    private static ImageReference Pinned(ImageReference asked, string digest) =>
        asked.Digest == digest ? asked : asked.WithoutDigest().WithDigest(digest);

    /// <summary>The Content-Type when it names a manifest type; else the manifest's own mediaType, else what its shape says.</summary>
    private static string MediaTypeOf(string? contentType, byte[] manifest)
    {
        if (contentType is not null && ManifestMediaTypes.All.Contains(contentType))
        {
            return contentType;
        }

        try
        {
            using var document = JsonDocument.Parse(manifest);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                if (root.TryGetProperty("mediaType", out var declared) && declared.ValueKind == JsonValueKind.String && declared.GetString() is { Length: > 0 } type)
                {
                    return type;
                }

                if (root.TryGetProperty("manifests", out _))
                {
                    return ManifestMediaTypes.OciIndex;
                }

                if (root.TryGetProperty("config", out _) && root.TryGetProperty("layers", out _))
                {
                    return ManifestMediaTypes.OciManifest;
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON: the registry's Content-Type is all there is.
        }

        return string.IsNullOrEmpty(contentType) ? "application/octet-stream" : contentType;
    }

    /// <summary>A 404 in the user's words; for MANIFEST_UNKNOWN the tags list tells whether the repository itself is missing.</summary>
    private async Task<RegistryException> NotFound(Operation op, ImageReference image, string target, IReadOnlyList<RegistryError> errors)
    {
        var repositoryMissing = errors.Any(e => e.Code == "NAME_UNKNOWN");
        var allErrors = errors;
        if (!repositoryMissing)
        {
            try
            {
                using var tags = await SendAuthorized(op, HttpMethod.Get, new Uri(BaseUri(image.Registry), $"/v2/{image.Repository}/tags/list?n=1"), image.Repository, manifests: false);
                if (tags.StatusCode == HttpStatusCode.NotFound)
                {
                    var tagErrors = await ReadErrors(tags, op.CancellationToken);
                    repositoryMissing = tagErrors.Count == 0 || tagErrors.Any(e => e.Code == "NAME_UNKNOWN");
                    allErrors = repositoryMissing && tagErrors.Count > 0 ? tagErrors : errors;
                }
            }
            catch (RegistryException)
            {
                // The probe only refines the wording: the manifest's own 404 is the answer.
            }
        }

        var what = target.Contains(':', StringComparison.Ordinal) ? $"manifest {target}" : $"tag '{target}'";
        var message = repositoryMissing
            ? $"{op.Reference}: repository '{image.Repository}' does not exist on {Describe(image.Registry)}"
            : $"{op.Reference}: {what} does not exist in repository '{image.Repository}' on {Describe(image.Registry)}{(target.Contains(':', StringComparison.Ordinal) ? " (deleted, or never pushed there)" : string.Empty)}";
        return new RegistryException(RegistryErrorKind.NotFound, $"{message} (registry answered 404{FormatErrors(allErrors)})")
        {
            Registry = image.Registry,
            Reference = op.Reference,
            StatusCode = 404,
            Errors = allErrors,
            RepositoryMissing = repositoryMissing,
        };
    }

    /// <summary>
    /// Unauthorized, in the user's words: who refused (the registry, or its token service), with its answer, what
    /// was tried in order, and why nothing more was (no credentials for the host, or a note from the flow).
    /// </summary>
    private RegistryException Unauthorized(Operation op, int status, string verb, IReadOnlyList<RegistryError> errors, string? detail = null, string? refusedBy = null)
    {
        var host = op.Reference.Registry;
        var tried = op.Tried.Count == 0 ? ["anonymous"] : op.Tried.ToList();
        var challengeError = refusedBy is null && op.ChallengeError is { } ce ? $" {ce}" : string.Empty;
        var who = refusedBy ?? $"{Describe(host)} {verb} to repository '{op.Reference.Repository}'";
        var message = new StringBuilder($"{op.Reference}: {who} ({status}{challengeError}{FormatErrors(errors)}); tried {string.Join(", then ", tried)}");
        if (!credentials.ContainsKey(host))
        {
            message.Append(CultureInfo.InvariantCulture, $"; no credentials were given for {host}");
        }

        if (detail is not null)
        {
            message.Append("; ").Append(detail);
        }

        if (status == 401 && refusedBy is null && !credentials.ContainsKey(host))
        {
            message.Append(". A registry also answers so for a repository that does not exist");
        }

        return new RegistryException(RegistryErrorKind.Unauthorized, Mask(message.ToString()))
        {
            Registry = host,
            Reference = op.Reference,
            StatusCode = status,
            Errors = errors,
            CredentialsTried = tried,
        };
    }

    private RegistryException Unexpected(Operation op, HttpResponseMessage response, string? problem, IReadOnlyList<RegistryError>? errors = null)
    {
        var status = (int)response.StatusCode;
        var what = problem ?? $"unexpected answer {status} {response.ReasonPhrase}{FormatErrors(errors ?? [])}";
        var attempts = status >= 500 || status == 429 ? $" (after {options.MaxAttempts} attempt{(options.MaxAttempts == 1 ? string.Empty : "s")})" : string.Empty;
        return new RegistryException(RegistryErrorKind.UnexpectedResponse, Mask($"{op.Reference}: {Describe(op.Reference.Registry)}: {what}{attempts} for {response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.GetLeftPart(UriPartial.Path)}"))
        {
            Registry = op.Reference.Registry,
            Reference = op.Reference,
            StatusCode = status,
            Errors = errors ?? [],
        };
    }

    /// <summary>
    /// Sends a request to the registry, going through its authentication: the cached token for the repository if
    /// any; on a 401 a Bearer token fetched anonymously, then with the credentials, or Basic credentials. Each step
    /// is tried once. The final answer is returned whatever its status, except a 401 nothing is left to try for.
    /// </summary>
    private async Task<HttpResponseMessage> SendAuthorized(Operation op, HttpMethod method, Uri uri, string repository, bool manifests)
    {
        var host = op.Reference.Registry;
        credentials.TryGetValue(host, out var creds);
        var cacheKey = $"{host} repository:{repository}:pull";
        AuthenticationHeaderValue? authorization = null;
        bool anonymousTried = false, credentialsTried = false;
        if (tokens.Get(cacheKey) is { } cached)
        {
            authorization = new AuthenticationHeaderValue("Bearer", cached.Value);
            anonymousTried = true; // a cached token that is refused is replaced by one with credentials
            if (!cached.WithCredentials)
            {
                op.AddTried("anonymous");
            }
        }
        else if (creds is not null && basicRegistries.ContainsKey(host) && MaySendCredentials(uri))
        {
            authorization = Basic(creds);
            credentialsTried = true;
            op.AddTried(creds.Describe());
        }

        while (true)
        {
            var response = await SendWithRetries(op, method, uri, authorization, manifests, host);
            if (response.StatusCode != HttpStatusCode.Unauthorized)
            {
                return response;
            }

            if (authorization is null)
            {
                op.AddTried("anonymous");
            }

            var challenges = AuthChallenge.ParseAll(response.Headers.NonValidated.TryGetValues("WWW-Authenticate", out var values) ? values : []);
            var answeredBy = response.RequestMessage?.RequestUri;
            var errors = await ReadErrors(response, op.CancellationToken);
            response.Dispose();
            if (answeredBy is null || !SameOrigin(answeredBy, uri))
            {
                throw Unauthorized(op, 401, "refused access", errors, $"the 401 came from {answeredBy?.GetLeftPart(UriPartial.Authority)} after a redirect, and credentials for {host} are not sent there");
            }

            var bearer = challenges.FirstOrDefault(c => c.IsBearer && c["realm"] is not null);
            var basic = challenges.FirstOrDefault(c => c.IsBasic);
            op.ChallengeError = bearer?["error"];
            if (bearer is not null)
            {
                var scope = bearer["scope"] ?? $"repository:{repository}:pull";
                if (!anonymousTried)
                {
                    anonymousTried = true;
                    if (await FetchToken(op, bearer, scope, null) is { } anonymous)
                    {
                        tokens.Put(cacheKey, anonymous);
                        authorization = new AuthenticationHeaderValue("Bearer", anonymous.Value);
                        continue;
                    }
                }

                if (!credentialsTried && creds is not null)
                {
                    credentialsTried = true;
                    op.AddTried(creds.Describe());
                    var token = await FetchToken(op, bearer, scope, creds);
                    if (token is not null)
                    {
                        tokens.Put(cacheKey, token);
                        authorization = new AuthenticationHeaderValue("Bearer", token.Value);
                        continue;
                    }
                }

                tokens.Remove(cacheKey);
                throw Unauthorized(op, 401, "refused access", errors, op.CredentialNote);
            }

            if (basic is not null)
            {
                if (!credentialsTried && creds is not null)
                {
                    if (!MaySendCredentials(uri))
                    {
                        throw Unauthorized(op, 401, "refused access", errors, $"the credentials for {host} are not sent over plain http to a host that is not loopback nor configured as a plain-http registry");
                    }

                    credentialsTried = true;
                    op.AddTried(creds.Describe());
                    basicRegistries[host] = true;
                    authorization = Basic(creds);
                    continue;
                }

                throw Unauthorized(op, 401, "refused access", errors);
            }

            var schemes = challenges.Count == 0 ? "no WWW-Authenticate challenge" : $"a challenge this client cannot answer ({string.Join(", ", challenges.Select(c => c.Scheme))})";
            throw Unauthorized(op, 401, "refused access", errors, $"the registry sent {schemes}; Bearer and Basic are supported");
        }
    }

    /// <summary>
    /// A token from the realm of a Bearer challenge (the distribution token protocol: GET with service and scope).
    /// Null when the token service refuses anonymous access, or when the credentials may not be sent to the realm
    /// (noted for the error). A refusal of the credentials is an error naming them.
    /// </summary>
    private async Task<CachedToken?> FetchToken(Operation op, AuthChallenge challenge, string scope, RegistryCredentials? creds)
    {
        var realmText = challenge["realm"]!;
        if (!Uri.TryCreate(realmText, UriKind.Absolute, out var realm) || realm.Scheme is not ("https" or "http"))
        {
            throw new RegistryException(RegistryErrorKind.UnexpectedResponse, Mask($"{op.Reference}: {Describe(op.Reference.Registry)} named a token service that is not an http(s) URL: '{realmText}'"))
            {
                Registry = op.Reference.Registry,
                Reference = op.Reference,
                StatusCode = 401,
            };
        }

        if (creds is not null && !MaySendCredentials(realm))
        {
            op.CredentialNote = $"the credentials for {op.Reference.Registry} were not sent to its token service {realm.GetLeftPart(UriPartial.Authority)} over plain http";
            return null;
        }

        var query = new StringBuilder(realm.Query.Length > 1 ? realm.Query[1..] + "&" : string.Empty);
        if (challenge["service"] is { } service)
        {
            query.Append("service=").Append(Uri.EscapeDataString(service)).Append('&');
        }

        foreach (var one in scope.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            query.Append("scope=").Append(Uri.EscapeDataString(one)).Append('&');
        }

        if (creds is not null)
        {
            query.Append("account=").Append(Uri.EscapeDataString(creds.Username)).Append('&');
        }

        var tokenUri = new UriBuilder(realm) { Query = query.ToString().TrimEnd('&') }.Uri;
        var realmName = realm.GetLeftPart(UriPartial.Path);
        op.Log($"fetching a token for {scope} from {realmName} {(creds is null ? "anonymously" : $"as '{creds.Username}'")}");
        using var response = await SendWithRetries(op, HttpMethod.Get, tokenUri, creds is null ? null : Basic(creds), manifests: false, $"the token service {realm.GetLeftPart(UriPartial.Authority)}");
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            var errors = await ReadErrors(response, op.CancellationToken);
            if (creds is null)
            {
                op.CredentialNote = $"the token service {realmName} refused anonymous access ({(int)response.StatusCode}{FormatErrors(errors)})";
                return null;
            }

            throw Unauthorized(op, (int)response.StatusCode, "refused access", errors, refusedBy: $"the token service {realmName} of {Describe(op.Reference.Registry)} refused the {creds.Describe()}");
        }

        if (response.StatusCode != HttpStatusCode.OK)
        {
            var errors = await ReadErrors(response, op.CancellationToken);
            throw new RegistryException(RegistryErrorKind.UnexpectedResponse, Mask($"{op.Reference}: the token service {realmName} of {Describe(op.Reference.Registry)} answered {(int)response.StatusCode} {response.ReasonPhrase}{FormatErrors(errors)}"))
            {
                Registry = op.Reference.Registry,
                Reference = op.Reference,
                StatusCode = (int)response.StatusCode,
                Errors = errors,
            };
        }

        var body = await ReadBounded(response.Content, MaxTokenBodyBytes, op.CancellationToken);
        var token = body is null ? null : ParseToken(body, options.TimeProvider.GetUtcNow(), creds is not null);
        return token ?? throw new RegistryException(RegistryErrorKind.UnexpectedResponse, $"{op.Reference}: the token service {realmName} of {Describe(op.Reference.Registry)} answered 200 without a token")
        {
            Registry = op.Reference.Registry,
            Reference = op.Reference,
            StatusCode = 200,
        };
    }

    /// <summary><c>{"token": …, "access_token": …, "expires_in": seconds}</c>; the lifetime is 60 s when not given (the token spec's default).</summary>
    internal static CachedToken? ParseToken(byte[] body, DateTimeOffset now, bool withCredentials)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            string? value = null;
            foreach (var name in (ReadOnlySpan<string>)["token", "access_token"])
            {
                if (root.TryGetProperty(name, out var element) && element.ValueKind == JsonValueKind.String && element.GetString() is { Length: > 0 } text)
                {
                    value = text;
                    break;
                }
            }

            if (value is null || value.Any(c => c <= ' ' || c >= 127))
            {
                return null;
            }

            var lifetime = root.TryGetProperty("expires_in", out var expires) && expires.ValueKind == JsonValueKind.Number && expires.TryGetInt32(out var seconds) && seconds > 0
                ? seconds
                : 60;
            // Used until shortly before it runs out: a request must not reach the registry with a token expiring on the way.
            var usable = TimeSpan.FromSeconds(Math.Max(lifetime - 10, lifetime / 2.0));
            return new CachedToken(value, now + usable, withCredentials);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>One request with bounded retries for network errors, 5xx and 429; redirects followed within each attempt.</summary>
    private async Task<HttpResponseMessage> SendWithRetries(Operation op, HttpMethod method, Uri uri, AuthenticationHeaderValue? authorization, bool manifests, string peer)
    {
        var ct = op.CancellationToken;
        for (var attempt = 1; ; attempt++)
        {
            op.Waiting = $"{method} {uri.GetLeftPart(UriPartial.Path)}";
            var (response, failure, reason) = await Attempt(op, method, uri, authorization, manifests, peer);
            if (response is null)
            {
                if (attempt >= options.MaxAttempts)
                {
                    throw new RegistryException(RegistryErrorKind.Unreachable, $"{op.Reference}: {Describe(peer)} could not be reached at {uri.GetLeftPart(UriPartial.Authority)} ({reason}{Attempts()})", failure)
                    {
                        Registry = op.Reference.Registry,
                        Reference = op.Reference,
                    };
                }

                var pause = Backoff(attempt, null);
                op.Log($"{method} {uri.GetLeftPart(UriPartial.Path)} failed ({reason}); retrying in {(int)pause.TotalMilliseconds} ms");
                await Task.Delay(pause, options.TimeProvider, ct);
                continue;
            }

            var status = (int)response.StatusCode;
            var retryable = (status >= 500 && status != 501 && status != 505) || status == 429;
            if (!retryable || attempt >= options.MaxAttempts)
            {
                op.Waiting = null;
                return response;
            }

            var delay = Backoff(attempt, response.Headers.RetryAfter);
            op.Log($"{method} {uri.GetLeftPart(UriPartial.Path)} answered {status}; retrying in {(int)delay.TotalMilliseconds} ms");
            response.Dispose();
            await Task.Delay(delay, options.TimeProvider, ct);
        }

        string Attempts() => options.MaxAttempts > 1 ? $"; tried {options.MaxAttempts} times" : string.Empty;
    }

    /// <summary>One attempt within <see cref="RegistryClientOptions.RequestTimeout"/>: the answer, or the network failure to retry (a TLS failure is thrown: retrying cannot fix it).</summary>
    private async Task<(HttpResponseMessage? Response, Exception? Failure, string Reason)> Attempt(Operation op, HttpMethod method, Uri uri, AuthenticationHeaderValue? authorization, bool manifests, string peer)
    {
        var ct = op.CancellationToken;
        using var attemptTimeout = new CancellationTokenSource(options.RequestTimeout, options.TimeProvider);
        using var attemptToken = CancellationTokenSource.CreateLinkedTokenSource(ct, attemptTimeout.Token);
        try
        {
            return (await SendFollowingRedirects(op, method, uri, authorization, manifests, attemptToken.Token), null, string.Empty);
        }
        catch (HttpRequestException e) when (!ct.IsCancellationRequested)
        {
            return IsTls(e) ? throw TlsError(op, uri, peer, e) : (null, e, Reasons(e));
        }
        catch (OperationCanceledException e) when (attemptTimeout.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            return (null, e, $"no answer within {Seconds(options.RequestTimeout)} s");
        }
    }

    /// <summary>
    /// Follows redirects here rather than in the handler: the Authorization header goes only to the origin the request
    /// was meant for, and a redirect from https to plain http is refused.
    /// </summary>
    private async Task<HttpResponseMessage> SendFollowingRedirects(Operation op, HttpMethod method, Uri uri, AuthenticationHeaderValue? authorization, bool manifests, CancellationToken ct)
    {
        var current = uri;
        for (var hop = 0; ; hop++)
        {
            var request = new HttpRequestMessage(method, current);
            if (manifests)
            {
                foreach (var type in ManifestMediaTypes.All)
                {
                    request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
                }
            }

            if (authorization is not null && SameOrigin(current, uri))
            {
                request.Headers.Authorization = authorization;
            }

            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            }
            catch
            {
                request.Dispose();
                throw;
            }

            // Which origin answered is read from here (a 401 from a redirect target is not the registry's): a custom handler may leave it unset.
            response.RequestMessage ??= request;
            var status = (int)response.StatusCode;
            if (status is not (301 or 302 or 303 or 307 or 308) || response.Headers.Location is not { } location)
            {
                return response;
            }

            response.Dispose();
            request.Dispose();
            var next = location.IsAbsoluteUri ? location : new Uri(current, location);
            if (hop >= MaxRedirects)
            {
                throw new RegistryException(RegistryErrorKind.UnexpectedResponse, $"{op.Reference}: more than {MaxRedirects} redirects from {uri.GetLeftPart(UriPartial.Path)}")
                {
                    Registry = op.Reference.Registry,
                    Reference = op.Reference,
                    StatusCode = status,
                };
            }

            if (next.Scheme is not ("http" or "https") || (current.Scheme == "https" && next.Scheme == "http"))
            {
                throw new RegistryException(RegistryErrorKind.UnexpectedResponse, $"{op.Reference}: {uri.GetLeftPart(UriPartial.Authority)} redirected to {next.GetLeftPart(UriPartial.Authority)}, which drops https: not followed")
                {
                    Registry = op.Reference.Registry,
                    Reference = op.Reference,
                    StatusCode = status,
                };
            }

            if (status == 303 && method != HttpMethod.Head)
            {
                method = HttpMethod.Get;
            }

            op.Log($"{current.GetLeftPart(UriPartial.Path)} redirected ({status}) to {next.GetLeftPart(UriPartial.Path)}{(authorization is not null && !SameOrigin(next, uri) ? " (another origin: sent without credentials)" : string.Empty)}");
            current = next;
        }
    }

    private RegistryException TlsError(Operation op, Uri uri, string peer, HttpRequestException e)
    {
        var certificate = Reasons(e).Contains("certificate", StringComparison.OrdinalIgnoreCase);
        var hint = certificate
            ? string.Empty
            : $"; if {uri.Authority} serves plain http, configure it as a plain-http registry";
        return new RegistryException(RegistryErrorKind.Tls, $"{op.Reference}: the TLS connection to {Describe(peer)} at {uri.GetLeftPart(UriPartial.Authority)} failed ({Reasons(e)}){hint}", e)
        {
            Registry = op.Reference.Registry,
            Reference = op.Reference,
        };
    }

    private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);

    private static bool IsTls(HttpRequestException e) =>
        e.HttpRequestError == HttpRequestError.SecureConnectionError || e.InnerException is AuthenticationException;

    /// <summary>The messages of an exception and its causes, without repeats (.NET's outer text often says "see inner exception").</summary>
    private static string Reasons(Exception e)
    {
        var parts = new List<string>();
        for (var x = e; x is not null; x = x.InnerException)
        {
            var text = x.Message.Replace(" See the inner exception for details.", string.Empty, StringComparison.Ordinal)
                .Replace(", see inner exception.", string.Empty, StringComparison.Ordinal)
                .Replace(" See inner exception.", string.Empty, StringComparison.Ordinal)
                .TrimEnd('.');
            if (text.Length > 0 && !parts.Any(p => p.Contains(text, StringComparison.Ordinal)))
            {
                parts.Add(text);
            }
        }

        return string.Join(": ", parts);
    }

    private TimeSpan Backoff(int attempt, RetryConditionHeaderValue? retryAfter)
    {
        var now = options.TimeProvider.GetUtcNow();
        var asked = retryAfter?.Delta ?? (retryAfter?.Date is { } date ? date - now : null);
        var pause = asked is { } a && a > TimeSpan.Zero
            ? a
            : TimeSpan.FromMilliseconds(options.RetryDelay.TotalMilliseconds * Math.Pow(2, attempt - 1) * (0.75 + (Random.Shared.NextDouble() / 2)));
        return pause > options.MaxRetryDelay ? options.MaxRetryDelay : pause;
    }

    private Uri ManifestUri(ImageReference image, string target) =>
        new(BaseUri(image.Registry), $"/v2/{image.Repository}/manifests/{target}");

    /// <summary>http for loopback registries (unless turned off) and those configured as plain http; https for every other.</summary>
    private Uri BaseUri(string registry)
    {
        var plain = plainHttp.Contains(registry) || (options.PlainHttpForLoopback && ImageReference.IsLoopback(registry));
        return new Uri($"{(plain ? "http" : "https")}://{registry}/");
    }

    /// <summary>Credentials travel over https, or over plain http to this machine or to a registry configured as plain http.</summary>
    private bool MaySendCredentials(Uri target) =>
        target.Scheme == "https" || ImageReference.IsLoopback(target.Authority) || plainHttp.Contains(ImageReference.NormalizeRegistry(target.Authority));

    private static bool SameOrigin(Uri a, Uri b) =>
        string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(a.IdnHost, b.IdnHost, StringComparison.OrdinalIgnoreCase)
        && a.Port == b.Port;

    private static AuthenticationHeaderValue Basic(RegistryCredentials creds) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{creds.Username}:{creds.Password}")));

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault()?.Trim() : null;

    private static string Describe(string registryOrPeer) =>
        registryOrPeer.StartsWith("the ", StringComparison.Ordinal) ? registryOrPeer : $"registry {registryOrPeer}";

    /// <summary>The registry's error entries, <c>: CODE: message; CODE2: …</c>, or nothing.</summary>
    private static string FormatErrors(IReadOnlyList<RegistryError> errors) =>
        errors.Count == 0 ? string.Empty : " " + string.Join("; ", errors);

    /// <summary>A registry's error body: <c>{"errors":[{"code","message","detail"}]}</c> (token services: <c>{"details"}</c> or <c>{"error"}</c>).</summary>
    private async Task<IReadOnlyList<RegistryError>> ReadErrors(HttpResponseMessage response, CancellationToken ct)
    {
        if (response.RequestMessage?.Method == HttpMethod.Head)
        {
            return [];
        }

        var body = await ReadBounded(response.Content, MaxErrorBodyBytes, ct);
        return body is null ? [] : ParseErrors(body).Select(e => e with { Message = Mask(e.Message), Detail = e.Detail is null ? null : Mask(e.Detail) }).ToList();
    }

    internal static IReadOnlyList<RegistryError> ParseErrors(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return [];
            }

            var result = new List<RegistryError>();
            if (root.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array)
            {
                foreach (var error in errors.EnumerateArray().Take(10))
                {
                    if (error.ValueKind != JsonValueKind.Object)
                    {
                        continue;
                    }

                    var code = Text(error, "code") ?? "UNKNOWN";
                    var message = Text(error, "message") ?? string.Empty;
                    string? detail = null;
                    if (error.TryGetProperty("detail", out var d) && d.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined))
                    {
                        detail = Shorten(d.ValueKind == JsonValueKind.String ? d.GetString()! : d.GetRawText());
                    }

                    result.Add(new RegistryError(Shorten(code), Shorten(message), detail));
                }
            }
            else if ((Text(root, "details") ?? Text(root, "error_description") ?? Text(root, "error") ?? Text(root, "message")) is { } text)
            {
                result.Add(new RegistryError(Text(root, "error") is { } e && e != text ? Shorten(e) : "ERROR", Shorten(text)));
            }

            return result;
        }
        catch (JsonException)
        {
            return [];
        }

        static string? Text(JsonElement element, string name) =>
            element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

        static string Shorten(string text)
        {
            var line = new string(text.Select(c => char.IsControl(c) ? ' ' : c).ToArray());
            return line.Length <= 300 ? line : line[..300] + "…";
        }
    }

    /// <summary>Reads at most <paramref name="limit"/> bytes; null when the body is longer.</summary>
    private static async Task<byte[]?> ReadBounded(HttpContent content, int limit, CancellationToken ct)
    {
        if (content.Headers.ContentLength is { } length && length > limit)
        {
            return null;
        }

        await using var stream = await content.ReadAsStreamAsync(ct);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    /// <summary>Server-supplied text could echo a secret: every password and cached token becomes <c>***</c>.</summary>
    private string Mask(string text)
    {
        foreach (var creds in credentials.Values)
        {
            text = text.Replace(creds.Password, "***", StringComparison.Ordinal);
        }

        return tokens.Mask(text);
    }

    /// <summary>The state of one call: the reference, its cancellation, what was tried for the error message.</summary>
    private sealed class Operation(ImageReference reference, CancellationToken cancellationToken)
    {
        private readonly List<string> tried = [];

        public ImageReference Reference { get; } = reference;

        public CancellationToken CancellationToken { get; } = cancellationToken;

        public IReadOnlyList<string> Tried => tried;

        /// <summary>The <c>error</c> parameter of the last Bearer challenge (<c>insufficient_scope</c>, <c>invalid_token</c>).</summary>
        public string? ChallengeError { get; set; }

        /// <summary>Why credentials were not used, or what the token service said to an anonymous request.</summary>
        public string? CredentialNote { get; set; }

        /// <summary>The request in flight, for a timeout's message.</summary>
        public string? Waiting { get; set; }

        public Action<string>? Logger { get; init; }

        public void AddTried(string what)
        {
            if (!tried.Contains(what))
            {
                tried.Add(what);
            }
        }

        public void Log(string line) => Logger?.Invoke(line);
    }
}
