using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Editing;

namespace GitOpsDeploy.ArgoCd;

/// <summary>Argo CD's REST API with a bearer token; translates its failures into ours once.</summary>
public sealed class HttpArgoCd : IArgoCd, IDisposable
{
    private readonly HttpClient http;
    private readonly string server;

    public HttpArgoCd(string server, string? token, bool insecure)
    {
        this.server = server.TrimEnd('/');
        var handler = new HttpClientHandler();
        if (insecure)
        {
            // Opt-in (argocd-insecure) for self-signed in-cluster certificates.
            handler.ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator;
        }

        http = new HttpClient(handler) { BaseAddress = new Uri(this.server + "/"), Timeout = TimeSpan.FromSeconds(30) };
        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    public async Task<IReadOnlyList<ArgoAppSources>> ListAsync(CancellationToken cancellationToken)
    {
        // Only the fields the refresh needs: a large installation's full list is megabytes.
        const string Path = "api/v1/applications?fields=items.metadata.name,items.spec.source,items.spec.sources";
        var body = await SendAsync(Path, "the application list", "'applications, get' on the applications to refresh", $"Argo CD at {server} has no application list (api/v1/applications answered 404): check argocd-server", cancellationToken);
        var apps = new List<ArgoAppSources>();
        foreach (var item in JsonNode.Parse(body)?["items"]?.AsArray() ?? [])
        {
            if (item?["metadata"]?["name"]?.GetValue<string>() is not { } name)
            {
                continue;
            }

            var spec = item["spec"];
            var sources = new List<ArgoSource>();
            foreach (var source in new[] { spec?["source"] }.Concat(spec?["sources"]?.AsArray() ?? []))
            {
                if (source?["repoURL"]?.GetValue<string>() is { } repo)
                {
                    sources.Add(new ArgoSource(repo, source["path"]?.GetValue<string>()));
                }
            }

            apps.Add(new ArgoAppSources(name, sources));
        }

        return apps;
    }

    public async Task<ArgoAppStatus> GetAsync(string application, bool refresh, CancellationToken cancellationToken)
    {
        var path = $"api/v1/applications/{Uri.EscapeDataString(application)}" + (refresh ? "?refresh=normal" : string.Empty);
        var body = await SendAsync(path, application, $"'applications, get' on {application}", $"Argo CD has no application '{application}' (or argocd-token cannot see it); set argocd-application", cancellationToken);
        var json = JsonNode.Parse(body);
        var status = json?["status"];
        return new ArgoAppStatus(
            status?["sync"]?["status"]?.GetValue<string>(),
            status?["sync"]?["revision"]?.GetValue<string>(),
            status?["health"]?["status"]?.GetValue<string>(),
            status?["health"]?["message"]?.GetValue<string>(),
            status?["operationState"]?["phase"]?.GetValue<string>(),
            status?["operationState"]?["message"]?.GetValue<string>());
    }

    public async Task<ArgoManifests> ManifestsAsync(string application, string revision, CancellationToken cancellationToken)
    {
        var path = $"api/v1/applications/{Uri.EscapeDataString(application)}/manifests?revision={Uri.EscapeDataString(revision)}";
        var body = await SendAsync(path, $"the manifests of {application} at {revision}", $"'applications, get' on {application}", $"Argo CD has no application '{application}' (or argocd-token cannot see it)", cancellationToken);
        JsonNode? json;
        try
        {
            json = JsonNode.Parse(body);
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new DeployException(ErrorKind.Transient, $"Argo CD answered the manifests of {application} with something that is not JSON", e);
        }

        // repositoryManifestResponse: the API server fills only "manifests" (one JSON document per resource) when it aggregates the sources.
        var manifests = new List<string>();
        foreach (var item in json?["manifests"]?.AsArray() ?? [])
        {
            if (item?.GetValueKind() == System.Text.Json.JsonValueKind.String)
            {
                manifests.Add(item.GetValue<string>());
            }
        }

        return new ArgoManifests(application, json?["revision"]?.GetValue<string>() is { Length: > 0 } resolved ? resolved : revision, manifests);
    }

    /// <summary>One GET, its failures translated: refused token, no such application, anything else transient (with Argo CD's own message, cut).</summary>
    private async Task<string> SendAsync(string path, string what, string permission, string notFound, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.GetAsync(path, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new DeployException(ErrorKind.Transient, $"Argo CD at {server} is unreachable: {e.Message}", e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new DeployException(ErrorKind.Transient, $"Argo CD at {server} did not answer in time", e);
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            switch (response.StatusCode)
            {
                case HttpStatusCode.OK:
                    break;
                case HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden:
                    throw new DeployException(ErrorKind.AuthenticationFailed, $"Argo CD refused argocd-token ({(int)response.StatusCode}); it needs {permission}");
                case HttpStatusCode.NotFound:
                    throw new DeployException(ErrorKind.NotFound, notFound);
                default:
                    throw new DeployException(ErrorKind.Transient, $"Argo CD answered {(int)response.StatusCode} for {what}{Said(body)}");
            }

            return body;
        }
    }

    /// <summary>Argo CD's error message (runtimeError.message), on one line and cut: ": it said ...", or nothing.</summary>
    private static string Said(string body)
    {
        try
        {
            if (JsonNode.Parse(body)?["message"] is { } message && message.GetValueKind() == System.Text.Json.JsonValueKind.String && message.GetValue<string>() is { Length: > 0 } text)
            {
                var line = text.ReplaceLineEndings(" ");
                return ": " + (line.Length > 400 ? line[..400] + "..." : line);
            }
        }
        catch (System.Text.Json.JsonException)
        {
        }

        return string.Empty;
    }

    public void Dispose() => http.Dispose();
}
