using System.Text;
using GitOpsDeploy.Core.Pipeline;
using GitOpsDeploy.Core.Reporting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Editing;

namespace GitOpsDeploy.Core.Tests.Doubles;

/// <summary>A commit of an in-memory gitops branch: its sha, message and every file.</summary>
public sealed record MemoryCommit(string Sha, string Message, IReadOnlyDictionary<string, string> Files);

/// <summary>A snapshot held in memory: the tip is the first commit; history is first-parent, newest first.</summary>
public sealed class MemorySnapshot(IReadOnlyList<MemoryCommit> commits, string branch = "main") : IGitOpsSnapshot
{
    public MemorySnapshot(string headSha, IReadOnlyDictionary<string, string> files)
        : this([new MemoryCommit(headSha, "initial", files)])
    {
    }

    public string Branch => branch;

    public string HeadSha => commits[0].Sha;

    public IRepositoryTree Tree => new RepoPathTests.InMemoryTree(commits[0].Files);

    /// <summary>The intents on the board when the snapshot was read.</summary>
    public IReadOnlyList<DeployIntent> Pending { get; init; } = [];

    public bool Disposed { get; private set; }

    /// <summary>The most history any step asked for.</summary>
    public int DeepestRead { get; private set; }

    public IReadOnlyList<HistoryEntry> History(int max)
    {
        DeepestRead = Math.Max(DeepestRead, max);
        return commits.Take(max).Select((c, i) => new HistoryEntry(c.Sha, c.Message, DateTimeOffset.UnixEpoch.AddMinutes(-i))).ToList();
    }

    public IRepositoryTree? TreeAt(string sha) =>
        commits.FirstOrDefault(c => c.Sha == sha) is { } commit ? new RepoPathTests.InMemoryTree(commit.Files) : null;

    public void Dispose() => Disposed = true;
}

/// <summary>
/// The snapshot and publisher ports in memory: every read is a fresh snapshot (head base0, base1, ...),
/// every draft is recorded, and publishing answers from a queue of outcomes (Published when empty).
/// </summary>
public sealed class MemoryGitOps : IGitOpsRepository
{
    private readonly Queue<Func<string, PublishOutcome>> outcomes = new();
    private readonly Func<int, IReadOnlyDictionary<string, string>> files;

    public MemoryGitOps(IReadOnlyDictionary<string, string> files)
        : this(_ => files)
    {
    }

    public MemoryGitOps(Func<int, IReadOnlyDictionary<string, string>> filesOfRead) => files = filesOfRead;

    public List<MemorySnapshot> Snapshots { get; } = [];

    /// <summary>The head commit's message of the n-th read ("initial" unless given).</summary>
    public Func<int, string> MessageOf { get; init; } = _ => "initial";

    /// <summary>Why the n-th read fails (null: it does not).</summary>
    public Func<int, Exception?> ReadFails { get; init; } = _ => null;

        /// <summary>The head sha of the n-th read (base0, base1, ...).</summary>
    public Func<int, string> HeadOf { get; init; } = n => $"base{n}";

    /// <summary>Three attempts, a millisecond apart: a lost race is retried without slowing the tests.</summary>
    public RetryPolicy Retries { get; init; } = new(3, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(1));

    public IIntentBoard? Board { get; init; }

    public List<NewCommit> Drafts { get; } = [];

    /// <summary>Drafts are described, not built (as the API transport does): they have no sha until published.</summary>
    public bool DescribesDrafts { get; init; }

    public List<(string Sha, string Branch, PublishKind Kind)> Published { get; } = [];

    public void Answer(params Func<string, PublishOutcome>[] answers)
    {
        foreach (var answer in answers)
        {
            outcomes.Enqueue(answer);
        }
    }

    public static Func<string, PublishOutcome> LostRace => _ => new PublishOutcome.LostRace("fetch first");

    public static Func<string, PublishOutcome> Pushed => sha => new PublishOutcome.Published(sha);

