using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Editing;
using GitOpsDeploy.Editing.Images;
using GitOpsDeploy.Editing.Overlay;
using GitOpsDeploy.Editing.Yaml;

namespace GitOpsDeploy.Core.Planning;

/// <summary>An image copied from another environment, with the source commit that built it when the history says so.</summary>
public sealed record PromotedImage(ImageEntry Entry, string? SourceCommit);

/// <summary>What a promotion copies: the exact references of <see cref="From"/> at gitops commit <see cref="FromSha"/>.</summary>
public sealed record Promotion(string From, string FromSha, IReadOnlyList<PromotedImage> Images)
{
    public const int HistoryDepth = 50;

    public IReadOnlyList<ImageSpec> Specs => Images.Select(i => ImageSpec.Exactly(i.Entry)).ToList();

    /// <summary>Reads the source overlay at the tip; <paramref name="names"/> (if any) limits what is promoted.</summary>
    public static Promotion Resolve(IGitOpsSnapshot checkout, string from, string fromOverlay, IReadOnlyList<string> names, IReadOnlyDictionary<string, HelmImageKey>? helmKeys = null)
    {
        var entries = OverlayEditor.ReadImages(checkout.Tree, fromOverlay, "promote-from", helmKeys, names);
        var missing = names.Where(n => entries.All(e => e.Name != n)).ToList();
        if (missing.Count > 0)
        {
            throw DeployException.Input("images", $"{string.Join(", ", missing)} not found in {fromOverlay}; it has {string.Join(", ", entries.Select(e => e.Name))}");
        }

        var chosen = names.Count == 0 ? entries : entries.Where(e => names.Contains(e.Name)).ToList();
        if (chosen.Count == 0)
        {
            throw DeployException.Input("promote-from", $"{fromOverlay} sets no images to promote");
        }

        foreach (var entry in chosen)
        {
            ImageSpec.RequireCopyable(entry, fromOverlay);
        }

        var history = checkout.History(HistoryDepth);
        return new Promotion(from, checkout.HeadSha, chosen.Select(e => new PromotedImage(e, SourceCommitOf(history, from, e))).ToList());
    }

    /// <summary>The Source-Commit of the newest commit whose trailers say it put this exact image into the environment.</summary>
    public static string? SourceCommitOf(IReadOnlyList<HistoryEntry> history, string environment, ImageEntry entry)
    {
        foreach (var commit in history)
        {
            foreach (var trailers in Trailers.Groups(commit.Message))
            {
                if (trailers.Contains(("Environment", environment)) && trailers.Contains(("Image", entry.ToString())))
                {
                    return trailers.FirstOrDefault(t => t.Key == "Source-Commit").Value;
                }
            }
        }

        return null;
    }
}

/// <summary>Git trailers ("Key: value" lines in the last paragraph of a commit message).</summary>
internal static class Trailers
{
    public static IReadOnlyList<(string Key, string Value)> Parse(string message)
    {
        var paragraphs = message.ReplaceLineEndings("\n").TrimEnd('\n').Split("\n\n");
        var last = paragraphs[^1];
        var trailers = new List<(string, string)>();
        foreach (var line in last.Split('\n'))
        {
            var colon = line.IndexOf(": ", StringComparison.Ordinal);
            if (colon <= 0 || line[..colon].Any(c => !(char.IsLetterOrDigit(c) || c == '-')))
            {
                return [];
            }

            trailers.Add((line[..colon], line[(colon + 2)..].Trim()));
        }

        return trailers;
    }

    /// <summary>
    /// The trailers split per run: a batch commit (fan-in) opens each run's group with a
    /// <c>Deploy-Run</c> line; a commit of one run is one group.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<(string Key, string Value)>> Groups(string message)
    {
        var groups = new List<IReadOnlyList<(string, string)>>();
        var current = new List<(string, string)>();
        foreach (var trailer in Parse(message))
        {
            if (trailer.Key == "Deploy-Run" && current.Count > 0)
            {
                groups.Add(current);
                current = [];
            }

            current.Add(trailer);
        }

        groups.Add(current);
        return groups;
    }
}
