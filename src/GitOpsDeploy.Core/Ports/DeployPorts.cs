using GitOpsDeploy.Changelog;

namespace GitOpsDeploy.Core.Ports;

/// <summary>The adapters one run needs, built for its request; the optional ones are null when the run does without.</summary>
public sealed record DeployPorts(IGitOpsRepository Repository)
{
    /// <summary>Pull requests on the gitops repository (pull request modes).</summary>
    public IPullRequests? PullRequests { get; init; }

    /// <summary>Deployments on the source repository.</summary>
    public IDeployments? Deployments { get; init; }

    /// <summary>The source repository's commit graph, for out-of-order protection.</summary>
    public ISourceCommits? SourceCommits { get; init; }

    /// <summary>Source repositories' histories (compare and pull requests), for the promotion report's changelog.</summary>
    public ISourceHistory? SourceHistory { get; init; }

    /// <summary>This job's GitHub Actions ID tokens and the check of other jobs' (fan-in proofs); null off a runner.</summary>
    public IRunProofs? Proofs { get; init; }

    public IArgoCd? ArgoCd { get; init; }

    public IMetricsSink? Metrics { get; init; }

    /// <summary>The images' registries, for digest pinning (pin) and the digests attestations are checked for; null with pin: none.</summary>
    public IImageRegistry? Registry { get; init; }

    /// <summary>The source repository's artifact attestations (verify-attestations); null when not asked for.</summary>
    public IAttestations? Attestations { get; init; }

    /// <summary>Prometheus, for the metric analysis after the change landed; null when no analysis is asked for.</summary>
    public IMetricAnalysis? Analysis { get; init; }
}
