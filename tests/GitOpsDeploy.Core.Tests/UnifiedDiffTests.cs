using System.Text;
using GitOpsDeploy.Core.Text;

namespace GitOpsDeploy.Core.Tests;

/// <summary>The diff an API publisher shows, checked against what git itself prints for the same change.</summary>
[Trait("Tier", "Unit")]
public sealed class UnifiedDiffTests
{
    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public void A_changed_line_is_shown_with_three_lines_of_context()
    {
        var before = "a\nb\nc\nd\ne\nf\ng\nh\n";
        var after = "a\nb\nc\nd\nE\nf\ng\nh\n";

        Assert.Equal("diff --git a/k.yaml b/k.yaml\n--- a/k.yaml\n+++ b/k.yaml\n@@ -2,7 +2,7 @@\n b\n c\n d\n-e\n+E\n f\n g\n h\n",
            UnifiedDiff.Of("k.yaml", B(before), B(after)));
    }

    [Fact]
    public void Distant_changes_get_their_own_hunks_and_near_ones_share_one()
    {
        var before = string.Concat(Enumerable.Range(1, 20).Select(i => $"{i}\n"));
        var after = before.Replace("2\n3\n", "2\nthree\n", StringComparison.Ordinal).Replace("18\n", "eighteen\n", StringComparison.Ordinal);

        var diff = UnifiedDiff.Of("f", B(before), B(after));

        Assert.Contains("@@ -1,6 +1,6 @@\n 1\n 2\n-3\n+three\n 4\n 5\n 6\n", diff, StringComparison.Ordinal);
        Assert.Contains("@@ -15,6 +15,6 @@\n 15\n 16\n 17\n-18\n+eighteen\n 19\n 20\n", diff, StringComparison.Ordinal);
    }

    [Fact]
    public void New_and_deleted_files_say_so()
    {
        Assert.Equal("diff --git a/h b/h\nnew file mode 100644\n--- /dev/null\n+++ b/h\n@@ -0,0 +1,2 @@\n+x\n+y\n", UnifiedDiff.Of("h", null, B("x\ny\n")));
        Assert.Equal("diff --git a/h b/h\ndeleted file mode 100644\n--- a/h\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n", UnifiedDiff.Of("h", B("x\n"), null));
    }
}
