using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;

namespace GitOpsDeploy.Registry;

/// <summary>
/// An image reference as docker reads it, <c>[REGISTRY/]REPOSITORY[:TAG][@DIGEST]</c>, with docker's defaults
/// applied: no registry means Docker Hub (reached at <c>registry-1.docker.io</c>), and a Docker Hub name of one
/// segment is under <c>library/</c>. The first segment is a registry when it has a dot or a port, or is
/// <c>localhost</c>. IPv6 literals are not supported.
/// </summary>
/// <remarks>
/// <see cref="ToString"/> writes the canonical text (<c>docker.io/library/nginx:1.27</c>), which parses back to
/// an equal value. The registry host is lower-cased (hosts are case-insensitive); nothing else is changed.
/// </remarks>
public sealed record ImageReference
{
    /// <summary>The host Docker Hub's API is served from; <c>docker.io</c> names it in references.</summary>
    public const string DockerHubRegistry = "registry-1.docker.io";

    /// <summary>How Docker Hub is written in canonical references.</summary>
    public const string DockerHubDomain = "docker.io";

    /// <summary>docker's bound on a name (registry and repository together).</summary>
    public const int MaxNameLength = 255;

    private const int MaxTagLength = 128;

    private ImageReference(string registry, string repository, string? tag, string? digest)
    {
        Registry = registry;
        Repository = repository;
        Tag = tag;
        Digest = digest;
    }

    /// <summary>The host (and port) the registry API is reached at: <c>registry-1.docker.io</c>, <c>ghcr.io</c>, <c>localhost:5000</c>.</summary>
    public string Registry { get; }

    /// <summary>The repository inside the registry: <c>library/nginx</c>, <c>acme/web</c>.</summary>
    public string Repository { get; }

    /// <summary>The tag, when the reference has one.</summary>
    public string? Tag { get; }

    /// <summary>The digest (<c>sha256:…</c>), when the reference has one.</summary>
    public string? Digest { get; }

    /// <summary>How the registry is written in a reference: <c>docker.io</c> for Docker Hub, else <see cref="Registry"/>.</summary>
    public string Domain => Registry == DockerHubRegistry ? DockerHubDomain : Registry;

    /// <summary>The image name without tag or digest: <c>docker.io/library/nginx</c>.</summary>
    public string Name => $"{Domain}/{Repository}";

    /// <summary>The tag or digest the manifest is asked for by: the digest when there is one, else the tag, else <c>latest</c>.</summary>
    internal string ManifestReference => Digest ?? Tag ?? "latest";

