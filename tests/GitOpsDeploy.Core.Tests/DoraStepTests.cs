using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Core.Results;
using GitOpsDeploy.Core.Steps.Dora;
using GitOpsDeploy.Editing;
using GitOpsDeploy.Editing.Overlay;
using NSubstitute;

namespace GitOpsDeploy.Core.Tests;

/// <summary>The DORA step: measured over the window from the deployments port, over fewer days when the reads stop at their cap, never failing the deploy.</summary>
[Trait("Tier", "Unit")]
public sealed class DoraStepTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    private readonly IDeployments deployments = Substitute.For<IDeployments>();
    private readonly IActionRuntime runtime = Substitute.For<IActionRuntime>();

    private async Task<TargetResult> Report(DeployRequest request)
    {
        var run = Doubles.TestRequests.Run(new DeployPorts(new Doubles.MemoryGitOps(new Dictionary<string, string>())) { Deployments = deployments }, new Doubles.VirtualTime(Now), runtime: runtime);
        var target = new TargetResult(request.Targets[0], new OverlayEdit("environments/staging", null, [], [], []));
        var result = new DeployResult(new DeployOutcome.AlreadyThere(), [target], "main", new string('0', 40));
        return await new DoraStep().ReportAsync(run, request, result, target, default);
    }

    private static DeploymentRecord Success(int id, DateTimeOffset at) => new(id, $"sha{id}", at, [("success", null, at)]);

    [Fact]
    public async Task The_window_is_read_from_the_deployments_and_measured()
    {
        deployments.HistoryAsync("staging", Now.AddDays(-10), 1000, Arg.Any<CancellationToken>())
            .Returns([Success(1, Now.AddDays(-9)), Success(2, Now.AddDays(-4))]);

        var target = await Report(Doubles.TestRequests.Parse(("dora-metrics", "true"), ("dora-window", "10")));

        Assert.Equal(2, target.Dora!.Deployments);
        Assert.Equal(0.2, target.Dora.DeploymentsPerDay, 3);
        runtime.DidNotReceive().Warning(Arg.Any<string>(), Arg.Any<SourceLocation?>());
    }

    [Fact]
    public async Task At_the_read_cap_the_metrics_cover_only_the_days_read_and_say_so()
    {
        // 1000 deployments within the last 2.5 days of a 30-day window: 1000 over 3 days, not over 30.
        var history = Enumerable.Range(0, 1000).Select(i => Success(i, Now.AddMinutes(-i * 3.6))).ToList();
        deployments.HistoryAsync("staging", Arg.Any<DateTimeOffset>(), 1000, Arg.Any<CancellationToken>()).Returns(history);

        var target = await Report(Doubles.TestRequests.Parse(("dora-metrics", "true")));

        Assert.Equal(1000.0 / 3, target.Dora!.DeploymentsPerDay, 3);
        runtime.Received(1).Warning("DORA metrics for staging cover the newest 1000 deployments only, the last 3 of dora-window's 30 days", Arg.Any<SourceLocation?>());
    }

    [Fact]
    public async Task Just_under_the_cap_the_whole_window_counts()
    {
        var history = Enumerable.Range(0, 999).Select(i => Success(i, Now.AddMinutes(-i))).ToList();
        deployments.HistoryAsync("staging", Arg.Any<DateTimeOffset>(), 1000, Arg.Any<CancellationToken>()).Returns(history);

        var target = await Report(Doubles.TestRequests.Parse(("dora-metrics", "true")));

        Assert.Equal(999.0 / 30, target.Dora!.DeploymentsPerDay, 3);
        runtime.DidNotReceive().Warning(Arg.Any<string>(), Arg.Any<SourceLocation?>());
    }

    [Fact]
    public async Task A_failed_read_is_a_warning_not_a_failed_deploy()
    {
        deployments.HistoryAsync(default!, default, default, default).ReturnsForAnyArgs(Task.FromException<IReadOnlyList<DeploymentRecord>>(new DeployException(ErrorKind.Transient, "GitHub answered 502")));

        var target = await Report(Doubles.TestRequests.Parse(("dora-metrics", "true")));

        Assert.Null(target.Dora);
        runtime.Received(1).Warning("DORA metrics were not reported: GitHub answered 502", Arg.Any<SourceLocation?>());
    }

    [Theory]
    [InlineData("dora-metrics", "false")]
    [InlineData("dry-run", "true")]
    public async Task Without_dora_metrics_or_in_a_dry_run_nothing_is_read(string input, string value)
    {
        var target = await Report(Doubles.TestRequests.Parse(("dora-metrics", "true"), (input, value)));

        Assert.Null(target.Dora);
        await deployments.DidNotReceiveWithAnyArgs().HistoryAsync(default!, default, default, default);
    }
}
