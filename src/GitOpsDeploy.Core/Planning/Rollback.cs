using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Editing;
using GitOpsDeploy.Editing.Images;
using GitOpsDeploy.Editing.Overlay;
using GitOpsDeploy.Editing.Yaml;

namespace GitOpsDeploy.Core.Planning;

/// <summary>
/// A rollback: the release before the current one (or the one at <c>rollback-to</c>), found from the
/// overlay's first-parent history, with the source commits of both releases from their trailers.
/// </summary>
public sealed record Rollback(IReadOnlyList<ImageEntry> Images, string RestoredCommit, string? RestoredSource, string? CurrentCommit, string? CurrentSource)
{
    /// <summary>The file beside the overlay that holds automated deploys after a rollback.</summary>
    public const string HoldFile = OverlayEditor.HoldFile;

    public IReadOnlyList<ImageSpec> Specs => Images.Select(ImageSpec.Exactly).ToList();

    /// <summary>How far back a rollback looks, step by step: most releases are found in the first step.</summary>
    public static readonly int[] HistorySteps = [Promotion.HistoryDepth, 250, 1250, int.MaxValue];

    /// <summary>
    /// Finds the release to restore, reading deeper history only while the release is not yet found.
    /// Throws when the whole history has no earlier release (or no <paramref name="rollbackTo"/>).
    /// </summary>
    public static Rollback Find(IGitOpsSnapshot snapshot, string overlayPath, string environment, IReadOnlyList<string> names, string? rollbackTo, IReadOnlyDictionary<string, HelmImageKey>? helmKeys = null)
    {
        foreach (var depth in HistorySteps)
        {
            var history = snapshot.History(depth).ToList();
            if (TryFind(snapshot, history, complete: history.Count < depth, overlayPath, environment, names, rollbackTo, helmKeys) is { } found)
            {
                return found;
            }
        }

        throw new InvalidOperationException("the last history step reads the whole history");
    }

    /// <summary>The release to restore within <paramref name="history"/>; null when it may be older than that (<paramref name="complete"/> false).</summary>
    private static Rollback? TryFind(IGitOpsSnapshot checkout, List<HistoryEntry> history, bool complete, string overlayPath, string environment, IReadOnlyList<string> names, string? rollbackTo, IReadOnlyDictionary<string, HelmImageKey>? helmKeys)
    {
        var current = ImagesAt(checkout.Tree, overlayPath, names, helmKeys) ?? throw DeployException.Input("overlay-path", $"'{overlayPath}' has no images to roll back");
        var introducedCurrent = Introduced(checkout, history, 0, overlayPath, names, current, helmKeys);
        var currentCommit = introducedCurrent < history.Count ? history[introducedCurrent] : null;
        var currentSource = currentCommit is null ? null : SourceOf(currentCommit, environment);

        if (rollbackTo is not null)
        {
            var index = history.FindIndex(h => h.Sha.StartsWith(rollbackTo, StringComparison.OrdinalIgnoreCase));
            if (index < 0)
            {
                return !complete ? null : throw DeployException.Input("rollback-to", $"{rollbackTo} is not a commit of the base branch's history");
            }

            var target = ImagesAt(checkout.TreeAt(history[index].Sha)!, overlayPath, names, helmKeys)
                ?? throw DeployException.Input("rollback-to", $"{overlayPath} sets no images at {rollbackTo}");
            var introduced = Introduced(checkout, history, index, overlayPath, names, target, helmKeys);
            return new Rollback(target, history[index].Sha, introduced < history.Count ? SourceOf(history[introduced], environment) : null, currentCommit?.Sha, currentSource);
        }

        for (var i = introducedCurrent + 1; i < history.Count; i++)
        {
            var images = ImagesAt(checkout.TreeAt(history[i].Sha)!, overlayPath, names, helmKeys);
            if (images is null)
            {
                break;
            }

            if (!Same(images, current))
            {
                var introduced = Introduced(checkout, history, i, overlayPath, names, images, helmKeys);
                var known = introduced < history.Count - 1 || complete;
                return new Rollback(images, history[i].Sha, known ? SourceOf(history[Math.Min(introduced, history.Count - 1)], environment) : null, currentCommit?.Sha, currentSource);
            }
        }

        return !complete
            ? null
            : throw new DeployException(ErrorKind.InvalidInput, $"{overlayPath} has no earlier release to roll back to in the history of the base branch");
    }

    /// <summary>Index of the oldest commit (from <paramref name="start"/> back) whose overlay still has <paramref name="images"/>: the one that introduced them.</summary>
    private static int Introduced(IGitOpsSnapshot checkout, List<HistoryEntry> history, int start, string overlayPath, IReadOnlyList<string> names, IReadOnlyList<ImageEntry> images, IReadOnlyDictionary<string, HelmImageKey>? helmKeys)
    {
        var i = start;
        while (i + 1 < history.Count && ImagesAt(checkout.TreeAt(history[i + 1].Sha)!, overlayPath, names, helmKeys) is { } older && Same(older, images))
        {
            i++;
        }

        return i;
    }

    private static string? SourceOf(HistoryEntry commit, string environment)
    {
        // A batch commit (fan-in) carries several runs: the first that wrote this environment names the release.
        var trailers = Trailers.Groups(commit.Message).FirstOrDefault(g => g.Contains(("Environment", environment)));
        return trailers?.FirstOrDefault(t => t.Key == "Source-Commit").Value;
    }

    private static IReadOnlyList<ImageEntry>? ImagesAt(IRepositoryTree tree, string overlayPath, IReadOnlyList<string> names, IReadOnlyDictionary<string, HelmImageKey>? helmKeys)
    {
        try
        {
            var all = OverlayEditor.ReadImages(tree, overlayPath, "overlay-path", helmKeys, names);
            var chosen = names.Count == 0 ? all : all.Where(e => names.Contains(e.Name)).ToList();
            return chosen.Count == 0 ? null : chosen;
        }
        catch (DeployException)
        {
            // The overlay did not exist (or was broken) back then: the history of releases ends here.
            return null;
        }
    }

    private static bool Same(IReadOnlyList<ImageEntry> a, IReadOnlyList<ImageEntry> b) =>
        a.Count == b.Count && a.All(b.Contains);
}
