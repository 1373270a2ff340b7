using System.Text;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Editing.Images;
using GitOpsDeploy.Editing.Overlay;

namespace GitOpsDeploy.Core.Planning;

/// <summary>
/// The commit message: a template (or our default) followed by trailers that later runs (and
/// people with <c>git log --grep</c>) use to tell which source commit put which image where.
/// </summary>
internal static class CommitMessage
{
    public static string Build(DeployRequest request, IReadOnlyList<TargetEdit> edits)
    {
        var values = Values(request, edits);
        var body = request.Landing.CommitMessageTemplate is { } template
            ? MessageTemplate.Render(template, values, "commit-message").TrimEnd()
            : DefaultMessage(request, edits, values);
        return body + "\n\n" + Trailers(request, edits);
    }

    /// <summary>
    /// The <c>Deploy-Run</c> trailer of this invocation: <c>owner/app#run (intent id)</c>. Every commit the run
    /// makes opens its trailers with it, and its fan-in intent is named by it, so a run can tell its own commits
    /// from anyone else's (and a cancelled run can find the commit that landed).
    /// </summary>
    public static string RunTrailer(ActionContext context) =>
        $"{(context.Repository is { } repository && context.RunId is { } run ? $"{repository}#{run}" : "local")} (intent {context.InvocationId})";

    /// <summary>
    /// The message with a <c>Deploy-Run</c> trailer opening its trailers: how a fan-in run's commit
    /// says it carried that run's intent.
    /// </summary>
    public static string WithRun(string message, string run)
    {
        var text = message.ReplaceLineEndings("\n").TrimEnd('\n');
        var last = text.LastIndexOf("\n\n", StringComparison.Ordinal);
        return last < 0 ? $"{text}\n\nDeploy-Run: {run}\n" : $"{text[..(last + 2)]}Deploy-Run: {run}\n{text[(last + 2)..]}\n";
    }

    /// <summary>The placeholder values; with several targets, each lists every target that changes.</summary>
    public static IReadOnlyDictionary<string, string> Values(DeployRequest request, IReadOnlyList<TargetEdit> edits)
    {
        var changing = Changing(edits);
        var several = changing.Count > 1;
        return new Dictionary<string, string>
        {
            ["environment"] = string.Join(", ", changing.Select(e => e.Target.Environment)),
            ["images"] = string.Join("; ", changing.Select(e => Summary(e.Edit)).Distinct(StringComparer.Ordinal)),
            ["changes"] = string.Join("\n", changing.Select(e => several ? $"{e.Target.Environment}:\n{ChangeList(e.Edit)}" : ChangeList(e.Edit))),
            ["source-repository"] = request.Source.Repository ?? string.Empty,
            ["source-sha"] = request.Source.Sha ?? string.Empty,
            ["short-sha"] = request.Source.ShortSha ?? string.Empty,
            ["overlay-path"] = string.Join(", ", changing.Select(e => e.Edit.OverlayPath)),
        };
    }

    /// <summary>The targets whose overlay changes (all of them when none does, for a message that says so).</summary>
    public static IReadOnlyList<TargetEdit> Changing(IReadOnlyList<TargetEdit> edits) =>
        edits.Any(e => e.Edit.Changed) ? edits.Where(e => e.Edit.Changed).ToList() : edits;

    /// <summary>"web 1.0.0 -> 1.1.0, worker 2 -> 3" (only what changed).</summary>
    public static string Summary(OverlayEdit edit)
    {
        var parts = edit.Images.Where(i => i.Changed).Select(i => $"{i.After.Name} {Version(i.Before)} -> {Version(i.After)}")
            .Concat(edit.Values.Where(v => v.Changed).Select(v => $"{v.Path} {v.Before ?? "(unset)"} -> {v.After}"))
            .ToList();
        return parts.Count == 0 ? "no changes" : string.Join(", ", parts);
    }

    /// <summary>"web 1.1.0, replicas=3": what the images and values are after the edit, changed or not.</summary>
    public static string Versions(OverlayEdit edit)
    {
        var parts = edit.Images.Select(i => $"{i.After.Name} {Version(i.After)}")
            .Concat(edit.Values.Select(v => $"{v.Path}={v.After}"))
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

    private static string DefaultMessage(DeployRequest request, IReadOnlyList<TargetEdit> edits, IReadOnlyDictionary<string, string> values)
    {
        var changing = Changing(edits);
        var first = changing[0];
        var verb = first.Promotion is { } p ? $"promote({p.From} -> {values["environment"]})"
            : first.Rollback is not null ? $"rollback({values["environment"]})" : $"deploy({values["environment"]})";
        var subject = $"{verb}: {values["images"]}";
        if (subject.Length > 72)
        {
            var count = changing.Sum(e => e.Edit.Images.Count(i => i.Changed) + e.Edit.Values.Count(v => v.Changed));
            subject = $"{verb}: update {count} images and values";
        }

        var sb = new StringBuilder(subject).Append("\n\n");
        sb.Append("Update ").Append(values["overlay-path"]);
        if (request.Source.Repository is not null && request.Source.Sha is not null)
        {
            sb.Append(" for ").Append(request.Source.Repository).Append('@').Append(values["short-sha"]);
        }

        return sb.Append(".\n\n").Append(values["changes"]).ToString();
    }

    /// <summary>
    /// The trailers later runs read: one Environment per changed target, and the Image lines they got
    /// (every target of one run gets the same change, so the lines are shared).
    /// </summary>
    public static string Trailers(DeployRequest request, IReadOnlyList<TargetEdit> edits)
    {
        var changing = Changing(edits);
        var sb = new StringBuilder();
        if (request.Source.Repository is not null)
        {
            sb.Append("Source-Repository: ").Append(request.Source.Repository).Append('\n');
        }

        // A rollback's release is the restored one: its trailers point at the restored build.
        var restored = changing.Select(e => e.Rollback?.RestoredSource).Distinct().ToList();
        var source = changing.All(e => e.Rollback is not null) && !request.Source.ShaGiven && restored.Count == 1 ? restored[0] : request.Source.Sha;
        if (source is not null)
        {
            sb.Append("Source-Commit: ").Append(source).Append('\n');
        }

        foreach (var edit in changing)
        {
            sb.Append("Environment: ").Append(edit.Target.Environment).Append('\n');
        }

        foreach (var rolledBack in changing.Select(e => e.Rollback?.CurrentCommit).OfType<string>().Distinct())
        {
            sb.Append("Rollback-Of: ").Append(rolledBack).Append('\n');
        }

        foreach (var promotion in changing.Select(e => e.Promotion).OfType<Promotion>().Select(p => $"{p.From}@{p.FromSha}").Distinct())
        {
            sb.Append("Promoted-From: ").Append(promotion).Append('\n');
        }

        foreach (var image in changing.SelectMany(e => e.Edit.Images).Select(i => i.After.ToString()).Distinct(StringComparer.Ordinal))
        {
            sb.Append("Image: ").Append(image).Append('\n');
        }

        // What verify-attestations proved: the workflow (with its ref) and the run that built and signed the digests.
        foreach (var attested in request.Attestations.Select(a => a.Trailer).Distinct(StringComparer.Ordinal))
        {
            sb.Append("Attested-By: ").Append(attested).Append('\n');
        }

        return sb.ToString();
    }
}
