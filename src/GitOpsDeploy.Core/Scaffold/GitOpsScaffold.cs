using System.Text.RegularExpressions;
using GitOpsDeploy.Editing;
using GitOpsDeploy.Editing.Images;

namespace GitOpsDeploy.Core.Scaffold;

public sealed record ScaffoldOptions(string App, string Image, IReadOnlyList<string> Environments, string? RepoUrl, string Tag);

/// <summary>
/// The gitops repository of the seed, generated: <c>base/</c>, one kustomize overlay per environment
/// (with a patch file and kustomize's current <c>patches:</c> field), one Argo CD Application per
/// environment, and a workflow that renders every overlay on pull requests. Pure: returns the files.
/// </summary>
public static partial class GitOpsScaffold
{
    private static readonly string[] MutableTags = ["latest", "main", "master", "stable", "edge"];

    public static ScaffoldOptions Validate(string? app, string? image, string? environments, string? repoUrl, string? tag)
    {
        if (app is null || !DnsLabel().IsMatch(app))
        {
            throw DeployException.Input("app", $"'{app}' must be a lowercase DNS label (a-z, 0-9, '-', at most 40 characters)");
        }

        // Parsed as the overlay's entry (app=image:tag): the image is its newName, what the cluster pulls, so it must be a reference a registry accepts.
        var spec = ImageSpec.Parse($"{app}={image ?? string.Empty}:{tag ?? "0.1.0"}", "image");
        if (spec.Tag.Value is { } t && MutableTags.Contains(t, StringComparer.OrdinalIgnoreCase))
        {
            throw DeployException.Input("tag", $"'{t}' is a mutable tag: scaffolded overlays pin an immutable tag (e.g. 0.1.0 or a commit sha)");
        }

        var envs = (environments ?? "staging,production").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (envs.Length == 0 || envs.Any(e => !DnsLabel().IsMatch(e)) || envs.Distinct().Count() != envs.Length)
        {
            throw DeployException.Input("environments", "give distinct lowercase names, comma-separated (e.g. staging,production)");
        }

        if (repoUrl is not null && !(Uri.TryCreate(repoUrl, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http" or "ssh"))
        {
            throw DeployException.Input("repo-url", $"'{repoUrl}' is not a URL");
        }

        return new ScaffoldOptions(app, spec.NewName.Value!, envs, repoUrl, spec.Tag.Value!);
    }

    public static IReadOnlyDictionary<string, string> Generate(ScaffoldOptions o)
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["base/kustomization.yaml"] = $"""
                apiVersion: kustomize.config.k8s.io/v1beta1
                kind: Kustomization

                resources:
                  - deployment.yaml
                  - service.yaml

                labels:
                  - pairs:
                      app.kubernetes.io/name: {o.App}
                    includeSelectors: true

                """,
            ["base/deployment.yaml"] = $"""
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: {o.App}
                spec:
                  replicas: 1
                  selector:
                    matchLabels:
                      app.kubernetes.io/name: {o.App}
                  template:
                    metadata:
                      labels:
                        app.kubernetes.io/name: {o.App}
                    spec:
                      containers:
                        - name: app
                          # The overlays' images: list sets the real registry, name and tag.
                          image: {o.App}
                          ports:
                            - name: http
                              containerPort: 8080
                          env:
                            - name: ENVIRONMENT
                              value: base

                """,
            ["base/service.yaml"] = $"""
                apiVersion: v1
                kind: Service
                metadata:
                  name: {o.App}
                spec:
                  ports:
                    - name: http
                      port: 80
                      targetPort: http

                """,
            [".github/workflows/validate.yaml"] = ValidateWorkflow,
        };

        foreach (var env in o.Environments)
        {
            var production = env.Contains("prod", StringComparison.Ordinal);
            files[$"environments/{env}/kustomization.yaml"] = $"""
                apiVersion: kustomize.config.k8s.io/v1beta1
                kind: Kustomization

                namespace: {o.App}-{env}

                resources:
                  - ../../base

                # Written by GitOpsDeploy: one entry per image, kept in this order.
                images:
                  - name: {o.App}
                    newName: {o.Image}
                    newTag: "{o.Tag}"

                patches:
                  - path: deployment-patch.yaml

                """;
            files[$"environments/{env}/deployment-patch.yaml"] = $"""
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: {o.App}
                spec:
                  replicas: {(production ? 3 : 1)}
                  template:
                    spec:
                      containers:
                        - name: app
                          resources:
                            requests:
                              memory: "{(production ? "256Mi" : "128Mi")}"
                              cpu: "100m"
                            limits:
                              memory: "{(production ? "512Mi" : "256Mi")}"
                              cpu: "500m"
                          env:
                            - name: ENVIRONMENT
                              value: "{env}"

                """;
            files[$"argocd/{env}-app.yaml"] = $"""
                apiVersion: argoproj.io/v1alpha1
                kind: Application
                metadata:
                  name: {o.App}-{env}
                  namespace: argocd
                spec:
                  project: default
                  source:
                    repoURL: {o.RepoUrl ?? "https://git.example.com/OWNER/REPO.git # replace with this repository's URL"}
                    targetRevision: HEAD
                    path: environments/{env}
                  destination:
                    server: https://kubernetes.default.svc
                    namespace: {o.App}-{env}
                  syncPolicy:
                    automated:
                      prune: true
                      selfHeal: true
                    syncOptions:
                      - CreateNamespace=true

                """;
        }

        return files;
    }

    private const string ValidateWorkflow = """
        # Renders every overlay with kustomize on pull requests, so a broken overlay never reaches Argo CD.
        name: validate

        on:
          pull_request:
          push:
            branches: [main]

        permissions:
          contents: read

        jobs:
          render:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
              - name: Render overlays
                run: |
                  set -euo pipefail
                  for overlay in environments/*/; do
                    echo "::group::kubectl kustomize $overlay"
                    kubectl kustomize "$overlay" > /dev/null
                    echo "::endgroup::"
                  done

        """;

    /// <summary>Where <see cref="PromotionWorkflow"/> goes in the application repository.</summary>
    public const string PromotionWorkflowPath = ".github/workflows/deploy.yaml";

    /// <summary>
    /// The application repository's promotion workflow, as examples/deploy.yaml has it: a <c>plan</c> job without an
    /// environment (it runs at once, writes nothing, puts the promotion report in the run's summary and outputs
    /// <c>plan</c>), then the job of the last environment (<c>environment:</c> it, so its protection rules are the
    /// approval) promoting from the one before it with <c>expected-plan: ${{ needs.plan.outputs.plan }}</c>.
    /// </summary>
    /// <param name="action">The action reference the steps use (owner/name@ref).</param>
    public static string PromotionWorkflow(ScaffoldOptions o, string action)
    {
        ArgumentNullException.ThrowIfNull(o);
        if (o.Environments.Count < 2)
        {
            throw DeployException.Input("environments", "the promotion workflow promotes one environment to the next: give at least two (e.g. staging,production)");
        }

        if (!ActionReference().IsMatch(action))
        {
            throw DeployException.Input("action", $"'{action}' is not an action reference (owner/name@ref)");
        }

        var (from, to) = (o.Environments[^2], o.Environments[^1]);
        var (owner, gitops) = GitOpsRepository(o.RepoUrl);
        var repository = $"{owner ?? "${{ github.repository_owner }}"}/{gitops}";
        var tokenOwner = owner is null ? string.Empty : $"\n          owner: {owner}";
        var job = JobId().Replace(to, "-");
        // GitHub jobs cannot share steps: both jobs need the App token, written once here (indented as the jobs' steps).
        var appToken = $$$"""
            - name: Token for the gitops repository
                    id: app-token
                    uses: actions/create-github-app-token@v1
                    with:
                      app-id: ${{ vars.GITOPS_APP_ID }}
                      private-key: ${{ secrets.GITOPS_APP_PRIVATE_KEY }}
                      repositories: {{{gitops}}}{{{tokenOwner}}}
            """;
        return $$$"""
            # Application repository: {{{PromotionWorkflowPath}}} (written by gitops-deploy init).
            # Promotes what runs in {{{from}}} to {{{to}}} behind an approval bound to what the approver was shown:
            # - `plan` (no environment, so it runs at once) computes the promotion without writing anything and puts
            #   its report (affected workloads, the commits and pull requests that ship, the rendered manifest diff)
            #   in this run's summary, and its digest in the `plan` output.
            # - `{{{job}}}` (`environment: {{{to}}}`: its protection rules are the approval) waits for the approver, who reads
            #   that report on the same run page, then applies exactly that plan, or refuses and writes nothing if the
            #   change is no longer the plan that was approved (`expected-plan`).
            # Needs the variable GITOPS_APP_ID and the secret GITOPS_APP_PRIVATE_KEY (a GitHub App installed on the
            # gitops repository with Contents and Pull requests: read and write), and the {{{to}}} environment.
            name: deploy

            on:
              workflow_dispatch:

            permissions:
              contents: read
              deployments: write

            concurrency:
              group: deploy-{{{to}}}
              cancel-in-progress: false

            jobs:
              plan:
                runs-on: ubuntu-latest
                outputs:
                  plan: ${{ steps.plan.outputs.plan }}
                steps:
                  {{{appToken}}}
                  - name: Plan the promotion (writes nothing)
                    id: plan
                    uses: {{{action}}}
                    with:
                      gitops-repository: {{{repository}}}
                      gitops-token: ${{ steps.app-token.outputs.token }}
                      environment: {{{to}}}
                      promote-from: {{{from}}}
                      mode: merge
                      plan: true

              {{{job}}}:
                needs: plan
                runs-on: ubuntu-latest
                environment: {{{to}}}
                steps:
                  {{{appToken}}}
                  - name: Promote {{{from}}} to {{{to}}}
                    uses: {{{action}}}
                    with:
                      gitops-repository: {{{repository}}}
                      gitops-token: ${{ steps.app-token.outputs.token }}
                      environment: {{{to}}}
                      promote-from: {{{from}}}
                      mode: merge
                      expected-plan: ${{ needs.plan.outputs.plan }}

            """;
    }

    /// <summary>
    /// The gitops repository as owner and name from its URL (<c>https://HOST/acme/gitops.git</c>: acme, gitops);
    /// without a URL of that shape, no owner (the workflow's own owner) and the name "gitops".
    /// </summary>
    private static (string? Owner, string Name) GitOpsRepository(string? repoUrl)
    {
        if (repoUrl is null || !Uri.TryCreate(repoUrl, UriKind.Absolute, out var uri))
        {
            return (null, "gitops");
        }

        var parts = uri.AbsolutePath.Trim('/').Split('/');
        var name = parts[^1].EndsWith(".git", StringComparison.Ordinal) ? parts[^1][..^4] : parts[^1];
        return parts.Length == 2 && RepositoryName().IsMatch(parts[0]) && RepositoryName().IsMatch(name) ? (parts[0], name) : (null, RepositoryName().IsMatch(name) ? name : "gitops");
    }

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,100}$")]
    private static partial Regex RepositoryName();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9_.-]+(/[^@\\s]+)?@[A-Za-z0-9_./-]+$")]
    private static partial Regex ActionReference();

    [GeneratedRegex("[^A-Za-z0-9_-]")]
    private static partial Regex JobId();

    [GeneratedRegex("^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$")]
    private static partial Regex DnsLabel();
}
