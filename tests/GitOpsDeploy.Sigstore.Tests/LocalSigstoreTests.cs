namespace GitOpsDeploy.Sigstore.Tests;

/// <summary>
/// Timestamp-only bundles (the shape of GitHub's private instance) minted in-process, so the TSA and
/// certificate-time checks are covered where node is missing too.
/// </summary>
[Trait("Tier", "Unit")]
public sealed class LocalSigstoreTests : IDisposable
{
    private static readonly string Digest = new('a', 64);
    private static readonly AttestationPolicy Policy = Fixture.Cloud("acme/web");
    private readonly LocalSigstore _sigstore = new();

    public void Dispose() => _sigstore.Dispose();

    private AttestationVerificationResult Verify(string bundle, bool withCtLog = false) =>
        new AttestationVerifier([_sigstore.TrustedRoot(withCtLog)], new FixedTime(LocalSigstore.Epoch.AddDays(1))).VerifyBundle(bundle, Digest, Policy);

    [Fact]
    public void A_bundle_timestamped_inside_its_certificates_ten_minutes_verifies()
    {
        var result = Verify(_sigstore.Bundle(Digest, LocalSigstore.Epoch, LocalSigstore.Epoch.AddMinutes(3)));

        Assert.True(result.IsVerified, result.ToString());
        Assert.Equal(TimeProof.TimestampAuthority, result.TimeProof);
        Assert.Equal(LocalSigstore.Epoch.AddMinutes(3), result.SigningTime);
        Assert.Null(result.LogIndex);
    }

    [Fact]
    public void A_timestamp_after_the_certificate_expired_is_refused()
    {
        var result = Verify(_sigstore.Bundle(Digest, LocalSigstore.Epoch, LocalSigstore.Epoch.AddMinutes(11)));

        Assert.Equal(VerificationCheck.CertificateChain, result.FailedCheck);
        Assert.Contains("not at 2025-06-01T12:11:00Z", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_timestamp_signed_by_another_tsa_certificate_with_the_same_name_is_refused()
    {
        var result = Verify(_sigstore.Bundle(Digest, LocalSigstore.Epoch, LocalSigstore.Epoch.AddMinutes(1), rogueTsa: true));

        Assert.Equal(VerificationCheck.TimestampAuthority, result.FailedCheck);
        Assert.Contains("not by the authority's certificate", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void When_the_root_lists_ct_logs_a_certificate_without_sct_is_refused()
    {
        var result = Verify(_sigstore.Bundle(Digest, LocalSigstore.Epoch, LocalSigstore.Epoch.AddMinutes(1)), withCtLog: true);

        Assert.Equal(VerificationCheck.CertificateTransparency, result.FailedCheck);
        Assert.Contains("no signed certificate timestamp", result.Reason, StringComparison.Ordinal);
    }
}
