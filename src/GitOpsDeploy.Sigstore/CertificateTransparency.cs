using System.Buffers.Binary;
using System.Formats.Asn1;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace GitOpsDeploy.Sigstore;

/// <summary>
/// Signed certificate timestamps (RFC 6962) embedded in a Fulcio certificate: each is a CT log's
/// signature over the precertificate, which is the certificate's TBSCertificate without the SCT
/// extension, bound to the issuer's key hash.
/// </summary>
internal static class CertificateTransparency
{
    public const string SctListOid = "1.3.6.1.4.1.11129.2.4.2";

    /// <summary>
    /// Verifies every embedded SCT against the trusted CT logs. Each SCT must verify; when the trusted
    /// root lists CT logs, at least one SCT must be there. Returns how many verified.
    /// </summary>
    public static int Verify(X509Certificate2 leaf, byte[] issuerSubjectPublicKeyInfo, TrustedRoot root)
    {
        var extension = leaf.Extensions.Cast<X509Extension>().FirstOrDefault(e => e.Oid?.Value == SctListOid);
        if (extension is null)
        {
            if (root.CertificateTransparencyLogs.Count > 0)
            {
                throw Refuse("the signing certificate carries no signed certificate timestamp (it was not logged in certificate transparency)");
            }

            return 0;
        }

        IReadOnlyList<SignedCertificateTimestamp> scts;
        byte[] signedPrefix;
        try
        {
            scts = ParseList(extension.RawData);
            var tbs = PrecertificateTbs(leaf.RawData);
            var issuerKeyHash = SHA256.HashData(issuerSubjectPublicKeyInfo);
            signedPrefix = [.. issuerKeyHash, (byte)(tbs.Length >> 16), (byte)(tbs.Length >> 8), (byte)tbs.Length, .. tbs];
        }
        catch (Exception e) when (e is FormatException or AsnContentException or ArgumentOutOfRangeException)
        {
            throw Refuse($"the certificate's SCT list is malformed: {e.Message}");
        }

        if (scts.Count == 0 && root.CertificateTransparencyLogs.Count > 0)
        {
            throw Refuse("the signing certificate's SCT list is empty");
        }

        foreach (var sct in scts)
        {
            var time = DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Min(sct.Timestamp, (ulong)long.MaxValue / 2));
            var logs = root.CertificateTransparencyLogs
                .Where(l => CryptographicOperations.FixedTimeEquals(l.LogId, sct.LogId) && l.ValidFor.Contains(time))
                .ToList();
            if (logs.Count == 0)
            {
                throw Refuse(string.Create(CultureInfo.InvariantCulture,
                    $"the certificate's SCT from log {Convert.ToHexStringLower(sct.LogId)} at {time.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ} is from no CT log the {root.Name} trusted root trusts then"));
            }

            var signed = SignedData(sct, signedPrefix);
            if (!logs.Any(l => l.Key.Verify(signed, sct.Signature, HashAlgorithmName.SHA256)))
            {
                throw Refuse($"the certificate's SCT from {logs[0].BaseUrl} does not verify");
            }
        }

