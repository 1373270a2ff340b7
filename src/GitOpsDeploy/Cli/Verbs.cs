using System.Reflection;
using CommandLine;

namespace GitOpsDeploy.Cli;

/// <summary>
/// The command-line front door. Every long option is named exactly like the action input it sets,
/// so both doors produce the same input dictionary and share one validation.
/// </summary>
[Verb("deploy", isDefault: true, HelpText = "Write images into an environment overlay of a gitops repository (the default command).")]
public sealed class DeployVerb
{
    [Option("gitops-repository", Required = true, MetaValue = "REPO", HelpText = "owner/name on the GitHub host, a git URL, or a local path (./name: a bare repository, which is pushed to like a server).")]
    public string? GitOpsRepository { get; set; }

    [Option("gitops-token", MetaValue = "TOKEN", HelpText = "Token for the gitops repository. Default: the GITOPS_TOKEN environment variable; prefer it, flags are visible in ps and shell history.")]
    public string? GitOpsToken { get; set; }

    [Option("environment", Required = true, MetaValue = "ENV", HelpText = "Target environment, e.g. staging.")]
    public string? Environment { get; set; }

    [Option("overlay-path", MetaValue = "PATH", HelpText = "Overlay folder; default environments/<environment>.")]
    public string? OverlayPath { get; set; }

    [Option("images", MetaValue = "IMAGE...", HelpText = "Image specs (kustomize syntax), e.g. web=ghcr.io/acme/web:1.2.0.")]
    public IEnumerable<string> Images { get; set; } = [];

    [Option("set", MetaValue = "FILE:PATH=VALUE...", HelpText = "YAML edits FILE:KEY.PATH=VALUE, relative to the overlay.")]
    public IEnumerable<string> Set { get; set; } = [];

    [Option("helm-image-keys", MetaValue = "NAME=[FILE:]PATH...", HelpText = "Helm values folder: where each image lives, NAME=[FILE:]KEY.PATH (default values.yaml:image).")]
    public IEnumerable<string> HelmImageKeys { get; set; } = [];

    [Option("create-missing-keys", MetaValue = "BOOL", HelpText = "true (default) or false: add the missing parent keys of a set or helm-image-keys path.")]
    public string? CreateMissingKeys { get; set; }

    [Option("base-branch", MetaValue = "BRANCH", HelpText = "Gitops branch to update; default: the repository's default branch.")]
    public string? BaseBranch { get; set; }

    [Option("mode", MetaValue = "MODE", HelpText = "push, pull-request (default), merge or auto-merge.")]
    public string? Mode { get; set; }

    [Option("commit-message", MetaValue = "TEMPLATE", HelpText = "Commit message template ({{ environment }}, {{ images }}, {{ changes }}, ...).")]
    public string? CommitMessage { get; set; }

    [Option("author-name", MetaValue = "NAME", HelpText = "Commit author name.")]
    public string? AuthorName { get; set; }

    [Option("author-email", MetaValue = "EMAIL", HelpText = "Commit author email.")]
    public string? AuthorEmail { get; set; }

    [Option("commit-method", MetaValue = "METHOD", HelpText = "api (GitHub's createCommitOnBranch: Verified, no clone), git (clone and push) or auto (default).")]
    public string? CommitMethod { get; set; }

    [Option("coalesce", MetaValue = "MODE", HelpText = "auto (default: under contention, publish the change for the next committer to carry) or off (retry alone).")]
    public string? Coalesce { get; set; }

    [Option("coalesce-trust", MetaValue = "OWNERS", HelpText = "Owners or owner/name repositories whose fan-in intents this run applies; default the source repository's owner.")]
    public string? CoalesceTrust { get; set; }

    [Option("dry-run", HelpText = "Do everything except push; print the diff.")]
    public bool DryRun { get; set; }

    [Option("source-repository", MetaValue = "OWNER/NAME", HelpText = "Source (application) repository, owner/name; default GITHUB_REPOSITORY.")]
    public string? SourceRepository { get; set; }

    [Option("source-sha", MetaValue = "SHA", HelpText = "Source commit; default GITHUB_SHA.")]
    public string? SourceSha { get; set; }

