using System.Globalization;
using System.Text;

namespace GitOpsDeploy.Changelog;

/// <summary>Whether links to pull requests may put a "mentioned this" entry into their timelines.</summary>
public enum Backlinks
{
    /// <summary>Links to the server's pull requests go through its redirect host; where there is none (or the server is unknown) pull requests are named, not linked (commit links remain).</summary>
    Avoid,

    /// <summary>Direct links: every pull request listed gets a backlink to the page the report is on.</summary>
    Allow,
}

/// <summary>How much of the report to render and how.</summary>
public sealed record MarkdownOptions
{
    public const int DefaultMaxItems = 25;

    /// <summary>The budget for the whole report in UTF-16 units (a pull-request body holds 65,536 characters; a job summary 1 MiB).</summary>
    public int MaxChars { get; init; } = 20_000;

    /// <summary>Lines one list shows at most; the rest is counted in an "and N more" line.</summary>
    public int MaxItems { get; init; } = DefaultMaxItems;

    /// <summary>Characters of a title or commit subject shown before "…".</summary>
    public int MaxTitleChars { get; init; } = 100;

    /// <summary>1-6: the Markdown heading level of each repository's section.</summary>
    public int HeadingLevel { get; init; } = 3;

    public Backlinks Backlinks { get; init; } = Backlinks.Avoid;

    /// <summary>
    /// The GitHub the report is written for (its host and redirect host). Null when unknown: then every link shaped
    /// like an issue or pull request link is treated as one on a GitHub without a redirect host.
    /// </summary>
    public GitHubLinks? GitHub { get; init; }
}

/// <summary>
/// Renders a <see cref="ChangeReport"/> as GitHub Markdown within a character budget, and as one line for
/// a deployment description. Every text from a commit or pull request goes through <see cref="SafeMarkdown"/>.
/// </summary>
public static class ChangelogMarkdown
{
    /// <summary>GitHub's limit for a deployment status description.</summary>
    public const int DeploymentDescriptionLimit = 140;

    private const int OneLineTitleChars = 60;
    private const string NoMessage = "(no message)";

    /// <summary>
    /// The report as Markdown of at most <see cref="MarkdownOptions.MaxChars"/> characters: every section's
    /// heading and summary first, then list lines shared round-robin between the lists while the budget
    /// lasts, each cut list ending with "…and N more commits" and a link to the full comparison. A budget
    /// too small for the summaries keeps only headings; one too small for the first heading gives "".
    /// </summary>
    public static string Render(ChangeReport report, MarkdownOptions? options = null)
    {
        options ??= new MarkdownOptions();
        var hosts = new LinkContext(EnterpriseHosts(report, options.GitHub), options.GitHub);
        var sections = report.Sections.Select(s => Layout(s, options, hosts)).ToList();
        var budget = options.MaxChars;

        // Each list costs exactly its shown lines and its "more" line; start every list at its cheapest
        // state (nothing shown, or everything when that is shorter than the "more" line), then add lines
        // round-robin while the total fits, jumping to a complete list whenever that fits.
        var lists = sections.SelectMany(s => s.Lists).ToList();
        var limit = new Dictionary<ListLayout, int>(ReferenceEqualityComparer.Instance);
        foreach (var list in lists)
        {
            limit[list] = Math.Min(list.Items.Count, Math.Max(0, options.MaxItems));
            list.Shown = Enumerable.Range(0, limit[list] + 1).MinBy(list.Length);
        }

        var total = sections.Sum(s => s.FixedLength) + Math.Max(0, sections.Count - 1) + lists.Sum(l => l.Length(l.Shown));
        if (total > budget)
        {
            return HeadingsOnly(sections, budget);
        }

        var open = lists.Where(l => l.Shown < limit[l]).ToList();
        while (open.Count > 0)
        {
            foreach (var list in open.ToList())
            {
                var current = list.Length(list.Shown);
                var all = limit[list];
                if (total - current + list.Length(all) <= budget && list.Length(all) <= list.Length(list.Shown + 1))
                {
                    total += list.Length(all) - current;
                    list.Shown = all;
                }
                else if (total - current + list.Length(list.Shown + 1) <= budget)
                {
                    total += list.Length(list.Shown + 1) - current;
                    list.Shown++;
                }
                else if (total - current + list.Length(all) <= budget)
                {
                    total += list.Length(all) - current;
                    list.Shown = all;
                }
                else
                {
                    open.Remove(list);
                    continue;
                }

                if (list.Shown >= all)
                {
                    open.Remove(list);
                }
            }
        }

        var text = string.Join("\n", sections.Select(s => s.Text()));
        return text.Length <= budget ? text : HeadingsOnly(sections, budget);
    }

