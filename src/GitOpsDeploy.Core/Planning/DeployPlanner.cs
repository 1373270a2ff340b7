using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Editing;
using GitOpsDeploy.Editing.Images;
using GitOpsDeploy.Editing.Overlay;

namespace GitOpsDeploy.Core.Planning;

/// <summary>One target's planned edit, and the promotion or rollback it comes from.</summary>
public sealed record TargetEdit(DeployTarget Target, OverlayEdit Edit)
{
    /// <summary>Set when the images were promoted from another environment.</summary>
    public Promotion? Promotion { get; init; }

    /// <summary>Set when this edit rolls the environment back.</summary>
    public Rollback? Rollback { get; init; }

    /// <summary>The attestations verified for the images this edit writes (verify-attestations).</summary>
    public IReadOnlyList<AttestedImage> Attested { get; init; } = [];

    /// <summary>Set when override-freeze let this edit through a freeze or a closed sync window: the reason and what it overrode.</summary>
    public string? FreezeOverride { get; init; }
    /// <summary>The promotion report of this target, set by the report step (null without it).</summary>
    public TargetReport? Report { get; init; }
}

/// <summary>What the planner decided for a snapshot, as a value: write, nothing to do, or refused.</summary>
public abstract record PlanOutcome
{
    /// <summary>Every target's edit, planned on the same commit.</summary>
    public abstract IReadOnlyList<TargetEdit> Edits { get; }

    /// <summary>The files to write (every target's, in one commit) and the commit message with its trailers.</summary>
    public sealed record Write(string BaseSha, IReadOnlyList<TargetEdit> Edits, IReadOnlyList<FileChange> Files, string Message) : PlanOutcome
    {
        public override IReadOnlyList<TargetEdit> Edits { get; } = Edits;
    }

    /// <summary>The branch already has the change in every target.</summary>
    public sealed record NothingToDo(string BaseSha, IReadOnlyList<TargetEdit> Edits) : PlanOutcome
    {
        public override IReadOnlyList<TargetEdit> Edits { get; } = Edits;
    }

    /// <summary>Every image this run would replace already runs from a newer source commit: nothing is written.</summary>
    public sealed record Superseded(string BaseSha, IReadOnlyList<TargetEdit> Edits, IReadOnlyList<Supersession> By) : PlanOutcome
    {
        public override IReadOnlyList<TargetEdit> Edits { get; } = Edits;
    }

    /// <summary>
    /// The snapshot must load something before the plan can be made (deeper history, a directory, a file):
    /// the caller loads <see cref="Need"/> (<see cref="IGitOpsSnapshot.LoadAsync"/>) and plans again.
    /// </summary>
    public sealed record NeedsMore(SnapshotNeed Need) : PlanOutcome
    {
        public override IReadOnlyList<TargetEdit> Edits => [];
    }

    /// <summary>This plan, or (for <see cref="NeedsMore"/>) the miss thrown again, for callers that read through <see cref="SnapshotReads"/>.</summary>
    public PlanOutcome OrMiss() => this is NeedsMore more ? throw new SnapshotMissException(more.Need) : this;

    /// <summary>A target cannot take the change (policy, hold, deploy window, bad YAML, missing overlay); nothing may be written.</summary>
    public sealed record Refused(DeployException Reason, string Environment) : PlanOutcome
    {
        public override IReadOnlyList<TargetEdit> Edits => [];
    }
}

/// <summary>
/// The pure planning step: <c>(snapshot, request) -> outcome</c>. Each target is planned on the same
/// commit through the same steps (promotion, rollback, the overlay edit, the hold marker, the policy
/// gate), then every target's files go into one commit with one message. No process, no network.
/// </summary>
/// <param name="runTrailer">Opens the trailers of every commit this run makes (<c>Deploy-Run</c>), so the run can later tell its own commits from others'.</param>
public sealed class DeployPlanner(TimeProvider time, string? runUrl, string? runTrailer = null)
{
    /// <param name="superseded">Images not to replace, because a newer source commit put the current ones there (<see cref="OutOfOrder"/>).</param>
    public PlanOutcome Plan(IGitOpsSnapshot snapshot, DeployRequest request, IReadOnlyList<Supersession>? superseded = null)
    {
        try
        {
            return PlanLoaded(snapshot, request, superseded);
        }
        catch (SnapshotMissException miss)
        {
            // Planning never waits on the network: it says what it needs, and the caller loads it.
            return new PlanOutcome.NeedsMore(miss.Need);
        }
    }

