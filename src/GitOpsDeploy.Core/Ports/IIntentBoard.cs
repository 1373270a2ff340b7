using GitOpsDeploy.Core.Deploy;

namespace GitOpsDeploy.Core.Ports;

/// <summary>A commit on the branch as the board sees it: enough to tell which intents it carried.</summary>
public sealed record BoardCommit(string Sha, string Message, bool Verified);

/// <summary>What the board holds for a branch: its head, the intents still pending, and the commits since a moment.</summary>
public sealed record BoardState(string HeadSha, IReadOnlyList<DeployIntent> Pending, IReadOnlyList<BoardCommit> Recent);

/// <summary>
/// The fan-in port: where runs that lost a race publish the change they want, so whichever run
/// commits next carries them all. Publishing is one content-generating request per run; clearing a
/// batch is one; reading is one query.
/// </summary>
public interface IIntentBoard
{
    /// <summary>The branch head, the pending intents (oldest first) and the commits made since <paramref name="since"/> (newest first).</summary>
    Task<BoardState> ReadAsync(string branch, DateTimeOffset since, CancellationToken cancellationToken);

    /// <summary>Publishes an intent for <paramref name="branch"/>; false when it cannot be stored (too large).</summary>
    Task<bool> PublishAsync(string branch, DeployIntent intent, string atSha, CancellationToken cancellationToken);

    /// <summary>Deletes intents (applied, satisfied, superseded or expired), in one request.</summary>
    Task ClearAsync(string branch, IReadOnlyList<DeployIntent> intents, CancellationToken cancellationToken);
}
