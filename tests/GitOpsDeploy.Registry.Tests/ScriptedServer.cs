using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GitOpsDeploy.Registry.Tests;

/// <summary>One request a scripted server received.</summary>
public sealed record SeenRequest(string Method, string PathAndQuery, string? Authorization, string? Accept);

/// <summary>
/// A Kestrel server on a loopback address (127.0.0.1, or 127.0.0.2 as "another host") answering with a script,
/// for what a real registry will not do on demand: leave out the digest header, fail with 5xx, redirect, stall,
/// serve TLS with an untrusted certificate.
/// </summary>
public sealed class ScriptedServer : IAsyncDisposable
{
    private readonly WebApplication app;

    private ScriptedServer(WebApplication app, Func<HttpContext, Task> script)
    {
        this.app = app;
        Script = script;
    }

    public Func<HttpContext, Task> Script { get; set; }

    /// <summary><c>http://127.0.0.1:PORT</c> (or https).</summary>
    public Uri Url { get; private set; } = null!;

    /// <summary><c>127.0.0.1:PORT</c>: the registry host for references.</summary>
    public string Host => Url.Authority;

    public ConcurrentQueue<SeenRequest> Requests { get; } = new();

    public X509Certificate2? Certificate { get; private init; }

    public static async Task<ScriptedServer> StartAsync(Func<HttpContext, Task> script, string address = "127.0.0.1", bool https = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var certificate = https ? SelfSigned() : null;
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Parse(address), 0, listen =>
        {
            if (certificate is not null)
            {
                listen.UseHttps(certificate);
            }
        }));
        var app = builder.Build();
        var server = new ScriptedServer(app, script) { Certificate = certificate };
        app.Run(async context =>
        {
            server.Requests.Enqueue(new SeenRequest(
                context.Request.Method,
                context.Request.Path + context.Request.QueryString,
                context.Request.Headers.Authorization.Count == 0 ? null : context.Request.Headers.Authorization.ToString(),
                context.Request.Headers.Accept.Count == 0 ? null : context.Request.Headers.Accept.ToString()));
            await server.Script(context);
        });
        await app.StartAsync();
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Url = new Uri(bound.Replace("[::]", address, StringComparison.Ordinal));
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        Certificate?.Dispose();
    }

    private static X509Certificate2 SelfSigned()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var ephemeral = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        // Kestrel needs a key it can use for the handshake: a PFX round trip gives it one.
        return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pfx), null);
    }
}
