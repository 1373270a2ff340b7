using GitOpsDeploy.Analysis;

namespace GitOpsDeploy.Core.Requests;

/// <summary>
/// The metric analysis of a run (analysis-template, analysis-metrics, analysis-args, prometheus-url, prometheus-token,
/// analysis-inconclusive-limit): Prometheus checks run after the change landed and Argo CD reported Synced and Healthy.
/// </summary>
public sealed record MetricAnalysisOptions
{
    public static MetricAnalysisOptions None { get; } = new();

    /// <summary>analysis-template per environment: an AnalysisTemplate file in the gitops repository; empty when not asked.</summary>
    public IReadOnlyDictionary<string, string> Templates { get; init; } = new Dictionary<string, string>();

    /// <summary>The template to take when the file holds several (<c>PATH#NAME</c>).</summary>
    public string? TemplateName { get; init; }

    /// <summary>analysis-metrics, parsed: the metrics given inline.</summary>
    public AnalysisSpec? Inline { get; init; }

    /// <summary>analysis-args: values for the template's <c>{{args.NAME}}</c>.</summary>
    public IReadOnlyDictionary<string, string> Args { get; init; } = new Dictionary<string, string>();

    /// <summary>prometheus-url: the address of metrics whose provider names none.</summary>
    public string? PrometheusUrl { get; init; }

    /// <summary>prometheus-token: the bearer token of every query.</summary>
    public string? Token { get; init; }

    /// <summary>analysis-inconclusive-limit: for metrics that set no inconclusiveLimit.</summary>
    public int InconclusiveLimit { get; init; }

    public bool Enabled => Templates.Count > 0 || Inline is not null;

    /// <summary>What the template parser takes from the action rather than from the template.</summary>
    public AnalysisOptions ParserOptions => new() { InconclusiveLimit = InconclusiveLimit, DefaultAddress = PrometheusUrl };
}
