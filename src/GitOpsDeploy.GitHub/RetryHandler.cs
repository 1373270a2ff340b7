using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging;

namespace GitOpsDeploy.GitHub;

/// <summary>
/// Retries what can succeed under Octokit: 5xx, network errors, and rate limits (429, or 403 with
/// Retry-After / an exhausted x-ratelimit-remaining: GitHub's secondary rate limit). 4xx answers
/// such as validation errors are returned at once. Waits honour Retry-After and x-ratelimit-reset.
/// </summary>
public sealed class RetryHandler(TimeProvider time, ILogger logger) : DelegatingHandler
{
    public int MaxAttempts { get; init; } = 4;

    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest wait we accept from a rate limit; beyond it the error goes to the user.</summary>
    public TimeSpan MaxWait { get; init; } = TimeSpan.FromSeconds(60);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? null : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        for (var attempt = 1; ; attempt++)
        {
            var message = attempt == 1 ? request : Clone(request, body);
            HttpResponseMessage response;
            try
            {
                response = await base.SendAsync(message, cancellationToken);
            }
            catch (HttpRequestException e) when (attempt < MaxAttempts)
            {
                var wait = Backoff(attempt);
                logger.LogWarning("{Method} {Path} failed ({Reason}); retrying in {Delay} ms", request.Method, request.RequestUri?.AbsolutePath, e.Message, (int)wait.TotalMilliseconds);
                await Task.Delay(wait, time, cancellationToken);
                continue;
            }

            var delay = RetryDelay(response, attempt);
            if (delay is null || attempt >= MaxAttempts)
            {
                return response;
            }

            logger.LogWarning("{Method} {Path} answered {Status}; retrying in {Delay} ms", request.Method, request.RequestUri?.AbsolutePath, (int)response.StatusCode, (int)delay.Value.TotalMilliseconds);
            response.Dispose();
            await Task.Delay(delay.Value, time, cancellationToken);
        }
    }

    private TimeSpan? RetryDelay(HttpResponseMessage response, int attempt)
    {
        var status = (int)response.StatusCode;
        if (status >= 500)
        {
            return Backoff(attempt);
        }

        if (response.StatusCode is not (HttpStatusCode.TooManyRequests or HttpStatusCode.Forbidden))
        {
            return null;
        }

        if (response.Headers.RetryAfter is { } retryAfter)
        {
            var wait = retryAfter.Delta ?? (retryAfter.Date is { } date ? date - time.GetUtcNow() : TimeSpan.Zero);
            return Cap(wait);
        }

        // A 403 is a rate limit only when the quota is exhausted; otherwise it is a real permission error.
        if (Header(response, "x-ratelimit-remaining") == "0")
        {
            var reset = long.TryParse(Header(response, "x-ratelimit-reset"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var epoch)
                ? DateTimeOffset.FromUnixTimeSeconds(epoch) - time.GetUtcNow()
                : Backoff(attempt);
            return Cap(reset);
        }

        return response.StatusCode == HttpStatusCode.TooManyRequests ? Backoff(attempt) : null;
    }

    private TimeSpan? Cap(TimeSpan wait) => wait > MaxWait ? null : wait < TimeSpan.Zero ? TimeSpan.Zero : wait;

    private TimeSpan Backoff(int attempt) =>
        TimeSpan.FromMilliseconds(BaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1) * (0.5 + Random.Shared.NextDouble() / 2));

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

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
