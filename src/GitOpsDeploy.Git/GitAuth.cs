using GitOpsDeploy.Core.Inputs;
using LibGit2Sharp;

namespace GitOpsDeploy.Git;

/// <summary>
/// Supplies the token as HTTP basic auth (<c>x-access-token:&lt;token&gt;</c>, what GitHub expects for
/// app and PAT tokens). libgit2 calls back again when the server refuses the credentials; we answer
/// that second call by giving up, so a wrong token yields one clear error instead of ~15 replays.
/// </summary>
internal sealed class GitAuth(GitOpsRemote remote, string? token)
{
    private int calls;
    private volatile bool gaveUp;

    /// <summary>True once we stopped answering: the server refused the token, or there is none to send.</summary>
    public bool Refused => gaveUp;

    public bool HasToken => token is not null;

    public Credentials Provide(string url, string usernameFromUrl, SupportedCredentialTypes types)
    {
        // With the header sent up front, being asked at all means the server refused the token.
        var allowed = PreemptiveHeaders().Length > 0 ? 0 : 1;
        if (Interlocked.Increment(ref calls) > allowed || token is null || !types.HasFlag(SupportedCredentialTypes.UsernamePassword))
        {
            gaveUp = true;
            throw new AuthenticationRefusedException(remote.Display);
        }

        return new UsernamePasswordCredentials { Username = "x-access-token", Password = token };
    }

    /// <summary>
    /// The credentials sent up front, saving the 401 challenge round trip on every clone and push.
    /// Only for http(s): a header is never sent over a transport that could leak it.
    /// </summary>
    public string[] PreemptiveHeaders() =>
        token is null || remote.Kind == RemoteKind.LocalPath
            ? []
            : ["Authorization: Basic " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("x-access-token:" + token))];

    /// <summary>Each network operation starts with a fresh count.</summary>
    public void Reset()
    {
        Interlocked.Exchange(ref calls, 0);
        gaveUp = false;
    }
}

internal sealed class AuthenticationRefusedException(string repository)
    : Exception($"authentication refused for {repository}");
