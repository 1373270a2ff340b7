using System.Text.RegularExpressions;
using GitOpsDeploy.Core.Deploy;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Images;
using GitOpsDeploy.Core.Policy;
using GitOpsDeploy.Core.Yaml;

namespace GitOpsDeploy.Core.Inputs;

public enum DeployMode
{
    Push,
    PullRequest,
    Merge,
    AutoMerge,
}

/// <summary>Everything a deploy run needs, validated. Built from inputs by <see cref="Parse"/> only.</summary>
public sealed partial record DeployOptions
{
    public const string BotName = "github-actions[bot]";
    public const string BotEmail = "41898282+github-actions[bot]@users.noreply.github.com";

    public static readonly IReadOnlyDictionary<string, DeployMode> Modes = new Dictionary<string, DeployMode>
    {
        ["push"] = DeployMode.Push,
        ["pull-request"] = DeployMode.PullRequest,
        ["merge"] = DeployMode.Merge,
        ["auto-merge"] = DeployMode.AutoMerge,
    };

    public required GitOpsRemote GitOps { get; init; }

    public string? GitOpsToken { get; init; }

    public required string Environment { get; init; }

    public required string OverlayPath { get; init; }

    public required IReadOnlyList<ImageSpec> Images { get; init; }

    public required IReadOnlyList<ValueSetting> Settings { get; init; }

    /// <summary>Where each image lives in a Helm values folder (helm-image-keys); empty: values.yaml:image.</summary>
    public IReadOnlyDictionary<string, HelmImageKey> HelmImageKeys { get; init; } = new Dictionary<string, HelmImageKey>();

    public string? BaseBranch { get; init; }

    public DeployMode Mode { get; init; } = DeployMode.Push;

    public string? CommitMessageTemplate { get; init; }

    public required CommitAuthor Author { get; init; }

    public bool DryRun { get; init; }

    public string? SourceRepository { get; init; }

    public string? SourceSha { get; init; }

    /// <summary>True when source-sha was given as an input (not taken from GITHUB_SHA).</summary>
    public bool SourceShaGiven { get; init; }

    public static readonly IReadOnlyDictionary<string, MergeMethod> MergeMethods = new Dictionary<string, MergeMethod>
    {
        ["squash"] = MergeMethod.Squash,
        ["merge"] = MergeMethod.Merge,
        ["rebase"] = MergeMethod.Rebase,
    };

    public MergeMethod MergeMethod { get; init; } = MergeMethod.Squash;

    /// <summary>Head branch of the pull request: deterministic per environment and image set.</summary>
    public string PullRequestBranch { get; init; } = string.Empty;

    public string? PullRequestTitleTemplate { get; init; }

    public string? PullRequestBodyTemplate { get; init; }

    public IReadOnlyList<string> Labels { get; init; } = [];

    public IReadOnlyList<string> Reviewers { get; init; } = [];

    public IReadOnlyList<string> TeamReviewers { get; init; } = [];

    /// <summary>A pull request with this label is never updated or merged.</summary>
    public string HoldLabel { get; init; } = "hold";

    public TimeSpan WaitForMerge { get; init; }

    /// <summary>Create a GitHub Deployment on the source commit.</summary>
    public bool Deployment { get; init; } = true;

    /// <summary>Token for the source repository (deployments: write).</summary>
    public string? Token { get; init; }

    public string? EnvironmentUrl { get; init; }

    public bool ProductionEnvironment { get; init; }

    /// <summary>How often a pull request is polled while waiting for a merge.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(5);

    public bool UsesPullRequest => Mode != DeployMode.Push;

    public PolicyOptions Policy { get; init; } = PolicyOptions.None;

    /// <summary>Compute DORA metrics over this many days (0: off). On when dora-metrics or pushgateway-url is set.</summary>
    public int DoraWindowDays { get; init; }

    public string? PushgatewayUrl { get; init; }

    /// <summary>Roll back to the previous release (or to <see cref="RollbackTo"/>).</summary>
    public bool Rollback { get; init; }

    public string? RollbackTo { get; init; }

    /// <summary>With <see cref="Rollback"/>: only these image names (all when empty).</summary>
    public IReadOnlyList<string> RollbackNames { get; init; } = [];

    /// <summary>Remove the hold marker a rollback left, in the same commit as this deploy.</summary>
    public bool ReleaseHold { get; init; }

