namespace GitOpsDeploy.Core.Requests;

/// <summary>Which kind of GitHub a run talks to: each signs its Actions tokens and serves containers somewhere else.</summary>
public enum GitHubKind
{
    /// <summary>GitHub's public cloud: the API on <c>api.HOST</c>.</summary>
    Cloud,

    /// <summary>GitHub Enterprise Cloud with data residency: a <c>*.ghe.com</c> tenant, the API on <c>api.HOST</c>.</summary>
    DataResidency,

    /// <summary>GitHub Enterprise Server: the API on <c>HOST/api/v3</c>.</summary>
    EnterpriseServer,
}

/// <summary>
/// The GitHub a run talks to, told from the two URLs the runner sets (GITHUB_SERVER_URL and GITHUB_API_URL) by where
/// the API sits, never from a host name written into the code: the API on <c>api.HOST</c> is GitHub's cloud (a
/// <c>*.ghe.com</c> HOST its data-residency tenants), the API under <c>HOST/api/</c> a GitHub Enterprise Server. What
/// differs between them and no variable names is here and nowhere else: the issuer of the Actions ID tokens (and of
/// the certificates of artifact attestations) and the container registry the run's own token belongs to.
/// </summary>
public sealed record GitHubHost
{
    // GitHub's public cloud keeps both outside its server's host; these two facts cannot be derived from a URL.
    private const string CloudIssuer = "https://token.actions.githubusercontent.com";
    private const string CloudRegistry = "ghcr.io";
    private const string DataResidencySuffix = ".ghe.com";

    private GitHubHost(GitHubKind kind, Uri server)
    {
        Kind = kind;
        ServerUrl = server.GetLeftPart(UriPartial.Authority);
        Host = server.Host.ToLowerInvariant();
    }

    public GitHubKind Kind { get; }

    /// <summary>GITHUB_SERVER_URL without a trailing slash: <c>https://HOST</c>.</summary>
    public string ServerUrl { get; }

    /// <summary>The server's host name, lower case.</summary>
    public string Host { get; }

    /// <summary>
    /// The issuer of this GitHub's Actions ID tokens: the cloud's token service, a data-residency tenant's
    /// <c>token.actions.HOST</c>, or an Enterprise Server's <c>/_services/token</c>. (An enterprise may make GitHub add
    /// its slug to the cloud issuer; a job's own token says so, see the OIDC adapter.)
    /// </summary>
    public string ActionsIssuer => Kind switch
    {
        GitHubKind.Cloud => CloudIssuer,
        GitHubKind.DataResidency => $"https://token.actions.{Host}",
        _ => $"{ServerUrl}/_services/token",
    };

    /// <summary>
    /// The container registry of this GitHub, the only registry the run's GitHub token may be sent to: the cloud's
    /// own, or <c>containers.HOST</c> for a data-residency tenant and an Enterprise Server.
    /// </summary>
    public string ContainerRegistry => Kind == GitHubKind.Cloud ? CloudRegistry : $"containers.{Host}";

    /// <summary>
    /// The GitHub at <paramref name="serverUrl"/> whose API is <paramref name="apiUrl"/>, or null when either is missing
    /// or they do not fit one of GitHub's layouts (then nothing that depends on the kind may be guessed: no issuer,
    /// and the token goes to no registry).
    /// </summary>
    public static GitHubHost? Of(string? serverUrl, string? apiUrl)
    {
        if (!Uri.TryCreate(serverUrl, UriKind.Absolute, out var server) || !Uri.TryCreate(apiUrl, UriKind.Absolute, out var api)
            || server.Scheme is not ("https" or "http") || api.Scheme is not ("https" or "http"))
        {
            return null;
        }

        if (api.Host.Equals("api." + server.Host, StringComparison.OrdinalIgnoreCase) && api.AbsolutePath == "/")
        {
            var residency = server.Host.EndsWith(DataResidencySuffix, StringComparison.OrdinalIgnoreCase);
            return new GitHubHost(residency ? GitHubKind.DataResidency : GitHubKind.Cloud, server);
        }

        return api.Host.Equals(server.Host, StringComparison.OrdinalIgnoreCase) && api.AbsolutePath.StartsWith("/api/", StringComparison.Ordinal)
            ? new GitHubHost(GitHubKind.EnterpriseServer, server)
            : null;
    }

    /// <summary>What to say when <see cref="Of"/> gave none, naming the variables.</summary>
    public static string Unknown(string? serverUrl, string? apiUrl) =>
        serverUrl is null || apiUrl is null
            ? $"{(serverUrl is null ? "GITHUB_SERVER_URL" : "GITHUB_API_URL")} is not set, so which GitHub this is (its token issuer, its registry) is unknown"
            : $"GITHUB_SERVER_URL '{serverUrl}' and GITHUB_API_URL '{apiUrl}' do not fit a GitHub layout (API on api.HOST, or on HOST/api/v3)";
}
