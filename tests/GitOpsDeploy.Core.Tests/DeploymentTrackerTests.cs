using GitOpsDeploy.Core.Planning;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Reporting;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Core.Results;
using GitOpsDeploy.Core.Tests.Doubles;
using GitOpsDeploy.Core.Verification;
using GitOpsDeploy.Editing;
using GitOpsDeploy.Editing.Images;
using GitOpsDeploy.Editing.Overlay;

namespace GitOpsDeploy.Core.Tests;

/// <summary>
/// One deployment kept truthful: what it is created with, every status it gets for each way a run ends, the final
/// status retried within its budget on a clock where waiting takes no time, and the cancelled run that still reports.
/// </summary>
[Trait("Tier", "Unit")]
public sealed class DeploymentTrackerTests
{
    private const string Sha = "0123456789abcdef0123456789abcdef01234567";
    private const string RunUrl = "https://git.example.com/acme/app/actions/runs/7";

    private readonly RecordingDeployments deployments = new();
    private readonly RecordingLogger logger = new();
    private readonly VirtualTime time = new(new DateTimeOffset(2026, 12, 8, 12, 0, 0, TimeSpan.Zero));

    private DeploymentTracker Tracker(DeployRequest? request = null, bool withPort = true)
    {
        request ??= TestRequests.Parse();
        return new DeploymentTracker(withPort ? deployments : null, request, request.Targets[0], TestRequests.Context, time, logger);
    }

    private static OverlayEdit Edit(bool changed = true) =>
        new("environments/staging", "k", changed ? [new FileChange("environments/staging/kustomization.yaml", [1])] : [],
            [new(new ImageEntry("web", null, changed ? "1" : "2", null), new ImageEntry("web", null, "2", null))], []);

    private static DeployResult Result(DeployOutcome outcome, bool changed = true, ArgoOutcome? argo = null) =>
        new(outcome, [new TargetResult(TestRequests.Parse().Targets[0], Edit(changed)) { Argo = argo }], "main", "base0");

    private static TargetResult Mine(DeployResult result) => result.Targets[0];

    private static PullRequestInfo Pr => new(7, "https://git.example.com/acme/gitops/pull/7", "h", "s", "main", true, false, "n", "t", "b", []);

    /// <summary>A tracker whose deployment was started, then finished with <paramref name="outcome"/>.</summary>
    private async Task<DeploymentTracker> Finished(DeployOutcome outcome)
    {
        var tracker = Tracker();
        await tracker.StartAsync("deploying", default);
        var result = Result(outcome);
        await tracker.FinishAsync(result, Mine(result), null, default);
        return tracker;
    }

    private IReadOnlyList<(DeploymentState State, string Description)> States => deployments.Statuses.Select(s => (s.Status.State, s.Status.Description)).ToList();

    [Fact]
    public async Task A_deployment_is_created_once_on_the_source_commit_with_what_it_deploys_and_set_in_progress()
    {
        var tracker = Tracker();

        await tracker.StartAsync("deploying web:2", default, extra: new Dictionary<string, string> { ["environment"] = "forged", ["report"] = "3 workloads" });
        await tracker.StartAsync("again", default);

        var created = Assert.Single(deployments.Created);
        Assert.Equal((Sha, "staging", false, "deploy:app", "deploying web:2"), (created.Sha, created.Environment, created.ProductionEnvironment, created.Task, created.Description));
        Assert.Equal(new Dictionary<string, string>
        {
            ["gitops_repository"] = "acme/gitops",
            ["environment"] = "staging",
            ["overlay_path"] = "environments/staging",
            ["images"] = "web:2",
            ["mode"] = "Push",
            [DeploymentRequest.InvocationKey] = TestRequests.Context.InvocationId,
            ["report"] = "3 workloads",
        }, created.Payload);
        Assert.Equal([(99L, new DeploymentStatus(DeploymentState.InProgress, "deploying web:2", RunUrl, null))], deployments.Statuses);
        Assert.Equal(["Created deployment 99 of " + Sha + " to staging"], logger.Lines);
        Assert.Equal(99, tracker.Id);
    }

    [Fact]
    public async Task A_release_that_names_its_source_commit_is_deployed_on_that_commit()
    {
        var tracker = Tracker();
        var source = new string('b', 40);

        await tracker.StartAsync("promoting", default, sourceSha: source);

        Assert.Equal((source, source), (tracker.Sha, Assert.Single(deployments.Created).Sha));
    }

