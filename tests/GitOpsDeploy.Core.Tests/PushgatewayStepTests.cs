using GitOpsDeploy.Core.Metrics;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Results;
using GitOpsDeploy.Core.Steps.Pushgateway;
using GitOpsDeploy.Editing;
using GitOpsDeploy.Editing.Overlay;
using NSubstitute;

namespace GitOpsDeploy.Core.Tests;

/// <summary>The Pushgateway step: one body per environment with what the run measured, nothing when nothing was, never failing the deploy.</summary>
[Trait("Tier", "Unit")]
public sealed class PushgatewayStepTests
{
    private static readonly DateTimeOffset T = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    private readonly IMetricsSink sink = Substitute.For<IMetricsSink>();
    private readonly IActionRuntime runtime = Substitute.For<IActionRuntime>();
    private readonly Doubles.RecordingLogger logger = new();

    private static DoraMetrics Dora => DoraMetrics.Compute([new DeploymentRecord(1, "a", T, [("success", null, T)])], 30);

    private static DeployLatency Latency => DeployLatency.Between(T, T.AddSeconds(20), T.AddSeconds(50));

    private async Task<TargetResult> Push(DoraMetrics? dora, DeployLatency? latency, params (string, string)[] inputs)
    {
        var request = Doubles.TestRequests.Parse([("pushgateway-url", "http://127.0.0.1:9091"), .. inputs]);
        var run = Doubles.TestRequests.Run(new DeployPorts(new Doubles.MemoryGitOps(new Dictionary<string, string>())) { Metrics = sink }, logger: logger, runtime: runtime);
        var target = new TargetResult(request.Targets[0], new OverlayEdit("environments/staging", null, [], [], [])) { Dora = dora, Latency = latency };
        var result = new DeployResult(new DeployOutcome.Pushed(new string('1', 40), true), [target], "main", new string('0', 40));
        return await new PushgatewayStep().ReportAsync(run, request, result, target, default);
    }

    [Fact]
    public async Task Both_measurements_go_in_one_body_for_the_environment()
    {
        var target = await Push(Dora, Latency);

        await sink.Received(1).PushAsync("staging", "acme/app", Dora.Prometheus() + Latency.Prometheus(), Arg.Any<CancellationToken>());
        Assert.Equal(Latency, target.Latency);
        runtime.DidNotReceiveWithAnyArgs().Warning(default!);
    }

    [Theory]
    [InlineData(true, false, "Pushed DORA metrics to the Pushgateway")]
    [InlineData(false, true, "Pushed deploy latency metrics to the Pushgateway")]
    [InlineData(true, true, "Pushed DORA and deploy latency metrics to the Pushgateway")]
    public async Task A_push_says_what_it_pushed(bool dora, bool latency, string line)
    {
        await Push(dora ? Dora : null, latency ? Latency : null);

        Assert.Equal([line], logger.Lines);
    }

    [Theory]
    [InlineData(true, false, "DORA metrics were not reported: 503")]
    [InlineData(false, true, "Deploy latency metrics were not reported: 503")]
    [InlineData(true, true, "DORA and deploy latency metrics were not reported: 503")]
    public async Task A_failed_push_is_one_warning_naming_what_was_lost(bool dora, bool latency, string warning)
    {
        sink.PushAsync(default!, default!, default!, default).ReturnsForAnyArgs(Task.FromException(new DeployException(ErrorKind.Transient, "503")));

        await Push(dora ? Dora : null, latency ? Latency : null);

        runtime.Received(1).Warning(warning, Arg.Any<SourceLocation?>());
    }

    [Fact]
    public async Task Nothing_measured_or_a_dry_run_pushes_nothing()
    {
        await Push(null, null);
        await Push(null, DeployLatency.None);
        await Push(Dora, Latency, ("dry-run", "true"));

        await sink.DidNotReceiveWithAnyArgs().PushAsync(default!, default!, default!, default);
    }
}
