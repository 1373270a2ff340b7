using System.Text;
using GitOpsDeploy.Core.Planning;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Editing;

namespace GitOpsDeploy.Core.Landing.FanIn;

/// <summary>What happened to one intent in a batch, and why.</summary>
internal enum IntentFate
{
    /// <summary>Carried by the batch commit.</summary>
    Applied,

    /// <summary>The branch already has it: cleared, not committed again.</summary>
    Satisfied,

    /// <summary>A commit on the branch already names it (an applier died before clearing): cleared, never applied twice.</summary>
    Landed,

    /// <summary>Not applied: it does not prove itself, a newer source commit wins, the applier's policy refuses it, or it does not parse. Its run, if alive, re-plans on its own.</summary>
    Dropped,

    /// <summary>Older than <see cref="DeployIntent.Lifetime"/>: deleted unapplied.</summary>
    Expired,
}

internal sealed record IntentOutcome(DeployIntent Intent, IntentFate Fate, string Reason)
{
    public IReadOnlyList<TargetEdit> Edits { get; init; } = [];

    /// <summary>The commit that carries it (<see cref="IntentFate.Landed"/>).</summary>
    public string? CommitSha { get; init; }

    /// <summary>The files this intent alone writes (<see cref="IntentFate.Applied"/>), for checking that the commit method can write them.</summary>
    public IReadOnlyList<FileChange> Files { get; init; } = [];
}

/// <summary>The batch: every pending intent's fate, and the one commit that carries the applied ones (null when none applies).</summary>
internal sealed record BatchPlan(string BaseSha, IReadOnlyList<IntentOutcome> Outcomes, IReadOnlyList<FileChange> Files, string? Message)
{
    public IReadOnlyList<IntentOutcome> Applied => Outcomes.Where(o => o.Fate == IntentFate.Applied).ToList();

    /// <summary>
    /// What to delete from the board with the commit: every intent that will never be applied. The
    /// applied ones stay until the next write, carried (their Deploy-Run trailer is on the branch).
    /// </summary>
    public IReadOnlyList<DeployIntent> ToClear => Outcomes.Where(o => o.Fate != IntentFate.Applied).Select(o => o.Intent).ToList();

    public IntentOutcome? Of(DeployIntent intent) => Outcomes.FirstOrDefault(o => o.Intent.Id == intent.Id);
}

/// <summary>
/// Plans a batch, purely: the pending intents in arrival order, each planned with the ordinary
/// planner on the branch as the intents before it left it, into one commit whose trailers name every
/// intent it carries (a <c>Deploy-Run</c> line opens each intent's group). An intent a commit on the
/// branch already names is never applied again; one the branch already satisfies is cleared.
/// </summary>
internal static class IntentBatch
{
    /// <summary>How far back the history is searched for commits that already carry an intent.</summary>
    private const int MaxHistory = 250;

