using GitOpsDeploy.Manifests.Diff;

namespace GitOpsDeploy.Manifests.Tests;

[Trait("Tier", "Unit")]
public sealed class LineDiffTests
{
    [Fact]
    public void Equal_texts_have_no_diff() => Assert.Equal(string.Empty, LineDiff.Unified("x", "a\nb\n", "a\nb\n"));

    [Fact]
    public void A_changed_line_gets_three_lines_of_context()
    {
        var before = string.Join('\n', Enumerable.Range(1, 10).Select(i => $"line {i}")) + "\n";
        var after = before.Replace("line 5", "line five", StringComparison.Ordinal);

        Assert.Equal("--- a/x\n+++ b/x\n@@ -2,7 +2,7 @@\n line 2\n line 3\n line 4\n-line 5\n+line five\n line 6\n line 7\n line 8\n", LineDiff.Unified("x", before, after));
    }

    [Fact]
    public void Changes_closer_than_seven_lines_share_a_hunk_and_farther_ones_do_not()
    {
        var lines = Enumerable.Range(1, 30).Select(i => $"{i}").ToList();
        var before = string.Join('\n', lines) + "\n";
        var near = before.Replace("\n3\n", "\nthree\n", StringComparison.Ordinal).Replace("\n10\n", "\nten\n", StringComparison.Ordinal);
        var far = before.Replace("\n3\n", "\nthree\n", StringComparison.Ordinal).Replace("\n11\n", "\neleven\n", StringComparison.Ordinal);

        Assert.Single(LineDiff.Hunks(before, near).Split('\n'), l => l.StartsWith("@@", StringComparison.Ordinal));
        Assert.Equal(2, LineDiff.Hunks(before, far).Split('\n').Count(l => l.StartsWith("@@", StringComparison.Ordinal)));
    }

    [Fact]
    public void An_insertion_and_a_deletion_use_empty_ranges_as_gnu_diff_does()
    {
        Assert.Equal("@@ -0,0 +1 @@\n+a\n", LineDiff.Hunks(string.Empty, "a\n"));
        Assert.Equal("@@ -1 +0,0 @@\n-a\n", LineDiff.Hunks("a\n", string.Empty));
        Assert.Equal("@@ -1,2 +1,3 @@\n a\n+x\n b\n", LineDiff.Hunks("a\nb\n", "a\nx\nb\n"));
    }

    [Fact]
    public void Inside_a_change_deletions_come_before_insertions()
    {
        var hunks = LineDiff.Hunks("k\na\nb\nk2\n", "k\nx\ny\nk2\n");

        Assert.Equal("@@ -1,4 +1,4 @@\n k\n-a\n-b\n+x\n+y\n k2\n", hunks);
    }

    [Fact]
    public void Applying_the_hunks_to_the_old_text_gives_the_new_one()
    {
        var random = new Random(7);
        for (var round = 0; round < 200; round++)
        {
            var a = Enumerable.Range(0, random.Next(0, 40)).Select(_ => $"l{random.Next(0, 8)}").ToList();
            var b = a.ToList();
            for (var edit = random.Next(0, 6); edit > 0; edit--)
            {
                var at = random.Next(0, b.Count + 1);
                if (random.Next(2) == 0 && b.Count > 0 && at < b.Count)
                {
                    b.RemoveAt(at);
                }
                else
                {
                    b.Insert(at, $"n{random.Next(0, 8)}");
                }
            }

            var before = a.Count == 0 ? string.Empty : string.Join('\n', a) + "\n";
            var after = b.Count == 0 ? string.Empty : string.Join('\n', b) + "\n";
            Assert.Equal(after, Patch(before, LineDiff.Hunks(before, after, context: 100_000)));
        }
    }

    /// <summary>With unbounded context there is one hunk: keep ' ' and '+' lines.</summary>
    private static string Patch(string before, string hunks)
    {
        if (hunks.Length == 0)
        {
            return before;
        }

        var lines = hunks.Split('\n')[1..^1].Where(l => l[0] is ' ' or '+').Select(l => l[1..]);
        var text = string.Join('\n', lines);
        return text.Length == 0 && !hunks.Contains("\n ", StringComparison.Ordinal) && !hunks.Contains("\n+", StringComparison.Ordinal) ? string.Empty : text + "\n";
    }
}
