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

/// <summary>One request to the fake and its answer, for the check against Argo CD's API description (ArgoCdSwaggerTests).</summary>
public sealed record ArgoExchange(string Method, string Path, string Query, int Status, string Body);

/// <summary>One answer of the fake: the application's status fields as Argo CD reports them.</summary>
public sealed record ArgoState(string Sync, string? Revision, string Health, string? HealthMessage = null, string? OperationPhase = null, string? OperationMessage = null);

/// <summary>
/// Argo CD's GET /api/v1/applications and /api/v1/applications/{name} on loopback, shaped like the real API
/// (metadata, spec, status.sync, status.health, status.operationState; unset fields left out, as Argo's JSON
/// omits them), with bearer auth and Argo's error bodies (runtimeError). Each poll takes the next scripted state;
/// the last one repeats. Every answer is kept in <see cref="Exchanges"/>: ArgoCdSwaggerTests check them against
/// Argo CD's published API description.
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

    /// <summary>Every request with the answer it got.</summary>
    public ConcurrentQueue<ArgoExchange> Exchanges { get; } = new();

    /// <summary>Argo CD's JSON leaves unset fields out (Go's omitempty): so does the fake.</summary>
    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

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
            return Answer(context, 401, new { error = "invalid session: token is invalid", code = 16, message = "invalid session: token is invalid" });
        }

        if (ListFailsWith is { } status)
        {
            return Answer(context, status, new { error = "rpc error: code = Unavailable", code = 14, message = "rpc error: code = Unavailable" });
        }

        var items = apps.Keys.Order(StringComparer.Ordinal).Select(name =>
        {
            var (repoUrl, path) = SourceOf(name);
            return new
            {
                metadata = new { name, @namespace = "argocd" },
                spec = new { project = "default", source = new { repoURL = repoUrl, path, targetRevision = "HEAD" } },
            };
        }).ToList();
        return Answer(context, 200, new { metadata = new { resourceVersion = "1" }, items });
    }

    private (string RepoUrl, string Path) SourceOf(string name) => sources.TryGetValue(name, out var source) ? source : ("https://github.com/acme/unrelated.git", $"environments/{name}");

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
            return Answer(context, 401, new { error = "invalid session: token is invalid", code = 16, message = "invalid session: token is invalid" });
        }

        if (!apps.TryGetValue(name, out var script))
        {
            return Answer(context, 404, new { error = $"applications.argoproj.io \"{name}\" not found", code = 5, message = $"applications.argoproj.io \"{name}\" not found" });
        }

        var n = polls.AddOrUpdate(name, 1, (_, v) => v + 1) - 1;
        var s = script(n);
        var (repoUrl, path) = SourceOf(name);
        var body = new
        {
            metadata = new { name, @namespace = "argocd" },
            spec = new { project = "default", source = new { repoURL = repoUrl, path, targetRevision = "HEAD" } },
            status = new
            {
                sync = new { status = s.Sync, revision = s.Revision },
                health = new { status = s.Health, message = s.HealthMessage },
                operationState = s.OperationPhase is null ? null : new { phase = s.OperationPhase, message = s.OperationMessage },
            },
        };
        return Answer(context, 200, body);
    }

    private IResult Answer(HttpContext context, int status, object body)
    {
        var text = JsonSerializer.Serialize(body, Json);
        Exchanges.Enqueue(new ArgoExchange(context.Request.Method, context.Request.Path.Value ?? string.Empty, context.Request.QueryString.Value ?? string.Empty, status, text));
        return Results.Text(text, "application/json", statusCode: status);
    }
}
