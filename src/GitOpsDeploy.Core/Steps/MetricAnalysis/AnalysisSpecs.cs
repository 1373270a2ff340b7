using GitOpsDeploy.Analysis;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Editing;

namespace GitOpsDeploy.Core.Steps.MetricAnalysis;

/// <summary>The analysis of one target: the AnalysisTemplate read from a gitops tree, with the inline metrics after its own.</summary>
internal static class AnalysisSpecs
{
    /// <summary>
    /// Reads and parses the target's template from <paramref name="tree"/> (a snapshot's, inside its reading section).
    /// Throws a <see cref="DeployException"/> naming the input, or the template's file and line.
    /// </summary>
    public static AnalysisSpec For(IRepositoryTree tree, string branch, DeployRequest request, DeployTarget target)
    {
        var options = request.Analysis;
        if (!options.Templates.TryGetValue(target.Environment, out var path))
        {
            return options.Inline ?? throw new InvalidOperationException("no metric analysis for " + target.Environment);
        }

        if (tree.KindOf(path) != TreeEntryKind.File)
        {
            throw DeployException.Input("analysis-template", $"'{path}' is not a file on {branch} of {request.GitOps.Display}");
        }

        AnalysisSpec template;
        try
        {
            template = AnalysisTemplateParser.ParseTemplate(tree.ReadText(path), path, options.Args, options.ParserOptions, options.TemplateName);
        }
        catch (AnalysisSpecException e)
        {
            throw DeployException.File(new SourceLocation(e.SourceName, Math.Max(e.Line, 1), 1), e.Reason);
        }

        if (options.Inline is not { } inline)
        {
            return template;
        }

        // Both lists were validated by the parser; what only the pair can get wrong is a name given twice.
        return template.Metrics.Select(m => m.Name).Intersect(inline.Metrics.Select(m => m.Name), StringComparer.Ordinal).FirstOrDefault() is { } twice
            ? throw DeployException.Input("analysis-metrics", $"metric '{twice}' is also a metric of {path}; give each metric its own name")
            : new AnalysisSpec($"{template.Name}+inline", [.. template.Metrics, .. inline.Metrics], template.ErrorRetryInterval);
    }
}