    /// <summary>
    /// One plain-text line of at most <paramref name="maxChars"/> characters (a deployment description):
    /// the direction and counts, then as many titles as fit for a single repository, or one summary per
    /// repository for several.
    /// </summary>
    public static string OneLine(ChangeReport report, int maxChars = DeploymentDescriptionLimit)
    {
        if (report.Sections.Count == 0)
        {
            return string.Empty;
        }

        if (report.Sections.Count > 1)
        {
            var parts = report.Sections.Select(s => $"{SafeMarkdown.Plain(s.Repository[(s.Repository.IndexOf('/', StringComparison.Ordinal) + 1)..])}: {Short(s)}");
            return Fit(parts, "; ", string.Empty, maxChars);
        }

        var section = report.Sections[0];
        var list = section.Direction == ChangeDirection.Rollback ? section.Removed : section.Added;
        var titles = list.Groups.Select(g => g.PullRequest is { } pr
            ? $"{SafeMarkdown.Plain(pr.Title, OneLineTitleChars)} (#{SafeMarkdown.ZeroWidthSpace}{pr.Number})"
            : g.Newest.Subject.Length > 0 ? SafeMarkdown.Plain(g.Newest.Subject, OneLineTitleChars) : NoMessage);
        var head = Short(section);
        return list.Groups.Count == 0 || head.Length + 2 >= maxChars
            ? SafeMarkdown.Truncate(head, maxChars)
            : Fit(titles, "; ", head + ": ", maxChars, list.Unlisted > 0);
    }

    /// <summary><paramref name="prefix"/> and as many <paramref name="parts"/> as fit, "…" when some did not (or <paramref name="more"/>).</summary>
    private static string Fit(IEnumerable<string> parts, string separator, string prefix, int maxChars, bool more = false)
    {
        var text = new StringBuilder(prefix);
        var all = parts.ToList();
        var shown = 0;
        foreach (var part in all)
        {
            var added = (shown > 0 ? separator.Length : 0) + part.Length;
            var reserve = shown + 1 < all.Count || more ? separator.Length + 1 : 0;
            if (text.Length + added + reserve > maxChars)
            {
                break;
            }

            text.Append(shown > 0 ? separator : string.Empty).Append(part);
            shown++;
        }

        if (shown < all.Count || more)
        {
            if (shown == 0)
            {
                return SafeMarkdown.Truncate(prefix + (all.Count > 0 ? all[0] : string.Empty), maxChars);
            }

            text.Append(separator).Append('…');
        }

        return SafeMarkdown.Truncate(text.ToString(), maxChars);
    }

    private static string Short(ChangeSection section) => section.Direction switch
    {
        ChangeDirection.Forward => Count(section.Added.Total, "new commit"),
        ChangeDirection.Rollback => $"rollback, {Count(section.Removed.Total, "commit")} out",
        ChangeDirection.Diverged => $"diverged, {section.Added.Total} in, {section.Removed.Total} out",
        ChangeDirection.Unchanged => "no change",
        ChangeDirection.FirstDeploy => "first deploy",
        _ => "changes unknown",
    };

