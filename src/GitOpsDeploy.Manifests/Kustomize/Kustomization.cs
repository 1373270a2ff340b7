using GitOpsDeploy.Manifests.Files;
using GitOpsDeploy.Manifests.Images;
using YamlDotNet.RepresentationModel;

namespace GitOpsDeploy.Manifests.Kustomize;

/// <summary>A patch named by a kustomization: from a file or inline, with an optional target selector.</summary>
internal sealed record KustomizePatch(string Source, string Text, YamlNode? Target, bool IsJson6902Field);

/// <summary>The fields of one kustomization that decide which workloads exist and what images they run.</summary>
internal sealed class Kustomization
{
    /// <summary>The file names kustomize looks for, in its order.</summary>
    public static readonly string[] FileNames = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

    private static readonly string[] KnownFields =
    [
        "apiVersion", "kind", "metadata", "resources", "bases", "components", "namePrefix", "nameSuffix", "namespace",
        "images", "imageTags", "patches", "patchesStrategicMerge", "patchesJson6902", "commonLabels", "labels",
        "commonAnnotations", "configMapGenerator", "secretGenerator", "generatorOptions", "replicas", "crds",
        "openapi", "sortOptions", "buildMetadata", "vars", "replacements", "configurations", "transformers",
        "generators", "validators", "helmCharts", "helmGlobals", "helmChartInflationGenerator",
    ];

    private Kustomization(string directory, string path)
    {
        Directory = directory;
        Path = path;
    }

    public string Directory { get; }

    /// <summary>The kustomization file.</summary>
    public string Path { get; }

    public bool IsComponent { get; private set; }

    /// <summary><c>resources</c> followed by the deprecated <c>bases</c>, as kustomize merges them.</summary>
    public IReadOnlyList<string> Resources { get; private set; } = [];

    public IReadOnlyList<string> Components { get; private set; } = [];

    public string? NamePrefix { get; private set; }

    public string? NameSuffix { get; private set; }

    public string? Namespace { get; private set; }

    /// <summary><c>images</c> followed by the deprecated <c>imageTags</c>.</summary>
    public IReadOnlyList<KustomizeImage> Images { get; private set; } = [];

    /// <summary><c>patchesStrategicMerge</c> then <c>patches</c> (kustomize runs them in that order).</summary>
    public IReadOnlyList<KustomizePatch> Patches { get; private set; } = [];

    /// <summary><c>patchesJson6902</c>, run after the namespace, prefix, suffix and label transformers.</summary>
    public IReadOnlyList<KustomizePatch> Json6902Patches { get; private set; } = [];

    /// <summary>commonLabels and labels[].pairs: only used to select patch targets by label.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; private set; } = new Dictionary<string, string>();

    /// <summary>Fields whose effect on images the static analysis does not model (replacements, plugins, Helm charts ...).</summary>
    public IReadOnlyList<string> Unmodelled { get; private set; } = [];

    /// <summary>Files this kustomization reads besides resources (patches, generator inputs, configurations ...): what a render needs.</summary>
    public IReadOnlyList<string> ReferencedFiles { get; private set; } = [];

    /// <summary>Folders a render needs whole (a Helm chart home).</summary>
    public IReadOnlyList<string> ReferencedDirectories { get; private set; } = [];

    /// <summary>True when <c>helmCharts</c> (or the inflation generator) is used: the render needs <c>--enable-helm</c>.</summary>
    public bool InflatesHelmCharts { get; private set; }

    /// <summary>Finds the kustomization file of <paramref name="directory"/>, or null when it has none; several is an error, as in kustomize.</summary>
    public static string? FindFile(IManifestFiles files, string directory)
    {
        ArgumentNullException.ThrowIfNull(files);
        var found = FileNames.Select(n => ManifestPath.Combine(directory, n)).Where(files.IsFile).ToList();
        return found.Count switch
        {
            0 => null,
            1 => found[0],
            _ => throw new ManifestException(directory, $"has several kustomization files ({string.Join(", ", found.Select(ManifestPath.FileName))}); kustomize refuses that"),
        };
    }

