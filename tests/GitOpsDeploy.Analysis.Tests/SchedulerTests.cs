namespace GitOpsDeploy.Analysis.Tests;

/// <summary>Measurement outcomes (Argo Rollouts' EvaluateResult with missing data inconclusive) and the limits and timing of a run.</summary>
[Trait("Tier", "Unit")]
public sealed class SchedulerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private static MetricSpec Metric(string name = "m", string? success = "result[0] >= 0.95", string? failure = null) => new()
    {
        Name = name,
        Prometheus = new PrometheusProvider("http://p:9090", $"query_{name}", PrometheusProvider.DefaultTimeout),
        SuccessCondition = success is null ? null : Condition.Parse(success),
        FailureCondition = failure is null ? null : Condition.Parse(failure),
    };

    private static Measurement M(MetricSpec metric, MeasurementPhase phase, int atSeconds) =>
        new(metric.Name, phase, T0.AddSeconds(atSeconds), T0.AddSeconds(atSeconds + 1), phase == MeasurementPhase.Error ? null : QueryResult.Vector(1), phase.ToString());

    private static AnalysisStep Assess(MetricSpec metric, params MeasurementPhase[] phases) =>
        AnalysisScheduler.Assess(new AnalysisSpec("t", [metric]), T0, phases.Select((p, i) => M(metric, p, i * 60)));

    [Theory]
    [InlineData("result[0] >= 0.95", null, new[] { 0.99 }, MeasurementPhase.Successful)]
    [InlineData("result[0] >= 0.95", null, new[] { 0.5 }, MeasurementPhase.Failed)]
    [InlineData("result[0] >= 0.95", null, new double[0], MeasurementPhase.Inconclusive)]
    [InlineData("result[0] >= 0.95", null, new[] { double.NaN }, MeasurementPhase.Inconclusive)]
    [InlineData(null, "result[0] > 0.05", new[] { 0.2 }, MeasurementPhase.Failed)]
    [InlineData(null, "result[0] > 0.05", new[] { 0.01 }, MeasurementPhase.Successful)]
    [InlineData(null, "result[0] > 0.05", new[] { double.NaN }, MeasurementPhase.Inconclusive)]
    [InlineData(null, "result[0] > 0.05", new double[0], MeasurementPhase.Inconclusive)]
    [InlineData("result[0] >= 0.95", "result[0] < 0.5", new[] { 0.99 }, MeasurementPhase.Successful)]
    [InlineData("result[0] >= 0.95", "result[0] < 0.5", new[] { 0.1 }, MeasurementPhase.Failed)]
    [InlineData("result[0] >= 0.95", "result[0] < 0.5", new[] { 0.7 }, MeasurementPhase.Inconclusive)]
    [InlineData("result[0] >= 0.95", "result[0] < 0.5", new double[0], MeasurementPhase.Inconclusive)]
    [InlineData("len(result) == 0 || result[0] >= 0.95", "result[0] < 0.5", new double[0], MeasurementPhase.Inconclusive)]
    [InlineData("len(result) == 0 || result[0] >= 0.95", null, new double[0], MeasurementPhase.Successful)]
    [InlineData(null, null, new[] { 1.0 }, MeasurementPhase.Successful)]
    [InlineData(null, null, new double[0], MeasurementPhase.Inconclusive)]
    [InlineData(null, null, new[] { double.NaN }, MeasurementPhase.Inconclusive)]
    public void A_measurement_follows_argo_rollouts_but_missing_data_is_never_a_verdict(string? success, string? failure, double[] values, MeasurementPhase expected)
    {
        var m = Measurement.Evaluate(Metric(success: success, failure: failure), QueryResult.Vector(values), T0, T0.AddSeconds(1));
        Assert.Equal(expected, m.Phase);
        Assert.Equal(QueryResult.Vector(values), m.Value);
    }

    [Fact]
    public void A_measurement_says_why_in_words()
    {
        var metric = Metric(success: "result[0] <= 0.05", failure: "result[0] > 0.05");
        var failed = Measurement.Evaluate(metric, QueryResult.Vector(0.2), T0, T0);
        Assert.Equal("result [0.2] met failureCondition \"result[0] > 0.05\"", failed.Message);
        Assert.Equal("failureCondition: result[0] > 0.05", failed.Condition);

        var empty = Measurement.Evaluate(metric, QueryResult.Vector(), T0, T0);
        Assert.Equal("no data: the query returned an empty vector, so failureCondition \"result[0] > 0.05\" can't be decided", empty.Message);

        var past = Measurement.Evaluate(Metric(success: "result[1] > 0"), QueryResult.Vector(1), T0, T0);
        Assert.Equal("successCondition \"result[1] > 0\" can't be decided from result [1] (an index past its end)", past.Message);

        var neither = Measurement.Evaluate(Metric(success: "result[0] >= 0.95", failure: "result[0] < 0.5"), QueryResult.Vector(0.7), T0, T0);
        Assert.Equal("result [0.7] met neither successCondition \"result[0] >= 0.95\" nor failureCondition \"result[0] < 0.5\"", neither.Message);

        var wrongShape = Measurement.Evaluate(Metric(success: "result[0] > 1"), QueryResult.Scalar(2), T0, T0);
        Assert.Equal(MeasurementPhase.Error, wrongShape.Phase);
        Assert.StartsWith("could not evaluate successCondition \"result[0] > 1\": the query returned a scalar", wrongShape.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_single_measurement_metric_is_due_at_the_start_and_done_after_one_measurement()
    {
        var metric = Metric();
        var start = Assess(metric);
        Assert.Equal(AnalysisPhase.Running, start.Phase);
        Assert.Equal(T0, start.NextDueAt);
        Assert.Equal(["m"], start.DueBy(T0));
        Assert.Empty(start.DueBy(T0.AddSeconds(-1)));

        var done = Assess(metric, MeasurementPhase.Successful);
        Assert.True(done.IsFinished);
        Assert.Equal(AnalysisPhase.Successful, done.Phase);
        Assert.Null(done.NextDueAt);
        Assert.Empty(done.DueBy(T0.AddDays(1)));
        Assert.Equal("count (1) reached", done.Result.Limit);
    }

    [Fact]
    public void The_first_measurement_waits_for_the_initial_delay_and_the_next_for_the_interval_after_the_last_one_ended()
    {
        var metric = Metric() with { InitialDelay = TimeSpan.FromSeconds(30), Interval = TimeSpan.FromMinutes(1), Count = 3 };
        Assert.Equal(T0.AddSeconds(30), Assess(metric).NextDueAt);

        var spec = new AnalysisSpec("t", [metric]);
        var first = new Measurement("m", MeasurementPhase.Successful, T0.AddSeconds(30), T0.AddSeconds(32), QueryResult.Vector(1), "ok");
        Assert.Equal(T0.AddSeconds(92), AnalysisScheduler.Assess(spec, T0, [first]).NextDueAt);

        var errored = first with { Phase = MeasurementPhase.Error, Value = null };
        Assert.Equal(T0.AddSeconds(42), AnalysisScheduler.Assess(spec, T0, [errored]).NextDueAt);
        var quickRetry = new AnalysisSpec("t", [metric], TimeSpan.FromSeconds(2));
        Assert.Equal(T0.AddSeconds(34), AnalysisScheduler.Assess(quickRetry, T0, [errored]).NextDueAt);
    }

    [Fact]
    public void Count_ends_a_metric_and_errors_do_not_count()
    {
        var metric = Metric() with { Interval = TimeSpan.FromMinutes(1), Count = 2 };
        Assert.Equal(AnalysisPhase.Running, Assess(metric, MeasurementPhase.Successful, MeasurementPhase.Error).Phase);
        var step = Assess(metric, MeasurementPhase.Successful, MeasurementPhase.Error, MeasurementPhase.Successful);
        Assert.Equal(AnalysisPhase.Successful, step.Phase);
        Assert.Equal(2, step.Metrics[0].Count);
        Assert.Equal(1, step.Metrics[0].Errors);
        Assert.Equal(3, step.Result.Measurements);
    }

    [Fact]
    public void FailureLimit_tolerates_that_many_failures()
    {
        var metric = Metric() with { Interval = TimeSpan.FromMinutes(1), Count = 5, FailureLimit = 1 };
        Assert.Equal(AnalysisPhase.Running, Assess(metric, MeasurementPhase.Failed).Phase);
        var step = Assess(metric, MeasurementPhase.Failed, MeasurementPhase.Successful, MeasurementPhase.Failed);
        Assert.Equal(AnalysisPhase.Failed, step.Phase);
        Assert.Equal("failed (2) > failureLimit (1)", step.Result.Limit);
        Assert.Equal(AnalysisPhase.Successful, Assess(metric with { Count = 3 }, MeasurementPhase.Failed, MeasurementPhase.Successful, MeasurementPhase.Successful).Phase);
    }

    [Fact]
    public void InconclusiveLimit_tolerates_that_many_inconclusive_measurements()
    {
        var metric = Metric() with { Interval = TimeSpan.FromMinutes(1), Count = 5, InconclusiveLimit = 1 };
        Assert.Equal(AnalysisPhase.Running, Assess(metric, MeasurementPhase.Inconclusive).Phase);
        var step = Assess(metric, MeasurementPhase.Inconclusive, MeasurementPhase.Inconclusive);
        Assert.Equal(AnalysisPhase.Inconclusive, step.Phase);
        Assert.Equal("inconclusive (2) > inconclusiveLimit (1)", step.Result.Limit);
        Assert.Equal(AnalysisPhase.Inconclusive, Assess(metric with { InconclusiveLimit = 0 }, MeasurementPhase.Inconclusive).Phase);
    }

    [Fact]
    public void ConsecutiveErrorLimit_counts_only_errors_in_a_row()
    {
        var metric = Metric();
        var four = Enumerable.Repeat(MeasurementPhase.Error, 4).ToArray();
        Assert.Equal(AnalysisPhase.Running, Assess(metric, four).Phase);
        var five = Assess(metric, [.. four, MeasurementPhase.Error]);
        Assert.Equal(AnalysisPhase.Error, five.Phase);
        Assert.Equal("consecutiveErrors (5) > consecutiveErrorLimit (4)", five.Result.Limit);

        var interrupted = metric with { Interval = TimeSpan.FromMinutes(1), Count = 3 };
        Assert.Equal(AnalysisPhase.Running, Assess(interrupted, [.. four, MeasurementPhase.Successful, .. four]).Phase);
        Assert.Equal(AnalysisPhase.Error, Assess(metric with { ConsecutiveErrorLimit = 0 }, MeasurementPhase.Error).Phase);
    }

    [Fact]
    public void ConsecutiveSuccessLimit_ends_a_metric_early_or_makes_an_unfinished_count_inconclusive_or_failed()
    {
        var metric = Metric() with { Interval = TimeSpan.FromMinutes(1), Count = 4, FailureLimit = 1, ConsecutiveSuccessLimit = 2 };
        var early = Assess(metric, MeasurementPhase.Failed, MeasurementPhase.Successful, MeasurementPhase.Successful);
        Assert.Equal(AnalysisPhase.Successful, early.Phase);
        Assert.Equal("consecutiveSuccessLimit (2) reached", early.Result.Limit);

        var notReached = Assess(metric, MeasurementPhase.Successful, MeasurementPhase.Failed, MeasurementPhase.Successful, MeasurementPhase.Inconclusive);
        Assert.Equal(AnalysisPhase.Inconclusive, notReached.Phase);
        Assert.Equal("inconclusive (1) > inconclusiveLimit (0)", notReached.Result.Limit);

        var countOut = Assess(metric with { InconclusiveLimit = 1 }, MeasurementPhase.Successful, MeasurementPhase.Failed, MeasurementPhase.Successful, MeasurementPhase.Inconclusive);
        Assert.Equal(AnalysisPhase.Inconclusive, countOut.Phase);
        Assert.StartsWith("count (4) reached without consecutiveSuccessLimit (2)", countOut.Result.Limit, StringComparison.Ordinal);

        var onlySuccessLimit = metric with { FailureLimit = -1 };
        Assert.Equal(AnalysisPhase.Running, Assess(onlySuccessLimit, MeasurementPhase.Failed, MeasurementPhase.Failed, MeasurementPhase.Failed).Phase);
        Assert.Equal(AnalysisPhase.Failed, Assess(onlySuccessLimit, MeasurementPhase.Failed, MeasurementPhase.Successful, MeasurementPhase.Failed, MeasurementPhase.Successful).Phase);
    }

    [Fact]
    public void The_run_is_the_worst_metric_and_stops_the_others_once_one_fails()
    {
        var slow = Metric("slow") with { Interval = TimeSpan.FromMinutes(1), Count = 10 };
        var quick = Metric("quick");
        var spec = new AnalysisSpec("t", [slow, quick]);
        var step = AnalysisScheduler.Assess(spec, T0, [M(slow, MeasurementPhase.Successful, 0), M(quick, MeasurementPhase.Failed, 0)]);

        Assert.Equal(AnalysisPhase.Failed, step.Phase);
        Assert.Null(step.NextDueAt);
        Assert.Equal(AnalysisPhase.Successful, step.Metrics[0].Phase);
        Assert.Equal("not finished: the analysis stopped on another metric", step.Metrics[0].Message);
        Assert.Equal("quick", step.Result.Metric);
        Assert.Equal("query_quick", step.Result.Query);
    }

    [Theory]
    [InlineData(MeasurementPhase.Inconclusive, MeasurementPhase.Error, AnalysisPhase.Error, "b")]
    [InlineData(MeasurementPhase.Failed, MeasurementPhase.Error, AnalysisPhase.Failed, "a")]
    [InlineData(MeasurementPhase.Inconclusive, MeasurementPhase.Successful, AnalysisPhase.Inconclusive, "a")]
    [InlineData(MeasurementPhase.Failed, MeasurementPhase.Failed, AnalysisPhase.Failed, "a")]
    public void Worse_is_failed_then_error_then_inconclusive_and_the_first_metric_decides_a_tie(MeasurementPhase a, MeasurementPhase b, AnalysisPhase expected, string deciding)
    {
        var ma = Metric("a");
        var mb = Metric("b") with { ConsecutiveErrorLimit = 0 };
        var step = AnalysisScheduler.Assess(new AnalysisSpec("t", [ma, mb]), T0, [M(ma, a, 0), M(mb, b, 0)]);
        Assert.Equal(expected, step.Phase);
        Assert.Equal(deciding, step.Result.Metric);
    }

    [Fact]
    public void A_success_names_the_metric_measured_last_and_due_times_are_per_metric()
    {
        var a = Metric("a") with { Interval = TimeSpan.FromSeconds(10), Count = 2 };
        var b = Metric("b") with { Interval = TimeSpan.FromSeconds(30), Count = 2, InitialDelay = TimeSpan.FromSeconds(5) };
        var spec = new AnalysisSpec("t", [a, b]);
        var first = AnalysisScheduler.Assess(spec, T0, [M(a, MeasurementPhase.Successful, 0)]);
        Assert.Equal(T0.AddSeconds(5), first.NextDueAt);
        Assert.Equal(["b"], first.DueBy(T0.AddSeconds(5)));
        Assert.Equal(["a", "b"], first.DueBy(T0.AddSeconds(11)));

        var step = AnalysisScheduler.Assess(spec, T0, [M(a, MeasurementPhase.Successful, 0), M(b, MeasurementPhase.Successful, 5), M(a, MeasurementPhase.Successful, 11), M(b, MeasurementPhase.Successful, 36)]);
        Assert.Equal(AnalysisPhase.Successful, step.Phase);
        Assert.Equal("b", step.Result.Metric);
        Assert.Equal("analysis passed: 2 metric(s), 4 measurement(s)", step.Result.Summary());
    }

    [Fact]
    public void Measurements_after_a_metric_completed_are_not_counted()
    {
        var step = Assess(Metric(), MeasurementPhase.Successful, MeasurementPhase.Failed);
        Assert.Equal(AnalysisPhase.Successful, step.Phase);
        Assert.Equal(1, step.Metrics[0].Count);
    }

    [Fact]
    public void Refuses_a_measurement_of_a_metric_the_analysis_does_not_have()
    {
        var e = Assert.Throws<ArgumentException>(() => AnalysisScheduler.Assess(new AnalysisSpec("t", [Metric()]), T0, [M(Metric("other"), MeasurementPhase.Successful, 0)]));
        Assert.Contains("metric 'other', which the analysis does not have", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_result_is_a_value_and_its_summary_fits_a_deployment_status()
    {
        var metric = Metric(failure: "result[0] > 0.05", success: null) with { Prometheus = new PrometheusProvider("http://p:9090", new string('x', 300), PrometheusProvider.DefaultTimeout) };
        var spec = new AnalysisSpec("t", [metric]);
        var measurement = Measurement.Evaluate(metric, QueryResult.Vector(0.25), T0, T0.AddSeconds(1));
        var one = AnalysisScheduler.Assess(spec, T0, [measurement]).Result;
        var two = AnalysisScheduler.Assess(spec, T0, [measurement]).Result;

        Assert.Equal(one, two);
        Assert.Equal("analysis failed on m: [0.25] (failureCondition: result[0] > 0.05); failed (1) > failureLimit (0)", one.Summary());
        Assert.Equal("analysis failed on m: [0.25]…", one.Summary(29));
        Assert.Contains("query: " + new string('x', 300), one.ToString(), StringComparison.Ordinal);
        Assert.Contains("detail: result [0.25] met failureCondition \"result[0] > 0.05\"", one.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void An_errored_analysis_summarises_the_query_error()
    {
        var metric = Metric() with { ConsecutiveErrorLimit = 0 };
        var spec = new AnalysisSpec("t", [metric]);
        var result = AnalysisScheduler.Assess(spec, T0, [Measurement.Errored(metric, "Prometheus at http://p:9090 is unreachable: Connection refused", T0, T0)]).Result;
        Assert.Equal("analysis errored on m: Prometheus at http://p:9090 is unreachable: Connection refused; consecutiveErrors (1) > consecutiveErrorLimit (0)", result.Summary());
    }
}
