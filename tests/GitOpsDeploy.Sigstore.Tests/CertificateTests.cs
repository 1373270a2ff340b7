using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace GitOpsDeploy.Sigstore.Tests;

[Trait("Tier", "Unit")]
public sealed class CertificateTests
{
    private static readonly DateTimeOffset Start = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Every_fulcio_github_claim_is_read_from_its_der_utf8string_extension()
    {
        var claims = Enumerable.Range(8, 15).ToDictionary(arc => arc, arc => $"value of 1.{arc} \u00e9");
        using var leaf = Leaf(san: "https://github.com/acme/web/.github/workflows/x.yml@refs/heads/main", claims, legacyIssuer: "https://legacy.example");

        var identity = SignerIdentity.FromCertificate(leaf);

        Assert.Equal("https://github.com/acme/web/.github/workflows/x.yml@refs/heads/main", identity.SubjectAlternativeName);
        Assert.Equal(claims[8], identity.Issuer);
        Assert.Equal(claims[9], identity.BuildSignerUri);
        Assert.Equal(claims[10], identity.BuildSignerDigest);
        Assert.Equal(claims[11], identity.RunnerEnvironment);
        Assert.Equal(claims[12], identity.SourceRepositoryUri);
        Assert.Equal(claims[13], identity.SourceRepositoryDigest);
        Assert.Equal(claims[14], identity.SourceRepositoryRef);
        Assert.Equal(claims[15], identity.SourceRepositoryIdentifier);
        Assert.Equal(claims[16], identity.SourceRepositoryOwnerUri);
        Assert.Equal(claims[17], identity.SourceRepositoryOwnerIdentifier);
        Assert.Equal(claims[18], identity.BuildConfigUri);
        Assert.Equal(claims[19], identity.BuildConfigDigest);
        Assert.Equal(claims[20], identity.BuildTrigger);
        Assert.Equal(claims[21], identity.RunInvocationUri);
        Assert.Equal(claims[22], identity.SourceRepositoryVisibility);
    }

    [Fact]
    public void Without_the_v2_issuer_the_legacy_raw_issuer_is_used()
    {
        using var leaf = Leaf(san: "https://x", new Dictionary<int, string>(), legacyIssuer: "https://token.actions.githubusercontent.com");

        Assert.Equal("https://token.actions.githubusercontent.com", SignerIdentity.FromCertificate(leaf).Issuer);
    }