    [Option("merge-method", MetaValue = "METHOD", HelpText = "squash (default), merge or rebase.")]
    public string? MergeMethod { get; set; }

    [Option("pull-request-branch", MetaValue = "BRANCH", HelpText = "Head branch; default gitops-deploy/<environment>/<first image name>.")]
    public string? PullRequestBranch { get; set; }

    [Option("pull-request-title", MetaValue = "TEMPLATE", HelpText = "Pull request title template.")]
    public string? PullRequestTitle { get; set; }

    [Option("pull-request-body", MetaValue = "TEMPLATE", HelpText = "Pull request body template.")]
    public string? PullRequestBody { get; set; }

    [Option("labels", MetaValue = "LABELS", HelpText = "Labels for a new pull request, comma-separated.")]
    public string? Labels { get; set; }

    [Option("reviewers", MetaValue = "USERS", HelpText = "Reviewers for a new pull request, comma-separated.")]
    public string? Reviewers { get; set; }

    [Option("team-reviewers", MetaValue = "TEAMS", HelpText = "Team reviewers (slugs) for a new pull request, comma-separated.")]
    public string? TeamReviewers { get; set; }

    [Option("hold-label", MetaValue = "LABEL", HelpText = "A pull request with this label is never updated or merged; default hold.")]
    public string? HoldLabel { get; set; }

    [Option("wait-for-merge", MetaValue = "SECONDS", HelpText = "Seconds to wait for the pull request to be merged; 0 = do not wait.")]
    public string? WaitForMerge { get; set; }

    [Option("deployment", MetaValue = "BOOL", HelpText = "true (default) or false: create a GitHub Deployment on the source commit.")]
    public string? Deployment { get; set; }

    [Option("token", MetaValue = "TOKEN", HelpText = "Token for the source repository (deployments: write), used when GITHUB_API_URL is set. Default: the GITHUB_TOKEN environment variable; prefer it, flags are visible in ps and shell history.")]
    public string? Token { get; set; }

    [Option("environment-url", MetaValue = "URL", HelpText = "URL shown on the deployment.")]
    public string? EnvironmentUrl { get; set; }

    [Option("production-environment", MetaValue = "auto|BOOL", HelpText = "auto (default: names containing 'prod'), true or false.")]
    public string? ProductionEnvironment { get; set; }

    [Option("deploy-window", MetaValue = "WINDOWS", HelpText = "Deploy windows, e.g. 'Mon-Fri 09:00-17:00 Europe/London'; ';'-separated.")]
    public string? DeployWindow { get; set; }

    [Option("sync-windows", MetaValue = "PATH", HelpText = "Argo CD AppProject file or folder in the gitops repository whose sync windows gate the commit (PATH or PATH#PROJECT).")]
    public string? SyncWindows { get; set; }

    [Option("freeze-file", MetaValue = "PATH", HelpText = "Stop-the-line file in the gitops repository; default .gitops-deploy/freeze.yaml.")]
    public string? FreezeFile { get; set; }

    [Option("override-freeze", MetaValue = "REASON", HelpText = "Reason to deploy through a freeze; honoured only in a production environment job.")]
    public string? OverrideFreeze { get; set; }

    [Option("force", MetaValue = "BOOL", HelpText = "true: deploy outside the window or despite a hold marker.")]
    public string? Force { get; set; }

    [Option("mutable-tags", MetaValue = "TAGS", HelpText = "Tags refused in production environments; default latest.")]
    public string? MutableTags { get; set; }

    [Option("allow-mutable-tags", MetaValue = "BOOL", HelpText = "true: allow mutable tags in production.")]
    public string? AllowMutableTags { get; set; }

    [Option("allowed-registries", MetaValue = "PREFIXES", HelpText = "Image name prefixes that are allowed, comma-separated.")]
    public string? AllowedRegistries { get; set; }

    [Option("promote-from", MetaValue = "ENV", HelpText = "Promote the exact images of this environment's overlay (with images: only those names).")]
    public string? PromoteFrom { get; set; }

    [Option("argocd-server", MetaValue = "URL", HelpText = "Argo CD URL: wait for the application after the change lands.")]
    public string? ArgoCdServer { get; set; }

