
namespace GitOpsDeploy.Core.Requests;

/// <summary>An action input: its name, default (empty: none) and description, as action.yml declares it.</summary>
public sealed record InputDefinition(string Name, bool Required, string Default, string Description, bool Secret = false);

/// <summary>An action output and what it says.</summary>
public sealed record OutputDefinition(string Name, string Description);

/// <summary>
/// Every input and output of the action, in one place. action.yml, the command-line flags, the
/// INPUT_* reader and the tables of docs/reference.md are checked against this list by tests, and
/// <see cref="InputReader"/> refuses to read a name that is not here (a misspelt input would
/// otherwise be silently unset in Actions mode).
/// </summary>
public static class InputCatalogue
{
    public static readonly IReadOnlyList<InputDefinition> Inputs =
    [
        new("gitops-repository", true, "", "The gitops repository - owner/name on this GitHub host, an https git URL, or a local path."),
        new("gitops-token", false, "", "Token with contents write on the gitops repository. Sent as HTTP basic auth, never put in a URL or .git/config.", Secret: true),
        new("environment", true, "", "Target environment, e.g. staging (letters, digits, '-', '_', '.'); several, comma or newline separated, are written in one commit or one pull request."),
        new("overlay-path", false, "", "Overlay folder in the gitops repository; may contain {{ environment }} (required with several environments), e.g. clusters/{{ environment }}/web. Default environments/<environment>."),
        new("images", false, "", "Images to set, one per line or comma-separated, in kustomize edit set image syntax (NAME=NEWNAME:TAG, NAME@DIGEST, ...)."),
        new("set", false, "", "Generic YAML edits, one per line, FILE:KEY.PATH=VALUE with FILE relative to the overlay (e.g. values.yaml:image.tag=1.4.2)."),
        new("helm-image-keys", false, "", "For a Helm values folder (no kustomization), where each image lives, one NAME=[FILE:]KEY.PATH per line (e.g. web=frontend.image); default values.yaml:image for a single image. The key holds repository/tag/digest (registry too if present) or one image string."),
        new("create-missing-keys", false, "true", "Add the missing parent keys of a set or helm-image-keys path as mappings in the file's own indentation (also in an empty file or under a key with no value); false refuses a path whose parent is missing, as before."),
        new("base-branch", false, "", "Gitops branch to update. Default the repository's default branch."),
        new("mode", false, "pull-request", "push (commit to base-branch), pull-request (open or update a PR), merge (open/update the PR and merge it now), auto-merge (open/update the PR and enable GitHub auto-merge)."),
        new("merge-method", false, "squash", "squash, merge or rebase."),
        new("pull-request-branch", false, "", "Head branch of the pull request. Default gitops-deploy/<environment>/<first image name> (several environments joined with +)."),
        new("pull-request-title", false, "", "Pull request title template (same placeholders as commit-message). Default \"Deploy <images> to <environment>\"."),
        new("pull-request-body", false, "", "Pull request body template; adds {{ table }}, {{ diff }}, {{ source-url }}, {{ compare-url }}. Default - images table, source and compare links, overlay diff."),
        new("labels", false, "", "Labels for a new pull request, comma or newline separated."),
        new("reviewers", false, "", "Users to request reviews from on a new pull request, comma or newline separated."),
        new("team-reviewers", false, "", "Team slugs to request reviews from on a new pull request, comma or newline separated."),
        new("hold-label", false, "hold", "A deploy pull request carrying this label is never updated or merged; the run fails."),
        new("wait-for-merge", false, "0", "Seconds to wait for the pull request to be merged (auto-merge or a human) before finishing; 0 does not wait."),
        new("deployment", false, "true", "Create a GitHub Deployment on the source commit and keep its status truthful."),
        new("token", false, "${{ github.token }}", "Token for the source repository (deployments write).", Secret: true),
        new("environment-url", false, "", "URL shown on the deployment; may contain {{ environment }}."),
        new("production-environment", false, "auto", "Whether the environments are production - auto (names containing prod), true or false. Decides the deployment's production_environment and the mutable-tags policy."),
        new("commit-message", false, "", "Commit message template with {{ environment }}, {{ images }}, {{ changes }}, {{ source-repository }}, {{ source-sha }}, {{ short-sha }}, {{ overlay-path }}. Trailers are always appended."),
        new("author-name", false, "github-actions[bot]", "Commit author name."),
        new("author-email", false, "", "Commit author email. Default the github-actions[bot] no-reply address on this GitHub (users.noreply.HOST, with the bot's user id on GitHub's cloud)."),
        new("commit-method", false, "auto", "How commits are made - api (GitHub's createCommitOnBranch - signed and Verified, no clone, compare-and-swap), git (clone and push), or auto (api for owner/name on a GitHub host, git for a URL or a local path)."),
        new("coalesce", false, "auto", "What a push-mode run does when other pipelines write the same branch at once - auto (with commit-method api, it publishes its change as an intent that whichever run commits next carries, many pipelines in one commit) or off (it retries alone)."),
        new("coalesce-trust", false, "", "Owners (or owner/name repositories), comma or newline separated, whose runs' intents this run applies when it leads a fan-in batch. Default - the source repository's owner. Each intent must carry its job's GitHub Actions ID token (permissions id-token write)."),
        new("dry-run", false, "false", "Do everything except push, and print the diff."),
        new("source-repository", false, "", "The application repository (owner/name) - recorded in the trailers and where the deployment is created. Default GITHUB_REPOSITORY."),
        new("source-sha", false, "", "The application commit - recorded in the trailers and deployed. Default GITHUB_SHA."),
        new("deploy-window", false, "", "Deploy windows, ';'-separated, each 'DAYS HH:MM-HH:MM ZONE' with an IANA zone (e.g. Mon-Fri 09:00-17:00 Europe/London). Outside them the run fails with the next opening time."),
        new("sync-windows", false, "", "Path in the gitops repository of the Argo CD AppProject whose spec.syncWindows govern the targets' applications (a file, or a folder whose YAML files may also hold the Application manifests), PATH#PROJECT to pick one; may contain {{ environment }}. A commit is refused, nothing written, while Argo CD would not sync it, with the next time it would."),
        new("freeze-file", false, ".gitops-deploy/freeze.yaml", "The stop-the-line file in the gitops repository (who, why, until when). Deploys to the environments it names are refused while a freeze is in force; a missing file freezes nothing."),
        new("override-freeze", false, "", "A reason to deploy despite a freeze or a closed sync window. Honoured only in a job whose environment (its ID token's environment claim, needs id-token write) is the production target; recorded as a Freeze-Override commit trailer and in the summary."),
        new("force", false, "false", "Deploy outside the deploy window or despite a rollback hold marker."),
        new("mutable-tags", false, "latest", "Tags refused for environments whose name contains prod (a digest is always accepted)."),
        new("allow-mutable-tags", false, "false", "Allow mutable tags in production environments."),
        new("allowed-registries", false, "", "Image name prefixes that are allowed (e.g. ghcr.io/acme/), comma or newline separated. Empty allows any."),
        new("promote-from", false, "", "Promote the exact image references of this environment's overlay (tip of the base branch) into environment; with images, only those image names."),
        new("argocd-server", false, "", "Argo CD server URL. When set, right after the change lands the run asks Argo CD to refresh every application whose source path covers an edited overlay, then waits until the application runs the gitops commit, Synced and Healthy."),
        new("argocd-token", false, "", "Argo CD API token (applications get).", Secret: true),
        new("argocd-application", false, "", "Argo CD application name; may contain {{ environment }} (required with several environments). Default <app>-<environment>, where app is the source repository's name."),
        new("argocd-timeout", false, "600", "Seconds to wait for Synced and Healthy before failing; 0 refreshes the applications without waiting."),
        new("argocd-insecure", false, "false", "Skip TLS verification of argocd-server (self-signed in-cluster certificates)."),
        new("analysis-template", false, "", "Path in the gitops repository of an Argo Rollouts AnalysisTemplate (Prometheus provider), PATH#NAME to pick one; may contain {{ environment }}. After the change lands and Argo CD reports it Synced and Healthy, its metrics are measured; an analysis that does not succeed fails the target (rollback-on-failure rolls it back)."),
        new("analysis-metrics", false, "", "Metrics given inline, the metrics list of an AnalysisTemplate as YAML (Prometheus provider - query, successCondition, failureCondition, interval, count, failureLimit, inconclusiveLimit), checked like analysis-template (after its metrics when both are given)."),
        new("analysis-args", false, "", "Values for the analysis's {{args.NAME}}, one NAME=VALUE per line; they override the template's own values."),
        new("prometheus-url", false, "", "Prometheus server queried by the metrics whose provider names no address."),
        new("prometheus-token", false, "", "Bearer token sent with every Prometheus query of the analysis.", Secret: true),
        new("analysis-inconclusive-limit", false, "0", "How many inconclusive measurements (no data, NaN, an empty result) a metric that sets no inconclusiveLimit may have; one more makes the analysis inconclusive, which fails the target like a failure (missing data is never success)."),
        new("rollback", false, "false", "Roll the environment back to the release before the current one (from the overlay's git history); goes through mode like any deploy and leaves a hold marker."),
        new("rollback-to", false, "", "Roll back to the release at this gitops commit sha instead of the previous one."),
        new("release-hold", false, "false", "Remove the hold marker a rollback left, in the same commit as this deploy."),
        new("rollback-on-failure", false, "false", "After a failed Argo CD wait or metric analysis, roll back (once; the rollback never rolls back)."),
        new("dora-metrics", false, "", "Compute DORA metrics (deployment frequency, lead time, change failure rate, time to restore) from the source repository's deployments. Default - on when pushgateway-url is set."),
        new("dora-window", false, "30", "Days of deployments the DORA metrics cover."),
        new("pushgateway-url", false, "", "Prometheus Pushgateway to push the DORA metrics to (job gitops_deploy, grouped by environment and repository)."),
        new("pin", false, "tag-and-digest", "How each image is written once its registry confirms the tag - tag-and-digest (name:tag@digest), digest (name@digest), or none (as given, without asking the registry; for registries the runner cannot reach)."),
        new("registry-username", false, "", "User for the images' registry, with registry-password; sent to that registry and its token service only. Default - anonymous, and for ghcr.io the token input."),
        new("registry-password", false, "", "Password or token for the images' registry (with registry-username).", Secret: true),
        new("registry-host", false, "", "Registry host the registry-username/registry-password are for (e.g. registry.example.com:5000). Default - the images' registry when they all use one (required when they use several); for a promotion, the first registry asked."),
        new("verify-attestations", false, "false", "Deploy (and promote) only image digests with a GitHub artifact attestation that verifies - built by a workflow of source-repository from the deployed commit, on a GitHub-hosted runner."),
        new("attestation-signer-workflow", false, "", "Workflows allowed to sign the attestations, comma or newline separated, as owner/repo/.github/workflows/file.yml (optionally @ref). Default - any workflow of source-repository."),
        new("attestation-trusted-root", false, "", "Path to a Sigstore trusted_root.json (or the output of gh attestation trusted-root) to verify attestations with, instead of the snapshot shipped with the action."),
        new("attestation-allow-self-hosted", false, "false", "Accept attestations of builds that ran on self-hosted runners."),
        new("allow-unused-image", false, "false", "Write an image entry even when it changes no container of the target (by default such an edit, e.g. a typo in the name, is refused with the names that exist)."),
        new("require-render", false, "false", "Refuse unless every target renders before and after the change (kubectl kustomize, kustomize or helm template); by default a render failure is shown as 'this change does not build' and a missing renderer is noted."),
        new("plan", false, "false", "Compute the change and its promotion report without writing anything - the report goes to the job summary and the plan and plan-report outputs."),
        new("expected-plan", false, "", "The plan output of an earlier plan run; the change is refused, with what differs, unless the targets, the exact image references and the files that build each target are still those of that plan."),
    ];

