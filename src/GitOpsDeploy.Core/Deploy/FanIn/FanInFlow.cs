using GitOpsDeploy.Core.Inputs;
using GitOpsDeploy.Core.Ports;
using Microsoft.Extensions.Logging;

namespace GitOpsDeploy.Core.Deploy;

/// <summary>
/// Fan-in (<c>coalesce: auto</c>): once a run sees contention (it lost a compare-and-swap, or other
/// intents are already pending) it stops competing. It publishes its planned change as an intent and
/// waits; the run whose intent is the oldest pending one leads: it reads the branch once, applies
/// every pending intent in one commit and clears them. A run whose intent another run carried ends
/// with that commit (<c>coalesced</c>). If the leader dies, the next in line takes over after
/// <see cref="TakeoverAfter"/> per place; an intent nobody applies expires (<see cref="DeployIntent.Lifetime"/>).
/// </summary>
public sealed class FanInFlow(DeployPorts ports, IIntentBoard board, DeployPlanner planner, OutOfOrder order, ActionContext context, TimeProvider time, ILogger logger)
{
    /// <summary>A new leader waits this long after publishing, so intents of the same burst join its batch.</summary>
    public static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(400);

    /// <summary>How long a waiting run lets the leader be silent, per place in line, before it applies the batch itself.</summary>
    public static readonly TimeSpan TakeoverAfter = TimeSpan.FromSeconds(6);

    /// <summary>How long a run waits for its intent to be carried before it withdraws it and fails.</summary>
    public static readonly TimeSpan WaitBudget = TimeSpan.FromMinutes(5);

    private static readonly TimeSpan FirstPoll = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan LongestPoll = TimeSpan.FromSeconds(2);

    private DeployIntent? mine;

    /// <summary>True once this run's intent was taken off the board unapplied: from then on it only retries on its own.</summary>
    public bool Declined { get; private set; }

    /// <summary>Whether fan-in can carry this request: an API-committed, plain push-mode deploy.</summary>
    public static bool Applies(DeployRequest request) =>
        request.Landing.Coalesce && request.Landing.CommitMethod == CommitMethod.Api && request.Landing.Mode == DeployMode.Push && !request.Landing.DryRun
        && request.Change.Kind == ChangeKind.Deploy && !request.Change.ReleaseHold;

