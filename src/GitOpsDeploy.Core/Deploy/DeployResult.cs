using GitOpsDeploy.Core.Overlay;
using GitOpsDeploy.Core.Ports;

namespace GitOpsDeploy.Core.Deploy;

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
}

public sealed record DeployResult(DeployOperation Operation, OverlayEdit Edit, string BaseBranch, string BaseSha)
{
    /// <summary>True when this run changed the gitops repository (or would have, in a dry run).</summary>
    public bool Changed { get; init; } = Edit.Changed;

    /// <summary>The gitops commit that carries the change: the pushed commit, the merge commit, or the PR head.</summary>
    public string? CommitSha { get; init; }

    public string? Diff { get; init; }

    public int Attempts { get; init; } = 1;

    public PullRequestInfo? PullRequest { get; init; }

    public bool Merged { get; init; }

    public long? DeploymentId { get; init; }

    /// <summary>What Argo CD said after the change landed, when a server was configured.</summary>
    public ArgoOutcome? Argo { get; init; }

    /// <summary>DORA metrics of the environment, when asked for.</summary>
    public DoraMetrics? Dora { get; init; }

    /// <summary>True when the change is on the base branch (pushed, merged, or already there).</summary>
    public bool Landed => Operation is DeployOperation.Pushed or DeployOperation.Merged || (Operation == DeployOperation.None && PullRequest is null);

    public static string OperationName(DeployOperation operation) => operation switch
    {
        DeployOperation.None => "none",
        DeployOperation.Pushed => "pushed",
        DeployOperation.Created => "created",
        DeployOperation.Updated => "updated",
        DeployOperation.Merged => "merged",
        DeployOperation.AutoMergeEnabled => "auto-merge-enabled",
        DeployOperation.DryRun => "dry-run",
        _ => throw new ArgumentOutOfRangeException(nameof(operation)),
    };
}
