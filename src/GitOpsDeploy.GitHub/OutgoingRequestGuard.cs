using System.Net.Http.Headers;
using System.Text;
using GitOpsDeploy.Core.Text;

namespace GitOpsDeploy.GitHub;

/// <summary>
/// The last look at every request before it leaves for GitHub (redirected ones included: Octokit sends
/// each hop through this handler). Credentials go only to the configured origins (scheme, host and port:
/// Octokit's own redirect rule compares hosts only), and registered secrets are masked in request bodies,
/// so an error text that echoes a token cannot be published as a deployment description or PR comment.
/// </summary>
public sealed class OutgoingRequestGuard(IReadOnlyCollection<Uri> trustedOrigins, SecretMasker masker) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.RequestUri is not { } uri || !trustedOrigins.Any(o => SameOrigin(o, uri)))
        {
            request.Headers.Authorization = null;
        }

        if (request.Content is { } content && IsText(content.Headers.ContentType))
        {
            var text = await content.ReadAsStringAsync(cancellationToken);
            var masked = masker.MaskJson(text);
            if (masked != text)
            {
                var replacement = new StringContent(masked, Encoding.UTF8);
                replacement.Headers.ContentType = content.Headers.ContentType;
                request.Content = replacement;
            }
        }

        try
        {
            return await base.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException e) when (request.RequestUri is { } target)
        {
            // .NET's text says what failed, not where: name the origin (never the path or query).
            throw new HttpRequestException(e.HttpRequestError, $"{target.GetLeftPart(UriPartial.Authority)} could not be reached: {e.Message}", e, e.StatusCode);
        }
    }

    public static bool SameOrigin(Uri a, Uri b) =>
        string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(a.IdnHost, b.IdnHost, StringComparison.OrdinalIgnoreCase)
        && a.Port == b.Port;

    /// <summary>Octokit sends its JSON bodies labelled application/x-www-form-urlencoded: every body but raw bytes is text here.</summary>
    private static bool IsText(MediaTypeHeaderValue? type) => type?.MediaType is not "application/octet-stream";
}
