using System.Globalization;
using System.Reflection;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace GitOpsDeploy.Sigstore;

/// <summary>
/// Sigstore trust material in the <c>trusted_root.json</c> format
/// (<c>application/vnd.dev.sigstore.trustedroot+json;version=0.1</c>): the Fulcio certificate
/// authorities, the Rekor transparency logs, the certificate transparency logs and the RFC 3161
/// timestamp authorities, each with the period it may be trusted for.
/// </summary>
public sealed class TrustedRoot
{
    private static readonly Lazy<TrustedRoot> PublicGoodRoot = new(() => LoadEmbedded("public-good.json", "Sigstore public-good"));
    private static readonly Lazy<TrustedRoot> GitHubRoot = new(() => LoadEmbedded("github.json", "GitHub"));

    private TrustedRoot(
        string name,
        IReadOnlyList<TrustedAuthority> certificateAuthorities,
        IReadOnlyList<TrustedLog> transparencyLogs,
        IReadOnlyList<TrustedLog> certificateTransparencyLogs,
        IReadOnlyList<TrustedAuthority> timestampAuthorities)
    {
        Name = name;
        CertificateAuthorities = certificateAuthorities;
        TransparencyLogs = transparencyLogs;
        CertificateTransparencyLogs = certificateTransparencyLogs;
        TimestampAuthorities = timestampAuthorities;
    }

    /// <summary>The Sigstore public-good instance (fulcio.sigstore.dev, rekor.sigstore.dev): public repositories.</summary>
    public static TrustedRoot PublicGood => PublicGoodRoot.Value;

    /// <summary>GitHub's own Sigstore instance (fulcio.githubapp.com, timestamp.githubapp.com): private repositories.</summary>
    public static TrustedRoot GitHub => GitHubRoot.Value;

    /// <summary>A name for messages: which instance a bundle was checked against.</summary>
    public string Name { get; }

    internal IReadOnlyList<TrustedAuthority> CertificateAuthorities { get; }

    internal IReadOnlyList<TrustedLog> TransparencyLogs { get; }

    internal IReadOnlyList<TrustedLog> CertificateTransparencyLogs { get; }

    internal IReadOnlyList<TrustedAuthority> TimestampAuthorities { get; }

