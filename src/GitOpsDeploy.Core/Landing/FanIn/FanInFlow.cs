using GitOpsDeploy.Core.Planning;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Core.Results;
using GitOpsDeploy.Editing;
using Microsoft.Extensions.Logging;
using GitOpsDeploy.Core.Pipeline;

namespace GitOpsDeploy.Core.Landing.FanIn;

/// <summary>
/// Fan-in (<c>coalesce: auto</c>): a run that finds the branch contended (intents on the board, or
/// its own commit lost the compare-and-swap) publishes its planned change as an intent, with its
/// job's ID token as proof, in the same request as its next commit attempt; a run that finds intents
/// already waiting only publishes and joins them. The run whose intent is the oldest waiting one
/// leads: it reads the branch once, admits only intents that prove themselves (<see cref="IntentAdmission"/>),
/// and commits them all in one commit. A run whose intent another run carried checks that the
/// carrying commit really has its change, then ends with it (<c>coalesced</c>). Carried intents are
/// deleted by the next write. If the leader dies, the next in line takes over after
/// <see cref="TakeoverAfter"/> per place; an intent nobody applies expires (<see cref="DeployIntent.Lifetime"/>).
/// </summary>
internal sealed class FanInFlow(RunContext run)
{
    private readonly DeployPlanner planner = run.Planner;
    private readonly OutOfOrder order = run.Order;
    private readonly ActionContext context = run.Action;
    private readonly TimeProvider time = run.Time;
    private readonly ILogger logger = run.Logger;
    private readonly IRunProofs? proofs = run.Ports.Proofs;

    /// <summary>The board of the run's transport (the git method, after a switch, has none).</summary>
    private IIntentBoard Board => run.Repository.Board ?? throw new InvalidOperationException("fan-in without a board");

    /// <summary>A new leader waits until no intent has joined for this long, so the rest of the burst joins its batch...</summary>
    public static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(300);

    /// <summary>...but no longer than this after it became the leader.</summary>
    public static readonly TimeSpan MaxLinger = TimeSpan.FromMilliseconds(1500);

    /// <summary>How long a waiting run lets the leader be silent, per place in line, before it applies the batch itself.</summary>
    public static readonly TimeSpan TakeoverAfter = TimeSpan.FromSeconds(6);

    /// <summary>How long a run waits for its intent to be carried before it withdraws it and fails.</summary>
    public static readonly TimeSpan WaitBudget = TimeSpan.FromMinutes(5);

    /// <summary>A waiting run asks for a fresh proof when its token has less than this left (GitHub's ID tokens are short-lived).</summary>
    public static readonly TimeSpan RefreshBefore = TimeSpan.FromMinutes(2);

    private static readonly TimeSpan FirstPoll = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan PollPerWaiter = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan LongestPoll = TimeSpan.FromSeconds(3);

    /// <summary>Our intent as published (null while it is not on the board).</summary>
    private DeployIntent? published;

    private DeployIntent? intent;
    private DateTimeOffset proofExpires;
    private bool lostBefore;
    private bool explained;
    private readonly Dictionary<string, ProofCheck> checkedProofs = new(StringComparer.Ordinal);

    /// <summary>True once fan-in cannot carry this run (it cannot prove itself, its intent was taken off unapplied, or is too large): from then on it retries on its own.</summary>
    public bool Declined { get; private set; }

    /// <summary>Whether fan-in can carry this request: a plain push-mode deploy, not forced (a forced run commits alone), with a transport that has a Board.</summary>
    public static bool Applies(DeployRequest request) =>
        request.Landing.Coalesce && request.Landing.Mode == DeployMode.Push && !request.Landing.DryRun
        && request.Change.Kind == ChangeKind.Deploy && !request.Change.ReleaseHold && !request.Change.Force;

