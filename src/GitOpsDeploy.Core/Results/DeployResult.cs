using GitOpsDeploy.Analysis;
using GitOpsDeploy.Core.Metrics;
using GitOpsDeploy.Core.Planning;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Core.Verification;
using GitOpsDeploy.Editing;
using GitOpsDeploy.Editing.Overlay;

namespace GitOpsDeploy.Core.Results;

/// <summary>The operation output's words for an outcome (and for one target of it).</summary>
public enum DeployOperation
{
    /// <summary>Nothing to do: the base branch (or an identical open pull request) already has the change.</summary>
    None,
    Pushed,
    Created,
    Updated,
    Merged,
    AutoMergeEnabled,
    DryRun,

    /// <summary>Every image already runs from a newer source commit: nothing was written (out-of-order protection).</summary>
    Superseded,

    /// <summary>A target could not take the change (policy, hold, bad input or file): nothing was written.</summary>
    Refused,
}

/// <summary>What a pull request write did: opened it, changed it, or found it already proposing exactly this.</summary>
public enum ProposalKind
{
    Created,
    Updated,
    Unchanged,
}

/// <summary>
/// How a run ended, as one of a closed set: each case carries what is true of it, and nothing else.
/// Outputs, the summary, a pull request's text and a deployment's description are all switches over it.
/// </summary>
public abstract record DeployOutcome
{
    private DeployOutcome()
    {
    }

    /// <summary>The base branch already has the change: nothing was written.</summary>
    public sealed record AlreadyThere : DeployOutcome;

    /// <summary>This run's commit is on the base branch (<see cref="CarriedRuns"/>: other runs' changes it carried too).</summary>
    public sealed record Pushed(string Sha, bool Verified) : DeployOutcome
    {
        public IReadOnlyList<string> CarriedRuns { get; init; } = [];
    }

    /// <summary>Another run's commit carries this run's change (fan-in): this run wrote no commit.</summary>
    public sealed record CarriedBy(string Sha, bool Verified) : DeployOutcome;

    /// <summary>A pull request proposes the change and waits for a merge.</summary>
    public sealed record Proposed(PullRequestInfo PullRequest, ProposalKind Kind, string HeadSha, bool Verified) : DeployOutcome;

    /// <summary>The pull request was merged (by this run, or while it waited).</summary>
    public sealed record Merged(PullRequestInfo PullRequest, string Sha, bool Verified) : DeployOutcome;

    /// <summary>GitHub merges the pull request once its checks and reviews pass.</summary>
    public sealed record AutoMergeEnabled(PullRequestInfo PullRequest, ProposalKind Kind, string HeadSha, bool Verified) : DeployOutcome;

    /// <summary>Nothing was written; <see cref="Diff"/> is what would have been.</summary>
    public sealed record DryRun(string Diff, string? Sha) : DeployOutcome;

    /// <summary>Every image already runs from a newer source commit (out-of-order protection): nothing was written.</summary>
    public sealed record Superseded(IReadOnlyList<Supersession> By) : DeployOutcome;

    /// <summary>A target could not take the change: nothing was written, and the run fails.</summary>
    public sealed record Refused(DeployException Reason) : DeployOutcome;
}

/// <summary>What one target got: its edit, its deployment, what Argo CD said, its DORA figures.</summary>
public sealed record TargetResult(DeployTarget Target, OverlayEdit Edit)
{
    /// <summary>Set when the images were promoted from another environment.</summary>
    public Promotion? Promotion { get; init; }

    /// <summary>Set when this target was rolled back.</summary>
    public Rollback? Rollback { get; init; }

    public long? DeploymentId { get; init; }

    /// <summary>What Argo CD said after the change landed, when a server was configured.</summary>
    public ArgoOutcome? Argo { get; init; }

    /// <summary>DORA metrics of the environment, when asked for.</summary>
    public DoraMetrics? Dora { get; init; }

    /// <summary>The attestations verified for this target's images (verify-attestations).</summary>
    public IReadOnlyList<AttestedImage> Attested { get; init; } = [];

    /// <summary>Commit to synced and to healthy, when Argo CD was waited for.</summary>
    public DeployLatency? Latency { get; init; }

    /// <summary>The metric analysis that passed after the change landed, when one was asked for.</summary>
    public AnalysisResult? Analysis { get; init; }

    /// <summary>Set when override-freeze let this target through a freeze or a closed sync window.</summary>
    public string? FreezeOverride { get; init; }

    /// <summary>The promotion report of this target (affected workloads, changelog, rendered diff), when the report step ran.</summary>
    public TargetReport? Report { get; init; }

    public static TargetResult Of(TargetEdit edit) => new(edit.Target, edit.Edit) { Promotion = edit.Promotion, Rollback = edit.Rollback, Report = edit.Report, FreezeOverride = edit.FreezeOverride, Attested = edit.Attested };
}

/// <summary>How a run ended: one outcome for the commit or pull request every target shares, and a result per target.</summary>
public sealed record DeployResult(DeployOutcome Outcome, IReadOnlyList<TargetResult> Targets, string BaseBranch, string BaseSha)
{
    public DeployResult(DeployOutcome outcome, IReadOnlyList<TargetEdit> edits, string baseBranch, string baseSha)
        : this(outcome, edits.Select(TargetResult.Of).ToList(), baseBranch, baseSha)
    {
    }

    public int Attempts { get; init; } = 1;

