using System.Globalization;

namespace GitOpsDeploy.Core.Ports;

/// <summary>One target of an intent: an environment and its overlay. Whether it is production is never the intent's to say.</summary>
public sealed record IntentTarget(string Environment, string OverlayPath);

/// <summary>
/// A planned change published for other runs to apply (fan-in): which run it is, when it was
/// published, where it goes (gitops repository and branch), the source commit, and the change itself
/// (images, values, Helm keys) per target. <see cref="Proof"/> is the publishing job's GitHub Actions
/// ID token, whose audience is the digest of everything else (the fan-in codec's audience): a
/// leader applies an intent only when that token verifies and its claims name the same source.
/// </summary>
public sealed record DeployIntent(string Id, string Run, DateTimeOffset Created, string SourceRepository, string SourceSha, IReadOnlyList<IntentTarget> Targets)
{
    public string GitOpsRepository { get; init; } = string.Empty;

    public string Branch { get; init; } = string.Empty;

    public IReadOnlyList<string> Images { get; init; } = [];

    public IReadOnlyList<string> Settings { get; init; } = [];

    public IReadOnlyList<string> HelmImageKeys { get; init; } = [];

    /// <summary>create-missing-keys of the publishing run; the leader edits the way that run would have.</summary>
    public bool CreateMissingKeys { get; init; } = true;

    /// <summary>The publishing job's OIDC ID token (a JWT), null before it is asked for.</summary>
    public string? Proof { get; init; }

    /// <summary>The ref name it was read under (relative to the branch's folder), null before it is published.</summary>
    public string? Key { get; init; }

    /// <summary>The object the ref points at (the payload commit), null before it is published.</summary>
    public string? Object { get; init; }

    /// <summary>How long an intent may be applied after it was published; older ones are deleted unapplied.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    /// <summary>How far in the future an intent may be dated (runners' clocks differ a little); beyond that it is invalid.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(2);

    /// <summary>The trailer that names this intent (and this run's own commits) in the commit that carries it.</summary>
    public string Trailer => $"{Run} (intent {Id})";

    /// <summary>The run id of <see cref="Run"/> ("acme/app#123" -> 123), null when it is not of that form.</summary>
    public long? RunId => Run.LastIndexOf('#') is var hash and > 0 && long.TryParse(Run.AsSpan(hash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;

    public bool ExpiredAt(DateTimeOffset now) => now - Created > Lifetime;

    /// <summary>Dated further in the future than clocks can disagree: never applied.</summary>
    public bool FromTheFutureAt(DateTimeOffset now) => Created - now > ClockSkew;

}

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
