namespace GitOpsDeploy.Sigstore.Tests;

[Trait("Tier", "Unit")]
public sealed class TrustedRootTests
{
    [Fact]
    public void The_embedded_public_good_root_has_fulcio_rekor_ct_and_tsa_material()
    {
        var root = TrustedRoot.PublicGood;

        Assert.Equal("Sigstore public-good", root.Name);
        Assert.Equal(2, root.CertificateAuthorities.Count);
        Assert.Equal(2, root.CertificateTransparencyLogs.Count);
        Assert.Single(root.TimestampAuthorities);
        Assert.Equal(2, root.TransparencyLogs.Count);
        var rekor = Assert.Single(root.TransparencyLogs, l => l.Unsupported() is null);
        Assert.Equal("rekor.sigstore.dev", rekor.Origin);
        Assert.Equal("c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d", Convert.ToHexStringLower(rekor.LogId));
        Assert.Equal(rekor.LogId, rekor.Key.KeyId()); // a Rekor v1 log ID is the SHA-256 of its key
        // Rekor v2 signs checkpoints with Ed25519, which the framework cannot verify: kept, and said so.
        Assert.Contains("Ed25519", Assert.Single(root.TransparencyLogs, l => l.Unsupported() is not null).Unsupported(), StringComparison.Ordinal);
        Assert.Null(root.CertificateAuthorities[1].ValidFor.End);
        Assert.Equal(new DateTimeOffset(2022, 12, 31, 23, 59, 59, 999, TimeSpan.Zero), root.CertificateAuthorities[0].ValidFor.End);
    }

    [Fact]
    public void The_embedded_github_root_has_fulcio_and_tsa_generations_and_no_logs()
    {
        var root = TrustedRoot.GitHub;

        Assert.Equal("GitHub", root.Name);
        Assert.True(root.CertificateAuthorities.Count >= 6);
        Assert.Equal(root.CertificateAuthorities.Count, root.TimestampAuthorities.Count);
        Assert.Empty(root.TransparencyLogs);
        Assert.Empty(root.CertificateTransparencyLogs);
        Assert.All(root.CertificateAuthorities, ca => Assert.Equal("fulcio.githubapp.com", ca.Uri));
    }

    [Fact]
    public void A_newer_root_is_loaded_from_a_file_as_json_or_as_the_json_lines_of_gh_attestation_trusted_root()
    {
        var directory = Directory.CreateTempSubdirectory("trusted-root-").FullName;
        try
        {
            var single = Path.Combine(directory, "trusted_root.json");
            File.WriteAllText(single, Fixture.EmbeddedRoot("github.json"));
            var lines = Path.Combine(directory, "roots.jsonl");
            File.WriteAllText(lines, string.Join('\n',
                System.Text.Json.Nodes.JsonNode.Parse(Fixture.EmbeddedRoot("public-good.json"))!.ToJsonString(),
                System.Text.Json.Nodes.JsonNode.Parse(Fixture.EmbeddedRoot("github.json"))!.ToJsonString()) + "\n");

            var one = Assert.Single(TrustedRoot.LoadFile(single));
            var two = TrustedRoot.LoadFile(lines);

            Assert.Equal("trusted_root.json", one.Name);
            Assert.Equal(6, one.CertificateAuthorities.Count);
            Assert.Equal(["roots.jsonl line 1", "roots.jsonl line 2"], two.Select(r => r.Name));
            Assert.Equal(2, two[0].TransparencyLogs.Count);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("""{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}""")]
    [InlineData("""{"certificateAuthorities":[]}""")]
    [InlineData("""{"certificateAuthorities":[{"certChain":{"certificates":[{"rawBytes":"AAAA"}]}}]}""")]
    [InlineData("""{"certificateAuthorities":[{"certChain":{"certificates":[]}}]}""")]
    public void What_is_no_trusted_root_is_refused_with_a_format_error(string json) =>
        Assert.Throws<FormatException>(() => TrustedRoot.Parse(json));

    [Fact]
    public void Validity_periods_include_their_ends_and_open_ends_last()
    {
        var period = new ValidityPeriod(new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2024, 2, 1, 0, 0, 0, TimeSpan.Zero));

        Assert.True(period.Contains(period.Start));
        Assert.True(period.Contains(period.End!.Value));
        Assert.False(period.Contains(period.End.Value.AddTicks(1)));
        Assert.False(period.Contains(period.Start.AddTicks(-1)));
        Assert.True((period with { End = null }).Contains(DateTimeOffset.MaxValue));
    }
}
