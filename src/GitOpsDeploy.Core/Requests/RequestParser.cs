using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Editing;
using GitOpsDeploy.Editing.Images;
using GitOpsDeploy.Editing.Yaml;

namespace GitOpsDeploy.Core.Requests;

/// <summary>Turns the action's inputs into a <see cref="DeployRequest"/>, or an error that names the input.</summary>
public static partial class RequestParser
{
    public static readonly IReadOnlyDictionary<string, DeployMode> Modes = new Dictionary<string, DeployMode>
    {
        ["push"] = DeployMode.Push,
        ["pull-request"] = DeployMode.PullRequest,
        ["merge"] = DeployMode.Merge,
        ["auto-merge"] = DeployMode.AutoMerge,
    };

    public static readonly IReadOnlyDictionary<string, MergeMethod> MergeMethods = new Dictionary<string, MergeMethod>
    {
        ["squash"] = MergeMethod.Squash,
        ["merge"] = MergeMethod.Merge,
        ["rebase"] = MergeMethod.Rebase,
    };

    /// <summary>The placeholder overlay-path, argocd-application and environment-url may use, one value per target.</summary>
    public static readonly string[] TargetPlaceholders = ["environment"];

    public static DeployRequest Parse(IReadOnlyDictionary<string, string> inputs, ActionContext context) =>
        Parse(new InputReader(inputs), context);

    public static DeployRequest Parse(InputReader read, ActionContext context)
    {
        var environments = ParseEnvironments(read);
        var serverUrl = context.ServerUrl;
        var repository = read.Required("gitops-repository");
        if (serverUrl is null && !repository.Contains("://", StringComparison.Ordinal) && LooksLikeOwnerName().IsMatch(repository))
        {
            throw DeployException.Input("gitops-repository", $"'{repository}' is owner/name but GITHUB_SERVER_URL is not set; give a URL or a local path");
        }

        var change = ParseChange(read, environments);
        var mode = read.Choice("mode", Modes);
        var gitops = GitOpsRemote.Parse(repository, serverUrl ?? string.Empty);
        if (mode != DeployMode.Push && (gitops.Kind != RemoteKind.GitHub || context.ApiUrl is null))
        {
            throw DeployException.Input("mode", $"'{read.Optional("mode")}' opens a pull request, which needs gitops-repository as owner/name on a GitHub host (and GITHUB_API_URL); use mode 'push' for {gitops.Display}");
        }

        var commitMethod = ParseCommitMethod(read, gitops, context);
        var sourceRepository = read.Optional("source-repository") ?? context.Repository;
        if (sourceRepository is not null && !LooksLikeOwnerName().IsMatch(sourceRepository))
        {
            throw DeployException.Input("source-repository", $"'{sourceRepository}' is not owner/name");
        }

        var sourceSha = read.Optional("source-sha") ?? context.Sha;
        if (sourceSha is not null && !Sha().IsMatch(sourceSha))
        {
            throw DeployException.Input("source-sha", $"'{sourceSha}' is not a commit sha");
        }

        var reporting = ParseReporting(read);
        var targets = ParseTargets(read, environments, change, reporting.ArgoCd, sourceRepository);
        var review = ParseReview(read);
        var landing = ParseLanding(read, mode, targets, change, context.GitHub) with { CommitMethod = commitMethod, CoalesceTrust = ParseTrust(read, sourceRepository) };
        return new DeployRequest
        {
            GitOps = gitops,
            GitOpsToken = read.Optional("gitops-token"),
            Token = read.Optional("token"),
            Source = new SourceRef(sourceRepository, sourceSha) { ShaGiven = read.Given("source-sha") },
            Targets = targets,
            Change = change,
            Reporting = reporting,
            Policy = ParsePolicy(read),
            Supply = ParseSupply(read, change, sourceRepository, sourceSha),
            Gates = ParseGates(read, environments, sourceRepository),
            Analysis = ParseAnalysis(read, environments),
            // A plan run writes nothing: its landing is a dry run.
            Landing = review.PlanOnly ? landing with { DryRun = true } : landing,
            Review = review,
        };
    }

