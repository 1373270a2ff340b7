using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace GitOpsDeploy.Sigstore;

/// <summary>
/// A public key from a trusted root or a certificate, able to check one signature scheme: ECDSA (DER
/// signatures, the hash that goes with the curve) or RSA PKCS#1 v1.5 with SHA-256. Ed25519 has no
/// framework implementation in .NET, so such a key is kept with <see cref="Unsupported"/> set and
/// verifies nothing.
/// </summary>
internal sealed class VerificationKey
{
    private const string EcPublicKeyOid = "1.2.840.10045.2.1";
    private const string RsaOid = "1.2.840.113549.1.1.1";
    private const string Ed25519Oid = "1.3.101.112";

    private readonly byte[] _spki;
    private readonly HashAlgorithmName _hash;
    private readonly bool _isRsa;

    private VerificationKey(byte[] spki, HashAlgorithmName hash, bool isRsa, string description, string? unsupported)
    {
        _spki = spki;
        _hash = hash;
        _isRsa = isRsa;
        Description = description;
        Unsupported = unsupported;
    }

    /// <summary>DER SubjectPublicKeyInfo.</summary>
    public ReadOnlySpan<byte> SubjectPublicKeyInfo => _spki;

    public string Description { get; }

    /// <summary>Why this key cannot verify anything here, or null when it can.</summary>
    public string? Unsupported { get; }

    /// <summary>Reads a key from a trusted root (<c>rawBytes</c> and <c>keyDetails</c>).</summary>
    public static VerificationKey FromTrustedRoot(byte[] rawBytes, string? keyDetails)
    {
        if (keyDetails == "PKCS1_RSA_PKCS1V5")
        {
            using var rsa = RSA.Create();
            rsa.ImportRSAPublicKey(rawBytes, out _);
            return FromSubjectPublicKeyInfo(rsa.ExportSubjectPublicKeyInfo());
        }

        return FromSubjectPublicKeyInfo(rawBytes);
    }

    public static VerificationKey FromCertificate(X509Certificate2 certificate) =>
        FromSubjectPublicKeyInfo(certificate.PublicKey.ExportSubjectPublicKeyInfo());

    public static VerificationKey FromSubjectPublicKeyInfo(byte[] spki)
    {
        var publicKey = PublicKey.CreateFromSubjectPublicKeyInfo(spki, out _);
        switch (publicKey.Oid.Value)
        {
            case EcPublicKeyOid:
                using (var ecdsa = publicKey.GetECDsaPublicKey() ?? throw new CryptographicException("not an ECDSA key"))
                {
                    var (hash, name) = ecdsa.KeySize switch
                    {
                        256 => (HashAlgorithmName.SHA256, "ECDSA P-256"),
                        384 => (HashAlgorithmName.SHA384, "ECDSA P-384"),
                        521 => (HashAlgorithmName.SHA512, "ECDSA P-521"),
                        _ => throw new CryptographicException($"unsupported ECDSA key size {ecdsa.KeySize}"),
                    };
                    return new VerificationKey(spki, hash, isRsa: false, name, unsupported: null);
                }

            case RsaOid:
                using (var rsa = publicKey.GetRSAPublicKey() ?? throw new CryptographicException("not an RSA key"))
                {
                    return new VerificationKey(spki, HashAlgorithmName.SHA256, isRsa: true, $"RSA {rsa.KeySize}", unsupported: null);
                }

            case Ed25519Oid:
                return new VerificationKey(spki, default, isRsa: false, "Ed25519",
                    "Ed25519 signatures cannot be checked with the .NET framework's cryptography");
            default:
                return new VerificationKey(spki, default, isRsa: false, $"key algorithm {publicKey.Oid.Value}",
                    $"key algorithm {publicKey.Oid.Value} is not supported");
        }
    }

    /// <summary>Verifies a signature over <paramref name="data"/>; false for a bad or malformed signature.</summary>
    public bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) => Verify(data, signature, _hash);

    /// <summary>As <see cref="Verify(ReadOnlySpan{byte}, ReadOnlySpan{byte})"/> with a hash the protocol fixes.</summary>
    public bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature, HashAlgorithmName hash)
    {
        if (Unsupported is not null)
        {
            return false;
        }

        try
        {
            if (_isRsa)
            {
                using var rsa = RSA.Create();
                rsa.ImportSubjectPublicKeyInfo(_spki, out _);
                return rsa.VerifyData(data, signature, hash, RSASignaturePadding.Pkcs1);
            }

            using var ecdsa = ECDsa.Create();
            ecdsa.ImportSubjectPublicKeyInfo(_spki, out _);
            return ecdsa.VerifyData(data, signature, hash, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    /// <summary>SHA-256 of the DER SubjectPublicKeyInfo: the log ID of a Rekor or CT log key.</summary>
    public byte[] KeyId() => SHA256.HashData(_spki);
}
