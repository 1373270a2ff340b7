using System.Text;
using System.Text.Json;

namespace GitOpsDeploy.Sigstore.Tests;

[Trait("Tier", "Unit")]
public sealed class EncodingTests
{
    [Fact]
    public void Pae_is_the_dsse_v1_encoding_with_byte_lengths()
    {
        // The DSSE specification's example.
        Assert.Equal("DSSEv1 29 http://example.com/HelloWorld 11 hello world",
            Encoding.UTF8.GetString(Dsse.PreAuthEncoding("http://example.com/HelloWorld", "hello world"u8)));
        // Lengths count UTF-8 bytes, not characters; an empty payload is allowed.
        Assert.Equal("DSSEv1 2 \u00e9 0 ", Encoding.UTF8.GetString(Dsse.PreAuthEncoding("\u00e9", [])));
        var binary = new byte[] { 0x00, 0xff, 0x20 };
        Assert.Equal([.. "DSSEv1 1 t 3 "u8.ToArray(), .. binary], Dsse.PreAuthEncoding("t", binary));
    }

    [Fact]
    public void Canonical_json_sorts_members_by_utf16_code_units_and_drops_whitespace()
    {
        // RFC 8785 section 3.2.3's sorting example, as keys.
        const string input = """{ "\u20ac": 1, "\r": 2, "\ufb33": 3, "1": 4, "\ud83d\ude00": 5, "\u0080": 6, "\u00f6": 7 }""";
        using var document = JsonDocument.Parse(input);

        var canonical = Encoding.UTF8.GetString(CanonicalJson.Serialize(document.RootElement));

        Assert.Equal("{\"\\r\":2,\"1\":4,\"\u0080\":6,\"\u00f6\":7,\"\u20ac\":1,\"\ud83d\ude00\":5,\"\ufb33\":3}", canonical);
    }

    [Fact]
    public void Canonical_json_escapes_only_what_jcs_escapes_and_keeps_integers_plain()
    {
        const string input = """{"b":[true,false,null,{"z":1,"a":-20}],"a":"q\"\\\n\t\u0001/\u00e9<","n":1234567890123}""";
        using var document = JsonDocument.Parse(input);

        var canonical = Encoding.UTF8.GetString(CanonicalJson.Serialize(document.RootElement));

        Assert.Equal("{\"a\":\"q\\\"\\\\\\n\\t\\u0001/\u00e9<\",\"b\":[true,false,null,{\"a\":-20,\"z\":1}],\"n\":1234567890123}", canonical);
    }

    [Fact]
    public void Canonical_json_refuses_numbers_it_cannot_write_exactly()
    {
        using var document = JsonDocument.Parse("""{"a":1.5}""");

        Assert.Throws<FormatException>(() => CanonicalJson.Serialize(document.RootElement));
    }

    [Fact]
    public void The_signed_entry_timestamp_payload_is_rekors_canonical_form()
    {
        var entry = new TransparencyLogEntry
        {
            LogIndex = 42,
            LogId = Convert.FromHexString("c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d"),
            Kind = "dsse",
            KindVersion = "0.0.1",
            IntegratedTime = 1716578064,
            SignedEntryTimestamp = [1],
            InclusionProof = null,
            CanonicalizedBody = "{\"x\":1}"u8.ToArray(),
        };

        Assert.Equal(
            "{\"body\":\"eyJ4IjoxfQ==\",\"integratedTime\":1716578064,\"logID\":\"c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d\",\"logIndex\":42}",
            Encoding.UTF8.GetString(TransparencyLogVerifier.SignedEntryTimestampPayload(entry)));
    }

    [Theory]
    [InlineData("sha256:AE57936DEF59BC4C75EDD3A837D89BCEFC6D3A5E31D55A6FA7A71624F92C3C3B", "ae57936def59bc4c75edd3a837d89bcefc6d3a5e31d55a6fa7a71624f92c3c3b")]
    [InlineData("ae57936def59bc4c75edd3a837d89bcefc6d3a5e31d55a6fa7a71624f92c3c3b", "ae57936def59bc4c75edd3a837d89bcefc6d3a5e31d55a6fa7a71624f92c3c3b")]
    [InlineData("sha512:ae57936def59bc4c75edd3a837d89bcefc6d3a5e31d55a6fa7a71624f92c3c3b", null)]
    [InlineData("sha256:ae57", null)]
    [InlineData("sha256:zz57936def59bc4c75edd3a837d89bcefc6d3a5e31d55a6fa7a71624f92c3c3b", null)]
    public void Image_digests_are_sha256(string input, string? expected) =>
        Assert.Equal(expected, InTotoStatement.NormalizeDigest(input));

    [Fact]
    public void A_digest_that_is_no_sha256_is_a_caller_error()
    {
        var verifier = new AttestationVerifier();

        Assert.Throws<ArgumentException>(() => verifier.VerifyBundle("{}", "latest", Fixture.Cloud("a/b")));
        Assert.Throws<ArgumentException>(() => verifier.VerifyBundle("{}", new string('a', 64), Fixture.Cloud("a")));
        Assert.Throws<ArgumentException>(() => verifier.VerifyGitHubAttestations("{}", new string('a', 64), Fixture.Cloud("a/b") with { ServerUrl = "github.com" }));
    }

    [Theory]
    [InlineData("https://github.com/Acme/Web/.github/workflows/x.yml", "https://github.com/acme/web/.github/workflows/x.yml", true)]
    [InlineData("https://github.com/acme/web/.github/workflows/X.yml", "https://github.com/acme/web/.github/workflows/x.yml", false)]
    [InlineData("https://github.com/acme/web/.github/workflows/x.yml@refs/heads/main", "https://github.com/acme/web/.github/workflows/x.yml@refs/heads/Main", false)]
    [InlineData("https://github.com/acme/web", "https://GITHUB.com/acme/web", true)]
    [InlineData("https://github.com/acme/web-evil/.github/workflows/x.yml", "https://github.com/acme/web/.github/workflows/x.yml", false)]
    public void Github_urls_compare_owner_and_repository_without_case_and_paths_exactly(string a, string b, bool same) =>
        Assert.Equal(same, PolicyCheck.SameUrl(a, b));
}
