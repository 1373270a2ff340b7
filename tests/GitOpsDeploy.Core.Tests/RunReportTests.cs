using GitOpsDeploy.Core.Planning;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Core.Results;
using GitOpsDeploy.Core.Text;
using GitOpsDeploy.Editing;
using GitOpsDeploy.Editing.Images;
using GitOpsDeploy.Editing.Overlay;
using GitOpsDeploy.Editing.Yaml;

namespace GitOpsDeploy.Core.Tests;

/// <summary>What a run says when it ends, from its result alone: every outcome's outputs and its one sentence in the summary.</summary>
[Trait("Tier", "Unit")]
public sealed class RunReportTests
{
    private const string Sha = "1111111111111111111111111111111111111111";
    private const string Base = "2222222222222222222222222222222222222222";

    private static OverlayEdit Edit(bool changed = true) => new("environments/staging", "environments/staging/kustomization.yaml",
        changed ? [new FileChange("environments/staging/kustomization.yaml", [1])] : [],
        changed ? [new ImageChange(new ImageEntry("web", "ghcr.io/acme/web", "1.0.0", null), new ImageEntry("web", "ghcr.io/acme/web", "1.1.0", null))] : [], []);

    private static DeployRequest Request(params (string, string)[] inputs) => Doubles.TestRequests.Parse(inputs);

    private static DeployResult Result(DeployOutcome outcome, bool changed = true, DeployRequest? request = null) =>
        new(outcome, [new TargetResult((request ?? Request()).Targets[0], Edit(changed))], "main", Base);

    private static PullRequestInfo Pr => new(7, "https://git.example.com/acme/gitops/pull/7", "gitops-deploy/staging/web", Sha, "main", true, false, "PR_7", "t", "b", []);

    private static Dictionary<string, string> Outputs(DeployResult result) =>
        new RunReport(Request(), Doubles.TestRequests.Context).Outputs(result).ToDictionary(o => o.Name, o => o.Value);

    private static string Summary(DeployResult result, DeployRequest? request = null) =>
        new RunReport(request ?? Request(), Doubles.TestRequests.Context).Summary(result);

    public static TheoryData<string, DeployOutcome, string, string, string, string> Outcomes => new()
    {
        // outcome name, outcome, operation, changed, commit-sha, verified
        { "pushed", new DeployOutcome.Pushed(Sha, true), "pushed", "true", Sha, "true" },
        { "pushed unsigned", new DeployOutcome.Pushed(Sha, false), "pushed", "true", Sha, "false" },
        { "carried", new DeployOutcome.CarriedBy(Sha, true), "pushed", "true", Sha, "true" },
        { "already there", new DeployOutcome.AlreadyThere(), "none", "false", "", "false" },
        { "created", new DeployOutcome.Proposed(Pr, ProposalKind.Created, Sha, true), "created", "true", Sha, "true" },
        { "updated", new DeployOutcome.Proposed(Pr, ProposalKind.Updated, Sha, false), "updated", "true", Sha, "false" },
        // The pull request already proposed exactly this: this run wrote no commit, so it names none.
        { "unchanged", new DeployOutcome.Proposed(Pr, ProposalKind.Unchanged, Sha, true), "none", "false", "", "false" },
        { "merged", new DeployOutcome.Merged(Pr, Sha, true), "merged", "true", Sha, "true" },
        { "auto-merge", new DeployOutcome.AutoMergeEnabled(Pr, ProposalKind.Created, Sha, true), "auto-merge-enabled", "true", Sha, "true" },
        { "dry run", new DeployOutcome.DryRun("diff", Sha), "dry-run", "true", "", "false" },
        { "superseded", new DeployOutcome.Superseded([new Supersession("staging", "web", Base)]), "superseded", "false", "", "false" },
        { "refused", new DeployOutcome.Refused(new DeployException(ErrorKind.Policy, "frozen")), "refused", "false", "", "false" },
    };

    [Theory]
    [MemberData(nameof(Outcomes))]
    public void Each_outcome_sets_its_outputs(string name, DeployOutcome outcome, string operation, string changed, string commit, string verified)
    {
        var outputs = Outputs(Result(outcome));

        var actual = (outputs["operation"], outputs["changed"], outputs["commit-sha"], outputs["verified"]);
        Assert.True((operation, changed, commit, verified) == actual, $"{name}: {actual}");
        Assert.Equal(outcome is DeployOutcome.Merged ? "true" : "false", outputs["merged"]);
        Assert.Equal(outcome is DeployOutcome.Proposed or DeployOutcome.Merged or DeployOutcome.AutoMergeEnabled ? "7" : string.Empty, outputs["pull-request-number"]);
        Assert.Equal("web=ghcr.io/acme/web:1.1.0", outputs["images"]);
        Assert.Equal("web=ghcr.io/acme/web:1.0.0", outputs["previous-images"]);
    }

