using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Core.Tests.Doubles;
using GitOpsDeploy.Core.Verification;
using GitOpsDeploy.Editing;
using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;

namespace GitOpsDeploy.Core.Tests;

/// <summary>The wait for Argo CD, on answers in memory and a clock where waiting takes no time: what counts as ours, when it ends, what it says.</summary>
[Trait("Tier", "Unit")]
public sealed class ArgoCdWaitTests
{
    private const string Ours = "0123456789abcdef0123456789abcdef01234567";

    private readonly VirtualTime time = new(new DateTimeOffset(2026, 12, 8, 12, 0, 0, TimeSpan.Zero));
    private readonly RecordingLogger logger = new();
    private readonly IArgoCd argo = Substitute.For<IArgoCd>();

    /// <summary>Ten seconds: a poll a second.</summary>
    private static ArgoCdOptions Options => new("http://argo", null, "web-staging", TimeSpan.FromSeconds(10), false);

    private static ArgoAppStatus Status(string sync, string? revision, string health, string? phase = null, string? healthMessage = null, string? operationMessage = null) =>
        new(sync, revision, health, healthMessage, phase, operationMessage);

    /// <summary>Argo CD answers these in turn (an exception is thrown), then the last one for ever.</summary>
    private void Answers(params object[] answers)
    {
        var queue = new Queue<object>(answers);
        argo.GetAsync(default!, default, default).ReturnsForAnyArgs(_ =>
        {
            var next = queue.Count > 1 ? queue.Dequeue() : queue.Peek();
            return next is Exception e ? Task.FromException<ArgoAppStatus>(e) : Task.FromResult((ArgoAppStatus)next);
        });
    }

    private Task<ArgoOutcome> Wait(Func<string, Task<bool>>? descendsFrom = null) =>
        new ArgoCdWait(argo, time, logger).WaitAsync(Options, Ours, descendsFrom ?? (_ => Task.FromResult(false)), default);