    /// <summary>When the change reached the base branch, on the run's clock (null when it did not land).</summary>
    public DateTimeOffset? LandedAt { get; init; }

    /// <summary>The operation output: the outcome in the action's words.</summary>
    public DeployOperation Operation => Outcome switch
    {
        DeployOutcome.Pushed or DeployOutcome.CarriedBy => DeployOperation.Pushed,
        DeployOutcome.Proposed { Kind: ProposalKind.Created } => DeployOperation.Created,
        DeployOutcome.Proposed { Kind: ProposalKind.Updated } => DeployOperation.Updated,
        DeployOutcome.Merged => DeployOperation.Merged,
        DeployOutcome.AutoMergeEnabled => DeployOperation.AutoMergeEnabled,
        DeployOutcome.DryRun => DeployOperation.DryRun,
        DeployOutcome.Superseded => DeployOperation.Superseded,
        DeployOutcome.Refused => DeployOperation.Refused,
        _ => DeployOperation.None,
    };

    /// <summary>True when this run changed the gitops repository (or would have, in a dry run).</summary>
    public bool Changed => Outcome switch
    {
        DeployOutcome.AlreadyThere or DeployOutcome.Superseded or DeployOutcome.Refused => false,
        DeployOutcome.Proposed p => p.Kind != ProposalKind.Unchanged,
        DeployOutcome.AutoMergeEnabled a => a.Kind != ProposalKind.Unchanged,
        DeployOutcome.Merged => true,
        _ => Targets.Any(t => t.Edit.Changed),
    };

    /// <summary>The gitops commit that carries the change: the pushed or carrying commit, the merge commit, the pull request head, or a dry run's draft.</summary>
    public string? CommitSha => Outcome switch
    {
        DeployOutcome.Pushed p => p.Sha,
        DeployOutcome.CarriedBy c => c.Sha,
        DeployOutcome.Merged m => m.Sha,
        DeployOutcome.Proposed p => p.HeadSha,
        DeployOutcome.AutoMergeEnabled a => a.HeadSha,
        DeployOutcome.DryRun d => d.Sha,
        _ => null,
    };

    /// <summary>True when the host reports <see cref="CommitSha"/> as a verified (signed) commit.</summary>
    public bool Verified => Outcome switch
    {
        DeployOutcome.Pushed p => p.Verified,
        DeployOutcome.CarriedBy c => c.Verified,
        DeployOutcome.Merged m => m.Verified,
        DeployOutcome.Proposed p => p.Verified,
        DeployOutcome.AutoMergeEnabled a => a.Verified,
        _ => false,
    };

    public PullRequestInfo? PullRequest => Outcome switch
    {
        DeployOutcome.Proposed p => p.PullRequest,
        DeployOutcome.Merged m => m.PullRequest,
        DeployOutcome.AutoMergeEnabled a => a.PullRequest,
        _ => null,
    };

    public bool Merged => Outcome is DeployOutcome.Merged;

    public string? Diff => Outcome is DeployOutcome.DryRun d ? d.Diff : null;

    /// <summary>True when another run's batch commit carried this run's change (fan-in).</summary>
    public bool Coalesced => Outcome is DeployOutcome.CarriedBy;

    /// <summary>The other runs whose intents this run's commit carried (fan-in), e.g. "acme/api#123".</summary>
    public IReadOnlyList<string> CarriedRuns => Outcome is DeployOutcome.Pushed p ? p.CarriedRuns : [];

    /// <summary>The newer source commits that kept this run's images out (out-of-order protection).</summary>
    public IReadOnlyList<Supersession> SupersededBy => Outcome is DeployOutcome.Superseded s ? s.By : [];

    /// <summary>The first target's edit: the only one in a single-target run.</summary>
    public OverlayEdit Edit => Targets[0].Edit;

    /// <summary>The first target's deployment (the single-target outputs report it).</summary>
    public long? DeploymentId => Targets[0].DeploymentId;

    public ArgoOutcome? Argo => Targets[0].Argo;

    public DoraMetrics? Dora => Targets[0].Dora;

    public DeployLatency? Latency => Targets[0].Latency;

    /// <summary>True when the change is on the base branch (pushed, carried, merged, or already there).</summary>
    public bool Landed => Outcome is DeployOutcome.Pushed or DeployOutcome.CarriedBy or DeployOutcome.Merged or DeployOutcome.AlreadyThere;

    /// <summary>What happened to one target: the shared operation, or none when its overlay already had the change.</summary>
    public DeployOperation OperationOf(TargetResult target) =>
        target.Edit.Changed || Operation is DeployOperation.None or DeployOperation.Superseded or DeployOperation.Refused ? Operation : DeployOperation.None;

    public DeployResult WithTarget(string environment, Func<TargetResult, TargetResult> update) =>
        this with { Targets = Targets.Select(t => t.Target.Environment == environment ? update(t) : t).ToList() };

    public static string OperationName(DeployOperation operation) => operation switch
    {
        DeployOperation.None => "none",
        DeployOperation.Pushed => "pushed",
        DeployOperation.Created => "created",
        DeployOperation.Updated => "updated",
        DeployOperation.Merged => "merged",
        DeployOperation.AutoMergeEnabled => "auto-merge-enabled",
        DeployOperation.DryRun => "dry-run",
        DeployOperation.Superseded => "superseded",
        DeployOperation.Refused => "refused",
        _ => throw new ArgumentOutOfRangeException(nameof(operation)),
    };
}
