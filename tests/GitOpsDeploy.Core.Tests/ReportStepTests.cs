using GitOpsDeploy.Core.Planning;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Core.Steps.Report;
using GitOpsDeploy.Core.Tests.Doubles;
using GitOpsDeploy.Editing;
using GitOpsDeploy.Manifests.Render;
using NSubstitute;

namespace GitOpsDeploy.Core.Tests;

/// <summary>The report as a plan step: every target gets its report, input refusals become a refused plan, and expected-plan binds the run to the plan that was approved.</summary>
[Trait("Tier", "Unit")]
public sealed class ReportStepTests
{
    private const string Overlay = "resources:\n- deployment.yaml\nimages:\n- name: web\n  newName: ghcr.io/acme/web\n  newTag: \"1\"\n";
    private const string Deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: web\n";

    private readonly IActionRuntime runtime = Substitute.For<IActionRuntime>();
    private readonly RecordingLogger logger = new();

    private static MemorySnapshot Snapshot(string head, string overlay = Overlay) => new(head, new Dictionary<string, string>
    {
        ["environments/staging/kustomization.yaml"] = overlay,
        ["environments/staging/deployment.yaml"] = Deployment,
        ["README.md"] = head,
    });

    private async Task<PlanOutcome> Report(MemorySnapshot snapshot, DeployRequest request)
    {
        var run = TestRequests.Run(new DeployPorts(new MemoryGitOps(new Dictionary<string, string>())), logger: logger, runtime: runtime);
        return await new ReportStep(RenderTools.None).ApplyAsync(run, snapshot, request, run.Planner.Plan(snapshot, request), default);
    }

    private async Task<string> Plan(string head = "aaaaaaa000000000000000000000000000000000")
    {
        var plan = Assert.IsType<PlanOutcome.Write>(await Report(Snapshot(head), TestRequests.Parse(("images", "web:2"))));
        return new PlanBinding(plan.BaseSha, [.. plan.Edits.Select(e => e.Report!.Binding!)]).Encode();
    }

    [Fact]
    public async Task Every_target_of_a_write_gets_its_report()
    {
        var plan = Assert.IsType<PlanOutcome.Write>(await Report(Snapshot("aaaaaaa000000000000000000000000000000000"), TestRequests.Parse(("images", "web:2"))));

        Assert.Equal("staging", Assert.Single(plan.Edits).Report!.Environment);
    }

    [Fact]
    public async Task An_input_refusal_of_the_report_refuses_the_plan_instead_of_failing_the_run()
    {
        var plan = Assert.IsType<PlanOutcome.Refused>(await Report(Snapshot("aaaaaaa000000000000000000000000000000000"), TestRequests.Parse(("images", "api:2"))));

        Assert.Equal(("staging", ErrorKind.InvalidInput), (plan.Environment, plan.Reason.Kind));
    }

