using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Editing.Images;
using GitOpsDeploy.Editing.Yaml;

namespace GitOpsDeploy.Core.Requests;

public enum DeployMode
{
    Push,
    PullRequest,
    Merge,
    AutoMerge,
}

/// <summary>
/// One run, validated and immutable: where the change comes from, the targets it goes to, what it
/// writes, how it lands and how it is reported. Built from inputs by <see cref="RequestParser"/> only;
/// nothing downstream reads raw inputs.
/// </summary>
public sealed record DeployRequest
{
    public required GitOpsRemote GitOps { get; init; }

    public string? GitOpsToken { get; init; }

    /// <summary>Token for the source repository (deployments: write).</summary>
    public string? Token { get; init; }

    public required SourceRef Source { get; init; }

    /// <summary>The environments this run writes to, in the order given; at least one, names unique.</summary>
    public required IReadOnlyList<DeployTarget> Targets { get; init; }

    public required Change Change { get; init; }

    public required LandingOptions Landing { get; init; }

    public ReportingOptions Reporting { get; init; } = new();

    public PolicyOptions Policy { get; init; } = PolicyOptions.None;

    /// <summary>Digest pinning and attestation verification (pin, registry-*, verify-attestations, attestation-*).</summary>
    public SupplyChainOptions Supply { get; init; } = SupplyChainOptions.None;

    /// <summary>The attestations verified for this run's images (set by the attestation steps), written as <c>Attested-By</c> trailers.</summary>
    public IReadOnlyList<AttestedImage> Attestations { get; init; } = [];

    /// <summary>The freeze calendar: Argo CD sync windows and the freeze file in the gitops repository, and the override.</summary>
    public GateOptions Gates { get; init; } = GateOptions.None;

    /// <summary>The Prometheus checks after the change landed (and Argo CD is Synced and Healthy).</summary>
    public MetricAnalysisOptions Analysis { get; init; } = MetricAnalysisOptions.None;
    /// <summary>The promotion report's checks and the plan this run is bound to.</summary>
    public ReviewOptions Review { get; init; } = new();

    /// <summary>The secrets of this run, to be masked before anything is logged.</summary>
    public IEnumerable<string> Secrets => new[] { GitOpsToken, Token, Reporting.ArgoCd?.Token, Supply.RegistryPassword, Analysis.Token }.OfType<string>();

    /// <summary>"staging" or "staging-eu, staging-us".</summary>
    public string EnvironmentList => string.Join(", ", Targets.Select(t => t.Environment));

    /// <summary>
    /// The rollback that <c>rollback-on-failure</c> lands for the targets whose deploy became unhealthy:
    /// the previous release, forced past the hold it leaves, through its own pull request branch, without
    /// another Argo CD wait or metric analysis (the previous release is the known-good one) and never rolled back again.
    /// </summary>
    public DeployRequest RollbackOf(IReadOnlyList<DeployTarget> unhealthy)
    {
        var rollback = Change.RollbackToPrevious(Change.HelmImageKeys) with { CreateMissingKeys = Change.CreateMissingKeys };
        return this with
        {
            Targets = unhealthy.Select(t => t with { ArgoCd = null }).ToList(),
            Change = rollback,
            Source = Source with { ShaGiven = false },
            Landing = Landing with { PullRequestBranch = RequestParser.DefaultBranchName(unhealthy, rollback) },
            Reporting = Reporting with { RollbackOnFailure = false },
            Analysis = MetricAnalysisOptions.None,
        };
    }
}

/// <summary>The application commit being deployed.</summary>
public sealed record SourceRef(string? Repository, string? Sha)
{
    /// <summary>True when source-sha was given as an input (not taken from GITHUB_SHA).</summary>
    public bool ShaGiven { get; init; }

    public string? ShortSha => Sha is { Length: >= 7 } sha ? sha[..7] : null;
}

/// <summary>One environment of a run: its overlay, whether it is production, and its Argo CD application.</summary>
public sealed record DeployTarget(string Environment, string OverlayPath, bool Production)
{
    /// <summary>The input that named the overlay: overlay-path, or environment when the default environments/&lt;environment&gt; was used.</summary>
    public string OverlayInput { get; init; } = "overlay-path";

    /// <summary>With promote-from: the overlay the images are copied from.</summary>
    public string? PromoteFromOverlay { get; init; }

    /// <summary>The Argo CD application to wait for after the change lands; null when not configured.</summary>
    public ArgoCdOptions? ArgoCd { get; init; }

    /// <summary>environment-url for this environment's deployment.</summary>
    public string? EnvironmentUrl { get; init; }
}

public enum ChangeKind
{
    /// <summary>Write the given images and values.</summary>
    Deploy,

    /// <summary>Copy the exact image references of another environment.</summary>
    Promote,

