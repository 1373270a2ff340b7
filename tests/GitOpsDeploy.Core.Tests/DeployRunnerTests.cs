using GitOpsDeploy.Core.Pipeline;
using GitOpsDeploy.Core.Planning;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Reporting;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Core.Results;
using GitOpsDeploy.Core.Runs;
using GitOpsDeploy.Core.Tests.Doubles;
using GitOpsDeploy.Editing;
using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;

namespace GitOpsDeploy.Core.Tests;

/// <summary>Push mode's orchestration against in-memory snapshot and publisher ports.</summary>
[Trait("Tier", "Unit")]
public sealed class DeployRunnerTests
{
    private const string One = "images:\n- name: web\n  newTag: \"1\"\n";
    private readonly IActionRuntime runtime = Substitute.For<IActionRuntime>();

    private static MemoryGitOps Remote(string kustomization) =>
        new(new Dictionary<string, string> { ["environments/staging/kustomization.yaml"] = kustomization });

    private DeployRunner Runner(MemoryGitOps git) => new(new DeployPorts(git), runtime, TestRequests.Context, TimeProvider.System, NullLogger<DeployRunner>.Instance);

    [Fact]
    public async Task Commits_and_pushes_a_change_once()
    {
        var git = Remote(One);
        var result = await Runner(git).RunAsync(TestRequests.Parse(), default);

        Assert.Equal(DeployOperation.Pushed, result.Operation);
        Assert.Equal("new0", result.CommitSha);
        Assert.Equal("images:\n- name: web\n  newTag: \"2\"\n", git.DraftedFile(0, "environments/staging/kustomization.yaml"));
        Assert.Equal(("new0", "main", PublishKind.Advance), Assert.Single(git.Published));
        Assert.True(git.Snapshots[0].Disposed);
    }

    [Fact]
    public async Task Does_not_commit_when_nothing_changes()
    {
        var git = Remote("images:\n- name: web\n  newTag: \"2\"\n");
        var result = await Runner(git).RunAsync(TestRequests.Parse(), default);

        Assert.Equal(DeployOperation.None, result.Operation);
        Assert.False(result.Changed);
        Assert.Empty(git.Drafts);
    }

    [Fact]
    public async Task A_dry_run_never_pushes()
    {
        var git = Remote(One);
        var result = await Runner(git).RunAsync(TestRequests.Parse(("dry-run", "true")), default);

        Assert.Equal(DeployOperation.DryRun, result.Operation);
        Assert.Equal("diff", result.Diff);
        Assert.Empty(git.Published);
    }

    [Fact]
    public async Task A_lost_race_rereads_and_replans_on_the_new_tip()
    {
        // The second read sees what the winner wrote: the edit is re-applied to it, never a stale copy.
        var git = new MemoryGitOps(read => new Dictionary<string, string>
        {
            ["environments/staging/kustomization.yaml"] = read == 0 ? One : "images:\n- name: web\n  newTag: \"1\"\n- name: worker\n  newTag: \"7\"\n",
        });
        git.Answer(MemoryGitOps.LostRace, MemoryGitOps.Pushed);
        var result = await Runner(git).RunAsync(TestRequests.Parse(), default);

        Assert.Equal(2, git.Snapshots.Count);
        Assert.Equal(2, result.Attempts);
        Assert.Equal("new1", result.CommitSha);
        Assert.Equal("images:\n- name: web\n  newTag: \"2\"\n- name: worker\n  newTag: \"7\"\n", git.DraftedFile(1, "environments/staging/kustomization.yaml"));
        Assert.All(git.Snapshots, s => Assert.True(s.Disposed));
    }

    [Fact]
    public async Task A_warning_of_the_edit_is_a_workflow_warning_at_its_line_once_however_many_attempts()
    {
        var git = new MemoryGitOps(new Dictionary<string, string> { ["environments/staging/values.yaml"] = "placeholder: 1.27.3\n" });
        git.Answer(MemoryGitOps.LostRace, MemoryGitOps.Pushed);

        var result = await Runner(git).RunAsync(TestRequests.Parse(("helm-image-keys", "web=placeholder")), default);

        Assert.Equal(2, result.Attempts);
        runtime.Received(1).Warning(Arg.Is<string>(m => m.StartsWith("helm-image-keys maps image 'web' to 'placeholder'", StringComparison.Ordinal)),
            new SourceLocation("environments/staging/values.yaml", 1, 14));
    }