    /// <summary>After a failed Argo CD wait, roll back (once: the rollback never rolls back).</summary>
    public bool RollbackOnFailure { get; init; }

    /// <summary>Wait for this Argo CD Application after the change lands; null when not configured.</summary>
    public ArgoCdOptions? ArgoCd { get; init; }

    /// <summary>Promote the images of this environment's overlay (exact references, never re-resolved).</summary>
    public string? PromoteFrom { get; init; }

    public string? PromoteFromOverlay { get; init; }

    /// <summary>With <see cref="PromoteFrom"/>: only these image names (all when empty).</summary>
    public IReadOnlyList<string> PromoteNames { get; init; } = [];

    /// <summary>History to clone: 1 for a plain deploy; promotion and rollback read more (0 = all).</summary>
    public int CloneDepth { get; init; } = 1;

    /// <summary>Deploy despite a closed window or a hold marker.</summary>
    public bool Force { get; init; }

    /// <summary>How many times a push that lost a race is re-done from a fresh clone.</summary>
    /// <remarks>Measured: 20 pipelines racing on one repository need more than 5 (docs/benchmarks.md).</remarks>
    public int PushAttempts { get; init; } = 10;

    /// <summary>Base of the jittered exponential backoff between push attempts.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The secrets of this run, to be masked before anything is logged.</summary>
    public IEnumerable<string> Secrets => new[] { GitOpsToken, Token, ArgoCd?.Token }.OfType<string>();

