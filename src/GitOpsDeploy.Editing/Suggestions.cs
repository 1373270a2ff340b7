namespace GitOpsDeploy.Editing;

/// <summary>
/// "Did you mean": the known names nearest to a mistyped one. Only close names are offered: a
/// suggestion that is a guess sends people further off than none.
/// </summary>
public static class Suggestions
{
    /// <summary>
    /// The candidates nearest to <paramref name="typed"/> by edit distance (case-insensitive, a swap of
    /// two neighbours counts once), if they are within a third of the name's length (at most 3 edits);
    /// otherwise the candidates that <paramref name="typed"/> (4 characters or more) abbreviates. Empty when
    /// nothing is close. Ties are all returned, in the candidates' order.
    /// </summary>
    public static IReadOnlyList<string> Closest(string typed, IEnumerable<string> candidates)
    {
        var names = candidates.Distinct(StringComparer.Ordinal).ToList();
        var scored = names.Select(n => (Name: n, Distance: Distance(typed, n))).ToList();
        var near = scored.Where(s => s.Distance <= Tolerance(s.Name)).ToList();
        if (near.Count > 0)
        {
            var best = near.Min(s => s.Distance);
            return near.Where(s => s.Distance == best).Select(s => s.Name).ToList();
        }

        return typed.Length >= 4
            ? names.Where(n => n.StartsWith(typed, StringComparison.OrdinalIgnoreCase)).ToList()
            : [];
    }

    /// <summary>"did you mean --a?", "did you mean --a or --b?", or null when nothing is close.</summary>
    public static string? DidYouMean(string typed, IEnumerable<string> candidates, string prefix = "")
    {
        var closest = Closest(typed, candidates).Select(c => prefix + c).ToList();
        return closest.Count switch
        {
            0 => null,
            1 => $"did you mean {closest[0]}?",
            _ => $"did you mean {string.Join(", ", closest.SkipLast(1))} or {closest[^1]}?",
        };
    }

    private static int Tolerance(string name) => Math.Clamp(name.Length / 3, 1, 3);

    /// <summary>Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps.</summary>
    public static int Distance(string a, string b)
    {
        a = a.ToLowerInvariant();
        b = b.ToLowerInvariant();
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
