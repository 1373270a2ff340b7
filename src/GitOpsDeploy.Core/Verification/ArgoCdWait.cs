using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Editing;
using Microsoft.Extensions.Logging;

namespace GitOpsDeploy.Core.Verification;

/// <summary>How the wait ended: healthy at our revision, or why not.</summary>
public sealed record ArgoOutcome(bool Healthy, string Reason, ArgoAppStatus? Last)
{
    /// <summary>When a poll first saw the application Synced at our revision (or a later one).</summary>
    public DateTimeOffset? SyncedAt { get; init; }

    /// <summary>When a poll saw it Synced and Healthy there.</summary>
    public DateTimeOffset? HealthyAt { get; init; }
}

/// <summary>
/// Polls the Argo CD Application until it runs our gitops commit (or a descendant of it), Synced and
/// Healthy. Degraded or a failed sync operation at our revision fail at once; the timeout fails with
/// the last state seen. Network errors are retried until the deadline; refused credentials are not.
/// </summary>
internal sealed class ArgoCdWait(IArgoCd argo, TimeProvider time, ILogger logger)
{
    public async Task<ArgoOutcome> WaitAsync(ArgoCdOptions options, string commit, Func<string, Task<bool>> descendsFrom, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + options.Timeout;
        ArgoAppStatus? last = null;
        string? lastError = null;
        DateTimeOffset? syncedAt = null;
        var refresh = true;

        // Answering "descends from ours" takes a clone: ask once per revision, not once per poll.
        var descends = new Dictionary<string, bool>();
        while (true)
        {
            try
            {
                last = await argo.GetAsync(options.Application, refresh, cancellationToken);
                refresh = false;
                lastError = null;
                var ours = last.Revision == commit || (last.Revision is { Length: > 0 } revision
                    && (descends.TryGetValue(revision, out var known) ? known : descends[revision] = await descendsFrom(revision)));
                logger.LogInformation("Argo CD {App}: sync {Sync} at {Revision}, health {Health}{Operation}", options.Application, last.SyncStatus, Short(last.Revision), last.Health,
                    last.OperationPhase is null ? string.Empty : $", operation {last.OperationPhase}");
                if (ours && last.SyncStatus == "Synced")
                {
                    syncedAt ??= time.GetUtcNow();
                }

                if (ours && last.SyncStatus == "Synced" && last.Health == "Healthy")
                {
                    return new ArgoOutcome(true, $"{options.Application} is Synced and Healthy at {Short(last.Revision)}", last) { SyncedAt = syncedAt, HealthyAt = time.GetUtcNow() };
                }

                if (ours && last.Health == "Degraded")
                {
                    return new ArgoOutcome(false, $"{options.Application} is Degraded at {Short(last.Revision)}: {last.HealthMessage ?? "no message"}", last);
                }

                if (last.OperationPhase is "Failed" or "Error")
                {
                    return new ArgoOutcome(false, $"{options.Application} sync {last.OperationPhase}: {last.OperationMessage ?? "no message"}", last);
                }
            }
            catch (DeployException e) when (e.Kind == ErrorKind.Transient)
            {
                lastError = e.Message;
                logger.LogWarning("Argo CD: {Reason}; retrying", e.Message);
            }

            if (time.GetUtcNow() >= deadline)
            {
                // Every poll either answered (last) or failed transiently (lastError): one of them says where it stood.
                var state = lastError ?? $"sync {last!.SyncStatus} at {Short(last.Revision)}, health {last.Health}";
                return new ArgoOutcome(false, $"{options.Application} did not become Synced and Healthy at {Short(commit)} within {options.Timeout.TotalSeconds:0} s (last: {state})", last) { SyncedAt = syncedAt };
            }

            await Task.Delay(options.PollInterval, time, cancellationToken);
        }
    }

    private static string Short(string? sha) => sha is { Length: > 7 } ? sha[..7] : sha ?? "(none)";
}
