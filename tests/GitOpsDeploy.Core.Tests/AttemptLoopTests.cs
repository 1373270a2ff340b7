using GitOpsDeploy.Core.Landing;
using GitOpsDeploy.Core.Pipeline;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Planning;
using GitOpsDeploy.Core.Results;
using GitOpsDeploy.Core.Runs;
using GitOpsDeploy.Core.Tests.Doubles;
using GitOpsDeploy.Editing;
using NSubstitute;

namespace GitOpsDeploy.Core.Tests;

/// <summary>
/// The one attempt and the loop around it: what each read asks the transport for, what a refused plan becomes, what
/// is said, and how far apart lost races are retried (with the jitter at its edges, on a clock where waiting takes no time).
/// </summary>
[Trait("Tier", "Unit")]
public sealed class AttemptLoopTests
{
    private const string Staging = "environments/staging/kustomization.yaml";
    private const string Production = "environments/production/kustomization.yaml";

    private readonly IActionRuntime runtime = Substitute.For<IActionRuntime>();
    private readonly RecordingLogger logger = new();
    private readonly VirtualTime time = new(new DateTimeOffset(2026, 12, 8, 12, 0, 0, TimeSpan.Zero));

    private static string Overlay(string tag) => $"images:\n- name: web\n  newName: ghcr.io/acme/web\n  newTag: \"{tag}\"\n";

    private readonly MemoryGitOps git = new(new Dictionary<string, string> { [Staging] = Overlay("1"), [Production] = Overlay("0") });

    private Task<DeployResult> Run(params (string, string)[] inputs) =>
        new AttemptLoop(TestRequests.Run(new DeployPorts(git), time, logger, runtime), []).RunAsync(TestRequests.Parse(inputs), new DirectPush(), default);

    [Theory]
    [InlineData(50, "images", "web:2")]
    [InlineData(1, "force", "true")]
    public async Task A_deploy_reads_the_history_only_when_out_of_order_protection_needs_it(int depth, string input, string value)
    {
        await Run((input, value));

        var (branch, hint) = Assert.Single(git.Reads);
        Assert.Null(branch);
        Assert.Equal(depth, hint.History);
        Assert.Equal(["environments/staging"], hint.Directories);
        Assert.False(hint.Pending);
    }

    [Fact]
    public async Task A_promotion_reads_the_history_and_both_overlays_even_when_forced()
    {
        await Run(("environment", "production"), ("promote-from", "staging"), ("images", "web"), ("force", "true"), ("base-branch", "release"));

        var (branch, hint) = Assert.Single(git.Reads);
        Assert.Equal("release", branch);
        Assert.Equal(Promotion.HistoryDepth, hint.History);
        Assert.Equal(["environments/production", "environments/staging"], hint.Directories);
    }

