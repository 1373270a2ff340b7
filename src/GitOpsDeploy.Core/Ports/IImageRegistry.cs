namespace GitOpsDeploy.Core.Ports;

/// <summary>What a registry answered for an image: the manifest digest it serves and what kind of manifest that is.</summary>
/// <param name="Reference">The reference asked for, as the registry client spells it (<c>ghcr.io/acme/web:1.2.0</c>).</param>
/// <param name="Digest">The manifest digest (<c>sha256:…</c>) the registry confirmed.</param>
/// <param name="MediaType">The manifest's media type.</param>
/// <param name="IsIndex">A multi-platform index (OCI index or Docker manifest list): its own digest is what is pinned.</param>
public sealed record RegistryManifest(string Reference, string Digest, string MediaType, bool IsIndex);

/// <summary>Whether a pinned digest is still in its registry; when it is not, <see cref="Answer"/> is what the registry said.</summary>
public sealed record DigestPresence(RegistryManifest? Manifest, string? Answer)
{
    public bool Exists => Manifest is not null;
}

/// <summary>
/// Container registries (OCI distribution API), as the supply-chain gate asks them. Failures other than "not there"
/// are <see cref="Editing.DeployException"/>s whose message names the image, the registry and its answer (never a
/// credential): a tag that does not exist is <see cref="Editing.ErrorKind.NotFound"/>, refused credentials
/// <see cref="Editing.ErrorKind.AuthenticationFailed"/>, an unreachable registry <see cref="Editing.ErrorKind.Transient"/>.
/// </summary>
public interface IImageRegistry
{
    /// <summary>The digest <paramref name="reference"/> (<c>name:tag</c>, or <c>name@digest</c>) points to now.</summary>
    Task<RegistryManifest> ResolveAsync(string reference, CancellationToken cancellationToken);

    /// <summary>Whether <paramref name="reference"/> (<c>name[:tag]@digest</c>) is still there: absent is an answer, not an error.</summary>
    Task<DigestPresence> ExistsAsync(string reference, CancellationToken cancellationToken);
}
