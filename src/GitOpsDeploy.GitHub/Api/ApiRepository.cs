using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Editing;
using GitOpsDeploy.GitHub.GraphQl;
using Microsoft.Extensions.Logging;

namespace GitOpsDeploy.GitHub.Api;

/// <summary>
/// The gitops repository through GitHub's API (commit-method: api), no clone: snapshots read in one GraphQL
/// request (<see cref="ApiSnapshots"/>), signed compare-and-swap commits (<see cref="ApiPublisher"/>) and the
/// fan-in board (<see cref="ApiIntentBoard"/>), all on one connection whose requests it counts.
/// </summary>
public sealed class ApiRepository : IGitOpsRepository
{
    /// <summary>The input whose token every request uses, named in errors.</summary>
    public const string TokenInput = "gitops-token";

    private readonly GitHubGraphQl graphQl;
    private readonly ApiSnapshots snapshots;
    private readonly ApiPublisher publisher;
    private readonly ApiIntentBoard board;

    public ApiRepository(GitHubGraphQl graphQl, string repository, ILogger logger)
    {
        this.graphQl = graphQl;
        publisher = new ApiPublisher(graphQl, repository, logger);
        board = new ApiIntentBoard(graphQl, publisher, repository);
        publisher.Board = board;
        snapshots = new ApiSnapshots(graphQl, board, repository);
    }

    /// <summary>GraphQL and REST requests made (the benchmarks report them).</summary>
    public int Requests => graphQl.Requests;

    public IIntentBoard Board => board;

    IIntentBoard? IGitOpsRepository.Board => board;

    public RetryPolicy Retries => RetryPolicy.Api;

    public Task<IGitOpsSnapshot> ReadAsync(string? branch, SnapshotHint hint, CancellationToken cancellationToken) =>
        Explained(() => snapshots.ReadAsync(branch, hint, cancellationToken), cancellationToken);

    public string? Unwritable(IGitOpsSnapshot snapshot, IReadOnlyList<FileChange> files) => publisher.Unwritable(snapshot, files);

    public Task<CommitDraft> DraftAsync(IGitOpsSnapshot onTopOf, NewCommit commit, CancellationToken cancellationToken) => publisher.DraftAsync(onTopOf, commit, cancellationToken);

    public Task<PublishOutcome> PublishAsync(IGitOpsSnapshot onTopOf, CommitDraft draft, string branch, PublishKind kind, CancellationToken cancellationToken) =>
        Explained(() => publisher.PublishAsync(onTopOf, draft, branch, kind, cancellationToken), cancellationToken);

    private async Task<string?> LoginOrNullAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await graphQl.ViewerLoginAsync(cancellationToken);
        }
        catch (DeployException)
        {
            // The refusal itself is the better error.
            return null;
        }
    }

    /// <summary>
    /// A refusal that is really "this is the workflow's GITHUB_TOKEN" says so: that token cannot write any repository
    /// but the workflow's own, and no permission setting changes it. Asked only after a refusal, so a run that works
    /// spends no request on it.
    /// </summary>
    private async Task<T> Explained<T>(Func<Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call();
        }
        catch (DeployException e) when (e.Kind is ErrorKind.PermissionDenied or ErrorKind.NotFound)
        {
            if (await LoginOrNullAsync(cancellationToken) != LandingOptions.BotName)
            {
                throw;
            }

            throw new DeployException(e.Kind, $"{e.Message}. {TokenInput} is the workflow's GITHUB_TOKEN (GitHub says it acts as {LandingOptions.BotName}), which cannot write a repository other than the workflow's own: create a GitHub App installation token in the same job with actions/create-github-app-token (or use a fine-grained PAT) and pass it as {TokenInput}", e);
        }
    }
}
