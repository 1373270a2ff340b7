namespace GitOpsDeploy.Core.Ports;

/// <summary>An Argo CD Application's state as GET /api/v1/applications/{name} reports it.</summary>
public sealed record ArgoAppStatus(string? SyncStatus, string? Revision, string? Health, string? HealthMessage, string? OperationPhase, string? OperationMessage);

/// <summary>Argo CD's API, read-only.</summary>
public interface IArgoCd
{
    /// <summary>Reads an application; <paramref name="refresh"/> asks Argo CD to look at git now (?refresh=normal).</summary>
    Task<ArgoAppStatus> GetAsync(string application, bool refresh, CancellationToken cancellationToken);
}
