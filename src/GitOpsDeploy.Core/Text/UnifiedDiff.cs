using System.Globalization;
using System.Text;

namespace GitOpsDeploy.Core.Text;

/// <summary>
/// A unified diff (git's format, 3 lines of context) between two versions of a file, for publishers
/// that have no local repository to ask (commits through an API). Line-based longest common
/// subsequence; overlay files are small, and a file too big for that is shown as replaced whole.
/// </summary>
public static class UnifiedDiff
{
    private const int Context = 3;
    private const long MaxCells = 16_000_000;

    public static string Of(string path, byte[]? before, byte[]? after)
    {
        var a = Lines(before);
        var b = Lines(after);
        var sb = new StringBuilder();
        sb.Append("diff --git a/").Append(path).Append(" b/").Append(path).Append('\n');
        if (before is null)
        {
            sb.Append("new file mode 100644\n");
        }
        else if (after is null)
        {
            sb.Append("deleted file mode 100644\n");
        }

        sb.Append(before is null ? "--- /dev/null\n" : $"--- a/{path}\n");
        sb.Append(after is null ? "+++ /dev/null\n" : $"+++ b/{path}\n");
        var ops = Operations(a, b);
        foreach (var (start, end) in Hunks(ops))
        {
            var oldStart = ops.Take(start).Count(o => o.Kind != '+');
            var newStart = ops.Take(start).Count(o => o.Kind != '-');
            var oldCount = ops.Skip(start).Take(end - start).Count(o => o.Kind != '+');
            var newCount = ops.Skip(start).Take(end - start).Count(o => o.Kind != '-');
            sb.Append(CultureInfo.InvariantCulture, $"@@ -{Range(oldStart, oldCount)} +{Range(newStart, newCount)} @@\n");
            for (var i = start; i < end; i++)
            {
                sb.Append(ops[i].Kind).Append(ops[i].Line).Append('\n');
            }
        }

        return sb.ToString();
    }

    private static string Range(int start, int count) => count == 0 ? $"{start},0" : count == 1 ? $"{start + 1}" : $"{start + 1},{count}";

    private static string[] Lines(byte[]? content)
    {
        if (content is null || content.Length == 0)
        {
            return [];
        }

        var text = Encoding.UTF8.GetString(content);
        return (text.EndsWith('\n') ? text[..^1] : text).Split('\n');
    }

    private static List<(char Kind, string Line)> Operations(string[] a, string[] b)
    {
        var ops = new List<(char, string)>();
        if ((long)a.Length * b.Length > MaxCells)
        {
            ops.AddRange(a.Select(l => ('-', l)));
            ops.AddRange(b.Select(l => ('+', l)));
            return ops;
        }

        // lcs[i, j]: length of the longest common subsequence of a[i..] and b[j..].
        var lcs = new int[a.Length + 1, b.Length + 1];
        for (var i = a.Length - 1; i >= 0; i--)
        {
            for (var j = b.Length - 1; j >= 0; j--)
            {
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
            }
        }

        int x = 0, y = 0;
        while (x < a.Length || y < b.Length)
        {
            if (x < a.Length && y < b.Length && a[x] == b[y])
            {
                ops.Add((' ', a[x++]));
                y++;
            }
            else if (y < b.Length && (x == a.Length || lcs[x, y + 1] >= lcs[x + 1, y]))
            {
                ops.Add(('+', b[y++]));
            }
            else
            {
                ops.Add(('-', a[x++]));
            }
        }

        // git prints removals before additions within a change.
        for (var i = 1; i < ops.Count; i++)
        {
            for (var k = i; k > 0 && ops[k].Item1 == '-' && ops[k - 1].Item1 == '+'; k--)
            {
                (ops[k], ops[k - 1]) = (ops[k - 1], ops[k]);
            }
        }

        return ops;
    }

    /// <summary>Ranges of operations to print: each change with up to 3 lines of context; changes closer than that share a hunk.</summary>
    private static List<(int Start, int End)> Hunks(List<(char Kind, string Line)> ops)
    {
        var hunks = new List<(int Start, int End)>();
        var changes = Enumerable.Range(0, ops.Count).Where(i => ops[i].Kind != ' ').ToList();
        for (var c = 0; c < changes.Count;)
        {
            var first = changes[c];
            var last = first;
            for (c++; c < changes.Count && changes[c] - last <= Context * 2 + 1; c++)
            {
                last = changes[c];
            }

            hunks.Add((Math.Max(0, first - Context), Math.Min(ops.Count, last + 1 + Context)));
        }

        return hunks;
    }
}