    /// <param name="admissions">Per intent id, the leader's verdict (<see cref="IntentAdmission"/>): the request to apply, or why not.</param>
    /// <param name="droppedByOrder">Intents kept out by the out-of-order rule or by the applier (a newer source commit for the same image, a conflict that cannot be ordered, a change the commit method cannot write), with why.</param>
    /// <param name="supersessions">Per intent id, images of it not to replace (the branch runs a newer build of them).</param>
    public static BatchPlan Plan(IGitOpsSnapshot snapshot, IReadOnlyList<DeployIntent> pending, IReadOnlyDictionary<string, Admission> admissions, DeployPlanner planner, DateTimeOffset now,
        IReadOnlyDictionary<string, string>? droppedByOrder = null, IReadOnlyDictionary<string, IReadOnlyList<Supersession>>? supersessions = null)
    {
        var dropped = new Dictionary<string, string>(droppedByOrder ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        while (true)
        {
            var plan = PlanOnce(snapshot, pending, admissions, planner, now, dropped, supersessions);

            // An applied intent must still hold on the batch's result: a later one in the same batch may not undo it.
            var staged = new StagedSnapshot(snapshot);
            staged.Stage(plan.Files);
            var undone = plan.Applied.FirstOrDefault(a => planner.Plan(staged, admissions[a.Intent.Id].Request!, supersessions?.GetValueOrDefault(a.Intent.Id)).OrMiss() is not PlanOutcome.NothingToDo);
            if (undone is null)
            {
                return plan;
            }

            dropped[undone.Intent.Id] = "another intent in the same batch changes the same entries";
        }
    }

    private static BatchPlan PlanOnce(IGitOpsSnapshot snapshot, IReadOnlyList<DeployIntent> pending, IReadOnlyDictionary<string, Admission> admissions, DeployPlanner planner, DateTimeOffset now,
        IReadOnlyDictionary<string, string> droppedByOrder, IReadOnlyDictionary<string, IReadOnlyList<Supersession>>? supersessions)
    {
        var landed = LandedIn(snapshot, pending);
        var staged = new StagedSnapshot(snapshot);
        var outcomes = new List<IntentOutcome>();
        var groups = new List<(DeployIntent Intent, DeployRequest Request, IReadOnlyList<TargetEdit> Edits)>();
        foreach (var intent in pending.OrderBy(i => i.Created).ThenBy(i => i.Id, StringComparer.Ordinal))
        {
            if (landed.TryGetValue(intent.Id, out var sha))
            {
                outcomes.Add(new IntentOutcome(intent, IntentFate.Landed, $"already committed in {sha[..7]}") { CommitSha = sha });
                continue;
            }

            if (intent.ExpiredAt(now))
            {
                outcomes.Add(new IntentOutcome(intent, IntentFate.Expired, $"published {(int)(now - intent.Created).TotalMinutes} minutes ago, longer than {(int)DeployIntent.Lifetime.TotalMinutes}"));
                continue;
            }

            if (admissions.GetValueOrDefault(intent.Id) is not { Request: { } request } admission)
            {
                outcomes.Add(new IntentOutcome(intent, IntentFate.Dropped, admissions.GetValueOrDefault(intent.Id)?.Refusal ?? "it was not checked"));
                continue;
            }

            if (droppedByOrder.GetValueOrDefault(intent.Id) is { } why)
            {
                outcomes.Add(new IntentOutcome(intent, IntentFate.Dropped, why));
                continue;
            }

            switch (planner.Plan(staged, request, supersessions?.GetValueOrDefault(intent.Id)).OrMiss())
            {
                case PlanOutcome.Write write:
                    staged.Stage(write.Files);
                    groups.Add((intent, request, write.Edits));
                    outcomes.Add(new IntentOutcome(intent, IntentFate.Applied, string.Join("; ", CommitMessage.Changing(write.Edits).Select(e => $"{e.Target.Environment}: {CommitMessage.Summary(e.Edit)}"))) { Edits = write.Edits, Files = write.Files });
                    break;
                case PlanOutcome.NothingToDo nothing:
                    outcomes.Add(new IntentOutcome(intent, IntentFate.Satisfied, "the branch already has it") { Edits = nothing.Edits });
                    break;
                case PlanOutcome.Superseded superseded:
                    outcomes.Add(new IntentOutcome(intent, IntentFate.Dropped, "superseded by " + string.Join(", ", superseded.By.Select(b => b.NewerSource[..7]).Distinct())));
                    break;
                case PlanOutcome.Refused refused:
                    outcomes.Add(new IntentOutcome(intent, IntentFate.Dropped, refused.Reason.Message));
                    break;
            }
        }

        return groups.Count == 0
            ? new BatchPlan(snapshot.HeadSha, outcomes, [], null)
            : new BatchPlan(snapshot.HeadSha, outcomes, staged.Changes, Message(groups));
    }

    /// <summary>Intent id to the commit whose trailers name it, searching back to just before the oldest intent was published.</summary>
    public static IReadOnlyDictionary<string, string> LandedIn(IGitOpsSnapshot snapshot, IReadOnlyList<DeployIntent> pending)
    {
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        // Refs that hold no readable intent name no run: nothing to look for.
        pending = pending.Where(p => p.Targets.Count > 0).ToList();
        if (pending.Count == 0)
        {
            return found;
        }

        var oldest = pending.Min(i => i.Created) - TimeSpan.FromMinutes(1);
        var wanted = pending.ToDictionary(i => i.Trailer, i => i.Id, StringComparer.Ordinal);
        // History is read as deep as needed only: usually the page the snapshot already holds.
        for (var depth = 20; ; depth = Math.Min(depth * 5, MaxHistory))
        {
            var history = snapshot.History(depth);
            foreach (var commit in history)
            {
                foreach (var (key, value) in Trailers.Parse(commit.Message))
                {
                    if (key == "Deploy-Run" && wanted.TryGetValue(value, out var id))
                    {
                        found.TryAdd(id, commit.Sha);
                    }
                }
            }

            if (found.Count == wanted.Count || history.Count < depth || history[^1].When < oldest || depth == MaxHistory)
            {
                return found;
            }
        }
    }

    /// <summary>The commit that names <paramref name="intent"/> among <paramref name="commits"/>, if any.</summary>
    public static BoardCommit? Carrying(IReadOnlyList<BoardCommit> commits, DeployIntent intent) =>
        commits.FirstOrDefault(c => Trailers.Parse(c.Message).Contains(("Deploy-Run", intent.Trailer)));

    /// <summary>One subject for the batch, one line per intent, then each intent's trailer group opened by its Deploy-Run line.</summary>
    private static string Message(IReadOnlyList<(DeployIntent Intent, DeployRequest Request, IReadOnlyList<TargetEdit> Edits)> groups)
    {
        var environments = string.Join(", ", groups.SelectMany(g => CommitMessage.Changing(g.Edits)).Select(e => e.Target.Environment).Distinct());
        var summaries = groups.SelectMany(g => CommitMessage.Changing(g.Edits)).Select(e => CommitMessage.Summary(e.Edit)).Distinct(StringComparer.Ordinal).ToList();
        var subject = $"deploy({environments}): {string.Join("; ", summaries)}";
        if (subject.Length > 72)
        {
            subject = $"deploy({environments}): {Counted(groups.Count, "pipeline")}, {Counted(summaries.Count, "change")}";
        }

        var sb = new StringBuilder(subject).Append("\n\n");
        sb.Append("Applied together: ").Append(Counted(groups.Count, "pipeline")).Append(" wrote this branch at once.\n\n");
        foreach (var (intent, _, edits) in groups)
        {
            foreach (var edit in CommitMessage.Changing(edits))
            {
                sb.Append("- ").Append(intent.Run).Append(", ").Append(edit.Target.Environment).Append(": ").Append(CommitMessage.Summary(edit.Edit)).Append('\n');
            }
        }

        sb.Append('\n');
        foreach (var (intent, request, edits) in groups)
        {
            sb.Append("Deploy-Run: ").Append(intent.Trailer).Append('\n').Append(CommitMessage.Trailers(request, edits));
        }

        return sb.ToString();
    }

    private static string Counted(int count, string noun) => $"{count} {noun}{(count == 1 ? string.Empty : "s")}";
}
