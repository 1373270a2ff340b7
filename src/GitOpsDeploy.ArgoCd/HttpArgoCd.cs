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

    public async Task<ArgoAppStatus> GetAsync(string application, bool refresh, CancellationToken cancellationToken)
    {
        var path = $"api/v1/applications/{Uri.EscapeDataString(application)}" + (refresh ? "?refresh=normal" : string.Empty);
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
                    throw new DeployException(ErrorKind.AuthenticationFailed, $"Argo CD refused argocd-token ({(int)response.StatusCode}); it needs 'applications, get' on {application}");
                case HttpStatusCode.NotFound:
                    throw new DeployException(ErrorKind.NotFound, $"Argo CD has no application '{application}' (or argocd-token cannot see it); set argocd-application");
                default:
                    throw new DeployException(ErrorKind.Transient, $"Argo CD answered {(int)response.StatusCode} for {application}");
            }

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
    }

    public void Dispose() => http.Dispose();
}
