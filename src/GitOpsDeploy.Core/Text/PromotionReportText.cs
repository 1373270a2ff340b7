using System.Globalization;
using System.Text;
using GitOpsDeploy.Changelog;
using GitOpsDeploy.Core.Planning;
using GitOpsDeploy.Manifests;
using GitOpsDeploy.Manifests.Diff;

namespace GitOpsDeploy.Core.Text;

/// <summary>
/// The promotion report as Markdown within a budget (a pull request body, a job summary, the plan-report output) and
/// as one plain line (a deployment's description): per target, the workloads the change moves, the changelog of
/// each source repository, then the rendered-manifest diff in a collapsed section. Text from repositories and
/// source hosts goes through <see cref="SafeMarkdown"/> or into code spans: nothing in it mentions, links or renders.
/// </summary>
internal static class PromotionReportText
{
    /// <summary>What the job summary gives the report: a job summary holds 1 MiB, and a character may take 3 bytes.</summary>
    public const int SummaryBudget = 300_000;

    /// <summary>What the plan-report output holds.</summary>
    public const int OutputBudget = 100_000;

    private const int MaxRows = 40;
    private const int MinimumTarget = 600;

    /// <summary>The reports of every target, each within its share of <paramref name="budget"/> characters.</summary>
    public static string Markdown(IReadOnlyList<TargetReport> reports, int budget)
    {
        if (reports.Count == 0 || budget < MinimumTarget)
        {
            return string.Empty;
        }

        var share = budget / reports.Count;
        var text = string.Join("\n\n", reports.Select(r => Target(r, share - 2)));
        return text.Length <= budget ? text : text[..budget];
    }

    /// <summary>One target's report within <paramref name="budget"/> characters: the head (workloads, warnings) first, then the changelog and the rendered diff share the rest.</summary>
    public static string Target(TargetReport report, int budget)
    {
        var head = Head(report);
        if (head.Length >= budget)
        {
            return MarkdownText.Cut(head, budget);
        }

        var room = budget - head.Length;
        var notes = Notes(report);
        if (notes.Length > room / 4)
        {
            notes = MarkdownText.Cut(notes, room / 4);
        }

        room -= notes.Length;
        var render = report.Render;
        var changelog = string.Empty;
        if (report.Sources.Count > 0)
        {
            // The changelog takes up to half (all when there is no diff to show); what it leaves goes to the diff.
            var share = render?.Diff is null ? room : Math.Max(room / 2, Math.Min(room, 2000));
            changelog = ChangelogMarkdown.Render(report.Changelog, new MarkdownOptions { MaxChars = Math.Max(0, share - 2), HeadingLevel = 4, GitHub = report.Links });
            changelog = changelog.Length == 0 ? string.Empty : changelog.TrimEnd('\n') + "\n\n";
            room -= changelog.Length;
        }

        var rendered = render is null ? string.Empty : Render(render, room);
        var text = head + changelog + rendered + notes;
        return MarkdownText.Cut(text.TrimEnd('\n') + "\n", budget);
    }

    /// <summary>The deployment's description and payload: what ships and what moves, as one plain line.</summary>
    public static string OneLine(TargetReport report, int maxChars = ChangelogMarkdown.DeploymentDescriptionLimit)
    {
        var parts = new List<string>();
        if (report.Sources.Count > 0)
        {
            parts.Add(ChangelogMarkdown.OneLine(report.Changelog, maxChars));
        }

        var workloads = Workloads(report);
        if (workloads.Count > 0)
        {
            parts.Add(workloads.Count == 1 ? $"changes {workloads[0]}" : $"changes {workloads.Count} workloads");
        }

        if (report.Render is { State: RenderState.DoesNotBuild })
        {
            parts.Add("does not build");
        }

        // Plain cuts without splitting a surrogate pair or a URL.
        return SafeMarkdown.Plain(string.Join("; ", parts), maxChars);
    }

    /// <summary>The workloads the change moves, "Deployment production/web", in render order.</summary>
    public static IReadOnlyList<string> Workloads(TargetReport report) =>
        report.Images.SelectMany(i => i.Containers).Select(c => c.Workload.ToString()).Distinct(StringComparer.Ordinal).ToList();

