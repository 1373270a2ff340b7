using GitOpsDeploy.Core.Metrics;
using GitOpsDeploy.Core.Planning;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Core.Verification;
using GitOpsDeploy.Editing.Overlay;

namespace GitOpsDeploy.Core.Results;

/// <summary>How a run ended when it did not fail.</summary>
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
}

/// <summary>How a run ended: one operation for the commit or pull request every target shares, and a result per target.</summary>
public sealed record DeployResult(DeployOperation Operation, IReadOnlyList<TargetResult> Targets, string BaseBranch, string BaseSha)
{
    public DeployResult(DeployOperation operation, IReadOnlyList<TargetEdit> edits, string baseBranch, string baseSha)
        : this(operation, edits.Select(e => new TargetResult(e.Target, e.Edit) { Promotion = e.Promotion, Rollback = e.Rollback }).ToList(), baseBranch, baseSha)
    {
    }

    /// <summary>True when this run changed the gitops repository (or would have, in a dry run).</summary>
    public bool Changed { get; init; } = Targets.Any(t => t.Edit.Changed);

    /// <summary>The gitops commit that carries the change: the pushed commit, the merge commit, or the PR head.</summary>
    public string? CommitSha { get; init; }

    public string? Diff { get; init; }

    public int Attempts { get; init; } = 1;

    public PullRequestInfo? PullRequest { get; init; }

    public bool Merged { get; init; }

    /// <summary>The newer source commits that kept this run's images out (out-of-order protection).</summary>
    public IReadOnlyList<Supersession> SupersededBy { get; init; } = [];

    /// <summary>True when the host reports <see cref="CommitSha"/> as a verified (signed) commit.</summary>
    public bool Verified { get; init; }

    /// <summary>True when another run's batch commit carried this run's change (fan-in): this run wrote nothing itself.</summary>
    public bool Coalesced { get; init; }

    /// <summary>The other runs whose intents this run's commit carried (fan-in), e.g. "acme/api#123".</summary>
    public IReadOnlyList<string> CarriedRuns { get; init; } = [];

    /// <summary>The first target's edit: the only one in a single-target run.</summary>
    public OverlayEdit Edit => Targets[0].Edit;

    /// <summary>The first target's deployment (the single-target outputs report it).</summary>
    public long? DeploymentId => Targets[0].DeploymentId;

    public ArgoOutcome? Argo => Targets[0].Argo;

    public DoraMetrics? Dora => Targets[0].Dora;

    /// <summary>True when the change is on the base branch (pushed, merged, or already there).</summary>
    public bool Landed => Operation is DeployOperation.Pushed or DeployOperation.Merged || (Operation == DeployOperation.None && PullRequest is null);

    /// <summary>What happened to one target: the shared operation, or none when its overlay already had the change.</summary>
    public DeployOperation OperationOf(TargetResult target) =>
        target.Edit.Changed || Operation is DeployOperation.None or DeployOperation.Superseded ? Operation : DeployOperation.None;

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
        _ => throw new ArgumentOutOfRangeException(nameof(operation)),
    };
}
