using System.Globalization;

namespace GitOpsDeploy.Sigstore;

/// <summary>Which check refused a bundle.</summary>
public enum VerificationCheck
{
    /// <summary>The input is not a Sigstore bundle (or GitHub attestations response) this verifier reads.</summary>
    BundleFormat,

    /// <summary>The signing certificate does not chain to a trusted Fulcio CA at the signing time, or is not for code signing.</summary>
    CertificateChain,

    /// <summary>The certificate's signed certificate timestamps do not verify against the trusted CT logs.</summary>
    CertificateTransparency,

    /// <summary>The transparency log entry does not match the envelope, or its promise, proof or checkpoint does not verify.</summary>
    TransparencyLog,

    /// <summary>An RFC 3161 timestamp does not verify against the trusted timestamp authorities.</summary>
    TimestampAuthority,

    /// <summary>No trusted time for the signature (neither a signed log entry time nor a timestamp), or one in the future.</summary>
    SigningTime,

    /// <summary>The DSSE envelope's signature does not verify with the certificate's key.</summary>
    Signature,

    /// <summary>The payload is not an in-toto statement.</summary>
    Statement,

    /// <summary>No subject of the statement has the image's digest.</summary>
    Subject,

    /// <summary>The statement's predicate is not an accepted provenance type.</summary>
    PredicateType,

    /// <summary>The certificate's OIDC issuer is not the expected one.</summary>
    Issuer,

    /// <summary>The build ran in another repository (or for another owner).</summary>
    SourceRepository,

    /// <summary>The build ran on another commit.</summary>
    SourceCommit,

    /// <summary>The build ran on another ref.</summary>
    SourceRef,

    /// <summary>The signing workflow is not allowed.</summary>
    SignerWorkflow,

    /// <summary>The build ran on a self-hosted runner.</summary>
    RunnerEnvironment,
}

/// <summary>How the signing time was proved.</summary>
[Flags]
public enum TimeProof
{
    /// <summary>Not proved (refused bundles).</summary>
    None = 0,

    /// <summary>A transparency log entry's integrated time, signed by the log (inclusion promise).</summary>
    TransparencyLog = 1,

    /// <summary>An RFC 3161 timestamp from a trusted timestamp authority.</summary>
    TimestampAuthority = 2,
}

/// <summary>The outcome of verifying an attestation: verified with who signed and when, or refused with why.</summary>
public sealed class AttestationVerificationResult
{
    private AttestationVerificationResult()
    {
    }

    /// <summary>True when every check passed.</summary>
    public bool IsVerified { get; private init; }

    /// <summary>The check that refused the attestation; null when verified.</summary>
    public VerificationCheck? FailedCheck { get; private init; }

    /// <summary>Why it was refused, with the values compared; null when verified.</summary>
    public string? Reason { get; private init; }

    /// <summary>The signer's identity (also on refusals once the certificate was read).</summary>
    public SignerIdentity? Identity { get; private init; }

    /// <summary>The proved signing time: the log's integrated time if there is one, else the timestamp authority's.</summary>
    public DateTimeOffset? SigningTime { get; private init; }

    /// <summary>Which proofs of time verified.</summary>
    public TimeProof TimeProof { get; private init; }

    /// <summary>The transparency log index of the entry, when the bundle has one.</summary>
    public long? LogIndex { get; private init; }

    /// <summary>The statement's predicate type, when verified.</summary>
    public string? PredicateType { get; private init; }

    /// <summary>The trusted root (Sigstore instance) the bundle verified against.</summary>
    public string? TrustedRoot { get; private init; }

    internal static AttestationVerificationResult Verified(
        SignerIdentity identity, DateTimeOffset signingTime, TimeProof proof, long? logIndex, string predicateType, string trustedRoot) => new()
        {
            IsVerified = true,
            Identity = identity,
            SigningTime = signingTime,
            TimeProof = proof,
            LogIndex = logIndex,
            PredicateType = predicateType,
            TrustedRoot = trustedRoot,
        };

    internal static AttestationVerificationResult Refused(VerificationCheck check, string reason, SignerIdentity? identity = null, string? trustedRoot = null) => new()
    {
        FailedCheck = check,
        Reason = reason,
        Identity = identity,
        TrustedRoot = trustedRoot,
    };

    /// <inheritdoc />
    public override string ToString() => IsVerified
        ? string.Create(CultureInfo.InvariantCulture,
            $"verified: signed by {Identity!.SubjectAlternativeName} at {SigningTime!.Value.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ} ({TimeProof}{(LogIndex is { } i ? $", log index {i}" : string.Empty)}), {TrustedRoot}")
        : $"refused ({FailedCheck}): {Reason}";
}
