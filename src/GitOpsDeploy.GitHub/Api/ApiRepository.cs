using GitOpsDeploy.Core.Ports;
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

    public Task<IGitOpsSnapshot> ReadAsync(string? branch, SnapshotHint hint, CancellationToken cancellationToken) => snapshots.ReadAsync(branch, hint, cancellationToken);

    public string? Unwritable(IGitOpsSnapshot snapshot, IReadOnlyList<FileChange> files) => publisher.Unwritable(snapshot, files);

    public Task<CommitDraft> DraftAsync(IGitOpsSnapshot onTopOf, NewCommit commit, CancellationToken cancellationToken) => publisher.DraftAsync(onTopOf, commit, cancellationToken);

    public Task<PublishOutcome> PublishAsync(IGitOpsSnapshot onTopOf, CommitDraft draft, string branch, PublishKind kind, CancellationToken cancellationToken) =>
        publisher.PublishAsync(onTopOf, draft, branch, kind, cancellationToken);
}
