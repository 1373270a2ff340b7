using System.Text;
using GitOpsDeploy.Core.Images;
using GitOpsDeploy.Core.Inputs;
using GitOpsDeploy.Core.Overlay;

namespace GitOpsDeploy.Core.Deploy;

/// <summary>
/// The commit message: a template (or our default) followed by trailers that later runs (and
/// people with <c>git log --grep</c>) use to tell which source commit put which image where.
/// </summary>
public static class CommitMessage
{
    public static readonly string[] Placeholders = ["environment", "images", "changes", "source-repository", "source-sha", "short-sha", "overlay-path"];

    public static string Build(DeployOptions options, OverlayEdit edit)
    {
        var values = Values(options, edit);
        var body = options.CommitMessageTemplate is { } template
            ? MessageTemplate.Render(template, values, "commit-message").TrimEnd()
            : DefaultMessage(options, edit, values);
        return body + "\n\n" + Trailers(options, edit);
    }

    public static IReadOnlyDictionary<string, string> Values(DeployOptions options, OverlayEdit edit) => new Dictionary<string, string>
    {
        ["environment"] = options.Environment,
        ["images"] = Summary(edit),
        ["changes"] = ChangeList(edit),
        ["source-repository"] = options.SourceRepository ?? string.Empty,
        ["source-sha"] = options.SourceSha ?? string.Empty,
        ["short-sha"] = options.SourceSha is { Length: >= 7 } sha ? sha[..7] : string.Empty,
        ["overlay-path"] = edit.OverlayPath,
    };

    /// <summary>"web 1.0.0 -> 1.1.0, worker 2 -> 3" (only what changed).</summary>
    public static string Summary(OverlayEdit edit)
    {
        var parts = edit.Images.Where(i => i.Changed).Select(i => $"{i.After.Name} {Version(i.Before)} -> {Version(i.After)}")
            .Concat(edit.Values.Where(v => v.Changed).Select(v => $"{v.Path} {v.Before ?? "(unset)"} -> {v.After}"))
            .ToList();
        return parts.Count == 0 ? "no changes" : string.Join(", ", parts);
    }

    public static string ChangeList(OverlayEdit edit)
    {
        var sb = new StringBuilder();
        foreach (var image in edit.Images.Where(i => i.Changed))
        {
            sb.Append("- ").Append(image.After.Name).Append(": ").Append(Reference(image.Before)).Append(" -> ").Append(Reference(image.After)).Append('\n');
        }

        foreach (var value in edit.Values.Where(v => v.Changed))
        {
            sb.Append("- ").Append(value.File).Append(' ').Append(value.Path).Append(": ").Append(value.Before ?? "(unset)").Append(" -> ").Append(value.After).Append('\n');
        }

        return sb.ToString().TrimEnd('\n');
    }

    /// <summary>The tag, else the short digest, of an entry.</summary>
    public static string Version(ImageEntry? entry) => entry switch
    {
        null => "(new)",
        { NewTag: { } tag } => tag,
        { Digest: { } digest } => digest.Length > 19 ? digest[..19] : digest,
        _ => "(unset)",
    };

    /// <summary>The rendered image reference, without the "NAME=" prefix.</summary>
    public static string Reference(ImageEntry? entry) => entry is null ? "(new)" : entry.ToString()[(entry.Name.Length + 1)..];

    private static string DefaultMessage(DeployOptions options, OverlayEdit edit, IReadOnlyDictionary<string, string> values)
    {
        var verb = edit.Promotion is { } p ? $"promote({p.From} -> {options.Environment})"
            : edit.Rollback is not null ? $"rollback({options.Environment})" : $"deploy({options.Environment})";
        var subject = $"{verb}: {values["images"]}";
        if (subject.Length > 72)
        {
            var count = edit.Images.Count(i => i.Changed) + edit.Values.Count(v => v.Changed);
            subject = $"{verb}: update {count} images and values";
        }

        var sb = new StringBuilder(subject).Append("\n\n");
        sb.Append("Update ").Append(edit.OverlayPath);
        if (options.SourceRepository is not null && options.SourceSha is not null)
        {
            sb.Append(" for ").Append(options.SourceRepository).Append('@').Append(values["short-sha"]);
        }

        return sb.Append(".\n\n").Append(values["changes"]).ToString();
    }

    private static string Trailers(DeployOptions options, OverlayEdit edit)
    {
        var sb = new StringBuilder();
        if (options.SourceRepository is not null)
        {
            sb.Append("Source-Repository: ").Append(options.SourceRepository).Append('\n');
        }

        // A rollback's release is the restored one: its trailers point at the restored build.
        if ((edit.Rollback is { } restored && !options.SourceShaGiven ? restored.RestoredSource : options.SourceSha) is { } source)
        {
            sb.Append("Source-Commit: ").Append(source).Append('\n');
        }

        sb.Append("Environment: ").Append(options.Environment).Append('\n');
        if (edit.Rollback is { CurrentCommit: { } rolledBack })
        {
            sb.Append("Rollback-Of: ").Append(rolledBack).Append('\n');
        }

        if (edit.Promotion is { } promotion)
        {
            sb.Append("Promoted-From: ").Append(promotion.From).Append('@').Append(promotion.FromSha).Append('\n');
        }

        foreach (var image in edit.Images)
        {
            sb.Append("Image: ").Append(image.After).Append('\n');
        }

        return sb.ToString();
    }
}
