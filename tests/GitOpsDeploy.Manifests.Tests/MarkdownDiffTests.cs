using System.Globalization;
using System.Text;
using GitOpsDeploy.Manifests.Diff;

namespace GitOpsDeploy.Manifests.Tests;

[Trait("Tier", "Unit")]
public sealed class MarkdownDiffTests
{
    private static string Deployment(string name, string image, string ns = "prod") => $"""
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: {name}
          namespace: {ns}
        spec:
          template:
            spec:
              containers:
              - image: {image}
                name: app

        """;

    private static string Render(IEnumerable<string> documents) => string.Join("---\n", documents);

    [Fact]
    public void Each_changed_resource_gets_a_diff_block_and_added_and_removed_ones_are_listed()
    {
        var before = Render([Deployment("web", "web:1"), Deployment("api", "api:1"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: old\n"]);
        var after = Render([Deployment("web", "web:2"), Deployment("api", "api:1"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: new\n"]);

        var markdown = ManifestDiff.Compare(before, after).ToMarkdown(5000);

        Assert.Equal("""
            **1 changed, 1 added, 1 removed** of 4 rendered resources.

            #### `Deployment prod/web`

            ```diff
            --- a/Deployment.apps/prod/web
            +++ b/Deployment.apps/prod/web
            @@ -7,5 +7,5 @@
               template:
                 spec:
                   containers:
            -      - image: web:1
            +      - image: web:2
                     name: app
            ```

            Added:
            - `ConfigMap new`

            Removed:
            - `ConfigMap old`

            """, markdown);
    }

    [Fact]
    public void Over_budget_whole_resources_are_left_out_and_counted_never_exceeding_the_budget()
    {
        var before = Render(Enumerable.Range(0, 200).Select(i => Deployment($"svc-{i:000}", "platform:1")));
        var after = Render(Enumerable.Range(0, 200).Select(i => Deployment($"svc-{i:000}", "platform:2")));
        var diff = ManifestDiff.Compare(before, after);

        var tiny = diff.ToMarkdown(MarkdownDiff.MinimumBudget);
        Assert.True(tiny.Length <= MarkdownDiff.MinimumBudget, tiny);
        Assert.StartsWith("**200 changed, 0 added, 0 removed**", tiny, StringComparison.Ordinal);
        foreach (var budget in new[] { 1_000, 4_000, 10_000, 30_000 })
        {
            var markdown = diff.ToMarkdown(budget);
            Assert.True(markdown.Length <= budget, $"{markdown.Length} > {budget}");
            var blocks = markdown.Split("\n#### ").Length - 1;
            Assert.True(blocks >= 1, $"budget {budget}: no block in\n{markdown}");
            Assert.Contains($"_{200 - blocks} more changed resources not shown (over the {budget.ToString(CultureInfo.InvariantCulture)}-character budget)_", markdown, StringComparison.Ordinal);

            // Every block that is shown is whole: its fence is closed.
            Assert.Equal(blocks * 2, markdown.Split('\n').Count(l => l.StartsWith("```", StringComparison.Ordinal)));
        }

        Assert.DoesNotContain("not shown", diff.ToMarkdown(1_000_000), StringComparison.Ordinal);
    }

    [Fact]
    public void A_single_resource_larger_than_the_budget_is_cut_by_lines_and_says_so()
    {
        var big = new StringBuilder("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n");
        var changed = new StringBuilder(big.ToString());
        for (var i = 0; i < 500; i++)
        {
            big.Append(CultureInfo.InvariantCulture, $"  k{i}: v{i}\n");
            changed.Append(CultureInfo.InvariantCulture, $"  k{i}: w{i}\n");
        }

        var markdown = ManifestDiff.Compare(big.ToString(), changed.ToString()).ToMarkdown(2_000);

        Assert.True(markdown.Length <= 2_000);
        Assert.Contains("_(this diff is cut:", markdown, StringComparison.Ordinal);
        Assert.DoesNotContain("not shown", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public void The_order_is_deterministic_workloads_first()
    {
        var before = Render(["apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata: {k: '1'}\n", Deployment("z", "z:1"), Deployment("b", "b:1", "other")]);
        var after = Render([Deployment("b", "b:2", "other"), Deployment("z", "z:2"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata: {k: '2'}\n"]);

        var keys = ManifestDiff.Compare(before, after).Changes.Select(c => c.Key.ToString()).ToList();

        Assert.Equal(["Deployment other/b", "Deployment prod/z", "ConfigMap a"], keys);
    }

    [Fact]
    public void No_change_says_so()
    {
        var render = Deployment("web", "web:1");
        var diff = ManifestDiff.Compare(render, render);

        Assert.True(diff.IsEmpty);
        Assert.Equal("No rendered resource changes (1 resources).\n", diff.ToMarkdown(1000));
    }
}

[Trait("Tier", "Unit")]
public sealed class SecretRedactorTests
{
    private const string Before = """
        apiVersion: v1
        kind: Secret
        metadata:
          name: db
          annotations:
            kubectl.kubernetes.io/last-applied-configuration: '{"stringData":{"password":"s3cret"}}'
        data:
          user: YWRtaW4=
          password: czNjcmV0
        stringData:
          config: |
            password=s3cret
            host=db
          empty:
        type: Opaque

        """;

    [Fact]
    public void Values_are_redacted_keys_and_layout_kept_and_a_changed_value_reads_changed()
    {
        var after = Before.Replace("czNjcmV0", "bjN3", StringComparison.Ordinal).Replace("password=s3cret", "password=n3w", StringComparison.Ordinal);

        var change = Assert.Single(ManifestDiff.Compare(Before, after).Changes);

        Assert.Equal("""
            --- a/Secret/db
            +++ b/Secret/db
            @@ -6,8 +6,8 @@
                 kubectl.kubernetes.io/last-applied-configuration: "*** (redacted)"
             data:
               user: "*** (redacted)"
            -  password: "*** (redacted)"
            +  password: "*** (redacted, changed)"
             stringData:
            -  config: "*** (redacted)"
            +  config: "*** (redacted, changed)"
               empty: "*** (redacted)"
             type: Opaque

            """, change.Diff);
        Assert.DoesNotContain("s3cret", change.Diff, StringComparison.Ordinal);
        Assert.DoesNotContain("n3w", change.Diff, StringComparison.Ordinal);
    }

    [Fact]
    public void A_secret_whose_only_change_is_metadata_shows_it_with_values_still_hidden()
    {
        var after = Before.Replace("name: db", "name: db\n  labels: {a: b}", StringComparison.Ordinal);

        var change = Assert.Single(ManifestDiff.Compare(Before, after).Changes);

        Assert.Contains("+  labels: {a: b}", change.Diff, StringComparison.Ordinal);
        Assert.DoesNotContain("czNjcmV0", change.Diff, StringComparison.Ordinal);
        Assert.DoesNotContain("changed", change.Diff, StringComparison.Ordinal);
    }
}
