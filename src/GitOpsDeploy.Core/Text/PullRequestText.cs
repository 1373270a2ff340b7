using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using GitOpsDeploy.Core.Planning;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Editing;
using GitOpsDeploy.Editing.Overlay;

namespace GitOpsDeploy.Core.Text;

/// <summary>Links a run can put in a pull request (all built from GITHUB_SERVER_URL, never a literal host).</summary>
internal sealed record SourceLinks(string? CommitUrl, string? CompareUrl);

/// <summary>
/// Title and body of the deploy pull request, and the hidden marker in the body that lets a later
/// run recognise its own pull requests (which environment, which app, which exact change).
/// </summary>
internal static partial class PullRequestText
{
    public const int MaxTitle = 255;
    public const int MaxBody = 65_536;

    public static IReadOnlyList<string> Placeholders => MessageTemplate.PullRequestPlaceholders;

    public static string Title(DeployRequest request, IReadOnlyList<TargetEdit> edits)
    {
        var title = request.Landing.PullRequestTitleTemplate is { } template
            ? MessageTemplate.Render(template, Values(request, edits, string.Empty, new SourceLinks(null, null)), "pull-request-title")
            : $"Deploy {Versions(edits)} to {string.Join(", ", CommitMessage.Changing(edits).Select(e => e.Target.Environment))}";
        title = title.ReplaceLineEndings(" ").Trim();
        return title.Length <= MaxTitle ? title : title[..(MaxTitle - 1)] + "…";
    }

    public static string Body(DeployRequest request, IReadOnlyList<TargetEdit> edits, string diff, SourceLinks links, PullRequestMarker marker)
    {
        var footer = "\n\n" + marker.Render();
        var limit = MaxBody - footer.Length;
        var values = Values(request, edits, diff, links);
        var reports = edits.Select(e => e.Report).OfType<TargetReport>().ToList();
        string body;
        if (request.Landing.PullRequestBodyTemplate is { } template)
        {
            // {{ report }} gets what the template leaves of GitHub's limit.
            var without = MessageTemplate.Render(template, new Dictionary<string, string>(values) { ["report"] = string.Empty }, "pull-request-body");
            values["report"] = PromotionReportText.Markdown(reports, limit - without.Length - 64);
            body = MessageTemplate.Render(template, values, "pull-request-body");
        }
        else
        {
            body = DefaultBody(request, edits, values, links);
            if (reports.Count > 0)
            {
                // The report comes after the change and its overlay diff, within what they leave of the limit.
                body += "\n\n" + PromotionReportText.Markdown(reports, limit - body.Length - 2).TrimEnd('\n');
            }
        }

        if (body.Length > limit)
        {
            const string cut = "\n\n… (truncated to GitHub's size limit)";
            body = body[..(limit - cut.Length)] + cut;
        }

        return body + footer;
    }

    /// <summary>"web 1.1.0, worker 2.0.1" (what the images become; the same for every target of a run).</summary>
    public static string Versions(IReadOnlyList<TargetEdit> edits) =>
        string.Join("; ", CommitMessage.Changing(edits).Select(e => CommitMessage.Versions(e.Edit)).Distinct(StringComparer.Ordinal));

    /// <summary>A short digest of the change and the base it applies to: equal digests mean an identical pull request head.</summary>
    public static string Digest(string baseSha, IReadOnlyList<FileChange> files)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(baseSha));
        foreach (var file in files.OrderBy(f => f.Path, StringComparer.Ordinal))
        {
            hash.AppendData(Encoding.UTF8.GetBytes(file.Path));
            hash.AppendData(file.Content ?? "\0deleted"u8.ToArray());
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
    }

    private static Dictionary<string, string> Values(DeployRequest request, IReadOnlyList<TargetEdit> edits, string diff, SourceLinks links)
    {
        var values = new Dictionary<string, string>(CommitMessage.Values(request, edits))
        {
            ["images"] = Versions(edits),
            ["table"] = string.Join("\n\n", CommitMessage.Changing(edits).Select(e => ChangeTable.Of(e.Edit))),
            ["diff"] = diff,
            ["source-url"] = links.CommitUrl ?? string.Empty,
            ["compare-url"] = links.CompareUrl ?? string.Empty,
            ["report"] = string.Empty,
        };
        return values;
    }

    private static string DefaultBody(DeployRequest request, IReadOnlyList<TargetEdit> edits, IReadOnlyDictionary<string, string> values, SourceLinks links)
    {
        var sb = new StringBuilder();
        foreach (var (target, edit) in CommitMessage.Changing(edits))
        {
            sb.Append(CultureInfo.InvariantCulture, $"Deploys to **{target.Environment}** (`{edit.OverlayPath}`).\n\n");
            sb.Append(ChangeTable.Of(edit)).Append("\n\n");
        }

        if (request.Source.Repository is { } repo && request.Source.Sha is { } sha)
        {
            var shortSha = sha.Length > 7 ? sha[..7] : sha;
            sb.Append("Source commit: ").Append(links.CommitUrl is { } url ? $"[{repo}@{shortSha}]({url})" : $"{repo}@{shortSha}").Append('\n');
        }

        if (edits.Select(e => e.Promotion).OfType<Promotion>().FirstOrDefault() is { } promotion)
        {
            sb.Append(CultureInfo.InvariantCulture, $"Promoted from **{promotion.From}** at gitops commit `{promotion.FromSha[..Math.Min(7, promotion.FromSha.Length)]}`: exactly the references verified there.\n");
            foreach (var image in promotion.Images)
            {
                var source = image.SourceCommit is { } commit && request.Source.Repository is { } app
                    ? (links.CommitUrl is { } url ? $"[{app}@{commit[..7]}]({url[..url.LastIndexOf('/')]}/{commit})" : $"{app}@{commit[..7]}")
                    : "source commit unknown";
                sb.Append(CultureInfo.InvariantCulture, $"- `{image.Entry.Name}`: built from {source}\n");
            }
        }

        if (links.CompareUrl is { } compare)
        {
            sb.Append("Changes since the previous deployment: ").Append(compare).Append('\n');
        }

        if (values["diff"].Length > 0)
        {
            sb.Append("\n<details><summary>Overlay diff</summary>\n\n```diff\n").Append(values["diff"].TrimEnd('\n')).Append("\n```\n</details>\n");
        }

        return sb.ToString().TrimEnd('\n');
    }
}

