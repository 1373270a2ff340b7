using System.Globalization;
using System.Text;
using GitOpsDeploy.Core.Planning;
using GitOpsDeploy.Core.Text;
using GitOpsDeploy.Editing;
using GitOpsDeploy.Editing.Images;
using GitOpsDeploy.Editing.Overlay;
using GitOpsDeploy.Editing.Yaml;
using GitOpsDeploy.Manifests;
using GitOpsDeploy.Manifests.Diff;

namespace GitOpsDeploy.Core.Tests;

/// <summary>The promotion report's one renderer within its budgets: a 200-resource overlay whose every resource changes, a Secret among them.</summary>
[Trait("Tier", "Unit")]
public sealed class PromotionReportTextTests
{
    private const int Resources = 200;

    private static string Overlay(string tag)
    {
        var yaml = new StringBuilder();
        for (var i = 0; i < Resources; i++)
        {
            yaml.Append(CultureInfo.InvariantCulture, $"""
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: app-{i:D3}
                  namespace: production
                spec:
                  template:
                    spec:
                      containers:
                        - name: app
                          image: ghcr.io/acme/app-{i:D3}:{tag}
                          env:
                            - name: LEVEL
                              value: "{tag}"
                ---

                """);
        }

        yaml.Append(CultureInfo.InvariantCulture, $"""
            apiVersion: v1
            kind: Secret
            metadata:
              name: credentials
              namespace: production
            stringData:
              password: hunter2-{tag}

            """);
        return yaml.ToString();
    }

    // Built per use: a static would be built by whichever test ran first (and credited to it alone in a mutation run).
    private static TargetReport Report => Build();

    private static TargetReport Build()
    {
        var diff = ManifestDiff.Compare(RenderedResource.Split(Overlay("1.0.0")), RenderedResource.Split(Overlay("1.1.0")));
        var containers = Enumerable.Range(0, Resources).Select(i => new ContainerImageChange(
            new ResourceRef("apps/v1", "Deployment", "production", $"app-{i:D3}"), "app", false, $"ghcr.io/acme/app-{i:D3}:1.0.0", $"ghcr.io/acme/app-{i:D3}:1.1.0")).ToList();
        return new TargetReport("production", "environments/production")
        {
            Images = [new ImageImpact("app", "app=ghcr.io/acme/app:1.0.0", "app=ghcr.io/acme/app:1.1.0") { Containers = containers, Certainty = ImpactCertainty.Known }],
            Render = new RenderedChange(RenderState.Built, "kubectl kustomize environments/production", string.Empty) { Diff = diff },
        };
    }

    [Theory]
    [InlineData("github.com", "redirect.github.com", "<https://redirect.github.com/acme/app/issues/7>")]
    [InlineData("ghes.example.com", null, "<https://github.com/acme/app/issues/7>")]
    [InlineData(null, null, "https&#8203;://github.com/acme/app/issues/7")]
    public void The_changelog_links_as_the_runs_GitHub_allows(string? host, string? redirect, string expected)
    {
        var head = new string('b', 40);
        var report = new TargetReport("production", "environments/production")
        {
            Sources =
            [
                new Changelog.SourceComparison
                {
                    Repository = "acme/app",
                    Base = new string('a', 40),
                    Head = head,
                    AheadBy = 1,
                    Added = [new Changelog.SourceCommit(head, [new string('a', 40)], "Fix https://github.com/acme/app/issues/7")],
                },
            ],
            Links = host is null ? null : new Changelog.GitHubLinks(host, redirect),
        };

        Assert.Contains("Fix " + expected, PromotionReportText.Target(report, 4_000), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(600)]
    [InlineData(4_000)]
    [InlineData(65_536)]
    [InlineData(PromotionReportText.OutputBudget)]
    [InlineData(PromotionReportText.SummaryBudget)]
    public void Every_budget_is_kept_and_the_secrets_value_never_shows(int budget)
    {
        var text = PromotionReportText.Markdown([Report], budget);

        Assert.InRange(text.Length, 1, budget);
        Assert.StartsWith("### Promotion report: production (`environments/production`)", text, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Over_budget_whole_resources_are_left_out_the_table_is_capped_and_the_order_is_deterministic()
    {
        var text = PromotionReportText.Markdown([Report], 65_536);

        Assert.Equal(text, PromotionReportText.Markdown([Build()], 65_536));
        Assert.Contains("**What changes in the cluster:** 200 containers in 200 workloads.", text, StringComparison.Ordinal);
        Assert.Contains("…and 160 more containers.", text, StringComparison.Ordinal);
        Assert.Contains("<b>Rendered manifests</b>: 201 resources changed, 0 added, 0 removed", text, StringComparison.Ordinal);
        // Every diff block shown is whole: each opened fence is closed.
        var blocks = text.Split("```diff", StringSplitOptions.None).Length - 1;
        Assert.InRange(blocks, 1, Resources);
        Assert.Equal(0, (text.Split("```", StringSplitOptions.None).Length - 1) % 2);
        Assert.Contains("</details>", text, StringComparison.Ordinal);
        // Resources come in a stable order: the first diff block shown is the first resource by name.
        var firstBlock = text[(text.IndexOf("```diff", StringComparison.Ordinal) + "```diff".Length)..];
        firstBlock = firstBlock[..firstBlock.IndexOf("```", StringComparison.Ordinal)];
        Assert.Contains("app-000", firstBlock, StringComparison.Ordinal);
    }

    [Fact]
    public void The_pull_request_body_with_a_large_report_stays_within_githubs_limit_and_keeps_its_marker()
    {
        var edit = new OverlayEdit("environments/production", "environments/production/kustomization.yaml",
            [new FileChange("environments/production/kustomization.yaml", [1])],
            [new ImageChange(new ImageEntry("app", "ghcr.io/acme/app", "1.0.0", null), new ImageEntry("app", "ghcr.io/acme/app", "1.1.0", null))], []);
        var request = Doubles.TestRequests.Parse(("images", "app:1.1.0"), ("mode", "pull-request"));
        var marker = new PullRequestMarker("production", "acme/app", PullRequestMarker.ChangeSetOf(edit), "42", "00ff00ff00ff00ff");

        var body = PullRequestText.Body(request, [new TargetEdit(request.Targets[0], edit) { Report = Report }], "-a\n+b\n", new SourceLinks(null, null), marker);

        Assert.InRange(body.Length, 10_000, PullRequestText.MaxBody);
        Assert.Contains("### Promotion report: production", body, StringComparison.Ordinal);
        Assert.EndsWith(marker.Render(), body, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", body, StringComparison.Ordinal);
    }
}
