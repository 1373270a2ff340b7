namespace GitOpsDeploy.Sigstore;

/// <summary>
/// What an attestation must say about where the image came from. The repository and the GitHub that built it
/// (its server and its Actions issuer) are required, nothing defaults to one GitHub; every other check has the
/// strict default.
/// </summary>
public sealed record AttestationPolicy
{
    /// <summary>SLSA provenance v1.</summary>
    public const string SlsaProvenanceV1 = "https://slsa.dev/provenance/v1";

    /// <summary>SLSA provenance v0.2.</summary>
    public const string SlsaProvenanceV02 = "https://slsa.dev/provenance/v0.2";

    /// <summary>The repository that built the image, <c>OWNER/REPO</c> (compared case-insensitively, as GitHub does).</summary>
    public required string SourceRepository { get; init; }

    /// <summary>The commit the build must have run on (40 hex digits), or null for any.</summary>
    public string? SourceCommit { get; init; }

    /// <summary>The ref the build must have run on (<c>refs/heads/main</c>), or null for any.</summary>
    public string? SourceRef { get; init; }

    /// <summary>
    /// The workflows allowed to sign: <c>OWNER/REPO/.github/workflows/x.yml</c> or the full
    /// <c>SERVER/...</c> URL, optionally with <c>@ref</c> to pin the ref (without it any ref
    /// matches). Empty (the default) allows any workflow of <see cref="SourceRepository"/>; a reusable
    /// workflow of another repository must be listed.
    /// </summary>
    public IReadOnlyList<string> AllowedSignerWorkflows { get; init; } = [];

    /// <summary>Accept builds on self-hosted runners (default: GitHub-hosted runners only).</summary>
    public bool AllowSelfHostedRunners { get; init; }

    /// <summary>The OIDC issuer the certificate must name: the GitHub's Actions token issuer (GHES: <c>https://HOST/_services/token</c>).</summary>
    public required string Issuer { get; init; }

    /// <summary>The GitHub server the repositories are on, <c>https://HOST</c> (GITHUB_SERVER_URL).</summary>
    public required string ServerUrl { get; init; }

    /// <summary>The predicate types accepted (default: SLSA provenance v1 and v0.2).</summary>
    public IReadOnlyList<string> PredicateTypes { get; init; } = [SlsaProvenanceV1, SlsaProvenanceV02];
}