    [Option("argocd-token", MetaValue = "TOKEN", HelpText = "Argo CD API token. Default: the ARGOCD_TOKEN environment variable; prefer it, flags are visible in ps and shell history.")]
    public string? ArgoCdToken { get; set; }

    [Option("argocd-application", MetaValue = "NAME", HelpText = "Argo CD application; default <app>-<environment>.")]
    public string? ArgoCdApplication { get; set; }

    [Option("argocd-timeout", MetaValue = "SECONDS", HelpText = "Seconds to wait for Synced and Healthy; default 600.")]
    public string? ArgoCdTimeout { get; set; }

    [Option("argocd-insecure", MetaValue = "BOOL", HelpText = "true: skip TLS verification of argocd-server.")]
    public string? ArgoCdInsecure { get; set; }

    [Option("analysis-template", MetaValue = "PATH", HelpText = "AnalysisTemplate file in the gitops repository (PATH or PATH#NAME) whose Prometheus metrics are checked after the change lands.")]
    public string? AnalysisTemplate { get; set; }

    [Option("analysis-metrics", MetaValue = "YAML", HelpText = "Inline analysis metrics (YAML list, Prometheus provider).")]
    public string? AnalysisMetrics { get; set; }

    [Option("analysis-args", MetaValue = "LINES", HelpText = "Analysis arguments, NAME=VALUE per line.")]
    public string? AnalysisArgs { get; set; }

    [Option("prometheus-url", MetaValue = "URL", HelpText = "Prometheus URL for analysis metrics without an address.")]
    public string? PrometheusUrl { get; set; }

    [Option("prometheus-token", MetaValue = "TOKEN", HelpText = "Prometheus bearer token. Default: the PROMETHEUS_TOKEN environment variable; prefer it, flags are visible in ps and shell history.")]
    public string? PrometheusToken { get; set; }

    [Option("analysis-inconclusive-limit", MetaValue = "COUNT", HelpText = "Inconclusive measurements allowed per metric; default 0.")]
    public string? AnalysisInconclusiveLimit { get; set; }

    [Option("rollback", MetaValue = "BOOL", HelpText = "true: roll the environment back to the previous release.")]
    public string? Rollback { get; set; }

    [Option("rollback-to", MetaValue = "SHA", HelpText = "Roll back to the release at this gitops commit.")]
    public string? RollbackTo { get; set; }

    [Option("release-hold", MetaValue = "BOOL", HelpText = "true: remove the hold marker a rollback left, with this deploy.")]
    public string? ReleaseHold { get; set; }

    [Option("rollback-on-failure", MetaValue = "BOOL", HelpText = "true: roll back when the Argo CD wait fails.")]
    public string? RollbackOnFailure { get; set; }

    [Option("dora-metrics", MetaValue = "BOOL", HelpText = "true: compute DORA metrics (on when pushgateway-url is set).")]
    public string? DoraMetrics { get; set; }

    [Option("dora-window", MetaValue = "DAYS", HelpText = "Days of deployments the DORA metrics cover; default 30.")]
    public string? DoraWindow { get; set; }

    [Option("pushgateway-url", MetaValue = "URL", HelpText = "Prometheus Pushgateway URL to push DORA metrics to.")]
    public string? PushgatewayUrl { get; set; }

    [Option("pin", MetaValue = "MODE", HelpText = "tag-and-digest (default), digest or none: write each image with the digest its registry confirms.")]
    public string? Pin { get; set; }

    [Option("registry-username", MetaValue = "USER", HelpText = "User for the images' registry (with --registry-password).")]
    public string? RegistryUsername { get; set; }

    [Option("registry-password", MetaValue = "TOKEN", HelpText = "Password or token for the images' registry. Default: the REGISTRY_PASSWORD environment variable; prefer it, flags are visible in ps and shell history.")]
    public string? RegistryPassword { get; set; }

    [Option("registry-host", MetaValue = "HOST", HelpText = "Registry host the registry credentials are for; default the images' one registry.")]
    public string? RegistryHost { get; set; }

    [Option("verify-attestations", MetaValue = "BOOL", HelpText = "true: deploy and promote only digests with a verified GitHub artifact attestation.")]
    public string? VerifyAttestations { get; set; }

