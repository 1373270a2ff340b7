using GitOpsDeploy.Analysis;
using GitOpsDeploy.Core.Steps.MetricAnalysis;
using NSubstitute;

namespace GitOpsDeploy.Core.Tests;

/// <summary>The analysis as a verification step: the template read at the branch tip (or the inline metrics), the outcome the Analysis library's scheduler decides, success kept and anything else unhealthy.</summary>
[Trait("Tier", "Unit")]
public sealed class MetricAnalysisStepTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    private const string Template = Doubles.AnalysisFixtures.ErrorRateTemplate;

    private const string Inline = """
        - name: latency
          successCondition: result[0] < 0.5
          provider:
            prometheus:
              query: p99
        """;

    private readonly Core.Ports.IMetricAnalysis analysis = Substitute.For<Core.Ports.IMetricAnalysis>();
    private readonly Core.Ports.IActionRuntime runtime = Substitute.For<Core.Ports.IActionRuntime>();
    private readonly Doubles.RecordingLogger logger = new();
    private AnalysisSpec? asked;

    /// <summary>Every metric measured once with <paramref name="value"/>, decided by the real scheduler.</summary>
    private void Measures(double value) =>
        analysis.RunAsync(default!, default, default).ReturnsForAnyArgs(call =>
        {
            asked = call.Arg<AnalysisSpec>();
            var measurements = asked.Metrics.Select(m => new Measurement(m.Name, value < 0.05 ? MeasurementPhase.Successful : MeasurementPhase.Failed, T0, T0.AddSeconds(1), QueryResult.Vector(value), "measured")).ToList();
            foreach (var measurement in measurements)
            {
                call.Arg<Action<Measurement, AnalysisStep>?>()?.Invoke(measurement, AnalysisScheduler.Assess(asked, T0, measurements));
            }

            return AnalysisScheduler.Assess(asked, T0, measurements);
        });

    private Task<Core.Results.TargetResult> Verify(bool port = true, params (string, string)[] inputs)
    {
        var git = new Doubles.MemoryGitOps(new Dictionary<string, string> { ["analysis/error-rate.yaml"] = Template });
        var request = Doubles.TestRequests.Parse([("prometheus-url", "http://127.0.0.1:9090"), .. inputs]);
        var run = Doubles.TestRequests.Run(new Core.Ports.DeployPorts(git) { Analysis = port ? analysis : null }, logger: logger, runtime: runtime);
        var target = new Core.Results.TargetResult(request.Targets[0], new Editing.Overlay.OverlayEdit("environments/staging", null, [], [], []));
        var result = new Core.Results.DeployResult(new Core.Results.DeployOutcome.Pushed("c0ffee0000000000000000000000000000000000", true), [target], "main", new string('0', 40));
        return new MetricAnalysisStep().VerifyAsync(run, request, result, target, default);
    }

    [Fact]
    public async Task A_successful_analysis_is_kept_on_the_target_and_said()
    {
        Measures(0.01);

        var target = await Verify(true, ("analysis-template", "analysis/error-rate.yaml"), ("analysis-metrics", Inline));

        Assert.Equal(AnalysisPhase.Successful, target.Analysis!.Phase);
        Assert.Equal(["errors", "latency"], asked!.Metrics.Select(m => m.Name));
        runtime.Received(1).Group("Metric analysis error-rate+inline for staging: errors, latency");
        Assert.Contains(logger.Lines, l => l.StartsWith("errors: Successful - measured", StringComparison.Ordinal));
        Assert.Contains(target.Analysis.ToString(), logger.Lines);
    }

    [Fact]
    public async Task A_failed_analysis_fails_the_target_as_unhealthy_naming_what_decided_it()
    {
        Measures(0.2);

        var error = await Assert.ThrowsAsync<Editing.DeployException>(() => Verify(true, ("analysis-metrics", Inline)));

        Assert.Equal(Editing.ErrorKind.Unhealthy, error.Kind);
        Assert.StartsWith("metric analysis failed on latency: p99 = ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inline_metrics_alone_read_no_template()
    {
        Measures(0.01);

        await Verify(true, ("analysis-metrics", Inline));

        Assert.Equal(["latency"], asked!.Metrics.Select(m => m.Name));
    }

    [Fact]
    public async Task Without_an_analysis_asked_or_a_port_nothing_is_measured()
    {
        Measures(0.01);

        var none = await Verify(true);
        var noPort = await Verify(false, ("analysis-metrics", Inline));

        Assert.Null(none.Analysis);
        Assert.Null(noPort.Analysis);
        await analysis.DidNotReceiveWithAnyArgs().RunAsync(default!, default, default);
    }
}
