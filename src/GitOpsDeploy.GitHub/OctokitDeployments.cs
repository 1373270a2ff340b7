using System.Collections.ObjectModel;
using System.Net;
using GitOpsDeploy.Core.Ports;
using Microsoft.Extensions.Logging;
using Octokit;
using DeploymentRequest = GitOpsDeploy.Core.Ports.DeploymentRequest;
using DeploymentState = GitOpsDeploy.Core.Ports.DeploymentState;
using DeploymentStatus = GitOpsDeploy.Core.Ports.DeploymentStatus;

namespace GitOpsDeploy.GitHub;

/// <summary>Deployments and their statuses on the source repository, and its commit graph, through Octokit; their history for DORA metrics through GraphQL.</summary>
public sealed class OctokitDeployments(IGitHubClient client, RateLimitGate gate, string repository, GraphQlDeploymentHistory history, ILogger logger) : IDeployments, ISourceCommits
{
    private const string Token = "token";
    private const string Permission = "deployments: write";
    private readonly string owner = repository.Split('/')[0];
    private readonly string name = repository.Split('/')[1];

    /// <summary>GET /compare/{theirs}...{ours}: "ahead" means ours descends from theirs, "behind" that ours is older.</summary>
    public async Task<(SourceOrder Order, string? Reason)> CompareAsync(string ours, string theirs, CancellationToken cancellationToken)
    {
        try
        {
            var compare = await gate.RunAsync(() => client.Repository.Commit.Compare(owner, name, theirs, ours), "compare source commits", cancellationToken);
            return compare.Status switch
            {
                "ahead" => (SourceOrder.Newer, null),
                "behind" => (SourceOrder.Older, null),
                "identical" => (SourceOrder.Same, null),
                "diverged" => (SourceOrder.Diverged, null),
                var other => (SourceOrder.Unknown, $"GitHub answered '{other}'"),
            };
        }
        catch (ApiException e)
        {
            // No access or an unknown commit: the deploy goes ahead, with a warning.
            return (SourceOrder.Unknown, $"{repository} answered {(int)e.StatusCode}: {GitHubErrors.Detail(e)}");
        }
        catch (HttpRequestException e)
        {
            return (SourceOrder.Unknown, e.Message);
        }
    }

    public async Task<DeploymentInfo?> CreateAsync(DeploymentRequest request, CancellationToken cancellationToken)
    {
        var deployment = new NewDeployment(request.Sha)
        {
            Environment = request.Environment,
            AutoMerge = false,
            RequiredContexts = new Collection<string>(),
            ProductionEnvironment = request.ProductionEnvironment,
            TransientEnvironment = false,
            Task = request.Task,
            Description = request.Description,
            Payload = request.Payload.ToDictionary(p => p.Key, p => p.Value),
        };
        // A 5xx or a lost answer may hide a deployment GitHub made: look for ours (by the invocation in its payload) before creating another.
        var outcome = await CheckedRetry.RunAsync(
            async () => new Made(await CreateOnceAsync(request, deployment, cancellationToken)),
            async () => await FindCreatedAsync(request, cancellationToken) is { } found ? new Made(found) : null,
            cancellationToken);
        return outcome.Deployment;
    }

    private sealed record Made(DeploymentInfo? Deployment);

    /// <summary>The deployment this invocation created for the request, if GitHub holds one (its payload names the invocation).</summary>
    public async Task<DeploymentInfo?> FindCreatedAsync(DeploymentRequest request, CancellationToken cancellationToken)
    {
        if (!request.Payload.TryGetValue(DeploymentRequest.InvocationKey, out var invocation))
        {
            return null;
        }

        var recent = await RecentAsync(new() { ["environment"] = request.Environment, ["sha"] = request.Sha, ["task"] = request.Task, ["per_page"] = "20" }, cancellationToken);
        return recent.FirstOrDefault(d => d.Payload is { } payload && payload.TryGetValue(DeploymentRequest.InvocationKey, out var value) && value?.ToString() == invocation) is { } found
            ? new DeploymentInfo(found.Id, found.Url)
            : null;
    }

