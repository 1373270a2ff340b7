using System.Globalization;

namespace GitOpsDeploy.Analysis;

/// <summary>The state of a metric or of the whole analysis.</summary>
public enum AnalysisPhase
{
    /// <summary>More measurements are due.</summary>
    Running,
    Successful,
    Inconclusive,
    Error,
    Failed,
}

/// <summary>A metric's counters and phase after the measurements so far (Argo Rollouts' MetricResult).</summary>
/// <param name="Message">Why a completed metric has its phase, e.g. "failed (1) > failureLimit (0)".</param>
/// <param name="NextDueAt">When its next measurement is due; null when it takes no more.</param>
public sealed record MetricStatus(
    string Name,
    AnalysisPhase Phase,
    int Count,
    int Successful,
    int Failed,
    int Inconclusive,
    int Errors,
    int ConsecutiveErrors,
    int ConsecutiveSuccesses,
    string? Message,
    Measurement? LastMeasurement,
    DateTimeOffset? NextDueAt);

/// <summary>
/// The analysis's outcome for a deployment status: which metric decided, with its query, the value it measured and the
/// condition and limit that applied. Only scalar fields, so two results with the same facts are equal.
/// </summary>
/// <param name="Metric">The deciding metric: the worst one (Failed &gt; Error &gt; Inconclusive, first in the template on a tie),
/// or for a success the one measured last; null while running.</param>
/// <param name="Value">Its last measured value as Argo Rollouts prints it ("[0.2]", "NaN"); null if the last query errored.</param>
/// <param name="Condition">The condition that decided its last measurement ("failureCondition: result[0] &gt; 0.05").</param>
/// <param name="Limit">The limit that ended the metric ("failed (1) &gt; failureLimit (0)", "count (3) reached").</param>
/// <param name="Detail">The last measurement's explanation (or the query error in the user's words).</param>
public sealed record AnalysisResult(
    AnalysisPhase Phase,
    string? Metric,
    string? Query,
    string? Value,
    string? Condition,
    string? Limit,
    string? Detail,
    int Metrics,
    int Measurements)
{
    /// <summary>GitHub caps a deployment status description at 140 characters.</summary>
    public const int DeploymentStatusLength = 140;

    /// <summary>One line for a deployment status, at most <paramref name="maxLength"/> characters.</summary>
    public string Summary(int maxLength = DeploymentStatusLength)
    {
        var text = Phase switch
        {
            AnalysisPhase.Running => $"analysis running: {Measurements} measurement(s) so far",
            AnalysisPhase.Successful => string.Create(CultureInfo.InvariantCulture, $"analysis passed: {Metrics} metric(s), {Measurements} measurement(s)"),
            _ => $"analysis {Verb(Phase)} on {Metric}: " + (Value is null ? Detail : $"{(Value == "[]" ? "no data" : Value)}{(Condition is null ? string.Empty : $" ({Condition})")}") + (Limit is null ? string.Empty : $"; {Limit}"),
        };
        return text.Length <= maxLength ? text : string.Concat(text.AsSpan(0, maxLength - 1), "…");
    }

    /// <summary>Every fact, on several lines, for a log or a job summary.</summary>
    public override string ToString()
    {
        var lines = new List<string> { Summary(int.MaxValue) };
        if (Metric is not null)
        {
            lines.Add($"metric: {Metric}");
        }

        if (Query is not null)
        {
            lines.Add($"query: {Query}");
        }

        if (Value is not null)
        {
            lines.Add($"value: {Value}");
        }

        if (Condition is not null)
        {
            lines.Add($"condition: {Condition}");
        }

        if (Limit is not null)
        {
            lines.Add($"limit: {Limit}");
        }

        if (Detail is not null)
        {
            lines.Add($"detail: {Detail}");
        }

        return string.Join('\n', lines);
    }

    private static string Verb(AnalysisPhase phase) => phase switch
    {
        AnalysisPhase.Failed => "failed",
        AnalysisPhase.Error => "errored",
        _ => "inconclusive",
    };
}

