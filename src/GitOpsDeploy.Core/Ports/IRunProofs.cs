namespace GitOpsDeploy.Core.Ports;

/// <summary>A GitHub Actions ID token this job was issued, and when it stops being valid.</summary>
public sealed record RunProof(string Token, DateTimeOffset ExpiresAt);

/// <summary>What a verified ID token says about the job that asked for it (GitHub's claims, nothing the intent chose).</summary>
public sealed record RunClaims(string Repository, string RepositoryOwner, string Sha, long RunId, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt)
{
    /// <summary>The job's environment (the <c>environment</c> claim): present only for jobs with <c>environment:</c>, whose protection rules passed.</summary>
    public string? Environment { get; init; }

    /// <summary>The workflow file and ref the job ran (<c>job_workflow_ref</c>), for the log.</summary>
    public string? Workflow { get; init; }
}

/// <summary>The outcome of checking another run's proof: its claims, or why it does not prove anything.</summary>
public abstract record ProofCheck
{
    public sealed record Verified(RunClaims Claims) : ProofCheck;

    public sealed record Refused(string Reason) : ProofCheck;
}

/// <summary>
/// Proof that a run of this action published something (fan-in intents): this job's own GitHub Actions
/// OIDC ID token for an audience, and the check of another job's token against the issuer's published
/// keys (signature, issuer, audience, expiry).
/// </summary>
public interface IRunProofs
{
    /// <summary>Why this job cannot prove itself (no <c>id-token: write</c> permission, not on a runner); null when it can.</summary>
    string? Unavailable { get; }

    /// <summary>A fresh ID token for <paramref name="audience"/>.</summary>
    Task<RunProof> ProveAsync(string audience, CancellationToken cancellationToken);

    /// <summary>Checks a token another job stored with its intent, for exactly <paramref name="audience"/>.</summary>
    Task<ProofCheck> CheckAsync(string token, string audience, CancellationToken cancellationToken);
}