    /// <summary>The promotion report's inputs; a plan run writes nothing (its landing is a dry run).</summary>
    private static ReviewOptions ParseReview(InputReader read)
    {
        var expected = read.Optional("expected-plan");
        if (expected is not null && !expected.StartsWith(ReviewOptions.PlanPrefix, StringComparison.Ordinal))
        {
            throw DeployException.Input("expected-plan", $"is not a plan output of this action (it starts with '{ReviewOptions.PlanPrefix}'); pass the plan job's output, e.g. ${{{{ needs.plan.outputs.plan }}}}");
        }

        return new ReviewOptions
        {
            AllowUnusedImage = read.Bool("allow-unused-image"),
            RequireRender = read.Bool("require-render"),
            PlanOnly = read.Bool("plan"),
            ExpectedPlan = expected,
        };
    }

    public static readonly IReadOnlyDictionary<string, PinMode> PinModes = new Dictionary<string, PinMode>
    {
        ["tag-and-digest"] = PinMode.TagAndDigest,
        ["digest"] = PinMode.Digest,
        ["none"] = PinMode.None,
    };

    /// <summary>pin, the registry credentials and the attestation policy; what the attestation check needs is required here, before anything runs.</summary>
    private static SupplyChainOptions ParseSupply(InputReader read, Change change, string? sourceRepository, string? sourceSha)
    {
        var username = read.Optional("registry-username");
        var password = read.Optional("registry-password");
        if (username is not null && password is null)
        {
            throw DeployException.Input("registry-password", "is required with registry-username");
        }

        if (username is not null && username.Contains(':', StringComparison.Ordinal))
        {
            throw DeployException.Input("registry-username", "cannot contain ':' (HTTP Basic auth separates the user from the password with one)");
        }

        var verify = read.Bool("verify-attestations");
        var workflows = read.List("attestation-signer-workflow");
        foreach (var workflow in workflows)
        {
            if (!SignerWorkflow().IsMatch(workflow))
            {
                throw DeployException.Input("attestation-signer-workflow", $"'{workflow}' is not owner/repo/.github/workflows/FILE.yml (optionally @ref, or the https:// URL of one)");
            }
        }

        var supply = new SupplyChainOptions
        {
            Pin = read.Choice("pin", PinModes),
            RegistryUsername = username,
            RegistryPassword = password,
            RegistryHost = read.Optional("registry-host"),
            VerifyAttestations = verify,
            SignerWorkflows = workflows,
            TrustedRootPath = read.Optional("attestation-trusted-root"),
            AllowSelfHostedRunners = read.Bool("attestation-allow-self-hosted"),
        };
        if (verify && sourceRepository is null)
        {
            throw DeployException.Input("verify-attestations", "needs source-repository (default GITHUB_REPOSITORY): the attestation must come from the repository that built the image");
        }

        if (verify && change.Kind == ChangeKind.Deploy && sourceSha is not { Length: 40 })
        {
            throw DeployException.Input("verify-attestations", "needs source-sha as a full 40-digit commit (default GITHUB_SHA): the attestation must name the commit being deployed");
        }

        return supply;
    }

    /// <summary>
    /// The overlay promoted from: with <c>{{ environment }}</c> in overlay-path, the template filled with
    /// promote-from; else overlay-path with the environment's own path segment replaced
    /// (helm/production -> helm/staging); without such a segment, environments/&lt;promote-from&gt;.
    /// </summary>
    public static string SourceOverlay(string? overlayPath, string environment, string promoteFrom)
    {
        if (overlayPath is not null && HasTargetPlaceholder(overlayPath))
        {
            return ForTarget(overlayPath, promoteFrom, "overlay-path");
        }

        var parts = (overlayPath ?? $"environments/{environment}").Split('/');
        var index = Array.LastIndexOf(parts, environment);
        if (index < 0)
        {
            return $"environments/{promoteFrom}";
        }

        parts[index] = promoteFrom;
        return string.Join('/', parts);
    }

