using System.Text;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace GitOpsDeploy.Manifests;

/// <summary>Loading YAML streams and reading fields the way Kubernetes tools read them.</summary>
internal static partial class YamlDocuments
{
    /// <summary>Decodes UTF-8 (with or without BOM).</summary>
    public static string Text(byte[] content)
    {
        var text = Encoding.UTF8.GetString(content);
        return text.Length > 0 && text[0] == '\uFEFF' ? text[1..] : text;
    }

    /// <summary>Every non-empty document of a stream; a malformed stream is a <see cref="ManifestException"/> naming <paramref name="path"/>.</summary>
    public static IReadOnlyList<YamlNode> Load(string path, string text)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new ManifestException(path, $"is not valid YAML (line {e.Start.Line}, column {e.Start.Column}): {e.Message}", e);
        }

        return stream.Documents.Select(d => d.RootNode).Where(n => !IsNull(n)).ToList();
    }

    public static bool IsNull(YamlNode? node) =>
        node is null || (node is YamlScalarNode s && s.Style == ScalarStyle.Plain && s.Tag.IsEmpty && IsNullText(s.Value));

    public static YamlNode? Get(this YamlNode? node, string key) =>
        node is YamlMappingNode map && map.Children.TryGetValue(new YamlScalarNode(key), out var value) && !IsNull(value) ? value : null;

    public static YamlMappingNode? Map(this YamlNode? node, string key) => node.Get(key) as YamlMappingNode;

    public static YamlSequenceNode? Seq(this YamlNode? node, string key) => node.Get(key) as YamlSequenceNode;

    /// <summary>A scalar field as text, whatever YAML would resolve it to (null when absent or null).</summary>
    public static string? Scalar(this YamlNode? node, string key) => node.Get(key) is YamlScalarNode s ? s.Value : null;

    /// <summary>
    /// A field kustomize unmarshals into a string: absent or null gives null; a plain scalar that
    /// go-yaml reads as a number or a boolean is refused, as kustomize refuses it (<c>newTag: 1.10</c>).
    /// </summary>
    public static string? StringField(this YamlNode? node, string key, string path, string where)
    {
        var value = node.Get(key);
        switch (value)
        {
            case null:
                return null;
            case YamlScalarNode s when s.Style == ScalarStyle.Plain && s.Tag.IsEmpty && ReadsAsNonString(s.Value) is { } type:
                throw new ManifestException(path, $"{where}.{key}: {s.Value} is read as a {type} and kustomize refuses it (\"cannot unmarshal {type} into ... of type string\"); quote it");
            case YamlScalarNode s:
                return s.Value;
            default:
                throw new ManifestException(path, $"{where}.{key} is not a string");
        }
    }

    /// <summary>A list of strings (kustomize's <c>resources</c>, <c>components</c>, ...).</summary>
    public static IReadOnlyList<string> StringList(this YamlNode? node, string key, string path)
    {
        var value = node.Get(key);
        if (value is null)
        {
            return [];
        }

        if (value is not YamlSequenceNode seq)
        {
            throw new ManifestException(path, $"'{key}' is not a list");
        }

        var list = new List<string>();
        foreach (var item in seq)
        {
            if (item is not YamlScalarNode s || IsNull(s))
            {
                throw new ManifestException(path, $"'{key}' holds an item that is not a string");
            }

            list.Add(s.Value ?? string.Empty);
        }

        return list;
    }

    /// <summary>A mapping of strings to strings (labels); null values read as empty.</summary>
    public static Dictionary<string, string> StringMap(this YamlNode? node, string key)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (node.Map(key) is { } map)
        {
            foreach (var (k, v) in map.Children)
            {
                if (k is YamlScalarNode ks && ks.Value is not null)
                {
                    result[ks.Value] = v is YamlScalarNode vs && !IsNull(vs) ? vs.Value ?? string.Empty : string.Empty;
                }
            }
        }

        return result;
    }

    /// <summary>What go-yaml (v2, through sigs.k8s.io/yaml) resolves a plain scalar to when it is not a string: "number" or "bool"; null for a string.</summary>
    public static string? ReadsAsNonString(string? plain)
    {
        if (plain is null || IsNullText(plain))
        {
            return null;
        }

        if (BoolPattern().IsMatch(plain))
        {
            return "bool";
        }

        return IntPattern().IsMatch(plain) || FloatPattern().IsMatch(plain) || SpecialFloatPattern().IsMatch(plain) ? "number" : null;
    }

    private static bool IsNullText(string? value) => value is null or "" or "~" or "null" or "Null" or "NULL";

    [GeneratedRegex("^(y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$")]
    private static partial Regex BoolPattern();

    // Go's strconv.ParseInt with base 0 (underscores allowed between digits, 0x/0o/0b prefixes, leading 0 octal).
    [GeneratedRegex("^[-+]?(0|[1-9](_?[0-9])*|0_?[0-7](_?[0-7])*|0[oO]_?[0-7](_?[0-7])*|0[xX]_?[0-9a-fA-F](_?[0-9a-fA-F])*|0[bB]_?[01](_?[01])*)$")]
    private static partial Regex IntPattern();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatPattern();

    [GeneratedRegex(@"^([-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$")]
    private static partial Regex SpecialFloatPattern();
}
