using GitOpsDeploy.Core.Overlay;

namespace GitOpsDeploy.Core.Deploy;

/// <summary>How a run ended when it did not fail.</summary>
public enum DeployOperation
{
    /// <summary>The overlay already had the requested images: nothing was committed.</summary>
    None,
    Pushed,
    DryRun,
}

public sealed record DeployResult(DeployOperation Operation, OverlayEdit Edit, string BaseBranch, string BaseSha)
{
    public bool Changed => Edit.Changed;

    /// <summary>The gitops commit that carries the change (for a dry run: the local, unpushed commit).</summary>
    public string? CommitSha { get; init; }

    public string? Diff { get; init; }

    public int Attempts { get; init; } = 1;

    public static string OperationName(DeployOperation operation) => operation switch
    {
        DeployOperation.None => "none",
        DeployOperation.Pushed => "pushed",
        DeployOperation.DryRun => "dry-run",
        _ => throw new ArgumentOutOfRangeException(nameof(operation)),
    };
}