    [Fact]
    public void The_task_is_named_after_the_source_repository()
    {
        var request = TestRequests.Parse();

        Assert.Equal("deploy:app", Tracker(request).Task);
        Assert.Equal("deploy:web-frontend", Tracker(request with { Source = request.Source with { Repository = "acme/web-frontend" } }).Task);
        Assert.Equal("deploy:app", Tracker(request with { Source = request.Source with { Repository = null } }).Task);
    }

    public static TheoryData<string> Disabled => new() { "dry run", "deployment off", "no source repository", "short sha", "no port" };

    [Theory]
    [MemberData(nameof(Disabled))]
    public async Task Nothing_is_created_or_asked_when_deployments_are_not_reported(string why)
    {
        var request = why switch
        {
            "dry run" => TestRequests.Parse(("dry-run", "true")),
            "deployment off" => TestRequests.Parse(("deployment", "false")),
            _ => TestRequests.Parse(),
        };
        request = why switch
        {
            "no source repository" => request with { Source = request.Source with { Repository = null } },
            "short sha" => request with { Source = request.Source with { Sha = Sha[..39] } },
            _ => request,
        };
        var tracker = Tracker(request, withPort: why != "no port");

        await tracker.StartAsync("deploying", default);
        await tracker.FinishAsync(Result(new DeployOutcome.Pushed("p", true)), Mine(Result(new DeployOutcome.Pushed("p", true))), null, default);

        Assert.False(tracker.Enabled);
        Assert.Null(await tracker.PreviousShaAsync(default));
        Assert.False(await tracker.AlreadyReportedAsync(default));
        Assert.Empty(deployments.Created);
        Assert.Empty(deployments.Statuses);
        Assert.Equal(0, deployments.Lookups);
    }

    [Fact]
    public async Task A_deployment_the_host_did_not_create_gets_no_status()
    {
        deployments.Create = _ => null;
        var tracker = Tracker();

        await tracker.StartAsync("deploying", default);
        await tracker.ProgressAsync("syncing", default);
        await tracker.FinishAsync(Result(new DeployOutcome.Pushed("p", true)), Mine(Result(new DeployOutcome.Pushed("p", true))), null, default);
        await tracker.FailAsync(new DeployException(ErrorKind.Conflict, "x"), default);
        await tracker.CancelAsync();

        Assert.Empty(deployments.Statuses);
        Assert.Null(tracker.Id);
        Assert.Empty(logger.Lines);
    }

    [Fact]
    public async Task Progress_is_said_only_on_a_deployment_that_exists()
    {
        var tracker = Tracker();
        await tracker.ProgressAsync("too early", default);

        await tracker.StartAsync("deploying", default);
        await tracker.ProgressAsync("Argo CD: Progressing", default);

        Assert.Equal([(DeploymentState.InProgress, "deploying"), (DeploymentState.InProgress, "Argo CD: Progressing")], States);
    }

    [Fact]
    public async Task A_landed_change_is_a_success_that_says_what_was_deployed_and_links_the_change()
    {
        var tracker = Tracker();
        await tracker.StartAsync("deploying", default);
        var pushed = Result(new DeployOutcome.Pushed("p", true), argo: new ArgoOutcome(true, "Healthy", null));

        await tracker.FinishAsync(pushed, Mine(pushed), "https://git.example.com/acme/gitops/commit/p", default);

        Assert.Equal(new DeploymentStatus(DeploymentState.Success, "web 1 -> 2 deployed to staging; Argo CD healthy", "https://git.example.com/acme/gitops/commit/p", null), deployments.Statuses[^1].Status);
    }

    [Fact]
    public async Task A_change_already_there_is_a_success_that_says_so_and_links_the_run()
    {
        var tracker = Tracker();
        await tracker.StartAsync("deploying", default);
        var there = Result(new DeployOutcome.AlreadyThere(), changed: false, argo: new ArgoOutcome(false, "Degraded", null));

        await tracker.FinishAsync(there, Mine(there), null, default);

        Assert.Equal(new DeploymentStatus(DeploymentState.Success, "web 2 already deployed to staging", RunUrl, null), deployments.Statuses[^1].Status);
    }

