using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Editing;
using GitOpsDeploy.Editing.Images;
using GitOpsDeploy.Editing.Overlay;
using Microsoft.Extensions.Logging;

namespace GitOpsDeploy.Core.Planning;

/// <summary>An image a target already runs from a newer source commit than ours: replacing it would deploy an older build over a newer one.</summary>
public sealed record Supersession(string Environment, string Image, string NewerSource);

/// <summary>
/// Out-of-order protection (CI for commits A then B finishing B, A must not leave A running): before
/// an image is replaced, the source commit that put the current one there is found from the trailers
/// of the commit that wrote it, and compared with ours in the source repository. Ours older: that
/// image is not replaced. force, rollback and rollback-to bypass it; a comparison that cannot be made
/// warns and deploys. Runs again on every re-plan after a lost race (answers are cached).
/// </summary>
public sealed class OutOfOrder(ISourceCommits? sourceCommits, IActionRuntime runtime, ILogger logger)
{
    private readonly Dictionary<string, (SourceOrder Order, string? Reason)> answers = new(StringComparer.Ordinal);

    /// <summary>A plain deploy of images with a full source sha and a token for the source repository, not forced.</summary>
    public static bool Applies(DeployRequest request) =>
        request.Change.Kind == ChangeKind.Deploy && !request.Change.Force && request.Change.Images.Count > 0 && request.Source.Sha is { Length: 40 } && request.Token is not null;

    /// <summary>For each target and image the change would replace, the source commit behind the current entry (when the history says).</summary>
    public static IReadOnlyList<(DeployTarget Target, string Image, string Source)> CurrentSources(IGitOpsSnapshot snapshot, DeployRequest request)
    {
        if (request.Change.Kind != ChangeKind.Deploy || request.Change.Force || request.Change.Images.Count == 0 || request.Source.Sha is not { Length: 40 } ours)
        {
            return [];
        }

        var history = snapshot.History(Promotion.HistoryDepth);
        var found = new List<(DeployTarget, string, string)>();
        foreach (var target in request.Targets)
        {
            IReadOnlyList<ImageEntry> current;
            try
            {
                current = OverlayEditor.ReadImages(snapshot.Tree, target.OverlayPath, "overlay-path", request.Change.HelmImageKeys, [.. request.Change.Images.Select(i => i.Name)]);
            }
            catch (DeployException)
            {
                // The planner reports a broken or missing overlay, naming the target.
                continue;
            }

            foreach (var entry in current.Where(e => request.Change.Images.Any(i => i.Name == e.Name)))
            {
                if (Promotion.SourceCommitOf(history, target.Environment, entry) is { Length: 40 } source && !source.Equals(ours, StringComparison.OrdinalIgnoreCase))
                {
                    found.Add((target, entry.Name, source));
                }
            }
        }

        return found;
    }

    /// <summary>How <paramref name="ours"/> relates to <paramref name="theirs"/> (cached; Unknown without a way to compare).</summary>
    public async Task<SourceOrder> OrderAsync(string ours, string theirs, CancellationToken cancellationToken)
    {
        if (sourceCommits is null)
        {
            return SourceOrder.Unknown;
        }

        var key = ours + ".." + theirs;
        if (!answers.TryGetValue(key, out var answer))
        {
            answer = await sourceCommits.CompareAsync(ours, theirs, cancellationToken);
            answers[key] = answer;
        }

        return answer.Order;
    }

    public async Task<IReadOnlyList<Supersession>> CheckAsync(IGitOpsSnapshot snapshot, DeployRequest request, CancellationToken cancellationToken)
    {
        if (sourceCommits is null || !Applies(request))
        {
            // Without a way to compare, the history is not even read.
            return [];
        }

        var sources = await snapshot.ReadingAsync(() => CurrentSources(snapshot, request), cancellationToken);
        var superseded = new List<Supersession>();
        foreach (var (target, image, theirs) in sources)
        {
            // Keyed by both commits: a fan-in applier checks other runs' source commits with the same instance.
            var key = request.Source.Sha + ".." + theirs;
            if (!answers.TryGetValue(key, out var answer))
            {
                answer = await sourceCommits.CompareAsync(request.Source.Sha!, theirs, cancellationToken);
                answers[key] = answer;
                if (answer.Order == SourceOrder.Unknown)
                {
                    runtime.Warning($"could not tell whether {request.Source.ShortSha} is older than {theirs[..7]}, which put {image} into {target.Environment} ({answer.Reason}); deploying");
                }
            }

            logger.LogDebug("{Ours} is {Order} relative to {Theirs} ({Image} in {Environment})", request.Source.ShortSha, answer.Order, theirs, image, target.Environment);
            if (answer.Order == SourceOrder.Older)
            {
                superseded.Add(new Supersession(target.Environment, image, theirs));
            }
        }

        return superseded;
    }
}