/// <summary>Where an analysis stands after the measurements so far, and what to query next.</summary>
public sealed class AnalysisStep
{
    internal AnalysisStep(AnalysisPhase phase, AnalysisResult result, IReadOnlyList<MetricStatus> metrics)
    {
        Phase = phase;
        Result = result;
        Metrics = metrics;
        NextDueAt = phase == AnalysisPhase.Running ? metrics.Where(m => m.NextDueAt is not null).Min(m => m.NextDueAt) : null;
    }

    public AnalysisPhase Phase { get; }

    public bool IsFinished => Phase != AnalysisPhase.Running;

    public AnalysisResult Result { get; }

    /// <summary>Every metric, in the template's order.</summary>
    public IReadOnlyList<MetricStatus> Metrics { get; }

    /// <summary>The earliest time a measurement is due; null once finished.</summary>
    public DateTimeOffset? NextDueAt { get; }

    /// <summary>The metrics whose next measurement is due at or before <paramref name="now"/>, in the template's order.</summary>
    public IReadOnlyList<string> DueBy(DateTimeOffset now) =>
        IsFinished ? [] : [.. Metrics.Where(m => m.NextDueAt is { } due && due <= now).Select(m => m.Name)];
}

/// <summary>
/// Argo Rollouts' analysis controller as a pure function: given the analysis, its start and the measurements so far, it
/// assesses each metric (failureLimit, inconclusiveLimit, consecutiveErrorLimit, consecutiveSuccessLimit, count), the run
/// (the worst metric; once a metric is Failed, Error or Inconclusive the run terminates and the metrics still running count
/// as Successful), and when each metric's next measurement is due (start + initialDelay first, then the last measurement's
/// end + interval, or + the error retry interval after an error).
/// </summary>
public static class AnalysisScheduler
{
    public static AnalysisStep Assess(AnalysisSpec spec, DateTimeOffset startedAt, IEnumerable<Measurement> measurements)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(measurements);
        var byMetric = measurements.ToLookup(m => m.Metric, StringComparer.Ordinal);
        foreach (var group in byMetric)
        {
            if (!spec.Metrics.Any(m => m.Name == group.Key))
            {
                throw new ArgumentException($"a measurement names metric '{group.Key}', which the analysis does not have", nameof(measurements));
            }
        }

        var statuses = spec.Metrics.Select(m => AssessMetric(spec, m, startedAt, byMetric[m.Name])).ToList();

        var terminating = statuses.Any(s => s.Phase is AnalysisPhase.Failed or AnalysisPhase.Error or AnalysisPhase.Inconclusive);
        if (terminating)
        {
            // Argo Rollouts: a terminating run takes no more measurements and counts the metrics still running as Successful.
            statuses = [.. statuses.Select(s => s.Phase == AnalysisPhase.Running
                ? s with { Phase = AnalysisPhase.Successful, Message = "not finished: the analysis stopped on another metric", NextDueAt = null }
                : s)];
        }

        var total = statuses.Sum(s => s.Count + s.Errors);
        var phase = statuses.Any(s => s.Phase == AnalysisPhase.Running)
            ? AnalysisPhase.Running
            : statuses.Select(s => s.Phase).Max();
        AnalysisResult result;
        if (phase == AnalysisPhase.Running)
        {
            result = new AnalysisResult(phase, null, null, null, null, null, null, spec.Metrics.Count, total);
        }
        else
        {
            var deciding = phase == AnalysisPhase.Successful
                ? statuses.Where(s => s.LastMeasurement is not null).MaxBy(s => s.LastMeasurement!.FinishedAt) ?? statuses[0]
                : statuses.First(s => s.Phase == phase);
            var last = deciding.LastMeasurement;
            result = new AnalysisResult(
                phase,
                deciding.Name,
                spec.Metric(deciding.Name).Prometheus.Query,
                last?.Value?.ToString(),
                last?.Condition,
                deciding.Message,
                last?.Message,
                spec.Metrics.Count,
                total);
        }

