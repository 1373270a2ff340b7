using System.Formats.Asn1;
using System.Globalization;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;

namespace GitOpsDeploy.Sigstore;

/// <summary>
/// Checks an RFC 3161 timestamp over the envelope's signature against the trusted root's timestamp
/// authorities: the token's CMS signature and message imprint (framework <see cref="Rfc3161TimestampToken"/>),
/// a signer that is exactly a trusted authority's signing certificate, that certificate's chain at the
/// timestamp's time, and the authority's validity period.
/// </summary>
internal static class TimestampVerifier
{
    public static DateTimeOffset Verify(byte[] encoded, byte[] signedData, TrustedRoot root, int index)
    {
        var where = string.Create(CultureInfo.InvariantCulture, $"RFC 3161 timestamp {index + 1}");
        var tokenBytes = UnwrapResponse(encoded, where);
        if (!Rfc3161TimestampToken.TryDecode(tokenBytes, out var token, out _) || token is null)
        {
            throw Refuse($"{where} is not an RFC 3161 timestamp token");
        }

        var time = token.TokenInfo.Timestamp;
        if (root.TimestampAuthorities.Count == 0)
        {
            throw Refuse($"{where}: the {root.Name} trusted root has no timestamp authority");
        }

        var failures = new List<string>();
        foreach (var authority in root.TimestampAuthorities)
        {
            var signingCertificate = authority.Chain[0];
            var candidates = new X509Certificate2Collection(signingCertificate);
            if (!token.VerifySignatureForData(signedData, out var signer, candidates) || signer is null)
            {
                failures.Add($"{authority.Uri}: the token's signature or message imprint does not verify");
                continue;
            }

            if (!signer.RawData.AsSpan().SequenceEqual(signingCertificate.RawData))
            {
                failures.Add($"{authority.Uri}: signed by {signer.Subject}, not by the authority's certificate");
                continue;
            }

            if (!authority.ValidFor.Contains(time))
            {
                failures.Add($"{authority.Uri}: the authority is trusted {authority.ValidFor}, the timestamp says {Format(time)}");
                continue;
            }

            var chainError = CertificateChains.Validate(signingCertificate, authority.Chain.Skip(1).ToList(), time);
            if (chainError is not null)
            {
                failures.Add($"{authority.Uri}: {chainError}");
                continue;
            }

            return time;
        }

        throw Refuse($"{where} ({Format(time)}) does not verify with any timestamp authority of the {root.Name} trusted root: {string.Join("; ", failures.Distinct())}");
    }

    /// <summary>
    /// A bundle carries a TimeStampResp (status, then the token); tolerate a bare token too.
    /// </summary>
    private static byte[] UnwrapResponse(byte[] encoded, string where)
    {
        try
        {
            var reader = new AsnReader(encoded, AsnEncodingRules.BER);
            var sequence = reader.ReadSequence();
            if (sequence.PeekTag().HasSameClassAndValue(Asn1Tag.ObjectIdentifier))
            {
                return encoded; // ContentInfo: a bare TimeStampToken
            }

            var status = sequence.ReadSequence();
            var value = status.ReadInteger();
            if (value != 0 && value != 1)
            {
                throw Refuse(string.Create(CultureInfo.InvariantCulture, $"{where}: the timestamp authority refused the request (PKIStatus {value})"));
            }

            return sequence.HasData ? sequence.ReadEncodedValue().ToArray() : throw Refuse($"{where} has no token");
        }
        catch (AsnContentException)
        {
            throw Refuse($"{where} is not DER");
        }
    }

    private static RefusalException Refuse(string reason) => new(VerificationCheck.TimestampAuthority, reason);

    private static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
}
