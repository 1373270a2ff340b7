using System.Globalization;
using System.Security.Cryptography.X509Certificates;

namespace GitOpsDeploy.Sigstore;

/// <summary>X.509 path validation with the framework's <see cref="X509Chain"/> against a fixed set of anchors, at a given time.</summary>
internal static class CertificateChains
{
    /// <summary>
    /// Builds <paramref name="certificate"/>'s chain using only <paramref name="authorityChain"/>
    /// (intermediates first, the self-signed root last) at <paramref name="time"/>; returns null when
    /// valid, else what is wrong. No revocation checks and no downloads: Sigstore has neither.
    /// </summary>
    public static string? Validate(X509Certificate2 certificate, IReadOnlyList<X509Certificate2> authorityChain, DateTimeOffset time)
    {
        var error = Build(certificate, authorityChain, time, out var chain);
        chain?.Dispose();
        return error;
    }

    /// <summary>As <see cref="Validate"/>; on success the built chain (leaf first) is returned for the caller to dispose.</summary>
    public static string? Build(X509Certificate2 certificate, IReadOnlyList<X509Certificate2> authorityChain, DateTimeOffset time, out X509Chain? built)
    {
        built = null;
        if (authorityChain.Count == 0)
        {
            // A self-signed certificate is its own authority.
            authorityChain = [certificate];
        }

        if (time < certificate.NotBefore.ToUniversalTime() || time > certificate.NotAfter.ToUniversalTime())
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"certificate \"{Describe(certificate)}\" is valid from {Format(certificate.NotBefore)} to {Format(certificate.NotAfter)}, not at {Format(time)}");
        }

        var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationTime = time.UtcDateTime;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        var root = authorityChain[^1];
        chain.ChainPolicy.CustomTrustStore.Add(root);
        foreach (var intermediate in authorityChain.Take(authorityChain.Count - 1))
        {
            chain.ChainPolicy.ExtraStore.Add(intermediate);
        }

        if (!chain.Build(certificate))
        {
            var problems = chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct().ToList();
            var statuses = string.Join(", ", chain.ChainStatus.Select(s => s.Status).Distinct());
            chain.Dispose();
            return $"certificate \"{Describe(certificate)}\" does not chain to \"{Describe(root)}\" at {Format(time)} ({statuses}{(problems.Count > 0 ? ": " + string.Join("; ", problems) : string.Empty)})";
        }

        var anchor = chain.ChainElements[^1].Certificate;
        if (!anchor.RawData.AsSpan().SequenceEqual(root.RawData))
        {
            chain.Dispose();
            return $"certificate \"{Describe(certificate)}\" chains to \"{Describe(anchor)}\", not to the trusted \"{Describe(root)}\"";
        }

        built = chain;
        return null;
    }

    public static string Describe(X509Certificate2 certificate) =>
        certificate.Subject.Length > 0 ? certificate.Subject : $"(empty subject, issued by {certificate.Issuer}, serial {certificate.SerialNumber})";

    private static string Format(DateTime time) => time.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
}
