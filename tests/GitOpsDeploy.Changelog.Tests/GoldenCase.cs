using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace GitOpsDeploy.Changelog.Tests;

/// <summary>
/// A golden case's <c>input.json</c>: options and comparisons, with commits named by short words that
/// stand for 40-hex shas (the SHA-1 of the word) so the inputs stay readable. Commit and pull-request
/// URLs default to the repository's <c>server</c> (github.com unless given). The report is written for GitHub's
/// cloud unless <c>options.github</c> names a host (and <c>redirect</c>), or is null for an unknown GitHub.
/// </summary>
internal static class GoldenCase
{
    public static (MarkdownOptions Options, int OneLineMax, IReadOnlyList<SourceComparison> Comparisons) Load(string json)
    {
        var root = JsonNode.Parse(json)!.AsObject();
        var options = new MarkdownOptions { GitHub = SafeMarkdownTests.Cloud };
        if (root["options"] is JsonObject o)
        {
            options = options with
            {
                GitHub = !o.ContainsKey("github") ? options.GitHub
                    : o["github"] is JsonObject g ? new GitHubLinks(g["host"]!.GetValue<string>(), g["redirect"]?.GetValue<string>())
                    : null,
                MaxChars = o["maxChars"]?.GetValue<int>() ?? options.MaxChars,
                MaxItems = o["maxItems"]?.GetValue<int>() ?? options.MaxItems,
                MaxTitleChars = o["maxTitleChars"]?.GetValue<int>() ?? options.MaxTitleChars,
                HeadingLevel = o["headingLevel"]?.GetValue<int>() ?? options.HeadingLevel,
                Backlinks = o["backlinks"]?.GetValue<string>() == "allow" ? Backlinks.Allow : Backlinks.Avoid,
            };
        }

        var comparisons = root["comparisons"]!.AsArray().Select(c => Comparison(c!.AsObject())).ToList();
        return (options, root["oneLineMax"]?.GetValue<int>() ?? ChangelogMarkdown.DeploymentDescriptionLimit, comparisons);
    }

    /// <summary>The 40-hex sha a word in a case stands for; a word that already is 40 hex stays itself.</summary>
    public static string Sha(string word) =>
        word.Length == 40 && word.All(char.IsAsciiHexDigit) ? word : Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(word)));

    private static SourceComparison Comparison(JsonObject c)
    {
        var repository = c["repository"]!.GetValue<string>();
        var server = c["server"]?.GetValue<string>() ?? "https://github.com";
        var baseSha = c["base"]?.GetValue<string>() is { } b ? Sha(b) : null;
        var head = Sha(c["head"]!.GetValue<string>());
        var added = Commits(c["added"], repository, server);
        var removed = Commits(c["removed"], repository, server);
        return new SourceComparison
        {
            Repository = repository,
            Label = c["label"]?.GetValue<string>(),
            Base = baseSha,
            Head = head,
            Status = Enum.Parse<ComparisonStatus>(c["status"]?.GetValue<string>() ?? "ahead", ignoreCase: true),
            AheadBy = c["aheadBy"]?.GetValue<int>() ?? added.Count,
            BehindBy = c["behindBy"]?.GetValue<int>() ?? removed.Count,
            Added = added,
            Removed = removed,
            CompareUrl = c["compareUrl"] is { } url ? url.GetValue<string>() : baseSha is null ? null : $"{server}/{repository}/compare/{baseSha}...{head}",
            RemovedCompareUrl = baseSha is null || c["removed"] is null ? null : $"{server}/{repository}/compare/{head}...{baseSha}",
            Reason = c["reason"]?.GetValue<string>(),
            Notes = c["notes"]?.AsArray().Select(n => n!.GetValue<string>()).ToList() ?? [],
        };
    }

    private static List<SourceCommit> Commits(JsonNode? node, string repository, string server)
    {
        var commits = new List<SourceCommit>();
        foreach (var item in node?.AsArray() ?? [])
        {
            var c = item!.AsObject();
            var sha = Sha(c["sha"]!.GetValue<string>());
            commits.Add(new SourceCommit(sha, c["parents"]?.AsArray().Select(p => Sha(p!.GetValue<string>())).ToList() ?? [], c["message"]?.GetValue<string>() ?? string.Empty)
            {
                AuthorLogin = c["login"]?.GetValue<string>(),
                AuthorName = c["name"]?.GetValue<string>() ?? string.Empty,
                Date = c["date"]?.GetValue<string>() is { } d ? DateTimeOffset.Parse(d, CultureInfo.InvariantCulture) : null,
                HtmlUrl = c["url"]?.GetValue<string>() ?? $"{server}/{repository}/commit/{sha}",
                PullRequests = c["pulls"] is JsonArray pulls ? [.. pulls.Select(p => Pull(p!.AsObject(), repository, server))] : null,
            });
        }

        return commits;
    }

    private static PullRequestRef Pull(JsonObject p, string repository, string server)
    {
        var number = p["number"]!.GetValue<int>();
        return new PullRequestRef(number, p["title"]!.GetValue<string>(), p["url"]?.GetValue<string>() ?? $"{server}/{repository}/pull/{number}")
        {
            Author = p["author"]?.GetValue<string>(),
            Merged = p["merged"]?.GetValue<bool>() ?? true,
            MergeCommitSha = p["merge"]?.GetValue<string>() is { } m ? Sha(m) : null,
            MergedAt = p["mergedAt"]?.GetValue<string>() is { } at ? DateTimeOffset.Parse(at, CultureInfo.InvariantCulture) : null,
        };
    }
}
