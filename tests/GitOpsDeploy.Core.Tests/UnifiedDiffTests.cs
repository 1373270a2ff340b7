using System.Diagnostics;
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

    [Theory]
    [InlineData(6)]
    [InlineData(7)]
    public void Changes_with_up_to_six_unchanged_lines_between_share_a_hunk_as_in_git(int between)
    {
        var lines = Enumerable.Range(1, 30).Select(i => $"line {i}").ToList();
        var before = string.Join('\n', lines) + "\n";
        lines[9] = "changed 10";
        lines[10 + between] = $"changed {11 + between}";
        var after = string.Join('\n', lines) + "\n";

        Assert.Equal(Git(before, after), Hunks(UnifiedDiff.Of("f", B(before), B(after))));
        Assert.Equal(between == 6 ? 1 : 2, Hunks(UnifiedDiff.Of("f", B(before), B(after))).Split("@@ -").Length - 1);
    }

    [Theory]
    [InlineData("a\nb\nc\n", "a\nc\n")]
    [InlineData("a\nb\nc\n", "x\na\nb\nc\n")]
    [InlineData("a\nb\nc\n", "a\nb\nc\nd\n")]
    [InlineData("a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n", "a\nB\nC\nd\ne\nf\ng\nh\nI\nj\n")]
    [InlineData("one\ntwo\n", "uno\ndos\ntres\n")]
    [InlineData("k: 1\nl: 2\nm: 3\nn: 4\n", "k: 1\nm: 3\nn: 4\no: 5\n")]
    [InlineData("no newline", "no newline either")]
    public void Unambiguous_changes_print_the_hunks_git_prints(string before, string after) =>
        Assert.Equal(Git(before, after), Hunks(UnifiedDiff.Of("f", B(before), B(after))));

    [Fact]
    public void Every_diff_of_random_edits_applies_with_git_and_gives_the_new_file()
    {
        var random = new Random(20261207);
        string[] words = ["a", "b", "c", "d", "key: 1", "key: 2", "- x", ""];
        for (var n = 0; n < 40; n++)
        {
            var before = Enumerable.Range(0, random.Next(0, 30)).Select(_ => words[random.Next(words.Length)]).ToList();
            var after = new List<string>(before);
            for (var e = random.Next(1, 6); e > 0; e--)
            {
                var at = random.Next(after.Count + 1);
                switch (random.Next(3))
                {
                    case 0: after.Insert(at, words[random.Next(words.Length)]); break;
                    case 1 when at < after.Count: after.RemoveAt(at); break;
                    default: if (at < after.Count) { after[at] = words[random.Next(words.Length)] + "!"; } break;
                }
            }

            var a = before.Count == 0 ? string.Empty : string.Join('\n', before) + "\n";
            var b = after.Count == 0 ? string.Empty : string.Join('\n', after) + "\n";
            if (a == b)
            {
                continue;
            }

            Assert.Equal(b, Apply(a, UnifiedDiff.Of("f", B(a), B(b))));
        }
    }

    /// <summary>The hunks (from the first <c>@@</c>) of what <paramref name="diff"/> prints, without git's function-context headings and no-newline notes.</summary>
    private static string Hunks(string diff) =>
        System.Text.RegularExpressions.Regex.Replace(diff[diff.IndexOf("@@", StringComparison.Ordinal)..], "(?m)^(@@ [^@]+ @@).*$", "$1")
            .Replace("\\ No newline at end of file\n", string.Empty, StringComparison.Ordinal);

    /// <summary>The hunks git diff --no-index prints for the same change (3 lines of context, its default).</summary>
    private static string Git(string before, string after)
    {
        using var dir = new TempDir();
        File.WriteAllText(Path.Combine(dir.Path, "a"), before);
        File.WriteAllText(Path.Combine(dir.Path, "b"), after);
        var output = Run(dir.Path, "diff", "--no-index", "--no-color", "--diff-algorithm=myers", "a", "b");
        return Hunks(output);
    }

    /// <summary><paramref name="before"/> with <paramref name="patch"/> applied by git apply.</summary>
    private static string Apply(string before, string patch)
    {
        using var dir = new TempDir();
        File.WriteAllText(Path.Combine(dir.Path, "f"), before);
        File.WriteAllText(Path.Combine(dir.Path, "p.diff"), patch);
        Run(dir.Path, "apply", "--unidiff-zero", "p.diff");
        return File.Exists(Path.Combine(dir.Path, "f")) ? File.ReadAllText(Path.Combine(dir.Path, "f")) : string.Empty;
    }

    private static string Run(string directory, params string[] args)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        start.Environment["HOME"] = directory;
        using var git = Process.Start(start)!;
        var output = git.StandardOutput.ReadToEndAsync();
        var error = git.StandardError.ReadToEnd();
        git.WaitForExit();
        // git diff exits 1 when the files differ.
        Assert.True(git.ExitCode is 0 or 1, $"git {string.Join(' ', args)}: {error}");
        return output.Result;
    }

    private sealed class TempDir : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("unified-diff-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