    [Option("attestation-signer-workflow", MetaValue = "WORKFLOWS", HelpText = "Workflows allowed to sign (owner/repo/.github/workflows/file.yml[@ref]); default any of the source repository.")]
    public string? AttestationSignerWorkflow { get; set; }

    [Option("attestation-trusted-root", MetaValue = "FILE", HelpText = "A Sigstore trusted_root.json to verify with instead of the shipped snapshot.")]
    public string? AttestationTrustedRoot { get; set; }

    [Option("attestation-allow-self-hosted", MetaValue = "BOOL", HelpText = "true: accept builds on self-hosted runners.")]
    public string? AttestationAllowSelfHosted { get; set; }
    [Option("allow-unused-image", MetaValue = "BOOL", HelpText = "true: write an image entry even when it changes no container.")]
    public string? AllowUnusedImage { get; set; }

    [Option("require-render", MetaValue = "BOOL", HelpText = "true: refuse unless every target renders before and after the change.")]
    public string? RequireRender { get; set; }

    [Option("plan", MetaValue = "BOOL", HelpText = "true: compute the change and its promotion report, write nothing.")]
    public string? Plan { get; set; }

    [Option("expected-plan", MetaValue = "PLAN", HelpText = "The plan output of a plan run: refuse unless the change is still that plan.")]
    public string? ExpectedPlan { get; set; }

    /// <summary>The options as an input dictionary (name -> value), the same shape the runner's INPUT_* variables give.</summary>
    public Dictionary<string, string> ToInputs()
    {
        var inputs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in typeof(DeployVerb).GetProperties())
        {
            var option = property.GetCustomAttribute<OptionAttribute>();
            var value = property.GetValue(this) switch
            {
                null or false => null,
                true => "true",
                string s => s,
                IEnumerable<string> many => string.Join('\n', many),
                var other => other.ToString(),
            };
            if (option is not null && !string.IsNullOrEmpty(value))
            {
                inputs[option.LongName] = value;
            }
        }

        return inputs;
    }

    /// <summary>All input names this front door knows.</summary>
    public static IReadOnlyList<string> InputNames() =>
        typeof(DeployVerb).GetProperties().Select(p => p.GetCustomAttribute<OptionAttribute>()?.LongName).OfType<string>().ToList();
}

[Verb("example", HelpText = "Deploy into the embedded example gitops repository (local, no network) and print the diff and new commit.")]
public sealed class ExampleVerb
{
    [Option("keep", HelpText = "Keep the example repository instead of deleting it.")]
    public bool Keep { get; set; }
}

[Verb("init", HelpText = "Scaffold a gitops repository: base/, one overlay and one Argo CD Application per environment, and a validation workflow.")]
public sealed class InitVerb
{
    [Value(0, MetaName = "dir", Required = true, HelpText = "Folder to write the gitops repository into.")]
    public string Directory { get; set; } = string.Empty;

    [Option("app", Required = true, MetaValue = "NAME", HelpText = "Application name (a DNS label), e.g. web.")]
    public string? App { get; set; }

    [Option("image", Required = true, MetaValue = "IMAGE", HelpText = "Image repository, e.g. ghcr.io/acme/web.")]
    public string? Image { get; set; }

    [Option("environments", MetaValue = "ENVS", HelpText = "Comma-separated environments; default staging,production.")]
    public string? Environments { get; set; }

    [Option("repo-url", MetaValue = "URL", HelpText = "URL of the gitops repository, written into the Argo CD Applications.")]
    public string? RepoUrl { get; set; }

    [Option("tag", MetaValue = "TAG", HelpText = "Initial immutable image tag; default 0.1.0 (latest is refused).")]
    public string? Tag { get; set; }

    [Option("app-repository", MetaValue = "DIR", HelpText = "Also write the application repository's promotion workflow into DIR/.github/workflows/deploy.yaml: a plan job, then the last environment's job bound to it by expected-plan.")]
    public string? AppRepository { get; set; }

    [Option("action", MetaValue = "REF", HelpText = "The action the promotion workflow uses; default acme/gitops-deploy@v1.")]
    public string? Action { get; set; }

    [Option("force", HelpText = "Overwrite existing files.")]
    public bool Force { get; set; }
}
