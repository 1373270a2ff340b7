using GitOpsDeploy.Editing.Yaml;

namespace GitOpsDeploy.Editing.Overlay;

/// <summary>
/// Argo CD's own objects in the gitops repository decide what every cluster runs: an Application's
/// source, destination and sync policy, an ApplicationSet's generators, an AppProject's permissions.
/// The action edits an Application only where a Helm source takes its values (<c>spec.source.helm</c>,
/// <c>spec.sources[...].helm</c>: the documented <c>valuesObject</c> and <c>parameters</c> targets), and
/// never an ApplicationSet or AppProject.
/// </summary>
public static class ArgoCdFiles
{
    private static readonly string[] Guarded = ["Application", "ApplicationSet", "AppProject"];

    public static void RefuseOutsideHelm(YamlText file, IEnumerable<IReadOnlyList<object>> paths, string input)
    {
        foreach (var document in file.Documents.OfType<YamlMapping>())
        {
            var apiVersion = (document.Find("apiVersion")?.Value as YamlScalar)?.Value;
            var kind = (document.Find("kind")?.Value as YamlScalar)?.Value;
            if (apiVersion?.StartsWith("argoproj.io/", StringComparison.Ordinal) != true || kind is null || !Guarded.Contains(kind, StringComparer.Ordinal))
            {
                continue;
            }

            if (kind != "Application")
            {
                throw DeployException.File(file.At(document), $"input '{input}': {file.Path} is an Argo CD {kind}, which the action never edits");
            }

            if (paths.FirstOrDefault(p => !UnderHelm(p)) is { } outside)
            {
                throw DeployException.File(file.At(document),
                    $"input '{input}': {file.Path} is an Argo CD Application; the action edits one only under spec.source.helm or spec.sources[...].helm, not '{ValueSetting.FormatPath(outside)}'");
            }
        }
    }

    private static bool UnderHelm(IReadOnlyList<object> path) => path switch
    {
        ["spec", "source", "helm", ..] => true,
        ["spec", "sources", not string, "helm", ..] => true,
        _ => false,
    };
}
