using GitOpsDeploy.Core.Planning;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Core.Text;
using GitOpsDeploy.Editing;
using GitOpsDeploy.Editing.Images;
using GitOpsDeploy.Editing.Overlay;
using GitOpsDeploy.Editing.Yaml;

namespace GitOpsDeploy.Core.Tests;

[Trait("Tier", "Unit")]
public sealed class PullRequestTextTests
{
    // Built per use, not in static fields: a static is built by whichever test runs first, and a mutation run
    // that maps product code to the tests covering it would credit that one test alone.
    private static OverlayEdit Edit => new("environments/staging", "environments/staging/kustomization.yaml",
        [new FileChange("environments/staging/kustomization.yaml", [1])],
        [new ImageChange(new ImageEntry("web", "ghcr.io/acme/web", "1.0.0", null), new ImageEntry("web", "ghcr.io/acme/web", "1.1.0", null))], []);

    private static DeployRequest Options(string? title = null, string? body = null)
    {
        var request = Doubles.TestRequests.Parse(("images", "web:1.1.0"), ("mode", "pull-request"));
        return request with { Landing = request.Landing with { PullRequestTitleTemplate = title, PullRequestBodyTemplate = body } };
    }

    private static IReadOnlyList<TargetEdit> Edits => [new(Options().Targets[0], Edit)];

    private static PullRequestMarker Marker => new("staging", "acme/app", PullRequestMarker.ChangeSetOf(Edit), "42", "00ff00ff00ff00ff");

    private static PullRequestInfo Pr(string head, string body, string author = "deploy-app[bot]") =>
        new(7, "https://x/pull/7", head, "abc", "main", true, false, "PR_7", "t", body, []) { Author = author };

    [Fact]
    public void Default_title_names_images_and_environment() =>
        Assert.Equal("Deploy web 1.1.0 to staging", PullRequestText.Title(Options(), Edits));

    [Fact]
    public void Titles_are_cut_to_255_characters() =>
        Assert.Equal(255, PullRequestText.Title(Options(title: new string('t', 400)), Edits).Length);

    [Fact]
    public void The_body_is_cut_to_githubs_limit_and_keeps_its_marker()
    {
        var body = PullRequestText.Body(Options(), Edits, new string('+', 100_000), new SourceLinks("https://x/commit", "https://x/compare"), Marker);

        Assert.True(body.Length <= PullRequestText.MaxBody, $"{body.Length}");
        Assert.Contains("truncated to GitHub's size limit", body, StringComparison.Ordinal);
        Assert.Equal(Marker, PullRequestMarker.Find(body));
    }

    [Fact]
    public void The_default_body_links_the_source_and_the_compare_view()
    {
        var body = PullRequestText.Body(Options(), Edits, "-a\n+b\n", new SourceLinks("https://git.example.com/acme/app/commit/0123", "https://git.example.com/acme/app/compare/aaa...0123"), Marker);

        Assert.Contains("[acme/app@0123456](https://git.example.com/acme/app/commit/0123)", body, StringComparison.Ordinal);
        Assert.Contains("Changes since the previous deployment: https://git.example.com/acme/app/compare/aaa...0123", body, StringComparison.Ordinal);
        Assert.Contains("| `web` | `ghcr.io/acme/web:1.0.0` | `ghcr.io/acme/web:1.1.0` |", body, StringComparison.Ordinal);
        Assert.Contains("```diff\n-a\n+b\n```", body, StringComparison.Ordinal);
    }

    [Fact]
    public void Templates_fill_placeholders()
    {
        var body = PullRequestText.Body(Options(body: "{{ environment }}: {{ images }} from {{ short-sha }}"), Edits, string.Empty, new SourceLinks(null, null), Marker);
        Assert.StartsWith("staging: web 1.1.0 from 0123456", body, StringComparison.Ordinal);
    }

    [Fact]
    public void The_digest_changes_with_the_base_or_the_content()
    {
        var a = PullRequestText.Digest("base1", Edit.Files);
        Assert.Equal(a, PullRequestText.Digest("base1", Edit.Files));
        Assert.NotEqual(a, PullRequestText.Digest("base2", Edit.Files));
        Assert.NotEqual(a, PullRequestText.Digest("base1", [new FileChange("environments/staging/kustomization.yaml", [2])]));
    }

    [Fact]
    public void The_marker_round_trips_with_its_deployment_and_change_set()
    {
        var found = PullRequestMarker.Find("Deploys web.\n\n" + Marker.Render() + "\n");

        Assert.Equal(Marker, found);
        Assert.Equal("42", found!.Deployments);
    }

    [Theory]
    [InlineData("copied from a deploy PR:\n\n{0}\n\nand my own notes below")]
    [InlineData("| `values.yaml` | `{0}` |")]
    [InlineData("text {0}")]
    [InlineData("```\n{0}\n```")]
    public void A_marker_that_is_not_the_last_line_of_the_body_is_not_ours(string body) =>
        Assert.Null(PullRequestMarker.Find(string.Format(System.Globalization.CultureInfo.InvariantCulture, body, Marker.Render())));

    [Fact]
    public void Only_the_same_environment_app_and_change_set_supersede_each_other()
    {
        var worker = Edit with { Images = [new ImageChange(null, new ImageEntry("worker", "ghcr.io/acme/worker", "2.0.0", null))] };
        var newerWeb = Edit with { Images = [new ImageChange(null, new ImageEntry("web", "ghcr.io/acme/web", "9.9.9", null))] };

        Assert.True(Marker.SameTarget(Marker with { Digest = "1111", Deployments = "9" }));
        Assert.True(Marker.SameTarget(Marker with { ChangeSet = PullRequestMarker.ChangeSetOf(newerWeb) }));
        Assert.False(Marker.SameTarget(Marker with { ChangeSet = PullRequestMarker.ChangeSetOf(worker) }));
        Assert.False(Marker.SameTarget(Marker with { Environment = "production" }));
        Assert.False(Marker.SameTarget(Marker with { Source = "acme/other" }));
        // A marker of the first version has no change set: it is only ours through its head branch.
        Assert.False(Marker.SameTarget(PullRequestMarker.Find("<!-- gitops-deploy environment=\"staging\" source=\"acme/app\" digest=\"00\" -->")));
    }

    [Fact]
    public void A_pull_request_is_ours_only_with_our_author_our_branch_and_our_marker()
    {
        var body = "x\n\n" + Marker.Render();

        Assert.True(PullRequestOwnership.IsOurs(Pr("gitops-deploy/staging/web", body), "deploy-app[bot]", "gitops-deploy/staging/web"));
        Assert.True(PullRequestOwnership.IsOurs(Pr("custom/head", body), "deploy-app[bot]", "custom/head"));
        Assert.False(PullRequestOwnership.IsOurs(Pr("gitops-deploy/staging/web", body, author: "alice"), "deploy-app[bot]", "gitops-deploy/staging/web"));
        Assert.False(PullRequestOwnership.IsOurs(Pr("release/web", body), "deploy-app[bot]", "gitops-deploy/staging/web"));
        Assert.False(PullRequestOwnership.IsOurs(Pr("gitops-deploy/staging/web", body + "\nedited by hand"), "deploy-app[bot]", "gitops-deploy/staging/web"));
        Assert.Contains("opened by alice", PullRequestOwnership.WhyNotOurs(Pr("gitops-deploy/staging/web", body, author: "alice"), "deploy-app[bot]"), StringComparison.Ordinal);
    }
}