    /// <summary>
    /// Cooperates until this run's change is on the branch: published as an intent, carried by a
    /// leader (or by this run as the leader). Again when the intent was taken off unapplied: the caller re-plans on its own.
    /// </summary>
    public async Task<Attempt<DeployResult>> CooperateAsync(DeployRequest request, IGitOpsSnapshot snapshot, PlanOutcome.Write plan, int attempt, CancellationToken cancellationToken)
    {
        var branch = snapshot.Branch;
        if (mine is null)
        {
            var intent = DeployIntent.Of(request, context, time.GetUtcNow());
            if (!await board.PublishAsync(branch, intent, snapshot.HeadSha, cancellationToken))
            {
                Declined = true;
                return Attempt<DeployResult>.Again("the change is too large to publish as an intent; retrying on our own");
            }

            mine = intent;
            logger.LogInformation("{Branch} is contended: published intent {Id} for other runs to carry ({Pending} pending before it)", branch, intent.Id, snapshot.Pending.Count);
        }

        try
        {
            return await WaitAsync(request, branch, plan, attempt, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && mine is { } withdrawn)
        {
            // A cancelled run takes its change back, so no later batch deploys it.
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            await ClearQuietlyAsync(branch, [withdrawn], grace.Token);
            throw;
        }
    }

    private async Task<Attempt<DeployResult>> WaitAsync(DeployRequest request, string branch, PlanOutcome.Write plan, int attempt, CancellationToken cancellationToken)
    {
        var intent = mine!;
        var deadline = time.GetUtcNow() + WaitBudget;
        string? leader = null;
        var leaderSince = time.GetUtcNow();
        var lingered = false;
        for (var poll = 0; ; poll++)
        {
            var state = await board.ReadAsync(branch, intent.Created - TimeSpan.FromMinutes(2), cancellationToken);
            var now = time.GetUtcNow();
            if (IntentBatch.Carrying(state.Recent, intent) is { } carried)
            {
                if (state.Pending.Any(p => p.Id == intent.Id))
                {
                    // Its applier died before clearing: tidy our own.
                    await ClearQuietlyAsync(branch, [intent], cancellationToken);
                }

                mine = null;
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
                mine = null;
                Declined = true;
                return Attempt<DeployResult>.Again("our intent was taken off the board without being applied (the applier's log says why); planning again on our own");
            }

            if (line[0].Id != leader)
            {
                leader = line[0].Id;
                leaderSince = now;
            }

            var takeOver = place > 0 && now - leaderSince > TakeoverAfter * Math.Min(place, 3);
            if (place == 0 && !lingered && now - intent.Created < Linger)
            {
                lingered = true;
                await Task.Delay(Linger - (now - intent.Created), time, cancellationToken);
                continue;
            }

            if (place == 0 || takeOver)
            {
                if (takeOver)
                {
                    logger.LogWarning("The leading intent {Leader} has not been applied for {Seconds} s: applying the batch ourselves", leader, (int)(now - leaderSince).TotalSeconds);
                }

                if (await LeadAsync(request, branch, intent, plan, attempt, cancellationToken) is { } done)
                {
                    mine = null;
                    return done;
                }

                continue;
            }

            if (now > deadline)
            {
                await ClearQuietlyAsync(branch, [intent], cancellationToken);
                mine = null;
                throw new DeployException(ErrorKind.Conflict, $"our change to {branch} of {request.GitOps.Display} was not carried within {(int)WaitBudget.TotalMinutes} minutes ({place} intents ahead of it); withdrew it; re-run the job");
            }

            // Reads are not content-limited, but they are rate-limited: the further back in line, the slower the poll.
            var ceiling = Math.Min(FirstPoll.TotalMilliseconds * (1 + place), LongestPoll.TotalMilliseconds);
            await Task.Delay(TimeSpan.FromMilliseconds(ceiling * (0.5 + (Random.Shared.NextDouble() / 2))), time, cancellationToken);
        }
    }

    /// <summary>Applies every pending intent in one commit, then clears them. Null when the branch moved first: look again.</summary>
    private async Task<Attempt<DeployResult>?> LeadAsync(DeployRequest request, string branch, DeployIntent intent, PlanOutcome.Write plan, int attempt, CancellationToken cancellationToken)
    {
        var overlays = request.Targets.Select(t => t.OverlayPath).ToList();
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
        if (batch.Message is { } message)
        {
            var draft = await ports.Publisher.DraftAsync(snapshot, new NewCommit(batch.Files, request.Landing.Author, message, time.GetUtcNow()), cancellationToken);
            switch (await ports.Publisher.PublishAsync(snapshot, draft, branch, PublishKind.Advance, cancellationToken))
            {
                case PublishOutcome.Published published:
                    (sha, verified) = (published.Sha, published.Verified);
                    logger.LogInformation("Committed {Sha} carrying {Count} intents: {Runs}", sha, batch.Applied.Count, string.Join(", ", batch.Applied.Select(a => a.Intent.Run)));
                    break;
                case PublishOutcome.LostRace lost:
                    logger.LogInformation("The branch moved while we applied the batch ({Reason}): looking again", lost.Reason);
                    return null;
                case PublishOutcome.Rejected rejected:
                    throw DeployRunner.Rejected(request, branch, rejected.Reason);
            }
        }

        await ClearQuietlyAsync(branch, batch.ToClear, cancellationToken);
        var own = batch.Of(intent)!;
        var carriedRuns = batch.Applied.Where(a => a.Intent.Id != intent.Id).Select(a => a.Intent.Run).ToList();
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

    private Attempt<DeployResult> DeclineOwn(IntentOutcome own)
    {
        Declined = true;
        return Attempt<DeployResult>.Again($"our own intent was not applied ({own.Reason}); planning again on our own");
    }

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

    /// <summary>Clearing is housekeeping: a failure leaves the intents to the next applier (or their expiry), it never fails the run.</summary>
    private async Task ClearQuietlyAsync(string branch, IReadOnlyList<DeployIntent> intents, CancellationToken cancellationToken)
    {
        if (intents.Count == 0)
        {
            return;
        }

        try
        {
            await board.ClearAsync(branch, intents, cancellationToken);
        }
        catch (DeployException e)
        {
            logger.LogWarning("Could not clear {Count} intents ({Reason}); the next applier will", intents.Count, e.Message);
        }
    }
}