    private async Task<DeploymentInfo?> CreateOnceAsync(DeploymentRequest request, NewDeployment deployment, CancellationToken cancellationToken)
    {
        try
        {
            var created = await gate.RunAsync(() => client.Repository.Deployment.Create(owner, name, deployment), "create a deployment", cancellationToken);
            if (created.Id == 0)
            {
                // 202 Accepted: GitHub answered with a message instead of a deployment.
                logger.LogWarning("GitHub did not create a deployment for {Sha} (202 Accepted); continuing without deployment statuses", request.Sha);
                return null;
            }

            return new DeploymentInfo(created.Id, created.Url);
        }
        catch (ApiException e) when (e.StatusCode == HttpStatusCode.Conflict)
        {
            logger.LogWarning("GitHub refused to create a deployment for {Sha} (409: {Reason}); continuing without deployment statuses", request.Sha, GitHubErrors.Detail(e));
            return null;
        }
        catch (ApiException e)
        {
            throw GitHubErrors.Translate(e, $"create a deployment of {request.Sha[..7]}", repository, Token, Permission);
        }
        catch (HttpRequestException e)
        {
            throw GitHubErrors.Network(e, $"create a deployment of {request.Sha[..7]}", repository);
        }
    }

    public async Task SetStatusAsync(long id, DeploymentStatus status, CancellationToken cancellationToken)
    {
        var request = new NewDeploymentStatus(State(status.State))
        {
            Description = status.Description,
            LogUrl = status.LogUrl,
            EnvironmentUrl = status.EnvironmentUrl,
            AutoInactive = status.State == DeploymentState.Success,
        };
        // A status is a new entry each time: after a lost answer, the newest status tells whether ours arrived.
        await CheckedRetry.RunAsync(
            () => GitHubErrors.Call(gate, () => client.Repository.Deployment.Status.Create(owner, name, id, request), $"set deployment {id} to {status.State}", repository, Token, Permission, cancellationToken),
            async () => (await GitHubErrors.Call(gate, () => client.Repository.Deployment.Status.GetAll(owner, name, id, new ApiOptions { PageSize = 1, PageCount = 1 }), "read deployment statuses", repository, Token, "deployments: read", cancellationToken))
                .FirstOrDefault(s => s.State.Value == request.State && s.Description == status.Description),
            cancellationToken);
    }

    public async Task<long?> FindLatestAsync(string environment, string sha, CancellationToken cancellationToken) =>
        (await RecentAsync(new() { ["environment"] = environment, ["sha"] = sha, ["per_page"] = "1" }, cancellationToken)).FirstOrDefault()?.Id;

    /// <summary>Through GraphQL, 100 deployments with their statuses and commit times per request (<see cref="GraphQlDeploymentHistory"/>).</summary>
    public Task<IReadOnlyList<DeploymentRecord>> HistoryAsync(string environment, DateTimeOffset since, int max, CancellationToken cancellationToken) =>
        history.ReadAsync(environment, since, max, cancellationToken);

    public async Task<string?> FindPreviousShaAsync(string environment, string task, string currentSha, CancellationToken cancellationToken) =>
        (await RecentAsync(new() { ["environment"] = environment, ["task"] = task, ["per_page"] = "10" }, cancellationToken))
            .Select(d => d.Sha).FirstOrDefault(sha => !string.Equals(sha, currentSha, StringComparison.OrdinalIgnoreCase));

    /// <summary>One page of deployments, newest first. Octokit's GetAll has no environment/sha/task filter: ask the endpoint directly.</summary>
    private async Task<IReadOnlyList<Deployment>> RecentAsync(Dictionary<string, string> parameters, CancellationToken cancellationToken)
    {
        var response = await GitHubErrors.Call(gate, 
            () => client.Connection.Get<List<Deployment>>(new Uri($"repos/{owner}/{name}/deployments", UriKind.Relative), parameters),
            "list deployments", repository, Token, "deployments: read", cancellationToken);
        return response.Body ?? [];
    }

    private static Octokit.DeploymentState State(DeploymentState state) => state switch
    {
        DeploymentState.InProgress => Octokit.DeploymentState.InProgress,
        DeploymentState.Queued => Octokit.DeploymentState.Queued,
        DeploymentState.Success => Octokit.DeploymentState.Success,
        DeploymentState.Failure => Octokit.DeploymentState.Failure,
        DeploymentState.Error => Octokit.DeploymentState.Error,
        _ => Octokit.DeploymentState.Inactive,
    };
}