    [Fact]
    public void A_claim_that_is_not_a_der_utf8string_is_refused()
    {
        using var leaf = Leaf(san: "https://x", new Dictionary<int, string>(), extra: new X509Extension("1.3.6.1.4.1.57264.1.12", Encoding.UTF8.GetBytes("https://github.com/raw"), false));

        var refusal = Assert.Throws<RefusalException>(() => SignerIdentity.FromCertificate(leaf));

        Assert.Equal(VerificationCheck.CertificateChain, refusal.Check);
        Assert.Contains("1.3.6.1.4.1.57264.1.12", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Trailing_bytes_after_a_claim_are_refused()
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        writer.WriteCharacterString(UniversalTagNumber.UTF8String, "ok");

        Assert.Equal("ok", SignerIdentity.DecodeUtf8String(writer.Encode(), "x"));
        Assert.Throws<RefusalException>(() => SignerIdentity.DecodeUtf8String([.. writer.Encode(), 0], "x"));
    }

    [Fact]
    public void An_email_identity_is_read_when_there_is_no_uri()
    {
        using var leaf = Leaf(san: null, new Dictionary<int, string>(), email: "dev@example.com");

        Assert.Equal("dev@example.com", SignerIdentity.FromCertificate(leaf).SubjectAlternativeName);
    }

    [Fact]
    public void Only_code_signing_certificates_may_sign()
    {
        using var codeSigning = Leaf(san: "https://x", new Dictionary<int, string>());
        using var serverAuth = Leaf(san: "https://x", new Dictionary<int, string>(), eku: "1.3.6.1.5.5.7.3.1");

        using var ca = Leaf(san: "https://x", new Dictionary<int, string>(), extra: new X509BasicConstraintsExtension(true, false, 0, true));

        AttestationVerifier.CheckCodeSigning(codeSigning);
        var refusal = Assert.Throws<RefusalException>(() => AttestationVerifier.CheckCodeSigning(serverAuth));
        Assert.Contains("code signing", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("CA certificate", Assert.Throws<RefusalException>(() => AttestationVerifier.CheckCodeSigning(ca)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Chains_are_valid_only_inside_every_certificates_validity_and_under_the_trusted_root()
    {
        using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var root = SelfSigned("CN=root", rootKey, Start, Start.AddYears(5));
        using var intermediateKey = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var intermediate = Issue("CN=intermediate", intermediateKey, root, rootKey, Start, Start.AddYears(2), ca: true);
        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var leaf = Issue("CN=leaf", leafKey, intermediate, intermediateKey, Start.AddDays(10), Start.AddDays(10).AddMinutes(10), ca: false);
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var otherRoot = SelfSigned("CN=root", otherKey, Start, Start.AddYears(5));
        using var notCaKey = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var notCa = Issue("CN=intermediate", notCaKey, root, rootKey, Start, Start.AddYears(2), ca: false);
        using var underNotCa = Issue("CN=leaf", leafKey, notCa, notCaKey, Start.AddDays(10), Start.AddDays(10).AddMinutes(10), ca: false);

        Assert.Null(CertificateChains.Validate(leaf, [intermediate, root], Start.AddDays(10).AddMinutes(5)));
        Assert.Contains("not at", CertificateChains.Validate(leaf, [intermediate, root], Start.AddDays(10).AddMinutes(11)), StringComparison.Ordinal);
        Assert.Contains("not at", CertificateChains.Validate(leaf, [intermediate, root], Start.AddDays(10).AddMinutes(-1)), StringComparison.Ordinal);
        Assert.Contains("does not chain", CertificateChains.Validate(leaf, [intermediate, otherRoot], Start.AddDays(10).AddMinutes(5)), StringComparison.Ordinal);
        Assert.Contains("does not chain", CertificateChains.Validate(underNotCa, [notCa, root], Start.AddDays(10).AddMinutes(5)), StringComparison.Ordinal);
    }

    [Fact]
    public void An_intermediate_that_expired_before_the_signing_time_breaks_the_chain()
    {
        using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var root = SelfSigned("CN=root", rootKey, Start, Start.AddYears(5));
        using var intermediateKey = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var intermediate = Issue("CN=intermediate", intermediateKey, root, rootKey, Start, Start.AddDays(5), ca: true);
        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var leaf = Issue("CN=leaf", leafKey, intermediate, intermediateKey, Start.AddDays(10), Start.AddDays(10).AddMinutes(10), ca: false);

        var error = CertificateChains.Validate(leaf, [intermediate, root], Start.AddDays(10).AddMinutes(5));

        Assert.Contains("NotTimeValid", error, StringComparison.Ordinal);
        Assert.Null(CertificateChains.Validate(intermediate, [root], Start.AddDays(4)));
    }

    [Fact]
    public void The_sct_list_of_a_real_fulcio_certificate_is_parsed_and_its_precertificate_rebuilt()
    {
        using var leaf = RealLeaf("rust-happy-path.sigstore.json");
        var extension = leaf.Extensions[CertificateTransparency.SctListOid]!;

        var scts = CertificateTransparency.ParseList(extension.RawData);
        var tbs = CertificateTransparency.PrecertificateTbs(leaf.RawData);

        var sct = Assert.Single(scts);
        Assert.Equal("dd3d306ac6c7113263191e1c99673702a24a5eb8de3cadff878a72802f29ee8e", Convert.ToHexStringLower(sct.LogId)); // ctfe.sigstore.dev/2022
        Assert.Equal(3, sct.SignatureAlgorithm); // ECDSA
        var originalTbs = new AsnReader(leaf.RawData, AsnEncodingRules.DER).ReadSequence().ReadEncodedValue();
        Assert.InRange(tbs.Length, 1, originalTbs.Length - extension.RawData.Length - 12); // the extension and its OID are gone
        Assert.DoesNotContain(CertificateTransparency.SctListOid, ExtensionOids(tbs));
        Assert.Equal(ExtensionOids(originalTbs.ToArray()).Where(o => o != CertificateTransparency.SctListOid), ExtensionOids(tbs));
    }

    [Theory]
    [InlineData("0403000100")] // list length 1 but no room for an SCT length
    [InlineData("040700050003000000")] // SCT shorter than its fields
    [InlineData("04020000ff")] // trailing data after the OCTET STRING
    public void Malformed_sct_lists_are_refused(string hex) =>
        Assert.ThrowsAny<Exception>(() => CertificateTransparency.ParseList(Convert.FromHexString(hex)));

    [Fact]
    public void A_real_rekor_checkpoint_is_parsed()
    {
        using var bundle = JsonDocument.Parse(Fixture.Real("rust-happy-path.sigstore.json"));
        var envelope = bundle.RootElement.GetProperty("verificationMaterial").GetProperty("tlogEntries")[0]
            .GetProperty("inclusionProof").GetProperty("checkpoint").GetProperty("envelope").GetString()!;

        var checkpoint = Checkpoint.Parse(envelope);

        Assert.StartsWith("rekor.sigstore.dev - ", checkpoint.Origin, StringComparison.Ordinal);
        Assert.Equal(32, checkpoint.RootHash.Length);
        var signature = Assert.Single(checkpoint.Signatures);
        Assert.Equal("rekor.sigstore.dev", signature.Name);
        Assert.Equal("c0d23d6a", Convert.ToHexStringLower(signature.KeyHint)); // the log ID's first bytes
        Assert.EndsWith("\n", Encoding.UTF8.GetString(checkpoint.SignedText), StringComparison.Ordinal);
        Assert.DoesNotContain("\n\n", Encoding.UTF8.GetString(checkpoint.SignedText), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("origin\n1\nAAAA\n\u2014 name AAAAAAAA\n")] // no blank line
    [InlineData("origin\nten\nAAAA\n\n\u2014 name AAAAAAAA\n")] // size not a number
    [InlineData("origin\n1\n!!\n\n\u2014 name AAAAAAAA\n")] // root not base64
    [InlineData("origin\n1\nAAAA\n\n")] // not signed
    [InlineData("origin\n1\nAAAA\n\n- name AAAAAAAA\n")] // not an em dash
    [InlineData("origin\n1\nAAAA\n\n\u2014 name AAAA\n")] // no room for hint and signature
    public void Malformed_checkpoints_are_refused(string envelope) =>
        Assert.Throws<FormatException>(() => Checkpoint.Parse(envelope));

    private static IEnumerable<string> ExtensionOids(byte[] tbs)
    {
        var reader = new AsnReader(tbs, AsnEncodingRules.DER).ReadSequence();
        var tag = new Asn1Tag(TagClass.ContextSpecific, 3, isConstructed: true);
        while (reader.HasData)
        {
            if (!reader.PeekTag().HasSameClassAndValue(tag))
            {
                reader.ReadEncodedValue();
                continue;
            }

            var extensions = reader.ReadSequence(tag).ReadSequence();
            var oids = new List<string>();
            while (extensions.HasData)
            {
                oids.Add(extensions.ReadSequence().ReadObjectIdentifier());
            }

            return oids;
        }

        return [];
    }

    private static X509Certificate2 RealLeaf(string bundle)
    {
        using var json = JsonDocument.Parse(Fixture.Real(bundle));
        var raw = json.RootElement.GetProperty("verificationMaterial").GetProperty("certificate").GetProperty("rawBytes").GetString()!;
        return X509CertificateLoader.LoadCertificate(Convert.FromBase64String(raw));
    }

    private static X509Certificate2 Leaf(string? san, Dictionary<int, string> claims, string? legacyIssuer = null, string? email = null,
        X509Extension? extra = null, string eku = "1.3.6.1.5.5.7.3.3")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        if (san is not null)
        {
            names.AddUri(new Uri(san));
        }

        if (email is not null)
        {
            names.AddEmailAddress(email);
        }

        request.CertificateExtensions.Add(names.Build(critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(eku)], false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        if (legacyIssuer is not null)
        {
            request.CertificateExtensions.Add(new X509Extension("1.3.6.1.4.1.57264.1.1", Encoding.UTF8.GetBytes(legacyIssuer), false));
        }

        foreach (var (arc, value) in claims)
        {
            var writer = new AsnWriter(AsnEncodingRules.DER);
            writer.WriteCharacterString(UniversalTagNumber.UTF8String, value);
            request.CertificateExtensions.Add(new X509Extension($"1.3.6.1.4.1.57264.1.{arc}", writer.Encode(), false));
        }

        if (extra is not null)
        {
            request.CertificateExtensions.Add(extra);
        }

        return request.CreateSelfSigned(Start, Start.AddMinutes(10));
    }

    private static X509Certificate2 SelfSigned(string name, ECDsa key, DateTimeOffset from, DateTimeOffset to)
    {
        var request = new CertificateRequest(name, key, HashAlgorithmName.SHA384);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(from, to);
    }

    private static X509Certificate2 Issue(string name, ECDsa key, X509Certificate2 issuer, ECDsa issuerKey, DateTimeOffset from, DateTimeOffset to, bool ca)
    {
        var request = new CertificateRequest(name, key, HashAlgorithmName.SHA384);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(ca, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(ca ? X509KeyUsageFlags.KeyCertSign : X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        var serial = RandomNumberGenerator.GetBytes(8);
        using var signed = request.Create(issuer.SubjectName, X509SignatureGenerator.CreateForECDsa(issuerKey), from, to, serial);
        return X509CertificateLoader.LoadCertificate(signed.RawData);
    }
}