    public static DeployOptions Parse(IReadOnlyDictionary<string, string> inputs, ActionContext context)
    {
        var read = new InputReader(inputs);
        var environment = read.Required("environment");
        if (!EnvironmentName().IsMatch(environment) || environment is "." or "..")
        {
            throw DeployException.Input("environment", $"'{environment}' may only contain letters, digits, '-', '_' and '.' (no path separators)");
        }

        var serverUrl = context.ServerUrl;
        var repository = read.Required("gitops-repository");
        if (serverUrl is null && !repository.Contains("://", StringComparison.Ordinal) && LooksLikeOwnerName().IsMatch(repository) && !Directory.Exists(repository))
        {
            throw DeployException.Input("gitops-repository", $"'{repository}' is owner/name but GITHUB_SERVER_URL is not set; give a URL or a local path");
        }

        var rollbackTo = read.Optional("rollback-to");
        var rollback = read.Bool("rollback", false) || rollbackTo is not null;
        if (rollbackTo is not null && !Sha().IsMatch(rollbackTo))
        {
            throw DeployException.Input("rollback-to", $"'{rollbackTo}' is not a commit sha of the gitops repository");
        }

        var promoteFrom = read.Optional("promote-from");
        if (rollback && promoteFrom is not null)
        {
            throw DeployException.Input("rollback", "cannot be combined with promote-from");
        }

        if (promoteFrom is not null && (!EnvironmentName().IsMatch(promoteFrom) || promoteFrom == environment))
        {
            throw DeployException.Input("promote-from", $"'{promoteFrom}' must be another environment's name");
        }

        // Promotion and rollback copy references from the repository: 'images' then only narrows the names.
        var names = promoteFrom is not null ? ImageNames(read, $"with promote-from, list image names only ({{0}} is a spec): the references are copied from {promoteFrom}")
            : rollback ? ImageNames(read, "with rollback, list image names only ({0} is a spec): the references come from the previous release")
            : [];
        var images = promoteFrom is null && !rollback ? ImageSpec.ParseList(read.Optional("images")) : [];

        var settings = ValueSetting.ParseList(read.Optional("set"));
        if (images.Count == 0 && settings.Count == 0 && promoteFrom is null && !rollback)
        {
            throw DeployException.Input("images", "nothing to deploy: give 'images' and/or 'set'");
        }

        var mode = read.Choice("mode", DeployMode.PullRequest, Modes);

        var baseBranch = read.Optional("base-branch");
        if (baseBranch is not null && !IsValidBranch(baseBranch))
        {
            throw DeployException.Input("base-branch", $"'{baseBranch}' is not a valid branch name");
        }

        var template = read.Optional("commit-message");
        MessageTemplate.Validate(template, CommitMessage.Placeholders, "commit-message");
        var authorName = read.Optional("author-name") ?? BotName;
        var authorEmail = read.Optional("author-email") ?? BotEmail;
        if (authorName.Any(char.IsControl) || authorEmail.Any(char.IsControl) || authorEmail.Contains('<', StringComparison.Ordinal) || authorEmail.Contains('>', StringComparison.Ordinal))
        {
            throw DeployException.Input("author-email", "author name and email may not contain control characters or angle brackets");
        }

        var sourceSha = read.Optional("source-sha") ?? context.Sha;
        if (sourceSha is not null && !Sha().IsMatch(sourceSha))
        {
            throw DeployException.Input("source-sha", $"'{sourceSha}' is not a commit sha");
        }

        var gitops = GitOpsRemote.Parse(repository, serverUrl ?? string.Empty);
        if (mode != DeployMode.Push && (gitops.Kind != RemoteKind.GitHub || context.ApiUrl is null))
        {
            throw DeployException.Input("mode", $"'{read.Optional("mode") ?? "pull-request"}' opens a pull request, which needs gitops-repository as owner/name on a GitHub host (and GITHUB_API_URL); use mode 'push' for {gitops.Display}");
        }

        var branch = read.Optional("pull-request-branch")
            ?? (rollback ? $"gitops-deploy/{environment}/rollback"
                : promoteFrom is null ? DefaultBranchName(environment, images) : $"gitops-deploy/{environment}/promote-from-{promoteFrom}");
        if (!IsValidBranch(branch) || branch.Length > 250)
        {
            throw DeployException.Input("pull-request-branch", $"'{branch}' is not a valid branch name (at most 250 characters)");
        }

        if (baseBranch is not null && branch == baseBranch)
        {
            throw DeployException.Input("pull-request-branch", "must differ from base-branch");
        }

        var titleTemplate = read.Optional("pull-request-title");
        var bodyTemplate = read.Optional("pull-request-body");
        MessageTemplate.Validate(titleTemplate, PullRequestText.Placeholders, "pull-request-title");
        MessageTemplate.Validate(bodyTemplate, PullRequestText.Placeholders, "pull-request-body");
        var sourceRepository = read.Optional("source-repository") ?? context.Repository;
        if (sourceRepository is not null && !LooksLikeOwnerName().IsMatch(sourceRepository))
        {
            throw DeployException.Input("source-repository", $"'{sourceRepository}' is not owner/name");
        }

        var environmentUrl = read.Url("environment-url");

        var production = read.Choice("production-environment", (bool?)null, new Dictionary<string, bool?> { ["auto"] = null, ["true"] = true, ["false"] = false })
            ?? environment.Contains("prod", StringComparison.OrdinalIgnoreCase);

        var waitSeconds = read.Int("wait-for-merge", 0, 0, 6 * 3600);
        var pushgateway = read.Url("pushgateway-url");
        var doraDays = read.Int("dora-window", 30, 1, 365);
        var dora = read.Bool("dora-metrics", pushgateway is not null);
        return new DeployOptions
        {
            DoraWindowDays = dora ? doraDays : 0,
            PushgatewayUrl = pushgateway,
            ArgoCd = ParseArgoCd(read, sourceRepository, environment),
            PromoteFrom = promoteFrom,
            PromoteFromOverlay = promoteFrom is null ? null : SourceOverlay(read.Optional("overlay-path"), environment, promoteFrom),
            PromoteNames = promoteFrom is null ? [] : names,
            Rollback = rollback,
            RollbackTo = rollbackTo,
            RollbackNames = rollback ? names : [],
            ReleaseHold = read.Bool("release-hold", false),
            RollbackOnFailure = read.Bool("rollback-on-failure", false),
            CloneDepth = promoteFrom is null && !rollback ? 1 : Promotion.HistoryDepth,
            Policy = ParsePolicy(read),
            Force = read.Bool("force", false),
            MergeMethod = read.Choice("merge-method", MergeMethod.Squash, MergeMethods),
            PullRequestBranch = branch,
            PullRequestTitleTemplate = titleTemplate,
            PullRequestBodyTemplate = bodyTemplate,
            Labels = read.List("labels"),
            Reviewers = read.List("reviewers"),
            TeamReviewers = read.List("team-reviewers"),
            HoldLabel = read.Optional("hold-label") ?? "hold",
            WaitForMerge = TimeSpan.FromSeconds(waitSeconds),
            PollInterval = TimeSpan.FromSeconds(Math.Clamp(waitSeconds / 20.0, 1, 15)),
            Deployment = read.Bool("deployment", true),
            Token = read.Optional("token"),
            EnvironmentUrl = environmentUrl,
            ProductionEnvironment = production,
            GitOps = gitops,
            GitOpsToken = read.Optional("gitops-token"),
            Environment = environment,
            OverlayPath = read.Optional("overlay-path") ?? $"environments/{environment}",
            Images = images,
            Settings = settings,
            HelmImageKeys = HelmImageKey.ParseList(read.Optional("helm-image-keys")),
            BaseBranch = baseBranch,
            Mode = mode,
            CommitMessageTemplate = template,
            Author = new CommitAuthor(authorName, authorEmail),
            DryRun = read.Bool("dry-run", false),
            SourceRepository = sourceRepository,
            SourceSha = sourceSha,
            SourceShaGiven = read.Optional("source-sha") is not null,
        };
    }

