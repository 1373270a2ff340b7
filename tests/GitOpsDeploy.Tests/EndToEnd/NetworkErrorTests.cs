using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using GitOpsDeploy.Tests.Fakes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GitOpsDeploy.Tests.EndToEnd;

/// <summary>Failures without an HTTP answer say what to fix (a private CA, an unreachable URL), never "internal error".</summary>
[Trait("Tier", "EndToEnd")]
public sealed class NetworkErrorTests : GitOpsFixture
{
    [Fact]
    public async Task An_unreachable_api_names_the_url_it_could_not_reach()
    {
        var port = ClosedPort();
        var result = await ActionRun.RunAsync(GitHub, Inputs(("token", SourceToken)), new Dictionary<string, string> { ["GITHUB_API_URL"] = $"http://127.0.0.1:{port}/api/v3" });

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"http://127.0.0.1:{port} could not be reached", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("check GITHUB_API_URL", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_untrusted_certificate_says_how_to_trust_a_private_ca()
    {
        await using var tls = await SelfSignedServer.StartAsync();
        var result = await ActionRun.RunAsync(GitHub, Inputs(("token", SourceToken)), new Dictionary<string, string> { ["GITHUB_API_URL"] = tls.Url + "/api/v3" });

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("the TLS certificate of the GitHub host is not trusted", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("SSL_CERT_FILE", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_git_remote_with_an_untrusted_certificate_says_how_to_trust_a_private_ca()
    {
        await using var tls = await SelfSignedServer.StartAsync();
        var result = await ActionRun.RunAsync(GitHub, Inputs(("gitops-repository", tls.Url + "/acme/gitops.git")));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("the server's TLS certificate is not trusted", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("SSL_CERT_FILE", result.Stdout, StringComparison.Ordinal);
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>HTTPS on loopback with a certificate nobody trusts, as a GHES with a private CA looks to a runner.</summary>
    private sealed class SelfSignedServer(WebApplication app, string url) : IAsyncDisposable
    {
        public string Url { get; } = url;

        public static async Task<SelfSignedServer> StartAsync()
        {
            using var key = RSA.Create(2048);
            var request = new CertificateRequest("CN=ghes.example.internal", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var ephemeral = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            var certificate = X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pfx), null);
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseKestrelHttpsConfiguration();
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(certificate)));
            var app = builder.Build();
            app.Run(context => context.Response.WriteAsync("{}"));
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return new SelfSignedServer(app, address.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/'));
        }

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
