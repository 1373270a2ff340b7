namespace GitOpsDeploy.Registry;

/// <summary>What went wrong talking to a registry, in terms of what the user must do about it.</summary>
public enum RegistryErrorKind
{
    /// <summary>The tag, digest or repository does not exist (the registry said so: <c>MANIFEST_UNKNOWN</c>, <c>NAME_UNKNOWN</c>).</summary>
    NotFound,
    /// <summary>The registry or its token service refused access with what was tried (anonymous, then the credentials given for it).</summary>
    Unauthorized,
    /// <summary>The registry (or its token service) could not be reached: DNS, refused or reset connection.</summary>
    Unreachable,
    /// <summary>The TLS handshake failed: untrusted or mismatched certificate, or plain http where https was expected.</summary>
    Tls,
    /// <summary>The operation did not complete within <see cref="RegistryClientOptions.Timeout"/>.</summary>
    Timeout,
    /// <summary>A status or an answer the distribution API does not give for this request (5xx after the retries included).</summary>
    UnexpectedResponse,
}

/// <summary>One entry of a registry's error body (<c>{"errors":[{"code":…,"message":…,"detail":…}]}</c>).</summary>
public sealed record RegistryError(string Code, string Message, string? Detail = null)
{
    /// <summary><c>CODE: message</c>.</summary>
    public override string ToString() => Message.Length == 0 ? Code : $"{Code}: {Message}";
}

/// <summary>
/// A registry operation that failed, with a message written for the user (registry, repository, what was asked,
/// the registry's own answer, which credentials were tried). Messages never contain a password or a token.
/// </summary>
public sealed class RegistryException : Exception
{
    public RegistryException(RegistryErrorKind kind, string message, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
    }

    public RegistryErrorKind Kind { get; }

    /// <summary>The registry host the operation was for.</summary>
    public string? Registry { get; init; }

    /// <summary>The reference the operation was for.</summary>
    public ImageReference? Reference { get; init; }

    /// <summary>The HTTP status of the answer that decided the failure, if there was one.</summary>
    public int? StatusCode { get; init; }

    /// <summary>The registry's error entries (code and message), when it sent a body.</summary>
    public IReadOnlyList<RegistryError> Errors { get; init; } = [];

    /// <summary>
    /// For <see cref="RegistryErrorKind.Unauthorized"/>: what was tried, in order (<c>anonymous</c>,
    /// <c>credentials of user 'bot'</c>); never the secrets themselves.
    /// </summary>
    public IReadOnlyList<string> CredentialsTried { get; init; } = [];

    /// <summary>For <see cref="RegistryErrorKind.NotFound"/>: the repository itself is unknown to the registry, not only the tag or digest.</summary>
    public bool RepositoryMissing { get; init; }
}