    /// <summary>
    /// The overlay promoted from: overlay-path with the environment's own path segment replaced
    /// (helm/production -> helm/staging); without such a segment, environments/&lt;promote-from&gt;.
    /// </summary>
    public static string SourceOverlay(string? overlayPath, string environment, string promoteFrom)
    {
        var parts = (overlayPath ?? $"environments/{environment}").Split('/');
        var index = Array.LastIndexOf(parts, environment);
        if (index < 0)
        {
            return $"environments/{promoteFrom}";
        }

        parts[index] = promoteFrom;
        return string.Join('/', parts);
    }

    private static IReadOnlyList<string> ImageNames(InputReader read, string specMessage)
    {
        var names = read.List("images");
        return names.FirstOrDefault(n => n.IndexOfAny(['=', ':', '@']) >= 0) is { } spec
            ? throw DeployException.Input("images", string.Format(System.Globalization.CultureInfo.InvariantCulture, specMessage, $"'{spec}'"))
            : names;
    }

    private static PolicyOptions ParsePolicy(InputReader read)
    {
        var window = read.Optional("deploy-window") is { } text ? DeployWindow.Parse(text) : null;
        var mutableTags = read.List("mutable-tags");
        return new PolicyOptions(window, mutableTags.Count > 0 ? mutableTags : ["latest"], read.Bool("allow-mutable-tags", false), read.List("allowed-registries"));
    }

    private static ArgoCdOptions? ParseArgoCd(InputReader read, string? sourceRepository, string environment)
    {
        if (read.Url("argocd-server") is not { } server)
        {
            return null;
        }

        var app = read.Optional("argocd-application") ?? $"{sourceRepository?.Split('/')[1] ?? "app"}-{environment}";
        return new ArgoCdOptions(server, read.Optional("argocd-token"), app, TimeSpan.FromSeconds(read.Int("argocd-timeout", 600, 1, 6 * 3600)), read.Bool("argocd-insecure", false));
    }

    /// <summary><c>gitops-deploy/&lt;environment&gt;/&lt;first image name&gt;</c>, so a newer deploy of the same image updates the same pull request.</summary>
    public static string DefaultBranchName(string environment, IReadOnlyList<ImageSpec> images)
    {
        var name = images.Count > 0 ? images[0].Name : "values";
        var safe = BranchUnsafe().Replace(name, "-").Trim('-', '.');
        return $"gitops-deploy/{environment}/{(safe.Length == 0 ? "values" : safe)}";
    }

    /// <summary>git check-ref-format's rules for a branch: for the whole name, and for each '/'-separated component.</summary>
    public static bool IsValidBranch(string name) =>
        name.Length is > 0 and <= 250 && !name.StartsWith('-') && !name.EndsWith('.') && name != "@" && name != "HEAD"
        && !name.Contains("..", StringComparison.Ordinal) && !name.Contains("@{", StringComparison.Ordinal)
        && !name.Any(c => char.IsControl(c) || c is ' ' or '~' or '^' or ':' or '?' or '*' or '[' or '\\')
        && name.Split('/').All(component => component.Length > 0 && !component.StartsWith('.') && !component.EndsWith(".lock", StringComparison.Ordinal));

    [GeneratedRegex("^[A-Za-z0-9._-]{1,100}$")]
    private static partial Regex EnvironmentName();

    [GeneratedRegex("^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$")]
    private static partial Regex LooksLikeOwnerName();

    [GeneratedRegex("[^A-Za-z0-9._/-]+|/{2,}|\\.{2,}")]
    private static partial Regex BranchUnsafe();

    [GeneratedRegex("^[0-9a-f]{7,64}$")]
    private static partial Regex Sha();
}
