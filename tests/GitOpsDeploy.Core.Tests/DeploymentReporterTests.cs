using GitOpsDeploy.Core.Planning;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Reporting;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Core.Results;
using GitOpsDeploy.Core.Tests.Doubles;
using GitOpsDeploy.Editing;
using NSubstitute;

namespace GitOpsDeploy.Core.Tests;

/// <summary>
/// The deployments of a whole run: which are created for each plan (and on which commit), the ledger a pull
/// request keeps, and how a run ends each one. Planned with the real planner on snapshots in memory.
/// </summary>
[Trait("Tier", "Unit")]
public sealed class DeploymentReporterTests
{
    private const string Sha = "0123456789abcdef0123456789abcdef01234567";
    private const string Older = "1111111111111111111111111111111111111111";

    private readonly RecordingDeployments deployments = new();
    private readonly RecordingLogger logger = new();
    private readonly DeployPlanner planner = new(TimeProvider.System, null);

    private static string Overlay(string tag) => $"images:\n- name: web\n  newName: ghcr.io/acme/web\n  newTag: \"{tag}\"\n";

    private static string Trailers(string environment, string source, string image) =>
        $"deploy\n\nSource-Repository: acme/app\nSource-Commit: {source}\nEnvironment: {environment}\nImage: {image}\n";

    private static MemorySnapshot Branch(string staging = "1", string production = "1", string message = "initial") =>
        new([new MemoryCommit("tip", message, new Dictionary<string, string>
        {
            ["environments/staging/kustomization.yaml"] = Overlay(staging),
            ["environments/production/kustomization.yaml"] = Overlay(production),
        })]);

    private DeploymentReporter Reporter(DeployRequest request) => new(deployments, request, TestRequests.Context, TimeProvider.System, logger);

    private async Task<DeploymentReporter> Planned(DeployRequest request, MemorySnapshot snapshot)
    {
        var reporter = Reporter(request);
        await reporter.PlannedAsync(planner.Plan(snapshot, request), default);
        return reporter;
    }

    [Fact]
    public async Task A_write_creates_one_deployment_per_environment_on_the_source_commit()
    {
        var reporter = await Planned(TestRequests.Parse(("environment", "staging,production"), ("images", "web:2")), Branch());

        Assert.Equal([("staging", Sha, "Deploying web:2 to staging"), ("production", Sha, "Deploying web:2 to production")],
            deployments.Created.Select(c => (c.Environment, c.Sha, c.Description)));
        Assert.Equal("99,100", reporter.Ids);
        Assert.Equal(2, reporter.Created);
        Assert.Equal(100, reporter.IdOf(TestRequests.Parse(("environment", "staging,production")).Targets[1]));
    }

    [Fact]
    public async Task A_write_to_one_of_two_environments_still_reports_both()
    {
        var reporter = await Planned(TestRequests.Parse(("environment", "staging,production"), ("images", "web:2")), Branch(production: "2"));

        Assert.Equal(["Deploying web:2 to staging", "Deploying web:2 to production"], deployments.Created.Select(c => c.Description));
        Assert.Equal("99,100", reporter.Ids);
    }

