using GitOpsDeploy.Tests.App;
using GitOpsDeploy.Tests.Fakes;
using GitOpsDeploy.Tests.GitHub;

namespace GitOpsDeploy.Tests.EndToEnd;

/// <summary>
/// The promotion report, end to end: the workloads an image edit moves (and the refusal of one that moves none),
/// the changelog of the source repository between the commit that runs and the one deployed (real git histories
/// behind the fake's compare and pull-request endpoints), the rendered-manifest diff with the real renderers,
/// where the report goes (summary, pull request, deployment), and a plan bound to what it showed.
/// </summary>
[Trait("Tier", "EndToEnd")]
public sealed class PromotionReportTests : GitOpsFixture
{
    private const string WebToken = "ghs_WEBreportTOKEN0123456789ab";

    private const string BaseDeployments = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        spec:
          selector:
            matchLabels:
              app: web
          template:
            metadata:
              labels:
                app: web
            spec:
              initContainers:
                - name: migrate
                  image: web
                  args: ["migrate"]
              containers:
                - name: web
                  image: web
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: worker
        spec:
          selector:
            matchLabels:
              app: worker
          template:
            metadata:
              labels:
                app: worker
            spec:
              containers:
                - name: worker
                  image: worker
        ---
        apiVersion: v1
        kind: Secret
        metadata:
          name: web-credentials
        stringData:
          password: hunter2-do-not-print
        """;

    private FakeRepo web = null!;
    private SourceClone source = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        // The seed's layout with real workloads: web (and its migration init container) and worker run the images the overlays name.
        Repo.Commit(new Dictionary<string, string>
        {
            ["base/kustomization.yaml"] = "resources:\n  - deployment.yaml\n",
            ["base/deployment.yaml"] = BaseDeployments,
            ["environments/staging/kustomization.yaml"] = StagingKustomization.Replace("  - ../../base\n", "  - ../../base\nnamespace: staging\n", StringComparison.Ordinal),
        }, "workloads");
        web = GitHub.CreateRepo("acme/web", new Dictionary<string, string> { ["main.go"] = "package main\n" });
        GitHub.AddToken(WebToken, Permission.Write, "acme/web");
        GitHub.LinkEmail("alice@example.com", "alice");
        GitHub.LinkEmail("bob@example.com", "bob");
        source = new SourceClone(web);
    }

    public override async Task DisposeAsync()
    {
        source.Dispose();
        await base.DisposeAsync();
    }

    private Dictionary<string, string> Deploy(string sha, string images, params (string Name, string Value)[] overrides) =>
        Inputs([("source-repository", "acme/web"), ("source-sha", sha), ("token", WebToken), ("images", images), .. overrides]);

    [Fact]
    public async Task A_typo_in_the_image_name_is_refused_with_did_you_mean_and_nothing_is_written()
    {
        var head = Repo.Head();

        var result = await Run(Deploy(source.Head, "wbe=ghcr.io/acme/web:1.1.0"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("image 'wbe' matches no container: did you mean 'web'?", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("allow-unused-image: true", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(head, Repo.Head());
        Assert.Empty(GitHub.Api("acme/web").Deployments);
        Assert.Contains("**Failed:**", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_image_without_a_name_that_matches_nothing_is_refused_naming_the_images_that_exist()
    {
        var head = Repo.Head();

        var result = await Run(Deploy(source.Head, "ghcr.io/acme/api:2.0.0"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("image 'ghcr.io/acme/api' matches no container", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("'web'", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("'worker'", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(head, Repo.Head());
    }

    [Fact]
    public async Task An_image_without_a_name_that_matches_what_the_earlier_entry_renders_is_written_as_kustomize_applies_it()
    {
        // kustomize applies images entries in order: an appended ghcr.io/acme/web entry matches what the web entry renders.
        var result = await Run(Deploy(source.Head, "ghcr.io/acme/web:1.5.0"));

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Contains("| Deployment `staging/web` | `web` | `ghcr.io/acme/web:1.0.0` | `ghcr.io/acme/web:1.5.0` |", result.Summary, StringComparison.Ordinal);
        if (ExternalTool.Kubectl.Path is not null)
        {
            var rendered = Render("environments/staging");
            Assert.Contains("image: ghcr.io/acme/web:1.5.0", rendered, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Allow_unused_image_writes_the_entry_and_the_report_warns()
    {
        var result = await Run(Deploy(source.Head, "wbe=ghcr.io/acme/web:1.1.0", ("allow-unused-image", "true")));

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Equal("pushed", result.Output("operation"));
        Assert.Contains("- name: wbe", Repo.ReadFile("environments/staging/kustomization.yaml"), StringComparison.Ordinal);
        Assert.Contains("::warning::staging: image 'wbe' matches no container: did you mean 'web'?", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("> [!WARNING]\n> image 'wbe' matches no container", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_affected_workloads_are_listed_in_the_summary_the_pull_request_and_the_deployment()
    {
        var result = await Run(Deploy(source.Head, "web=ghcr.io/acme/web:1.1.0", ("mode", "pull-request")));

        Assert.True(result.ExitCode == 0, result.Stdout);
        const string row = "| Deployment `staging/web` | `web` | `ghcr.io/acme/web:1.0.0` | `ghcr.io/acme/web:1.1.0` |";
        const string init = "| Deployment `staging/web` | `migrate` (init) | `ghcr.io/acme/web:1.0.0` | `ghcr.io/acme/web:1.1.0` |";
        Assert.Contains("### Promotion report: staging (`environments/staging`)", result.Summary, StringComparison.Ordinal);
        Assert.Contains("**What changes in the cluster:** 2 containers in 1 workload.", result.Summary, StringComparison.Ordinal);
        Assert.Contains(row, result.Summary, StringComparison.Ordinal);
        Assert.Contains(init, result.Summary, StringComparison.Ordinal);
        Assert.DoesNotContain("`worker`", result.Summary, StringComparison.Ordinal);

        var pr = GitOpsApi.Pulls.Single();
        Assert.Contains(row, pr.Body, StringComparison.Ordinal);
        Assert.EndsWith(" -->", pr.Body, StringComparison.Ordinal);
        var deployment = GitHub.Api("acme/web").Deployments.Single();
        Assert.Contains("changes Deployment staging/web", deployment.Description, StringComparison.Ordinal);
        Assert.Equal("Deployment staging/web", deployment.Payload["workloads"]);
    }

    [Fact]
    public async Task The_changelog_lists_the_pull_requests_between_the_running_and_the_deployed_commit_and_a_rollback_the_ones_it_takes_out()
    {
        var first = source.Head;
        Assert.Equal(0, (await Run(Deploy(first, "web=ghcr.io/acme/web:1.1.0"))).ExitCode);

        source.Branch("feature/login");
        source.Commit("Login form @carol #12");
        source.Commit("Login validation", "Bob", "bob@example.com");
        source.Push("feature/login");
        var login = GitHub.OpenPull("acme/web", "feature/login", $"Add login page for {GitHub.ServerUrl}/acme/web/issues/3 and https://github.com/acme/web/issues/4", "", author: "alice");
        GitHub.MergeByHand("acme/web", login.Number, "merge");
        source.Pull();
        source.Commit("Bump version", "Release Bot", "release@example.com");
        source.Push();
        var second = source.Head;

        var forward = await Run(Deploy(second, "web=ghcr.io/acme/web:1.2.0"));

        Assert.True(forward.ExitCode == 0, forward.Stdout);
        Assert.Contains($"#### acme/web (web): 4 commits", forward.Summary, StringComparison.Ordinal);
        Assert.Contains("Add login page", forward.Summary, StringComparison.Ordinal);
        Assert.Contains("by @&#8203;alice", forward.Summary, StringComparison.Ordinal);

        // The run's GitHub is an Enterprise Server (no redirect host): its own issue links are shown as text; another
        // GitHub's are not its concern (a page here cannot backlink there).
        var server = new Uri(GitHub.ServerUrl);
        Assert.Contains($"Add login page for {server.Scheme}&#8203;://{server.Authority}/acme/web/issues/3 and <https://github.com/acme/web/issues/4>", forward.Summary, StringComparison.Ordinal);
        Assert.Contains("Bump version", forward.Summary, StringComparison.Ordinal);
        Assert.DoesNotContain("@carol", forward.Summary, StringComparison.Ordinal);
        var deployment = GitHub.Api("acme/web").Deployments.Single(d => d.Sha == second);
        Assert.Contains("Deploying web=ghcr.io/acme/web:1.2.0 to staging: 4 new commits: Bump version;", deployment.Description, StringComparison.Ordinal);

        var rollback = await Run(Inputs(("source-repository", "acme/web"), ("token", WebToken), ("rollback", "true"), ("images", "web")));

        Assert.True(rollback.ExitCode == 0, rollback.Stdout);
        Assert.Contains("rollback, 4 commits are taken out", rollback.Summary, StringComparison.Ordinal);
        Assert.Contains("Add login page", rollback.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_first_deploy_says_there_is_nothing_to_compare_and_an_entry_of_unknown_origin_says_so()
    {
        Repo.Commit(new Dictionary<string, string> { ["environments/dev/kustomization.yaml"] = "resources:\n  - ../../base\n" }, "dev");

        var dev = await Run(Deploy(source.Head, "web=ghcr.io/acme/web:1.1.0", ("environment", "dev")));
        var staging = await Run(Deploy(source.Head, "web=ghcr.io/acme/web:1.1.0"));

        Assert.True(dev.ExitCode == 0, dev.Stdout);
        Assert.Contains("#### acme/web (web): first deploy", dev.Summary, StringComparison.Ordinal);
        Assert.Contains("nothing runs yet to compare with", dev.Summary, StringComparison.Ordinal);
        // Staging's 1.0.0 was not written by the action: which commit built it is unknown.
        Assert.Contains("the source commit that built the running web=ghcr.io/acme/web:1.0.0 is unknown", staging.Summary, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task The_rendered_diff_shows_what_kubectl_kustomize_renders_differently_with_secrets_redacted()
    {
        Skip.If(ExternalTool.Kubectl.Path is null, "kubectl is not installed: the rendered-manifest diff is not tested here");

        var images = await Run(Deploy(source.Head, "web=ghcr.io/acme/web:1.1.0"));

        Assert.True(images.ExitCode == 0, images.Stdout);
        Assert.Contains("<details><summary><b>Rendered manifests</b>: 1 resource changed, 0 added, 0 removed (kubectl kustomize environments/staging)</summary>", images.Summary, StringComparison.Ordinal);
        Assert.Contains("-        image: ghcr.io/acme/web:1.0.0\n", images.Summary, StringComparison.Ordinal);
        Assert.Contains("+        image: ghcr.io/acme/web:1.1.0\n", images.Summary, StringComparison.Ordinal);
        // The unchanged Secret is not shown, and its value is nowhere in what the run printed.
        Assert.DoesNotContain("hunter2", images.AllBytes, StringComparison.Ordinal);
    }

    /// <summary>A fake Argo CD whose application web-staging renders environments/staging of the gitops repository (its repo-server clones the real one).</summary>
    private async Task<FakeArgoCd> ArgoRenderingStagingAsync()
    {
        Skip.If(ExternalTool.Kubectl.Path is null || !FakeArgoCd.CanRender, "kubectl, python3 with PyYAML or git is missing: the fake Argo CD cannot render here");
        var argo = await FakeArgoCd.StartAsync();
        argo.Source("web-staging", $"{GitHub.ServerUrl}/acme/gitops.git", "environments/staging", Repo.BarePath);
        argo.Source("web-production", $"{GitHub.ServerUrl}/acme/gitops.git", "environments/production", Repo.BarePath);
        return argo;
    }

    private Dictionary<string, string> DeployWithArgo(FakeArgoCd argo, string images) =>
        Deploy(source.Head, images, ("argocd-server", argo.Url), ("argocd-token", argo.Token), ("argocd-timeout", "0"));

    [SkippableFact]
    public async Task Argo_CD_renders_the_commit_the_plan_is_made_on_and_the_report_names_the_renderer_of_each_side()
    {
        await using var argo = await ArgoRenderingStagingAsync();
        var based = Repo.Head();

        var result = await Run(DeployWithArgo(argo, "web=ghcr.io/acme/web:1.1.0"));

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Contains($"GET /api/v1/applications/web-staging/manifests?revision={based}", argo.Requests);
        Assert.Contains($"<details><summary><b>Rendered manifests</b>: 1 resource changed, 0 added, 0 removed (Argo CD web-staging at {based[..7]} → kubectl kustomize environments/staging)</summary>", result.Summary, StringComparison.Ordinal);
        Assert.Contains($"render of application web-staging at {based[..7]} (the commit the plan is made on); after: kubectl kustomize environments/staging", result.Summary, StringComparison.Ordinal);
        Assert.Contains("kubectl kustomize environments/staging renders the base commit exactly as Argo CD does", result.Summary, StringComparison.Ordinal);
        // Argo CD's JSON and kustomize's YAML in one form: only the image lines differ, not the tracking annotation nor the Secret.
        Assert.Contains("-      - image: ghcr.io/acme/web:1.0.0\n+      - image: ghcr.io/acme/web:1.1.0\n", result.Summary, StringComparison.Ordinal);
        Assert.Contains("-        image: ghcr.io/acme/web:1.0.0\n+        image: ghcr.io/acme/web:1.1.0\n", result.Summary, StringComparison.Ordinal);
        Assert.DoesNotContain("tracking-id", result.Summary, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", result.AllBytes, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_local_renderer_that_renders_the_base_commit_differently_from_Argo_CD_is_named_with_the_resources_that_differ()
    {
        await using var argo = await ArgoRenderingStagingAsync();
        // A local kubectl that renders one resource more than Argo CD's repo-server (as another kustomize version might).
        var bin = Directory.CreateTempSubdirectory("other-kubectl-").FullName;
        File.WriteAllText(Path.Combine(bin, "kubectl"), $"#!/bin/sh\n\"{ExternalTool.Kubectl.Path}\" \"$@\" || exit $?\nprintf -- '---\\napiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: local-only\\n'\n");
        File.SetUnixFileMode(Path.Combine(bin, "kubectl"), UnixFileMode.UserRead | UnixFileMode.UserExecute);

        var result = await ActionRun.RunAsync(GitHub, DeployWithArgo(argo, "web=ghcr.io/acme/web:1.1.0"), new Dictionary<string, string> { ["PATH"] = bin + ":/usr/bin:/bin" });

        Directory.Delete(bin, recursive: true);
        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Contains("renders the base commit differently from Argo CD in 1 resource(s) (ConfigMap local-only): their diff shows that difference too", result.Summary, StringComparison.Ordinal);
        Assert.Contains("1 resource changed, 1 added, 0 removed", result.Summary, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task When_Argo_CD_cannot_render_both_sides_are_rendered_locally_and_the_report_says_why()
    {
        await using var argo = await ArgoRenderingStagingAsync();
        argo.ManifestsFailWith = 500;

        var result = await Run(DeployWithArgo(argo, "web=ghcr.io/acme/web:1.1.0"));

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Contains("1 resource changed, 0 added, 0 removed (kubectl kustomize environments/staging)", result.Summary, StringComparison.Ordinal);
        Assert.Contains("Argo CD did not render it (application web-staging at ", result.Summary, StringComparison.Ordinal);
        Assert.Contains("connection refused", result.Summary, StringComparison.Ordinal);
        Assert.Contains("both sides are rendered locally", result.Summary, StringComparison.Ordinal);
        Assert.Contains("-        image: ghcr.io/acme/web:1.0.0\n", result.Summary, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_change_that_does_not_build_is_shown_as_such_and_require_render_refuses_it()
    {
        Skip.If(ExternalTool.Kubectl.Path is null, "kubectl is not installed: render failures are not tested here");
        // A patch file the overlay names is missing: kustomize cannot build it, before or after.
        Repo.Commit(new Dictionary<string, string>
        {
            ["environments/staging/kustomization.yaml"] = StagingKustomization.Replace("  - ../../base\n", "  - ../../base\npatches:\n  - path: missing-patch.yaml\n", StringComparison.Ordinal),
        }, "broken");
        var head = Repo.Head();

        var refused = await Run(Deploy(source.Head, "web=ghcr.io/acme/web:1.1.0", ("require-render", "true")));

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("::error::input 'require-render': staging: this change does not build", refused.Stdout, StringComparison.Ordinal);
        Assert.Contains("missing-patch.yaml", refused.Stdout, StringComparison.Ordinal);
        Assert.Equal(head, Repo.Head());

        var shown = await Run(Deploy(source.Head, "web=ghcr.io/acme/web:1.1.0"));

        Assert.True(shown.ExitCode == 0, shown.Stdout);
        Assert.Contains("> [!CAUTION]\n> **this change does not build:", shown.Summary, StringComparison.Ordinal);
        Assert.Contains("missing-patch.yaml", shown.Summary, StringComparison.Ordinal);
    }

    private static readonly string DigestA = "sha256:" + new string('a', 64);
    private static readonly string DigestB = "sha256:" + new string('b', 64);

    [Fact]
    public async Task A_plan_run_writes_nothing_and_outputs_the_plan_and_its_report()
    {
        var head = Repo.Head();

        var plan = await Run(Deploy(source.Head, $"web=ghcr.io/acme/web:1.1.0@{DigestA}", ("plan", "true")));

        Assert.True(plan.ExitCode == 0, plan.Stdout);
        Assert.Equal(head, Repo.Head());
        Assert.Empty(GitHub.Api("acme/web").Deployments);
        Assert.StartsWith("gitops-plan/v1.", plan.Output("plan"), StringComparison.Ordinal);
        Assert.Contains($"| Deployment `staging/web` | `web` | `ghcr.io/acme/web:1.0.0` | `ghcr.io/acme/web:1.1.0@{DigestA}` |", plan.Output("plan-report"), StringComparison.Ordinal);
        var digest = plan.Output("plan")["gitops-plan/v1.".Length..][..16];
        Assert.Contains($"**Plan** `{digest}`", plan.Summary, StringComparison.Ordinal);
        Assert.Contains("nothing was written", plan.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_approved_plan_applies_and_a_moved_digest_is_refused_saying_what_differs()
    {
        var images = $"web=ghcr.io/acme/web:1.1.0@{DigestA}";
        var plan = (await Run(Deploy(source.Head, images, ("plan", "true")))).Output("plan");
        var head = Repo.Head();

        var moved = await Run(Deploy(source.Head, $"web=ghcr.io/acme/web:1.1.0@{DigestB}", ("expected-plan", plan)));

        Assert.Equal(1, moved.ExitCode);
        Assert.Contains($"staging: image web is ghcr.io/acme/web:1.1.0@{DigestB}, the plan had ghcr.io/acme/web:1.1.0@{DigestA}", moved.Stdout, StringComparison.Ordinal);
        Assert.Contains("Nothing was written", moved.Stdout, StringComparison.Ordinal);
        Assert.Equal(head, Repo.Head());
        // Refused before anything is written: no deployment was created, so none is left in progress.
        Assert.Empty(GitHub.Api("acme/web").Deployments);

        var applied = await Run(Deploy(source.Head, images, ("expected-plan", plan)));

        Assert.True(applied.ExitCode == 0, applied.Stdout);
        Assert.Equal("pushed", applied.Output("operation"));
        Assert.Contains($"newTag: \"1.1.0\"", Repo.ReadFile("environments/staging/kustomization.yaml"), StringComparison.Ordinal);
        Assert.Contains(DigestA, Repo.ReadFile("environments/staging/kustomization.yaml"), StringComparison.Ordinal);
        Assert.Contains("The change is the approved plan", applied.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unrelated_commit_after_the_plan_applies_and_says_so_but_a_changed_base_is_refused()
    {
        var images = $"web=ghcr.io/acme/web:1.1.0@{DigestA}";
        var plan = (await Run(Deploy(source.Head, images, ("plan", "true")))).Output("plan");

        Repo.Commit(new Dictionary<string, string> { ["docs/runbook.md"] = "# Runbook\n" }, "unrelated");
        var elsewhere = await Run(Deploy(source.Head, images, ("expected-plan", plan), ("dry-run", "true")));

        Assert.True(elsewhere.ExitCode == 0, elsewhere.Stdout);
        Assert.Contains("since the plan, but none of the files that build staging changed", elsewhere.Stdout, StringComparison.Ordinal);

        Repo.Commit(new Dictionary<string, string> { ["base/deployment.yaml"] = BaseDeployments.Replace("args: [\"migrate\"]", "args: [\"migrate\", \"--verbose\"]", StringComparison.Ordinal) }, "a base file that builds staging changes");
        var head = Repo.Head();
        var changed = await Run(Deploy(source.Head, images, ("expected-plan", plan)));

        Assert.Equal(1, changed.ExitCode);
        Assert.Contains("staging: a file that builds it differs from the plan: base/deployment.yaml", changed.Stdout, StringComparison.Ordinal);
        Assert.Equal(head, Repo.Head());
    }

    [Fact]
    public async Task An_expected_plan_that_was_edited_on_the_way_is_refused_naming_the_input()
    {
        var plan = (await Run(Deploy(source.Head, "web=ghcr.io/acme/web:1.1.0", ("plan", "true")))).Output("plan");
        var tampered = plan[..^4] + (plan[^4] == 'A' ? "B" : "A") + plan[^3..];

        var result = await Run(Deploy(source.Head, "web=ghcr.io/acme/web:1.1.0", ("expected-plan", tampered)));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("::error::input 'expected-plan': is not a plan output of this action", result.Stdout, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_helm_chart_folder_is_rendered_with_helm_template_and_its_workloads_come_from_the_render()
    {
        Skip.If(ExternalTool.Helm.Path is null, "helm is not installed (neither on PATH nor at HELM_PATH): the Helm report is not tested here");
        Repo.Commit(new Dictionary<string, string>
        {
            ["helm/web/Chart.yaml"] = "apiVersion: v2\nname: web\nversion: 0.1.0\n",
            ["helm/web/values.yaml"] = "image:\n  repository: ghcr.io/acme/web\n  tag: \"1.0.0\"\n",
            ["helm/web/templates/deployment.yaml"] = """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: {{ .Release.Name }}-web
                spec:
                  template:
                    spec:
                      containers:
                        - name: web
                          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
                """,
        }, "chart");

        var result = await Run(Deploy(source.Head, "web=ghcr.io/acme/web:1.1.0", ("overlay-path", "helm/web"), ("environment", "production")));

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Contains("helm template", result.Summary, StringComparison.Ordinal);
        // The workloads come from the render (the values file names no workload): one container of the chart's Deployment.
        Assert.Contains("**What changes in the cluster:** 1 container in 1 workload.", result.Summary, StringComparison.Ordinal);
        Assert.Contains("-          image: \"ghcr.io/acme/web:1.0.0\"\n", result.Summary, StringComparison.Ordinal);
        Assert.Contains("+          image: \"ghcr.io/acme/web:1.1.0\"\n", result.Summary, StringComparison.Ordinal);
    }

    private string Render(string overlay)
    {
        var dir = Directory.CreateTempSubdirectory("render-").FullName;
        try
        {
            GitCli.Run(dir, "clone", "--quiet", Repo.BarePath, ".");
            return ExternalTool.Kubectl.Run(dir, "kustomize", overlay);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
