using GitOpsDeploy.Core.Deploy;

namespace GitOpsDeploy.Core.Ports;

/// <summary>A commit on the branch as the board sees it: enough to tell which intents it names.</summary>
public sealed record BoardCommit(string Sha, string Message, bool Verified);

/// <summary>What the board holds for a branch: its head, the intents still on it (oldest first) and the commits since a moment (newest first).</summary>
public sealed record BoardState(string HeadSha, IReadOnlyList<DeployIntent> Pending, IReadOnlyList<BoardCommit> Recent);

/// <summary>
/// One write to the board and the branch, sent as one request where the transport allows, in this
/// order: delete <see cref="Clear"/> (intents already carried, expired or dropped), publish
/// <see cref="Publish"/> (a new intent, or a published one again with a fresh proof: its
/// <see cref="DeployIntent.Object"/> says which), then commit <see cref="Commit"/> (compare-and-swapped
/// like <see cref="IPublisher.PublishAsync"/>). Each part is independent: a lost race on the commit
/// still publishes the intent.
/// </summary>
public sealed record BoardWrite(CommitDraft? Commit, DeployIntent? Publish, IReadOnlyList<DeployIntent> Clear);

/// <summary>What a board write did: the commit's outcome (null when there was none) and the intent as now published (null when it is not on the board).</summary>
public sealed record BoardWriteOutcome(PublishOutcome? Commit, DeployIntent? Published);

/// <summary>
/// The fan-in port: where contended runs publish the change they want, so that whichever run
/// commits next carries them all. Every ref it creates is a short name (GitHub refuses refs over 255
/// bytes); the intent itself lives in the object the ref points at.
/// </summary>
public interface IIntentBoard
{
    /// <summary>The branch head, the intents on the board and the commits made since <paramref name="since"/>.</summary>
    Task<BoardState> ReadAsync(string branch, DateTimeOffset since, CancellationToken cancellationToken);

    /// <summary>Clears, publishes (at <paramref name="atSha"/>'s tree) and commits on <paramref name="branch"/>.</summary>
    Task<BoardWriteOutcome> WriteAsync(string branch, string atSha, BoardWrite write, CancellationToken cancellationToken);
}