    [Fact]
    public async Task Nothing_to_do_adds_a_deployment_only_where_the_commit_has_none()
    {
        deployments.Latest = 5;
        await Planned(TestRequests.Parse(("images", "web:1")), Branch());
        deployments.Latest = null;
        await Planned(TestRequests.Parse(("images", "web:1")), Branch());

        Assert.Equal("Deploying web:1 to staging", Assert.Single(deployments.Created).Description);
        Assert.Equal($"staging already has a deployment of {Sha}: no new one", Assert.Single(logger.Lines, l => l.Contains("no new one", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_refused_plan_creates_no_deployment()
    {
        await Planned(TestRequests.Parse(("overlay-path", "environments/qa"), ("images", "web:2")), Branch());

        Assert.Empty(deployments.Created);
    }

    [Fact]
    public async Task A_promotion_without_a_given_commit_is_deployed_on_the_commit_that_built_its_image()
    {
        var request = TestRequests.Parse(("environment", "production"), ("promote-from", "staging"), ("images", "web"));
        var reporter = await Planned(request, Branch("2", "1", Trailers("staging", Older, "web=ghcr.io/acme/web:2")));

        var created = Assert.Single(deployments.Created);
        Assert.Equal((Older, "Promoting web=ghcr.io/acme/web:2 from staging to production"), (created.Sha, created.Description));
        Assert.Equal(Older, reporter.SourceSha);
    }

    [Fact]
    public async Task A_promotion_the_target_already_has_is_reported_on_the_commit_that_built_its_image()
    {
        var request = TestRequests.Parse(("environment", "production"), ("promote-from", "staging"), ("images", "web"));
        var snapshot = Branch("2", "2", Trailers("staging", Older, "web=ghcr.io/acme/web:2"));
        Assert.IsType<PlanOutcome.NothingToDo>(planner.Plan(snapshot, request));

        await Planned(request, snapshot);

        Assert.Equal((Older, "Promoting web=ghcr.io/acme/web:2 from staging to production"), (Assert.Single(deployments.Created).Sha, deployments.Created[0].Description));
    }

    [Fact]
    public async Task A_rollback_is_deployed_on_the_restored_release_and_marks_the_rolled_back_one_inactive_once_landed()
    {
        var snapshot = new MemorySnapshot([
            new MemoryCommit("c3", Trailers("staging", Sha, "web=ghcr.io/acme/web:3"), new Dictionary<string, string> { ["environments/staging/kustomization.yaml"] = Overlay("3") }),
            new MemoryCommit("c2", Trailers("staging", Older, "web=ghcr.io/acme/web:2"), new Dictionary<string, string> { ["environments/staging/kustomization.yaml"] = Overlay("2") }),
        ]);
        var request = TestRequests.Parse(("rollback", "true"), ("images", "web"));
        var reporter = Reporter(request);
        var plan = Assert.IsType<PlanOutcome.Write>(planner.Plan(snapshot, request));
        await reporter.PlannedAsync(plan, default);
        deployments.Latest = 7;

        var result = new DeployResult(new DeployOutcome.Pushed("p", true), plan.Edits, "main", "c3");
        await reporter.FinishedAsync(result, result.Targets, default);

        var created = Assert.Single(deployments.Created);
        Assert.Equal((Older, "Rolling back to web=ghcr.io/acme/web:2 to staging"), (created.Sha, created.Description));
        Assert.Equal((7L, new DeploymentStatus(DeploymentState.Inactive, "rolled back to web=ghcr.io/acme/web:2", TestRequests.Context.RunUrl, null)), deployments.Statuses[^1]);
        Assert.Equal(("staging", null, Sha), deployments.Asked[^1]);
    }

    [Fact]
    public async Task A_rollback_that_did_not_land_marks_nothing_inactive()
    {
        var snapshot = new MemorySnapshot([
            new MemoryCommit("c3", Trailers("staging", Sha, "web=ghcr.io/acme/web:3"), new Dictionary<string, string> { ["environments/staging/kustomization.yaml"] = Overlay("3") }),
            new MemoryCommit("c2", Trailers("staging", Older, "web=ghcr.io/acme/web:2"), new Dictionary<string, string> { ["environments/staging/kustomization.yaml"] = Overlay("2") }),
        ]);
        var request = TestRequests.Parse(("rollback", "true"), ("images", "web"), ("mode", "pull-request"));
        var reporter = Reporter(request);
        var plan = Assert.IsType<PlanOutcome.Write>(planner.Plan(snapshot, request));
        await reporter.PlannedAsync(plan, default);
        deployments.Latest = 7;
        var pr = new PullRequestInfo(3, "https://git.example.com/acme/gitops/pull/3", "h", "s", "main", true, false, "n", "t", "b", []);

        var result = new DeployResult(new DeployOutcome.Proposed(pr, ProposalKind.Created, "s", false), plan.Edits, "main", "c3");
        await reporter.FinishedAsync(result, result.Targets, default);

        Assert.DoesNotContain(deployments.Statuses, s => s.Id == 7);
        Assert.Equal(new DeploymentStatus(DeploymentState.Queued, "PR #3 waiting for review", pr.Url, null), deployments.Statuses[^1].Status);
    }

    [Fact]
    public async Task A_pushed_change_links_its_gitops_commit_and_a_proposed_one_its_pull_request()
    {
        var request = TestRequests.Parse(("images", "web:2"));
        var reporter = await Planned(request, Branch());
        var pushed = new DeployResult(new DeployOutcome.Pushed("abc", true), planner.Plan(Branch(), request).Edits, "main", "tip");

        await reporter.FinishedAsync(pushed, pushed.Targets, default);

        Assert.Equal(new DeploymentStatus(DeploymentState.Success, "web 1 -> 2 deployed to staging", "https://git.example.com/acme/gitops/commit/abc", null), deployments.Statuses[^1].Status);
    }

    [Fact]
    public async Task Another_runs_deployments_are_ended_but_never_ours_and_never_what_is_not_an_id()
    {
        var reporter = await Planned(TestRequests.Parse(("environment", "staging,production"), ("images", "web:2")), Branch());

        await reporter.EndOthersAsync("5,abc,99, 7,100,-3,8", "superseded by PR #9", default);
        await reporter.EndOthersAsync(null, "superseded by PR #9", default);

        Assert.Equal([5L, 8L], deployments.Statuses.Where(s => s.Status.State == DeploymentState.Inactive).Select(s => s.Id));
    }

    [Fact]
    public async Task A_failure_and_a_cancellation_reach_every_deployment_they_concern()
    {
        var request = TestRequests.Parse(("environment", "staging,production"), ("images", "web:2"));
        var reporter = await Planned(request, Branch());

        await reporter.FailedAsync(new DeployException(ErrorKind.Conflict, "refused"), [request.Targets[1]], default);
        await reporter.CancelledAsync(null);

        // The failed deployment keeps its failure: only the one still in progress is ended by the cancellation.
        Assert.Equal([(99L, DeploymentState.InProgress), (100L, DeploymentState.InProgress), (100L, DeploymentState.Failure), (99L, DeploymentState.Inactive)],
            deployments.Statuses.Select(s => (s.Id, s.Status.State)));
    }

    [Fact]
    public async Task A_merged_change_links_its_merge_commit_and_a_change_already_there_links_the_run()
    {
        var request = TestRequests.Parse(("images", "web:2"), ("mode", "merge"), ("environment", "staging,production"));
        var reporter = await Planned(request, Branch());
        var pr = new PullRequestInfo(3, "https://git.example.com/acme/gitops/pull/3", "h", "s", "main", false, true, "n", "t", "b", []);
        var edits = planner.Plan(Branch(), request).Edits;
        var merged = new DeployResult(new DeployOutcome.Merged(pr, "m1", true), edits, "main", "tip");

        await reporter.FinishedAsync(merged, [merged.Targets[0]], default);
        var there = new DeployResult(new DeployOutcome.AlreadyThere(), edits, "main", "tip");
        await reporter.FinishedAsync(there, [there.Targets[1]], default);

        Assert.Equal("https://git.example.com/acme/gitops/commit/m1", deployments.Statuses.Single(s => s.Id == 99 && s.Status.State == DeploymentState.Success).Status.LogUrl);
        Assert.Equal(TestRequests.Context.RunUrl, deployments.Statuses.Single(s => s.Id == 100 && s.Status.State == DeploymentState.Success).Status.LogUrl);
    }

    [Fact]
    public async Task Progress_reaches_the_deployment_of_its_target_through_every_observer()
    {
        var request = TestRequests.Parse(("environment", "staging,production"), ("images", "web:2"));
        var reporter = await Planned(request, Branch());
        var other = Substitute.For<IRunObserver>();
        var observers = new RunObservers([reporter, other]);

        await observers.ProgressAsync(request.Targets[1], "Argo CD: Progressing", default);

        Assert.Equal((100L, new DeploymentStatus(DeploymentState.InProgress, "Argo CD: Progressing", TestRequests.Context.RunUrl, null)), deployments.Statuses[^1]);
        await other.Received(1).ProgressAsync(request.Targets[1], "Argo CD: Progressing", default);
    }
}
