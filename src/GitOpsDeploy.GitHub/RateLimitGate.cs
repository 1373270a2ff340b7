using System.Globalization;
using System.Net;
using GitOpsDeploy.Editing;
using Microsoft.Extensions.Logging;
using Octokit;

namespace GitOpsDeploy.GitHub;

/// <summary>
/// Waits out GitHub's rate limits between attempts of one call: 429, or 403 with <c>retry-after</c>
/// (the secondary limit on content-generating requests) or an exhausted <c>x-ratelimit-remaining</c>
/// (wait until <c>x-ratelimit-reset</c>). The waits happen here, outside Octokit: every Octokit
/// request has its own 100-second timeout, and a wait inside it would end the call (and, before this,
/// the process) instead of the wait. A rate-limited request was not carried out, so sending it again is
/// safe whatever it does. Waits are bounded by <see cref="Budget"/> per call, and honour cancellation.
/// </summary>
public sealed class RateLimitGate(TimeProvider time, ILogger logger)
{
    /// <summary>A bound on waits for one call, should GitHub keep answering "retry after 0".</summary>
    private const int MaxWaits = 50;

    /// <summary>How long one call may spend waiting out rate limits in total; beyond it the error goes to the user.</summary>
    public TimeSpan Budget { get; init; } = TimeSpan.FromMinutes(10);

    public async Task<T> RunAsync<T>(Func<Task<T>> call, string what, CancellationToken cancellationToken)
    {
        var waited = TimeSpan.Zero;
        for (var waits = 0; ; waits++)
        {
            try
            {
                return await call().WaitAsync(cancellationToken);
            }
            catch (ApiException e) when (WaitOf(e) is { } asked && waits < MaxWaits && waited + asked <= Budget)
            {
                // Many runs share one identity and were told the same moment: spread them a little past it.
                var wait = asked + TimeSpan.FromMilliseconds(Math.Min(asked.TotalMilliseconds / 4, 5000) * Random.Shared.NextDouble());
                logger.LogWarning("Could not {What} yet: GitHub's rate limit ({Status}); waiting {Seconds} s as GitHub asks", what, (int)e.StatusCode, (int)Math.Ceiling(wait.TotalSeconds));
                await Task.Delay(wait, time, cancellationToken);
                waited += wait;
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                // Octokit's own per-request timeout, not the run's cancellation.
                throw new DeployException(ErrorKind.Transient, $"could not {what}: GitHub did not answer within 100 seconds", e);
            }
        }
    }

    /// <summary>How long GitHub asks us to wait, or null when the answer is not a rate limit.</summary>
    public TimeSpan? WaitOf(ApiException e)
    {
        if (e.StatusCode is not (HttpStatusCode.TooManyRequests or HttpStatusCode.Forbidden) || e.HttpResponse?.Headers is not { } headers)
        {
            return null;
        }

        string? Header(string name) => headers.FirstOrDefault(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;
        if (Header("retry-after") is { } retryAfter)
        {
            var wait = int.TryParse(retryAfter, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) ? TimeSpan.FromSeconds(seconds)
                : DateTimeOffset.TryParse(retryAfter, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at - time.GetUtcNow()
                : TimeSpan.FromSeconds(60);
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }

        // A 403 is a rate limit only when the quota is exhausted; otherwise it is a real permission error.
        if (Header("x-ratelimit-remaining") == "0")
        {
            var reset = long.TryParse(Header("x-ratelimit-reset"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var epoch)
                ? DateTimeOffset.FromUnixTimeSeconds(epoch) - time.GetUtcNow()
                : TimeSpan.FromSeconds(60);
            return reset < TimeSpan.Zero ? TimeSpan.Zero : reset;
        }

        return e.StatusCode == HttpStatusCode.TooManyRequests ? TimeSpan.FromSeconds(60) : null;
    }
}
