using System.Text;
using GitOpsDeploy.Manifests.Files;
using GitOpsDeploy.Manifests.Images;
using GitOpsDeploy.Manifests.Kustomize;
using YamlDotNet.RepresentationModel;

namespace GitOpsDeploy.Manifests.Tests;

/// <summary>
/// A golden case: Golden/NAME/repo is a repository, case.yaml names the overlay and an optional
/// images: edit (name, after entry), expected.txt is what the static analysis must say.
/// </summary>
public sealed class GoldenCase
{
    private GoldenCase(string name, string directory, string overlay, bool render, string? editName, KustomizeImage? after)
    {
        Name = name;
        Directory = directory;
        Overlay = overlay;
        Render = render;
        EditName = editName;
        After = after;
    }

    public string Name { get; }

    public string Directory { get; }

    public string RepositoryPath => Path.Combine(Directory, "repo");

    public string Overlay { get; }

    /// <summary>False when the real renderer cannot build it here (remote bases) or it is refused before rendering.</summary>
    public bool Render { get; }

    public string? EditName { get; }

    public KustomizeImage? After { get; }

    public IManifestFiles Files => new DirectoryManifestFiles(RepositoryPath);

    public static string Root => Path.Combine(AppContext.BaseDirectory, "Golden");

    public static IEnumerable<object[]> All() =>
        System.IO.Directory.GetDirectories(Root).Select(Path.GetFileName).Order(StringComparer.Ordinal).Select(n => new object[] { n! });

    public static IEnumerable<object[]> Renderable() => All().Where(n => Load((string)n[0]).Render);

    public static IEnumerable<object[]> RenderableWithEdit() => Renderable().Where(n => Load((string)n[0]).EditName is not null);

    public static GoldenCase Load(string name)
    {
        var directory = Path.Combine(Root, name);
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(Path.Combine(directory, "case.yaml"))));
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        string? Scalar(YamlNode? node, string key) =>
            node is YamlMappingNode m && m.Children.TryGetValue(new YamlScalarNode(key), out var v) && v is YamlScalarNode s ? s.Value : null;
        var edit = root.Children.TryGetValue(new YamlScalarNode("edit"), out var e) ? e as YamlMappingNode : null;
        var after = edit is not null && edit.Children.TryGetValue(new YamlScalarNode("after"), out var a) && a is YamlMappingNode am
            ? new KustomizeImage(Scalar(am, "name")!, Scalar(am, "newName"), Scalar(am, "newTag"), Scalar(am, "digest"))
            : null;
        return new GoldenCase(name, directory, Scalar(root, "overlay")!, Scalar(root, "render") != "false", Scalar(edit, "name"), after);
    }

    /// <summary>The overlay's kustomization with the edit applied (the entry replaced or appended), as the action would write it.</summary>
    public string EditedKustomization(string text)
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(text));
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        var key = new YamlScalarNode("images");
        if (!root.Children.TryGetValue(key, out var images))
        {
            images = new YamlSequenceNode();
            root.Children[key] = images;
        }

        var list = (YamlSequenceNode)images;
        var entry = new YamlMappingNode { { "name", After!.Name } };
        foreach (var (field, value) in new[] { ("newName", After.NewName), ("newTag", After.NewTag), ("digest", After.Digest) })
        {
            if (value is not null)
            {
                entry.Add(field, new YamlScalarNode(value) { Style = YamlDotNet.Core.ScalarStyle.DoubleQuoted });
            }
        }

        var index = list.Children.ToList().FindIndex(i => i is YamlMappingNode m && m.Children.TryGetValue(new YamlScalarNode("name"), out var n) && (n as YamlScalarNode)?.Value == EditName);
        if (index >= 0)
        {
            list.Children[index] = entry;
        }
        else
        {
            list.Children.Add(entry);
        }

        using var writer = new StringWriter();
        yaml.Save(writer, assignAnchors: false);
        return writer.ToString();
    }

    /// <summary>What the static analysis says, as the text expected.txt holds.</summary>
    public string Describe()
    {
        var sb = new StringBuilder();
        sb.Append("overlay: ").Append(Overlay).Append('\n');
        KustomizeAnalysis analysis;
        var analyzer = new KustomizeAnalyzer(Files);
        try
        {
            analysis = analyzer.Analyze(Overlay);
        }
        catch (ManifestException ex)
        {
            sb.Append("refused: ").Append(ex.Message).Append('\n');
            return sb.ToString();
        }

        sb.Append("kustomizations:\n");
        analysis.Kustomizations.ToList().ForEach(k => sb.Append("  ").Append(k).Append('\n'));
        sb.Append("files:\n");
        analysis.Files.ToList().ForEach(k => sb.Append("  ").Append(k).Append('\n'));
        sb.Append("containers:\n");
        analysis.Containers.ToList().ForEach(c => sb.Append("  ").Append(c).Append(" (").Append(c.Source).Append(")\n"));
        sb.Append("image names at the overlay: ").Append(string.Join(", ", analysis.ImageNamesAtOverlay)).Append('\n');
        if (analysis.Notes.Count > 0)
        {
            sb.Append("notes:\n");
            analysis.Notes.ToList().ForEach(n => sb.Append("  ").Append(n).Append('\n'));
        }

        if (EditName is not null)
        {
            var impact = analyzer.PredictImageEdit(Overlay, EditName, After);
            sb.Append("edit ").Append(EditName).Append(": ").Append(impact.Before?.ToString() ?? "(no entry)").Append(" -> ").Append(impact.After?.ToString() ?? "(removed)").Append('\n');
            sb.Append("  matched: ").Append(impact.Matched ? "yes" : "no").Append('\n');
            impact.Changes.ToList().ForEach(c => sb.Append("  change: ").Append(c).Append('\n'));
            sb.Append("  available: ").Append(string.Join(", ", impact.AvailableNames)).Append('\n');
            if (impact.Suggestion is not null)
            {
                sb.Append("  suggestion: ").Append(impact.Suggestion).Append('\n');
            }

            sb.Append("  summary: ").Append(impact.Summary()).Append('\n');
        }

        return sb.ToString();
    }
}
