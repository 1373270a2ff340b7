using System.Text;
using GitOpsDeploy.Core.Planning;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Core.Tests.Doubles;

namespace GitOpsDeploy.Core.Tests;

/// <summary>
/// The planning steps on in-memory snapshots: promotion, rollback, the hold marker, the policy gate,
/// the commit message and its trailers, several targets. No process, no network, no clone.
/// </summary>
[Trait("Tier", "Unit")]
public sealed class PlannerTests
{
    private const string Sha = "0123456789abcdef0123456789abcdef01234567";
    private const string Older = "1111111111111111111111111111111111111111";
    private static DeployPlanner Planner => new(TimeProvider.System, "https://github.example.com/acme/app/actions/runs/7");

    private static string Overlay(string tag) => $"images:\n- name: web\n  newName: ghcr.io/acme/web\n  newTag: \"{tag}\"\n";

    private static MemoryCommit Commit(string sha, string message, params (string Path, string Content)[] files) =>
        new(sha, message, files.ToDictionary(f => f.Path, f => f.Content));

    private static string Trailers(string environment, string source, string image) =>
        $"deploy\n\nSource-Repository: acme/app\nSource-Commit: {source}\nEnvironment: {environment}\nImage: {image}\n";

    private static PlanOutcome.Write Write(PlanOutcome outcome) => Assert.IsType<PlanOutcome.Write>(outcome);

