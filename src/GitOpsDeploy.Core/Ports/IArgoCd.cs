namespace GitOpsDeploy.Core.Ports;

/// <summary>An Argo CD Application's state as GET /api/v1/applications/{name} reports it.</summary>
public sealed record ArgoAppStatus(string? SyncStatus, string? Revision, string? Health, string? HealthMessage, string? OperationPhase, string? OperationMessage);

/// <summary>One git source of an Application (<c>spec.source</c> or an entry of <c>spec.sources</c>).</summary>
public sealed record ArgoSource(string RepoUrl, string? Path);

/// <summary>An Application and the git sources it renders, as GET /api/v1/applications lists it.</summary>
public sealed record ArgoAppSources(string Name, IReadOnlyList<ArgoSource> Sources);

/// <summary>Argo CD's API, read-only.</summary>
public interface IArgoCd
{
    /// <summary>Every application the token can see, with its sources.</summary>
    Task<IReadOnlyList<ArgoAppSources>> ListAsync(CancellationToken cancellationToken);

    /// <summary>Reads an application; <paramref name="refresh"/> asks Argo CD to look at git now (?refresh=normal).</summary>
    Task<ArgoAppStatus> GetAsync(string application, bool refresh, CancellationToken cancellationToken);
}
