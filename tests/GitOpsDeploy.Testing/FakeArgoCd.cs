using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GitOpsDeploy.Tests.Fakes;

/// <summary>One answer of the fake: the application's status fields as Argo CD reports them.</summary>
public sealed record ArgoState(string Sync, string? Revision, string Health, string? HealthMessage = null, string? OperationPhase = null, string? OperationMessage = null);

/// <summary>
/// Argo CD's GET /api/v1/applications/{name} on loopback, shaped like the real API (metadata, spec,
/// status.sync, status.health, status.operationState), with bearer auth and Argo's error bodies.
/// Each poll takes the next scripted state; the last one repeats.
/// </summary>
public sealed class FakeArgoCd : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ConcurrentDictionary<string, Func<int, ArgoState>> apps = new();
    private readonly ConcurrentDictionary<string, int> polls = new();
    private readonly ConcurrentDictionary<string, (string RepoUrl, string Path)> sources = new();

    private FakeArgoCd(WebApplication app) => this.app = app;

    public string Url { get; private set; } = string.Empty;

    public string Token { get; set; } = "argocd-session-token-123";

    public ConcurrentQueue<string> Requests { get; } = new();

    public static async Task<FakeArgoCd> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var fake = new FakeArgoCd(app);
        app.MapGet("/api/v1/applications", fake.List);
        app.MapGet("/api/v1/applications/{name}", fake.Get);
        await app.StartAsync();
        fake.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        return fake;
    }

    /// <summary>Scripts an application: poll n (0-based) answers <paramref name="state"/>(n).</summary>
    public void Script(string name, Func<int, ArgoState> state) => apps[name] = state;

    public int Polls(string name) => polls.GetValueOrDefault(name);

    /// <summary>Gives an application its <c>spec.source</c> (an unscripted one answers Synced and Healthy); without it, an application's source is an unrelated repository.</summary>
    public void Source(string name, string repoUrl, string path)
    {
        sources[name] = (repoUrl, path);
        apps.TryAdd(name, _ => new ArgoState("Synced", null, "Healthy"));
    }

    /// <summary>Set: the application list answers this status (a server having trouble) instead of the list.</summary>
    public int? ListFailsWith { get; set; }

    /// <summary>GET /api/v1/applications: the ApplicationList, every application with its metadata and spec.source.</summary>
    private IResult List(HttpContext context)
    {
        Requests.Enqueue($"GET {context.Request.Path}{context.Request.QueryString}");
        if (context.Request.Headers.Authorization.ToString() != $"Bearer {Token}")
        {
            return Results.Json(new { error = "invalid session: token is invalid", code = 16, message = "invalid session: token is invalid" }, statusCode: 401);
        }

        if (ListFailsWith is { } status)
        {
            return Results.Json(new { error = "rpc error: code = Unavailable", code = 14, message = "rpc error: code = Unavailable" }, statusCode: status);
        }

        var items = apps.Keys.Order(StringComparer.Ordinal).Select(name =>
        {
            var (repoUrl, path) = sources.TryGetValue(name, out var source) ? source : ("https://github.com/acme/unrelated.git", $"environments/{name}");
            return new
            {
                metadata = new { name, @namespace = "argocd" },
                spec = new { project = "default", source = new { repoURL = repoUrl, path, targetRevision = "HEAD" } },
            };
        }).ToList();
        return Results.Json(new { metadata = new { resourceVersion = "1" }, items });
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    private IResult Get(HttpContext context, string name)
    {
        Requests.Enqueue($"GET {context.Request.Path}{context.Request.QueryString}");
        if (context.Request.Headers.Authorization.ToString() != $"Bearer {Token}")
        {
            return Results.Json(new { error = "invalid session: token is invalid", code = 16, message = "invalid session: token is invalid" }, statusCode: 401);
        }

        if (!apps.TryGetValue(name, out var script))
        {
            return Results.Json(new { error = $"applications.argoproj.io \"{name}\" not found", code = 5, message = $"applications.argoproj.io \"{name}\" not found" }, statusCode: 404);
        }

        var n = polls.AddOrUpdate(name, 1, (_, v) => v + 1) - 1;
        var s = script(n);
        var body = new Dictionary<string, object?>
        {
            ["metadata"] = new { name, @namespace = "argocd" },
            ["spec"] = new { project = "default", source = new { path = $"environments/{name}", targetRevision = "HEAD" } },
            ["status"] = new Dictionary<string, object?>
            {
                ["sync"] = new { status = s.Sync, revision = s.Revision },
                ["health"] = new { status = s.Health, message = s.HealthMessage },
                ["operationState"] = s.OperationPhase is null ? null : new { phase = s.OperationPhase, message = s.OperationMessage },
            },
        };
        return Results.Text(JsonSerializer.Serialize(body), "application/json");
    }
}
