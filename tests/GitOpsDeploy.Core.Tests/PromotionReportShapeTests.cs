using GitOpsDeploy.Core.Planning;
using GitOpsDeploy.Core.Text;
using GitOpsDeploy.Manifests;
using GitOpsDeploy.Manifests.Diff;

namespace GitOpsDeploy.Core.Tests;

/// <summary>The promotion report's exact shape for small targets: the head (workloads, warnings, a failed build), the rendered diff's section, notes and the one-line form.</summary>
[Trait("Tier", "Unit")]
public sealed class PromotionReportShapeTests
{
    private static ResourceRef Web => new("apps/v1", "Deployment", "production", "web");

    private static ResourceRef Job => new("batch/v1", "CronJob", string.Empty, "cleanup");

    private static ImageImpact Impact(params ContainerImageChange[] containers) =>
        new("web", "web=ghcr.io/acme/web:1.0.0", "web=ghcr.io/acme/web:1.1.0") { Containers = containers, Certainty = ImpactCertainty.Known };

    private static TargetReport Report(params ImageImpact[] images) => new("production", "environments/production") { Images = images };

    private static RenderedChange Built(string before, string after, string message = "") =>
        new(RenderState.Built, "kubectl kustomize environments/production", message) { Diff = ManifestDiff.Compare(RenderedResource.Split(before), RenderedResource.Split(after)) };

    private const string Config = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: production\ndata:\n  level: \"{0}\"\n";

    private static TargetReport Full => Report(Impact(
            new ContainerImageChange(Web, "web", false, "ghcr.io/acme/web:1.0.0", "ghcr.io/acme/web:1.1.0"),
            new ContainerImageChange(Web, "migrate", true, null, "ghcr.io/acme/web:1.1.0"),
            new ContainerImageChange(Job, "cleanup", false, "ghcr.io/acme/web:1.0.0", null))) with
        {
            Render = Built(string.Format(Config, "1"), string.Format(Config, "2"), "local and Argo CD agree"),
            Notes = ["no token for the changelog", "second note"],
        };

    [Fact]
    public void A_small_target_is_shown_whole_workloads_diff_and_notes()
    {
        const string expected = "### Promotion report: production (`environments/production`)\n\n**What changes in the cluster:** 3 containers in 2 workloads.\n\n| Workload | Container | From | To |\n|---|---|---|---|\n| Deployment `production/web` | `web` | `ghcr.io/acme/web:1.0.0` | `ghcr.io/acme/web:1.1.0` |\n| Deployment `production/web` | `migrate` (init) | `(none)` | `ghcr.io/acme/web:1.1.0` |\n| CronJob `cleanup` | `cleanup` | `ghcr.io/acme/web:1.0.0` | `(none)` |\n\n<details><summary><b>Rendered manifests</b>: 1 resource changed, 0 added, 0 removed (kubectl kustomize environments/production)</summary>\n\n_local and Argo CD agree._\n\n**1 changed, 0 added, 0 removed** of 1 rendered resources.\n\n#### `ConfigMap production/settings`\n\n```diff\n--- a/ConfigMap/production/settings\n+++ b/ConfigMap/production/settings\n@@ -4,4 +4,4 @@\n   name: settings\n   namespace: production\n data:\n-  level: \"1\"\n+  level: \"2\"\n```\n</details>\n\n<sub>no token for the changelog<br>second note</sub>\n";

        Assert.Equal(expected, PromotionReportText.Target(Full, 20_000));
        Assert.Equal("changes 2 workloads", PromotionReportText.OneLine(Full));
        Assert.Equal(["Deployment production/web", "CronJob cleanup"], PromotionReportText.Workloads(Full));
    }

