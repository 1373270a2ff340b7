using System.Text;
using System.Text.RegularExpressions;
using GitOpsDeploy.Editing;

namespace GitOpsDeploy.Core.Requests;

/// <summary>
/// <c>{{ name }}</c> placeholders, filled from a fixed set of values. An unknown placeholder is an
/// input error (naming the input), not silently left in a commit message or PR title.
/// </summary>
internal static partial class MessageTemplate
{
    /// <summary>What commit-message (and a pull request's title and body) may name.</summary>
    public static readonly string[] CommitPlaceholders = ["environment", "images", "changes", "source-repository", "source-sha", "short-sha", "overlay-path"];

    /// <summary>What pull-request-title and pull-request-body may name besides <see cref="CommitPlaceholders"/>.</summary>
    public static readonly string[] PullRequestPlaceholders = [.. CommitPlaceholders, "table", "diff", "source-url", "compare-url", "report"];

    public static string Render(string template, IReadOnlyDictionary<string, string> values, string input)
    {
        var sb = new StringBuilder();
        var last = 0;
        foreach (Match m in Placeholder().Matches(template))
        {
            sb.Append(template, last, m.Index - last).Append(values.TryGetValue(m.Groups["key"].Value, out var value) ? value : throw Unknown(m, values.Keys, input));
            last = m.Index + m.Length;
        }

        return sb.Append(template, last, template.Length - last).ToString();
    }

    /// <summary>Checks placeholders without rendering, so a bad template fails before any work.</summary>
    public static void Validate(string? template, IReadOnlyCollection<string> known, string input)
    {
        foreach (Match m in Placeholder().Matches(template ?? string.Empty))
        {
            if (!known.Contains(m.Groups["key"].Value))
            {
                throw Unknown(m, known, input);
            }
        }
    }

    private static DeployException Unknown(Match placeholder, IEnumerable<string> known, string input) =>
        DeployException.Input(input, $"unknown placeholder {{{{ {placeholder.Groups["key"].Value} }}}}; known: {string.Join(", ", known.Order(StringComparer.Ordinal))}");

    [GeneratedRegex(@"\{\{\s*(?<key>[A-Za-z0-9_.-]+)\s*\}\}")]
    private static partial Regex Placeholder();
}
