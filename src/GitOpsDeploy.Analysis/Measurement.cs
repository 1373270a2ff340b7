namespace GitOpsDeploy.Analysis;

/// <summary>The outcome of one query of one metric.</summary>
public enum MeasurementPhase
{
    Successful,
    Failed,

    /// <summary>Neither condition decided, or the data was missing (empty vector, NaN, an index past the end).</summary>
    Inconclusive,

    /// <summary>The query failed, or a condition did not fit the answer's shape.</summary>
    Error,
}

/// <summary>One measurement of a metric, as the scheduler counts it.</summary>
/// <param name="Value">The query's answer; null for an errored query.</param>
/// <param name="Message">Why the measurement has its phase, in the user's words.</param>
/// <param name="Condition">The condition that decided, as "successCondition: ..." or "failureCondition: ...", if one did.</param>
public sealed record Measurement(
    string Metric,
    MeasurementPhase Phase,
    DateTimeOffset StartedAt,
    DateTimeOffset FinishedAt,
    QueryResult? Value,
    string Message,
    string? Condition = null)
{
    /// <summary>A query that did not answer (unreachable, timeout, rejected query): the message is the user's.</summary>
    public static Measurement Errored(MetricSpec metric, string message, DateTimeOffset startedAt, DateTimeOffset finishedAt)
    {
        ArgumentNullException.ThrowIfNull(metric);
        return new Measurement(metric.Name, MeasurementPhase.Error, startedAt, finishedAt, null, message);
    }

    /// <summary>
    /// Argo Rollouts' EvaluateResult with missing data made explicit: a condition that is unknown (it needed an empty
    /// result's element, or compared NaN) is never taken as met nor as not met, so the measurement is Inconclusive.
    /// <list type="bullet">
    /// <item>both conditions: failure met → Failed; success met and failure not met → Successful; otherwise Inconclusive;</item>
    /// <item>only successCondition: met → Successful, not met → Failed, unknown → Inconclusive;</item>
    /// <item>only failureCondition: met → Failed, not met → Successful, unknown → Inconclusive;</item>
    /// <item>neither: Successful when there is data (no empty vector, no NaN), else Inconclusive.</item>
    /// </list>
    /// </summary>
    public static Measurement Evaluate(MetricSpec metric, QueryResult result, DateTimeOffset startedAt, DateTimeOffset finishedAt)
    {
        ArgumentNullException.ThrowIfNull(metric);
        ArgumentNullException.ThrowIfNull(result);
        Measurement Make(MeasurementPhase phase, string message, string? condition = null) =>
            new(metric.Name, phase, startedAt, finishedAt, result, message, condition);

        var success = metric.SuccessCondition;
        var failure = metric.FailureCondition;
        Truth s, f;
        try
        {
            s = success?.Evaluate(result) ?? Truth.Unknown;
        }
        catch (ConditionEvaluationException e)
        {
            return Make(MeasurementPhase.Error, $"could not evaluate successCondition \"{success!.Text}\": {e.Message}", Label("successCondition", success));
        }

        try
        {
            f = failure?.Evaluate(result) ?? Truth.Unknown;
        }
        catch (ConditionEvaluationException e)
        {
            return Make(MeasurementPhase.Error, $"could not evaluate failureCondition \"{failure!.Text}\": {e.Message}", Label("failureCondition", failure));
        }

        var value = result.ToString();
        if (success is null && failure is null)
        {
            return result.HasMissingData
                ? Make(MeasurementPhase.Inconclusive, $"{MissingData(result)}, and no condition can tell")
                : Make(MeasurementPhase.Successful, $"result {value} (no condition to check)");
        }

        if (f == Truth.True)
        {
            return Make(MeasurementPhase.Failed, $"result {value} met failureCondition \"{failure!.Text}\"", Label("failureCondition", failure));
        }

        if (failure is not null && f == Truth.Unknown)
        {
            return Make(MeasurementPhase.Inconclusive, Undecided(result, "failureCondition", failure), Label("failureCondition", failure));
        }

        if (success is null)
        {
            return Make(MeasurementPhase.Successful, $"result {value} did not meet failureCondition \"{failure!.Text}\"", Label("failureCondition", failure));
        }

        return s switch
        {
            Truth.True => Make(MeasurementPhase.Successful, $"result {value} met successCondition \"{success.Text}\"", Label("successCondition", success)),
            Truth.Unknown => Make(MeasurementPhase.Inconclusive, Undecided(result, "successCondition", success), Label("successCondition", success)),
            _ when failure is null => Make(MeasurementPhase.Failed, $"result {value} did not meet successCondition \"{success.Text}\"", Label("successCondition", success)),
            _ => Make(MeasurementPhase.Inconclusive, $"result {value} met neither successCondition \"{success.Text}\" nor failureCondition \"{failure.Text}\"", Label("successCondition", success)),
        };
    }

    private static string Label(string which, Condition condition) => $"{which}: {condition.Text}";

    private static string Undecided(QueryResult result, string which, Condition condition) =>
        result.HasMissingData
            ? $"{MissingData(result)}, so {which} \"{condition.Text}\" can't be decided"
            : $"{which} \"{condition.Text}\" can't be decided from result {result} (an index past its end)";

    private static string MissingData(QueryResult result) =>
        result.IsEmpty ? "no data: the query returned an empty vector" : $"no data: the query returned {result}";
}