    /// <summary>Restore the previous release (or the one at a given commit).</summary>
    Rollback,
}

/// <summary>What a run writes into each target's overlay.</summary>
public sealed record Change(ChangeKind Kind)
{
    public IReadOnlyList<ImageSpec> Images { get; init; } = [];

    public IReadOnlyList<ValueSetting> Settings { get; init; } = [];

    /// <summary>Where each image lives in a Helm values folder (helm-image-keys); empty: values.yaml:image.</summary>
    public IReadOnlyDictionary<string, HelmImageKey> HelmImageKeys { get; init; } = new Dictionary<string, HelmImageKey>();

    /// <summary>create-missing-keys: set and Helm images add the missing parent mappings of their key paths.</summary>
    public bool CreateMissingKeys { get; init; } = true;

    /// <summary>Promote: the environment copied from.</summary>
    public string? PromoteFrom { get; init; }

    /// <summary>Promote and rollback: only these image names (all when empty).</summary>
    public IReadOnlyList<string> Names { get; init; } = [];

    /// <summary>Rollback: the gitops commit whose release is restored; null: the previous release.</summary>
    public string? RollbackTo { get; init; }

    /// <summary>Remove the hold marker a rollback left, in the same commit as this deploy.</summary>
    public bool ReleaseHold { get; init; }

    /// <summary>Deploy despite a closed window or a hold marker.</summary>
    public bool Force { get; init; }

    /// <summary>A promotion or rollback reads older commits; a plain deploy needs only the tip.</summary>
    public bool ReadsHistory => Kind != ChangeKind.Deploy;

    public static Change RollbackToPrevious(IReadOnlyDictionary<string, HelmImageKey> helmKeys) =>
        new(ChangeKind.Rollback) { HelmImageKeys = helmKeys, Force = true };
}

/// <summary>How commits are made.</summary>
public enum CommitMethod
{
    /// <summary>Clone with libgit2, commit, push.</summary>
    Git,

    /// <summary>GitHub's GraphQL createCommitOnBranch: signed by GitHub, no clone, compare-and-swap.</summary>
    Api,
}

/// <summary>How the change gets onto the gitops branch.</summary>
public sealed record LandingOptions
{
    public const string BotName = GitHubHost.ActionsBot;

    public DeployMode Mode { get; init; } = DeployMode.Push;

    public CommitMethod CommitMethod { get; init; } = CommitMethod.Git;

    public bool UsesPullRequest => Mode != DeployMode.Push;

    public string? BaseBranch { get; init; }

    public MergeMethod MergeMethod { get; init; } = MergeMethod.Squash;

    /// <summary>Head branch of the pull request: deterministic per target set and image set.</summary>
    public string PullRequestBranch { get; init; } = string.Empty;

    public string? CommitMessageTemplate { get; init; }

    public string? PullRequestTitleTemplate { get; init; }

    public string? PullRequestBodyTemplate { get; init; }

    /// <summary>The commit author: the author-name/author-email inputs, or the Actions bot with its no-reply address on the run's GitHub.</summary>
    public CommitAuthor Author { get; init; } = new(BotName, GitHubHost.LocalActionsBotEmail);

    public IReadOnlyList<string> Labels { get; init; } = [];

    public IReadOnlyList<string> Reviewers { get; init; } = [];

    public IReadOnlyList<string> TeamReviewers { get; init; } = [];

    /// <summary>A pull request with this label is never updated or merged.</summary>
    public string HoldLabel { get; init; } = "hold";

    public TimeSpan WaitForMerge { get; init; }

    /// <summary>How often a pull request is polled while waiting for a merge.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(5);

    public bool DryRun { get; init; }

    /// <summary>coalesce: auto: under contention, publish the change for whichever run commits next to carry (fan-in); off: retry alone.</summary>
    public bool Coalesce { get; init; } = true;

    /// <summary>coalesce-trust: the owners (or owner/name repositories) whose runs' intents this run applies when it leads.</summary>
    public IReadOnlyList<string> CoalesceTrust { get; init; } = [];
}

/// <summary>What is reported about the run, besides the outputs.</summary>
public sealed record ReportingOptions
{
    /// <summary>Create a GitHub Deployment per environment on the source commit.</summary>
    public bool Deployment { get; init; } = true;

    /// <summary>Compute DORA metrics over this many days (0: off).</summary>
    public int DoraWindowDays { get; init; }

    public string? PushgatewayUrl { get; init; }

    /// <summary>The Argo CD server every target's application is read from (application names are per target).</summary>
    public ArgoCdOptions? ArgoCd { get; init; }

    /// <summary>After a failed Argo CD wait, roll back (once: the rollback never rolls back).</summary>
    public bool RollbackOnFailure { get; init; }
}
