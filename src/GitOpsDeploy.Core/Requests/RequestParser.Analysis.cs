using GitOpsDeploy.Analysis;
using GitOpsDeploy.Editing;

namespace GitOpsDeploy.Core.Requests;

/// <summary>The metric analysis inputs.</summary>
public static partial class RequestParser
{
    private static MetricAnalysisOptions ParseAnalysis(InputReader read, IReadOnlyList<string> environments)
    {
        var (template, name) = RepositoryFileAndName(read, "analysis-template", "NAME");

        var args = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in (read.Optional("analysis-args") ?? string.Empty).Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || !args.TryAdd(line[..eq].Trim(), line[(eq + 1)..].Trim()))
            {
                throw DeployException.Input("analysis-args", $"'{line}' is not NAME=VALUE (one per line, each name once)");
            }
        }

        var options = new MetricAnalysisOptions
        {
            Templates = template is null ? new Dictionary<string, string>() : environments.ToDictionary(e => e, e => ForTarget(template, e, "analysis-template"), StringComparer.Ordinal),
            TemplateName = name,
            Args = args,
            PrometheusUrl = read.Url("prometheus-url"),
            Token = read.Optional("prometheus-token"),
            InconclusiveLimit = read.Int("analysis-inconclusive-limit", 0, 1000),
        };
        if (read.Optional("analysis-metrics") is not { } inline)
        {
            return options;
        }

        try
        {
            return options with { Inline = AnalysisTemplateParser.ParseMetrics(inline, "analysis-metrics", args, options.ParserOptions) };
        }
        catch (AnalysisSpecException e)
        {
            throw DeployException.Input("analysis-metrics", e.Line > 0 ? $"line {e.Line}: {e.Reason}" : e.Reason);
        }
    }
}