    /// <summary>
    /// <c>gitops-deploy/&lt;environments&gt;/&lt;first image name&gt;</c> (promotion and rollback have their
    /// own), so a newer deploy of the same images to the same targets updates the same pull request.
    /// Several environments are joined with '+', in the order given.
    /// </summary>
    public static string DefaultBranchName(IReadOnlyList<DeployTarget> targets, Change change)
    {
        var environments = string.Join('+', targets.Select(t => t.Environment));
        var last = change.Kind switch
        {
            ChangeKind.Rollback => "rollback",
            ChangeKind.Promote => $"promote-from-{change.PromoteFrom}",
            _ => Safe(change.Images.Count > 0 ? change.Images[0].Name : "values"),
        };
        var name = $"gitops-deploy/{environments}/{last}";
        if (Encoding.UTF8.GetByteCount(name) <= MaxBranchBytes)
        {
            return name;
        }

        // GitHub refuses refs over 255 bytes: a long name keeps its start and a digest of the whole, so it stays deterministic.
        var digest = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..12];
        return $"{name[..(MaxBranchBytes - 13)].TrimEnd('/', '.', '-', '+')}-{digest}";

        static string Safe(string name)
        {
            var safe = BranchUnsafe().Replace(name, "-").Trim('-', '.');
            return safe.Length == 0 ? "values" : safe;
        }
    }

    /// <summary>The longest branch name GitHub accepts: refs/heads/ plus this many bytes is its 255-byte limit on refs.</summary>
    public const int MaxBranchBytes = 255 - 11;

    /// <summary>git check-ref-format's rules for a branch, for the whole name and each '/'-separated component, within GitHub's ref length.</summary>
    public static bool IsValidBranch(string name) =>
        name.Length > 0 && Encoding.UTF8.GetByteCount(name) <= MaxBranchBytes && !name.StartsWith('-') && !name.EndsWith('.') && name != "@" && name != "HEAD"
        && !name.Contains("..", StringComparison.Ordinal) && !name.Contains("@{", StringComparison.Ordinal)
        && !name.Any(c => char.IsControl(c) || c is ' ' or '~' or '^' or ':' or '?' or '*' or '[' or '\\')
        && name.Split('/').All(component => component.Length > 0 && !component.StartsWith('.') && !component.EndsWith(".lock", StringComparison.Ordinal));

    private static IReadOnlyList<string> ParseEnvironments(InputReader read)
    {
        read.Required("environment");
        var environments = read.List("environment");
        foreach (var environment in environments)
        {
            if (!IsEnvironmentName(environment))
            {
                throw DeployException.Input("environment", $"'{environment}' may only contain letters, digits, '-', '_' and '.' (no path separators); separate several environments with commas or new lines");
            }
        }

        if (environments.GroupBy(e => e, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw DeployException.Input("environment", $"'{twice.Key}' is listed twice");
        }

        return environments;
    }

    private static Change ParseChange(InputReader read, IReadOnlyList<string> environments)
    {
        var rollbackTo = read.Optional("rollback-to");
        var rollback = read.Bool("rollback") || rollbackTo is not null;
        if (rollbackTo is not null && !Sha().IsMatch(rollbackTo))
        {
            throw DeployException.Input("rollback-to", $"'{rollbackTo}' is not a commit sha of the gitops repository");
        }

        var promoteFrom = read.Optional("promote-from");
        if (rollback && promoteFrom is not null)
        {
            throw DeployException.Input("rollback", "cannot be combined with promote-from");
        }

        if (promoteFrom is not null && (!EnvironmentName().IsMatch(promoteFrom) || environments.Contains(promoteFrom)))
        {
            throw DeployException.Input("promote-from", $"'{promoteFrom}' must be another environment's name");
        }

        var common = new Change(ChangeKind.Deploy)
        {
            Settings = ValueSetting.ParseList(read.Optional("set")),
            HelmImageKeys = HelmImageKey.ParseList(read.Optional("helm-image-keys")),
            CreateMissingKeys = read.Bool("create-missing-keys"),
            ReleaseHold = read.Bool("release-hold"),
            Force = read.Bool("force"),
        };

        // Promotion and rollback copy references from the repository: 'images' then only narrows the names.
        if (promoteFrom is not null)
        {
            return common with { Kind = ChangeKind.Promote, PromoteFrom = promoteFrom, Names = ImageNames(read, $"with promote-from, list image names only ({{0}} is a spec): the references are copied from {promoteFrom}") };
        }

        if (rollback)
        {
            return common with { Kind = ChangeKind.Rollback, RollbackTo = rollbackTo, Names = ImageNames(read, "with rollback, list image names only ({0} is a spec): the references come from the previous release") };
        }

        var images = ImageSpec.ParseList(read.Optional("images"));
        if (images.Count == 0 && common.Settings.Count == 0)
        {
            throw DeployException.Input("images", "nothing to deploy: give 'images' and/or 'set'");
        }

        return common with { Images = images };
    }

    private static IReadOnlyList<DeployTarget> ParseTargets(InputReader read, IReadOnlyList<string> environments, Change change, ArgoCdOptions? argo, string? sourceRepository)
    {
        var overlayPath = read.Optional("overlay-path");
        var application = read.Optional("argocd-application");
        // Checked as a URL once {{ environment }} is filled in, per target.
        var environmentUrl = read.Optional("environment-url");
        foreach (var (name, value) in new[] { ("overlay-path", overlayPath), ("argocd-application", application), ("environment-url", environmentUrl) })
        {
            MessageTemplate.Validate(value, TargetPlaceholders, name);
            if (environments.Count > 1 && value is not null && !HasTargetPlaceholder(value) && name != "environment-url")
            {
                throw DeployException.Input(name, $"'{value}' would be the same for {string.Join(", ", environments)}: with several environments it must contain {{{{ environment }}}} (e.g. clusters/{{{{ environment }}}}/web)");
            }
        }

        // Production is decided here, once: the deployment's production_environment and the mutable-tag policy both read it.
        var production = read.Choice("production-environment", new Dictionary<string, bool?> { ["auto"] = null, ["true"] = true, ["false"] = false });
        return environments.Select(environment =>
        {
            var overlay = overlayPath is null ? $"environments/{environment}" : ForTarget(overlayPath, environment, "overlay-path");
            return new DeployTarget(environment, overlay, production ?? LooksLikeProduction(environment))
            {
                OverlayInput = overlayPath is null ? "environment" : "overlay-path",
                PromoteFromOverlay = change.PromoteFrom is { } from ? SourceOverlay(overlayPath, environment, from) : null,
                ArgoCd = argo is null ? null : argo with { Application = ApplicationName(application, sourceRepository, environment) },
                EnvironmentUrl = environmentUrl is null ? null : InputReader.CheckUrl("environment-url", ForTarget(environmentUrl, environment, "environment-url")),
            };
        }).ToList();
    }

    private static LandingOptions ParseLanding(InputReader read, DeployMode mode, IReadOnlyList<DeployTarget> targets, Change change, GitHubHost? github)
    {
        var baseBranch = read.Optional("base-branch");
        if (baseBranch is not null && !IsValidBranch(baseBranch))
        {
            throw DeployException.Input("base-branch", $"'{baseBranch}' is not a valid branch name");
        }

        var template = read.Optional("commit-message");
        MessageTemplate.Validate(template, MessageTemplate.CommitPlaceholders, "commit-message");
        var botEmail = github?.ActionsBotEmail ?? GitHubHost.LocalActionsBotEmail;
        var authorName = read.Optional("author-name") ?? LandingOptions.BotName;
        var authorEmail = read.Optional("author-email") ?? botEmail;
        if (authorName.Any(char.IsControl) || authorEmail.Any(char.IsControl) || authorEmail.Contains('<', StringComparison.Ordinal) || authorEmail.Contains('>', StringComparison.Ordinal))
        {
            throw DeployException.Input("author-email", "author name and email may not contain control characters or angle brackets");
        }

        var branch = read.Optional("pull-request-branch") ?? DefaultBranchName(targets, change);
        if (!IsValidBranch(branch))
        {
            throw DeployException.Input("pull-request-branch", $"'{branch}' is not a valid branch name (at most {MaxBranchBytes} bytes: GitHub refuses refs longer than 255 bytes)");
        }

        if (baseBranch is not null && branch == baseBranch)
        {
            throw DeployException.Input("pull-request-branch", "must differ from base-branch");
        }

        var titleTemplate = read.Optional("pull-request-title");
        var bodyTemplate = read.Optional("pull-request-body");
        MessageTemplate.Validate(titleTemplate, MessageTemplate.PullRequestPlaceholders, "pull-request-title");
        MessageTemplate.Validate(bodyTemplate, MessageTemplate.PullRequestPlaceholders, "pull-request-body");
        var waitSeconds = read.Int("wait-for-merge", 0, 6 * 3600);
        return new LandingOptions
        {
            Mode = mode,
            BaseBranch = baseBranch,
            MergeMethod = read.Choice("merge-method", MergeMethods),
            PullRequestBranch = branch,
            CommitMessageTemplate = template,
            PullRequestTitleTemplate = titleTemplate,
            PullRequestBodyTemplate = bodyTemplate,
            Author = new CommitAuthor(authorName, authorEmail) { Chosen = (authorName, authorEmail) != (LandingOptions.BotName, botEmail) },
            Labels = read.List("labels"),
            Reviewers = read.List("reviewers"),
            TeamReviewers = read.List("team-reviewers"),
            HoldLabel = read.Optional("hold-label") ?? "hold",
            WaitForMerge = TimeSpan.FromSeconds(waitSeconds),
            PollInterval = TimeSpan.FromSeconds(Math.Clamp(waitSeconds / 20.0, 1, 15)),
            DryRun = read.Bool("dry-run"),
            Coalesce = read.Choice("coalesce", new Dictionary<string, bool> { ["auto"] = true, ["off"] = false }),
        };
    }

    /// <summary>auto: the API where it exists (owner/name on a GitHub host with a token), git everywhere else.</summary>
    private static CommitMethod ParseCommitMethod(InputReader read, GitOpsRemote gitops, ActionContext context)
    {
        var choice = read.Choice("commit-method", new Dictionary<string, CommitMethod?> { ["auto"] = null, ["api"] = CommitMethod.Api, ["git"] = CommitMethod.Git });
        var apiPossible = gitops.Kind == RemoteKind.GitHub && context.ApiUrl is not null;
        if (choice == CommitMethod.Api && !apiPossible)
        {
            throw DeployException.Input("commit-method", $"'api' commits through GitHub's API, which needs gitops-repository as owner/name on a GitHub host (and GITHUB_API_URL); use 'git' for {gitops.Display}");
        }

        return choice ?? (apiPossible && read.Given("gitops-token") ? CommitMethod.Api : CommitMethod.Git);
    }

    private static ReportingOptions ParseReporting(InputReader read)
    {
        var pushgateway = read.Url("pushgateway-url");
        var doraDays = read.Int("dora-window", 1, 365);
        var dora = read.BoolOrNull("dora-metrics") ?? pushgateway is not null;
        return new ReportingOptions
        {
            Deployment = read.Bool("deployment"),
            DoraWindowDays = dora ? doraDays : 0,
            PushgatewayUrl = pushgateway,
            ArgoCd = ParseArgoCd(read),
            RollbackOnFailure = read.Bool("rollback-on-failure"),
        };
    }

    private static IReadOnlyList<string> ImageNames(InputReader read, string specMessage)
    {
        var names = read.List("images");
        return names.FirstOrDefault(n => n.IndexOfAny(['=', ':', '@']) >= 0) is { } spec
            ? throw DeployException.Input("images", string.Format(CultureInfo.InvariantCulture, specMessage, $"'{spec}'"))
            : names;
    }

    private static PolicyOptions ParsePolicy(InputReader read)
    {
        var window = read.Optional("deploy-window") is { } text ? DeployWindow.Parse(text) : null;
        var mutableTags = read.List("mutable-tags");
        return new PolicyOptions(window, mutableTags.Count > 0 ? mutableTags : ["latest"], read.Bool("allow-mutable-tags"), read.List("allowed-registries"));
    }

    /// <summary>The server and its settings; each target gets its own application name.</summary>
    private static ArgoCdOptions? ParseArgoCd(InputReader read)
    {
        var token = read.Optional("argocd-token");
        var timeout = TimeSpan.FromSeconds(read.Int("argocd-timeout", 0, 6 * 3600));
        var insecure = read.Bool("argocd-insecure");
        return read.Url("argocd-server") is { } server ? new ArgoCdOptions(server, token, string.Empty, timeout, insecure) : null;
    }

    private static bool HasTargetPlaceholder(string template) => TargetPlaceholder().IsMatch(template);

    /// <summary>What production-environment: auto calls production: a name containing "prod".</summary>
    public static bool LooksLikeProduction(string name) => name.Contains("prod", StringComparison.OrdinalIgnoreCase);

    /// <summary>An environment name the environment input accepts.</summary>
    public static bool IsEnvironmentName(string name) => EnvironmentName().IsMatch(name) && name is not "." and not "..";

    /// <summary>owner/name as GitHub spells a repository.</summary>
    public static bool IsOwnerName(string name) => LooksLikeOwnerName().IsMatch(name);

    /// <summary>coalesce-trust: owners or owner/name repositories; default the source repository's owner.</summary>
    private static IReadOnlyList<string> ParseTrust(InputReader read, string? sourceRepository)
    {
        var trust = read.List("coalesce-trust");
        foreach (var entry in trust)
        {
            if (!OwnerOnly().IsMatch(entry) && !LooksLikeOwnerName().IsMatch(entry))
            {
                throw DeployException.Input("coalesce-trust", $"'{entry}' is neither an owner nor owner/name");
            }
        }

        return trust.Count > 0 ? trust : sourceRepository is { } source ? [source.Split('/')[0]] : [];
    }

    private static string ForTarget(string template, string environment, string input) =>
        MessageTemplate.Render(template, new Dictionary<string, string> { ["environment"] = environment }, input);

    [GeneratedRegex(@"\{\{\s*environment\s*\}\}")]
    private static partial Regex TargetPlaceholder();

    [GeneratedRegex("^[A-Za-z0-9._-]{1,100}$")]
    private static partial Regex EnvironmentName();

    [GeneratedRegex("^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$")]
    private static partial Regex LooksLikeOwnerName();

    [GeneratedRegex("[^A-Za-z0-9._/-]+|/{2,}|\\.{2,}")]
    private static partial Regex BranchUnsafe();

    [GeneratedRegex("^[A-Za-z0-9-]{1,39}$")]
    private static partial Regex OwnerOnly();

    [GeneratedRegex("^[0-9a-f]{7,64}$")]
    private static partial Regex Sha();

    [GeneratedRegex(@"^(https://[^/\s]+/)?[A-Za-z0-9-]+/[A-Za-z0-9._-]+/\.github/workflows/[^/@\s]+\.ya?ml(@\S+)?$")]
    private static partial Regex SignerWorkflow();
}
