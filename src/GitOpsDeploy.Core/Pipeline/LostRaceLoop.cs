using GitOpsDeploy.Editing;
using Microsoft.Extensions.Logging;
using GitOpsDeploy.Core.Ports;

namespace GitOpsDeploy.Core.Pipeline;

/// <summary>One attempt of a write: done, or lost to another writer and worth another go.</summary>
internal readonly record struct Attempt<T>(T? Result, string? RetryReason)
    where T : class
{
    public static Attempt<T> Done(T result) => new(result, null);

    public static Attempt<T> Again(string reason) => new(null, reason);
}

/// <summary>
/// The one lost-race loop, for push and pull-request modes alike: each attempt re-reads the branch,
/// re-plans on the new tip and publishes again; bounded, with fully jittered exponential backoff so
/// concurrent pipelines spread out without waiting long.
/// </summary>
/// <param name="jitter">Where the jitter comes from (a test passes its own to see the window's edges).</param>
internal sealed class LostRaceLoop(RetryPolicy policy, TimeProvider time, ILogger logger, Random? jitter = null)
{
    /// <param name="attempt">One attempt, numbered from 1.</param>
    /// <param name="giveUp">What kept failing, for the error after the last attempt.</param>
    public async Task<T> RunAsync<T>(Func<int, Task<Attempt<T>>> attempt, Func<string> giveUp, CancellationToken cancellationToken)
        where T : class
    {
        for (var number = 1; ; number++)
        {
            var outcome = await attempt(number);
            if (outcome.Result is { } done)
            {
                return done;
            }

            if (number >= policy.Attempts)
            {
                throw new DeployException(ErrorKind.Conflict, $"{giveUp()}: gave up after {number} attempts; re-run the job");
            }

            // Full jitter: contenders that lost the same race spread over the whole window instead of colliding again.
            var ceiling = Math.Min(policy.Delay.TotalMilliseconds * Math.Pow(2, number - 1), policy.MaxDelay.TotalMilliseconds);
            var delay = TimeSpan.FromMilliseconds((jitter ?? Random.Shared).NextDouble() * ceiling);
            logger.LogWarning("Retrying on the new tip in {Delay} ms: {Reason}", (int)delay.TotalMilliseconds, outcome.RetryReason);
            await Task.Delay(delay, time, cancellationToken);
        }
    }
}
