using GitOpsDeploy.Core.Landing;
using GitOpsDeploy.Core.Pipeline;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Results;
using GitOpsDeploy.Core.Tests.Doubles;
using NSubstitute;

namespace GitOpsDeploy.Core.Tests;

/// <summary>The direct-push landing on its own: what each plan becomes, what it says, and the attempt it reports.</summary>
[Trait("Tier", "Unit")]
public sealed class DirectPushTests
{
    private const string One = "images:\n- name: web\n  newTag: \"1\"\n";

    private readonly IActionRuntime runtime = Substitute.For<IActionRuntime>();
    private readonly RecordingLogger logger = new();

    private async Task<(Attempt<DeployResult> Attempt, MemoryGitOps Git)> Land(string kustomization, int attempt = 2, params (string, string)[] inputs)
    {
        var git = new MemoryGitOps(new Dictionary<string, string> { ["environments/staging/kustomization.yaml"] = kustomization });
        var run = TestRequests.Run(new DeployPorts(git), logger: logger, runtime: runtime);
        var request = TestRequests.Parse(inputs);
        var snapshot = await git.ReadAsync(null, SnapshotHint.Tip, default);
        return (await new DirectPush().LandAsync(run, request, snapshot, run.Planner.Plan(snapshot, request), attempt, default), git);
    }

    [Fact]
    public async Task A_write_is_committed_pushed_and_said_with_the_attempt_it_took()
    {
        var (attempt, _) = await Land(One);

        var result = attempt.Result!;
        Assert.Equal(("new0", 2, "main", "base0"), (result.CommitSha, result.Attempts, result.BaseBranch, result.BaseSha));
        Assert.Equal(["Committed new0: staging: web 1 -> 2", "Pushed new0 to main"], logger.Lines);
        runtime.Received(1).Group("Push to main");
    }

    [Fact]
    public async Task Nothing_to_do_is_already_there_and_said()
    {
        var (attempt, git) = await Land("images:\n- name: web\n  newTag: \"2\"\n", attempt: 3);

        var result = attempt.Result!;
        Assert.IsType<DeployOutcome.AlreadyThere>(result.Outcome);
        Assert.Equal(("main", "base0", 3), (result.BaseBranch, result.BaseSha, result.Attempts));
        Assert.Equal(["environments/staging already has the requested images and values: nothing to do"], logger.Lines);
        Assert.Empty(git.Drafts);
    }

    [Fact]
    public async Task A_dry_run_shows_the_diff_and_the_commit_it_would_push()
    {
        var (attempt, git) = await Land(One, 3, ("dry-run", "true"));

        var result = attempt.Result!;
        var dry = Assert.IsType<DeployOutcome.DryRun>(result.Outcome);
        Assert.Equal("diff", dry.Diff);
        Assert.Equal("new0", result.CommitSha);
        Assert.Equal(("main", "base0", 3), (result.BaseBranch, result.BaseSha, result.Attempts));
        Assert.Contains("diff", logger.Lines);
        runtime.Received(1).Group("Dry run: the diff that would be pushed");
        Assert.Empty(git.Published);
    }

    [Fact]
    public async Task A_lost_race_is_another_attempt_naming_the_branch()
    {
        var git = new MemoryGitOps(new Dictionary<string, string> { ["environments/staging/kustomization.yaml"] = One });
        git.Answer(MemoryGitOps.LostRace);
        var run = TestRequests.Run(new DeployPorts(git), logger: logger, runtime: runtime);
        var request = TestRequests.Parse();
        var snapshot = await git.ReadAsync(null, SnapshotHint.Tip, default);

        var attempt = await new DirectPush().LandAsync(run, request, snapshot, run.Planner.Plan(snapshot, request), 1, default);

        Assert.Null(attempt.Result);
        Assert.Equal("another pipeline wrote main first (fetch first)", attempt.RetryReason);
        Assert.Equal("main of acme/gitops kept moving", new DirectPush().GiveUp(request, "main"));
    }

    [Fact]
    public async Task A_draft_the_transport_only_describes_is_said_as_prepared_and_a_dry_run_of_it_has_no_commit()
    {
        var git = new MemoryGitOps(new Dictionary<string, string> { ["environments/staging/kustomization.yaml"] = One }) { DescribesDrafts = true };
        var run = TestRequests.Run(new DeployPorts(git), logger: logger, runtime: runtime);
        var request = TestRequests.Parse(("dry-run", "true"));
        var snapshot = await git.ReadAsync(null, SnapshotHint.Tip, default);

        var result = (await new DirectPush().LandAsync(run, request, snapshot, run.Planner.Plan(snapshot, request), 1, default)).Result!;

        Assert.Null(result.CommitSha);
        Assert.Equal("Prepared the commit: staging: web 1 -> 2", logger.Lines[0]);
    }

    [Fact]
    public async Task A_commit_of_several_targets_is_said_per_environment()
    {
        var git = new MemoryGitOps(new Dictionary<string, string>
        {
            ["environments/staging/kustomization.yaml"] = One,
            ["environments/qa/kustomization.yaml"] = One,
        });
        var run = TestRequests.Run(new DeployPorts(git), logger: logger, runtime: runtime);
        var request = TestRequests.Parse(("environment", "staging,qa"));
        var snapshot = await git.ReadAsync(null, SnapshotHint.Tip, default);

        await new DirectPush().LandAsync(run, request, snapshot, run.Planner.Plan(snapshot, request), 1, default);

        Assert.Equal("Committed new0: staging: web 1 -> 2; qa: web 1 -> 2", logger.Lines[0]);
    }
}
