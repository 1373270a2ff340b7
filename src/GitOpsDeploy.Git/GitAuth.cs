using GitOpsDeploy.Core.Requests;
using LibGit2Sharp;

namespace GitOpsDeploy.Git;

/// <summary>
/// Supplies the token as HTTP basic auth (<c>x-access-token:&lt;token&gt;</c>, what GitHub expects for
/// app and PAT tokens), only to the configured origin. libgit2 calls back again when the server refuses
/// the credentials; we answer that second call by giving up, so a wrong token yields one clear error
/// instead of ~15 replays. (Clones send no preemptive Authorization header: libgit2 would send it after
/// a redirect to another host, and LibGit2Sharp offers no way to stop redirects. Pushes go through
/// <see cref="PushTransport"/>, which never follows a redirect off the origin, so it sends it up front.)
/// </summary>
internal sealed class GitAuth(GitOpsRemote remote, string? token)
{
    private int calls;
    private volatile bool gaveUp;
    private volatile bool redirected;

    /// <summary>True when the server redirected to another origin and asked for credentials there.</summary>
    public bool Redirected => redirected;

    /// <summary>True once we stopped answering: the server refused the token, or there is none to send.</summary>
    public bool Refused => gaveUp;

    public bool HasToken => token is not null;

    public Credentials Provide(string url, string usernameFromUrl, SupportedCredentialTypes types)
    {
        // The token goes only to the host it is for: never to the target of a redirect.
        if (!SameOrigin(url))
        {
            redirected = true;
            throw new AuthenticationRefusedException(remote.Display);
        }

        if (Interlocked.Increment(ref calls) > 1 || token is null || !types.HasFlag(SupportedCredentialTypes.UsernamePassword))
        {
            gaveUp = true;
            throw new AuthenticationRefusedException(remote.Display);
        }

        return new UsernamePasswordCredentials { Username = "x-access-token", Password = token };
    }

    /// <summary>Each network operation starts with a fresh count.</summary>
    public void Reset()
    {
        Interlocked.Exchange(ref calls, 0);
        gaveUp = false;
        redirected = false;
    }

    private bool SameOrigin(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var asked) && Uri.TryCreate(remote.Url, UriKind.Absolute, out var configured)
        && string.Equals(asked.Scheme, configured.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(asked.Host, configured.Host, StringComparison.OrdinalIgnoreCase)
        && asked.Port == configured.Port;
}

internal sealed class AuthenticationRefusedException(string repository)
    : Exception($"authentication refused for {repository}");
