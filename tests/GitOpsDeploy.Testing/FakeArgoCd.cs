using System.Collections.Concurrent;
using System.Diagnostics;
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
/// GET /api/v1/applications/{name}/manifests?revision= renders like Argo CD's repo-server: the real
/// <c>kubectl kustomize</c> on the application's path in a checkout of the given revision of a real
/// repository, each resource as one JSON string with keys sorted (converted by Python's YAML loader, not by
/// the action's code), the annotation-tracking id set, a Secret's stringData folded into data and every
/// value hidden as "++++++++"; the answer is <c>{"manifests": [...]}</c> only, as the API server aggregates it
/// (repositoryManifestResponse's other fields stay empty and encoding/json omits them).
/// </summary>
public sealed class FakeArgoCd : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ConcurrentDictionary<string, Func<int, ArgoState>> apps = new();
    private readonly ConcurrentDictionary<string, int> polls = new();
    private readonly ConcurrentDictionary<string, (string RepoUrl, string Path)> sources = new();
    private readonly ConcurrentDictionary<string, string> clonable = new();

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
        app.MapGet("/api/v1/applications/{name}/manifests", fake.Manifests);
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

    /// <summary>
    /// Gives an application its <c>spec.source</c> and the repository its repo-server clones (a bare repository's
    /// path, reachable as <paramref name="repoUrl"/>): its manifests are rendered from there at the asked revision.
    /// </summary>
    public void Source(string name, string repoUrl, string path, string clonePath)
    {
        Source(name, repoUrl, path);
        clonable[name] = clonePath;
    }

    /// <summary>True when this machine has what the manifests endpoint renders with (kubectl, python3 with PyYAML, git).</summary>
    public static bool CanRender { get; } = Runs("kubectl", "version", "--client") && Runs("python3", "-c", "import yaml") && Runs("git", "--version");

    /// <summary>Set: the manifests endpoint answers this status with Argo CD's error body (a repo-server having trouble).</summary>
    public int? ManifestsFailWith { get; set; }

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

    /// <summary>GET /api/v1/applications/{name}/manifests?revision=: what the repo-server renders at that revision.</summary>
    private async Task<IResult> Manifests(HttpContext context, string name)
    {
        Requests.Enqueue($"GET {context.Request.Path}{context.Request.QueryString}");
        if (context.Request.Headers.Authorization.ToString() != $"Bearer {Token}")
        {
            return Error(context, "invalid session: token is invalid", 16, 401);
        }

        if (!apps.ContainsKey(name))
        {
            return Error(context, $"applications.argoproj.io \"{name}\" not found", 5, 404);
        }

        if (ManifestsFailWith is { } failure)
        {
            return Error(context, "error generating manifests: rpc error: code = Unavailable desc = connection error: desc = \"transport: Error while dialing: dial tcp 10.96.0.12:8081: connect: connection refused\"", 14, failure);
        }

        var revision = context.Request.Query["revision"].FirstOrDefault() is { Length: > 0 } asked ? asked : "HEAD";
        if (!clonable.TryGetValue(name, out var repository) || !sources.TryGetValue(name, out var source))
        {
            return Error(context, "error generating manifests: rpc error: code = Unknown desc = failed to list refs: repository not found", 2, 500);
        }

        var checkout = Directory.CreateTempSubdirectory("fake-argocd-repo-server-").FullName;
        try
        {
            var (cloned, _, cloneError) = await RunAsync("git", checkout, null, "clone", "--quiet", "--no-checkout", repository, ".");
            var (checkedOut, _, checkoutError) = cloned == 0 ? await RunAsync("git", checkout, null, "checkout", "--quiet", "--detach", revision) : (cloned, string.Empty, cloneError);
            if (checkedOut != 0)
            {
                return Error(context, $"error generating manifests: rpc error: code = Internal desc = Failed to checkout revision {revision}: {checkoutError.Trim()}", 13, 500);
            }

            var (built, yaml, buildError) = await RunAsync("kubectl", checkout, null, "kustomize", source.Path);
            if (built != 0)
            {
                return Error(context, $"error generating manifests: rpc error: code = Unknown desc = Manifest generation error (cached): `kustomize build <path to cached source>/{source.Path}` failed exit status 1: {buildError.Trim()}", 2, 500);
            }

            var (converted, json, convertError) = await RunAsync("python3", checkout, yaml, "-c", RepoServerScript, name);
            if (converted != 0)
            {
                throw new InvalidOperationException("the fake's YAML to JSON conversion failed: " + convertError);
            }

            // Only what the API server aggregates (repositoryManifestResponse): the manifests, one JSON document each.
            return Answer(context, 200, new { manifests = json.Split('\n', StringSplitOptions.RemoveEmptyEntries) });
        }
        finally
        {
            Directory.Delete(checkout, recursive: true);
        }
    }

    /// <summary>
    /// The repo-server's part after kustomize, in Python so that the conversion is not the action's own: YAML to
    /// objects (PyYAML, YAML 1.1 like Go's yaml.v2 behind sigs.k8s.io/yaml), the tracking-id annotation
    /// (APP:GROUP/KIND:NAMESPACE/NAME), a core Secret's stringData folded into base64 data and every data value
    /// replaced by pluses (gitops-engine's HideSecretData), then JSON with sorted keys (Go's encoding/json).
    /// </summary>
    private const string RepoServerScript = """
        import base64, json, sys, yaml
        app = sys.argv[1]
        for doc in yaml.safe_load_all(sys.stdin):
            if not isinstance(doc, dict):
                continue
            meta = doc.setdefault("metadata", {})
            api = doc.get("apiVersion", "")
            group = api.split("/")[0] if "/" in api else ""
            meta.setdefault("annotations", {})["argocd.argoproj.io/tracking-id"] = "%s:%s/%s:%s/%s" % (app, group, doc.get("kind", ""), meta.get("namespace", ""), meta.get("name", ""))
            if doc.get("kind") == "Secret" and group == "":
                data = doc.get("data") or {}
                for k, v in (doc.pop("stringData", None) or {}).items():
                    data[k] = base64.b64encode(str(v).encode()).decode()
                if data:
                    doc["data"] = {k: "++++++++" for k in data}
            print(json.dumps(doc, sort_keys=True, separators=(",", ":"), default=str))
        """;

    /// <summary>Argo CD's error body (runtimeError: error, code, message), recorded like every other answer.</summary>
    private IResult Error(HttpContext context, string message, int code, int status) => Answer(context, status, new { error = message, code, message });

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string executable, string directory, string? stdin, params string[] arguments)
    {
        var start = new ProcessStartInfo(executable) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(stdin ?? string.Empty);
        process.StandardInput.Close();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout, await stderr);
    }

    private static bool Runs(string executable, params string[] arguments)
    {
        try
        {
            return RunAsync(executable, Path.GetTempPath(), null, arguments).GetAwaiter().GetResult().ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
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
