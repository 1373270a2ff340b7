using GitOpsDeploy.Core.Landing.FanIn;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Editing;
using Microsoft.Extensions.Logging;

namespace GitOpsDeploy.Core.Tests.Doubles;

/// <summary>
/// A clock on which waiting takes no time: a timer that is started moves the clock to when it is due and fires.
/// A flow that waits 6 s in a loop runs through those 6 s at once, and the test reads how long it "waited".
/// </summary>
public sealed class VirtualTime(DateTimeOffset start) : TimeProvider
{
    private readonly Lock gate = new();
    private DateTimeOffset now = start;

    public DateTimeOffset Start { get; } = start;

    public TimeSpan Elapsed => GetUtcNow() - Start;

    public override DateTimeOffset GetUtcNow()
    {
        lock (gate)
        {
            return now;
        }
    }

    public void Advance(TimeSpan by)
    {
        lock (gate)
        {
            now += by;
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        if (dueTime != Timeout.InfiniteTimeSpan)
        {
            Advance(dueTime);
            ThreadPool.QueueUserWorkItem(_ => callback(state));
        }

        return new Idle();
    }

    private sealed class Idle : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => true;

        public void Dispose()
        {
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

/// <summary>
/// The intent board in memory: what is pending, the recent commits, every write (with the clock's time), and
/// the answers a commit gets (published as drafted when none is queued). <see cref="OnRead"/> lets a test move
/// the world between two reads (another run carries us, a leader changes).
/// </summary>
public sealed class MemoryBoard(TimeProvider time) : IIntentBoard
{
    private readonly Queue<PublishOutcome> answers = new();

    public List<DeployIntent> Pending { get; } = [];

    public List<BoardCommit> Recent { get; } = [];

    public List<(BoardWrite Write, DateTimeOffset At)> Writes { get; } = [];

    public int Reads { get; private set; }

    public Action<int>? OnRead { get; set; }

    /// <summary>An error a write throws instead of being made (null: the write is made).</summary>
    public Func<BoardWrite, Exception?>? FailWrite { get; set; }

    public void Answer(params PublishOutcome[] outcomes)
    {
        foreach (var outcome in outcomes)
        {
            answers.Enqueue(outcome);
        }
    }

    public Task<BoardState> ReadAsync(string branch, DateTimeOffset since, CancellationToken cancellationToken)
    {
        OnRead?.Invoke(++Reads);
        return Task.FromResult(new BoardState("head", [.. Pending], [.. Recent]));
    }

    public Task<BoardWriteOutcome> WriteAsync(string branch, string atSha, BoardWrite write, CancellationToken cancellationToken)
    {
        if (FailWrite?.Invoke(write) is { } error)
        {
            return Task.FromException<BoardWriteOutcome>(error);
        }

        Writes.Add((write, time.GetUtcNow()));
        Pending.RemoveAll(p => write.Clear.Any(c => c.Id == p.Id));
        PublishOutcome? commit = write.Commit is null ? null : answers.Count > 0 ? answers.Dequeue() : new PublishOutcome.Published(write.Commit.Sha);
        DeployIntent? published = null;
        if (write.Publish is { } intent && commit is not PublishOutcome.Rejected)
        {
            published = intent with { Key = IntentCodec.Name(intent), Object = $"payload{Writes.Count}" };
            Pending.RemoveAll(p => p.Id == intent.Id);
            Pending.Add(published);
        }

        return Task.FromResult(new BoardWriteOutcome(commit, published));
    }
}

/// <summary>This job's proofs, and a check that verifies any proof of an intent on the board for what the intent says.</summary>
public sealed class MemoryProofs(MemoryBoard board, TimeProvider time) : IRunProofs
{
    public string? Unavailable { get; init; }

    /// <summary>Why asking for a token fails (the runner's endpoint refused), or null.</summary>
    public string? ProveFails { get; init; }

    public int Proven { get; private set; }

    public Task<RunProof> ProveAsync(string audience, CancellationToken cancellationToken)
    {
        if (ProveFails is { } why)
        {
            return Task.FromException<RunProof>(new DeployException(ErrorKind.AuthenticationFailed, why));
        }

        Proven++;
        return Task.FromResult(new RunProof($"token{Proven}", time.GetUtcNow().AddMinutes(5)));
    }

    public Task<ProofCheck> CheckAsync(string token, string audience, CancellationToken cancellationToken) =>
        Task.FromResult<ProofCheck>(board.Pending.FirstOrDefault(p => IntentCodec.Audience(p) == audience) is { } intent
            ? new ProofCheck.Verified(new RunClaims(intent.SourceRepository, intent.SourceRepository.Split('/')[0], intent.SourceSha, intent.RunId ?? 0, time.GetUtcNow(), time.GetUtcNow().AddMinutes(5)))
            : new ProofCheck.Refused("unknown token"));
}

/// <summary>A logger that keeps every line it is given, formatted, for tests that check what a run said and why.</summary>
public sealed class RecordingLogger : ILogger
{
    private readonly Lock gate = new();
    private readonly List<string> lines = [];

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (gate)
            {
                return [.. lines];
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (gate)
        {
            lines.Add(formatter(state, exception));
        }
    }
}
