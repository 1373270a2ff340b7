using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging;

namespace GitOpsDeploy.GitHub;

/// <summary>
/// Retries what can succeed under Octokit: 5xx and network errors (a few attempts), and rate limits
/// (429, or 403 with Retry-After / an exhausted x-ratelimit-remaining: GitHub's secondary rate
/// limit), waited out as GitHub asks within <see cref="RateLimitBudget"/>. Other 4xx answers, such
/// as validation errors, are returned at once.
/// </summary>
public sealed class RetryHandler(TimeProvider time, ILogger logger) : DelegatingHandler
{
    public int MaxAttempts { get; init; } = 4;

    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long one request may spend waiting out rate limits in total (secondary limits say "retry
    /// after"); those waits do not count as attempts. Beyond it the error goes to the user.
    /// </summary>
    public TimeSpan RateLimitBudget { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>A bound on rate-limit waits for one request, should GitHub keep answering "retry after 0".</summary>
    private const int MaxRateLimitWaits = 50;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? null : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        var waited = TimeSpan.Zero;
        var limited = 0;
        var sent = 0;
        for (var attempt = 1; ; attempt++)
        {
            // A request message can be sent once: every retry sends a copy.
            var message = sent++ == 0 ? request : Clone(request, body);
            HttpResponseMessage response;
            try
            {
                response = await base.SendAsync(message, cancellationToken);
            }
            catch (HttpRequestException e) when (attempt < MaxAttempts)
            {
                var pause = Backoff(attempt);
                logger.LogWarning("{Method} {Path} failed ({Reason}); retrying in {Delay} ms", request.Method, request.RequestUri?.AbsolutePath, e.Message, (int)pause.TotalMilliseconds);
                await Task.Delay(pause, time, cancellationToken);
                continue;
            }

            if (RateLimitWait(response, attempt) is { } wait && limited < MaxRateLimitWaits)
            {
                // Many runs share one identity and were told the same moment: spread them a little past it.
                wait += TimeSpan.FromMilliseconds(Math.Min(wait.TotalMilliseconds / 4, 5000) * Random.Shared.NextDouble());
                if (waited + wait > RateLimitBudget)
                {
                    return response;
                }

                (waited, limited, attempt) = (waited + wait, limited + 1, attempt - 1);
                logger.LogWarning("{Method} {Path} hit GitHub's rate limit ({Status}); waiting {Seconds} s as GitHub asks", request.Method, request.RequestUri?.AbsolutePath, (int)response.StatusCode, (int)Math.Ceiling(wait.TotalSeconds));
                response.Dispose();
                await Task.Delay(wait, time, cancellationToken);
                continue;
            }

            var delay = (int)response.StatusCode >= 500 || response.StatusCode == HttpStatusCode.TooManyRequests ? Backoff(attempt) : (TimeSpan?)null;
            if (delay is null || attempt >= MaxAttempts)
            {
                return response;
            }

            logger.LogWarning("{Method} {Path} answered {Status}; retrying in {Delay} ms", request.Method, request.RequestUri?.AbsolutePath, (int)response.StatusCode, (int)delay.Value.TotalMilliseconds);
            response.Dispose();
            await Task.Delay(delay.Value, time, cancellationToken);
        }
    }

    /// <summary>How long GitHub asks us to wait: Retry-After, or an exhausted quota's x-ratelimit-reset. Null: not a rate limit.</summary>
    private TimeSpan? RateLimitWait(HttpResponseMessage response, int attempt)
    {
        if (response.StatusCode is not (HttpStatusCode.TooManyRequests or HttpStatusCode.Forbidden))
        {
            return null;
        }

        if (response.Headers.RetryAfter is { } retryAfter)
        {
            var wait = retryAfter.Delta ?? (retryAfter.Date is { } date ? date - time.GetUtcNow() : TimeSpan.Zero);
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }

        // A 403 is a rate limit only when the quota is exhausted; otherwise it is a real permission error.
        if (Header(response, "x-ratelimit-remaining") == "0")
        {
            var reset = long.TryParse(Header(response, "x-ratelimit-reset"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var epoch)
                ? DateTimeOffset.FromUnixTimeSeconds(epoch) - time.GetUtcNow()
                : Backoff(attempt);
            return reset < TimeSpan.Zero ? TimeSpan.Zero : reset;
        }

        return null;
    }

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
