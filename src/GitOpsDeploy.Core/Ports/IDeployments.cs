namespace GitOpsDeploy.Core.Ports;

public enum DeploymentState
{
    InProgress,
    Queued,
    Success,
    Failure,
    Error,
    Inactive,
}

public sealed record DeploymentRequest(
    string Sha,
    string Environment,
    bool ProductionEnvironment,
    string Task,
    string Description,
    IReadOnlyDictionary<string, string> Payload)
{
    /// <summary>The payload field naming the invocation that created the deployment: how a run finds a deployment whose creation answer it never heard.</summary>
    public const string InvocationKey = "gitops_deploy_invocation";
}

public sealed record DeploymentStatus(DeploymentState State, string Description, string? LogUrl, string? EnvironmentUrl);

/// <summary>A deployment GitHub created; <see cref="Id"/> is what statuses are posted to.</summary>
public sealed record DeploymentInfo(long Id, string Url);

/// <summary>GitHub Deployments on the source (application) repository.</summary>
public interface IDeployments
{
    /// <summary>Creates a deployment; null when GitHub answered without creating one (202, 409), with the reason logged.</summary>
    Task<DeploymentInfo?> CreateAsync(DeploymentRequest request, CancellationToken cancellationToken);

    Task SetStatusAsync(long id, DeploymentStatus status, CancellationToken cancellationToken);

    /// <summary>The deployment this invocation created for <paramref name="request"/> (its payload's <see cref="DeploymentRequest.InvocationKey"/>), if GitHub holds one.</summary>
    Task<DeploymentInfo?> FindCreatedAsync(DeploymentRequest request, CancellationToken cancellationToken);

    /// <summary>The newest deployment of <paramref name="sha"/> to <paramref name="environment"/>, if any.</summary>
    Task<long?> FindLatestAsync(string environment, string sha, CancellationToken cancellationToken);

    /// <summary>Deployments of <paramref name="environment"/> created since <paramref name="since"/> with their statuses and commit times (bounded).</summary>
    Task<IReadOnlyList<DeploymentRecord>> HistoryAsync(string environment, DateTimeOffset since, int max, CancellationToken cancellationToken);

    /// <summary>The commit of the newest earlier deployment of this task to this environment, if any.</summary>
    Task<string?> FindPreviousShaAsync(string environment, string task, string currentSha, CancellationToken cancellationToken);
}

/// <summary>A past deployment with its statuses (oldest first) and the time its source commit was made.</summary>
public sealed record DeploymentRecord(long Id, string Sha, DateTimeOffset CreatedAt, IReadOnlyList<(string State, string? Description, DateTimeOffset At)> Statuses)
{
    public DateTimeOffset? CommittedAt { get; init; }

    public DateTimeOffset? FirstSuccess => Statuses.Where(s => s.State == "success").Select(s => (DateTimeOffset?)s.At).FirstOrDefault();

    /// <summary>Failed, errored, or later rolled back (a rollback marks it inactive with "rolled back").</summary>
    public DateTimeOffset? FailedAt => Statuses.Where(s => s.State is "failure" or "error" || (s.State == "inactive" && (s.Description ?? string.Empty).StartsWith("rolled back", StringComparison.Ordinal)))
        .Select(s => (DateTimeOffset?)s.At).FirstOrDefault();
}
