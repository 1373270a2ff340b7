using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace GitOpsDeploy.Sigstore;

/// <summary>
/// Who signed: the Fulcio certificate's subject alternative name and its GitHub Actions claims
/// (OID arc 1.3.6.1.4.1.57264.1, sigstore/fulcio, docs/oid-info.md).
/// A claim the certificate does not carry is null.
/// </summary>
public sealed record SignerIdentity
{
    /// <summary>The SAN URI (or e-mail address for a person): for GitHub Actions, the workflow file and ref that ran (same as <see cref="BuildSignerUri"/>).</summary>
    public required string SubjectAlternativeName { get; init; }

    /// <summary>The OIDC issuer (1.8, or the legacy 1.1): <c>https://token.actions.githubusercontent.com</c> on GitHub's cloud.</summary>
    public string? Issuer { get; init; }

    /// <summary>1.9: the workflow that signed, <c>SERVER/OWNER/REPO/.github/workflows/x.yml@refs/...</c>.</summary>
    public string? BuildSignerUri { get; init; }

    /// <summary>1.10: the commit of the signing workflow.</summary>
    public string? BuildSignerDigest { get; init; }

    /// <summary>1.11: <c>github-hosted</c> or <c>self-hosted</c>.</summary>
    public string? RunnerEnvironment { get; init; }

    /// <summary>1.12: <c>SERVER/OWNER/REPO</c>.</summary>
    public string? SourceRepositoryUri { get; init; }

    /// <summary>1.13: the commit the workflow ran on.</summary>
    public string? SourceRepositoryDigest { get; init; }

    /// <summary>1.14: the ref the workflow ran on (<c>refs/heads/main</c>, <c>refs/tags/v1</c>).</summary>
    public string? SourceRepositoryRef { get; init; }

    /// <summary>1.15: the repository's numeric ID (survives renames).</summary>
    public string? SourceRepositoryIdentifier { get; init; }

    /// <summary>1.16: <c>SERVER/OWNER</c>.</summary>
    public string? SourceRepositoryOwnerUri { get; init; }

    /// <summary>1.17: the owner's numeric ID.</summary>
    public string? SourceRepositoryOwnerIdentifier { get; init; }

    /// <summary>1.18: the top-level workflow of the run.</summary>
    public string? BuildConfigUri { get; init; }

    /// <summary>1.19: the commit of the top-level workflow.</summary>
    public string? BuildConfigDigest { get; init; }

    /// <summary>1.20: the event that started the run (<c>push</c>, <c>workflow_dispatch</c>...).</summary>
    public string? BuildTrigger { get; init; }

    /// <summary>1.21: <c>SERVER/OWNER/REPO/actions/runs/ID/attempts/N</c>.</summary>
    public string? RunInvocationUri { get; init; }

    /// <summary>1.22: <c>public</c>, <c>private</c> or <c>internal</c> when signed.</summary>
    public string? SourceRepositoryVisibility { get; init; }

    internal const string FulcioArc = "1.3.6.1.4.1.57264.1.";

    /// <summary>Reads the identity from a Fulcio certificate.</summary>
    internal static SignerIdentity FromCertificate(X509Certificate2 certificate)
    {
        var values = new Dictionary<int, string>();
        string? legacyIssuer = null;
        foreach (var extension in certificate.Extensions)
        {
            var oid = extension.Oid?.Value;
            if (oid is null || !oid.StartsWith(FulcioArc, StringComparison.Ordinal)
                || !int.TryParse(oid.AsSpan(FulcioArc.Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var arc))
            {
                continue;
            }

            if (arc == 1)
            {
                // The deprecated issuer extension holds the raw string, not DER.
                legacyIssuer = Encoding.UTF8.GetString(extension.RawData);
            }
            else if (arc >= 8)
            {
                values[arc] = DecodeUtf8String(extension.RawData, oid);
            }
        }

        return new SignerIdentity
        {
            SubjectAlternativeName = SubjectAlternativeNameUri(certificate)
                ?? throw new RefusalException(VerificationCheck.CertificateChain, "the signing certificate has no URI or e-mail subject alternative name"),
            Issuer = values.GetValueOrDefault(8) ?? legacyIssuer,
            BuildSignerUri = values.GetValueOrDefault(9),
            BuildSignerDigest = values.GetValueOrDefault(10),
            RunnerEnvironment = values.GetValueOrDefault(11),
            SourceRepositoryUri = values.GetValueOrDefault(12),
            SourceRepositoryDigest = values.GetValueOrDefault(13),
            SourceRepositoryRef = values.GetValueOrDefault(14),
            SourceRepositoryIdentifier = values.GetValueOrDefault(15),
            SourceRepositoryOwnerUri = values.GetValueOrDefault(16),
            SourceRepositoryOwnerIdentifier = values.GetValueOrDefault(17),
            BuildConfigUri = values.GetValueOrDefault(18),
            BuildConfigDigest = values.GetValueOrDefault(19),
            BuildTrigger = values.GetValueOrDefault(20),
            RunInvocationUri = values.GetValueOrDefault(21),
            SourceRepositoryVisibility = values.GetValueOrDefault(22),
        };
    }

    /// <summary>Fulcio's 1.8+ extensions are DER UTF8String values.</summary>
    internal static string DecodeUtf8String(byte[] value, string oid)
    {
        try
        {
            var text = AsnDecoder.ReadCharacterString(value, AsnEncodingRules.DER, UniversalTagNumber.UTF8String, out var consumed);
            return consumed == value.Length
                ? text
                : throw new RefusalException(VerificationCheck.CertificateChain, $"certificate extension {oid} has trailing data");
        }
        catch (AsnContentException)
        {
            throw new RefusalException(VerificationCheck.CertificateChain, $"certificate extension {oid} is not a DER UTF8String");
        }
    }

    /// <summary>
    /// The identity in the subject alternative name: the first URI (workflows), else the first e-mail
    /// address (people). Fulcio puts exactly one identity there.
    /// </summary>
    internal static string? SubjectAlternativeNameUri(X509Certificate2 certificate)
    {
        var extension = certificate.Extensions["2.5.29.17"];
        if (extension is null)
        {
            return null;
        }

        try
        {
            var reader = new AsnReader(extension.RawData, AsnEncodingRules.DER).ReadSequence();
            var uriTag = new Asn1Tag(TagClass.ContextSpecific, 6);
            var emailTag = new Asn1Tag(TagClass.ContextSpecific, 1);
            string? email = null;
            while (reader.HasData)
            {
                var tag = reader.PeekTag();
                if (tag.HasSameClassAndValue(uriTag))
                {
                    return reader.ReadCharacterString(UniversalTagNumber.IA5String, uriTag);
                }

                if (tag.HasSameClassAndValue(emailTag) && email is null)
                {
                    email = reader.ReadCharacterString(UniversalTagNumber.IA5String, emailTag);
                    continue;
                }

                reader.ReadEncodedValue();
            }

            return email;
        }
        catch (AsnContentException)
        {
            throw new RefusalException(VerificationCheck.CertificateChain, "the signing certificate's subject alternative name is malformed");
        }
    }
}