    /// <summary>Parses a reference; throws <see cref="FormatException"/> with the reason when it is not one.</summary>
    public static ImageReference Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out var reference, out var error)
            ? reference
            : throw new FormatException($"'{Printable(text)}' is not an image reference: {error}");
    }

    /// <summary>Parses a reference; on failure <paramref name="error"/> says why, in the user's words.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out ImageReference? reference, [NotNullWhen(false)] out string? error)
    {
        reference = null;
        error = Validate(text, out var registry, out var repository, out var tag, out var digest);
        if (error is not null)
        {
            return false;
        }

        reference = new ImageReference(registry!, repository!, tag, digest);
        return true;
    }

    /// <summary>Builds a reference from its parts, validated as <see cref="Parse"/> does; <paramref name="registry"/> is normalised (<c>docker.io</c> becomes <c>registry-1.docker.io</c>).</summary>
    public static ImageReference Create(string registry, string repository, string? tag = null, string? digest = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(repository);
        var host = NormalizeRegistry(registry);
        var text = $"{host}/{repository}{(tag is null ? string.Empty : ":" + tag)}{(digest is null ? string.Empty : "@" + digest)}";
        var parsed = Parse(text);
        if (parsed.Registry != host)
        {
            throw new FormatException($"registry '{Printable(registry)}' must contain a '.' or a port, or be 'localhost', to be told apart from a repository");
        }

        var repositoryExpected = host == DockerHubRegistry && !repository.Contains('/', StringComparison.Ordinal) ? "library/" + repository : repository;
        return parsed.Repository == repositoryExpected && parsed.Tag == tag && parsed.Digest == digest
            ? parsed
            : throw new FormatException($"'{Printable(text)}' is not an image reference: its parts do not read back as given");
    }

    /// <summary>The same image with this tag (the digest is kept).</summary>
    public ImageReference WithTag(string tag) => Create(Registry, Repository, tag, Digest);

    /// <summary>The same image pinned to this digest (the tag is kept).</summary>
    public ImageReference WithDigest(string digest) => Create(Registry, Repository, Tag, digest);

    /// <summary>The same image without its digest.</summary>
    public ImageReference WithoutDigest() => new(Registry, Repository, Tag, null);

    /// <summary>The canonical text: <c>docker.io/library/nginx:1.27@sha256:…</c>.</summary>
    public override string ToString() =>
        $"{Name}{(Tag is null ? string.Empty : ":" + Tag)}{(Digest is null ? string.Empty : "@" + Digest)}";

    /// <summary>
    /// The host a registry's API is reached at, for a registry written as a user would: <c>docker.io</c>,
    /// <c>index.docker.io</c> (and docker's old <c>https://index.docker.io/v1/</c>) are Docker Hub's
    /// <c>registry-1.docker.io</c>; a scheme and a path are dropped; the host is lower-cased.
    /// </summary>
    public static string NormalizeRegistry(string registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        var host = registry.Trim();
        var scheme = host.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            host = host[(scheme + 3)..];
        }

        var slash = host.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            host = host[..slash];
        }

        host = host.ToLowerInvariant();
        return host is DockerHubDomain or "index.docker.io" or DockerHubRegistry ? DockerHubRegistry : host;
    }

    /// <summary>Whether a registry host (with or without port) is this machine: <c>localhost</c> or a loopback address.</summary>
    public static bool IsLoopback(string registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        var host = HostWithoutPort(registry);
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
    }

    internal static string HostWithoutPort(string registry)
    {
        var colon = registry.LastIndexOf(':');
        return colon >= 0 ? registry[..colon] : registry;
    }

    private static string? Validate(string? text, out string? registry, out string? repository, out string? tag, out string? digest)
    {
        registry = repository = tag = digest = null;
        if (string.IsNullOrEmpty(text))
        {
            return "it is empty";
        }

        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                return "it contains whitespace or a control character";
            }
        }

        var rest = text;
        var at = rest.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            digest = rest[(at + 1)..];
            rest = rest[..at];
            if (DigestProblem(digest) is { } problem)
            {
                return problem;
            }
        }

        var lastColon = rest.LastIndexOf(':');
        if (lastColon > rest.LastIndexOf('/'))
        {
            tag = rest[(lastColon + 1)..];
            rest = rest[..lastColon];
            if (TagProblem(tag) is { } problem)
            {
                return problem;
            }
        }

        if (rest.Length == 0)
        {
            return "the name is empty";
        }

        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        string domain;
        string path;
        var first = slash < 0 ? rest : rest[..slash];
        if (slash >= 0 && (first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost" || first.Any(char.IsUpper)))
        {
            domain = first;
            path = rest[(slash + 1)..];
            if (DomainProblem(domain) is { } problem)
            {
                return problem;
            }
        }
        else
        {
            domain = DockerHubDomain;
            path = rest;
        }

        if (path.Length == 0)
        {
            return "the repository name is empty";
        }

        foreach (var component in path.Split('/'))
        {
            if (!IsPathComponent(component))
            {
                return component.Length == 0
                    ? "the repository name has an empty path segment"
                    : $"repository path segment '{component}' is not lowercase letters and digits separated by '.', '_', '__' or '-'";
            }
        }

        registry = NormalizeRegistry(domain);
        if (!registry.Contains('.', StringComparison.Ordinal) && !registry.Contains(':', StringComparison.Ordinal) && registry != "localhost")
        {
            // Only its capitals make this segment a registry (docker's rule): keep them, so the text reads back the same.
            registry = domain;
        }

        if (registry == DockerHubRegistry && !path.Contains('/', StringComparison.Ordinal))
        {
            path = "library/" + path;
        }

        repository = path;
        var nameLength = (registry == DockerHubRegistry ? DockerHubDomain : registry).Length + 1 + path.Length;
        return nameLength > MaxNameLength ? $"the name is longer than {MaxNameLength} characters" : null;
    }

    /// <summary>docker's rule: <c>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}</c>.</summary>
    internal static string? TagProblem(string tag)
    {
        if (tag.Length == 0)
        {
            return "the tag after ':' is empty";
        }

        if (tag.Length > MaxTagLength)
        {
            return $"the tag is longer than {MaxTagLength} characters";
        }

        for (var i = 0; i < tag.Length; i++)
        {
            var c = tag[i];
            var word = char.IsAsciiLetterOrDigit(c) || c == '_';
            if (!(word || (i > 0 && c is '.' or '-')))
            {
                return $"tag '{tag}' may have only letters, digits, '_', '.' and '-', and must not start with '.' or '-'";
            }
        }

        return null;
    }

    /// <summary>
    /// The OCI rule: <c>algorithm:encoded</c>; sha256 and sha512 digests must be lowercase hex of their length,
    /// other algorithms follow the grammar (<c>[a-z0-9]+([+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+</c>).
    /// </summary>
    internal static string? DigestProblem(string digest)
    {
        var colon = digest.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == digest.Length - 1)
        {
            return $"digest '{digest}' is not 'algorithm:hex' (such as sha256:<64 hex digits>)";
        }

        var algorithm = digest[..colon];
        var encoded = digest[(colon + 1)..];
        var expected = algorithm switch { "sha256" => 64, "sha512" => 128, _ => 0 };
        if (expected > 0)
        {
            return encoded.Length == expected && encoded.All(char.IsAsciiHexDigitLower)
                ? null
                : $"a {algorithm} digest is {expected} lowercase hex digits, '{digest}' is not";
        }

        var algorithmOk = algorithm.Split('+', '.', '_', '-').All(part => part.Length > 0 && part.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c)));
        var encodedOk = encoded.All(c => char.IsAsciiLetterOrDigit(c) || c is '=' or '_' or '-');
        return algorithmOk && encodedOk ? null : $"digest '{digest}' is not 'algorithm:encoded'";
    }

    private static string? DomainProblem(string domain)
    {
        var colon = domain.LastIndexOf(':');
        var host = colon >= 0 ? domain[..colon] : domain;
        if (colon >= 0)
        {
            var port = domain[(colon + 1)..];
            if (port.Length == 0 || !port.All(char.IsAsciiDigit) || !int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number is < 1 or > 65535)
            {
                return $"registry '{domain}' has an invalid port";
            }
        }

        foreach (var label in host.Split('.'))
        {
            var ok = label.Length > 0
                && char.IsAsciiLetterOrDigit(label[0])
                && char.IsAsciiLetterOrDigit(label[^1])
                && label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');
            if (!ok)
            {
                return $"registry '{domain}' is not a host name (IPv6 addresses are not supported)";
            }
        }

        return null;
    }

    /// <summary><c>[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*</c>.</summary>
    private static bool IsPathComponent(string component)
    {
        if (component.Length == 0 || !IsAlnum(component[0]) || !IsAlnum(component[^1]))
        {
            return false;
        }

        for (var i = 0; i < component.Length; i++)
        {
            var c = component[i];
            if (IsAlnum(c))
            {
                continue;
            }

            var run = i;
            while (run < component.Length && !IsAlnum(component[run]))
            {
                run++;
            }

            var separator = component[i..run];
            if (!(separator is "." or "_" or "__" || separator.All(s => s == '-')))
            {
                return false;
            }

            i = run - 1;
        }

        return true;

        static bool IsAlnum(char c) => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c);
    }

    private static string Printable(string text) =>
        new(text.Select(c => char.IsControl(c) ? '?' : c).ToArray());
}
