using System.Text;
using YamlDotNet.RepresentationModel;

namespace GitOpsDeploy.Manifests.Diff;

/// <summary>
/// Hides a Secret's values before it is diffed or shown: every value under <c>data</c> and
/// <c>stringData</c> (and a <c>last-applied-configuration</c> annotation, which repeats them) is
/// replaced in the text, keys and layout kept. Redacting both sides together keeps a change
/// visible: a value that differs reads <c>*** (redacted, changed)</c> after, <c>*** (redacted)</c> before.
/// </summary>
public static class SecretRedactor
{
    public const string Redacted = "\"*** (redacted)\"";
    public const string RedactedChanged = "\"*** (redacted, changed)\"";
    private const string LastApplied = "kubectl.kubernetes.io/last-applied-configuration";

    /// <summary>True for a core-group Secret.</summary>
    public static bool IsSecret(RenderedResource resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        return resource.Key.Kind == "Secret" && resource.Key.Group.Length == 0;
    }

    /// <summary>Redacts one side alone (every value reads <c>*** (redacted)</c>).</summary>
    public static string Redact(RenderedResource resource) => Redact(resource, null);

    /// <summary>Redacts both sides of a changed Secret so that changed values stay visible as changed.</summary>
    public static (string Before, string After) RedactPair(RenderedResource? before, RenderedResource? after)
    {
        var beforeValues = before is null ? null : Values(before);
        return (before is null ? string.Empty : Redact(before, null), after is null ? string.Empty : Redact(after, beforeValues));
    }

    private static string Redact(RenderedResource resource, Dictionary<string, string?>? previous)
    {
        if (!IsSecret(resource) || resource.Node is not YamlMappingNode root)
        {
            return resource.Text;
        }

        var spans = new List<(int Start, int End, string Replacement)>();
        foreach (var (field, key, node) in Entries(root))
        {
            var changed = previous is not null && (!previous.TryGetValue($"{field}/{key}", out var old) || old != Value(node));
            spans.Add(((int)node.Start.Index, (int)node.End.Index, changed ? RedactedChanged : Redacted));
        }

        var text = resource.Text;
        var sb = new StringBuilder(text);
        foreach (var (start, end, replacement) in spans.OrderByDescending(s => s.Start))
        {
            if (start < 0 || end > text.Length || end < start)
            {
                continue;
            }

            var original = text[start..end];
            var trailing = original.Length - original.TrimEnd('\n', ' ').Length;
            // An empty value ('key:' with nothing after it) needs the space YAML wants after the colon.
            var space = start > 0 && text[start - 1] == ':' ? " " : string.Empty;
            sb.Remove(start, end - start).Insert(start, space + replacement + original[(original.Length - trailing)..]);
        }

        return sb.ToString();
    }

    private static Dictionary<string, string?> Values(RenderedResource resource) =>
        resource.Node is YamlMappingNode root && IsSecret(resource)
            ? Entries(root).GroupBy(e => $"{e.Field}/{e.Key}").ToDictionary(g => g.Key, g => Value(g.First().Node), StringComparer.Ordinal)
            : new Dictionary<string, string?>(StringComparer.Ordinal);

    private static string? Value(YamlNode node) => node is YamlScalarNode s ? s.Value : node.ToString();

    private static IEnumerable<(string Field, string Key, YamlNode Node)> Entries(YamlMappingNode root)
    {
        foreach (var field in new[] { "data", "stringData" })
        {
            if (root.Get(field) is YamlMappingNode map)
            {
                foreach (var (k, v) in map.Children)
                {
                    yield return (field, (k as YamlScalarNode)?.Value ?? string.Empty, v);
                }
            }
        }

        if (root.Get("metadata").Get("annotations") is YamlMappingNode annotations
            && annotations.Children.TryGetValue(new YamlScalarNode(LastApplied), out var applied))
        {
            yield return ("annotations", LastApplied, applied);
        }
    }
}