        return new AnalysisStep(phase, result, statuses);
    }

    private static MetricStatus AssessMetric(AnalysisSpec spec, MetricSpec metric, DateTimeOffset startedAt, IEnumerable<Measurement> measurements)
    {
        int count = 0, successful = 0, failed = 0, inconclusive = 0, errors = 0, consecutiveErrors = 0, consecutiveSuccesses = 0;
        Measurement? last = null;
        (AnalysisPhase Phase, string? Message) state = (AnalysisPhase.Running, null);
        foreach (var m in measurements)
        {
            // A completed metric takes no more measurements: later ones (if a caller took them anyway) are not counted.
            if (state.Phase != AnalysisPhase.Running)
            {
                break;
            }

            last = m;
            switch (m.Phase)
            {
                case MeasurementPhase.Successful:
                    successful++;
                    count++;
                    consecutiveErrors = 0;
                    consecutiveSuccesses++;
                    break;
                case MeasurementPhase.Failed:
                    failed++;
                    count++;
                    consecutiveErrors = 0;
                    consecutiveSuccesses = 0;
                    break;
                case MeasurementPhase.Inconclusive:
                    inconclusive++;
                    count++;
                    consecutiveErrors = 0;
                    consecutiveSuccesses = 0;
                    break;
                case MeasurementPhase.Error:
                    errors++;
                    consecutiveErrors++;
                    consecutiveSuccesses = 0;
                    break;
            }

            state = AssessCounters(metric, count, failed, inconclusive, consecutiveErrors, consecutiveSuccesses);
        }

        DateTimeOffset? nextDue = null;
        if (state.Phase == AnalysisPhase.Running)
        {
            nextDue = last is null
                ? startedAt + metric.InitialDelay
                : last.FinishedAt + (last.Phase == MeasurementPhase.Error ? spec.ErrorRetryInterval : metric.Interval ?? spec.ErrorRetryInterval);
        }

        return new MetricStatus(metric.Name, state.Phase, count, successful, failed, inconclusive, errors, consecutiveErrors, consecutiveSuccesses, state.Message, last, nextDue);
    }

    /// <summary>Argo Rollouts' assessMetricStatus after a completed measurement (not terminating).</summary>
    private static (AnalysisPhase, string?) AssessCounters(MetricSpec metric, int count, int failed, int inconclusive, int consecutiveErrors, int consecutiveSuccesses)
    {
        // assessMetricFailureInconclusiveOrError: later checks win, so Error > Inconclusive > Failed when several hold.
        (AnalysisPhase, string?)? verdict = null;
        if (metric.FailureLimit >= 0 && failed > metric.FailureLimit)
        {
            verdict = (AnalysisPhase.Failed, Invariant($"failed ({failed}) > failureLimit ({metric.FailureLimit})"));
        }

        if (inconclusive > metric.InconclusiveLimit)
        {
            verdict = (AnalysisPhase.Inconclusive, Invariant($"inconclusive ({inconclusive}) > inconclusiveLimit ({metric.InconclusiveLimit})"));
        }

        if (consecutiveErrors > metric.ConsecutiveErrorLimit)
        {
            verdict = (AnalysisPhase.Error, Invariant($"consecutiveErrors ({consecutiveErrors}) > consecutiveErrorLimit ({metric.ConsecutiveErrorLimit})"));
        }

        if (verdict is { } v)
        {
            return v;
        }

        if (metric.ConsecutiveSuccessLimit > 0 && consecutiveSuccesses >= metric.ConsecutiveSuccessLimit)
        {
            return (AnalysisPhase.Successful, Invariant($"consecutiveSuccessLimit ({metric.ConsecutiveSuccessLimit}) reached"));
        }

        if (metric.EffectiveCount is { } effective && count >= effective)
        {
            if (metric.ConsecutiveSuccessLimit > 0)
            {
                return metric.FailureLimit >= 0
                    ? (AnalysisPhase.Inconclusive, Invariant($"count ({effective}) reached without consecutiveSuccessLimit ({metric.ConsecutiveSuccessLimit}), and failureLimit ({metric.FailureLimit}) not exceeded"))
                    : (AnalysisPhase.Failed, Invariant($"count ({effective}) reached without consecutiveSuccessLimit ({metric.ConsecutiveSuccessLimit})"));
            }

            return (AnalysisPhase.Successful, Invariant($"count ({effective}) reached"));
        }

        return (AnalysisPhase.Running, null);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
