using GitOpsDeploy.Changelog;

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
/// the certificates of artifact attestations), the container registry the run's own token belongs to, the Actions
/// bot's no-reply address and the host that links without backlinks.
/// </summary>
public sealed record GitHubHost
{
    /// <summary>The login of the bot that acts for a workflow's GITHUB_TOKEN.</summary>
    public const string ActionsBot = "github-actions[bot]";

    // GitHub's public cloud keeps these outside its server's host or numbers them; they cannot be derived from a URL.
    private const string CloudIssuer = "https://token.actions.githubusercontent.com";
    private const string CloudRegistry = "ghcr.io";
    private const string CloudActionsBotId = "41898282";
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
    /// The no-reply address of <see cref="ActionsBot"/> (the default commit author): on the cloud with the bot's user
    /// id, so commits show its avatar; GitHub's data-residency tenants share one no-reply domain; an Enterprise Server
    /// uses <c>users.noreply.HOST</c> unless its administrator chose another (then set author-email).
    /// </summary>
    public string ActionsBotEmail => Kind switch
    {
        GitHubKind.Cloud => $"{CloudActionsBotId}+{ActionsBot}@users.noreply.{Host}",
        GitHubKind.DataResidency => $"{ActionsBot}@users.noreply{DataResidencySuffix}",
        _ => $"{ActionsBot}@users.noreply.{Host}",
    };

    /// <summary>The bot's address when no GitHub is known (a local run): a local address, claiming no GitHub's domain.</summary>
    public static string LocalActionsBotEmail => $"{ActionsBot}@localhost";

    /// <summary>
    /// How reports link to this GitHub without backlinks: the cloud serves its pages without them on its
    /// <c>redirect.</c> host; no other kind has one, so its issue links are shown as text.
    /// </summary>
    public GitHubLinks Links => new(Host, Kind == GitHubKind.Cloud ? "redirect." + Host : null);

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