    private static SectionLayout Layout(ChangeSection section, MarkdownOptions options, LinkContext hosts)
    {
        var heading = new string('#', Math.Clamp(options.HeadingLevel, 1, 6)) + " " + Safe(section.Repository, 100, hosts)
            + (section.Label is { Length: > 0 } label ? $" ({Safe(label, 60, hosts)})" : string.Empty)
            + ": " + Title(section) + "\n";
        var compare = LinkOrEmpty(" ([compare]({0}))", section.CompareUrl);
        var removedCompare = LinkOrEmpty(" ([compare]({0}))", section.RemovedCompareUrl ?? section.CompareUrl);
        var from = section.Base is null ? null : SafeMarkdown.ShortSha(section.Base);
        var to = SafeMarkdown.ShortSha(section.Head);
        var summary = section.Direction switch
        {
            ChangeDirection.Forward => $"{from} → {to}{compare}",
            ChangeDirection.Rollback => $"{from} → {to}, an older commit{removedCompare}",
            ChangeDirection.Diverged => $"{from} runs but is not in the history of {to} (a force-push, or another branch){compare}",
            ChangeDirection.Unchanged => $"{to} already runs.",
            ChangeDirection.FirstDeploy => $"{to}: nothing runs yet to compare with.",
            _ => $"{from} → {to}: could not compare: {Safe(section.Reason ?? "no reason given", 300, hosts)}",
        };

        var head = new StringBuilder(heading).Append('\n').Append(summary).Append('\n');
        foreach (var note in section.Notes)
        {
            head.Append('\n').Append("Note: ").Append(Safe(note, 300, hosts)).Append('\n');
        }

        var lists = new List<ListLayout>();
        if (section.Direction == ChangeDirection.Diverged)
        {
            lists.Add(Lay(section.Added, "**Ships**", section.CompareUrl));
            lists.Add(Lay(section.Removed, "**Taken out**", section.RemovedCompareUrl));
        }
        else if (section.Direction == ChangeDirection.Forward)
        {
            lists.Add(Lay(section.Added, null, section.CompareUrl));
        }
        else if (section.Direction == ChangeDirection.Rollback)
        {
            lists.Add(Lay(section.Removed, null, section.RemovedCompareUrl ?? section.CompareUrl));
        }

        return new SectionLayout(head.ToString(), [.. lists.Where(l => l.Total > 0 || l.Title is not null)]);

        ListLayout Lay(ChangeList changes, string? title, string? moreUrl) => new(
            title,
            [.. changes.Groups.Select(g => (Item(g, options, hosts), g.Commits.Count))],
            changes.Total,
            LinkOrEmpty(" ([compare]({0}))", moreUrl));
    }

    private static string Title(ChangeSection section) => section.Direction switch
    {
        ChangeDirection.Forward => Count(section.Added.Total, "commit") + (section.Added.Total == 1 ? " ships" : " ship"),
        ChangeDirection.Rollback => "rollback, " + Count(section.Removed.Total, "commit") + (section.Removed.Total == 1 ? " is" : " are") + " taken out",
        ChangeDirection.Diverged => $"diverged, {Count(section.Added.Total, "commit")} {(section.Added.Total == 1 ? "ships" : "ship")} and {section.Removed.Total} {(section.Removed.Total == 1 ? "is" : "are")} taken out",
        ChangeDirection.Unchanged => "no change",
        ChangeDirection.FirstDeploy => "first deploy",
        _ => "changes unknown",
    };

    private static string Item(ChangeGroup group, MarkdownOptions options, LinkContext hosts)
    {
        var line = new StringBuilder("- ");
        string? author;
        if (group.PullRequest is { } pr)
        {
            line.Append(Safe(pr.Title, options.MaxTitleChars, hosts));
            var number = $"#{ZeroWidth}{pr.Number.ToString(CultureInfo.InvariantCulture)}";
            var url = options.Backlinks == Backlinks.Allow ? pr.HtmlUrl : SafeMarkdown.WithoutBacklink(pr.HtmlUrl, options.GitHub);
            line.Append(SafeMarkdown.LinkTarget(url) is { } target ? $" ([{number}]({target}))" : $" ({number})");
            if (!pr.Merged)
            {
                line.Append(" (open)");
            }

            author = Person(pr.Author, null, hosts) ?? Person(group.Newest.AuthorLogin, group.Newest.AuthorName, hosts);
        }
        else
        {
            var commit = group.Newest;
            line.Append(commit.Subject.Length > 0 ? Safe(commit.Subject, options.MaxTitleChars, hosts) : NoMessage);
            var sha = SafeMarkdown.ShortSha(commit.Sha);
            line.Append(SafeMarkdown.LinkTarget(commit.HtmlUrl) is { } target ? $" ([{sha}]({target}))" : $" ({sha})");
            author = Person(commit.AuthorLogin, commit.AuthorName, hosts);
        }

        if (author is not null)
        {
            line.Append(" by ").Append(author);
        }

        if (group.Commits.Count > 1)
        {
            line.Append(" · ").Append(Count(group.Commits.Count, "commit"));
        }

        return line.Append('\n').ToString();
    }

