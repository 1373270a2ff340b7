using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;

namespace GitOpsDeploy.Sigstore.Tests;

/// <summary>What the Fulcio certificate of a minted bundle says about the build (GitHub's OIDC claims as extensions).</summary>
/// <param name="Repository">The source repository, <c>OWNER/REPO</c>.</param>
/// <param name="Commit">The commit the build ran on.</param>
/// <param name="Workflow">The signing workflow's path in <paramref name="WorkflowRepository"/> (default: <paramref name="Repository"/>).</param>
/// <param name="RunId">The workflow run, recorded as the run invocation URI when given.</param>
/// <param name="Server">The GitHub instance (a GitHub Enterprise Server's URL: its OIDC issuer is <c>{Server}/_services/token</c>).</param>
public sealed record BuildClaims(
    string Repository = "acme/web",
    string Commit = "c0ffee0000000000000000000000000000000001",
    string Workflow = ".github/workflows/release.yml",
    string Ref = "refs/heads/main",
    string Runner = "github-hosted",
    string? RunId = null,
    string? WorkflowRepository = null,
    string Server = "https://github.com")
{
    public string WorkflowUri => $"{Server}/{WorkflowRepository ?? Repository}/{Workflow}@{Ref}";

    public string Issuer => Server == "https://github.com" ? "https://token.actions.githubusercontent.com" : $"{Server}/_services/token";
}

