using System.Globalization;
using System.Text;

namespace GitOpsDeploy.Manifests.Diff;

/// <summary>
/// Renders a <see cref="ManifestDiff"/> as Markdown that never exceeds a character budget (a pull
/// request body, a job summary): a summary line, one fenced <c>diff</c> block per changed resource,
/// then the added and removed resources by name. When the blocks do not all fit, whole resources are
/// left out (the first ones that fit stay, in order) and the text says how many and which; only a
/// single resource too large for the budget on its own is cut by lines.
/// </summary>
public static class MarkdownDiff
{
    /// <summary>The smallest budget that is honoured; below it the text is only the summary, cut.</summary>
    public const int MinimumBudget = 200;

    public static string Render(ManifestDiff diff, int budget)
    {
        ArgumentNullException.ThrowIfNull(diff);
        var changed = diff.Changed.ToList();
        var added = diff.Added.ToList();
        var removed = diff.Removed.ToList();
        var summary = diff.IsEmpty
            ? $"No rendered resource changes ({diff.Total} resources).\n"
            : string.Create(CultureInfo.InvariantCulture, $"**{changed.Count} changed, {added.Count} added, {removed.Count} removed** of {diff.Total} rendered resources.\n");
        if (budget < MinimumBudget || summary.Length >= budget)
        {
            return MarkdownText.Cut(summary, budget);
        }

        var lists = new StringBuilder();
        AppendList(lists, "Added", added);
        AppendList(lists, "Removed", removed);
        var listText = lists.ToString();

        // Room for the note on left-out resources, written once we know them.
        var noteReserve = Math.Min(400, budget / 4);
        var room = budget - summary.Length - noteReserve;
        if (listText.Length > room / 2)
        {
            listText = CutLists(added, removed, room / 2);
        }

        room -= listText.Length;
        var blocks = new StringBuilder();
        var omitted = new List<ResourceChange>();
        foreach (var change in changed)
        {
            var block = Block(change);
            if (block.Length <= room - blocks.Length)
            {
                blocks.Append(block);
            }
            else
            {
                omitted.Add(change);
            }
        }

        if (blocks.Length == 0 && omitted.Count > 0)
        {
            // Nothing fits whole: show the first resource cut by lines rather than nothing.
            var first = omitted[0];
            omitted.RemoveAt(0);
            blocks.Append(CutBlock(first, room));
        }

        var note = string.Empty;
        if (omitted.Count > 0)
        {
            var names = string.Join(", ", omitted.Select(o => Code(o.Key.ToString())));
            note = $"\n_{omitted.Count} more changed resource{(omitted.Count == 1 ? string.Empty : "s")} not shown (over the {budget.ToString(CultureInfo.InvariantCulture)}-character budget)_";
            var withNames = note + ": " + names + "\n";
            note = withNames.Length <= noteReserve ? withNames : note + ".\n";
        }

        var text = summary + blocks + listText + note;
        return text.Length <= budget ? text : MarkdownText.Cut(text, budget);
    }

    private static void AppendList(StringBuilder sb, string title, List<ResourceChange> changes)
    {
        if (changes.Count == 0)
        {
            return;
        }

        sb.Append('\n').Append(title).Append(":\n");
        foreach (var change in changes)
        {
            sb.Append("- ").Append(Code(change.Key.ToString())).Append('\n');
        }
    }

    private static string CutLists(List<ResourceChange> added, List<ResourceChange> removed, int room)
    {
        var sb = new StringBuilder();
        foreach (var (title, changes) in new[] { ("Added", added), ("Removed", removed) })
        {
            if (changes.Count == 0)
            {
                continue;
            }

            sb.Append('\n').Append(title).Append(":\n");
            var shown = 0;
            foreach (var change in changes)
            {
                var line = "- " + Code(change.Key.ToString()) + "\n";
                if (sb.Length + line.Length > (room / 2) * (title == "Added" ? 1 : 2) - 40)
                {
                    break;
                }

                sb.Append(line);
                shown++;
            }

            if (shown < changes.Count)
            {
                sb.Append(CultureInfo.InvariantCulture, $"- ... and {changes.Count - shown} more\n");
            }
        }

        return sb.ToString();
    }

    private static string Block(ResourceChange change)
    {
        var fence = MarkdownText.FenceFor(change.Diff);
        return $"\n#### {Code(change.Key.ToString())}\n\n{fence}diff\n{change.Diff}{fence}\n";
    }

    private static string CutBlock(ResourceChange change, int room)
    {
        var fence = MarkdownText.FenceFor(change.Diff);
        var head = $"\n#### {Code(change.Key.ToString())}\n\n{fence}diff\n";
        var tail = $"{fence}\n";
        var lines = change.Diff.Split('\n');
        var body = new StringBuilder();
        var shown = 0;
        foreach (var line in lines)
        {
            if (head.Length + body.Length + line.Length + 1 + tail.Length + 60 > room)
            {
                break;
            }

            body.Append(line).Append('\n');
            shown++;
        }

        var cut = $"_(this diff is cut: {shown} of {lines.Length - 1} lines shown)_\n";
        return head + body + tail + cut;
    }

    private static string Code(string text) => "`" + text.Replace("`", "'", StringComparison.Ordinal) + "`";
}