    [Fact]
    public async Task A_superseded_run_ends_its_deployment_inactive_naming_the_newer_build()
    {
        var tracker = Tracker();
        await tracker.StartAsync("deploying", default);
        var superseded = Result(new DeployOutcome.Superseded([new Supersession("production", "web", new string('c', 40)), new Supersession("staging", "web", "abcdef0123456789abcdef0123456789abcdef01")]));

        await tracker.FinishAsync(superseded, Mine(superseded), null, default);

        Assert.Equal((DeploymentState.Inactive, "superseded: staging already runs a build of abcdef0, newer than this commit"), States[^1]);
    }

    [Theory]
    [InlineData(false, "PR #7 waiting for review")]
    [InlineData(true, "PR #7 auto-merge enabled")]
    public async Task A_proposed_change_is_queued_on_its_pull_request(bool autoMerge, string says)
    {
        var tracker = Tracker();
        await tracker.StartAsync("deploying", default);
        var proposed = Result(autoMerge ? new DeployOutcome.AutoMergeEnabled(Pr, ProposalKind.Created, "s", false) : new DeployOutcome.Proposed(Pr, ProposalKind.Created, "s", false));

        await tracker.FinishAsync(proposed, Mine(proposed), null, default);

        Assert.Equal(new DeploymentStatus(DeploymentState.Queued, says, Pr.Url, null), deployments.Statuses[^1].Status);
    }

    [Fact]
    public async Task A_final_status_is_retried_while_the_host_fails_transiently_with_a_doubling_pause()
    {
        var tracker = Tracker();
        await tracker.StartAsync("deploying", default);
        deployments.Failures.Enqueue(new DeployException(ErrorKind.Transient, "502"));
        deployments.Failures.Enqueue(new DeployException(ErrorKind.Transient, "503"));
        var pushed = Result(new DeployOutcome.Pushed("p", true));

        await tracker.FinishAsync(pushed, Mine(pushed), null, default);

        Assert.Equal(DeploymentState.Success, States[^1].State);
        Assert.Equal(TimeSpan.FromSeconds(1 + 2), time.Elapsed);
        Assert.Equal(["Could not set deployment 99 to Success (502); trying again in 1 s", "Could not set deployment 99 to Success (503); trying again in 2 s"], logger.Lines.Skip(1));
    }

    [Fact]
    public async Task A_final_status_is_given_up_after_its_budget_and_the_pause_never_exceeds_twenty_seconds()
    {
        var tracker = Tracker();
        await tracker.StartAsync("deploying", default);
        for (var i = 0; i < 100; i++)
        {
            deployments.Failures.Enqueue(new DeployException(ErrorKind.Transient, "502"));
        }

        var pushed = Result(new DeployOutcome.Pushed("p", true));
        var error = await Assert.ThrowsAsync<DeployException>(() => tracker.FinishAsync(pushed, Mine(pushed), null, default));

        Assert.Equal("502", error.Message);
        // 1, 2, 4, 8, 16, then 20 s at most: the first answer after three minutes is final.
        Assert.Equal(TimeSpan.FromSeconds(31 + (8 * 20)), time.Elapsed);
        Assert.Equal("Could not set deployment 99 to Success (502); trying again in 20 s", logger.Lines[^1]);
    }

    [Fact]
    public async Task A_refusal_by_the_host_is_final_at_once()
    {
        var tracker = Tracker();
        await tracker.StartAsync("deploying", default);
        deployments.Failures.Enqueue(new DeployException(ErrorKind.AuthenticationFailed, "403"));
        var pushed = Result(new DeployOutcome.Pushed("p", true));

        await Assert.ThrowsAsync<DeployException>(() => tracker.FinishAsync(pushed, Mine(pushed), null, default));

        Assert.Equal(TimeSpan.Zero, time.Elapsed);
    }

    [Theory]
    [InlineData(ErrorKind.Transient, DeploymentState.Error)]
    [InlineData(ErrorKind.Conflict, DeploymentState.Failure)]
    [InlineData(ErrorKind.Policy, DeploymentState.Failure)]
    public async Task A_failed_run_ends_its_deployment_as_failure_or_error_with_the_reason(ErrorKind kind, DeploymentState state)
    {
        var tracker = Tracker();
        await tracker.StartAsync("deploying", default);

        await tracker.FailAsync(new DeployException(kind, "line one\nline two"), default);

        Assert.Equal((state, "line one line two"), States[^1]);
    }