    /// <summary>
    /// A push attempt with fan-in. Uncontended: the commit alone (one request). Contended: the intent
    /// is published in the same request as the commit; with intents already waiting, it is only
    /// published, and the run joins them. Null: fan-in cannot take this run (the caller commits plainly).
    /// </summary>
    public async Task<Attempt<DeployResult>?> PushAsync(DeployRequest request, IGitOpsSnapshot snapshot, PlanOutcome.Write plan, CommitDraft draft, int attempt, CancellationToken cancellationToken)
    {
        if (Declined || !CanProve())
        {
            return null;
        }

        var now = time.GetUtcNow();
        var branch = snapshot.Branch;
        var pending = snapshot.Pending.Where(p => p.Id != context.InvocationId).ToList();
        var carried = await snapshot.ReadingAsync(() => IntentBatch.LandedIn(snapshot, pending), cancellationToken);
        var stale = pending.Where(p => carried.ContainsKey(p.Id) || p.ExpiredAt(now) || p.FromTheFutureAt(now)).ToList();
        var waiting = pending.Count - stale.Count;
        if (waiting > 0)
        {
            // Others are already waiting: join them rather than race them.
            if (published is null)
            {
                if (await ProvenIntentAsync(request, branch, cancellationToken) is not { } joining)
                {
                    return null;
                }

                var joined = await Board.WriteAsync(branch, snapshot.HeadSha, new BoardWrite(null, joining, stale), cancellationToken);
                if (joined.Published is null)
                {
                    return await DeclineAsync("our intent could not be published; retrying on our own", branch, cancellationToken);
                }

                published = joined.Published;
                logger.LogInformation("{Waiting} changes are waiting for {Branch}: published intent {Id} to be carried with them", waiting, branch, joined.Published.Id);
            }

            return await CooperateAsync(request, branch, plan, attempt, cancellationToken);
        }

        // The intent rides with the commit only once this run has lost a race: an uncontended run stays one request
        // (intents already carried are no sign of contention: the same request clears them).
        var publish = lostBefore && published is null ? await ProvenIntentAsync(request, branch, cancellationToken) : null;
        var outcome = await Board.WriteAsync(branch, snapshot.HeadSha, new BoardWrite(draft, publish, stale), cancellationToken);
        published ??= outcome.Published;
        switch (outcome.Commit)
        {
            case PublishOutcome.Published done:
                logger.LogInformation("Pushed {Sha} to {Branch}", done.Sha, branch);
                // Our intent, if published, stays on the board carried (the commit names it); the next write clears it.
                published = null;
                return Attempt<DeployResult>.Done(new DeployResult(new DeployOutcome.Pushed(done.Sha, done.Verified), plan.Edits, branch, snapshot.HeadSha) { Attempts = attempt });
            case PublishOutcome.LostRace lost when published is not null:
                logger.LogInformation("Another pipeline wrote {Branch} first ({Reason}): our intent {Id} waits to be carried (coalesce: auto)", branch, lost.Reason, published.Id);
                return await CooperateAsync(request, branch, plan, attempt, cancellationToken);
            case PublishOutcome.LostRace lost:
                // Next attempt: the intent goes with the commit.
                lostBefore = true;
                return Attempt<DeployResult>.Again($"another pipeline wrote {branch} first ({lost.Reason})");
            case PublishOutcome.Rejected rejected:
                await WithdrawAsync(branch, cancellationToken);
                throw DirectPush.Rejected(request, branch, rejected.Reason);
            default:
                throw new InvalidOperationException("a board write without a commit outcome");
        }
    }

    /// <summary>Takes our intent off the board (cancelled, refused, committing alone): housekeeping that never fails the run.</summary>
    public async Task WithdrawAsync(string branch, CancellationToken cancellationToken)
    {
        if (published is not { } mine)
        {
            return;
        }

        try
        {
            await Board.WriteAsync(branch, string.Empty, new BoardWrite(null, null, [mine]), cancellationToken);
            logger.LogInformation("Withdrew intent {Id}", mine.Id);
        }
        catch (Exception e) when (e is DeployException or OperationCanceledException)
        {
            logger.LogWarning("Could not withdraw intent {Id} ({Reason}); it expires unapplied after {Minutes} minutes if no run carries it first", mine.Id, e.Message, (int)DeployIntent.Lifetime.TotalMinutes);
        }

        published = null;
    }

    /// <summary>Whether this job can prove itself; says once why not.</summary>
    private bool CanProve()
    {
        var why = proofs is null ? "the run is not on a GitHub Actions runner" : proofs.Unavailable;
        if (why is null)
        {
            return true;
        }

        if (!explained)
        {
            explained = true;
            logger.LogInformation("Not taking part in fan-in ({Reason}): under contention this run retries on its own. Give the job 'permissions: id-token: write' so other runs can carry its change", why);
        }

        return false;
    }

