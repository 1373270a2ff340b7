namespace GitOpsDeploy.Registry;

/// <summary>The manifest media types a registry is asked for, and which of them are indexes.</summary>
public static class ManifestMediaTypes
{
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string OciIndex = "application/vnd.oci.image.index.v1+json";
    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";

    /// <summary>The four, in the Accept header's order.</summary>
    public static IReadOnlyList<string> All { get; } = [OciManifest, OciIndex, DockerManifest, DockerManifestList];

    /// <summary>A multi-platform index: an OCI image index or a Docker manifest list.</summary>
    public static bool IsIndex(string? mediaType) => mediaType is OciIndex or DockerManifestList;
}

/// <summary>
/// What a registry answered for a tag or a digest: the manifest's digest (the registry's <c>Docker-Content-Digest</c>,
/// or the sha256 of the exact bytes it served) and its media type.
/// </summary>
/// <param name="Reference">The reference asked for, pinned: its tag (if any) kept, <see cref="Digest"/> set.</param>
/// <param name="Digest">The manifest digest, <c>sha256:…</c>.</param>
/// <param name="MediaType">The manifest's media type as the registry gave it (Content-Type, or the manifest's own <c>mediaType</c>).</param>
/// <param name="Size">The manifest's size in bytes, when the registry said.</param>
public sealed record ResolvedManifest(ImageReference Reference, string Digest, string MediaType, long? Size)
{
    /// <summary>The digest is a multi-platform index (OCI index or Docker manifest list), not one platform's image.</summary>
    public bool IsIndex => ManifestMediaTypes.IsIndex(MediaType);
}

/// <summary>Whether a pinned digest is in the registry; when it is not, <see cref="NotFound"/> carries the registry's answer.</summary>
public sealed record ManifestPresence(ImageReference Reference, ResolvedManifest? Manifest, RegistryException? NotFound)
{
    public bool Exists => Manifest is not null;

    /// <summary>The manifest, or the <see cref="RegistryErrorKind.NotFound"/> error (with the registry's answer) thrown.</summary>
    public ResolvedManifest EnsureExists() => Manifest ?? throw NotFound!;
}
