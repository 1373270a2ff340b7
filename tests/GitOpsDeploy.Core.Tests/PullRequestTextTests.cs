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

    private const string Sha = "1234567890123456789012345678901234567890";

    private static OverlayEdit HelmEdit => new("helm/staging", null, [new FileChange("helm/staging/values.yaml", [1])], [],
        [new ValueChange("values.yaml", "image.tag", null, "1.2"), new ValueChange("values.yaml", "replicas", "2", "3")]);

    [Fact]
    public void The_default_body_of_a_plain_deploy_is_its_target_table_and_source()
    {
        var body = PullRequestText.Body(Options(), Edits, string.Empty, new SourceLinks("https://git.example.com/acme/app/commit/0123", null), Marker);

        Assert.Equal(
            "Deploys to **staging** (`environments/staging`).\n\n| Image | From | To |\n|---|---|---|\n| `web` | `ghcr.io/acme/web:1.0.0` | `ghcr.io/acme/web:1.1.0` |\n\n"
            + "Source commit: [acme/app@0123456](https://git.example.com/acme/app/commit/0123)\n\n" + Marker.Render(),
            body);
    }

    [Fact]
    public void Without_links_the_source_commit_is_named_not_linked()
    {
        var body = PullRequestText.Body(Options(), Edits, string.Empty, new SourceLinks(null, null), Marker);

        Assert.Contains("\nSource commit: acme/app@0123456\n", body, StringComparison.Ordinal);
        Assert.DoesNotContain("Changes since", body, StringComparison.Ordinal);
        Assert.DoesNotContain("<details>", body, StringComparison.Ordinal);
    }

    [Fact]
    public void A_promotion_names_where_it_came_from_and_each_images_build()
    {
        var promotion = new Promotion("staging", "abcdef0123456789", [new PromotedImage(new ImageEntry("web", null, "1.1.0", null), Sha), new PromotedImage(new ImageEntry("api", null, "2.0.0", null), null)]);
        var edits = new List<TargetEdit> { new(Options().Targets[0], Edit) { Promotion = promotion } };

        var linked = PullRequestText.Body(Options(), edits, string.Empty, new SourceLinks("https://git.example.com/acme/app/commit/0123", null), Marker);
        var unlinked = PullRequestText.Body(Options(), edits, string.Empty, new SourceLinks(null, null), Marker);

        Assert.Contains("Promoted from **staging** at gitops commit `abcdef0`: exactly the references verified there.\n- `web`: built from [acme/app@1234567](https://git.example.com/acme/app/commit/" + Sha + ")\n- `api`: built from source commit unknown\n", linked, StringComparison.Ordinal);
        Assert.Contains("- `web`: built from acme/app@1234567\n", unlinked, StringComparison.Ordinal);
    }

    [Fact]
    public void The_template_gets_the_report_within_what_it_leaves_of_the_limit()
    {
        var report = new TargetReport("staging", "environments/staging") { Notes = [new string('n', 300)] };
        var edits = new List<TargetEdit> { new(Options().Targets[0], Edit) { Report = report } };

        var body = PullRequestText.Body(Options(body: "before {{ report }} after"), edits, string.Empty, new SourceLinks(null, null), Marker);
        var plain = PullRequestText.Body(Options(), edits, string.Empty, new SourceLinks(null, null), Marker);

        Assert.StartsWith("before ### Promotion report: staging (`environments/staging`)\n", body, StringComparison.Ordinal);
        Assert.Contains("<sub>" + new string('n', 300) + "</sub>", body, StringComparison.Ordinal);
        Assert.Contains(" after\n\n" + Marker.Render(), body, StringComparison.Ordinal);
        Assert.Contains("Source commit: acme/app@0123456\n\n### Promotion report: staging", plain, StringComparison.Ordinal);
    }

    [Fact]
    public void A_body_at_the_limit_is_not_cut_and_one_over_it_is()
    {
        var footer = "\n\n" + Marker.Render();
        var fits = new string('x', PullRequestText.MaxBody - footer.Length);

        var body = PullRequestText.Body(Options(body: "{{ diff }}"), Edits, fits, new SourceLinks(null, null), Marker);
        var over = PullRequestText.Body(Options(body: "{{ diff }}"), Edits, fits + "y", new SourceLinks(null, null), Marker);

        Assert.Equal(fits + footer, body);
        Assert.Equal(PullRequestText.MaxBody, over.Length);
        Assert.Contains("truncated to GitHub's size limit", over, StringComparison.Ordinal);
    }

    [Fact]
    public void A_title_of_exactly_the_limit_stays_and_line_breaks_become_spaces()
    {
        Assert.Equal(new string('t', 255), PullRequestText.Title(Options(title: new string('t', 255)), Edits));
        Assert.EndsWith("…", PullRequestText.Title(Options(title: new string('t', 256)), Edits), StringComparison.Ordinal);
        Assert.Equal("a b", PullRequestText.Title(Options(title: " a\nb "), Edits));
        Assert.Equal("Deploy web 1.1.0 to staging", PullRequestText.Title(Options(title: null), Edits));
    }

    [Fact]
    public void Versions_name_images_and_values_or_say_there_are_none()
    {
        Assert.Equal("image.tag=1.2, replicas=3", CommitMessage.Versions(HelmEdit));
        Assert.Equal("web 1.1.0", CommitMessage.Versions(Edit));
        Assert.Equal("no changes", CommitMessage.Versions(new OverlayEdit("environments/staging", null, [], [], [])));
    }

    [Fact]
    public void A_helm_change_is_a_line_per_value_and_no_image_table()
    {
        Assert.Equal("`values.yaml` `image.tag`: `(unset)` → `1.2`\n\n`values.yaml` `replicas`: `2` → `3`", ChangeTable.Of(HelmEdit).TrimStart('\n'));
        Assert.DoesNotContain("| Image |", ChangeTable.Of(HelmEdit), StringComparison.Ordinal);
    }

    [Fact]
    public void The_digest_does_not_depend_on_the_files_order_and_tells_a_deletion_from_an_empty_file()
    {
        FileChange a = new("a.yaml", [1]), b = new("b.yaml", [2]);

        Assert.Equal(PullRequestText.Digest("base", [a, b]), PullRequestText.Digest("base", [b, a]));
        Assert.NotEqual(PullRequestText.Digest("base", [new FileChange("a.yaml", null)]), PullRequestText.Digest("base", [new FileChange("a.yaml", [])]));
        Assert.Equal(16, PullRequestText.Digest("base", [a]).Length);
    }

    [Fact]
    public void A_marker_describes_a_change_only_on_the_head_it_was_written_for()
    {
        var written = Marker with { Head = Sha };

        Assert.True(written.Describes(Marker, Sha));
        Assert.False(written.Describes(Marker, "other"));
        Assert.False(Marker.Describes(Marker, string.Empty));
        Assert.False(written.Describes(Marker with { Digest = "1111111111111111" }, Sha));
        Assert.DoesNotContain("head=", Marker.Render(), StringComparison.Ordinal);
        Assert.EndsWith($" head=\"{Sha}\" -->", written.Render(), StringComparison.Ordinal);
        Assert.Equal(written, PullRequestMarker.Find("text\n" + written.Render()));
        Assert.Null(PullRequestMarker.Find(null));
    }

    [Fact]
    public void Markers_without_a_change_set_never_supersede()
    {
        var empty = Marker with { ChangeSet = string.Empty };

        Assert.False(empty.SameTarget(empty));
        Assert.True(Marker.SameTarget(Marker with { Digest = "other", Deployments = "9" }));
        Assert.False(Marker.SameTarget(null));
    }

    [Fact]
    public void The_change_set_names_the_images_and_values_not_their_order_or_versions()
    {
        var one = new OverlayEdit("o", null, [], [new ImageChange(null, new ImageEntry("a", null, "1", null)), new ImageChange(null, new ImageEntry("b", null, "1", null))], []);
        var swapped = one with { Images = [one.Images[1], one.Images[0] with { After = new ImageEntry("a", null, "2", null) }] };
        var values = new OverlayEdit("o", null, [], [], [new ValueChange("values.yaml", "a", null, "1")]);

        Assert.Equal(PullRequestMarker.ChangeSetOf(one), PullRequestMarker.ChangeSetOf(swapped));
        Assert.NotEqual(PullRequestMarker.ChangeSetOf(one), PullRequestMarker.ChangeSetOf(one with { Images = [one.Images[0]] }));
        Assert.NotEqual(PullRequestMarker.ChangeSetOf(values), PullRequestMarker.ChangeSetOf(new OverlayEdit("o", null, [], [], [])));
        Assert.NotEqual(PullRequestMarker.ChangeSetOf(one), PullRequestMarker.ChangeSetOf(one with { OverlayPath = "p" }));
    }

    [Fact]
    public void Why_a_pull_request_is_not_ours_names_the_reason()
    {
        Assert.Equal("it was opened by someone, not by the gitops-token's identity deploy-app[bot]", PullRequestOwnership.WhyNotOurs(Pr("gitops-deploy/x", "b", "someone"), "deploy-app[bot]"));
        Assert.Equal("its description does not end with this action's marker", PullRequestOwnership.WhyNotOurs(Pr("gitops-deploy/x", "b"), "DEPLOY-APP[bot]"));
    }

    [Fact]
    public void Every_placeholder_of_the_body_and_the_title_is_filled()
    {
        var links = new SourceLinks("https://x/commit/0123", "https://x/compare/a...b");
        var body = PullRequestText.Body(Options(body: "[{{ images }}][{{ source-url }}][{{ compare-url }}][{{ diff }}][{{ report }}]\n{{ table }}"), Edits, "-a", links, Marker);

        Assert.StartsWith("[web 1.1.0][https://x/commit/0123][https://x/compare/a...b][-a][]\n| Image | From | To |", body, StringComparison.Ordinal);
        Assert.Equal("web 1.1.0 [] []", PullRequestText.Title(Options(title: "{{ images }} [{{ source-url }}] [{{ diff }}]"), Edits));
    }

    /// <summary>A report too big for what is left: 300 containers, far past any budget.</summary>
    private static TargetReport BigReport => new("staging", "environments/staging")
    {
        Images =
        [
            new ImageImpact("web", "web=a:1", "web=a:2")
            {
                Certainty = ImpactCertainty.Known,
                Containers = [.. Enumerable.Range(0, 300).Select(i => new Manifests.ContainerImageChange(new Manifests.ResourceRef("apps/v1", "Deployment", "staging", $"web-{i:D3}-{new string('x', 150)}"), "web", false, "a:1", "a:2"))],
            },
        ],
    };

    [Theory]
    [InlineData(null)]
    [InlineData("{{ diff }}\n{{ report }}")]
    public void The_report_gets_only_what_the_rest_of_the_body_leaves_so_nothing_is_truncated(string? template)
    {
        var edits = new List<TargetEdit> { new(Options().Targets[0], Edit) { Report = BigReport } };

        var body = PullRequestText.Body(Options(body: template), edits, new string('+', 58_000), new SourceLinks(null, null), Marker);

        Assert.True(body.Length <= PullRequestText.MaxBody, $"{body.Length}");
        Assert.True(body.Length > PullRequestText.MaxBody - 2_000, $"{body.Length}: the report did not fill the room left");
        Assert.DoesNotContain("truncated to GitHub's size limit", body, StringComparison.Ordinal);
        Assert.Contains("### Promotion report: staging", body, StringComparison.Ordinal);
    }

    [Fact]
    public void The_digest_and_the_change_set_keep_their_values_across_versions()
    {
        // Both are written into open pull requests' markers: a new version must compute what the last one wrote.
        Assert.Equal("2a1e3019c1ce9e6d", PullRequestText.Digest("base", [new FileChange("b.yaml", [2]), new FileChange("a.yaml", [1])]));
        Assert.Equal("e0011d2a70e0", PullRequestMarker.ChangeSetOf(new OverlayEdit("o", null, [],
            [new ImageChange(null, new ImageEntry("b", null, "1", null)), new ImageChange(null, new ImageEntry("a", null, "1", null))], [new ValueChange("values.yaml", "x", null, "1")])));
    }

    [Fact]
    public void The_digest_covers_each_files_path()
    {
        Assert.NotEqual(PullRequestText.Digest("base", [new FileChange("a.yaml", [1])]), PullRequestText.Digest("base", [new FileChange("b.yaml", [1])]));
    }
}