    /// <summary>Our intent with a proof that has time left (made once, proven again when the token runs low). Null: it cannot be published.</summary>
    private async Task<DeployIntent?> ProvenIntentAsync(DeployRequest request, string branch, CancellationToken cancellationToken)
    {
        intent ??= IntentCodec.Of(request, context, context.InvocationId, time.GetUtcNow()) with { Branch = branch };
        if (IntentCodec.Canonical(intent).Length > IntentCodec.MaxPayload)
        {
            Declined = true;
            logger.LogInformation("The change is too large to publish as an intent: retrying on our own if the branch is contended");
            return null;
        }

        if (intent.Proof is null || proofExpires - time.GetUtcNow() < RefreshBefore)
        {
            try
            {
                var proof = await proofs!.ProveAsync(IntentCodec.Audience(intent), cancellationToken);
                (intent, proofExpires) = (intent with { Proof = proof.Token }, proof.ExpiresAt);
            }
            catch (DeployException e)
            {
                Declined = true;
                logger.LogWarning("Could not get this job's ID token ({Reason}): retrying on our own if the branch is contended", e.Message);
                return null;
            }
        }

        return intent;
    }

    private async Task<Attempt<DeployResult>> DeclineAsync(string reason, string branch, CancellationToken cancellationToken)
    {
        // A run that goes on alone takes its intent back first, so no batch applies it behind its back.
        await WithdrawAsync(branch, cancellationToken);
        Declined = true;
        return Attempt<DeployResult>.Again(reason);
    }

