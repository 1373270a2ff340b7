namespace GitOpsDeploy.Sigstore;

/// <summary>
/// A normal refusal inside the verifier: the public entry points turn it into a refused
/// <see cref="AttestationVerificationResult"/>, so callers never see it.
/// </summary>
internal sealed class RefusalException(VerificationCheck check, string reason) : Exception(reason)
{
    public VerificationCheck Check { get; } = check;

    public static RefusalException Format(string reason) => new(VerificationCheck.BundleFormat, reason);
}
