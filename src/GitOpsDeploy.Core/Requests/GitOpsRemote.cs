using System.Text.RegularExpressions;
using GitOpsDeploy.Editing;

namespace GitOpsDeploy.Core.Requests;

public enum RemoteKind
{
    /// <summary><c>owner/name</c> on the GitHub host of the run.</summary>
    GitHub,
    Url,
    LocalPath,
}

/// <summary>Where the gitops repository lives. <see cref="Url"/> never carries credentials.</summary>
public sealed partial record GitOpsRemote(RemoteKind Kind, string Url, string Display)
{
    /// <summary>For <see cref="RemoteKind.GitHub"/>: <c>owner/name</c>.</summary>
    public string? Repository { get; init; }

    public static GitOpsRemote Parse(string value, string serverUrl, string input = "gitops-repository")
    {
        if (value.Contains("://", StringComparison.Ordinal))
        {
            if (!Uri.TryCreate(value, UriKind.Absolute, out var uri))
            {
                throw DeployException.Input(input, "is not a valid URL");
            }

            if (uri.Scheme is not ("https" or "http" or "file"))
            {
                throw DeployException.Input(input, $"the {uri.Scheme} scheme is not supported; use an https URL with gitops-token");
            }

            if (uri.UserInfo.Length > 0)
            {
                // Never echo the value: the user part may be a token.
                throw DeployException.Input(input, "the URL contains credentials; remove them and pass the token in gitops-token");
            }

            return new GitOpsRemote(uri.IsFile ? RemoteKind.LocalPath : RemoteKind.Url, uri.IsFile ? uri.LocalPath : value, value);
        }

        if (value.StartsWith("git@", StringComparison.Ordinal))
        {
            throw DeployException.Input(input, "SSH remotes are not supported; use owner/name or an https URL with gitops-token");
        }

        var match = OwnerName().Match(value);
        if (match.Success && !value.StartsWith('.'))
        {
            var repository = match.Groups["owner"].Value + "/" + match.Groups["name"].Value;
            var url = serverUrl.TrimEnd('/') + "/" + repository + ".git";
            return new GitOpsRemote(RemoteKind.GitHub, url, repository) { Repository = repository };
        }

        return new GitOpsRemote(RemoteKind.LocalPath, Path.GetFullPath(value), value);
    }

    [GeneratedRegex(@"^(?<owner>[A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))/(?<name>[A-Za-z0-9._-]{1,100}?)(?:\.git)?$")]
    private static partial Regex OwnerName();
}
