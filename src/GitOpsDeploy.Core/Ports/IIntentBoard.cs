using GitOpsDeploy.Core.Deploy;

namespace GitOpsDeploy.Core.Ports;

/// <summary>A commit on the branch as the board sees it: enough to tell which intents it carried.</summary>
public sealed record BoardCommit(string Sha, string Message, bool Verified);

/// <summary>What the board holds for a branch: its head, the intents still on it (oldest first) and the commits since a moment (newest first).</summary>
public sealed record BoardState(string HeadSha, IReadOnlyList<DeployIntent> Pending, IReadOnlyList<BoardCommit> Recent);

/// <summary>
/// One write to the board and the branch, sent as one request, in this order: delete
/// <see cref="Clear"/> (intents already carried, expired or dropped), publish <see cref="Publish"/>,
/// then commit <see cref="Commit"/> (compare-and-swapped like <see cref="IPublisher.PublishAsync"/>).
/// Each part is independent: a lost race on the commit still publishes the intent.
/// </summary>
public sealed record BoardWrite(CommitDraft? Commit, DeployIntent? Publish, IReadOnlyList<DeployIntent> Clear);

/// <summary>What a board write did: the commit's outcome (null when there was none) and whether the intent is now on the board.</summary>
public sealed record BoardWriteOutcome(PublishOutcome? Commit, bool Published);

/// <summary>
/// The fan-in port: where contended runs publish the change they want, so that whichever run
/// commits next carries them all. Publishing rides along with the run's commit attempt (one
/// content-generating request either way); clearing rides along with the next write.
/// </summary>
public interface IIntentBoard
{
    /// <summary>The branch head, the intents on the board and the commits made since <paramref name="since"/>.</summary>
    Task<BoardState> ReadAsync(string branch, DateTimeOffset since, CancellationToken cancellationToken);

    /// <summary>Whether an intent fits on the board (its encoding has a size limit).</summary>
    bool CanHold(DeployIntent intent);

    /// <summary>Clears, publishes (an intent ref at <paramref name="atSha"/>) and commits, in one request on <paramref name="branch"/>.</summary>
    Task<BoardWriteOutcome> WriteAsync(string branch, string atSha, BoardWrite write, CancellationToken cancellationToken);
}