    private static string Head(TargetReport report)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"### Promotion report: {SafeMarkdown.Text(report.Environment)} ({Code(report.OverlayPath)})\n\n");
        var containers = report.Images.SelectMany(i => i.Containers).ToList();
        if (containers.Count > 0)
        {
            var workloads = containers.Select(c => c.Workload).Distinct().Count();
            sb.Append(CultureInfo.InvariantCulture, $"**What changes in the cluster:** {Count(containers.Count, "container")} in {Count(workloads, "workload")}.\n\n");
            sb.Append("| Workload | Container | From | To |\n|---|---|---|---|\n");
            foreach (var c in containers.Take(MaxRows))
            {
                sb.Append(CultureInfo.InvariantCulture, $"| {SafeMarkdown.Text(c.Workload.Kind)} {Code(Qualified(c.Workload))} | {Code(c.Container)}{(c.IsInit ? " (init)" : string.Empty)} | {Code(c.Before ?? "(none)")} | {Code(c.After ?? "(none)")} |\n");
            }

            if (containers.Count > MaxRows)
            {
                sb.Append(CultureInfo.InvariantCulture, $"\n…and {containers.Count - MaxRows} more containers.\n");
            }

            sb.Append('\n');
        }
        else if (report.Images.Count > 0)
        {
            sb.Append("**What changes in the cluster:** no container image changes").Append(report.Images.Any(i => i.Certainty == ImpactCertainty.Unknown) ? " that the report could see.\n\n" : ".\n\n");
        }

        foreach (var image in report.Images.Where(i => i.Unused is not null))
        {
            sb.Append(CultureInfo.InvariantCulture, $"> [!WARNING]\n> {SafeMarkdown.Text(image.Unused)}\n\n");
        }

        foreach (var image in report.Images.Where(i => i.Certainty == ImpactCertainty.Unknown && i.Notes.Count > 0))
        {
            sb.Append(CultureInfo.InvariantCulture, $"_{SafeMarkdown.Text(image.Name)}: the workloads may be incomplete: {SafeMarkdown.Text(string.Join("; ", image.Notes), 600)}._\n\n");
        }

        if (report.Render is { State: RenderState.DoesNotBuild } failed)
        {
            var (what, details) = Split(failed.Message);
            sb.Append(CultureInfo.InvariantCulture, $"> [!CAUTION]\n> **{SafeMarkdown.Text(what)}**\n\n");
            if (details.Length > 0)
            {
                sb.Append(MarkdownText.Fenced(MarkdownText.Cut(details, 3000), "text")).Append("\n\n");
            }
        }

        return sb.ToString();
    }

    private static string Render(RenderedChange render, int room)
    {
        switch (render.State)
        {
            case RenderState.Built when render.Diff is { } diff:
                var summary = diff.IsEmpty
                    ? $"<details><summary><b>Rendered manifests</b>: no resource changes ({Html(render.Tool)})</summary>\n\n"
                    : $"<details><summary><b>Rendered manifests</b>: {Count(diff.Changed.Count(), "resource")} changed, {diff.Added.Count()} added, {diff.Removed.Count()} removed ({Html(render.Tool)})</summary>\n\n";
                const string end = "\n</details>\n\n";
                var note = render.Message.Length > 0 ? $"_{SafeMarkdown.Text(render.Message)}._\n\n" : string.Empty;
                var budget = room - summary.Length - end.Length - note.Length;
                if (budget < MarkdownDiff.MinimumBudget)
                {
                    return MarkdownText.Cut($"_Rendered manifests ({render.Tool}): {Count(diff.Changes.Count, "resource")} change; not shown (over the budget)._\n\n", Math.Max(0, room));
                }

                return summary + note + diff.ToMarkdown(budget).TrimEnd('\n') + end;
            case RenderState.Unavailable:
                return MarkdownText.Cut($"_Rendered manifests: not shown: {SafeMarkdown.Text(render.Message)}._\n\n", Math.Max(0, room));
            default:
                return string.Empty;
        }
    }

    private static string Notes(TargetReport report) =>
        report.Notes.Count == 0 ? string.Empty : "<sub>" + string.Join("<br>", report.Notes.Select(n => SafeMarkdown.Text(n, 400))) + "</sub>\n\n";

    private static string Qualified(ResourceRef workload) => workload.Namespace.Length == 0 ? workload.Name : $"{workload.Namespace}/{workload.Name}";

    /// <summary>"this change does not build: `cmd` failed (exit 1):\nerror" -> the sentence and the tool's words.</summary>
    private static (string What, string Details) Split(string message)
    {
        var at = message.IndexOf(":\n", StringComparison.Ordinal);
        return at < 0 ? (message, string.Empty) : (message[..at], message[(at + 2)..]);
    }

    private static string Count(int n, string noun) => n == 1 ? $"1 {noun}" : $"{n.ToString(CultureInfo.InvariantCulture)} {noun}s";

    /// <summary>A code span that no backtick in <paramref name="text"/> can close early.</summary>
    public static string Code(string text)
    {
        var line = text.ReplaceLineEndings(" ");
        var longest = 0;
        for (int i = 0, run = 0; i < line.Length; i++)
        {
            run = line[i] == '`' ? run + 1 : 0;
            longest = Math.Max(longest, run);
        }

        var fence = new string('`', longest + 1);
        var pad = line.StartsWith('`') || line.EndsWith('`') ? " " : string.Empty;
        return fence + pad + line + pad + fence;
    }

    private static string Html(string text) => System.Net.WebUtility.HtmlEncode(text);
}
