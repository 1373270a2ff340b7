using GitOpsDeploy.Changelog;
using GitOpsDeploy.Core.Planning;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Core.Steps.Report;
using GitOpsDeploy.Core.Tests.Doubles;
using GitOpsDeploy.Editing;
using GitOpsDeploy.Manifests.Render;
using NSubstitute;

namespace GitOpsDeploy.Core.Tests;

/// <summary>
/// One target's report without a local renderer: the workloads predicted from the overlay, the changelog through the
/// source-history port (cached for the run), Argo CD's render chosen by its application's one source, the plan
/// binding, and the refusals (an image no container uses, require-render).
/// </summary>
[Trait("Tier", "Unit")]
public sealed class TargetReporterTests
{
    private const string Head = "base000000000000000000000000000000000000";
    private const string Sha = "0123456789abcdef0123456789abcdef01234567";
    private const string Running = "1111111111111111111111111111111111111111";
    private const string Overlay = "resources:\n- deployment.yaml\nimages:\n- name: web\n  newName: ghcr.io/acme/web\n  newTag: \"1\"\n";
    private const string Deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: staging\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: web\n";

    private readonly ISourceHistory history = Substitute.For<ISourceHistory>();
    private readonly IArgoCd argo = Substitute.For<IArgoCd>();
    private readonly ReportCache cache = new();

    private static MemorySnapshot Snapshot(string headMessage = $"deploy\n\nSource-Repository: acme/app\nSource-Commit: {Running}\nEnvironment: staging\nImage: web=ghcr.io/acme/web:1\n") =>
        new([new MemoryCommit(Head, headMessage, new Dictionary<string, string>
        {
            ["environments/staging/kustomization.yaml"] = Overlay,
            ["environments/staging/deployment.yaml"] = Deployment,
        })]);

    private async Task<TargetReport> Build(DeployRequest request, MemorySnapshot? snapshot = null, bool sourceHistory = false, bool argoCd = false, RenderTools? tools = null)
    {
        snapshot ??= Snapshot();
        var run = TestRequests.Run(new DeployPorts(new MemoryGitOps(new Dictionary<string, string>())) { SourceHistory = sourceHistory ? history : null, ArgoCd = argoCd ? argo : null });
        var plan = Assert.IsType<PlanOutcome.Write>(run.Planner.Plan(snapshot, request));
        return await new TargetReporter(run, snapshot, request, cache, tools ?? RenderTools.None).BuildAsync(plan.Edits[0], default);
    }

    private static SourceComparison Comparison(string? from, string to) => new() { Repository = "acme/app", Base = from, Head = to, AheadBy = 1 };

    [Fact]
    public async Task Without_a_renderer_the_workloads_come_from_the_overlay_and_the_plan_is_bound()
    {
        var report = await Build(TestRequests.Parse(("images", "web:2")));

        var image = Assert.Single(report.Images);
        Assert.Equal(ImpactCertainty.Known, image.Certainty);
        var container = Assert.Single(image.Containers);
        Assert.Equal(("Deployment staging/web", "web", "ghcr.io/acme/web:1", "ghcr.io/acme/web:2"), (container.Workload.ToString(), container.Container, container.Before, container.After));
        Assert.Equal(RenderState.Unavailable, report.Render!.State);
        Assert.EndsWith(TargetReporter.NoRendererHint + ")", report.Render.Message, StringComparison.Ordinal);
        Assert.Contains("no token for acme/app on a GitHub host: no changelog", report.Notes);
        Assert.Equal(["web=ghcr.io/acme/web:2"], report.Binding!.Images);
        Assert.Equal(new GitHubLinks("git.example.com", null), report.Links);
    }