    public static Kustomization Load(IManifestFiles files, string directory)
    {
        var path = FindFile(files, directory)
            ?? throw new ManifestException(directory.Length == 0 ? "." : directory, "has no kustomization (kustomization.yaml, kustomization.yml or Kustomization)");
        var docs = YamlDocuments.Load(path, YamlDocuments.Text(files.Read(path)));
        if (docs.Count > 1)
        {
            throw new ManifestException(path, "holds several YAML documents; a kustomization is one");
        }

        var root = docs.Count == 0 ? new YamlMappingNode() : docs[0] as YamlMappingNode ?? throw new ManifestException(path, "is not a YAML mapping");
        if (UnknownFields(root).FirstOrDefault() is { } unknown)
        {
            throw new ManifestException(path, $"unknown field '{unknown}': kustomize refuses it (\"invalid Kustomization: json: unknown field\")");
        }

        var k = new Kustomization(directory, path);
        var kind = root.Scalar("kind");
        k.IsComponent = kind == "Component";
        if (kind is not null and not "Kustomization" and not "Component")
        {
            throw new ManifestException(path, $"kind '{kind}' is neither Kustomization nor Component");
        }

        k.Resources = [.. root.StringList("resources", path), .. root.StringList("bases", path)];
        k.Components = root.StringList("components", path);
        k.NamePrefix = root.StringField("namePrefix", path, "kustomization");
        k.NameSuffix = root.StringField("nameSuffix", path, "kustomization");
        k.Namespace = root.StringField("namespace", path, "kustomization");
        k.Images = [.. ReadImages(root, "images", path), .. ReadImages(root, "imageTags", path)];
        var referenced = new List<string>();
        var directories = new List<string>();
        var unmodelled = new List<string>();
        k.Patches = [.. ReadStrategicMerge(files, k, root, referenced), .. ReadPatches(files, k, root, "patches", referenced)];
        k.Json6902Patches = ReadPatches(files, k, root, "patchesJson6902", referenced);
        var labels = root.StringMap("commonLabels");
        foreach (var item in root.Seq("labels") ?? [])
        {
            foreach (var (key, value) in item.StringMap("pairs"))
            {
                labels[key] = value;
            }
        }

        k.Labels = labels;
        ReadGeneratorFiles(k, root, referenced);
        foreach (var field in new[] { "configurations", "crds" })
        {
            referenced.AddRange(root.StringList(field, path).Select(f => k.LocalFile(f, field)));
        }

        if (root.Map("openapi")?.Scalar("path") is { } openapi)
        {
            referenced.Add(k.LocalFile(openapi, "openapi.path"));
        }

        foreach (var replacement in root.Seq("replacements") ?? [])
        {
            if (replacement.Scalar("path") is { } file)
            {
                referenced.Add(k.LocalFile(file, "replacements.path"));
            }
        }

        foreach (var field in new[] { "transformers", "generators", "validators" })
        {
            foreach (var entry in root.Seq(field) ?? [])
            {
                if (entry is YamlScalarNode { Value: { } file } && !file.Contains('\n', StringComparison.Ordinal) && files.IsFile(k.Join(file)))
                {
                    referenced.Add(k.LocalFile(file, field));
                }
            }
        }

        if (root.Seq("helmCharts") is { Children.Count: > 0 } charts)
        {
            var home = root.Map("helmGlobals")?.Scalar("chartHome") ?? "charts";
            var chartHome = k.Join(home);
            if (files.IsDirectory(chartHome))
            {
                directories.Add(chartHome);
            }

            foreach (var chart in charts)
            {
                foreach (var file in new[] { chart.Scalar("valuesFile") }.Concat(chart.StringList("additionalValuesFiles", path)))
                {
                    if (file is not null && files.IsFile(k.Join(file)))
                    {
                        referenced.Add(k.Join(file));
                    }
                }
            }
        }

        if (root.Get("replacements") is not null)
        {
            unmodelled.Add("replacements (may rewrite images)");
        }

        if (root.Get("configurations") is not null)
        {
            unmodelled.Add("configurations (custom image field specs are not read)");
        }

        foreach (var field in new[] { "transformers", "generators", "helmCharts", "helmChartInflationGenerator" })
        {
            if (root.Get(field) is not null)
            {
                unmodelled.Add(field == "helmCharts" || field == "helmChartInflationGenerator" ? $"{field} (Helm charts are not inflated: their workloads are not seen)" : $"{field} (plugins are not run)");
            }
        }

        k.InflatesHelmCharts = root.Get("helmCharts") is not null || root.Get("helmChartInflationGenerator") is not null;
        k.Unmodelled = unmodelled;
        k.ReferencedFiles = referenced.Distinct(StringComparer.Ordinal).ToList();
        k.ReferencedDirectories = directories;
        return k;
    }

    /// <summary>A path relative to this kustomization's folder (it may leave the folder, never the repository).</summary>
    public string Join(string relative) => ManifestPath.Join(Directory, relative, Path);

