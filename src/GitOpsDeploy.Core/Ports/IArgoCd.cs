namespace GitOpsDeploy.Core.Ports;

/// <summary>An Argo CD Application's state as GET /api/v1/applications/{name} reports it.</summary>
public sealed record ArgoAppStatus(string? SyncStatus, string? Revision, string? Health, string? HealthMessage, string? OperationPhase, string? OperationMessage);

/// <summary>One git source of an Application (<c>spec.source</c> or an entry of <c>spec.sources</c>).</summary>
public sealed record ArgoSource(string RepoUrl, string? Path);

/// <summary>An Application and the git sources it renders, as GET /api/v1/applications lists it.</summary>
public sealed record ArgoAppSources(string Name, IReadOnlyList<ArgoSource> Sources);

/// <summary>
/// What Argo CD's repo-server renders for an application at a revision (GET /api/v1/applications/{name}/manifests?revision=):
/// one JSON object per resource, with Argo CD's tracking metadata set and every Secret's values hidden.
/// </summary>
public sealed record ArgoManifests(string Application, string Revision, IReadOnlyList<string> Manifests);

/// <summary>Argo CD's API, read-only.</summary>
public interface IArgoCd
{
    /// <summary>Every application the token can see, with its sources.</summary>
    Task<IReadOnlyList<ArgoAppSources>> ListAsync(CancellationToken cancellationToken);

    /// <summary>Reads an application; <paramref name="refresh"/> asks Argo CD to look at git now (?refresh=normal).</summary>
    Task<ArgoAppStatus> GetAsync(string application, bool refresh, CancellationToken cancellationToken);

    /// <summary>Renders an application's source at <paramref name="revision"/> (a commit that exists in its repository) as Argo CD would apply it.</summary>
    Task<ArgoManifests> ManifestsAsync(string application, string revision, CancellationToken cancellationToken);
}