    public static readonly IReadOnlyList<OutputDefinition> Outputs =
    [
        new("changed", "true when the overlay changed, false when it already had the images."),
        new("operation", "What happened - none, pushed, created, updated, merged, auto-merge-enabled, dry-run, or superseded (a newer source commit is already deployed)."),
        new("commit-sha", "The gitops commit that carries the change - pushed commit, merge commit or pull request head (empty when nothing was pushed)."),
        new("pull-request-number", "The deploy pull request's number (pull request modes)."),
        new("pull-request-url", "The deploy pull request's URL (pull request modes)."),
        new("merged", "true when this run saw the pull request merged."),
        new("deployment-id", "The GitHub Deployment created on the source commit (empty when none was created)."),
        new("argocd-health", "The Argo CD application's health after the wait (empty when not configured)."),
        new("commit-to-synced-seconds", "Seconds from the gitops commit landing to Argo CD first reporting the application Synced at it (when waiting; measured by polling)."),
        new("commit-to-healthy-seconds", "Seconds from the gitops commit landing to Argo CD reporting it Synced and Healthy (when waiting; measured by polling)."),
        new("deployment-frequency", "DORA - successful deployments per day over dora-window (when DORA metrics are on)."),
        new("lead-time-seconds", "DORA - median seconds from source commit to successful deployment."),
        new("change-failure-rate", "DORA - share of finished deployments that failed or were rolled back (0 to 1)."),
        new("mean-time-to-restore-seconds", "DORA - mean seconds from a failed deployment to the next successful one."),
        new("promoted", "true when this run promoted images from promote-from."),
        new("previous-images", "The images before the change, one NAME=NEWNAME:TAG[@DIGEST] per line."),
        new("images", "The images after the change, one NAME=NEWNAME:TAG[@DIGEST] per line."),
        new("verified", "true when GitHub reports the gitops commit (pushed commit, pull request head or merge commit) as verified."),
        new("coalesced", "true when another run's batch commit carried this run's change (fan-in); commit-sha is that commit."),
        new("results", "A JSON array with one object per target - environment, overlay-path, operation, images and previous-images (lists of NAME=NEWNAME:TAG[@DIGEST]), deployment-id, argocd-health, commit-to-synced-seconds, commit-to-healthy-seconds. With several environments the single-valued outputs describe the first."),
        new("plan", "The plan of this run (base commit, targets, exact image references and the files that build each target), to pass as expected-plan to the run that applies it."),
        new("plan-report", "The promotion report as Markdown - affected workloads, the changelog per source repository and the rendered-manifest diff."),
    ];

    private static readonly Dictionary<string, InputDefinition> ByName = Inputs.ToDictionary(i => i.Name, StringComparer.Ordinal);

    private static readonly HashSet<string> OutputNames = Outputs.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);

    public static IEnumerable<string> InputNames => Inputs.Select(i => i.Name);

    public static IEnumerable<string> SecretInputs => Inputs.Where(i => i.Secret).Select(i => i.Name);

    /// <summary>The definition of an input; a name that is not catalogued is a bug in the caller, not bad user input.</summary>
    public static InputDefinition Input(string name) =>
        ByName.TryGetValue(name, out var input) ? input : throw new InvalidOperationException($"'{name}' is not an input of the action (InputCatalogue)");

    /// <summary>Checks an output name before it is written.</summary>
    public static string Output(string name) =>
        OutputNames.Contains(name) ? name : throw new InvalidOperationException($"'{name}' is not an output of the action (InputCatalogue)");
}