    [Fact]
    public async Task The_approved_plan_on_its_own_commit_is_applied_and_said()
    {
        var expected = await Plan();

        var plan = Assert.IsType<PlanOutcome.Write>(await Report(Snapshot("aaaaaaa000000000000000000000000000000000"), TestRequests.Parse(("images", "web:2"), ("expected-plan", expected))));

        Assert.Contains(plan.Edits[0].Report!.Notes, n => n.StartsWith("the change is the approved plan ", StringComparison.Ordinal) && n.EndsWith(", on the commit it was made on (aaaaaaa)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_branch_that_moved_only_elsewhere_keeps_the_plan_and_says_so()
    {
        var expected = await Plan();

        var plan = Assert.IsType<PlanOutcome.Write>(await Report(Snapshot("bbbbbbb000000000000000000000000000000000"), TestRequests.Parse(("images", "web:2"), ("expected-plan", expected))));

        Assert.Contains(plan.Edits[0].Report!.Notes, n => n.EndsWith(": the branch moved from aaaaaaa to bbbbbbb since the plan, but none of the files that build staging changed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Another_image_or_a_changed_overlay_is_not_the_approved_plan()
    {
        var expected = await Plan();

        var other = Assert.IsType<PlanOutcome.Refused>(await Report(Snapshot("aaaaaaa000000000000000000000000000000000"), TestRequests.Parse(("images", "web:3"), ("expected-plan", expected))));
        var moved = Assert.IsType<PlanOutcome.Refused>(await Report(Snapshot("bbbbbbb000000000000000000000000000000000", Overlay + "namePrefix: x-\n"), TestRequests.Parse(("images", "web:2"), ("expected-plan", expected))));

        Assert.StartsWith("input 'expected-plan': this change is not the plan that was approved (", other.Reason.Message, StringComparison.Ordinal);
        Assert.EndsWith("Nothing was written; plan again and approve the new plan", other.Reason.Message, StringComparison.Ordinal);
        Assert.Contains("made on aaaaaaa", moved.Reason.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refused_plan_passes_through_unreported()
    {
        var run = TestRequests.Run(new DeployPorts(new MemoryGitOps(new Dictionary<string, string>())));
        var refused = new PlanOutcome.Refused(DeployException.Input("images", "x"), "staging");

        Assert.Same(refused, await new ReportStep(RenderTools.None).ApplyAsync(run, Snapshot("a"), TestRequests.Parse(), refused, default));
    }

    [Fact]
    public async Task An_unused_image_allowed_through_is_warned()
    {
        await Report(Snapshot("aaaaaaa000000000000000000000000000000000"), TestRequests.Parse(("images", "api:2"), ("allow-unused-image", "true")));

        runtime.Received(1).Warning(Arg.Is<string>(w => w.StartsWith("staging: image 'api'", StringComparison.Ordinal)), Arg.Any<SourceLocation?>());
    }

    [Fact]
    public async Task An_unused_image_the_analysis_could_not_fully_see_is_warned_as_such()
    {
        await Report(Snapshot("aaaaaaa000000000000000000000000000000000", Overlay.Replace("- deployment.yaml\n", "- deployment.yaml\n- https://git.example.com/acme/base//web?ref=v1\n", StringComparison.Ordinal)),
            TestRequests.Parse(("images", "api:2"), ("allow-unused-image", "true")));

        runtime.Received(1).Warning(Arg.Is<string>(w => w.StartsWith("staging: image 'api'", StringComparison.Ordinal) && w.EndsWith(" (the analysis could not see every workload)", StringComparison.Ordinal)), Arg.Any<SourceLocation?>());
    }

    [Fact]
    public async Task An_unused_image_the_analysis_saw_completely_is_warned_without_doubt()
    {
        await Report(Snapshot("aaaaaaa000000000000000000000000000000000"), TestRequests.Parse(("images", "api:2"), ("allow-unused-image", "true")));

        runtime.Received(1).Warning(Arg.Is<string>(w => w.StartsWith("staging: image 'api'", StringComparison.Ordinal) && !w.Contains("could not see", StringComparison.Ordinal)), Arg.Any<SourceLocation?>());
    }

    [Fact]
    public async Task The_log_says_each_container_change_note_and_render_in_a_group()
    {
        var plan = Assert.IsType<PlanOutcome.Write>(await Report(Snapshot("aaaaaaa000000000000000000000000000000000"), TestRequests.Parse(("images", "web:2"))));
        var report = plan.Edits[0].Report!;

        runtime.Received(1).Group("Promotion report");
        var container = Assert.Single(Assert.Single(report.Images).Containers);
        Assert.Contains("staging: " + container, logger.Lines);
        Assert.All(report.Notes, n => Assert.Contains("staging: " + n, logger.Lines));
        Assert.Contains($"staging: render {report.Render!.State}: {report.Render.Message}", logger.Lines);
    }

    [Fact]
    public async Task The_binding_is_logged_as_a_sentence()
    {
        var expected = await Plan();

        await Report(Snapshot("aaaaaaa000000000000000000000000000000000"), TestRequests.Parse(("images", "web:2"), ("expected-plan", expected)));

        Assert.Contains(logger.Lines, l => l.StartsWith("The change is the approved plan ", StringComparison.Ordinal) && l.EndsWith(", on the commit it was made on (aaaaaaa)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_plan_made_on_a_short_base_is_named_by_it_whole()
    {
        var expected = await Plan("abc");

        var refused = Assert.IsType<PlanOutcome.Refused>(await Report(Snapshot("abcdefa000000000000000000000000000000000"), TestRequests.Parse(("images", "web:3"), ("expected-plan", expected))));

        Assert.Contains(", made on abc): ", refused.Reason.Message, StringComparison.Ordinal);
    }
}
