namespace GitOpsDeploy.Registry;

/// <summary>
/// A user name and a password (or a token used as one: for ghcr.io a GitHub token with any user name) for one
/// registry host. They are sent as HTTP Basic auth only to that host and to the token service its own
/// challenge names; <see cref="ToString"/> never shows the password.
/// </summary>
public sealed class RegistryCredentials
{
    /// <summary>Sent when no user name is given: registries that take a token as the password (ghcr.io) accept any name, but not an empty one.</summary>
    public const string PlaceholderUsername = "gitops-deploy";

    public RegistryCredentials(string? username, string password)
    {
        ArgumentException.ThrowIfNullOrEmpty(password);
        if ((username ?? string.Empty).Contains(':', StringComparison.Ordinal))
        {
            throw new ArgumentException("a registry user name cannot contain ':' (HTTP Basic auth separates it from the password with one)", nameof(username));
        }

        Username = string.IsNullOrEmpty(username) ? PlaceholderUsername : username;
        Password = password;
    }

    public string Username { get; }

    public string Password { get; }

    /// <summary>How error messages name these credentials: <c>credentials of user 'bot'</c>.</summary>
    public string Describe() => $"credentials of user '{Username}'";

    public override string ToString() => $"{Username}:***";
}
