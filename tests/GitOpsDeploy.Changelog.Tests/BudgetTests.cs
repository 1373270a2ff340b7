using System.Text.RegularExpressions;

namespace GitOpsDeploy.Changelog.Tests;

/// <summary>The budget is a hard limit, and what it cuts is counted, never half-written.</summary>
[Trait("Tier", "Unit")]
public sealed partial class BudgetTests
{
    private static IEnumerable<(string Name, IReadOnlyList<SourceComparison> Comparisons)> Cases() =>
        Directory.GetDirectories(Path.Combine(AppContext.BaseDirectory, "Golden")).Order(StringComparer.Ordinal)
            .Select(d => (Path.GetFileName(d), GoldenCase.Load(File.ReadAllText(Path.Combine(d, "input.json"))).Comparisons));

    [Fact]
    public void Every_budget_is_kept_and_every_line_is_whole()
    {
        foreach (var (name, comparisons) in Cases())
        {
            var report = ChangeReport.Build(comparisons);
            var full = ChangelogMarkdown.Render(report, new MarkdownOptions { MaxChars = int.MaxValue, MaxItems = int.MaxValue });
            var fullLines = full.Split('\n').ToHashSet(StringComparer.Ordinal);
            for (var budget = 0; budget <= full.Length + 10; budget += Math.Max(1, full.Length / 150))
            {
                var text = ChangelogMarkdown.Render(report, new MarkdownOptions { MaxChars = budget, MaxItems = int.MaxValue });

                Assert.True(text.Length <= budget, $"{name}: {text.Length} > {budget}");
                Assert.True(text.Length == 0 || text.EndsWith('\n'), $"{name} at {budget}: does not end with a line");
                foreach (var line in text.Split('\n'))
                {
                    Assert.True(fullLines.Contains(line) || MoreLine().IsMatch(line), $"{name} at {budget}: «{line}» is not a line of the full report");
                }
            }

            Assert.Equal(full, ChangelogMarkdown.Render(report, new MarkdownOptions { MaxChars = full.Length, MaxItems = int.MaxValue }));
        }
    }

    [Fact]
    public void What_the_budget_cuts_is_counted_in_the_more_line()
    {
        foreach (var (name, comparisons) in Cases())
        {
            var report = ChangeReport.Build(comparisons);
            foreach (var budget in new[] { 300, 600, 900, 1500, 4000 })
            {
                var text = ChangelogMarkdown.Render(report, new MarkdownOptions { MaxChars = budget });
                foreach (var (section, block) in Sections(report, text).Where(s => s.Block.Contains("\n\n", StringComparison.Ordinal)))
                {
                    foreach (var (list, lines) in Lists(section, block))
                    {
                        var shown = list.Groups.Take(lines.Count(l => !MoreLine().IsMatch(l))).Sum(g => g.Commits.Count);
                        var more = lines.Select(l => MoreLine().Match(l)).Where(m => m.Success).Select(m => int.Parse(m.Groups["n"].Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
                        Assert.Equal(list.Total - shown, more.Count == 0 ? 0 : more[0]);
                    }
                }
            }
        }
    }

    [Fact]
    public void Lists_share_the_budget_round_robin()
    {
        static SourceComparison Many(string repository) => new()
        {
            Repository = repository, Base = GoldenCase.Sha("r0"), Head = GoldenCase.Sha(repository + "30"), Status = ComparisonStatus.Ahead, AheadBy = 30,
            Added = [.. Enumerable.Range(1, 30).Select(i => new SourceCommit(GoldenCase.Sha(repository + i), [GoldenCase.Sha(i == 1 ? "r0" : repository + (i - 1))], $"Change {i}") { PullRequests = [] })],
        };
        var report = ChangeReport.Build(Many("acme/app"), Many("acme/worker"));

        var text = ChangelogMarkdown.Render(report, new MarkdownOptions { MaxChars = 2000 });

        var perSection = text.Split("\n### ").Select(s => s.Split('\n').Count(l => l.StartsWith("- Change", StringComparison.Ordinal))).ToList();
        Assert.Equal(2, perSection.Count);
        Assert.InRange(perSection[0] - perSection[1], 0, 1);
        Assert.True(perSection[1] > 0);
    }

    [Fact]
    public void The_one_line_form_keeps_any_limit()
    {
        foreach (var (name, comparisons) in Cases())
        {
            var report = ChangeReport.Build(comparisons);
            for (var max = 0; max <= 200; max++)
            {
                var line = ChangelogMarkdown.OneLine(report, max);

                Assert.True(line.Length <= max, $"{name}: {line.Length} > {max}");
                Assert.False(line.Length > 0 && char.IsHighSurrogate(line[^1]), $"{name}: half a surrogate pair at {max}");
            }
        }
    }

    private static IEnumerable<(ChangeSection Section, string Block)> Sections(ChangeReport report, string text)
    {
        var blocks = ("\n" + text).Split("\n### ").Skip(1).ToList();
        return report.Sections.Take(blocks.Count).Zip(blocks);
    }

    private static IEnumerable<(ChangeList List, List<string> Lines)> Lists(ChangeSection section, string block)
    {
        var lines = block.Split('\n').ToList();
        if (section.Direction == ChangeDirection.Diverged)
        {
            var taken = lines.IndexOf("**Taken out**");
            yield return (section.Added, Items(lines.Take(taken < 0 ? lines.Count : taken)));
            if (taken >= 0)
            {
                yield return (section.Removed, Items(lines.Skip(taken)));
            }
        }
        else if (section.Direction is ChangeDirection.Forward or ChangeDirection.Rollback)
        {
            yield return (section.Direction == ChangeDirection.Forward ? section.Added : section.Removed, Items(lines));
        }

        static List<string> Items(IEnumerable<string> lines) => [.. lines.Where(l => l.StartsWith("- ", StringComparison.Ordinal) && l != "- none")];
    }

    [GeneratedRegex(@"^- (?:…and (?<n>\d+) more commits?|(?<n>\d+) commits?, not listed)(?: \(\[compare\]\([^)]*\)\))?$")]
    private static partial Regex MoreLine();
}