    [Fact]
    public async Task Require_render_refuses_a_target_that_cannot_be_rendered()
    {
        var error = await Assert.ThrowsAsync<DeployException>(() => Build(TestRequests.Parse(("images", "web:2"), ("require-render", "true"))));

        Assert.StartsWith("input 'require-render': staging: the change could not be rendered: no renderer:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_image_no_container_uses_is_refused_unless_allowed()
    {
        var error = await Assert.ThrowsAsync<DeployException>(() => Build(TestRequests.Parse(("images", "api:2"))));
        var allowed = await Build(TestRequests.Parse(("images", "api:2"), ("allow-unused-image", "true")));

        Assert.StartsWith("input 'images': staging: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("would change nothing in the cluster, so nothing was written", error.Message, StringComparison.Ordinal);
        Assert.NotNull(Assert.Single(allowed.Images).Unused);
    }

    [Fact]
    public async Task The_changelog_runs_from_the_running_builds_commit_to_this_one_and_is_asked_once_per_run()
    {
        history.CompareAsync(new SourceRange("acme/app", Running, Sha), Arg.Any<HistoryBudget>(), Arg.Any<CancellationToken>()).Returns(Comparison(Running, Sha));

        var first = await Build(TestRequests.Parse(("images", "web:2")), sourceHistory: true);
        var second = await Build(TestRequests.Parse(("images", "web:2")), sourceHistory: true);

        var source = Assert.Single(first.Sources);
        Assert.Equal(("web", Running, Sha), (source.Label, source.Base, source.Head));
        Assert.Equal(source, Assert.Single(second.Sources));
        await history.ReceivedWithAnyArgs(1).CompareAsync(default!, default!, default);
        Assert.DoesNotContain(first.Notes, n => n.Contains("changelog", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unknown_running_build_or_a_failed_comparison_is_a_note_not_a_failure()
    {
        history.CompareAsync(default!, default!, default).ReturnsForAnyArgs(Task.FromException<SourceComparison>(new DeployException(ErrorKind.Transient, "GitHub answered 502")));

        var unknown = await Build(TestRequests.Parse(("images", "web:2")), Snapshot("a commit a person wrote"), sourceHistory: true);
        var failed = await Build(TestRequests.Parse(("images", "web:2")), sourceHistory: true);

        Assert.Contains(unknown.Notes, n => n.EndsWith("is unknown (no commit of the last 50 set it with a Source-Commit trailer): no changelog for web", StringComparison.Ordinal));
        Assert.Empty(unknown.Sources);
        Assert.Contains("the changelog of acme/app could not be read: GitHub answered 502", failed.Notes);
        Assert.Empty(failed.Sources);
    }

    [Fact]
    public async Task Argo_cd_renders_the_before_side_with_the_one_application_whose_one_source_is_the_overlay()
    {
        argo.ListAsync(default).ReturnsForAnyArgs(
        [
            new ArgoAppSources("multi", [new ArgoSource("https://git.example.com/acme/gitops.git", "environments/staging"), new ArgoSource("https://charts.example.com/x", null)]),
            new ArgoAppSources("other-repo", [new ArgoSource("https://git.example.com/acme/other.git", "environments/staging")]),
            new ArgoAppSources("web", [new ArgoSource("https://git.example.com/acme/gitops", "./environments/staging/")]),
        ]);
        argo.ManifestsAsync("web", Head, Arg.Any<CancellationToken>()).Returns(new ArgoManifests("web", Head, []));

        var report = await Build(TestRequests.Parse(("images", "web:2"), ("argocd-server", "https://argocd.example.com"), ("argocd-timeout", "0")), argoCd: true);

        Assert.Equal("Argo CD web at base000 → (no local renderer)", report.Render!.Tool);
        Assert.StartsWith("Argo CD rendered the running commit, but the commit after the change does not exist yet", report.Render.Message, StringComparison.Ordinal);

        // Argo CD's application list is asked once per run, however many targets and attempts report.
        await Build(TestRequests.Parse(("images", "web:3"), ("argocd-server", "https://argocd.example.com"), ("argocd-timeout", "0")), argoCd: true);
        await argo.ReceivedWithAnyArgs(1).ListAsync(default);
    }

    [Fact]
    public async Task The_argocd_application_named_wins_among_several_that_render_the_overlay()
    {
        var source = new ArgoSource("https://git.example.com/acme/gitops.git", "environments/staging");
        argo.ListAsync(default).ReturnsForAnyArgs([new ArgoAppSources("a", [source]), new ArgoAppSources("web-staging", [source])]);
        argo.ManifestsAsync("web-staging", Head, Arg.Any<CancellationToken>()).Returns(new ArgoManifests("web-staging", Head, []));

        var report = await Build(TestRequests.Parse(("images", "web:2"), ("argocd-server", "https://argocd.example.com"), ("argocd-timeout", "0"), ("argocd-application", "web-staging")), argoCd: true);

        Assert.Equal("Argo CD web-staging at base000 → (no local renderer)", report.Render!.Tool);
    }

    [Fact]
    public async Task The_binding_digests_exactly_the_files_that_build_the_target()
    {
        var report = await Build(TestRequests.Parse(("images", "web:2")));

        Assert.Equal(["environments/staging/deployment.yaml", "environments/staging/kustomization.yaml"], report.Binding!.Files.Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("multi-only", "no application renders exactly environments/staging of acme/gitops from one source")]
    [InlineData("two", "a, b all render environments/staging; argocd-application names none of them")]
    [InlineData("list-fails", "its application list could not be read: Argo CD answered 503")]
    [InlineData("render-fails", "application b at base000: Argo CD answered 500")]
    public async Task When_argo_cd_cannot_render_it_the_report_says_why(string setup, string why)
    {
        var one = new ArgoSource("https://git.example.com/acme/gitops.git", "environments/staging");
        switch (setup)
        {
            case "multi-only":
                argo.ListAsync(default).ReturnsForAnyArgs([new ArgoAppSources("app-staging", [one, one with { Path = "base" }])]);
                break;
            case "two":
                argo.ListAsync(default).ReturnsForAnyArgs([new ArgoAppSources("b", [one]), new ArgoAppSources("a", [one])]);
                break;
            case "list-fails":
                argo.ListAsync(default).ReturnsForAnyArgs(Task.FromException<IReadOnlyList<ArgoAppSources>>(new DeployException(ErrorKind.Transient, "Argo CD answered 503")));
                break;
            default:
                argo.ListAsync(default).ReturnsForAnyArgs([new ArgoAppSources("b", [one])]);
                argo.ManifestsAsync(default!, default!, default).ReturnsForAnyArgs(Task.FromException<ArgoManifests>(new DeployException(ErrorKind.Transient, "Argo CD answered 500")));
                break;
        }

        var report = await Build(TestRequests.Parse(("images", "web:2"), ("argocd-server", "https://argocd.example.com"), ("argocd-timeout", "0")), argoCd: true);

        Assert.EndsWith($"; Argo CD did not render it ({why}): both sides are rendered locally", report.Render!.Message, StringComparison.Ordinal);
        Assert.Empty(cache.ArgoRenders);
    }

    /// <summary>The real kubectl (its kustomize) where the machine has it: the render is the one part no double may stand in for.</summary>
    private static RenderTools Kubectl()
    {
        var tools = RenderTools.Locate();
        Skip.If(tools.Kubectl is null, "kubectl is not installed: render test skipped");
        return tools with { Helm = null };
    }

    [SkippableFact]
    public async Task With_kubectl_the_change_is_rendered_before_and_after_once_per_run()
    {
        var tools = Kubectl();

        var report = await Build(TestRequests.Parse(("images", "web:2")), tools: tools);
        var again = await Build(TestRequests.Parse(("images", "web:2")), tools: tools);

        Assert.Equal(RenderState.Built, report.Render!.State);
        Assert.Equal("kubectl kustomize environments/staging", report.Render.Tool);
        var change = Assert.Single(report.Render.Diff!.Changes);
        Assert.Equal("Deployment staging/web", change.Key.ToString());
        Assert.Equal(["ghcr.io/acme/web:2"], report.Render.Images);
        Assert.Equal(report.Render.Diff.Changes.Count, again.Render!.Diff!.Changes.Count);
        Assert.Single(cache.Renders);

        // Another change of the same overlay is another render: the cache is keyed by what is written, not by the folder.
        var other = await Build(TestRequests.Parse(("images", "web:3")), tools: tools);
        Assert.Equal(["ghcr.io/acme/web:3"], other.Render!.Images);
        Assert.Equal(2, cache.Renders.Count);
    }

    [SkippableFact]
    public async Task A_target_that_did_not_build_before_either_says_so()
    {
        var tools = Kubectl();
        var snapshot = new MemorySnapshot([new MemoryCommit(Head, "x", new Dictionary<string, string>
        {
            ["environments/staging/kustomization.yaml"] = Overlay.Replace("deployment.yaml", "missing.yaml", StringComparison.Ordinal),
        })]);

        var report = await Build(TestRequests.Parse(("images", "web:2")), snapshot, tools: tools);

        Assert.Equal(RenderState.DoesNotBuild, report.Render!.State);
        Assert.EndsWith(" (it did not build before the change either)", report.Render.Message, StringComparison.Ordinal);
        Assert.Contains(report.Notes, n => n.StartsWith("the overlay could not be built statically", StringComparison.Ordinal));
        Assert.Equal(ImpactCertainty.Unknown, Assert.Single(report.Images).Certainty);
    }

    /// <summary>The real helm where the machine has it (HELM_PATH or PATH; `.ci/run` installs one).</summary>
    private static RenderTools Helm()
    {
        var tools = RenderTools.Locate();
        Skip.If(tools.Helm is null, "helm is not installed (neither at HELM_PATH nor on PATH): helm render test skipped");
        return tools;
    }

    private static MemorySnapshot Chart(string template = "image: \"{{ .Values.image.repository }}:{{ .Values.image.tag }}\"") =>
        new([new MemoryCommit(Head, "chart", new Dictionary<string, string>
        {
            ["helm/web/Chart.yaml"] = "apiVersion: v2\nname: web\nversion: 0.1.0\n",
            ["helm/web/values.yaml"] = "image:\n  repository: ghcr.io/acme/web\n  tag: \"1.0.0\"\n",
            ["helm/web/templates/deployment.yaml"] = $"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: staging\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          {template}\n",
        })]);

    [SkippableFact]
    public async Task A_helm_chart_folder_is_rendered_with_helm_and_its_workloads_come_from_the_render()
    {
        var report = await Build(TestRequests.Parse(("images", "web=ghcr.io/acme/web:1.1.0"), ("overlay-path", "helm/web")), Chart(), tools: Helm());

        Assert.Equal(RenderState.Built, report.Render!.State);
        Assert.StartsWith("helm template", report.Render.Tool, StringComparison.Ordinal);
        var image = Assert.Single(report.Images);
        Assert.Null(image.Unused);
        Assert.Equal(ImpactCertainty.Known, image.Certainty);
        var container = Assert.Single(image.Containers);
        Assert.Equal(("Deployment staging/web", "web", "ghcr.io/acme/web:1.0.0", "ghcr.io/acme/web:1.1.0"), (container.Workload.ToString(), container.Container, container.Before, container.After));
    }

    [SkippableFact]
    public async Task A_helm_image_no_rendered_container_runs_is_refused_naming_what_the_chart_runs()
    {
        var error = await Assert.ThrowsAsync<DeployException>(() =>
            Build(TestRequests.Parse(("images", "web=ghcr.io/acme/web:1.1.0"), ("overlay-path", "helm/web")), Chart("image: ghcr.io/acme/pinned:9"), tools: Helm()));

        Assert.Contains("image 'web' (ghcr.io/acme/web:1.1.0) changes no container in the rendered chart (helm template", error.Message, StringComparison.Ordinal);
        Assert.Contains("; the chart's workloads run 'ghcr.io/acme/pinned:9'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_helm_a_chart_folder_says_which_renderer_is_missing()
    {
        var report = await Build(TestRequests.Parse(("images", "web=ghcr.io/acme/web:1.1.0"), ("overlay-path", "helm/web"), ("allow-unused-image", "true")), Chart(), tools: RenderTools.None);

        Assert.Equal(RenderState.Unavailable, report.Render!.State);
        Assert.Equal("helm template", report.Render.Tool);
        Assert.StartsWith("no renderer: helm", report.Render.Message, StringComparison.Ordinal);
        var image = Assert.Single(report.Images);
        Assert.Equal(ImpactCertainty.Unknown, image.Certainty);
    }

    /// <summary>The base commit's Deployment as Argo CD's manifests endpoint returns it (JSON, one string per resource).</summary>
    private static string ArgoDeployment(string image, string name = "web") =>
        "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"" + name + "\",\"namespace\":\"staging\"},\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"web\",\"image\":\"" + image + "\"}]}}}}";

    private void ArgoRenders(params string[] manifests)
    {
        argo.ListAsync(default).ReturnsForAnyArgs([new ArgoAppSources("app-staging", [new ArgoSource("https://git.example.com/acme/gitops.git", "environments/staging")])]);
        argo.ManifestsAsync("app-staging", Head, Arg.Any<CancellationToken>()).Returns(new ArgoManifests("app-staging", Head, manifests));
    }

    [SkippableFact]
    public async Task Argo_cds_before_and_kubectls_after_are_compared_and_the_local_base_render_checked_against_argo_cd()
    {
        var tools = Kubectl();
        ArgoRenders(ArgoDeployment("ghcr.io/acme/web:1"));

        var report = await Build(TestRequests.Parse(("images", "web:2"), ("argocd-server", "https://argocd.example.com"), ("argocd-timeout", "0")), argoCd: true, tools: tools);

        Assert.Equal(RenderState.Built, report.Render!.State);
        Assert.Equal("Argo CD app-staging at base000 → kubectl kustomize environments/staging", report.Render.Tool);
        Assert.StartsWith("before: Argo CD's render of application app-staging at base000 (the commit the plan is made on); after: kubectl kustomize environments/staging", report.Render.Message, StringComparison.Ordinal);
        Assert.EndsWith("; kubectl kustomize environments/staging renders the base commit exactly as Argo CD does", report.Render.Message, StringComparison.Ordinal);
        Assert.Equal("Deployment staging/web", Assert.Single(report.Render.Diff!.Changes).Key.ToString());
    }

    [SkippableFact]
    public async Task A_local_base_render_that_differs_from_argo_cds_is_said_with_the_resources()
    {
        var tools = Kubectl();
        ArgoRenders(ArgoDeployment("ghcr.io/acme/web:1"), ArgoDeployment("ghcr.io/acme/web:1", "a"), ArgoDeployment("ghcr.io/acme/web:1", "b"),
            ArgoDeployment("ghcr.io/acme/web:1", "c"), ArgoDeployment("ghcr.io/acme/web:1", "d"), ArgoDeployment("ghcr.io/acme/web:1", "e"));

        var report = await Build(TestRequests.Parse(("images", "web:2"), ("argocd-server", "https://argocd.example.com"), ("argocd-timeout", "0")), argoCd: true, tools: tools);

        Assert.EndsWith("; kubectl kustomize environments/staging renders the base commit differently from Argo CD in 5 resource(s) "
            + "(Deployment staging/a, Deployment staging/b, Deployment staging/c, Deployment staging/d, Deployment staging/e): their diff shows that difference too", report.Render!.Message, StringComparison.Ordinal);
        Assert.Equal(6, report.Render.Diff!.Changes.Count);
    }

    [SkippableFact]
    public async Task More_than_five_differing_resources_are_cut_short()
    {
        var tools = Kubectl();
        ArgoRenders([ArgoDeployment("ghcr.io/acme/web:1"), .. "abcdef".Select(c => ArgoDeployment("ghcr.io/acme/web:1", c.ToString()))]);

        var report = await Build(TestRequests.Parse(("images", "web:2"), ("argocd-server", "https://argocd.example.com"), ("argocd-timeout", "0")), argoCd: true, tools: tools);

        Assert.Contains("differently from Argo CD in 6 resource(s) (Deployment staging/a, Deployment staging/b, Deployment staging/c, Deployment staging/d, Deployment staging/e, ...)", report.Render!.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_change_that_does_not_build_is_said_without_argo_cds_side()
    {
        var tools = Kubectl();
        ArgoRenders(ArgoDeployment("ghcr.io/acme/web:1"));
        var snapshot = new MemorySnapshot([new MemoryCommit(Head, "x", new Dictionary<string, string>
        {
            ["environments/staging/kustomization.yaml"] = Overlay + "patches:\n- path: missing-patch.yaml\n",
            ["environments/staging/deployment.yaml"] = Deployment,
        })]);

        var report = await Build(TestRequests.Parse(("images", "web:2"), ("argocd-server", "https://argocd.example.com"), ("argocd-timeout", "0"), ("allow-unused-image", "true")), snapshot, argoCd: true, tools: tools);

        Assert.Equal(RenderState.DoesNotBuild, report.Render!.State);
        Assert.Equal("kubectl kustomize environments/staging", report.Render.Tool);
    }
}