    /// <summary>The plan from what the snapshot holds; a read of anything else throws <see cref="SnapshotMissException"/>.</summary>
    private PlanOutcome PlanLoaded(IGitOpsSnapshot snapshot, DeployRequest request, IReadOnlyList<Supersession>? superseded)
    {
        superseded ??= [];
        var edits = new List<TargetEdit>();
        foreach (var target in request.Targets)
        {
            try
            {
                var skipped = superseded.Where(s => s.Environment == target.Environment).Select(s => s.Image).ToHashSet(StringComparer.Ordinal);
                edits.Add(PlanTarget(snapshot, request, target, skipped));
            }
            catch (DeployException e) when (e.Kind is ErrorKind.InvalidInput or ErrorKind.InvalidFile or ErrorKind.Policy or ErrorKind.NotFound)
            {
                return new PlanOutcome.Refused(request.Targets.Count > 1 ? NameTarget(e, target) : e, target.Environment);
            }
        }

        if (FileWrittenTwice(edits) is { } clash)
        {
            return new PlanOutcome.Refused(DeployException.Input("overlay-path", clash), edits[0].Target.Environment);
        }

        if (!edits.Any(e => e.Edit.Changed))
        {
            return superseded.Count > 0 ? new PlanOutcome.Superseded(snapshot.HeadSha, edits, superseded) : new PlanOutcome.NothingToDo(snapshot.HeadSha, edits);
        }

        var files = edits.SelectMany(e => e.Edit.Files).ToList();
        var message = CommitMessage.Build(request, edits);
        return new PlanOutcome.Write(snapshot.HeadSha, edits, files, runTrailer is null ? message : CommitMessage.WithRun(message, runTrailer));
    }

    /// <summary>
    /// A target whose default overlay (environments/&lt;environment&gt;) is missing is refused naming the input the
    /// user actually gave, environment, with the overlays that exist and the closest of them. An overlay-path the
    /// user gave is checked by the editor, which names that input.
    /// </summary>
    private static void RequireOverlay(IRepositoryTree tree, DeployTarget target)
    {
        if (target.OverlayInput != "environment" || tree.KindOf(target.OverlayPath) != TreeEntryKind.Missing)
        {
            return;
        }

        throw DeployException.Input("environment", $"'{target.Environment}' has no overlay: '{target.OverlayPath}' is not a folder in the gitops repository; {OverlayEditor.Nearby(tree, target.OverlayPath, target.Environment)}. Set overlay-path if the overlays live elsewhere");
    }

    /// <summary>One target: the steps in order; each may refuse by throwing a <see cref="DeployException"/>.</summary>
    public TargetEdit PlanTarget(IGitOpsSnapshot snapshot, DeployRequest request, DeployTarget target, IReadOnlySet<string>? skippedImages = null)
    {
        RequireOverlay(snapshot.Tree, target);
        var change = request.Change;
        var promotion = change.Kind == ChangeKind.Promote
            ? Promotion.Resolve(snapshot, change.PromoteFrom!, target.PromoteFromOverlay!, change.Names, change.HelmImageKeys)
            : null;
        var rollback = change.Kind == ChangeKind.Rollback
            ? Rollback.Find(snapshot, target.OverlayPath, target.Environment, change.Names, change.RollbackTo, change.HelmImageKeys)
            : null;
        if (rollback is not null)
        {
            foreach (var image in rollback.Images)
            {
                ImageSpec.RequireCopyable(image, $"{target.OverlayPath} at {rollback.RestoredCommit[..Math.Min(7, rollback.RestoredCommit.Length)]}");
            }
        }

        var specs = promotion?.Specs ?? rollback?.Specs ?? change.Images.Where(i => skippedImages?.Contains(i.Name) != true).ToList();
        if (specs.Count == 0 && change.Settings.Count == 0)
        {
            // Everything this target would get is superseded: nothing to edit here.
            return new TargetEdit(target, new OverlayEdit(target.OverlayPath, null, [], [], []));
        }

        var edit = OverlayEditor.Plan(snapshot.Tree, target.OverlayPath, specs, change.Settings, change.HelmImageKeys, change.CreateMissingKeys);
        edit = HoldMarker.Apply(target, change, snapshot, edit, rollback, runUrl);
        if (edit.Changed)
        {
            PolicyGate.Check(request.Policy, target, change.Force, edit, time.GetUtcNow());
        }

        return new TargetEdit(target, edit) { Promotion = promotion, Rollback = rollback, Attested = request.Attestations };
    }

    /// <summary>Two targets that resolve to the same file (a shared overlay, a symlink) would overwrite each other's edit.</summary>
    private static string? FileWrittenTwice(IReadOnlyList<TargetEdit> edits)
    {
        var writers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (target, edit) in edits)
        {
            foreach (var file in edit.Files)
            {
                if (writers.TryGetValue(file.Path, out var other) && other != target.Environment)
                {
                    return $"{other} and {target.Environment} would both write {file.Path}; give each environment its own overlay (overlay-path with {{{{ environment }}}})";
                }

                writers[file.Path] = target.Environment;
            }
        }

        return null;
    }

    private static DeployException NameTarget(DeployException e, DeployTarget target)
    {
        var message = $"{target.Environment}: {e.Message}";
        return e.Location is { } at ? new DeployException(e.Kind, message, at, e) : new DeployException(e.Kind, message, e);
    }
}