    [Fact]
    public void A_deploy_plans_the_edit_and_a_message_with_trailers()
    {
        var snapshot = new MemorySnapshot("base", new Dictionary<string, string> { ["environments/staging/kustomization.yaml"] = Overlay("1") });

        var plan = Write(Planner.Plan(snapshot, TestRequests.Parse(("images", "web:2"))));

        Assert.Equal("base", plan.BaseSha);
        Assert.Equal(Overlay("2"), Encoding.UTF8.GetString(Assert.Single(plan.Files).Content!));
        Assert.StartsWith("deploy(staging): web 1 -> 2\n\nUpdate environments/staging for acme/app@0123456.", plan.Message, StringComparison.Ordinal);
        Assert.EndsWith($"\n\nSource-Repository: acme/app\nSource-Commit: {Sha}\nEnvironment: staging\nImage: web=ghcr.io/acme/web:2\n", plan.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("true", "replicaCount: 1\nimage:\n  tag: \"1.10\"\n")]
    [InlineData("false", null)]
    public void A_values_file_without_the_image_key_gets_one_unless_create_missing_keys_is_false(string create, string? expected)
    {
        var snapshot = new MemorySnapshot("base", new Dictionary<string, string> { ["environments/staging/values.yaml"] = "replicaCount: 1\n" });

        var outcome = Planner.Plan(snapshot, TestRequests.Parse(("images", "web:1.10"), ("create-missing-keys", create)));

        if (expected is null)
        {
            Assert.Contains("create-missing-keys is false", Assert.IsType<PlanOutcome.Refused>(outcome).Reason.Message, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(expected, Encoding.UTF8.GetString(Assert.Single(Write(outcome).Files).Content!));
        }
    }

    [Fact]
    public void The_same_change_again_is_nothing_to_do()
    {
        var snapshot = new MemorySnapshot("base", new Dictionary<string, string> { ["environments/staging/kustomization.yaml"] = Overlay("2") });

        Assert.IsType<PlanOutcome.NothingToDo>(Planner.Plan(snapshot, TestRequests.Parse(("images", "web:2"))));
    }

    [Fact]
    public void A_missing_overlay_is_refused_as_a_value()
    {
        var snapshot = new MemorySnapshot("base", new Dictionary<string, string>());

        var refused = Assert.IsType<PlanOutcome.Refused>(Planner.Plan(snapshot, TestRequests.Parse()));

        Assert.Equal("staging", refused.Environment);
        Assert.Equal("input 'environment': 'staging' has no overlay: 'environments/staging' is not a folder in the gitops repository; 'environments/' does not exist either. Set overlay-path if the overlays live elsewhere", refused.Reason.Message);
    }

    [Fact]
    public void A_mistyped_environment_names_the_environment_input_the_overlays_that_exist_and_the_closest()
    {
        var snapshot = new MemorySnapshot("base", new Dictionary<string, string>
        {
            ["environments/staging/kustomization.yaml"] = Overlay("1"),
            ["environments/production/kustomization.yaml"] = Overlay("1"),
        });

        var refused = Assert.IsType<PlanOutcome.Refused>(Planner.Plan(snapshot, TestRequests.Parse(("environment", "stagign"), ("images", "web:2"))));

        Assert.Equal("input 'environment': 'stagign' has no overlay: 'environments/stagign' is not a folder in the gitops repository; the folders in 'environments/' are production, staging (did you mean staging?). Set overlay-path if the overlays live elsewhere", refused.Reason.Message);
    }

    [Fact]
    public void A_missing_overlay_path_names_overlay_path_and_its_siblings()
    {
        var snapshot = new MemorySnapshot("base", new Dictionary<string, string> { ["deploy/overlays/staging/kustomization.yaml"] = Overlay("1") });

        var refused = Assert.IsType<PlanOutcome.Refused>(Planner.Plan(snapshot, TestRequests.Parse(("overlay-path", "deploy/overlays/stage"), ("images", "web:2"))));

        Assert.StartsWith("input 'overlay-path': 'deploy/overlays/stage' is not a folder in the gitops repository; the folders in 'deploy/overlays/' are staging", refused.Reason.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Set overlay-path", refused.Reason.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Promotion_copies_the_exact_reference_and_finds_the_commit_that_built_it()
    {
        var staging = "images:\n- name: web\n  newName: ghcr.io/acme/web\n  newTag: \"2\"\n  digest: sha256:" + new string('a', 64) + "\n";
        var snapshot = new MemorySnapshot([
            Commit("tip", Trailers("staging", Older, $"web=ghcr.io/acme/web:2@sha256:{new string('a', 64)}"),
                ("environments/staging/kustomization.yaml", staging), ("environments/production/kustomization.yaml", Overlay("1"))),
        ]);
        var request = TestRequests.Parse(("environment", "production"), ("promote-from", "staging"), ("images", "web"));

        var plan = Write(Planner.Plan(snapshot, request));

        var edit = Assert.Single(plan.Edits);
        Assert.Equal("tip", edit.Promotion!.FromSha);
        Assert.Equal(Older, Assert.Single(edit.Promotion.Images).SourceCommit);
        Assert.Contains($"digest: sha256:{new string('a', 64)}", Encoding.UTF8.GetString(plan.Files[0].Content!), StringComparison.Ordinal);
        Assert.Contains("\nPromoted-From: staging@tip\n", plan.Message, StringComparison.Ordinal);
        Assert.StartsWith("promote(staging -> production): ", plan.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rollback_restores_the_previous_release_leaves_a_hold_and_reads_only_as_deep_as_needed()
    {
        var snapshot = new MemorySnapshot([
            Commit("c3", Trailers("staging", Sha, "web=ghcr.io/acme/web:3"), ("environments/staging/kustomization.yaml", Overlay("3"))),
            Commit("c2", Trailers("staging", Older, "web=ghcr.io/acme/web:2"), ("environments/staging/kustomization.yaml", Overlay("2"))),
            Commit("c1", "first", ("environments/staging/kustomization.yaml", Overlay("1"))),
        ]);

        var plan = Write(Planner.Plan(snapshot, TestRequests.Parse(("rollback", "true"), ("images", "web"))));

        var rollback = Assert.Single(plan.Edits).Rollback!;
        Assert.Equal("c2", rollback.RestoredCommit);
        Assert.Equal(Older, rollback.RestoredSource);
        Assert.Equal(Sha, rollback.CurrentSource);
        Assert.Equal(Overlay("2"), Encoding.UTF8.GetString(plan.Files.Single(f => f.Path.EndsWith("kustomization.yaml", StringComparison.Ordinal)).Content!));
        var hold = Encoding.UTF8.GetString(plan.Files.Single(f => f.Path == "environments/staging/.gitops-deploy-hold").Content!);
        Assert.Equal(
            "# GitOpsDeploy hold: automated deploys to staging are refused while this file exists.\n"
            + "# Lift it with a deploy that sets release-hold: true (or deploy once with force: true).\n"
            + "reason: rollback to web=ghcr.io/acme/web:2\n"
            + "restored-commit: c2\n"
            + "rolled-back-commit: c3\n"
            + "run: https://github.example.com/acme/app/actions/runs/7\n", hold);
        // The restored release's trailers point at the build that made it.
        Assert.Contains($"\nSource-Commit: {Older}\n", plan.Message, StringComparison.Ordinal);
        Assert.Contains("\nRollback-Of: c3\n", plan.Message, StringComparison.Ordinal);
        Assert.StartsWith("rollback(staging): web 3 -> 2\n\n", plan.Message, StringComparison.Ordinal);
        Assert.Equal(Rollback.HistorySteps[0], snapshot.DeepestRead);
    }

    [Fact]
    public void A_rollback_to_a_release_whose_reference_cannot_be_copied_is_refused_naming_the_commit()
    {
        var snapshot = new MemorySnapshot([
            Commit("c3000000", Trailers("staging", Sha, "web=ghcr.io/acme/web:3"), ("environments/staging/kustomization.yaml", Overlay("3"))),
            Commit("c2000000", Trailers("staging", Older, "web=ghcr.io/acme/web:-bad"), ("environments/staging/kustomization.yaml", Overlay("-bad"))),
        ]);

        var refused = Assert.IsType<PlanOutcome.Refused>(Planner.Plan(snapshot, TestRequests.Parse(("rollback", "true"), ("images", "web"))));

        Assert.StartsWith("environments/staging at c200000 sets image 'web' to a reference that cannot be promoted or restored: ", refused.Reason.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_run_trailer_opens_the_trailers_of_the_planned_commit_and_none_is_written_without_one()
    {
        var snapshot = new MemorySnapshot("base", new Dictionary<string, string> { ["environments/staging/kustomization.yaml"] = Overlay("1") });

        var with = Write(new DeployPlanner(TimeProvider.System, null, "acme/app#7 (intent 0123456789ab)").Plan(snapshot, TestRequests.Parse(("images", "web:2"))));
        var without = Write(Planner.Plan(snapshot, TestRequests.Parse(("images", "web:2"))));

        Assert.Contains("\n\nDeploy-Run: acme/app#7 (intent 0123456789ab)\nSource-Repository: acme/app\n", with.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Deploy-Run:", without.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rollback_reads_deeper_history_only_when_the_release_is_older()
    {
        var commits = new List<MemoryCommit> { Commit("tip", "current", ("environments/staging/kustomization.yaml", Overlay("3"))) };
        for (var i = 0; i < 60; i++)
        {
            commits.Add(Commit($"same{i}", "unrelated", ("environments/staging/kustomization.yaml", Overlay("3"))));
        }

        commits.Add(Commit("old", "older release", ("environments/staging/kustomization.yaml", Overlay("2"))));
        var snapshot = new MemorySnapshot(commits);

        var plan = Write(Planner.Plan(snapshot, TestRequests.Parse(("rollback", "true"), ("images", "web"))));

        Assert.Equal("old", plan.Edits[0].Rollback!.RestoredCommit);
        Assert.Equal(Rollback.HistorySteps[1], snapshot.DeepestRead);
    }

    [Fact]
    public void A_hold_marker_refuses_a_deploy_until_released_or_forced()
    {
        var files = new Dictionary<string, string>
        {
            ["environments/staging/kustomization.yaml"] = Overlay("1"),
            ["environments/staging/.gitops-deploy-hold"] = "reason: rollback to web=ghcr.io/acme/web:1\n",
        };
        var snapshot = new MemorySnapshot("base", files);

        var refused = Assert.IsType<PlanOutcome.Refused>(Planner.Plan(snapshot, TestRequests.Parse()));
        Assert.Contains("policy hold: staging is on hold after a rollback (rollback to web=ghcr.io/acme/web:1)", refused.Reason.Message, StringComparison.Ordinal);

        var released = Write(Planner.Plan(snapshot, TestRequests.Parse(("release-hold", "true"))));
        Assert.Null(released.Files.Single(f => f.Path == "environments/staging/.gitops-deploy-hold").Content);

        var forced = Write(Planner.Plan(snapshot, TestRequests.Parse(("force", "true"))));
        Assert.DoesNotContain(forced.Files, f => f.Path.EndsWith(".gitops-deploy-hold", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("# a comment first\nreason:   rollback to web 1  \nrestored-commit: c1\n", "(rollback to web 1)")]
    [InlineData("held by hand\n", "(environments/staging/.gitops-deploy-hold)")]
    [InlineData("", "(environments/staging/.gitops-deploy-hold)")]
    public void A_hold_is_explained_by_its_reason_line_or_else_by_its_path(string content, string said)
    {
        var snapshot = new MemorySnapshot("base", new Dictionary<string, string>
        {
            ["environments/staging/kustomization.yaml"] = Overlay("1"),
            ["environments/staging/.gitops-deploy-hold"] = content,
        });

        var refused = Assert.IsType<PlanOutcome.Refused>(Planner.Plan(snapshot, TestRequests.Parse()));

        Assert.Equal($"policy hold: staging is on hold after a rollback {said}; deploy with release-hold: true to lift it, or force: true to deploy once anyway", refused.Reason.Message);
    }

    [Fact]
    public void The_policy_gate_refuses_a_mutable_tag_where_production_environment_says_production()
    {
        var snapshot = new MemorySnapshot("base", new Dictionary<string, string> { ["environments/live/kustomization.yaml"] = Overlay("1") });

        var refused = Assert.IsType<PlanOutcome.Refused>(Planner.Plan(snapshot, TestRequests.Parse(("environment", "live"), ("production-environment", "true"), ("images", "web:latest"))));

        Assert.StartsWith("policy mutable-tags:", refused.Reason.Message, StringComparison.Ordinal);
        Assert.IsType<PlanOutcome.Write>(Planner.Plan(snapshot, TestRequests.Parse(("environment", "live"), ("images", "web:latest"))));
    }

    [Fact]
    public void Several_targets_share_one_commit_and_a_refusal_names_its_target()
    {
        var files = new Dictionary<string, string>
        {
            ["clusters/eu/kustomization.yaml"] = Overlay("1"),
            ["clusters/us/kustomization.yaml"] = Overlay("1"),
        };
        var snapshot = new MemorySnapshot("base", files);
        var request = TestRequests.Parse(("environment", "eu\nus"), ("overlay-path", "clusters/{{ environment }}"));

        var plan = Write(Planner.Plan(snapshot, request));

        Assert.Equal(["clusters/eu/kustomization.yaml", "clusters/us/kustomization.yaml"], plan.Files.Select(f => f.Path));
        Assert.StartsWith("deploy(eu, us): web 1 -> 2\n\nUpdate clusters/eu, clusters/us for acme/app@0123456.\n\neu:\n- web:", plan.Message, StringComparison.Ordinal);
        Assert.Contains("\nEnvironment: eu\nEnvironment: us\nImage: web=ghcr.io/acme/web:2\n", plan.Message, StringComparison.Ordinal);

        var refused = Assert.IsType<PlanOutcome.Refused>(Planner.Plan(snapshot, request with { Targets = [.. request.Targets, request.Targets[0] with { Environment = "ap", OverlayPath = "clusters/ap" }] }));
        Assert.Equal("ap", refused.Environment);
        Assert.StartsWith("ap: ", refused.Reason.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_targets_that_write_the_same_file_are_refused()
    {
        var files = new Dictionary<string, string> { ["clusters/shared/kustomization.yaml"] = Overlay("1") };
        var request = TestRequests.Parse(("environment", "eu, us"), ("overlay-path", "clusters/{{ environment }}"));
        request = request with { Targets = request.Targets.Select(t => t with { OverlayPath = "clusters/shared" }).ToList() };

        var refused = Assert.IsType<PlanOutcome.Refused>(Planner.Plan(new MemorySnapshot("base", files), request));

        Assert.Contains("eu and us would both write clusters/shared/kustomization.yaml", refused.Reason.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_rollback_after_a_failed_deploy_has_its_own_branch_and_no_second_wait()
    {
        var request = TestRequests.Parse(("mode", "pull-request"), ("environment", "eu, us"), ("overlay-path", "clusters/{{ environment }}"),
            ("argocd-server", "https://argo.example.com"), ("rollback-on-failure", "true"));

        var rollback = request.RollbackOf([request.Targets[1]]);

        Assert.Equal(ChangeKind.Rollback, rollback.Change.Kind);
        Assert.True(rollback.Change.Force);
        Assert.Equal("gitops-deploy/us/rollback", rollback.Landing.PullRequestBranch);
        Assert.NotEqual(request.Landing.PullRequestBranch, rollback.Landing.PullRequestBranch);
        var target = Assert.Single(rollback.Targets);
        Assert.Equal("us", target.Environment);
        Assert.Null(target.ArgoCd);
        Assert.False(rollback.Reporting.RollbackOnFailure);
    }

    [Fact]
    public void Images_from_a_newer_source_commit_are_left_alone_and_with_nothing_left_the_plan_is_superseded()
    {
        var snapshot = new MemorySnapshot([
            Commit("tip", Trailers("staging", Older, "web=ghcr.io/acme/web:9"), ("environments/staging/kustomization.yaml", Overlay("9"))),
        ]);
        var request = TestRequests.Parse(("images", "web:2"));

        var sources = OutOfOrder.CurrentSources(snapshot, request);
        Assert.Equal(("staging", "web", Older), Assert.Single(sources.Select(s => (s.Target.Environment, s.Image, s.Source))));

        var superseded = Assert.IsType<PlanOutcome.Superseded>(Planner.Plan(snapshot, request, [new Supersession("staging", "web", Older)]));
        Assert.Equal(Older, Assert.Single(superseded.By).NewerSource);
        Assert.IsType<PlanOutcome.Write>(Planner.Plan(snapshot, request));
        Assert.Empty(OutOfOrder.CurrentSources(snapshot, TestRequests.Parse(("images", "web:2"), ("force", "true"))));
        Assert.Empty(OutOfOrder.CurrentSources(snapshot, TestRequests.Parse(("rollback", "true"), ("images", "web"))));
    }
}
