using System.Text;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Editing;

namespace GitOpsDeploy.Prometheus;

/// <summary>
/// Pushes to a Prometheus Pushgateway under job <c>gitops_deploy</c>, grouped by environment and
/// repository. The repository contains '/', so its label value goes base64url-encoded in the path
/// (<c>repository@base64/...</c>), which the Pushgateway decodes.
/// </summary>
public sealed class HttpPushgateway(string url) : IMetricsSink, IDisposable
{
    private readonly HttpClient http = new() { Timeout = TimeSpan.FromSeconds(15) };

    public async Task PushAsync(string environment, string repository, string exposition, CancellationToken cancellationToken)
    {
        var target = $"{url.TrimEnd('/')}/metrics/job/gitops_deploy/environment@base64/{Encode(environment)}/repository@base64/{Encode(repository)}";
        using var content = new StringContent(exposition, new UTF8Encoding(false), "text/plain");
        content.Headers.ContentType!.Parameters.Add(new System.Net.Http.Headers.NameValueHeaderValue("version", "0.0.4"));
        HttpResponseMessage response;
        try
        {
            // PUT replaces every metric of this group, so a metric that became n/a does not linger.
            response = await http.PutAsync(target, content, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new DeployException(ErrorKind.Transient, $"the Pushgateway at {url} is unreachable: {e.Message}", e);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                throw new DeployException(ErrorKind.Transient, $"the Pushgateway at {url} answered {(int)response.StatusCode}: {body.Trim()}");
            }
        }
    }

    public void Dispose() => http.Dispose();

    private static string Encode(string value) => Convert.ToBase64String(Encoding.UTF8.GetBytes(value)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