    /// <summary>
    /// A file this kustomization loads: kustomize's default load restrictor refuses files outside the
    /// kustomization's own folder ("security; file ... is not in or below ..."), and so do we.
    /// </summary>
    public string LocalFile(string relative, string field)
    {
        var path = Join(relative);
        return ManifestPath.IsInside(Directory, path) && path != Directory
            ? path
            : throw new ManifestException(Path, $"{field}: '{relative}' is outside the kustomization's folder; kustomize refuses to load it (load restrictor)");
    }

    private static List<KustomizeImage> ReadImages(YamlMappingNode root, string field, string path)
    {
        var list = new List<KustomizeImage>();
        var items = root.Get(field);
        if (items is null)
        {
            return list;
        }

        if (items is not YamlSequenceNode seq)
        {
            throw new ManifestException(path, $"'{field}' is not a list");
        }

        for (var i = 0; i < seq.Children.Count; i++)
        {
            var item = seq.Children[i];
            var where = $"{field}[{i}]";
            if (item is not YamlMappingNode)
            {
                throw new ManifestException(path, $"{where} is not a mapping");
            }

            list.Add(new KustomizeImage(
                item.StringField("name", path, where) ?? string.Empty,
                item.StringField("newName", path, where),
                item.StringField("newTag", path, where),
                item.StringField("digest", path, where),
                item.StringField("tagSuffix", path, where)));
        }

        return list;
    }

    private static List<KustomizePatch> ReadStrategicMerge(IManifestFiles files, Kustomization k, YamlMappingNode root, List<string> referenced)
    {
        var list = new List<KustomizePatch>();
        foreach (var entry in root.StringList("patchesStrategicMerge", k.Path))
        {
            // kustomize takes an entry as a file when it names one, else as an inline patch.
            if (!entry.Contains('\n', StringComparison.Ordinal) && !entry.TrimStart().StartsWith('{') && files.IsFile(k.Join(entry)))
            {
                var file = k.LocalFile(entry, "patchesStrategicMerge");
                referenced.Add(file);
                list.Add(new KustomizePatch(file, YamlDocuments.Text(files.Read(file)), null, false));
            }
            else if (entry.Contains('\n', StringComparison.Ordinal) || entry.Contains(':', StringComparison.Ordinal))
            {
                list.Add(new KustomizePatch(k.Path + " (inline patch)", entry, null, false));
            }
            else
            {
                throw new ManifestException(k.Path, $"patchesStrategicMerge: '{entry}' does not exist");
            }
        }

        return list;
    }

    private static List<KustomizePatch> ReadPatches(IManifestFiles files, Kustomization k, YamlMappingNode root, string field, List<string> referenced)
    {
        var list = new List<KustomizePatch>();
        foreach (var item in root.Seq(field) ?? [])
        {
            var target = item.Get("target");
            if (item.Scalar("path") is { } relative)
            {
                var file = k.LocalFile(relative, field);
                if (!files.IsFile(file))
                {
                    throw new ManifestException(k.Path, $"{field}: the patch file '{relative}' does not exist");
                }

                referenced.Add(file);
                list.Add(new KustomizePatch(file, YamlDocuments.Text(files.Read(file)), target, field == "patchesJson6902"));
            }
            else if (item.Scalar("patch") is { } inline)
            {
                list.Add(new KustomizePatch(k.Path + " (inline patch)", inline, target, field == "patchesJson6902"));
            }
            else
            {
                throw new ManifestException(k.Path, $"{field}: an entry has neither 'path' nor 'patch'");
            }
        }

        return list;
    }

    private static void ReadGeneratorFiles(Kustomization k, YamlMappingNode root, List<string> referenced)
    {
        foreach (var field in new[] { "configMapGenerator", "secretGenerator" })
        {
            foreach (var generator in root.Seq(field) ?? [])
            {
                foreach (var file in generator.StringList("files", k.Path))
                {
                    var eq = file.IndexOf('=', StringComparison.Ordinal);
                    referenced.Add(k.LocalFile(eq >= 0 ? file[(eq + 1)..] : file, $"{field}.files"));
                }

                foreach (var env in generator.StringList("envs", k.Path))
                {
                    referenced.Add(k.LocalFile(env, $"{field}.envs"));
                }

                if (generator.Scalar("env") is { } single)
                {
                    referenced.Add(k.LocalFile(single, $"{field}.env"));
                }
            }
        }
    }

    /// <summary>Top-level fields kustomize does not know (a typo such as <c>image:</c>): kustomize v5 refuses them.</summary>
    private static IEnumerable<string> UnknownFields(YamlMappingNode root) =>
        root.Children.Keys.OfType<YamlScalarNode>().Select(k => k.Value ?? string.Empty).Where(k => !KnownFields.Contains(k, StringComparer.Ordinal));
}
