using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Text;
using GitOpsDeploy.GitHub.Api;
using GitOpsDeploy.GitHub.GraphQl;
using Microsoft.Extensions.Logging;
using Octokit;

namespace GitOpsDeploy.GitHub;

/// <summary>Builds the GitHub adapters for the run's host and disposes their HTTP clients with itself; tests shorten the retry delays.</summary>
public class GitHubFactory(TimeProvider time, ILoggerFactory loggers, SecretMasker masker) : IDisposable
{
    private readonly List<IDisposable> owned = [];
    private readonly Dictionary<(string Api, string GraphQl, string Token), (GitHubConnection Connection, IGitHubClient Client)> clients = [];

    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    public GitHubConnection Connection(string apiUrl, string? graphQlUrl = null) => new(apiUrl, graphQlUrl, time, loggers, masker) { RetryBaseDelay = RetryBaseDelay };

    public IPullRequests PullRequests(string apiUrl, string? graphQlUrl, string token, string repository)
    {
        return new OctokitPullRequests(GraphQl(apiUrl, graphQlUrl, token, repository), repository);
    }

    /// <summary>The gitops repository over GitHub's API (commit-method: api): snapshots, signed commits, the fan-in board.</summary>
    public ApiRepository Repository(string apiUrl, string? graphQlUrl, string token, string repository) =>
        new(GraphQl(apiUrl, graphQlUrl, token, repository), repository, loggers.CreateLogger<ApiRepository>());

    private GitHubGraphQl GraphQl(string apiUrl, string? graphQlUrl, string token, string repository)
    {
        var (connection, client) = Client(apiUrl, graphQlUrl, token);
        return new GitHubGraphQl(client, connection.Gate, repository, connection.GraphQlAddress, ApiRepository.TokenInput);
    }

    /// <summary>The source repository's deployments (REST), their history for DORA metrics through GraphQL at <paramref name="graphQlUrl"/> (or beside <paramref name="apiUrl"/>).</summary>
    public IDeployments Deployments(string apiUrl, string? graphQlUrl, string token, string repository) => Source(apiUrl, graphQlUrl, token, repository);

    /// <summary>The source repository's commit graph (out-of-order protection).</summary>
    public ISourceCommits SourceCommits(string apiUrl, string token, string repository, string? graphQlUrl = null) => Source(apiUrl, graphQlUrl, token, repository);

    /// <summary>The artifact attestations of the source repository (verify-attestations).</summary>
    public IAttestations Attestations(string apiUrl, string token, string? graphQlUrl = null)
    {
        var (connection, client) = Client(apiUrl, graphQlUrl, token);
        return new OctokitAttestations(client, connection.Gate);
    }

    /// <summary>The source repositories' history for the changelog (compare, and the pull requests of commits), cached for the factory's run.</summary>
    public OctokitSourceHistory SourceHistory(string apiUrl, string token, string? graphQlUrl = null)
    {
        var (connection, client) = Client(apiUrl, graphQlUrl, token);
        return new OctokitSourceHistory(client, connection.Gate, loggers.CreateLogger<OctokitSourceHistory>());
    }

    private OctokitDeployments Source(string apiUrl, string? graphQlUrl, string token, string repository)
    {
        var (connection, client) = Client(apiUrl, graphQlUrl, token);
        var history = new GraphQlDeploymentHistory(new GitHubGraphQl(client, connection.Gate, repository, connection.GraphQlAddress, "token"), repository);
        return new OctokitDeployments(client, connection.Gate, repository, history, loggers.CreateLogger<OctokitDeployments>());
    }

    /// <summary>
    /// One client and one rate-limit gate per identity on a host, shared by every adapter of the run: GitHub counts its
    /// limits per identity, and one connection pool means one TCP (and TLS) connection instead of one per adapter.
    /// </summary>
    private (GitHubConnection Connection, IGitHubClient Client) Client(string apiUrl, string? graphQlUrl, string token)
    {
        lock (clients)
        {
            var key = (apiUrl, graphQlUrl ?? string.Empty, token);
            if (!clients.TryGetValue(key, out var entry))
            {
                var connection = Connection(apiUrl, graphQlUrl);
                entry = (connection, connection.Create(token, owned));
                clients[key] = entry;
            }

            return entry;
        }
    }

    public void Dispose()
    {
        foreach (var client in owned)
        {
            client.Dispose();
        }

        owned.Clear();
        clients.Clear();
        GC.SuppressFinalize(this);
    }
}
