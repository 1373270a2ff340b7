using System.Globalization;

namespace GitOpsDeploy.Analysis;

/// <summary>An analysis definition that cannot be used, with where it came from (file:line).</summary>
public sealed class AnalysisSpecException(string source, int line, string message)
    : Exception(line > 0 ? $"{source}:{line}: {message}" : $"{source}: {message}")
{
    public string SourceName { get; } = source;

    /// <summary>1-based line, 0 when the problem has no single line.</summary>
    public int Line { get; } = line;

    public string Reason { get; } = message;
}

/// <summary>Settings that come from the action rather than from the template.</summary>
public sealed record AnalysisOptions
{
    /// <summary>The inconclusiveLimit of metrics whose definition gives none (Argo Rollouts' default is 0).</summary>
    public int? InconclusiveLimit { get; init; }

    /// <summary>The Prometheus address of metrics whose definition gives none.</summary>
    public string? DefaultAddress { get; init; }

    /// <summary>How long after an errored measurement the next one is taken (Argo Rollouts: 10s).</summary>
    public TimeSpan ErrorRetryInterval { get; init; } = AnalysisSpec.DefaultErrorRetryInterval;
}

/// <summary>The Prometheus provider of a metric: <c>provider.prometheus</c>.</summary>
/// <param name="Timeout">The query's timeout (<c>timeout</c>, in seconds; Argo Rollouts' default is 30s).</param>
public sealed record PrometheusProvider(string Address, string Query, TimeSpan Timeout)
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);
}

/// <summary>One metric of an analysis, with its arguments already substituted and its conditions parsed.</summary>
public sealed record MetricSpec
{
    /// <summary>Argo Rollouts' default consecutiveErrorLimit.</summary>
    public const int DefaultConsecutiveErrorLimit = 4;

    public required string Name { get; init; }

    public required PrometheusProvider Prometheus { get; init; }

    /// <summary>Time between measurements; null for a single measurement.</summary>
    public TimeSpan? Interval { get; init; }

    /// <summary>Delay from the start of the analysis to this metric's first measurement.</summary>
    public TimeSpan InitialDelay { get; init; }

    /// <summary>The <c>count</c> as written (null or 0: not given).</summary>
    public int? Count { get; init; }

    public Condition? SuccessCondition { get; init; }

    public Condition? FailureCondition { get; init; }

    /// <summary>Failed measurements tolerated; -1 disables (only with a consecutiveSuccessLimit).</summary>
    public int FailureLimit { get; init; }

    public int InconclusiveLimit { get; init; }

    public int ConsecutiveErrorLimit { get; init; } = DefaultConsecutiveErrorLimit;

    /// <summary>Consecutive successes that make the metric Successful; 0 disables.</summary>
    public int ConsecutiveSuccessLimit { get; init; }

    /// <summary>Where the metric was defined ("file:line"), for messages.</summary>
    public string? Source { get; init; }

    /// <summary>Argo Rollouts' EffectiveCount: count if given, else 1 without an interval; null means "forever".</summary>
    public int? EffectiveCount => Count is null or 0 ? (Interval is null ? 1 : null) : Count;

    /// <summary>Argo Rollouts' ValidateMetric, plus what this action needs: a query and an end.</summary>
    public string? Validate()
    {
        if (string.IsNullOrWhiteSpace(Name))
        {
            return "a metric needs a name";
        }

        var count = Count ?? 0;
        if (count < 0)
        {
            return "count must be >= 0";
        }

        if (ConsecutiveSuccessLimit < 0)
        {
            return "consecutiveSuccessLimit must be >= 0";
        }

        if (FailureLimit < -1)
        {
            return "failureLimit must be >= 0, or -1 to be disabled";
        }

        if (ConsecutiveSuccessLimit == 0 && FailureLimit == -1)
        {
            return "failureLimit and consecutiveSuccessLimit cannot both be disabled";
        }

        if (InconclusiveLimit < 0)
        {
            return "inconclusiveLimit must be >= 0";
        }

        if (ConsecutiveErrorLimit < 0)
        {
            return "consecutiveErrorLimit must be >= 0";
        }

        if (count > 0)
        {
            if (FailureLimit >= 0 && count < FailureLimit + ConsecutiveSuccessLimit)
            {
                return string.Create(CultureInfo.InvariantCulture, $"count ({count}) must be >= failureLimit + consecutiveSuccessLimit ({FailureLimit} + {ConsecutiveSuccessLimit}) if both >= 0");
            }

            if (FailureLimit < 0 && count < ConsecutiveSuccessLimit)
            {
                return "count must be >= consecutiveSuccessLimit";
            }

            if (count < InconclusiveLimit)
            {
                return "count must be >= inconclusiveLimit";
            }
        }

        if (count > 1 && Interval is null)
        {
            return "interval must be specified when count > 1";
        }

        if (Interval is { } interval && interval <= TimeSpan.Zero)
        {
            return "interval must be positive";
        }

        if (InitialDelay < TimeSpan.Zero)
        {
            return "initialDelay must not be negative";
        }

        if (EffectiveCount is null)
        {
            return "an interval without a count measures forever, and a deployment must end: give count";
        }

        if (string.IsNullOrWhiteSpace(Prometheus.Query))
        {
            return "provider.prometheus.query is required";
        }

        if (!Uri.TryCreate(Prometheus.Address, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || string.IsNullOrEmpty(uri.Host))
        {
            return $"provider.prometheus.address \"{Prometheus.Address}\" is not an http(s) URL";
        }

        return Prometheus.Timeout <= TimeSpan.Zero ? "provider.prometheus.timeout must be at least 1 (second)" : null;
    }
}

/// <summary>A parsed analysis: its metrics in the order they were written.</summary>
public sealed class AnalysisSpec
{
    public static readonly TimeSpan DefaultErrorRetryInterval = TimeSpan.FromSeconds(10);

    /// <summary>Validates the metrics as Argo Rollouts' ValidateMetrics does; throws <see cref="ArgumentException"/> otherwise.</summary>
    public AnalysisSpec(string name, IReadOnlyList<MetricSpec> metrics, TimeSpan? errorRetryInterval = null)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        if (metrics.Count == 0)
        {
            throw new ArgumentException("no metrics specified", nameof(metrics));
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < metrics.Count; i++)
        {
            if (!names.Add(metrics[i].Name))
            {
                throw new ArgumentException($"metrics[{i}]: duplicate name '{metrics[i].Name}'", nameof(metrics));
            }

            if (metrics[i].Validate() is { } error)
            {
                throw new ArgumentException($"metrics[{i}] ({metrics[i].Name}): {error}", nameof(metrics));
            }
        }

        Name = name;
        Metrics = [.. metrics];
        ErrorRetryInterval = errorRetryInterval ?? DefaultErrorRetryInterval;
        if (ErrorRetryInterval <= TimeSpan.Zero)
        {
            throw new ArgumentException("the error retry interval must be positive", nameof(errorRetryInterval));
        }
    }

    /// <summary>The template's metadata.name, or "inline".</summary>
    public string Name { get; }

    public IReadOnlyList<MetricSpec> Metrics { get; }

    public TimeSpan ErrorRetryInterval { get; }

    public MetricSpec Metric(string name) =>
        Metrics.FirstOrDefault(m => m.Name == name) ?? throw new ArgumentException($"no metric named '{name}'", nameof(name));
}
