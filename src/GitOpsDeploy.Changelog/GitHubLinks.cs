namespace GitOpsDeploy.Changelog;

/// <summary>
/// Where the GitHub a report is written for keeps its pages, and the host that links to them without a backlink
/// (on GitHub's cloud, its <c>redirect.</c> host; none elsewhere). Given by whoever knows which GitHub the run talks
/// to; never a host name written into this library.
/// </summary>
/// <param name="Host">The server's host name: issue links on it (and on <c>www.</c> it) would put a backlink into an issue's timeline.</param>
/// <param name="RedirectHost">The host that serves the same paths without a backlink, or null when there is none.</param>
public sealed record GitHubLinks(string Host, string? RedirectHost)
{
    /// <summary>Whether <paramref name="host"/> is this GitHub's own host (or its <c>www.</c> name).</summary>
    public bool IsServer(string host) =>
        host.Equals(Host, StringComparison.OrdinalIgnoreCase)
        || (host.StartsWith("www.", StringComparison.OrdinalIgnoreCase) && host.AsSpan(4).Equals(Host, StringComparison.OrdinalIgnoreCase));

    /// <summary>Whether <paramref name="host"/> is this GitHub's redirect host.</summary>
    public bool IsRedirect(string host) => RedirectHost is not null && host.Equals(RedirectHost, StringComparison.OrdinalIgnoreCase);
}