    [Fact]
    public void One_workload_is_named_in_the_one_line_form_and_a_broken_build_is_said()
    {
        var report = Report(Impact(new ContainerImageChange(Web, "web", false, "a", "b"))) with
        {
            Render = new RenderedChange(RenderState.DoesNotBuild, "kubectl kustomize environments/production", "this change does not build: `kubectl kustomize` failed (exit 1):\nerror: missing resource\n"),
        };

        Assert.Equal("changes Deployment production/web; does not build", PromotionReportText.OneLine(report));
        var text = PromotionReportText.Target(report, 20_000);
        Assert.Contains("> [!CAUTION]\n> **this change does not build: \\`kubectl kustomize\\` failed (exit 1)**\n\n```text\nerror: missing resource\n```\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Rendered manifests", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_failure_without_the_tools_words_has_no_block()
    {
        var report = Report() with { Render = new RenderedChange(RenderState.DoesNotBuild, "helm template", "the target did not build before the change") };

        var text = PromotionReportText.Target(report, 20_000);

        Assert.Equal("### Promotion report: production (`environments/production`)\n\n> [!CAUTION]\n> **the target did not build before the change**\n", text);
        Assert.Equal("does not build", PromotionReportText.OneLine(report));
    }

    [Fact]
    public void The_tools_words_are_cut_at_three_thousand_characters()
    {
        var report = Report() with { Render = new RenderedChange(RenderState.DoesNotBuild, "helm template", "it failed:\n" + new string('x', 5000)) };

        var text = PromotionReportText.Target(report, 20_000);

        Assert.Contains("```text\n" + new string('x', 2999) + "…\n```", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ImpactCertainty.Unknown, "**What changes in the cluster:** no container image changes that the report could see.\n")]
    [InlineData(ImpactCertainty.Known, "**What changes in the cluster:** no container image changes.\n")]
    public void An_image_that_moves_no_container_says_how_sure_the_report_is(ImpactCertainty certainty, string sentence)
    {
        var report = Report(new ImageImpact("web", "web=a:1", "web=a:2") { Certainty = certainty });

        Assert.Contains(sentence, PromotionReportText.Target(report, 20_000), StringComparison.Ordinal);
        Assert.Equal(string.Empty, PromotionReportText.OneLine(report));
    }

    [Fact]
    public void An_unused_image_is_a_warning_and_an_uncertain_one_says_why()
    {
        var report = Report(
            new ImageImpact("web", "web=a:1", "web=a:2") { Unused = "no workload uses web", Certainty = ImpactCertainty.Known },
            new ImageImpact("api", "api=a:1", "api=a:2") { Notes = ["a remote base", "a generator"] },
            new ImageImpact("db", "db=a:1", "db=a:2") { Notes = ["known, so not said"], Certainty = ImpactCertainty.Known });

        var text = PromotionReportText.Target(report, 20_000);

        Assert.Contains("> [!WARNING]\n> no workload uses web\n\n", text, StringComparison.Ordinal);
        Assert.Contains("_api: the workloads may be incomplete: a remote base; a generator._\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("known, so not said", text, StringComparison.Ordinal);
        Assert.Equal(2, text.Split("[!WARNING]").Length);
    }

    [Fact]
    public void Past_forty_rows_the_rest_of_the_containers_are_counted()
    {
        var containers = Enumerable.Range(0, 43).Select(i => new ContainerImageChange(Web, $"c{i}", false, "a", "b")).ToArray();

        var text = PromotionReportText.Target(Report(Impact(containers)), 20_000);

        Assert.Contains("| `c39` |", text, StringComparison.Ordinal);
        Assert.DoesNotContain("| `c40` |", text, StringComparison.Ordinal);
        Assert.Contains("43 containers in 1 workload.", text, StringComparison.Ordinal);
        Assert.Contains("\n…and 3 more containers.\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_render_with_no_resource_changes_and_an_unavailable_render_each_say_so()
    {
        var same = Report() with { Render = Built(string.Format(Config, "1"), string.Format(Config, "1")) };
        var unavailable = Report() with { Render = new RenderedChange(RenderState.Unavailable, string.Empty, "no kubectl on PATH") };

        Assert.Contains("<details><summary><b>Rendered manifests</b>: no resource changes (kubectl kustomize environments/production)</summary>\n\n", PromotionReportText.Target(same, 20_000), StringComparison.Ordinal);
        Assert.DoesNotContain("_._", PromotionReportText.Target(same, 20_000), StringComparison.Ordinal);
        Assert.EndsWith("_Rendered manifests: not shown: no kubectl on PATH._\n", PromotionReportText.Target(unavailable, 20_000), StringComparison.Ordinal);
    }

    [Fact]
    public void A_diff_over_the_budget_is_counted_not_shown()
    {
        var report = Report() with { Render = Built(string.Format(Config, "1"), string.Format(Config, "2")) };

        // What the head leaves (about 340 characters) minus the section's frame is under the diff's minimum of 200.
        var text = PromotionReportText.Target(report, 400);

        Assert.Contains("_Rendered manifests (kubectl kustomize environments/production): 1 resource change; not shown (over the budget)._", text, StringComparison.Ordinal);
        Assert.True(text.Length <= 400, $"{text.Length}");
        Assert.Contains("```diff", PromotionReportText.Target(report, 1_000), StringComparison.Ordinal);
    }

    [Fact]
    public void A_head_longer_than_the_budget_is_cut()
    {
        var containers = Enumerable.Range(0, 40).Select(i => new ContainerImageChange(Web, $"c{i}", false, "a", "b")).ToArray();

        var text = PromotionReportText.Target(Report(Impact(containers)), 1_000);

        Assert.Equal(1_000, text.Length);
        Assert.EndsWith("…", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Notes_take_at_most_a_quarter_of_what_the_head_leaves()
    {
        var report = Report() with { Notes = [new string('n', 390)] };

        var text = PromotionReportText.Target(report, 1_000);

        Assert.True(text.Length <= 1_000, $"{text.Length}");
        var notes = text[text.IndexOf("<sub>", StringComparison.Ordinal)..];
        Assert.True(notes.Length <= (1_000 - 2 - text.IndexOf("<sub>", StringComparison.Ordinal)) / 4 + 1, notes);
        Assert.EndsWith("…\n", notes, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("plain", "`plain`")]
    [InlineData("a`b", "``a`b``")]
    [InlineData("`start", "`` `start ``")]
    [InlineData("a``b`", "``` a``b` ```")]
    [InlineData("two\nlines", "`two lines`")]
    public void A_code_span_cannot_be_closed_by_the_text_inside_it(string text, string expected) =>
        Assert.Equal(expected, PromotionReportText.Code(text));
}
