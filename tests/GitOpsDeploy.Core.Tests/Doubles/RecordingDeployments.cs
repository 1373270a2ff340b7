using GitOpsDeploy.Core.Ports;

namespace GitOpsDeploy.Core.Tests.Doubles;

/// <summary>The deployments port in memory: what was created and set, failures to throw on the next status calls, and what was looked up.</summary>
public sealed class RecordingDeployments : IDeployments
{
    public List<DeploymentRequest> Created { get; } = [];

    public List<(long Id, DeploymentStatus Status)> Statuses { get; } = [];

    public Queue<Exception> Failures { get; } = new();

    /// <summary>What creating answers; by default a new deployment, numbered from 99.</summary>
    public Func<DeploymentRequest, DeploymentInfo?> Create { get; set; }

    public RecordingDeployments() => Create = _ => new DeploymentInfo(99 + Created.Count - 1, "u");

    public Action? OnStatus { get; set; }

    public CancellationToken LastToken { get; private set; }

    public DeploymentInfo? Found { get; set; }

    public DeploymentRequest? FoundFor { get; private set; }

    public Exception? FindFails { get; set; }

    public long? Latest { get; set; }

    public string? Previous { get; set; }

    public List<(string Environment, string? Task, string Sha)> Asked { get; } = [];

    public int Lookups => Asked.Count;

    public Task<DeploymentInfo?> CreateAsync(DeploymentRequest request, CancellationToken cancellationToken)
    {
        Created.Add(request);
        return Task.FromResult(Create(request));
    }

    public Task SetStatusAsync(long id, DeploymentStatus status, CancellationToken cancellationToken)
    {
        LastToken = cancellationToken;
        if (Failures.Count > 0)
        {
            OnStatus?.Invoke();
            return Task.FromException(Failures.Dequeue());
        }

        Statuses.Add((id, status));
        return Task.CompletedTask;
    }

    public Task<DeploymentInfo?> FindCreatedAsync(DeploymentRequest request, CancellationToken cancellationToken)
    {
        FoundFor = request;
        return FindFails is { } error ? Task.FromException<DeploymentInfo?>(error) : Task.FromResult(Found);
    }

    public Task<long?> FindLatestAsync(string environment, string sha, CancellationToken cancellationToken)
    {
        Asked.Add((environment, null, sha));
        return Task.FromResult(Latest);
    }

    public Task<IReadOnlyList<DeploymentRecord>> HistoryAsync(string environment, DateTimeOffset since, int max, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    public Task<string?> FindPreviousShaAsync(string environment, string task, string currentSha, CancellationToken cancellationToken)
    {
        Asked.Add((environment, task, currentSha));
        return Task.FromResult(Previous);
    }
}
