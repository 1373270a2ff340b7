namespace GitOpsDeploy.Editing;

/// <summary>What went wrong, in terms of what the user must do about it.</summary>
public enum ErrorKind
{
    /// <summary>An action input is missing or malformed.</summary>
    InvalidInput,
    /// <summary>A file in the gitops repository cannot be edited as asked.</summary>
    InvalidFile,
    /// <summary>The credentials were refused.</summary>
    AuthenticationFailed,
    /// <summary>The credentials are valid but lack a permission.</summary>
    PermissionDenied,
    /// <summary>A repository, branch or object does not exist (or is hidden from the token).</summary>
    NotFound,
    /// <summary>The server refused a push (hook, protection) for a reason a retry will not fix.</summary>
    PushRejected,
    /// <summary>A concurrent change could not be reconciled within the bounded retries.</summary>
    Conflict,
    /// <summary>A network or server failure that outlived its retries.</summary>
    Transient,
    /// <summary>A deploy was refused by policy (hold label, hold marker...).</summary>
    Policy,
    /// <summary>The change landed but the environment did not become healthy (Argo CD).</summary>
    Unhealthy,
    /// <summary>The change is valid but this commit method cannot write it faithfully (an API commit drops the executable bit); the git method can.</summary>
    UnsupportedByCommitMethod,
}

/// <summary>
/// The one exception type that crosses the core: adapters translate library errors into it once,
/// so messages are written for the user and never carry a secret.
/// </summary>
public sealed class DeployException : Exception
{
    public DeployException(ErrorKind kind, string message, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
    }

    public DeployException(ErrorKind kind, string message, SourceLocation location, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
        Location = location;
    }

    public ErrorKind Kind { get; }

    /// <summary>Where in a gitops file the problem is, when a file is at fault.</summary>
    public SourceLocation? Location { get; }

    /// <summary>The message prefixed with <c>file:line:column</c> when a file is at fault.</summary>
    public string Describe() => Location is { } at ? $"{at}: {Message}" : Message;

    public static DeployException Input(string input, string problem) =>
        new(ErrorKind.InvalidInput, $"input '{input}': {problem}");

    public static DeployException File(SourceLocation at, string problem) =>
        new(ErrorKind.InvalidFile, problem, at);
}

/// <summary>A 1-based position in a file of the gitops repository.</summary>
public sealed record SourceLocation(string File, int Line, int Column)
{
    public override string ToString() => Line > 0 ? $"{File}:{Line}:{Column}" : File;
}