        return scts.Count;
    }

    /// <summary>The RFC 6962 section 3.2 digitally-signed struct for a precert entry.</summary>
    private static byte[] SignedData(SignedCertificateTimestamp sct, byte[] issuerHashAndTbs)
    {
        var buffer = new List<byte>(issuerHashAndTbs.Length + 32)
        {
            0, // sct_version v1
            0, // signature_type certificate_timestamp
        };
        Span<byte> timestamp = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(timestamp, sct.Timestamp);
        buffer.AddRange(timestamp.ToArray());
        buffer.Add(0);
        buffer.Add(1); // entry_type precert_entry
        buffer.AddRange(issuerHashAndTbs);
        buffer.Add((byte)(sct.Extensions.Length >> 8));
        buffer.Add((byte)sct.Extensions.Length);
        buffer.AddRange(sct.Extensions);
        return [.. buffer];
    }

    /// <summary>Parses the extension value: an OCTET STRING holding a TLS SignedCertificateTimestampList.</summary>
    internal static IReadOnlyList<SignedCertificateTimestamp> ParseList(byte[] extensionValue)
    {
        var list = AsnDecoder.ReadOctetString(extensionValue, AsnEncodingRules.DER, out var consumed);
        if (consumed != extensionValue.Length)
        {
            throw new FormatException("trailing data after the SCT list");
        }

        var reader = new TlsReader(list);
        var body = new TlsReader(reader.ReadOpaque(2));
        reader.EnsureEnd();
        var result = new List<SignedCertificateTimestamp>();
        while (!body.AtEnd)
        {
            var sct = new TlsReader(body.ReadOpaque(2));
            var version = sct.ReadByte();
            if (version != 0)
            {
                throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"SCT version {version} is not v1"));
            }

            var logId = sct.ReadBytes(32).ToArray();
            var timestamp = BinaryPrimitives.ReadUInt64BigEndian(sct.ReadBytes(8));
            var extensions = sct.ReadOpaque(2);
            var hash = sct.ReadByte();
            var algorithm = sct.ReadByte();
            var signature = sct.ReadOpaque(2);
            sct.EnsureEnd();
            if (hash != 4)
            {
                throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"SCT hash algorithm {hash} is not SHA-256"));
            }

            result.Add(new SignedCertificateTimestamp(logId, timestamp, extensions, algorithm, signature));
        }

        return result;
    }

    /// <summary>The leaf's TBSCertificate re-encoded without the SCT list extension (the precertificate's TBS).</summary>
    internal static byte[] PrecertificateTbs(byte[] certificateDer)
    {
        var certificate = new AsnReader(certificateDer, AsnEncodingRules.DER).ReadSequence();
        var tbs = certificate.ReadSequence();
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            var extensionsTag = new Asn1Tag(TagClass.ContextSpecific, 3, isConstructed: true);
            while (tbs.HasData)
            {
                if (!tbs.PeekTag().HasSameClassAndValue(extensionsTag))
                {
                    writer.WriteEncodedValue(tbs.ReadEncodedValue().Span);
                    continue;
                }

                var explicitExtensions = tbs.ReadSequence(extensionsTag);
                var extensions = explicitExtensions.ReadSequence();
                using (writer.PushSequence(extensionsTag))
                using (writer.PushSequence())
                {
                    while (extensions.HasData)
                    {
                        var encoded = extensions.ReadEncodedValue();
                        var oid = new AsnReader(encoded, AsnEncodingRules.DER).ReadSequence().ReadObjectIdentifier();
                        if (oid != SctListOid)
                        {
                            writer.WriteEncodedValue(encoded.Span);
                        }
                    }
                }
            }
        }

        return writer.Encode();
    }

    private static RefusalException Refuse(string reason) => new(VerificationCheck.CertificateTransparency, reason);

    private ref struct TlsReader(ReadOnlySpan<byte> data)
    {
        private ReadOnlySpan<byte> _data = data;

        public readonly bool AtEnd => _data.IsEmpty;

        public byte ReadByte() => ReadBytes(1)[0];

        public ReadOnlySpan<byte> ReadBytes(int count)
        {
            if (count > _data.Length)
            {
                throw new FormatException("the SCT list is truncated");
            }

            var result = _data[..count];
            _data = _data[count..];
            return result;
        }

        public byte[] ReadOpaque(int lengthBytes)
        {
            var length = 0;
            foreach (var b in ReadBytes(lengthBytes))
            {
                length = (length << 8) | b;
            }

            return ReadBytes(length).ToArray();
        }

        public readonly void EnsureEnd()
        {
            if (!_data.IsEmpty)
            {
                throw new FormatException("trailing data in the SCT list");
            }
        }
    }
}

internal sealed record SignedCertificateTimestamp(byte[] LogId, ulong Timestamp, byte[] Extensions, byte SignatureAlgorithm, byte[] Signature);