    /// <summary>Waits for our published intent to be carried, leading the batch when it is our turn.</summary>
    private async Task<Attempt<DeployResult>> CooperateAsync(DeployRequest request, string branch, PlanOutcome.Write plan, int attempt, CancellationToken cancellationToken)
    {
        try
        {
            return await WaitAsync(request, branch, plan, attempt, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && published is not null)
        {
            // A cancelled run takes its change back, so no later batch deploys it.
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            await WithdrawAsync(branch, grace.Token);
            throw;
        }
    }

    private async Task<Attempt<DeployResult>> WaitAsync(DeployRequest request, string branch, PlanOutcome.Write plan, int attempt, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + WaitBudget;
        string? leader = null;
        var leaderSince = time.GetUtcNow();
        DateTimeOffset? leading = null;
        var (seen, lastJoined) = (0, time.GetUtcNow());
        while (true)
        {
            var mine = published!;
            var state = await Board.ReadAsync(branch, mine.Created - TimeSpan.FromMinutes(2), cancellationToken);
            var now = time.GetUtcNow();
            if (IntentBatch.Carrying(state.Recent, mine) is { } carried)
            {
                return await CarriedAsync(request, branch, plan, carried, attempt, cancellationToken);
            }

            var line = state.Pending.Where(p => !p.ExpiredAt(now) && !p.FromTheFutureAt(now) && IntentBatch.Carrying(state.Recent, p) is null).ToList();
            var place = line.FindIndex(p => p.Id == mine.Id);
            if (place < 0)
            {
                published = null;
                Declined = true;
                return Attempt<DeployResult>.Again("our intent was taken off the board without being applied (the applier's log says why); planning again on our own");
            }

            if (line[0].Id != leader)
            {
                leader = line[0].Id;
                leaderSince = now;
            }

            // Judged on this run's own clock (when it saw the line grow), never on other runners' clocks.
            if (line.Count != seen)
            {
                (seen, lastJoined) = (line.Count, now);
            }

            var takeOver = place > 0 && now - leaderSince > TakeoverAfter * Math.Min(place, 3);
            if (place == 0)
            {
                leading ??= now;
                if (now - lastJoined < Quiet && now - leading < MaxLinger)
                {
                    await Task.Delay(Quiet / 2, time, cancellationToken);
                    continue;
                }
            }

            if (now > deadline)
            {
                await WithdrawAsync(branch, cancellationToken);
                throw new DeployException(ErrorKind.Conflict, $"our change to {branch} of {request.GitOps.Display} was not carried within {(int)WaitBudget.TotalMinutes} minutes ({place} intents ahead of it); withdrew it; re-run the job");
            }

            await RefreshProofAsync(request, branch, cancellationToken);
            if (place == 0 || takeOver)
            {
                if (takeOver)
                {
                    logger.LogWarning("The leading intent {Leader} has not been applied for {Seconds} s: applying the batch ourselves", leader, (int)(now - leaderSince).TotalSeconds);
                }

                if (await LeadAsync(request, branch, line, plan, attempt, cancellationToken) is { } done)
                {
                    return done;
                }

                // Someone else moved the branch under the batch: look again after a short jittered pause, so
                // a busy writer outside fan-in does not turn the leader into a loop of content requests.
                await Task.Delay(TimeSpan.FromMilliseconds(100 + (Random.Shared.NextDouble() * 200)), time, cancellationToken);
                continue;
            }

            // Reads are not content-limited, but GitHub allows 2,000 GraphQL points a minute: the longer
            // the line, the slower everyone polls, so the line as a whole reads about 20 times a second.
            var ceiling = Math.Clamp(PollPerWaiter.TotalMilliseconds * line.Count, FirstPoll.TotalMilliseconds, LongestPoll.TotalMilliseconds);
            await Task.Delay(TimeSpan.FromMilliseconds(ceiling * (0.5 + (Random.Shared.NextDouble() / 2))), time, cancellationToken);
        }
    }

    /// <summary>Our proof runs low while we wait: publish the same intent again with a fresh token (the ref moves to the new payload).</summary>
    private async Task RefreshProofAsync(DeployRequest request, string branch, CancellationToken cancellationToken)
    {
        if (published is null || proofExpires - time.GetUtcNow() >= RefreshBefore)
        {
            return;
        }

        if (await ProvenIntentAsync(request, branch, cancellationToken) is { } fresh)
        {
            var outcome = await Board.WriteAsync(branch, string.Empty, new BoardWrite(null, fresh with { Key = published.Key, Object = published.Object }, []), cancellationToken);
            published = outcome.Published ?? published;
            logger.LogInformation("Renewed the proof of intent {Id}", fresh.Id);
        }
    }

    /// <summary>
    /// A commit names our intent. A trailer is text anyone with write access could have written: the run ends
    /// as carried only when that commit really has our change; otherwise it goes on alone.
    /// </summary>
    private async Task<Attempt<DeployResult>> CarriedAsync(DeployRequest request, string branch, PlanOutcome.Write plan, BoardCommit carried, int attempt, CancellationToken cancellationToken)
    {
        using var head = await run.Repository.ReadAsync(branch, new SnapshotHint(Promotion.HistoryDepth, request.Targets.Select(t => t.OverlayPath).ToList()), cancellationToken);
        var at = new SnapshotAt(head, carried.Sha);
        if (head.TreeAt(carried.Sha) is not null && await head.ReadingAsync(() => planner.Plan(at, request).OrMiss(), cancellationToken) is PlanOutcome.NothingToDo)
        {
            // Our intent stays on the board until the next write clears it: carried, nobody applies it again.
            published = null;
            logger.LogInformation("Another run carried our change in {Sha}", carried.Sha);
            return Attempt<DeployResult>.Done(new DeployResult(new DeployOutcome.CarriedBy(carried.Sha, carried.Verified), plan.Edits, branch, plan.BaseSha) { Attempts = attempt });
        }

        logger.LogWarning("{Sha} names our intent but does not have our change: going on alone", carried.Sha);
        return await DeclineAsync($"{carried.Sha[..7]} names our intent without our change", branch, cancellationToken);
    }

    /// <summary>
    /// Applies every admitted waiting intent in one commit, in one request that also clears the intents
    /// that will never be applied (already carried, satisfied, unproven, dropped, expired). The applied
    /// ones stay on the board, carried, until the next write clears them. Null when the branch moved first: look again.
    /// </summary>
    private async Task<Attempt<DeployResult>?> LeadAsync(DeployRequest request, string branch, IReadOnlyList<DeployIntent> line, PlanOutcome.Write plan, int attempt, CancellationToken cancellationToken)
    {
        var mine = published!;
        // The overlays the line names, read in the same request (an intent's path is only a hint here: admission checks it).
        var overlays = line.SelectMany(i => i.Targets).Select(t => t.OverlayPath).Concat(request.Targets.Select(t => t.OverlayPath)).Distinct(StringComparer.Ordinal).Take(50).ToList();
        using var snapshot = await run.Repository.ReadAsync(branch, new SnapshotHint(Promotion.HistoryDepth, overlays) { Pending = true }, cancellationToken);
        var pending = snapshot.Pending;
        if (pending.All(p => p.Id != mine.Id))
        {
            return null;
        }

        var now = time.GetUtcNow();
        var admissions = new Dictionary<string, Admission>(StringComparer.Ordinal);
        foreach (var intent in pending)
        {
            admissions[intent.Id] = IntentAdmission.Admit(intent, await CheckProofAsync(intent, cancellationToken), request, branch, now);
        }

        var (dropped, supersessions) = await OrderAsync(request, snapshot, pending, admissions, cancellationToken);
        BatchPlan batch;
        CommitDraft? draft;
        while (true)
        {
            batch = await snapshot.ReadingAsync(() => IntentBatch.Plan(snapshot, pending, admissions, planner, now, dropped, supersessions), cancellationToken);
            if (Unwritable(snapshot, batch) is not { } poison)
            {
                draft = batch.Message is { } message
                    ? await run.Repository.DraftAsync(snapshot, new NewCommit(batch.Files, request.Landing.Author, message, time.GetUtcNow()), cancellationToken)
                    : null;
                break;
            }

            // An intent the transport cannot write never blocks the batch nor changes how the leader commits.
            dropped[poison.Intent.Id] = poison.Reason;
        }

        foreach (var outcome in batch.Outcomes.Where(o => o.Fate != IntentFate.Applied))
        {
            logger.LogInformation("Intent {Id} of {Run}: {Fate} ({Reason})", outcome.Intent.Id, outcome.Intent.Run, outcome.Fate, outcome.Reason);
        }

        string? sha = null;
        var verified = false;
        if (draft is not null || batch.ToClear.Count > 0)
        {
            var written = await Board.WriteAsync(branch, snapshot.HeadSha, new BoardWrite(draft, null, batch.ToClear), cancellationToken);
            switch (written.Commit)
            {
                case PublishOutcome.Published done:
                    (sha, verified) = (done.Sha, done.Verified);
                                        logger.LogInformation("Committed {Sha} carrying {Count} intents: {Runs}", sha, batch.Applied.Count, string.Join(", ", batch.Applied.Select(a => a.Intent.Run)));
                    break;
                case PublishOutcome.LostRace lost:
                    logger.LogInformation("The branch moved while we applied the batch ({Reason}): looking again", lost.Reason);
                    return null;
                case PublishOutcome.Rejected rejected:
                    await WithdrawAsync(branch, cancellationToken);
                    throw DirectPush.Rejected(request, branch, rejected.Reason);
            }
        }

        var own = batch.Of(mine)!;
        var carriedRuns = batch.Applied.Where(a => a.Intent.Id != mine.Id).Select(a => a.Intent.Run).ToList();
        switch (own.Fate)
        {
            case IntentFate.Applied:
                published = null;
                return Attempt<DeployResult>.Done(new DeployResult(new DeployOutcome.Pushed(sha!, verified) { CarriedRuns = carriedRuns }, own.Edits, branch, batch.BaseSha) { Attempts = attempt });
            case IntentFate.Satisfied:
                published = null;
                return Attempt<DeployResult>.Done(new DeployResult(new DeployOutcome.AlreadyThere(), own.Edits, branch, batch.BaseSha) { Attempts = attempt });
            case IntentFate.Landed:
                var carrier = new BoardCommit(own.CommitSha!, string.Empty, false);
                return await CarriedAsync(request, branch, plan, carrier, attempt, cancellationToken);
            default:
                // The batch cleared it: we go on alone.
                published = null;
                Declined = true;
                return Attempt<DeployResult>.Again($"our own intent was not applied ({own.Reason}); planning again on our own");
        }
    }

    /// <summary>Checks an intent's proof once per payload (a renewed proof is a new payload).</summary>
    private async Task<ProofCheck?> CheckProofAsync(DeployIntent intent, CancellationToken cancellationToken)
    {
        if (intent.Proof is null || proofs is null)
        {
            return null;
        }

        var key = intent.Id + "@" + intent.Object;
        if (!checkedProofs.TryGetValue(key, out var check))
        {
            check = await proofs.CheckAsync(intent.Proof, IntentCodec.Audience(intent), cancellationToken);
            checkedProofs[key] = check;
        }

        return check;
    }

    /// <summary>The first applied intent whose files this transport cannot write (an executable file through the API), with why.</summary>
    private (DeployIntent Intent, string Reason)? Unwritable(IGitOpsSnapshot snapshot, BatchPlan batch) =>
        batch.Applied.Select(a => (a.Intent, Reason: run.Repository.Unwritable(snapshot, a.Files))).FirstOrDefault(a => a.Reason is not null) is { Reason: { } reason } found
            ? (found.Intent, reason)
            : null;

    /// <summary>
    /// The out-of-order rule inside a batch: two admitted intents for the same image in the same target
    /// keep the newer source commit, compared in the applier's source repository (its token). Two that
    /// cannot be ordered (other repositories, diverged, unknown) are both left out: each run then goes on
    /// alone, never ordered by a time an intent chose. Against the branch, each intent's images are
    /// checked like a run's own.
    /// </summary>
    private async Task<(Dictionary<string, string> Dropped, Dictionary<string, IReadOnlyList<Supersession>> Supersessions)> OrderAsync(
        DeployRequest request, IGitOpsSnapshot snapshot, IReadOnlyList<DeployIntent> pending, IReadOnlyDictionary<string, Admission> admissions, CancellationToken cancellationToken)
    {
        var dropped = new Dictionary<string, string>(StringComparer.Ordinal);
        var supersessions = new Dictionary<string, IReadOnlyList<Supersession>>(StringComparer.Ordinal);
        var admitted = pending.Where(p => admissions.GetValueOrDefault(p.Id)?.Request is not null).Select(p => (Intent: p, Request: admissions[p.Id].Request!)).ToList();
        foreach (var (intent, intentRequest) in admitted.Where(a => Comparable(request, a.Intent)))
        {
            supersessions[intent.Id] = await order.CheckAsync(snapshot, intentRequest, cancellationToken);
        }

        for (var later = 0; later < admitted.Count; later++)
        {
            for (var earlier = 0; earlier < later; earlier++)
            {
                var (a, b) = (admitted[earlier].Intent, admitted[later].Intent);
                var shared = a.Targets.Select(t => t.Environment).Intersect(b.Targets.Select(t => t.Environment), StringComparer.OrdinalIgnoreCase).Any()
                    && Names(admitted[earlier].Request).Intersect(Names(admitted[later].Request), StringComparer.Ordinal).Any();
                if (!shared || a.SourceSha.Equals(b.SourceSha, StringComparison.OrdinalIgnoreCase) && a.SourceRepository.Equals(b.SourceRepository, StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                var relation = Comparable(request, a) && Comparable(request, b) ? await order.OrderAsync(b.SourceSha, a.SourceSha, cancellationToken) : SourceOrder.Unknown;
                switch (relation)
                {
                    case SourceOrder.Older:
                        dropped.TryAdd(b.Id, $"{a.Run} deploys the same image from {a.SourceSha[..7]}, a newer commit than {b.SourceSha[..7]}");
                        break;
                    case SourceOrder.Newer:
                        dropped.TryAdd(a.Id, $"{b.Run} deploys the same image from {b.SourceSha[..7]}, a newer commit than {a.SourceSha[..7]}");
                        break;
                    case SourceOrder.Same:
                        break;
                    default:
                        dropped.TryAdd(a.Id, $"{b.Run} deploys the same image to the same environment and the two source commits cannot be ordered");
                        dropped.TryAdd(b.Id, $"{a.Run} deploys the same image to the same environment and the two source commits cannot be ordered");
                        break;
                }
            }
        }

        return (dropped, supersessions);
    }

    /// <summary>Only the applier's own source repository can be compared (its token).</summary>
    private static bool Comparable(DeployRequest request, DeployIntent intent) =>
        string.Equals(intent.SourceRepository, request.Source.Repository, StringComparison.OrdinalIgnoreCase);

    private static IEnumerable<string> Names(DeployRequest request) => request.Change.Images.Select(i => i.Name);
}