    [Fact]
    public async Task Gives_up_after_the_bounded_number_of_attempts()
    {
        var git = Remote(One);
        git.Answer(MemoryGitOps.LostRace, MemoryGitOps.LostRace, MemoryGitOps.LostRace);
        var error = await Assert.ThrowsAsync<DeployException>(() => Runner(git).RunAsync(TestRequests.Parse(), default));

        Assert.Equal(ErrorKind.Conflict, error.Kind);
        Assert.Contains("main of acme/gitops kept moving: gave up after 3 attempts", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, git.Snapshots.Count);
    }

    [Fact]
    public async Task A_rejected_publish_fails_at_once_with_the_servers_reason()
    {
        var git = Remote(One);
        git.Answer(_ => new PublishOutcome.Rejected("GH006: Protected branch update failed for refs/heads/main."));
        var error = await Assert.ThrowsAsync<DeployException>(() => Runner(git).RunAsync(TestRequests.Parse(), default));

        Assert.Equal(ErrorKind.PushRejected, error.Kind);
        Assert.Contains("rejected the push to 'main': GH006: Protected branch update failed", error.Message, StringComparison.Ordinal);
        Assert.Single(git.Snapshots);
    }

    [Fact]
    public async Task Several_targets_are_written_in_one_commit()
    {
        var git = new MemoryGitOps(new Dictionary<string, string>
        {
            ["clusters/eu/web/kustomization.yaml"] = One,
            ["clusters/us/web/kustomization.yaml"] = "images:\n- name: web\n  newTag: \"2\"\n",
        });
        var request = TestRequests.Parse(("environment", "eu, us"), ("overlay-path", "clusters/{{ environment }}/web"));

        var result = await Runner(git).RunAsync(request, default);

        var commit = Assert.Single(git.Drafts);
        Assert.Equal("clusters/eu/web/kustomization.yaml", Assert.Single(commit.Files).Path);
        Assert.Equal(["eu", "us"], result.Targets.Select(t => t.Target.Environment));
        Assert.Equal([DeployOperation.Pushed, DeployOperation.None], result.Targets.Select(result.OperationOf));
        Assert.Contains("\nEnvironment: eu\n", commit.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Environment: us", commit.Message, StringComparison.Ordinal);
    }

    /// <summary>A publisher that fails the way no adapter should: with a timeout that is not the run's cancellation.</summary>
    private sealed class TimingOut(MemoryGitOps inner) : IGitOpsRepository
    {
        public IIntentBoard? Board => null;

        public RetryPolicy Retries => inner.Retries;

        public Task<IGitOpsSnapshot> ReadAsync(string? branch, SnapshotHint hint, CancellationToken cancellationToken) => inner.ReadAsync(branch, hint, cancellationToken);

        public Task<CommitDraft> DraftAsync(IGitOpsSnapshot onTopOf, NewCommit commit, CancellationToken cancellationToken) => inner.DraftAsync(onTopOf, commit, cancellationToken);

        public Task<PublishOutcome> PublishAsync(IGitOpsSnapshot onTopOf, CommitDraft draft, string branch, PublishKind kind, CancellationToken cancellationToken) =>
            throw new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout of 100 seconds elapsing.");
    }

    [Fact]
    public async Task Any_failure_after_the_deployment_started_ends_it_with_a_status()
    {
        var git = Remote(One);
        var deployments = Substitute.For<IDeployments>();
        deployments.CreateAsync(default!, default).ReturnsForAnyArgs(new DeploymentInfo(7, "u"));
        var runner = new DeployRunner(new DeployPorts(new TimingOut(git)) { Deployments = deployments }, runtime, TestRequests.Context, TimeProvider.System, NullLogger<DeployRunner>.Instance);

        await Assert.ThrowsAsync<TaskCanceledException>(() => runner.RunAsync(TestRequests.Parse(), default));

        await deployments.Received(1).SetStatusAsync(7, Arg.Is<DeploymentStatus>(s => s.State == DeploymentState.Error && s.Description.Contains("internal error", StringComparison.Ordinal)), Arg.Any<CancellationToken>());
        Assert.Equal(1, runner.DeploymentsCreated);
    }

    [Fact]
    public async Task A_refused_plan_creates_no_deployment()
    {
        var git = Remote(One);
        var deployments = Substitute.For<IDeployments>();
        var runner = new DeployRunner(new DeployPorts(git) { Deployments = deployments }, runtime, TestRequests.Context, TimeProvider.System, NullLogger<DeployRunner>.Instance);

        var result = await runner.RunAsync(TestRequests.Parse(("overlay-path", "environments/missing")), default);

        var refused = Assert.IsType<DeployOutcome.Refused>(result.Outcome);
        Assert.Contains("environments/missing", refused.Reason.Message, StringComparison.Ordinal);
        Assert.Empty(git.Drafts);
        await deployments.DidNotReceiveWithAnyArgs().CreateAsync(default!, default);
        Assert.Equal(0, runner.DeploymentsCreated);
    }

    [Fact]
    public async Task A_change_the_branch_already_has_adds_no_second_deployment_of_the_same_commit()
    {
        var git = Remote("images:\n- name: web\n  newTag: \"2\"\n");
        var deployments = Substitute.For<IDeployments>();
        deployments.FindLatestAsync("staging", TestRequests.Context.Sha!, Arg.Any<CancellationToken>()).Returns(41L);
        var runner = new DeployRunner(new DeployPorts(git) { Deployments = deployments }, runtime, TestRequests.Context, TimeProvider.System, NullLogger<DeployRunner>.Instance);

        var result = await runner.RunAsync(TestRequests.Parse(), default);

        Assert.Equal(DeployOperation.None, result.Operation);
        await deployments.DidNotReceiveWithAnyArgs().CreateAsync(default!, default);
    }

    /// <summary>Records when it is called, in one list shared by every step and observer of a run.</summary>
    private sealed class Recording(List<string> calls, string name) : IPreparationStep, IPlanStep, IVerificationStep, IReportingStep, IRunObserver
    {
        public Task<DeployRequest> PrepareAsync(RunContext run, DeployRequest request, CancellationToken cancellationToken) => Say(request);

        public Task<PlanOutcome> ApplyAsync(RunContext run, IGitOpsSnapshot snapshot, DeployRequest request, PlanOutcome plan, CancellationToken cancellationToken) => Say(plan, $"on {snapshot.HeadSha}");

        public Task<TargetResult> VerifyAsync(RunContext run, DeployRequest request, DeployResult result, TargetResult target, CancellationToken cancellationToken) => Say(target, result.CommitSha);

        public Task<TargetResult> ReportAsync(RunContext run, DeployRequest request, DeployResult result, TargetResult target, CancellationToken cancellationToken) => Say(target, result.CommitSha);

        public Task StartedAsync(CancellationToken cancellationToken) => Say(0);

        public Task PlannedAsync(PlanOutcome plan, CancellationToken cancellationToken) => Say(0);

        public Task ProgressAsync(DeployTarget target, string description, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task FinishedAsync(DeployResult result, IReadOnlyList<TargetResult> healthy, CancellationToken cancellationToken) => Say(0, result.CommitSha);

        public Task FailedAsync(DeployException error, IReadOnlyList<DeployTarget> targets, CancellationToken cancellationToken) => Say(0);

        public Task CancelledAsync(string? landedSha) => Say(0);

        private Task<T> Say<T>(T value, string? detail = null, [System.Runtime.CompilerServices.CallerMemberName] string method = "")
        {
            lock (calls)
            {
                calls.Add($"{name}.{method.Replace("Async", string.Empty, StringComparison.Ordinal)}{(detail is null ? string.Empty : " " + detail)}");
            }

            return Task.FromResult(value);
        }
    }

    [Fact]
    public async Task Each_kind_of_step_runs_in_its_order_around_the_attempts_and_observers_hear_each_phase()
    {
        var calls = new List<string>();
        var git = Remote(One);
        git.Answer(MemoryGitOps.LostRace, MemoryGitOps.Pushed);
        Recording Step(string name) => new(calls, name);
        var steps = new RunSteps([Step("prepare1"), Step("prepare2")], [Step("plan1"), Step("plan2")], [Step("verify1"), Step("verify2")], [Step("report1")]);
        var runner = new DeployRunner(new DeployPorts(git), runtime, TestRequests.Context, TimeProvider.System, NullLogger<DeployRunner>.Instance, steps, [Step("observer")]);

        var result = await runner.RunAsync(TestRequests.Parse(), default);

        Assert.Equal(DeployOperation.Pushed, result.Operation);
        Assert.Equal(
        [
            "observer.Started",
            "prepare1.Prepare", "prepare2.Prepare",
            "plan1.Apply on base0", "plan2.Apply on base0", "observer.Planned",
            "plan1.Apply on base1", "plan2.Apply on base1", "observer.Planned",
            "verify1.Verify new1", "verify2.Verify new1",
            "observer.Finished new1",
            "report1.Report new1",
        ], calls);
    }

    /// <summary>A verification step that finds every landed target unhealthy.</summary>
    private sealed class Unhealthy : IVerificationStep
    {
        public Task<TargetResult> VerifyAsync(RunContext run, DeployRequest request, DeployResult result, TargetResult target, CancellationToken cancellationToken) =>
            Task.FromException<TargetResult>(new DeployException(ErrorKind.Unhealthy, $"{target.Target.Environment} is Degraded"));
    }

    [Fact]
    public async Task An_unhealthy_deploy_whose_rollback_is_refused_fails_with_both_reasons_and_writes_nothing_more()
    {
        var git = Remote(One);
        var runner = new DeployRunner(new DeployPorts(git), runtime, TestRequests.Context, TimeProvider.System, NullLogger<DeployRunner>.Instance, new RunSteps([], [], [new Unhealthy()], []));

        var error = await Assert.ThrowsAsync<DeployException>(() => runner.RunAsync(TestRequests.Parse(("argocd-server", "https://argo.example.com"), ("rollback-on-failure", "true")), default));

        Assert.Equal(ErrorKind.Unhealthy, error.Kind);
        Assert.Equal("staging is Degraded; the rollback was refused: environments/staging has no earlier release to roll back to in the history of the base branch", error.Message);
        Assert.NotNull(error.InnerException);
        runtime.Received(1).Warning("staging is Degraded; rolling back (rollback-on-failure)");
        Assert.Single(git.Published);
    }

    /// <summary>A verification step that finds one environment unhealthy.</summary>
    private sealed class UnhealthyIn(string environment) : IVerificationStep
    {
        public List<string> Verified { get; } = [];

        public Task<TargetResult> VerifyAsync(RunContext run, DeployRequest request, DeployResult result, TargetResult target, CancellationToken cancellationToken)
        {
            Verified.Add(target.Target.Environment);
            return target.Target.Environment == environment
                ? Task.FromException<TargetResult>(new DeployException(ErrorKind.Unhealthy, $"{environment} is Degraded"))
                : Task.FromResult(target);
        }
    }

    private static MemoryGitOps TwoEnvironments() => new(new Dictionary<string, string>
    {
        ["environments/staging/kustomization.yaml"] = One,
        ["environments/production/kustomization.yaml"] = One,
    });

    [Fact]
    public async Task One_unhealthy_environment_of_two_fails_the_run_naming_it_and_only_its_deployment()
    {
        var deployments = new RecordingDeployments();
        var observer = Substitute.For<IRunObserver>();
        var unhealthy = new UnhealthyIn("production");
        var runner = new DeployRunner(new DeployPorts(TwoEnvironments()) { Deployments = deployments }, runtime, TestRequests.Context, TimeProvider.System, NullLogger<DeployRunner>.Instance,
            new RunSteps([], [], [unhealthy], []), [observer]);

        var error = await Assert.ThrowsAsync<DeployException>(() => runner.RunAsync(TestRequests.Parse(("environment", "staging,production")), default));

        Assert.Equal((ErrorKind.Unhealthy, "production: production is Degraded"), (error.Kind, error.Message));
        Assert.Equal(["staging", "production"], unhealthy.Verified);
        await observer.Received(1).FinishedAsync(Arg.Any<DeployResult>(), Arg.Is<IReadOnlyList<TargetResult>>(healthy => healthy.Single().Target.Environment == "staging"), Arg.Any<CancellationToken>());
        Assert.Equal([(99L, DeploymentState.Success), (100L, DeploymentState.Failure)], deployments.Statuses.Where(s => s.Status.State != DeploymentState.InProgress).Select(s => (s.Id, s.Status.State)));
        Assert.Equal(2, runner.DeploymentsCreated);
    }

    [Fact]
    public async Task A_landed_result_says_when_it_landed_and_a_dry_run_is_neither_landed_nor_verified()
    {
        var time = new VirtualTime(new DateTimeOffset(2026, 12, 8, 12, 0, 0, TimeSpan.Zero));
        var verify = new UnhealthyIn("none");
        DeployRunner Runner() => new(new DeployPorts(Remote(One)), runtime, TestRequests.Context, time, NullLogger<DeployRunner>.Instance, new RunSteps([], [], [verify], []));

        var pushed = await Runner().RunAsync(TestRequests.Parse(), default);
        var dry = await Runner().RunAsync(TestRequests.Parse(("dry-run", "true")), default);

        Assert.Equal(time.Start, pushed.LandedAt);
        Assert.Null(dry.LandedAt);
        Assert.Equal(["staging"], verify.Verified);
    }

    [Fact]
    public async Task A_run_cancelled_after_its_push_finds_its_commit_on_the_branch_and_says_it_deployed()
    {
        var ours = "deploy\n\nDeploy-Run: " + CommitMessage.RunTrailer(TestRequests.Context) + "\n";
        using var stop = new CancellationTokenSource();
        var git = new MemoryGitOps(new Dictionary<string, string> { ["environments/staging/kustomization.yaml"] = One }) { MessageOf = n => n == 0 ? "initial" : ours };
        git.Answer(sha =>
        {
            stop.Cancel();
            return new PublishOutcome.Published(sha);
        });
        var deployments = new RecordingDeployments();
        var runner = new DeployRunner(new DeployPorts(git) { Deployments = deployments }, runtime, TestRequests.Context, TimeProvider.System, NullLogger<DeployRunner>.Instance, WaitingForArgo);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => runner.RunAsync(TestRequests.Parse(), stop.Token));

        Assert.Equal("base1", runner.LandedBeforeCancel);
        Assert.Equal(20, git.Reads[^1].Hint.History);
        Assert.Equal((DeploymentState.Success, "deployed in base1; the run was cancelled before it finished"), (deployments.Statuses[^1].Status.State, deployments.Statuses[^1].Status.Description));
    }

    [Fact]
    public async Task A_run_cancelled_before_it_sent_anything_pushes_nothing_and_does_not_look_for_its_commit()
    {
        using var stop = new CancellationTokenSource();
        var git = new MemoryGitOps(_ =>
        {
            stop.Cancel();
            return new Dictionary<string, string> { ["environments/staging/kustomization.yaml"] = One };
        });
        var deployments = new RecordingDeployments();
        var runner = new DeployRunner(new DeployPorts(git) { Deployments = deployments }, runtime, TestRequests.Context, TimeProvider.System, NullLogger<DeployRunner>.Instance);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => runner.RunAsync(TestRequests.Parse(), stop.Token));

        Assert.Null(runner.LandedBeforeCancel);
        Assert.Single(git.Reads);
        Assert.Empty(git.Published);
    }

