namespace GitOpsDeploy.Core.Requests;

/// <summary>How an image's tag is written once the registry has said which digest it points to (the <c>pin</c> input).</summary>
public enum PinMode
{
    /// <summary>Written as given; the registry is not asked (today's behaviour, and the only one offline).</summary>
    None,

    /// <summary><c>name:tag@digest</c>: readable, and pinned (the runtime pulls by the digest).</summary>
    TagAndDigest,

    /// <summary><c>name@digest</c>: the tag is dropped from the file.</summary>
    Digest,
}

/// <summary>
/// The supply-chain gate: tags resolved to the digests the registry confirms, and (optionally) GitHub artifact
/// attestations verified for those digests before anything is written or promoted.
/// </summary>
/// <remarks>
/// A request built in code (tests, benchmarks) pins nothing unless it asks: <see cref="Pin"/> defaults to
/// <see cref="PinMode.None"/> here, while the <c>pin</c> input's default (the catalogue's) is <c>tag-and-digest</c>.
/// </remarks>
public sealed record SupplyChainOptions
{
    public static readonly SupplyChainOptions None = new();

    public PinMode Pin { get; init; } = PinMode.None;

    /// <summary>registry-username: sent with <see cref="RegistryPassword"/> to the images' registry (and its token service) only.</summary>
    public string? RegistryUsername { get; init; }

    /// <summary>registry-password: a secret, masked before anything is logged.</summary>
    public string? RegistryPassword { get; init; }

    /// <summary>registry-host: the registry the credentials are for (null: the images' one registry, decided where the adapter is composed).</summary>
    public string? RegistryHost { get; init; }

    /// <summary>verify-attestations: refuse an image whose digest has no attestation that verifies under the policy.</summary>
    public bool VerifyAttestations { get; init; }

    /// <summary>attestation-signer-workflow: the workflows allowed to sign (empty: any workflow of the source repository).</summary>
    public IReadOnlyList<string> SignerWorkflows { get; init; } = [];

    /// <summary>attestation-trusted-root: a trusted_root.json (or <c>gh attestation trusted-root</c> output) replacing the shipped snapshot.</summary>
    public string? TrustedRootPath { get; init; }

    /// <summary>attestation-allow-self-hosted: accept builds that ran on self-hosted runners.</summary>
    public bool AllowSelfHostedRunners { get; init; }

    /// <summary>
    /// Set by digest pinning: for each image name, the repository its digest was resolved in and the digest. The plan
    /// checks that the overlay's entry is written for that repository (an overlay's <c>newName</c> could otherwise point
    /// elsewhere); the attestation check verifies that digest (also with pin: none, where the file keeps the tag).
    /// </summary>
    public IReadOnlyDictionary<string, ResolvedImage> Resolved { get; init; } = new Dictionary<string, ResolvedImage>();

    /// <summary>Whether any step of the gate needs the registry.</summary>
    public bool UsesRegistry => Pin != PinMode.None || VerifyAttestations;
}

/// <summary>An image's repository (as written: <c>ghcr.io/acme/web</c>) and the digest its registry confirmed.</summary>
public sealed record ResolvedImage(string Repository, string Digest);

/// <summary>
/// What a verified attestation proved about one image digest, recorded as an <c>Attested-By</c> trailer
/// (<see cref="Trailer"/>) and in the job summary.
/// </summary>
/// <param name="Image">The image name (the spec's name, as in the <c>Image</c> trailer).</param>
/// <param name="Digest">The image digest the attestation's subject names.</param>
/// <param name="SignerWorkflow">The signing workflow with its ref: <c>acme/web/.github/workflows/release.yml@refs/heads/main</c>.</param>
/// <param name="RunId">The workflow run that built and signed it, when the certificate says.</param>
/// <param name="SourceCommit">The commit the build ran on, as the certificate says.</param>
public sealed record AttestedImage(string Image, string Digest, string SignerWorkflow, string? RunId, string? SourceCommit)
{
    /// <summary>The trailer's value: <c>&lt;signer workflow&gt;@&lt;ref&gt;, run &lt;id&gt;</c>.</summary>
    public string Trailer => RunId is null ? SignerWorkflow : $"{SignerWorkflow}, run {RunId}";
}