    [Fact]
    public async Task Healthy_at_our_revision_ends_the_wait_with_when_it_was_first_synced_and_when_healthy()
    {
        Answers(Status("OutOfSync", "old", "Healthy", "Running"), Status("Synced", Ours, "Progressing"), Status("Synced", Ours, "Progressing"), Status("Synced", Ours, "Healthy"));

        var outcome = await Wait();

        Assert.True(outcome.Healthy);
        Assert.Equal("web-staging is Synced and Healthy at 0123456", outcome.Reason);
        Assert.Equal((time.Start.AddSeconds(1), time.Start.AddSeconds(3)), (outcome.SyncedAt, outcome.HealthyAt));
        Assert.Equal("Argo CD web-staging: sync OutOfSync at old, health Healthy, operation Running", logger.Lines[0]);
        Assert.Equal("Argo CD web-staging: sync Synced at 0123456, health Progressing", logger.Lines[1]);
        await argo.Received(1).GetAsync("web-staging", true, Arg.Any<CancellationToken>());
        await argo.Received(3).GetAsync("web-staging", false, Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task A_revision_that_descends_from_ours_counts_as_ours()
    {
        Answers(Status("Synced", "later", "Healthy"));

        var outcome = await Wait(revision => Task.FromResult(revision == "later"));

        Assert.True(outcome.Healthy);
        Assert.Equal("web-staging is Synced and Healthy at later", outcome.Reason);
    }

    [Fact]
    public async Task Synced_and_degraded_elsewhere_are_not_ours_and_the_wait_ends_at_its_deadline_with_the_last_state()
    {
        Answers(Status("Synced", "elsewhere1", "Degraded"));

        var outcome = await Wait();

        Assert.False(outcome.Healthy);
        Assert.Equal("web-staging did not become Synced and Healthy at 0123456 within 10 s (last: sync Synced at elsewhe, health Degraded)", outcome.Reason);
        Assert.Null(outcome.SyncedAt);
        Assert.Equal(TimeSpan.FromSeconds(10), time.Elapsed);
        // A poll a second, the last one at the deadline itself.
        await argo.ReceivedWithAnyArgs(11).GetAsync(default!, default, default);
    }

    [Fact]
    public async Task Synced_at_ours_but_never_healthy_says_when_it_synced()
    {
        Answers(Status("Synced", Ours, "Progressing"));

        var outcome = await Wait();

        Assert.False(outcome.Healthy);
        Assert.Equal(time.Start, outcome.SyncedAt);
        Assert.EndsWith("(last: sync Synced at 0123456, health Progressing)", outcome.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("CrashLoopBackOff", "web-staging is Degraded at 0123456: CrashLoopBackOff")]
    [InlineData(null, "web-staging is Degraded at 0123456: no message")]
    public async Task Degraded_at_our_revision_fails_at_once(string? message, string reason)
    {
        Answers(Status("Synced", Ours, "Degraded", healthMessage: message));

        var outcome = await Wait();

        Assert.Equal((false, reason), (outcome.Healthy, outcome.Reason));
        Assert.Equal(TimeSpan.Zero, time.Elapsed);
    }

    [Theory]
    [InlineData("Failed", "hook failed", "web-staging sync Failed: hook failed")]
    [InlineData("Error", null, "web-staging sync Error: no message")]
    public async Task A_failed_sync_operation_fails_at_once(string phase, string? message, string reason)
    {
        Answers(Status("OutOfSync", "old", "Healthy", phase, operationMessage: message));

        var outcome = await Wait();

        Assert.Equal((false, reason), (outcome.Healthy, outcome.Reason));
        Assert.Equal("OutOfSync", outcome.Last!.SyncStatus);
    }

    [Fact]
    public async Task Network_errors_are_retried_to_the_deadline_and_the_last_one_is_said()
    {
        Answers(new DeployException(ErrorKind.Transient, "502 Bad Gateway"));

        var outcome = await Wait();

        Assert.Equal("web-staging did not become Synced and Healthy at 0123456 within 10 s (last: 502 Bad Gateway)", outcome.Reason);
        Assert.Equal("Argo CD: 502 Bad Gateway; retrying", logger.Lines[0]);
        // The refresh is asked again until a read succeeds.
        await argo.ReceivedWithAnyArgs(11).GetAsync("web-staging", true, default);
    }

    [Fact]
    public async Task A_network_error_after_an_answer_is_what_the_timeout_says_and_an_answer_after_it_clears_it()
    {
        Answers(Status("OutOfSync", "old", "Healthy"), new DeployException(ErrorKind.Transient, "timeout"), Status("OutOfSync", "old", "Healthy"));

        var outcome = await Wait();

        Assert.EndsWith("(last: sync OutOfSync at old, health Healthy)", outcome.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refused_credentials_are_not_retried()
    {
        Answers(new DeployException(ErrorKind.AuthenticationFailed, "401"));

        await Assert.ThrowsAsync<DeployException>(() => Wait());

        await argo.ReceivedWithAnyArgs(1).GetAsync(default!, default, default);
    }

    [Fact]
    public async Task An_application_with_no_revision_yet_is_said_as_none()
    {
        Answers(Status("Unknown", null, "Missing"));

        var outcome = await Wait();

        Assert.EndsWith("(last: sync Unknown at (none), health Missing)", outcome.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Asks_whether_a_foreign_revision_descends_from_ours_once_per_revision()
    {
        var argo = Substitute.For<IArgoCd>();
        argo.GetAsync(default!, default, default).ReturnsForAnyArgs(
            new ArgoAppStatus("OutOfSync", "old", "Healthy", null, null, null),
            new ArgoAppStatus("OutOfSync", "old", "Healthy", null, null, null),
            new ArgoAppStatus("OutOfSync", "old", "Healthy", null, null, null),
            new ArgoAppStatus("Synced", "ours", "Healthy", null, null, null));
        var asked = new List<string>();
        var options = new ArgoCdOptions("http://argo", null, "web-staging", TimeSpan.FromSeconds(30), false);

        var outcome = await new ArgoCdWait(argo, new ZeroDelayTime(), NullLogger.Instance).WaitAsync(options, "ours", revision =>
        {
            asked.Add(revision);
            return Task.FromResult(false);
        }, default);

        Assert.True(outcome.Healthy);
        Assert.Equal(["old"], asked);
    }

    /// <summary>Real clock for deadlines, but delays that end at once.</summary>
    private sealed class ZeroDelayTime : TimeProvider
    {
        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            System.CreateTimer(callback, state, TimeSpan.Zero, period);
    }
}