    [Fact]
    public async Task A_deployment_that_already_ended_or_waits_for_a_merge_keeps_its_status_when_a_later_step_fails()
    {
        var done = await Finished(new DeployOutcome.Pushed("p", true));
        var queued = await Finished(new DeployOutcome.Proposed(Pr, ProposalKind.Created, "s", false));
        var failed = Tracker();
        await failed.StartAsync("deploying", default);
        await failed.FailAsync(new DeployException(ErrorKind.Transient, "first"), default);
        var before = deployments.Statuses.Count;

        await done.FailAsync(new DeployException(ErrorKind.Conflict, "late"), default);
        await queued.FailAsync(new DeployException(ErrorKind.Conflict, "late"), default);
        await failed.FailAsync(new DeployException(ErrorKind.Conflict, "late"), default);

        Assert.Equal(before, deployments.Statuses.Count);
    }

    [Fact]
    public async Task A_status_that_cannot_be_set_on_a_failed_run_is_a_warning_not_a_second_error()
    {
        var tracker = Tracker();
        await tracker.StartAsync("deploying", default);
        deployments.Failures.Enqueue(new DeployException(ErrorKind.AuthenticationFailed, "403 Resource not accessible"));

        await tracker.FailAsync(new DeployException(ErrorKind.Conflict, "the push was refused"), default);

        Assert.Equal("Could not mark deployment 99 as Failure: 403 Resource not accessible", logger.Lines[^1]);
    }

    [Fact]
    public async Task A_run_cancelled_while_the_host_keeps_failing_reports_once_more_within_the_grace_period()
    {
        var tracker = Tracker();
        await tracker.StartAsync("deploying", default);
        using var stop = new CancellationTokenSource();
        deployments.Failures.Enqueue(new DeployException(ErrorKind.Transient, "502"));
        deployments.OnStatus = () => stop.Cancel();

        await tracker.FailAsync(new DeployException(ErrorKind.Conflict, "refused"), stop.Token);

        Assert.Equal((DeploymentState.Failure, "refused"), States[^1]);
        Assert.False(deployments.LastToken.IsCancellationRequested);
    }

    [Fact]
    public async Task A_rolled_back_release_has_its_newest_deployment_marked_inactive_but_never_our_own()
    {
        var tracker = Tracker();
        await tracker.StartAsync("rolling back", default);
        deployments.Latest = 5;

        await tracker.MarkInactiveAsync("old", "rolled back: Argo CD Degraded", default);
        deployments.Latest = 99;
        await tracker.MarkInactiveAsync("old", "rolled back", default);

        Assert.Equal([(99L, DeploymentState.InProgress), (5L, DeploymentState.Inactive)], deployments.Statuses.Select(s => (s.Id, s.Status.State)));
        Assert.Equal(new DeploymentStatus(DeploymentState.Inactive, "rolled back: Argo CD Degraded", RunUrl, null), deployments.Statuses[1].Status);
        Assert.Equal("Marked deployment 5 of old inactive", logger.Lines[^1]);
    }

    [Fact]
    public async Task Nothing_is_marked_inactive_when_deployments_are_not_reported()
    {
        deployments.Latest = 5;

        await Tracker(TestRequests.Parse(("deployment", "false"))).MarkInactiveAsync("old", "rolled back", default);
        await Tracker(TestRequests.Parse(("deployment", "false"))).EndOtherAsync(5, "superseded", default);
        var request = TestRequests.Parse();
        await Tracker(request with { Source = request.Source with { Repository = null } }).MarkInactiveAsync("old", "rolled back", default);
        await Tracker(request with { Source = request.Source with { Repository = null } }).EndOtherAsync(5, "superseded", default);

        Assert.Empty(deployments.Statuses);
    }

    [Fact]
    public async Task Another_runs_deployment_is_ended_inactive_and_a_failure_to_do_so_is_only_a_warning()
    {
        var tracker = Tracker();
        await tracker.StartAsync("deploying", default);

        await tracker.EndOtherAsync(null, "superseded by PR #7", default);
        await tracker.EndOtherAsync(99, "superseded by PR #7", default);
        await tracker.EndOtherAsync(5, "superseded by PR #7", default);
        deployments.Failures.Enqueue(new DeployException(ErrorKind.Transient, "502"));
        await tracker.EndOtherAsync(6, "superseded by PR #7", default);

        Assert.Equal([(99L, DeploymentState.InProgress), (5L, DeploymentState.Inactive)], deployments.Statuses.Select(s => (s.Id, s.Status.State)));
        Assert.Equal(["Marked deployment 5 inactive: superseded by PR #7", "Could not mark deployment 6 inactive: 502"], logger.Lines.Skip(1));
    }