/// <summary>
/// A Sigstore instance in the shape of GitHub's private one (a Fulcio CA and an RFC 3161 TSA, no
/// logs), built with the framework's certificate and CMS APIs so that tests without node can mint
/// timestamped bundles. The signatures are real; only the keys are the test's. Shared by the
/// verifier's tests and the end-to-end tests of verify-attestations.
/// </summary>
public sealed class LocalSigstore : IDisposable
{
    public static readonly DateTimeOffset Epoch = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly ECDsa _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP384);
    private readonly ECDsa _tsaKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ECDsa _rogueTsaKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public LocalSigstore()
    {
        CaRoot = CertificateAuthority("CN=Fulcio Local, O=Test", _caKey);
        TsaRoot = CertificateAuthority("CN=TSA Root, O=Test", _tsaKey);
        TsaLeaf = TimestampCertificate("CN=TSA, O=Test", _tsaKey, TsaRoot, _tsaKey);
        using var rogueRootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var rogueRoot = CertificateAuthority("CN=TSA Root, O=Test", rogueRootKey);
        RogueTsaLeaf = TimestampCertificate("CN=TSA, O=Test", _rogueTsaKey, rogueRoot, rogueRootKey);
    }

    public X509Certificate2 CaRoot { get; }

    public X509Certificate2 TsaRoot { get; }

    public X509Certificate2 TsaLeaf { get; }

    public X509Certificate2 RogueTsaLeaf { get; }

    public TrustedRoot TrustedRoot(bool withCtLog = false) => GitOpsDeploy.Sigstore.TrustedRoot.Parse(TrustedRootJson(withCtLog), "local");

    /// <summary>The trusted_root.json of this instance (what attestation-trusted-root reads).</summary>
    public string TrustedRootJson(bool withCtLog = false)
    {
        JsonObject Authority(params X509Certificate2[] chain) => new()
        {
            ["uri"] = "local",
            ["certChain"] = new JsonObject { ["certificates"] = new JsonArray(chain.Select(c => (JsonNode)new JsonObject { ["rawBytes"] = Convert.ToBase64String(c.RawData) }).ToArray()) },
            ["validFor"] = new JsonObject { ["start"] = "2025-01-01T00:00:00Z" },
        };
        var root = new JsonObject
        {
            ["mediaType"] = "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
            ["certificateAuthorities"] = new JsonArray(Authority(CaRoot)),
            ["timestampAuthorities"] = new JsonArray(Authority(TsaLeaf, TsaRoot)),
        };
        if (withCtLog)
        {
            using var ctKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            root["ctlogs"] = new JsonArray(new JsonObject
            {
                ["baseUrl"] = "https://ct.local",
                ["publicKey"] = new JsonObject { ["rawBytes"] = Convert.ToBase64String(ctKey.ExportSubjectPublicKeyInfo()), ["keyDetails"] = "PKIX_ECDSA_P256_SHA_256" },
            });
        }

        return root.ToJsonString();
    }

    /// <summary>A v0.3 bundle signed by a fresh key certified at <paramref name="certified"/>, timestamped at <paramref name="timestamped"/>.</summary>
    public string Bundle(string imageDigest, DateTimeOffset certified, DateTimeOffset timestamped, bool rogueTsa = false, BuildClaims? claims = null)
    {
        using var signingKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var leaf = FulcioCertificate(signingKey, certified, claims ?? new BuildClaims());
        var statement = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["_type"] = "https://in-toto.io/Statement/v1",
            ["subject"] = new JsonArray(new JsonObject { ["name"] = "ghcr.io/acme/web", ["digest"] = new JsonObject { ["sha256"] = imageDigest.StartsWith("sha256:", StringComparison.Ordinal) ? imageDigest[7..] : imageDigest } }),
            ["predicateType"] = AttestationPolicy.SlsaProvenanceV1,
            ["predicate"] = new JsonObject(),
        }.ToJsonString());
        var signature = signingKey.SignData(PreAuthEncoding(InTotoPayloadType, statement), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        var response = TimestampResponse(SHA256.HashData(signature), timestamped, rogueTsa ? RogueTsaLeaf : TsaLeaf, rogueTsa ? _rogueTsaKey : _tsaKey);
        return new JsonObject
        {
            ["mediaType"] = "application/vnd.dev.sigstore.bundle.v0.3+json",
            ["verificationMaterial"] = new JsonObject
            {
                ["certificate"] = new JsonObject { ["rawBytes"] = Convert.ToBase64String(leaf.RawData) },
                ["tlogEntries"] = new JsonArray(),
                ["timestampVerificationData"] = new JsonObject
                {
                    ["rfc3161Timestamps"] = new JsonArray(new JsonObject { ["signedTimestamp"] = Convert.ToBase64String(response) }),
                },
            },
            ["dsseEnvelope"] = new JsonObject
            {
                ["payload"] = Convert.ToBase64String(statement),
                ["payloadType"] = InTotoPayloadType,
                ["signatures"] = new JsonArray(new JsonObject { ["sig"] = Convert.ToBase64String(signature), ["keyid"] = string.Empty }),
            },
        }.ToJsonString();
    }

    public void Dispose()
    {
        CaRoot.Dispose();
        TsaRoot.Dispose();
        TsaLeaf.Dispose();
        RogueTsaLeaf.Dispose();
        _caKey.Dispose();
        _tsaKey.Dispose();
        _rogueTsaKey.Dispose();
    }

    private const string InTotoPayloadType = "application/vnd.in-toto+json";

    /// <summary>DSSE's pre-authentication encoding (what the signature covers): <c>DSSEv1 len(type) type len(body) body</c>.</summary>
    private static byte[] PreAuthEncoding(string payloadType, byte[] payload) =>
        [.. Encoding.UTF8.GetBytes($"DSSEv1 {Encoding.UTF8.GetByteCount(payloadType)} {payloadType} {payload.Length} "), .. payload];

    private X509Certificate2 FulcioCertificate(ECDsa key, DateTimeOffset notBefore, BuildClaims build)
    {
        var workflow = build.WorkflowUri;
        var request = new CertificateRequest(new X500DistinguishedName(string.Empty), key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(new Uri(workflow));
        request.CertificateExtensions.Add(san.Build(critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.3")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(CaRoot, true, false));
        var claims = new Dictionary<int, string>
        {
            [8] = build.Issuer,
            [9] = workflow,
            [11] = build.Runner,
            [12] = $"{build.Server}/{build.Repository}",
            [13] = build.Commit,
            [14] = build.Ref,
            [16] = $"{build.Server}/{build.Repository.Split('/')[0]}",
        };
        if (build.RunId is { } run)
        {
            claims[21] = $"{build.Server}/{build.Repository}/actions/runs/{run}/attempts/1";
        }

        foreach (var (arc, value) in claims)
        {
            var writer = new AsnWriter(AsnEncodingRules.DER);
            writer.WriteCharacterString(UniversalTagNumber.UTF8String, value);
            request.CertificateExtensions.Add(new X509Extension($"1.3.6.1.4.1.57264.1.{arc}", writer.Encode(), false));
        }

        return request.Create(CaRoot.SubjectName, X509SignatureGenerator.CreateForECDsa(_caKey), notBefore, notBefore.AddMinutes(10), RandomNumberGenerator.GetBytes(12));
    }

    private static X509Certificate2 CertificateAuthority(string name, ECDsa key)
    {
        var request = new CertificateRequest(name, key, HashAlgorithmName.SHA384);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 1, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(Epoch.AddYears(-1), Epoch.AddYears(5));
    }

    private static X509Certificate2 TimestampCertificate(string name, ECDsa key, X509Certificate2 issuer, ECDsa issuerKey)
    {
        var request = new CertificateRequest(name, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.8")], true));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        using var issued = request.Create(issuer.SubjectName, X509SignatureGenerator.CreateForECDsa(issuerKey), Epoch.AddYears(-1), Epoch.AddYears(2), RandomNumberGenerator.GetBytes(8));
        return X509CertificateLoader.LoadCertificate(issued.RawData);
    }

    /// <summary>An RFC 3161 TimeStampResp: TSTInfo in CMS SignedData with an ESS signing-certificate-v2 attribute.</summary>
    private static byte[] TimestampResponse(byte[] imprint, DateTimeOffset time, X509Certificate2 signerCertificate, ECDsa signerKey)
    {
        var tstInfo = new AsnWriter(AsnEncodingRules.DER);
        using (tstInfo.PushSequence())
        {
            tstInfo.WriteInteger(1);
            tstInfo.WriteObjectIdentifier("1.3.6.1.4.1.57264.2");
            using (tstInfo.PushSequence())
            {
                using (tstInfo.PushSequence())
                {
                    tstInfo.WriteObjectIdentifier("2.16.840.1.101.3.4.2.1");
                }

                tstInfo.WriteOctetString(imprint);
            }

            tstInfo.WriteInteger(RandomNumberGenerator.GetInt32(1, int.MaxValue));
            tstInfo.WriteGeneralizedTime(time, omitFractionalSeconds: true);
        }

        var essCertId = new AsnWriter(AsnEncodingRules.DER);
        using (essCertId.PushSequence())
        using (essCertId.PushSequence())
        using (essCertId.PushSequence())
        {
            essCertId.WriteOctetString(SHA256.HashData(signerCertificate.RawData));
        }

        var cms = new SignedCms(new ContentInfo(new Oid("1.2.840.113549.1.9.16.1.4"), tstInfo.Encode()), detached: false);
        using var withKey = signerCertificate.CopyWithPrivateKey(signerKey);
        var signer = new CmsSigner(SubjectIdentifierType.IssuerAndSerialNumber, withKey)
        {
            IncludeOption = X509IncludeOption.EndCertOnly,
            DigestAlgorithm = new Oid("2.16.840.1.101.3.4.2.1"),
        };
        signer.SignedAttributes.Add(new AsnEncodedData("1.2.840.113549.1.9.16.2.47", essCertId.Encode()));
        cms.ComputeSignature(signer);

        var response = new AsnWriter(AsnEncodingRules.DER);
        using (response.PushSequence())
        {
            using (response.PushSequence())
            {
                response.WriteInteger(0);
            }

            response.WriteEncodedValue(cms.Encode());
        }

        return response.Encode();
    }
}
