using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace GitOpsDeploy.GitHub;

/// <summary>
/// Retries, under Octokit, what is safe to send twice when GitHub answered 5xx or the network failed:
/// reads (GET, HEAD, GraphQL queries) and requests whose repetition changes nothing (PUT, PATCH,
/// DELETE, git objects, labels, reviewers). A request that creates something (a deployment, a status,
/// a pull request, a comment, a GraphQL mutation) is never sent again here: the first may have taken
/// effect, so the adapter that made it checks what GitHub holds before it tries again. Rate limits are
/// not waited out here either (see <see cref="RateLimitGate"/>): each attempt is bounded by Octokit's
/// 100-second request timeout, which a wait of minutes would overrun.
/// </summary>
public sealed class RetryHandler(TimeProvider time, ILogger logger) : DelegatingHandler
{
    public int MaxAttempts { get; init; } = 4;

    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    private static readonly string[] RepeatablePosts = ["/git/commits", "/git/blobs", "/git/trees", "/labels", "/requested_reviewers"];

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? null : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        var repeatable = Repeatable(request, body);
        for (var attempt = 1; ; attempt++)
        {
            // A request message can be sent once: every retry sends a copy.
            var message = attempt == 1 ? request : Clone(request, body);
            HttpResponseMessage response;
            try
            {
                response = await base.SendAsync(message, cancellationToken);
            }
            catch (HttpRequestException e) when (repeatable && attempt < MaxAttempts)
            {
                var pause = Backoff(attempt);
                logger.LogWarning("{Method} {Path} failed ({Reason}); retrying in {Delay} ms", request.Method, request.RequestUri?.AbsolutePath, e.Message, (int)pause.TotalMilliseconds);
                await Task.Delay(pause, time, cancellationToken);
                continue;
            }

            if ((int)response.StatusCode < 500 || !repeatable || attempt >= MaxAttempts)
            {
                return response;
            }

            var delay = Backoff(attempt);
            logger.LogWarning("{Method} {Path} answered {Status}; retrying in {Delay} ms", request.Method, request.RequestUri?.AbsolutePath, (int)response.StatusCode, (int)delay.TotalMilliseconds);
            response.Dispose();
            await Task.Delay(delay, time, cancellationToken);
        }
    }

    /// <summary>Whether sending this request twice is the same as sending it once.</summary>
    public static bool Repeatable(HttpRequestMessage request, byte[]? body)
    {
        if (request.Method != HttpMethod.Post)
        {
            return true;
        }

        var path = request.RequestUri?.AbsolutePath ?? string.Empty;
        if (path.EndsWith("/graphql", StringComparison.Ordinal))
        {
            return body is not null && IsQuery(body);
        }

        return RepeatablePosts.Any(p => path.EndsWith(p, StringComparison.Ordinal));
    }

    /// <summary>A GraphQL document whose operation is a query (a mutation may have taken effect).</summary>
    private static bool IsQuery(byte[] body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            var text = json.RootElement.GetProperty("query").GetString()?.TrimStart() ?? string.Empty;
            return text.StartsWith('{') || text.StartsWith("query", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return false;
        }
    }

    private TimeSpan Backoff(int attempt) =>
        TimeSpan.FromMilliseconds(BaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1) * (0.5 + Random.Shared.NextDouble() / 2));

    private static HttpRequestMessage Clone(HttpRequestMessage request, byte[]? body)
    {
        var clone = new HttpRequestMessage(request.Method, request.RequestUri) { Version = request.Version };
        foreach (var header in request.Headers)
        {
            clone.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        if (body is not null)
        {
            clone.Content = new ByteArrayContent(body);
            foreach (var header in request.Content!.Headers)
            {
                clone.Content.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        return clone;
    }
}