    [Fact]
    public void Outputs_come_in_action_ymls_order_once_each()
    {
        var names = new RunReport(Request(), Doubles.TestRequests.Context).Outputs(Result(new DeployOutcome.Pushed(Sha, true))).Select(o => o.Name).ToList();

        // Every catalogued output but the DORA ones (written only when the metrics were measured), in its order.
        string[] dora = ["deployment-frequency", "lead-time-seconds", "change-failure-rate", "mean-time-to-restore-seconds"];
        Assert.Equal(InputCatalogue.Outputs.Select(o => o.Name).Except(dora), names);
    }

    [Fact]
    public void A_target_that_changes_nothing_is_no_change_even_when_pushed_with_others()
    {
        var result = Result(new DeployOutcome.DryRun("", null), changed: false);

        Assert.Equal("false", Outputs(result)["changed"]);
        Assert.Equal(string.Empty, Outputs(result)["images"]);
    }

    [Theory]
    [InlineData("pushed", "Pushed [`1111111`](https://git.example.com/acme/gitops/commit/1111111111111111111111111111111111111111) to `main`.")]
    [InlineData("carried", "Carried by another run: [`1111111`](https://git.example.com/acme/gitops/commit/1111111111111111111111111111111111111111) on `main` holds this change with others (fan-in); this run wrote no commit.")]
    [InlineData("already there", "No change: `environments/staging` already had these images on `main`.")]
    [InlineData("created", "Opened pull request [#7](https://git.example.com/acme/gitops/pull/7) against `main`: waiting for a merge.")]
    [InlineData("updated", "Updated pull request [#7](https://git.example.com/acme/gitops/pull/7) against `main`: waiting for a merge.")]
    [InlineData("unchanged", "No change: pull request [#7](https://git.example.com/acme/gitops/pull/7) already proposes exactly this.")]
    [InlineData("merged", "Merged pull request [#7](https://git.example.com/acme/gitops/pull/7) into `main` as [`1111111`](https://git.example.com/acme/gitops/commit/1111111111111111111111111111111111111111).")]
    [InlineData("auto-merge", "Auto-merge is enabled on pull request [#7](https://git.example.com/acme/gitops/pull/7): GitHub merges it when its checks and reviews pass.")]
    [InlineData("dry run", "Dry run: nothing was pushed to `acme/gitops`.")]
    [InlineData("superseded", "Superseded: `web` in staging already runs a build of `2222222`, newer than `0123456`. Nothing was written (`force: true` deploys anyway).")]
    [InlineData("refused", "**Refused:** frozen. Nothing was written.")]
    public void Each_outcome_ends_the_summary_with_its_sentence(string name, string sentence)
    {
        var outcome = Outcomes.Single(row => (string)row[0] == name)[1];

        var summary = Summary(Result((DeployOutcome)outcome));

        Assert.StartsWith("### GitOpsDeploy: staging\n\n| Image | From | To |\n|---|---|---|\n| `web` | `ghcr.io/acme/web:1.0.0` | `ghcr.io/acme/web:1.1.0` |\n", summary, StringComparison.Ordinal);
        Assert.EndsWith("\n" + sentence + "\n", summary, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pushed_commit_that_carries_other_runs_names_them()
    {
        var summary = Summary(Result(new DeployOutcome.Pushed(Sha, true) { CarriedRuns = ["acme/app run 5", "acme/api run 9"] }));

        Assert.EndsWith("to `main`, carrying 2 other runs' changes too: acme/app run 5, acme/api run 9.\n", summary, StringComparison.Ordinal);
        Assert.Contains("carrying 1 other run's change too: x.", Summary(Result(new DeployOutcome.Pushed(Sha, true) { CarriedRuns = ["x"] })), StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_server_a_commit_is_named_not_linked()
    {
        var report = new RunReport(Request(), Doubles.TestRequests.Context with { ServerUrl = null });

        Assert.EndsWith("Pushed `1111111` to `main`.\n", report.Summary(Result(new DeployOutcome.Pushed(Sha, true))), StringComparison.Ordinal);
    }

    [Fact]
    public void Several_targets_each_get_a_heading_with_their_own_operation()
    {
        var request = Request(("environment", "staging\nqa"), ("overlay-path", "environments/{{ environment }}"));
        var result = new DeployResult(new DeployOutcome.Pushed(Sha, true), [new TargetResult(request.Targets[0], Edit()), new TargetResult(request.Targets[1], Edit(changed: false))], "main", Base);

        var summary = Summary(result, request);

        Assert.Contains("#### staging (`environments/staging`): pushed\n", summary, StringComparison.Ordinal);
        Assert.Contains("#### qa (`environments/staging`): none\n", summary, StringComparison.Ordinal);
        Assert.StartsWith("### GitOpsDeploy: staging, qa\n", summary, StringComparison.Ordinal);
    }

    [Fact]
    public void A_failed_run_says_why_and_that_no_deployment_was_made_only_when_none_was()
    {
        var report = new RunReport(Request(), Doubles.TestRequests.Context);
        var error = DeployException.Input("images", "bad");

        Assert.Equal("### GitOpsDeploy: staging\n\n**Failed:** input 'images': bad\n\nNo deployment was created on `acme/app`: the run stopped before there was anything to deploy.\n", report.Failed(error, 0));
        Assert.Equal("### GitOpsDeploy: staging\n\n**Failed:** input 'images': bad\n", report.Failed(error, 1));
    }

    [Fact]
    public void A_cancelled_run_says_whether_its_change_reached_the_branch()
    {
        var report = new RunReport(Request(), Doubles.TestRequests.Context);

        Assert.Equal("### GitOpsDeploy: staging\n\n**Cancelled.** The change is not on the branch.\n", report.Cancelled(null));
        Assert.Contains("**Cancelled** after [`1111111`](https://git.example.com/acme/gitops/commit/1111111111111111111111111111111111111111) reached `the base branch`", report.Cancelled(Sha), StringComparison.Ordinal);
        Assert.StartsWith("the run was cancelled; its change is not on the branch", report.CancelledError(null), StringComparison.Ordinal);
        Assert.StartsWith("the run was cancelled after 1111111 reached the base branch of acme/gitops;", report.CancelledError(Sha), StringComparison.Ordinal);
    }

    [Fact]
    public void The_results_output_has_one_object_per_target()
    {
        var request = Request(("environment", "staging\nqa"), ("overlay-path", "environments/{{ environment }}"));
        var result = new DeployResult(new DeployOutcome.Pushed(Sha, true), [new TargetResult(request.Targets[0], Edit()) { DeploymentId = 12 }, new TargetResult(request.Targets[1], Edit(changed: false))], "main", Base);

        var json = System.Text.Json.JsonDocument.Parse(RunReport.Results(result)).RootElement;

        Assert.Equal(2, json.GetArrayLength());
        Assert.Equal(("staging", "pushed", 12L), (json[0].GetProperty("environment").GetString(), json[0].GetProperty("operation").GetString(), json[0].GetProperty("deployment-id").GetInt64()));
        Assert.Equal(("qa", "none", System.Text.Json.JsonValueKind.Null), (json[1].GetProperty("environment").GetString(), json[1].GetProperty("operation").GetString(), json[1].GetProperty("deployment-id").ValueKind));
        Assert.Equal("web=ghcr.io/acme/web:1.1.0", json[0].GetProperty("images")[0].GetString());
        Assert.Equal("web=ghcr.io/acme/web:1.0.0", json[0].GetProperty("previous-images")[0].GetString());
    }

    [Fact]
    public void What_the_steps_found_goes_into_outputs_and_summary()
    {
        var landed = new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
        var dora = Metrics.DoraMetrics.Compute([new DeploymentRecord(1, "a", landed, [("success", null, landed)])], 30);
        var request = Request();
        var target = new TargetResult(request.Targets[0], Edit())
        {
            DeploymentId = 42,
            Argo = new Verification.ArgoOutcome(true, "app-staging is Synced and Healthy at 1111111", new ArgoAppStatus("Synced", Sha, "Healthy", null, null, null)),
            Latency = Metrics.DeployLatency.Between(landed, landed.AddSeconds(10), landed.AddSeconds(25)),
            Dora = dora,
            Promotion = new Promotion("qa", Base, []),
            Attested = [new AttestedImage("web", "sha256:" + new string('a', 64), "acme/app/.github/workflows/build.yml@refs/heads/main", "99", Sha)],
            FreezeOverride = "hotfix for INC-7",
        };
        var result = new DeployResult(new DeployOutcome.Pushed(Sha, true), [target], "main", Base);

        var outputs = new RunReport(request, Doubles.TestRequests.Context).Outputs(result).ToDictionary(o => o.Name, o => o.Value);
        var summary = new RunReport(request, Doubles.TestRequests.Context).Summary(result);

        Assert.Equal(("42", "Healthy", "10", "25", "true"), (outputs["deployment-id"], outputs["argocd-health"], outputs["commit-to-synced-seconds"], outputs["commit-to-healthy-seconds"], outputs["promoted"]));
        Assert.Equal(dora.Outputs()["deployment-frequency"], outputs["deployment-frequency"]);
        Assert.Equal(string.Empty, outputs["plan"]);
        Assert.Contains("\nAttested: `web` `sha256:" + new string('a', 64) + "` was built and signed by `acme/app/.github/workflows/build.yml@refs/heads/main, run 99` from `111111111111` (GitHub artifact attestation, verified).\n", summary, StringComparison.Ordinal);
        Assert.Contains("\n**Freeze overridden** (override-freeze): hotfix for INC-7.\n", summary, StringComparison.Ordinal);
        Assert.Contains("\nArgo CD: app-staging is Synced and Healthy at 1111111 (commit to synced 10 s, to healthy 25 s).\n", summary, StringComparison.Ordinal);
        Assert.Contains("\nDeployment [42](https://git.example.com/acme/app/deployments) on `acme/app@0123456`: success.\n", summary, StringComparison.Ordinal);
        Assert.Contains(dora.Markdown("staging"), summary, StringComparison.Ordinal);
    }

    [Fact]
    public void A_deployment_of_a_change_that_has_not_landed_is_queued_and_an_empty_run_is_not_promoted()
    {
        var request = Request();
        var target = new TargetResult(request.Targets[0], Edit()) { DeploymentId = 42, Promotion = new Promotion("qa", Base, []) };

        var summary = new RunReport(request, Doubles.TestRequests.Context).Summary(new DeployResult(new DeployOutcome.DryRun("", null), [target], "main", Base));
        var outputs = new RunReport(request, Doubles.TestRequests.Context).Outputs(new DeployResult(new DeployOutcome.AlreadyThere(), [target], "main", Base)).ToDictionary(o => o.Name, o => o.Value);

        Assert.Contains("`acme/app@0123456`: queued.", summary, StringComparison.Ordinal);
        Assert.Equal("false", outputs["promoted"]);
        Assert.Equal(string.Empty, outputs["argocd-health"]);
        Assert.Equal(string.Empty, outputs["commit-to-synced-seconds"]);
    }

    [Fact]
    public void A_plan_run_ends_with_its_digest_and_how_to_apply_it()
    {
        var request = Request(("plan", "true"));
        var binding = new TargetBinding("staging", "environments/staging", ["web=ghcr.io/acme/web:1.1.0"], new Dictionary<string, string> { ["environments/staging/kustomization.yaml"] = "d1" });
        var target = new TargetResult(request.Targets[0], Edit()) { Report = new TargetReport("staging", "environments/staging") { Binding = binding } };
        var result = new DeployResult(new DeployOutcome.DryRun("", null), [target], "main", Base);
        var plan = RunReport.Plan(result)!;

        var summary = new RunReport(request, Doubles.TestRequests.Context).Summary(result);

        Assert.Equal(plan.Encode(), new RunReport(request, Doubles.TestRequests.Context).Outputs(result).Single(o => o.Name == "plan").Value);
        Assert.Contains($"**Plan** `{plan.Digest}` on `main` at [`2222222`](https://git.example.com/acme/gitops/commit/{Base}): nothing was written to `acme/gitops`. The run that applies it passes `expected-plan: ${{{{ needs.plan.outputs.plan }}}}` and refuses anything else.", summary, StringComparison.Ordinal);
        Assert.Null(RunReport.Plan(result with { Targets = [target, new TargetResult(request.Targets[0], Edit())] }));
        Assert.Null(RunReport.Plan(result with { Targets = [] }));
        Assert.EndsWith("**Plan:** nothing was written to `acme/gitops`.\n", new RunReport(request, Doubles.TestRequests.Context).Summary(result with { Targets = [new TargetResult(request.Targets[0], Edit())] }), StringComparison.Ordinal);
    }

    [Fact]
    public void A_failed_run_without_deployments_or_a_source_says_nothing_about_deployments()
    {
        var error = DeployException.Input("images", "bad");

        Assert.DoesNotContain("No deployment", new RunReport(Request(("deployment", "false")), Doubles.TestRequests.Context).Failed(error, 0), StringComparison.Ordinal);
        Assert.DoesNotContain("No deployment", new RunReport(Request() with { Source = Request().Source with { Repository = null } }, Doubles.TestRequests.Context).Failed(error, 0), StringComparison.Ordinal);
    }
}