    [Fact]
    public async Task A_cancelled_run_ends_its_deployment_inactive_or_deployed_when_the_change_landed()
    {
        var cancelled = Tracker();
        await cancelled.StartAsync("deploying", default);
        var landed = Tracker();
        await landed.StartAsync("deploying", default);

        await cancelled.CancelAsync();
        await landed.CancelAsync("fedcba9876543210fedcba9876543210fedcba98");

        Assert.Equal((DeploymentState.Inactive, "cancelled"), States[2]);
        Assert.Equal((DeploymentState.Success, "deployed in fedcba9; the run was cancelled before it finished"), States[3]);
    }

    [Fact]
    public async Task A_late_cancellation_never_undoes_a_status_that_ended_or_parked_the_deployment()
    {
        var done = await Finished(new DeployOutcome.Pushed("p", true));
        var queued = await Finished(new DeployOutcome.Proposed(Pr, ProposalKind.Created, "s", false));
        var before = deployments.Statuses.Count;

        await done.CancelAsync();
        await queued.CancelAsync("fedcba9876543210fedcba9876543210fedcba98");

        Assert.Equal(before, deployments.Statuses.Count);
    }

    [Fact]
    public async Task A_deployment_whose_creation_answer_was_lost_is_found_by_this_invocation_and_ended()
    {
        var tracker = Tracker();
        deployments.Create = _ => throw new OperationCanceledException();
        deployments.Found = new DeploymentInfo(42, "u");
        await Assert.ThrowsAsync<OperationCanceledException>(() => tracker.StartAsync("deploying", default));

        await tracker.CancelAsync();

        Assert.Equal(TestRequests.Context.InvocationId, deployments.FoundFor!.Payload[DeploymentRequest.InvocationKey]);
        Assert.Equal([(42L, new DeploymentStatus(DeploymentState.Inactive, "cancelled", RunUrl, null))], deployments.Statuses);
    }

    [Fact]
    public async Task A_lost_creation_that_cannot_be_found_is_said()
    {
        var tracker = Tracker();
        deployments.Create = _ => throw new OperationCanceledException();
        deployments.FindFails = new DeployException(ErrorKind.Transient, "502");
        await Assert.ThrowsAsync<OperationCanceledException>(() => tracker.StartAsync("deploying", default));

        await tracker.CancelAsync();

        Assert.Empty(deployments.Statuses);
        Assert.Equal(["Could not find the deployment being created when the run was cancelled (502); it may stay without a status"], logger.Lines);
    }

    [Fact]
    public async Task A_cancelled_run_that_cannot_report_says_so()
    {
        var tracker = Tracker();
        await tracker.StartAsync("deploying", default);
        deployments.Failures.Enqueue(new DeployException(ErrorKind.Transient, "502"));

        await tracker.CancelAsync();

        Assert.Equal("Could not mark deployment 99 as Inactive: 502", logger.Lines[^1]);
    }

    [Fact]
    public async Task The_previous_deployment_and_an_earlier_report_are_asked_for_this_environment_task_and_commit()
    {
        var tracker = Tracker();
        deployments.Previous = "prev";
        deployments.Latest = 3;

        Assert.Equal("prev", await tracker.PreviousShaAsync(default));
        Assert.True(await tracker.AlreadyReportedAsync(default));
        Assert.Equal([("staging", "deploy:app", Sha), ("staging", null, Sha)], deployments.Asked);
        deployments.Latest = null;
        Assert.False(await tracker.AlreadyReportedAsync(default));
    }

    [Theory]
    [InlineData(140, 140, false)]
    [InlineData(141, 140, true)]
    public void A_description_is_cut_to_what_the_host_accepts_on_one_line(int length, int expected, bool cut)
    {
        var text = "a\r\nb" + new string('c', length - 3);

        var truncated = DeploymentTracker.Truncate(text);

        Assert.Equal(expected, truncated.Length);
        Assert.StartsWith("a b", truncated, StringComparison.Ordinal);
        Assert.Equal(cut, truncated.EndsWith('…'));
    }
}