    [Fact]
    public async Task A_cancelled_run_that_cannot_read_the_branch_says_so_and_ends_its_deployment_cancelled()
    {
        using var stop = new CancellationTokenSource();
        var git = new MemoryGitOps(new Dictionary<string, string> { ["environments/staging/kustomization.yaml"] = One })
        {
            ReadFails = n => n == 0 ? null : new DeployException(ErrorKind.Transient, "503"),
        };
        git.Answer(sha =>
        {
            stop.Cancel();
            return new PublishOutcome.Published(sha);
        });
        var logger = new RecordingLogger();
        var deployments = new RecordingDeployments();
        var runner = new DeployRunner(new DeployPorts(git) { Deployments = deployments }, runtime, TestRequests.Context, TimeProvider.System, new TypedLogger(logger), WaitingForArgo);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => runner.RunAsync(TestRequests.Parse(), stop.Token));

        Assert.Null(runner.LandedBeforeCancel);
        Assert.Contains("Could not tell whether the change reached the branch before the cancellation (503)", logger.Lines);
        Assert.Equal((DeploymentState.Inactive, "cancelled"), (deployments.Statuses[^1].Status.State, deployments.Statuses[^1].Status.Description));
    }

    /// <summary>A verification step that, like the Argo CD wait, stops when the runner asks it to.</summary>
    private sealed class Stoppable : IVerificationStep
    {
        public Task<TargetResult> VerifyAsync(RunContext run, DeployRequest request, DeployResult result, TargetResult target, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return Task.FromResult(target);
        }
    }

    private static RunSteps WaitingForArgo => new([], [], [new Stoppable()], []);

    /// <summary>The recording logger as the runner's typed logger.</summary>
    private sealed class TypedLogger(RecordingLogger inner) : Microsoft.Extensions.Logging.ILogger<DeployRunner>
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            inner.Log(logLevel, eventId, state, exception, formatter);
    }

    private static string Released(string source, string tag) =>
        $"deploy\n\nSource-Repository: acme/app\nSource-Commit: {source}\nEnvironment: staging\nImage: web=ghcr.io/acme/web:{tag}\n";

    private static string Named(string tag) => $"images:\n- name: web\n  newName: ghcr.io/acme/web\n  newTag: \"{tag}\"\n";

    [Fact]
    public async Task An_unhealthy_deploy_is_rolled_back_by_a_run_of_its_own_that_says_what_it_restored()
    {
        // The first read is before our push (web 1); every later read sees our release (web 2) on top of the one before.
        var ours = TestRequests.Context.Sha!;
        var git = new MemoryGitOps(n => new Dictionary<string, string> { ["environments/staging/kustomization.yaml"] = Named(n == 0 ? "1" : "2") })
        {
            MessageOf = n => n == 0 ? Released(new string('1', 40), "1") : Released(ours, "2"),
            Older = [new MemoryCommit("c1", Released(new string('1', 40), "1"), new Dictionary<string, string> { ["environments/staging/kustomization.yaml"] = Named("1") })],
        };
        var deployments = new RecordingDeployments();
        var verify = new UnhealthyOnce("staging");
        var runner = new DeployRunner(new DeployPorts(git) { Deployments = deployments }, runtime, TestRequests.Context, TimeProvider.System, NullLogger<DeployRunner>.Instance, new RunSteps([], [], [verify], []));

        var error = await Assert.ThrowsAsync<DeployException>(() => runner.RunAsync(TestRequests.Parse(("images", "web=ghcr.io/acme/web:2"), ("rollback-on-failure", "true")), default));

        Assert.Equal("staging is Degraded; rolled back to web=ghcr.io/acme/web:1 (pushed)", error.Message);
        Assert.Equal(2, git.Published.Count);
        Assert.Equal(2, runner.DeploymentsCreated);
        Assert.Equal(2, verify.Calls);
    }

    [Fact]
    public async Task Two_unhealthy_targets_fail_the_run_naming_each()
    {
        var runner = new DeployRunner(new DeployPorts(TwoEnvironments()), runtime, TestRequests.Context, TimeProvider.System, NullLogger<DeployRunner>.Instance, new RunSteps([], [], [new Unhealthy()], []));

        var error = await Assert.ThrowsAsync<DeployException>(() => runner.RunAsync(TestRequests.Parse(("environment", "staging,production")), default));

        Assert.Equal("staging: staging is Degraded; production: production is Degraded", error.Message);
    }

    [Theory]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public async Task A_push_goes_over_the_fan_in_board_unless_the_run_is_forced(bool force, bool overTheBoard)
    {
        var time = new VirtualTime(new DateTimeOffset(2026, 12, 8, 12, 0, 0, TimeSpan.Zero));
        var board = new MemoryBoard(time);
        var git = new MemoryGitOps(new Dictionary<string, string> { ["environments/staging/kustomization.yaml"] = One }) { Board = board };
        var runner = new DeployRunner(new DeployPorts(git) { Proofs = new MemoryProofs(board, time) }, runtime, TestRequests.Context, time, NullLogger<DeployRunner>.Instance);

        await runner.RunAsync(TestRequests.Parse(("force", force ? "true" : "false")), default);

        Assert.Equal(overTheBoard ? 1 : 0, board.Writes.Count);
        Assert.Equal(overTheBoard ? 0 : 1, git.Published.Count);
    }

    [Fact]
    public async Task A_run_cancelled_after_its_push_that_cannot_find_its_commit_says_cancelled()
    {
        using var stop = new CancellationTokenSource();
        var git = new MemoryGitOps(new Dictionary<string, string> { ["environments/staging/kustomization.yaml"] = One });
        git.Answer(sha =>
        {
            stop.Cancel();
            return new PublishOutcome.Published(sha);
        });
        var deployments = new RecordingDeployments();
        var runner = new DeployRunner(new DeployPorts(git) { Deployments = deployments }, runtime, TestRequests.Context, TimeProvider.System, NullLogger<DeployRunner>.Instance, WaitingForArgo);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => runner.RunAsync(TestRequests.Parse(), stop.Token));

        Assert.Null(runner.LandedBeforeCancel);
        Assert.Equal(2, git.Reads.Count);
        Assert.Equal("cancelled", deployments.Statuses[^1].Status.Description);
    }

    /// <summary>Unhealthy the first time it verifies an environment, healthy after (the rollback restored it).</summary>
    private sealed class UnhealthyOnce(string environment) : IVerificationStep
    {
        public int Calls { get; private set; }

        public Task<TargetResult> VerifyAsync(RunContext run, DeployRequest request, DeployResult result, TargetResult target, CancellationToken cancellationToken) =>
            ++Calls == 1 && target.Target.Environment == environment
                ? Task.FromException<TargetResult>(new DeployException(ErrorKind.Unhealthy, $"{environment} is Degraded"))
                : Task.FromResult(target);
    }
}
