using GitOpsDeploy.Core.Planning;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Steps.MetricAnalysis;
using GitOpsDeploy.Editing;
using GitOpsDeploy.Editing.Overlay;

namespace GitOpsDeploy.Core.Tests;

/// <summary>The analysis template is read before anything is written: a missing, non-UTF-8 or broken template refuses the plan naming the input or file:line.</summary>
[Trait("Tier", "Unit")]
public sealed class AnalysisTemplateCheckStepTests
{
    private const string Template = Doubles.AnalysisFixtures.ErrorRateTemplate + "\n";

    private static async Task<PlanOutcome> Check(Dictionary<string, string> files, params (string, string)[] inputs)
    {
        var git = new Doubles.MemoryGitOps(files);
        var request = Doubles.TestRequests.Parse([("analysis-template", "analysis/error-rate.yaml"), ("prometheus-url", "http://127.0.0.1:9090"), .. inputs]);
        using var snapshot = await git.ReadAsync(null, SnapshotHint.Tip, default);
        var edit = new OverlayEdit("environments/staging", null, [new FileChange("environments/staging/kustomization.yaml", [1])], [], []);
        var plan = new PlanOutcome.Write(snapshot.HeadSha, [new TargetEdit(request.Targets[0], edit)], edit.Files, "m");
        var result = await new AnalysisTemplateCheckStep().ApplyAsync(Doubles.TestRequests.Run(new DeployPorts(git)), snapshot, request, plan, default);
        return result;
    }

    [Fact]
    public async Task A_template_that_parses_lets_the_plan_through()
    {
        var plan = await Check(new() { ["analysis/error-rate.yaml"] = Template });

        Assert.IsType<PlanOutcome.Write>(plan);
    }

    [Fact]
    public async Task A_missing_template_refuses_naming_the_input_and_the_branch()
    {
        var plan = Assert.IsType<PlanOutcome.Refused>(await Check(new() { ["analysis/other.yaml"] = Template }));

        Assert.Equal("staging", plan.Environment);
        Assert.Equal("input 'analysis-template': 'analysis/error-rate.yaml' is not a file on main of acme/gitops", plan.Reason.Message);
    }

    [Fact]
    public async Task A_broken_template_refuses_at_its_file_and_line()
    {
        var broken = Template.Replace("successCondition: result[0] < 0.05", "successCondition: result[0] <<< 0.05", StringComparison.Ordinal);

        var plan = Assert.IsType<PlanOutcome.Refused>(await Check(new() { ["analysis/error-rate.yaml"] = broken }));

        Assert.Equal(ErrorKind.InvalidFile, plan.Reason.Kind);
        Assert.Equal("analysis/error-rate.yaml", plan.Reason.Location?.File);
        Assert.True(plan.Reason.Location?.Line > 1, plan.Reason.Describe());
    }

    [Fact]
    public async Task Without_a_template_or_a_write_the_step_reads_nothing()
    {
        var git = new Doubles.MemoryGitOps(new Dictionary<string, string>());
        using var snapshot = await git.ReadAsync(null, SnapshotHint.Tip, default);
        var refused = new PlanOutcome.Refused(DeployException.Input("images", "x"), "staging");

        Assert.Same(refused, await new AnalysisTemplateCheckStep().ApplyAsync(Doubles.TestRequests.Run(new DeployPorts(git)), snapshot, Doubles.TestRequests.Parse(("analysis-template", "a.yaml"), ("prometheus-url", "http://p:9090")), refused, default));
        var write = new PlanOutcome.Write(snapshot.HeadSha, [], [], "m");
        Assert.Same(write, await new AnalysisTemplateCheckStep().ApplyAsync(Doubles.TestRequests.Run(new DeployPorts(git)), snapshot, Doubles.TestRequests.Parse(), write, default));
    }
}
