using GitOpsDeploy.Core.Inputs;
using GitOpsDeploy.Core.Ports;
using Microsoft.Extensions.Logging;

namespace GitOpsDeploy.Core.Deploy;

/// <summary>
/// Fan-in (<c>coalesce: auto</c>): every commit attempt also publishes the run's planned change as an
/// intent, in the same request, so a run that loses the compare-and-swap (or finds intents already
/// waiting) stops competing and waits. The run whose intent is the oldest waiting one leads: it reads
/// the branch once and commits every waiting intent in one commit. A run whose intent another run
/// carried ends with that commit (<c>coalesced</c>). Carried intents are deleted by the next write.
/// If the leader dies, the next in line takes over after <see cref="TakeoverAfter"/> per place; an
/// intent nobody applies expires (<see cref="DeployIntent.Lifetime"/>).
/// </summary>
public sealed class FanInFlow(DeployPorts ports, IIntentBoard board, DeployPlanner planner, OutOfOrder order, ActionContext context, TimeProvider time, ILogger logger)
{
    /// <summary>A new leader waits until no intent has joined for this long, so the rest of the burst joins its batch...</summary>
    public static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(300);

    /// <summary>...but no longer than this after it became the leader.</summary>
    public static readonly TimeSpan MaxLinger = TimeSpan.FromMilliseconds(1500);

    /// <summary>How long a waiting run lets the leader be silent, per place in line, before it applies the batch itself.</summary>
    public static readonly TimeSpan TakeoverAfter = TimeSpan.FromSeconds(6);

    /// <summary>How long a run waits for its intent to be carried before it withdraws it and fails.</summary>
    public static readonly TimeSpan WaitBudget = TimeSpan.FromMinutes(5);

    private static readonly TimeSpan FirstPoll = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan PollPerWaiter = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan LongestPoll = TimeSpan.FromSeconds(3);

    private DeployIntent? mine;
    private bool published;

    /// <summary>True once fan-in cannot carry this run (its intent was taken off unapplied, or does not fit): from then on it retries on its own.</summary>
    public bool Declined { get; private set; }

    /// <summary>Whether fan-in can carry this request: a plain push-mode deploy (and a transport with a board: today the API).</summary>
    public static bool Applies(DeployRequest request) =>
        request.Landing.Coalesce && request.Landing.Mode == DeployMode.Push && !request.Landing.DryRun
        && request.Change.Kind == ChangeKind.Deploy && !request.Change.ReleaseHold;

    /// <summary>This run's intent (made once).</summary>
    private DeployIntent Intent(DeployRequest request) => mine ??= DeployIntent.Of(request, context, time.GetUtcNow());

    /// <summary>The commit message naming this run's intent, so an intent left on the board is known to be carried (unchanged when the board cannot hold it).</summary>
    public string Sign(DeployRequest request, string message) =>
        board.CanHold(Intent(request)) ? CommitMessage.WithRun(message, Intent(request).Trailer) : message;

