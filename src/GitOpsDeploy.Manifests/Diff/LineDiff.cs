using System.Globalization;
using System.Text;

namespace GitOpsDeploy.Manifests.Diff;

/// <summary>
/// A unified diff of two texts (3 lines of context, GNU diff's hunk format), by Myers' O(ND)
/// algorithm; inside each change, deletions come before insertions as in GNU diff. Texts whose
/// difference is too large to search are shown as replaced whole.
/// </summary>
public static class LineDiff
{
    private const long MaxCells = 20_000_000;

    /// <summary>The hunks only (no <c>---</c>/<c>+++</c> header); empty when the texts are equal.</summary>
    public static string Hunks(string before, string after, int context = 3)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var a = Lines(before);
        var b = Lines(after);
        var ops = Operations(a, b);
        var sb = new StringBuilder();
        var changes = new List<int>();
        for (var i = 0; i < ops.Count; i++)
        {
            if (ops[i].Kind != ' ')
            {
                changes.Add(i);
            }
        }

        var c = 0;
        while (c < changes.Count)
        {
            var start = Math.Max(0, changes[c] - context);
            var last = changes[c];
            while (c + 1 < changes.Count && changes[c + 1] - last - 1 <= 2 * context)
            {
                c++;
                last = changes[c];
            }

            var end = Math.Min(ops.Count, last + context + 1);
            c++;
            var oldStart = 0;
            var newStart = 0;
            for (var i = 0; i < start; i++)
            {
                oldStart += ops[i].Kind != '+' ? 1 : 0;
                newStart += ops[i].Kind != '-' ? 1 : 0;
            }

            var oldCount = 0;
            var newCount = 0;
            for (var i = start; i < end; i++)
            {
                oldCount += ops[i].Kind != '+' ? 1 : 0;
                newCount += ops[i].Kind != '-' ? 1 : 0;
            }

            sb.Append(CultureInfo.InvariantCulture, $"@@ -{Range(oldStart, oldCount)} +{Range(newStart, newCount)} @@\n");
            for (var i = start; i < end; i++)
            {
                sb.Append(ops[i].Kind).Append(ops[i].Line).Append('\n');
            }
        }

        return sb.ToString();
    }

    /// <summary>A full unified diff with <c>--- a/NAME</c> and <c>+++ b/NAME</c> headers; empty when equal.</summary>
    public static string Unified(string name, string before, string after, int context = 3)
    {
        var hunks = Hunks(before, after, context);
        return hunks.Length == 0 ? string.Empty : $"--- a/{name}\n+++ b/{name}\n{hunks}";
    }

    private static string Range(int start, int count) => count switch
    {
        0 => $"{start},0",
        1 => $"{start + 1}",
        _ => $"{start + 1},{count}",
    };

    private static string[] Lines(string text)
    {
        if (text.Length == 0)
        {
            return [];
        }

        return (text.EndsWith('\n') ? text[..^1] : text).Split('\n');
    }

    internal static List<(char Kind, string Line)> Operations(string[] a, string[] b)
    {
        // Common prefix and suffix first: they are most of a rendered resource.
        var prefix = 0;
        while (prefix < a.Length && prefix < b.Length && a[prefix] == b[prefix])
        {
            prefix++;
        }

        var suffix = 0;
        while (suffix < a.Length - prefix && suffix < b.Length - prefix && a[a.Length - 1 - suffix] == b[b.Length - 1 - suffix])
        {
            suffix++;
        }

        var ops = new List<(char, string)>(a.Length + b.Length);
        for (var i = 0; i < prefix; i++)
        {
            ops.Add((' ', a[i]));
        }

        var midA = a[prefix..(a.Length - suffix)];
        var midB = b[prefix..(b.Length - suffix)];
        ops.AddRange(GroupChanges(Myers(midA, midB)));
        for (var i = a.Length - suffix; i < a.Length; i++)
        {
            ops.Add((' ', a[i]));
        }

        return ops;
    }

    /// <summary>Within each run of changes, deletions first, then insertions (each in order).</summary>
    private static List<(char, string)> GroupChanges(List<(char Kind, string Line)> ops)
    {
        var result = new List<(char, string)>(ops.Count);
        var i = 0;
        while (i < ops.Count)
        {
            if (ops[i].Kind == ' ')
            {
                result.Add(ops[i++]);
                continue;
            }

            var j = i;
            while (j < ops.Count && ops[j].Kind != ' ')
            {
                j++;
            }

            result.AddRange(ops.Skip(i).Take(j - i).Where(o => o.Kind == '-'));
            result.AddRange(ops.Skip(i).Take(j - i).Where(o => o.Kind == '+'));
            i = j;
        }

        return result;
    }

    private static List<(char Kind, string Line)> Myers(string[] a, string[] b)
    {
        int n = a.Length, m = b.Length;
        var result = new List<(char, string)>();
        if (n == 0 || m == 0)
        {
            result.AddRange(a.Select(l => ('-', l)));
            result.AddRange(b.Select(l => ('+', l)));
            return result;
        }

        var max = n + m;
        var offset = max;
        var v = new int[(2 * max) + 2];
        var trace = new List<int[]>();
        long cells = 0;
        var found = false;
        for (var d = 0; d <= max && !found; d++)
        {
            trace.Add((int[])v.Clone());
            cells += v.Length;
            if (cells > MaxCells)
            {
                result.AddRange(a.Select(l => ('-', l)));
                result.AddRange(b.Select(l => ('+', l)));
                return result;
            }

            for (var k = -d; k <= d; k += 2)
            {
                int x;
                if (k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1]))
                {
                    x = v[offset + k + 1];
                }
                else
                {
                    x = v[offset + k - 1] + 1;
                }

                var y = x - k;
                while (x < n && y < m && a[x] == b[y])
                {
                    x++;
                    y++;
                }

                v[offset + k] = x;
                if (x >= n && y >= m)
                {
                    found = true;
                    break;
                }
            }
        }

        // Walk the trace back from the end.
        var path = new List<(char, string)>();
        int cx = n, cy = m;
        for (var d = trace.Count - 1; d >= 0 && (cx > 0 || cy > 0); d--)
        {
            var vd = trace[d];
            var k = cx - cy;
            int prevK;
            if (d == 0)
            {
                while (cx > 0 && cy > 0)
                {
                    path.Add((' ', a[--cx]));
                    cy--;
                }

                break;
            }

            if (k == -d || (k != d && vd[offset + k - 1] < vd[offset + k + 1]))
            {
                prevK = k + 1;
            }
            else
            {
                prevK = k - 1;
            }

            var prevX = vd[offset + prevK];
            var prevY = prevX - prevK;
            while (cx > prevX && cy > prevY)
            {
                path.Add((' ', a[--cx]));
                cy--;
            }

            if (cx == prevX)
            {
                path.Add(('+', b[--cy]));
            }
            else
            {
                path.Add(('-', a[--cx]));
            }
        }

        path.Reverse();
        return path;
    }
}
