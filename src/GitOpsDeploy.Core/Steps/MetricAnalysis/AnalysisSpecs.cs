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

        var text = tree.ReadText(path);

        try
        {
            var template = AnalysisTemplateParser.ParseTemplate(text, path, options.Args, options.ParserOptions, options.TemplateName);
            return options.Inline is not { } inline ? template : new AnalysisSpec($"{template.Name}+inline", [.. template.Metrics, .. inline.Metrics], template.ErrorRetryInterval);
        }
        catch (AnalysisSpecException e)
        {
            throw DeployException.File(new SourceLocation(e.SourceName, Math.Max(e.Line, 1), 1), e.Reason);
        }
        catch (ArgumentException e)
        {
            throw DeployException.Input("analysis-metrics", $"with {path}: {e.Message}");
        }
    }
}