    /// <summary>
    /// A push attempt with fan-in, one request whatever happens: clear intents already carried,
    /// publish ours, and commit. Landed: done (our intent stays, carried; the next write clears it).
    /// Lost: our intent is already on the board, so we wait for it to be carried (or carry the batch).
    /// With intents already waiting, we only publish and join them. Null: fan-in cannot take this run.
    /// </summary>
    public async Task<Attempt<DeployResult>?> PushAsync(DeployRequest request, IGitOpsSnapshot snapshot, PlanOutcome.Write plan, CommitDraft draft, int attempt, CancellationToken cancellationToken)
    {
        var intent = Intent(request);
        if (!board.CanHold(intent))
        {
            Declined = true;
            logger.LogInformation("The change is too large to publish as an intent: retrying on our own if the branch is contended");
            return null;
        }

        var now = time.GetUtcNow();
        var pending = snapshot.Pending.Where(p => p.Id != intent.Id).ToList();
        var carried = IntentBatch.LandedIn(snapshot, pending);
        var stale = pending.Where(p => carried.ContainsKey(p.Id) || p.ExpiredAt(now)).ToList();
        var waiting = pending.Count - stale.Count;
        var branch = snapshot.Branch;
        if (waiting > 0)
        {
            // Others are already waiting: join them rather than race them.
            var joined = await board.WriteAsync(branch, snapshot.HeadSha, new BoardWrite(null, intent, stale), cancellationToken);
            if (!joined.Published)
            {
                return Decline("our intent could not be published; retrying on our own");
            }

            published = true;
            logger.LogInformation("{Waiting} changes are waiting for {Branch}: published intent {Id} to be carried with them", waiting, branch, intent.Id);
            return await CooperateAsync(request, branch, plan, attempt, cancellationToken);
        }

        var outcome = await board.WriteAsync(branch, snapshot.HeadSha, new BoardWrite(draft, published ? null : intent, stale), cancellationToken);
        published |= outcome.Published;
        switch (outcome.Commit)
        {
            case PublishOutcome.Published done:
                logger.LogInformation("Pushed {Sha} to {Branch}", done.Sha, branch);
                DeployRunner.WarnUnsigned(request, done, logger);
                mine = null;
                return Attempt<DeployResult>.Done(new DeployResult(DeployOperation.Pushed, plan.Edits, branch, snapshot.HeadSha) { CommitSha = done.Sha, Verified = done.Verified, Attempts = attempt });
            case PublishOutcome.LostRace lost when published:
                logger.LogInformation("Another pipeline wrote {Branch} first ({Reason}): our intent {Id} waits to be carried (coalesce: auto)", branch, lost.Reason, intent.Id);
                return await CooperateAsync(request, branch, plan, attempt, cancellationToken);
            case PublishOutcome.LostRace lost:
                return Decline($"another pipeline wrote {branch} first ({lost.Reason}) and our intent could not be published");
            case PublishOutcome.Rejected rejected:
                await WithdrawAsync(branch, cancellationToken);
                throw DeployRunner.Rejected(request, branch, rejected.Reason);
            default:
                throw new InvalidOperationException("a board write without a commit outcome");
        }
    }

    private Attempt<DeployResult> Decline(string reason)
    {
        Declined = true;
        mine = null;
        published = false;
        return Attempt<DeployResult>.Again(reason);
    }