/// <summary>
/// The hidden line at the end of a deploy pull request's body: which environment and app, which set of
/// images and values (<see cref="ChangeSet"/>), the deployments it reports to (comma-separated, one per
/// environment), the exact change, and the head commit the text was written for (<see cref="Head"/>): a text
/// whose head was replaced by another run's push describes nothing any more.
/// Only a marker on the body's last line counts: text quoted from a deploy PR (or a look-alike inside a
/// value shown in the body) never makes a pull request ours.
/// </summary>
internal sealed partial record PullRequestMarker(string Environment, string Source, string ChangeSet, string Deployments, string Digest)
{
    /// <summary>The head commit this text describes (empty before the head is pushed, and in markers of older versions).</summary>
    public string Head { get; init; } = string.Empty;

    public string Render() =>
        $"<!-- gitops-deploy environment=\"{Environment}\" source=\"{Source}\" change-set=\"{ChangeSet}\" deployment=\"{Deployments}\" digest=\"{Digest}\"{(Head.Length > 0 ? $" head=\"{Head}\"" : string.Empty)} -->";

    public static PullRequestMarker? Find(string? body)
    {
        var match = body is null ? Match.Empty : Pattern().Match(body.TrimEnd());
        return match.Success
            ? new PullRequestMarker(match.Groups["env"].Value, match.Groups["src"].Value, match.Groups["set"].Value,
                match.Groups["dep"].Value, match.Groups["digest"].Value) { Head = match.Groups["head"].Value }
            : null;
    }

    /// <summary>Whether this text describes exactly <paramref name="change"/> on the head it sits on (<paramref name="headSha"/>).</summary>
    public bool Describes(PullRequestMarker change, string headSha) => Digest == change.Digest && Head.Length > 0 && Head == headSha;

    /// <summary>Same environment, same app and the same images and values: such pull requests supersede each other.</summary>
    public bool SameTarget(PullRequestMarker? other) =>
        other is not null && other.Environment == Environment && other.Source == Source && other.ChangeSet.Length > 0 && other.ChangeSet == ChangeSet;

    /// <summary>What a deploy changes, independent of the versions: the overlay, the image names and the set paths.</summary>
    public static string ChangeSetOf(OverlayEdit edit) => ChangeSetOf([edit]);

    /// <summary>The change set of several targets: one text per overlay, in the order given (one target: as before).</summary>
    public static string ChangeSetOf(IEnumerable<OverlayEdit> edits)
    {
        var text = string.Join("\n\n", edits.Select(edit =>
        {
            var keys = edit.Images.Select(i => "image:" + i.After.Name).Concat(edit.Values.Select(v => $"set:{v.File}:{v.Path}")).Order(StringComparer.Ordinal);
            return edit.OverlayPath + "\n" + string.Join('\n', keys);
        }));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..12];
    }

    [GeneratedRegex("(?:\\A|\\n)<!-- gitops-deploy environment=\"(?<env>[^\"]*)\" source=\"(?<src>[^\"]*)\"(?: change-set=\"(?<set>[0-9a-f]*)\")?(?: deployment=\"(?<dep>[0-9,]*)\")? digest=\"(?<digest>[0-9a-f]*)\"(?: head=\"(?<head>[0-9a-z]*)\")? -->\\z")]
    private static partial Regex Pattern();
}

/// <summary>Which pull requests the action may update, supersede or close: only those it provably opened.</summary>
internal static class PullRequestOwnership
{
    public const string BranchPrefix = "gitops-deploy/";

    /// <summary>Opened by the token's identity, on our head-branch prefix (or the configured head branch), with our marker where we put it.</summary>
    public static bool IsOurs(PullRequestInfo pr, string viewer, string headBranch) =>
        string.Equals(pr.Author, viewer, StringComparison.OrdinalIgnoreCase)
        && (pr.HeadRef == headBranch || pr.HeadRef.StartsWith(BranchPrefix, StringComparison.Ordinal))
        && PullRequestMarker.Find(pr.Body) is not null;

    /// <summary>Why <paramref name="pr"/> is not ours, for the error message.</summary>
    public static string WhyNotOurs(PullRequestInfo pr, string viewer) =>
        !string.Equals(pr.Author, viewer, StringComparison.OrdinalIgnoreCase)
            ? $"it was opened by {pr.Author}, not by the gitops-token's identity {viewer}"
            : "its description does not end with this action's marker";
}
