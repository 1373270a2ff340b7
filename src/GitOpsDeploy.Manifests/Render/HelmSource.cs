using GitOpsDeploy.Manifests.Files;
using YamlDotNet.RepresentationModel;

namespace GitOpsDeploy.Manifests.Render;

/// <summary>A <c>--set</c> (or, forced to a string, <c>--set-string</c>) parameter, as Argo CD's <c>helm.parameters</c>.</summary>
public sealed record HelmParameter(string Name, string Value, bool ForceString = false);

/// <summary>
/// What <c>helm template</c> renders for one environment: a chart folder in the repository, value
/// files in precedence order, then inline values and parameters (Argo CD's order).
/// </summary>
/// <param name="ChartPath">The chart folder (holding Chart.yaml), a repository path.</param>
/// <param name="ValueFiles">Repository paths, lowest precedence first.</param>
/// <param name="InlineValues">YAML given inline (Argo CD's <c>helm.values</c> or <c>helm.valuesObject</c>), above the files.</param>
/// <param name="Origin">Where this source was found (the Application file), for messages.</param>
public sealed record HelmSource(
    string ChartPath,
    IReadOnlyList<string> ValueFiles,
    string ReleaseName,
    string? Namespace = null,
    string? InlineValues = null,
    IReadOnlyList<HelmParameter>? Parameters = null,
    bool IgnoreMissingValueFiles = false,
    bool IncludeCrds = true,
    string? Origin = null);

/// <summary>The Helm sources that render a values folder, and what could not be rendered.</summary>
public sealed record HelmSourceSearch(IReadOnlyList<HelmSource> Sources, IReadOnlyList<string> Notes);

/// <summary>
/// Finds how a Helm values folder (an overlay without a kustomization) is rendered. Two layouts:
/// the folder is itself a chart (it holds Chart.yaml), or an Argo CD Application (or any of its
/// <c>sources</c>) renders a chart of this repository with value files in the folder
/// (<c>helm.valueFiles</c>, relative to the chart, or <c>$ref/...</c> through a <c>ref</c> source),
/// or the Application file lives in the folder with inline values.
/// </summary>
public static class HelmSources
{
    /// <summary>Searches <paramref name="applicationFolders"/> (recursively; e.g. <c>argocd</c>) and the folder itself.</summary>
    public static HelmSourceSearch ForValuesFolder(IManifestFiles files, string valuesFolder, IEnumerable<string> applicationFolders)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(applicationFolders);
        var folder = ManifestPath.Normalize(valuesFolder);
        var sources = new List<HelmSource>();
        var notes = new List<string>();
        if (files.IsFile(ManifestPath.Combine(folder, "Chart.yaml")))
        {
            sources.Add(new HelmSource(folder, [], ManifestPath.FileName(folder) is { Length: > 0 } name ? name : "release", Origin: ManifestPath.Combine(folder, "Chart.yaml")));
        }

        var candidates = applicationFolders.Select(ManifestPath.Normalize).Append(folder)
            .SelectMany(f => files.IsDirectory(f) ? ManifestPath.ListFilesRecursively(files, f) : files.IsFile(f) ? [f] : [])
            .Where(p => p.EndsWith(".yaml", StringComparison.Ordinal) || p.EndsWith(".yml", StringComparison.Ordinal))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal);
        foreach (var path in candidates)
        {
            IReadOnlyList<YamlNode> docs;
            try
            {
                docs = YamlDocuments.Load(path, YamlDocuments.Text(files.Read(path)));
            }
            catch (ManifestException)
            {
                continue;
            }

            foreach (var doc in docs.Where(d => d.Scalar("kind") == "Application" && (d.Scalar("apiVersion") ?? string.Empty).StartsWith("argoproj.io/", StringComparison.Ordinal)))
            {
                foreach (var source in FromApplication(files, path, doc, notes))
                {
                    var inFolder = ManifestPath.IsInside(folder, path) || source.ValueFiles.Any(v => ManifestPath.IsInside(folder, v));
                    if (inFolder && !sources.Any(s => s.Origin == source.Origin && s.ChartPath == source.ChartPath && s.ReleaseName == source.ReleaseName))
                    {
                        sources.Add(source);
                    }
                }
            }
        }

        return new HelmSourceSearch(sources, notes);
    }

    /// <summary>The Helm sources of one Argo CD Application document whose chart lives in this repository.</summary>
    public static IReadOnlyList<HelmSource> FromApplication(IManifestFiles files, string path, YamlNode application, IList<string>? notes = null)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(application);
        var spec = application.Get("spec");
        var all = new List<YamlNode>();
        if (spec.Get("source") is { } single)
        {
            all.Add(single);
        }

        all.AddRange(spec.Seq("sources") ?? []);
        var refs = all.Where(s => s.Scalar("ref") is not null).Select(s => s.Scalar("ref")!).ToHashSet(StringComparer.Ordinal);
        var name = application.Get("metadata").Scalar("name") ?? "release";
        var ns = spec.Get("destination").Scalar("namespace");
        var result = new List<HelmSource>();
        foreach (var source in all)
        {
            var helm = source.Get("helm");
            if (source.Scalar("chart") is { } chart)
            {
                notes?.Add($"{path}: the chart '{chart}' comes from a Helm repository ({source.Scalar("repoURL")}); it is not rendered offline");
                continue;
            }

            if (source.Scalar("path") is not { } chartDir)
            {
                continue;
            }

            // Argo CD renders a path holding a Chart.yaml with Helm, whether or not it has a helm: section.
            var chartPath = ManifestPath.Join(string.Empty, chartDir, path);
            if (!files.IsFile(ManifestPath.Combine(chartPath, "Chart.yaml")))
            {
                if (helm is not null)
                {
                    notes?.Add($"{path}: '{chartDir}' holds no Chart.yaml in this repository; not rendered");
                }

                continue;
            }

            var valueFiles = new List<string>();
            foreach (var file in helm.StringList("valueFiles", path))
            {
                var slash = file.IndexOf('/', StringComparison.Ordinal);
                if (file.StartsWith('$') && slash > 0 && refs.Contains(file[1..slash]))
                {
                    valueFiles.Add(ManifestPath.Join(string.Empty, file[(slash + 1)..], path));
                }
                else if (file.Contains("://", StringComparison.Ordinal))
                {
                    notes?.Add($"{path}: the value file '{file}' is remote; not rendered with it");
                }
                else
                {
                    valueFiles.Add(ManifestPath.Join(chartPath, file, path));
                }
            }

            string? inline = null;
            if (helm.Get("valuesObject") is { } valuesObject)
            {
                inline = Serialize(valuesObject);
            }
            else if (helm.Scalar("values") is { } values)
            {
                inline = values;
            }

            var parameters = (helm.Seq("parameters") ?? [])
                .Where(p => p.Scalar("name") is not null)
                .Select(p => new HelmParameter(p.Scalar("name")!, p.Scalar("value") ?? string.Empty, p.Scalar("forceString") is "true"))
                .ToList();
            result.Add(new HelmSource(
                chartPath,
                valueFiles,
                helm.Scalar("releaseName") ?? name,
                helm.Scalar("namespace") ?? ns,
                inline,
                parameters,
                helm.Scalar("ignoreMissingValueFiles") is "true",
                helm.Scalar("skipCrds") is not "true",
                path));
        }

        return result;
    }

    private static string Serialize(YamlNode node)
    {
        var stream = new YamlStream(new YamlDocument(node));
        using var writer = new StringWriter();
        stream.Save(writer, assignAnchors: false);
        return writer.ToString();
    }
}