    private const string ZeroWidth = "&#8203;";

    private static string? Person(string? login, string? name, LinkContext hosts) =>
        login is { Length: > 0 } ? "@" + ZeroWidth + Safe(login, 60, hosts)
        : name is { Length: > 0 } ? Safe(name, 60, hosts)
        : null;

    private static string Count(int n, string noun) => n.ToString(CultureInfo.InvariantCulture) + " " + noun + (n == 1 ? string.Empty : "s");

    private static string LinkOrEmpty(string format, string? url) =>
        SafeMarkdown.LinkTarget(url) is { } target ? string.Format(CultureInfo.InvariantCulture, format, target) : string.Empty;

    private static string Safe(string? text, int maxLength, LinkContext links) => SafeMarkdown.Text(text, maxLength, links.OtherHosts, links.GitHub);

    /// <summary>Hosts of GitHub's own answers other than the server's and its redirect host: links to their issues must not be followed either.</summary>
    private static List<string> EnterpriseHosts(ChangeReport report, GitHubLinks? github)
    {
        var urls = report.Sections.SelectMany(s => new[] { s.CompareUrl, s.RemovedCompareUrl }
            .Concat(s.Added.Groups.Concat(s.Removed.Groups).SelectMany(g => g.Commits.Select(c => c.HtmlUrl).Append(g.PullRequest?.HtmlUrl))));
        return [.. urls.Select(u => Uri.TryCreate(u, UriKind.Absolute, out var uri) ? uri.Host : null)
            .OfType<string>()
            .Where(h => h.Length > 0 && github?.IsServer(h) != true && github?.IsRedirect(h) != true)
            .Distinct(StringComparer.OrdinalIgnoreCase)];
    }

    private static string HeadingsOnly(List<SectionLayout> sections, int budget)
    {
        var text = new StringBuilder();
        foreach (var section in sections)
        {
            var heading = section.Head[..(section.Head.IndexOf('\n', StringComparison.Ordinal) + 1)];
            if (text.Length + heading.Length > budget)
            {
                break;
            }

            text.Append(heading);
        }

        return text.ToString();
    }

    private sealed record SectionLayout(string Head, IReadOnlyList<ListLayout> Lists)
    {
        /// <summary>The heading, summary and notes, and each list's separator and title.</summary>
        public int FixedLength => Head.Length + Lists.Sum(l => 1 + (l.Title is null ? 0 : l.Title.Length + 2));

        public string Text()
        {
            var text = new StringBuilder(Head);
            foreach (var list in Lists)
            {
                text.Append('\n');
                if (list.Title is not null)
                {
                    text.Append(list.Title).Append("\n\n");
                }

                foreach (var (line, _) in list.Items.Take(list.Shown))
                {
                    text.Append(line);
                }

                text.Append(list.MoreLine(list.Shown));
            }

            return text.ToString();
        }
    }

    private sealed record ListLayout(string? Title, IReadOnlyList<(string Line, int Commits)> Items, int Total, string CompareLink)
    {
        public int Shown { get; set; }

        /// <summary>The characters of the first <paramref name="shown"/> lines and the "more" line they leave.</summary>
        public int Length(int shown) => Items.Take(shown).Sum(i => i.Line.Length) + MoreLine(shown).Length;

        /// <summary>The line counting the commits the first <paramref name="shown"/> lines leave out ("" for none).</summary>
        public string MoreLine(int shown)
        {
            var hidden = Math.Max(0, Total - Items.Take(shown).Sum(i => i.Commits));
            return hidden == 0
                ? (Total == 0 ? "- none\n" : string.Empty)
                : shown == 0
                    ? $"- {Count(hidden, "commit")}, not listed{CompareLink}\n"
                    : $"- …and {hidden.ToString(CultureInfo.InvariantCulture)} more {(hidden == 1 ? "commit" : "commits")}{CompareLink}\n";
        }
    }
}

/// <summary>What decides how a link in a report's text is made inert: the run's GitHub and the other GitHub hosts its answers name.</summary>
internal sealed record LinkContext(IReadOnlyCollection<string> OtherHosts, GitHubLinks? GitHub);