    /// <summary>The first-parent commits below each read's head, newest first (none unless given).</summary>
    public IReadOnlyList<string> Below { get; init; } = [];

    /// <summary>Older commits with their own messages and files, below <see cref="Below"/> on every read.</summary>
    public IReadOnlyList<MemoryCommit> Older { get; init; } = [];

    /// <summary>The branch and hint of every read, in order.</summary>
    public List<(string? Branch, SnapshotHint Hint)> Reads { get; } = [];

    public Task<IGitOpsSnapshot> ReadAsync(string? branch, SnapshotHint hint, CancellationToken cancellationToken)
    {
        Reads.Add((branch, hint));
        if (ReadFails(Reads.Count - 1) is { } error)
        {
            return Task.FromException<IGitOpsSnapshot>(error);
        }

        var files = this.files(Snapshots.Count);
        var snapshot = new MemorySnapshot([new MemoryCommit(HeadOf(Snapshots.Count), MessageOf(Snapshots.Count), files), .. Below.Select(sha => new MemoryCommit(sha, "older", files)), .. Older])
        {
            Pending = Board is MemoryBoard board ? [.. board.Pending] : [],
        };
        Snapshots.Add(snapshot);
        return Task.FromResult<IGitOpsSnapshot>(snapshot);
    }

    public Task<CommitDraft> DraftAsync(IGitOpsSnapshot onTopOf, NewCommit commit, CancellationToken cancellationToken)
    {
        Drafts.Add(commit);
        return Task.FromResult(new CommitDraft(onTopOf.HeadSha, DescribesDrafts ? string.Empty : $"new{Drafts.Count - 1}", "diff"));
    }

    public Task<PublishOutcome> PublishAsync(IGitOpsSnapshot onTopOf, CommitDraft draft, string branch, PublishKind kind, CancellationToken cancellationToken)
    {
        var outcome = outcomes.Count > 0 ? outcomes.Dequeue()(draft.Sha) : new PublishOutcome.Published(draft.Sha);
        if (outcome is PublishOutcome.Published)
        {
            Published.Add((draft.Sha, branch, kind));
        }

        return Task.FromResult(outcome);
    }

    public HashSet<string> Verified { get; } = [];

    public Task<bool> IsVerifiedAsync(string sha, CancellationToken cancellationToken) => Task.FromResult(Verified.Contains(sha));

    public string DraftedFile(int draft, string path) =>
        Encoding.UTF8.GetString(Drafts[draft].Files.Single(f => f.Path == path).Content!);
}

/// <summary>Requests for tests, built through the real parser so they are what a run would get.</summary>
public static class TestRequests
{
    /// <summary>A new context per use (a static field would be built by whichever test ran first).</summary>
    public static ActionContext Context => new("https://git.example.com", "https://git.example.com/api/v3", "acme/app", "0123456789abcdef0123456789abcdef01234567", "7", true);

    /// <summary>A run over <paramref name="ports"/> with the test context; runtime, observer and ledger are substitutes unless given.</summary>
    public static RunContext Run(DeployPorts ports, TimeProvider? time = null, ILogger? logger = null, IActionRuntime? runtime = null) =>
        new(ports, runtime ?? Substitute.For<IActionRuntime>(), Context, time ?? TimeProvider.System, logger ?? NullLogger.Instance,
            Substitute.For<IRunObserver>(), Substitute.For<IDeploymentLedger>());

    public static DeployRequest Parse(params (string Name, string Value)[] inputs)
    {
        var all = new Dictionary<string, string>
        {
            ["gitops-repository"] = "acme/gitops",
            ["environment"] = "staging",
            ["images"] = "web:2",
            ["mode"] = "push",
            ["gitops-token"] = "ghs_test",
            ["token"] = "t",
        };
        foreach (var (name, value) in inputs)
        {
            all[name] = value;
        }

        return RequestParser.Parse(all, Context);
    }
}
