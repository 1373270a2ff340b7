using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Editing;

namespace GitOpsDeploy.Git;

/// <summary>The one place that reads libgit2's error texts and turns them into errors a user can act on.</summary>
internal static class GitErrors
{
    public static DeployException Translate(Exception e, GitOpsRemote remote, GitAuth auth, string action)
    {
        var message = e.Message;
        var repo = remote.Display;
        if (auth.Redirected)
        {
            return new DeployException(ErrorKind.AuthenticationFailed,
                $"{repo} redirected to another host that asked for credentials; the token is only sent to the configured host. Use the repository's canonical URL");
        }

        if (e is AuthenticationRefusedException || auth.Refused || message.Contains("authentication replays", StringComparison.Ordinal)
            || message.Contains("401", StringComparison.Ordinal))
        {
            var hint = auth.HasToken ? "check gitops-token: it is wrong, expired, or not allowed on this repository" : "gitops-token is not set";
            return new DeployException(ErrorKind.AuthenticationFailed, $"authentication failed for {repo}: {hint}");
        }

        if (message.Contains("403", StringComparison.Ordinal))
        {
            return new DeployException(ErrorKind.PermissionDenied,
                $"permission denied to {action} {repo}: the token needs contents: write on the gitops repository");
        }

        if (message.Contains("404", StringComparison.Ordinal) || message.Contains("not found", StringComparison.OrdinalIgnoreCase)
            || message.Contains("does not exist", StringComparison.OrdinalIgnoreCase) || message.Contains("could not find", StringComparison.OrdinalIgnoreCase))
        {
            return new DeployException(ErrorKind.NotFound,
                $"could not {action} {repo}: the repository or branch does not exist, or the token cannot see it ({Scrub(message)})");
        }

        if (message.Contains("certificate", StringComparison.OrdinalIgnoreCase))
        {
            return new DeployException(ErrorKind.Transient,
                $"could not {action} {repo}: the server's TLS certificate is not trusted ({Scrub(message)}). For a GitHub Enterprise Server with a private CA, give the step the CA bundle: env SSL_CERT_FILE=/path/to/ca-bundle.pem (or SSL_CERT_DIR)");
        }

        // Network failures, 5xx and anything else libgit2 reports: retrying the run may help.
        return new DeployException(ErrorKind.Transient, $"could not {action} {repo}: {Scrub(message)}");
    }

    /// <summary>Server rejections that a fresh clone and a new push can fix.</summary>
    public static bool IsLostRace(string rejection) =>
        rejection.Contains("non-fast-forward", StringComparison.OrdinalIgnoreCase)
        || rejection.Contains("fetch first", StringComparison.OrdinalIgnoreCase)
        || rejection.Contains("failed to update ref", StringComparison.OrdinalIgnoreCase)
        || rejection.Contains("cannot lock ref", StringComparison.OrdinalIgnoreCase)
        || rejection.Contains("stale info", StringComparison.OrdinalIgnoreCase);

    /// <summary>libgit2 messages may echo a URL; strip any user part in case one slipped in.</summary>
    private static string Scrub(string message) =>
        System.Text.RegularExpressions.Regex.Replace(message, @"://[^/@\s]+@", "://***@");
}
