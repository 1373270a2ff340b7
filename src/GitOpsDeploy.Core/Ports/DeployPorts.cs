using GitOpsDeploy.Editing;
namespace GitOpsDeploy.Core.Ports;

/// <summary>The adapters one run needs, built for its request; the optional ones are null when the run does without.</summary>
public sealed record DeployPorts(IGitOpsSnapshots Snapshots, IPublisher Publisher)
{
    /// <summary>Pull requests on the gitops repository (pull request modes).</summary>
    public IPullRequests? PullRequests { get; init; }

    /// <summary>Deployments on the source repository.</summary>
    public IDeployments? Deployments { get; init; }

    /// <summary>The source repository's commit graph, for out-of-order protection.</summary>
    public ISourceCommits? SourceCommits { get; init; }

    /// <summary>Where contended runs publish intents (fan-in); the API adapter has one, git does not.</summary>
    public IIntentBoard? Board { get; init; }

    /// <summary>This job's GitHub Actions ID tokens and the check of other jobs' (fan-in proofs); null off a runner.</summary>
    public IRunProofs? Proofs { get; init; }

    /// <summary>
    /// The git method's adapter for the same repository, for a run whose change the API cannot write
    /// (<see cref="ErrorKind.UnsupportedByCommitMethod"/>); built only when asked for.
    /// </summary>
    public Func<(IGitOpsSnapshots Snapshots, IPublisher Publisher)>? GitMethod { get; init; }

    public IArgoCd? ArgoCd { get; init; }

    public IMetricsSink? Metrics { get; init; }
}