    [Fact]
    public async Task Each_read_is_grouped_and_said_and_a_retry_says_which_attempt_it_is()
    {
        git.Answer(MemoryGitOps.LostRace);

        var result = await Run();

        Assert.Equal(2, result.Attempts);
        runtime.Received(1).Group("Read acme/gitops");
        runtime.Received(1).Group("Read acme/gitops again (attempt 2)");
        Assert.Equal(["Read main at base0", "Read main at base1"], logger.Lines.Where(l => l.StartsWith("Read ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_refused_plan_is_a_result_that_says_why_on_the_branch_it_read()
    {
        var result = await Run(("overlay-path", "environments/qa"));

        var refused = Assert.IsType<DeployOutcome.Refused>(result.Outcome);
        Assert.StartsWith("input 'overlay-path': 'environments/qa' is not a folder", refused.Reason.Message, StringComparison.Ordinal);
        Assert.Equal(("main", "base0", 1), (result.BaseBranch, result.BaseSha, result.Attempts));
        Assert.Empty(result.Targets);
        Assert.Empty(git.Drafts);
    }

    [Fact]
    public async Task A_run_asked_to_stop_reads_nothing()
    {
        using var stop = new CancellationTokenSource();
        await stop.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            new AttemptLoop(TestRequests.Run(new DeployPorts(git), time, logger, runtime), []).RunAsync(TestRequests.Parse(), new DirectPush(), stop.Token));

        Assert.Empty(git.Reads);
    }

    [Fact]
    public async Task A_promotion_says_where_it_promotes_from_before_anything_is_written()
    {
        git.Answer(_ => new PublishOutcome.Rejected("hook declined"));

        await Assert.ThrowsAsync<DeployException>(() => Run(("environment", "production"), ("promote-from", "staging"), ("images", "web"), ("force", "true")));

        Assert.Contains("Promoting from staging at base0 to production: web=ghcr.io/acme/web:1", logger.Lines);
    }

    /// <summary>A source of jitter that always answers the same fraction of the window.</summary>
    private sealed class Fixed(double value) : Random
    {
        public override double NextDouble() => value;
    }

    [Fact]
    public async Task Lost_races_are_retried_within_a_doubling_window_up_to_its_ceiling()
    {
        var loop = new LostRaceLoop(new RetryPolicy(4, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(300)), time, logger, new Fixed(0.999));

        var done = await loop.RunAsync(n => Task.FromResult(n < 4 ? Attempt<string>.Again($"lost {n}") : Attempt<string>.Done("landed")), () => "never", default);

        Assert.Equal("landed", done);
        Assert.Equal(["Retrying on the new tip in 99 ms: lost 1", "Retrying on the new tip in 199 ms: lost 2", "Retrying on the new tip in 299 ms: lost 3"], logger.Lines);
        Assert.Equal(TimeSpan.FromMilliseconds(99 + 199 + 299), time.Elapsed);
    }

    [Fact]
    public async Task The_last_lost_race_gives_up_naming_what_kept_moving_and_the_attempts()
    {
        var loop = new LostRaceLoop(new RetryPolicy(3, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(300)), time, logger, new Fixed(0));
        var attempts = 0;

        var error = await Assert.ThrowsAsync<DeployException>(() => loop.RunAsync(_ => Task.FromResult(Attempt<string>.Again($"lost {++attempts}")), () => "main of acme/gitops kept moving", default));

        Assert.Equal((ErrorKind.Conflict, "main of acme/gitops kept moving: gave up after 3 attempts; re-run the job"), (error.Kind, error.Message));
        Assert.Equal(3, attempts);
        Assert.Equal(TimeSpan.Zero, time.Elapsed);
    }

    [Fact]
    public async Task A_plan_refused_on_a_later_attempt_says_which_attempt_it_was()
    {
        // The overlay is removed between the lost race and the next read.
        var moving = new MemoryGitOps(n => n == 0 ? new Dictionary<string, string> { [Staging] = Overlay("1") } : new Dictionary<string, string> { ["README.md"] = "moved" });
        moving.Answer(MemoryGitOps.LostRace);

        var result = await new AttemptLoop(TestRequests.Run(new DeployPorts(moving), time, logger, runtime), []).RunAsync(TestRequests.Parse(), new DirectPush(), default);

        Assert.IsType<DeployOutcome.Refused>(result.Outcome);
        Assert.Equal((2, "base1"), (result.Attempts, result.BaseSha));
    }

    [Fact]
    public async Task A_rollback_says_which_release_it_restores_before_anything_is_written()
    {
        string Released(string tag) => $"deploy\n\nSource-Repository: acme/app\nSource-Commit: {new string(tag[0], 40)}\nEnvironment: staging\nImage: web=ghcr.io/acme/web:{tag}\n";
        var history = new MemoryGitOps(new Dictionary<string, string> { [Staging] = Overlay("2") })
        {
            MessageOf = _ => Released("2"),
            Older = [new MemoryCommit("c1", Released("1"), new Dictionary<string, string> { [Staging] = Overlay("1") })],
        };

        await new AttemptLoop(TestRequests.Run(new DeployPorts(history), time, logger, runtime), []).RunAsync(TestRequests.Parse(("rollback", "true"), ("images", "web")), new DirectPush(), default);

        Assert.Contains("Rolling back staging to the release of c1: web=ghcr.io/acme/web:1", logger.Lines);
    }
}