    /// <summary>Waits for our published intent to be carried, leading the batch when it is our turn.</summary>
    private async Task<Attempt<DeployResult>> CooperateAsync(DeployRequest request, string branch, PlanOutcome.Write plan, int attempt, CancellationToken cancellationToken)
    {
        try
        {
            return await WaitAsync(request, branch, plan, attempt, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && mine is not null)
        {
            // A cancelled run takes its change back, so no later batch deploys it.
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            await WithdrawAsync(branch, grace.Token);
            throw;
        }
    }

    /// <summary>Takes our intent off the board (cancelled, refused, given up): housekeeping that never fails the run.</summary>
    private async Task WithdrawAsync(string branch, CancellationToken cancellationToken)
    {
        if (mine is not { } intent || !published)
        {
            return;
        }

        try
        {
            await board.WriteAsync(branch, string.Empty, new BoardWrite(null, null, [intent]), cancellationToken);
        }
        catch (Exception e) when (e is DeployException or OperationCanceledException)
        {
            logger.LogWarning("Could not withdraw intent {Id} ({Reason}); it expires unapplied after {Minutes} minutes if no run carries it first", intent.Id, e.Message, (int)DeployIntent.Lifetime.TotalMinutes);
        }

        mine = null;
        published = false;
    }

    private async Task<Attempt<DeployResult>> WaitAsync(DeployRequest request, string branch, PlanOutcome.Write plan, int attempt, CancellationToken cancellationToken)
    {
        var intent = mine!;
        var deadline = time.GetUtcNow() + WaitBudget;
        string? leader = null;
        var leaderSince = time.GetUtcNow();
        DateTimeOffset? leading = null;
        var (seen, lastJoined) = (0, time.GetUtcNow());
        for (var poll = 0; ; poll++)
        {
            var state = await board.ReadAsync(branch, intent.Created - TimeSpan.FromMinutes(2), cancellationToken);
            var now = time.GetUtcNow();
            if (IntentBatch.Carrying(state.Recent, intent) is { } carried)
            {
                // Our intent stays on the board until the next write clears it: carried, nobody applies it again.
                (mine, published) = (null, false);
                logger.LogInformation("Another run carried our change in {Sha}", carried.Sha);
                return Attempt<DeployResult>.Done(new DeployResult(DeployOperation.Pushed, plan.Edits, branch, plan.BaseSha)
                {
                    CommitSha = carried.Sha, Verified = carried.Verified, Coalesced = true, Attempts = attempt,
                });
            }

            var line = state.Pending.Where(p => !p.ExpiredAt(now) && IntentBatch.Carrying(state.Recent, p) is null).ToList();
            var place = line.FindIndex(p => p.Id == intent.Id);
            if (place < 0)
            {
                return Decline("our intent was taken off the board without being applied (the applier's log says why); planning again on our own");
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

            if (place == 0 || takeOver)
            {
                if (takeOver)
                {
                    logger.LogWarning("The leading intent {Leader} has not been applied for {Seconds} s: applying the batch ourselves", leader, (int)(now - leaderSince).TotalSeconds);
                }

                if (await LeadAsync(request, branch, intent, line, plan, attempt, cancellationToken) is { } done)
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

    /// <summary>
    /// Applies every waiting intent in one commit, in one request that also clears the intents that
    /// will never be applied (already carried, satisfied, dropped, expired). The applied ones stay on
    /// the board, carried, until the next write clears them. Null when the branch moved first: look again.
    /// </summary>
    private async Task<Attempt<DeployResult>?> LeadAsync(DeployRequest request, string branch, DeployIntent intent, IReadOnlyList<DeployIntent> line, PlanOutcome.Write plan, int attempt, CancellationToken cancellationToken)
    {
        var overlays = line.SelectMany(i => i.Targets).Select(t => t.OverlayPath).Distinct(StringComparer.Ordinal).ToList();
        using var snapshot = await ports.Snapshots.ReadAsync(branch, new SnapshotHint(Promotion.HistoryDepth, overlays) { Pending = true }, cancellationToken);
        var pending = snapshot.Pending;
        if (pending.All(p => p.Id != intent.Id))
        {
            return null;
        }

        var (dropped, supersessions) = await OrderAsync(request, snapshot, pending, cancellationToken);
        var batch = IntentBatch.Plan(snapshot, request, pending, planner, time.GetUtcNow(), dropped, supersessions);
        foreach (var outcome in batch.Outcomes.Where(o => o.Fate != IntentFate.Applied))
        {
            logger.LogInformation("Intent {Id} of {Run}: {Fate} ({Reason})", outcome.Intent.Id, outcome.Intent.Run, outcome.Fate, outcome.Reason);
        }

        string? sha = null;
        var verified = false;
        var draft = batch.Message is { } message
            ? await ports.Publisher.DraftAsync(snapshot, new NewCommit(batch.Files, request.Landing.Author, message, time.GetUtcNow()), cancellationToken)
            : null;
        if (draft is not null || batch.ToClear.Count > 0)
        {
            var written = await board.WriteAsync(branch, snapshot.HeadSha, new BoardWrite(draft, null, batch.ToClear), cancellationToken);
            switch (written.Commit)
            {
                case PublishOutcome.Published published:
                    (sha, verified) = (published.Sha, published.Verified);
                    DeployRunner.WarnUnsigned(request, published, logger);
                    logger.LogInformation("Committed {Sha} carrying {Count} intents: {Runs}", sha, batch.Applied.Count, string.Join(", ", batch.Applied.Select(a => a.Intent.Run)));
                    break;
                case PublishOutcome.LostRace lost:
                    logger.LogInformation("The branch moved while we applied the batch ({Reason}): looking again", lost.Reason);
                    return null;
                case PublishOutcome.Rejected rejected:
                    await WithdrawAsync(branch, cancellationToken);
                    throw DeployRunner.Rejected(request, branch, rejected.Reason);
            }
        }

        var own = batch.Of(intent)!;
        var carriedRuns = batch.Applied.Where(a => a.Intent.Id != intent.Id).Select(a => a.Intent.Run).ToList();
        (mine, published) = own.Fate is IntentFate.Applied or IntentFate.Landed or IntentFate.Satisfied ? (null, false) : (mine, published);
        return own.Fate switch
        {
            IntentFate.Applied => Attempt<DeployResult>.Done(new DeployResult(DeployOperation.Pushed, own.Edits, branch, batch.BaseSha)
            {
                CommitSha = sha, Verified = verified, Attempts = attempt, CarriedRuns = carriedRuns,
            }),
            IntentFate.Satisfied => Attempt<DeployResult>.Done(new DeployResult(DeployOperation.None, own.Edits, branch, batch.BaseSha) { Attempts = attempt, CarriedRuns = carriedRuns }),
            IntentFate.Landed => Attempt<DeployResult>.Done(new DeployResult(DeployOperation.Pushed, plan.Edits, branch, batch.BaseSha) { CommitSha = own.CommitSha, Coalesced = true, Attempts = attempt }),
            _ => DeclineOwn(own),
        };
    }

    private Attempt<DeployResult> DeclineOwn(IntentOutcome own) => Decline($"our own intent was not applied ({own.Reason}); planning again on our own");

    /// <summary>
    /// The out-of-order rule inside a batch: two intents for the same image in the same target from
    /// the same source repository keep the newer source commit; against the branch, each intent's
    /// images are checked like a run's own. Only the applier's source repository can be compared
    /// (its token); other intents go by arrival.
    /// </summary>
    private async Task<(Dictionary<string, string> Dropped, Dictionary<string, IReadOnlyList<Supersession>> Supersessions)> OrderAsync(
        DeployRequest request, IGitOpsSnapshot snapshot, IReadOnlyList<DeployIntent> pending, CancellationToken cancellationToken)
    {
        var dropped = new Dictionary<string, string>(StringComparer.Ordinal);
        var supersessions = new Dictionary<string, IReadOnlyList<Supersession>>(StringComparer.Ordinal);
        var comparable = pending.Where(p => p.SourceRepository == request.Source.Repository && p.SourceSha is { Length: 40 } && !p.Force && !p.ExpiredAt(time.GetUtcNow()))
            .Select(p => (Intent: p, Request: p.AsRequestOf(request))).Where(p => p.Request is not null && OutOfOrder.Applies(p.Request)).ToList();
        foreach (var (intent, intentRequest) in comparable)
        {
            supersessions[intent.Id] = await order.CheckAsync(snapshot, intentRequest!, cancellationToken);
        }

        for (var later = 0; later < comparable.Count; later++)
        {
            for (var earlier = 0; earlier < later; earlier++)
            {
                var (a, b) = (comparable[earlier].Intent, comparable[later].Intent);
                var shared = a.Targets.Select(t => t.Environment).Intersect(b.Targets.Select(t => t.Environment)).Any()
                    && Names(a).Intersect(Names(b), StringComparer.Ordinal).Any();
                if (shared && !dropped.ContainsKey(a.Id) && await order.OrderAsync(b.SourceSha!, a.SourceSha!, cancellationToken) == SourceOrder.Older)
                {
                    dropped[b.Id] = $"{a.Run} deploys the same image from {a.SourceSha![..7]}, a newer commit than {b.SourceSha![..7]}";
                }
            }
        }

        return (dropped, supersessions);
    }

    private static IEnumerable<string> Names(DeployIntent intent) => intent.Images.Select(i => Images.ImageSpec.Parse(i).Name);
}