    /// <summary>Parses one <c>trusted_root.json</c> document.</summary>
    /// <exception cref="FormatException">The document is not a trusted root.</exception>
    public static TrustedRoot Parse(string json, string? name = null)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return FromJson(document.RootElement, name);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException
                                      or System.Security.Cryptography.CryptographicException)
        {
            throw new FormatException($"not a Sigstore trusted root: {e.Message}", e);
        }
    }

    /// <summary>
    /// Loads trusted roots from a file: one <c>trusted_root.json</c>, or JSON lines with one root a line
    /// (what <c>gh attestation trusted-root</c> prints: the public-good root and GitHub's).
    /// </summary>
    /// <exception cref="FormatException">A line or the document is not a trusted root.</exception>
    public static IReadOnlyList<TrustedRoot> LoadFile(string path)
    {
        var text = File.ReadAllText(path);
        var fileName = Path.GetFileName(path);
        try
        {
            return [Parse(text, fileName)];
        }
        catch (FormatException) when (text.TrimEnd().Contains('\n', StringComparison.Ordinal))
        {
            var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            return lines.Select((line, i) => Parse(line, $"{fileName} line {i + 1}")).ToList();
        }
    }

    private static TrustedRoot LoadEmbedded(string resource, string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"GitOpsDeploy.Sigstore.TrustedRoots.{resource}")
            ?? throw new InvalidOperationException($"embedded trusted root {resource} is missing");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd(), name);
    }

    private static TrustedRoot FromJson(JsonElement root, string? name)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("a trusted root is a JSON object");
        }

        var mediaType = Json.OptionalString(root, "mediaType");
        if (mediaType is not null && !mediaType.StartsWith("application/vnd.dev.sigstore.trustedroot", StringComparison.Ordinal))
        {
            throw new FormatException($"media type {mediaType} is not a trusted root");
        }

        var cas = Json.OptionalArray(root, "certificateAuthorities").Select(ReadAuthority).ToList();
        var tsas = Json.OptionalArray(root, "timestampAuthorities").Select(ReadAuthority).ToList();
        var tlogs = Json.OptionalArray(root, "tlogs").Select(ReadLog).ToList();
        var ctlogs = Json.OptionalArray(root, "ctlogs").Select(ReadLog).ToList();
        if (cas.Count == 0)
        {
            throw new FormatException("the trusted root has no certificate authority");
        }

        name ??= cas[0].Uri;
        return new TrustedRoot(name, cas, tlogs, ctlogs, tsas);
    }

    private static TrustedAuthority ReadAuthority(JsonElement element)
    {
        var certificates = Json.RequiredArray(Json.Required(element, "certChain"), "certificates")
            .Select(c => X509CertificateLoader.LoadCertificate(Json.RequiredBase64(c, "rawBytes")))
            .ToList();
        if (certificates.Count == 0)
        {
            throw new FormatException("a certificate authority has an empty certificate chain");
        }

        return new TrustedAuthority(
            Json.OptionalString(element, "uri") ?? string.Empty,
            certificates,
            ReadValidity(element));
    }

    private static TrustedLog ReadLog(JsonElement element)
    {
        var publicKey = Json.Required(element, "publicKey");
        var key = VerificationKey.FromTrustedRoot(Json.RequiredBase64(publicKey, "rawBytes"), Json.OptionalString(publicKey, "keyDetails"));
        var logId = element.TryGetProperty("logId", out var id) ? Json.RequiredBase64(id, "keyId") : key.KeyId();
        byte[]? checkpointKeyId = element.TryGetProperty("checkpointKeyId", out var ck) ? Json.RequiredBase64(ck, "keyId") : null;
        return new TrustedLog(Json.OptionalString(element, "baseUrl") ?? string.Empty, logId, checkpointKeyId, key, ReadValidity(publicKey));
    }

    private static ValidityPeriod ReadValidity(JsonElement element)
    {
        if (!element.TryGetProperty("validFor", out var validFor))
        {
            return ValidityPeriod.Always;
        }

        var start = Json.OptionalString(validFor, "start");
        var end = Json.OptionalString(validFor, "end");
        return new ValidityPeriod(
            start is null ? DateTimeOffset.MinValue : ParseTime(start),
            end is null ? null : ParseTime(end));
    }

    private static DateTimeOffset ParseTime(string value) =>
        DateTimeOffset.Parse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}

/// <summary>A period of trust; an open end means "until further notice".</summary>
internal sealed record ValidityPeriod(DateTimeOffset Start, DateTimeOffset? End)
{
    public static ValidityPeriod Always { get; } = new(DateTimeOffset.MinValue, null);

    public bool Contains(DateTimeOffset time) => Start <= time && (End is null || time <= End);

    public override string ToString() => End is null
        ? $"from {Start.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}"
        : $"from {Start.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ} to {End.Value.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}";
}

/// <summary>A certificate authority or timestamp authority: its chain, the issuing certificate first.</summary>
internal sealed record TrustedAuthority(string Uri, IReadOnlyList<X509Certificate2> Chain, ValidityPeriod ValidFor);

/// <summary>A transparency log (Rekor) or certificate transparency log key.</summary>
internal sealed record TrustedLog(string BaseUrl, byte[] LogId, byte[]? CheckpointKeyId, VerificationKey Key, ValidityPeriod ValidFor)
{
    /// <summary>The host[:port] of the base URL: the name a Rekor checkpoint is signed under.</summary>
    public string Origin => Uri.TryCreate(BaseUrl, UriKind.Absolute, out var uri) ? uri.Authority : BaseUrl;

    /// <summary>Why this log's key cannot be checked here, or null.</summary>
    public string? Unsupported() => Key.Unsupported;
}
