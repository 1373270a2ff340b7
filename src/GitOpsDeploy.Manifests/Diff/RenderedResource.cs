using System.Text;
using YamlDotNet.RepresentationModel;

namespace GitOpsDeploy.Manifests.Diff;

/// <summary>The identity of a rendered resource: API group (not version), kind, namespace, name.</summary>
public sealed record ResourceKey(string Group, string Kind, string Namespace, string Name) : IComparable<ResourceKey>
{
    /// <summary>Workloads first (what an image edit changes), then by kind, namespace, name and group.</summary>
    public int CompareTo(ResourceKey? other)
    {
        if (other is null)
        {
            return 1;
        }

        var workload = -IsWorkloadKind.CompareTo(other.IsWorkloadKind);
        if (workload != 0)
        {
            return workload;
        }

        foreach (var (x, y) in new[] { (Kind, other.Kind), (Namespace, other.Namespace), (Name, other.Name), (Group, other.Group) })
        {
            var c = string.CompareOrdinal(x, y);
            if (c != 0)
            {
                return c;
            }
        }

        return 0;
    }

    private bool IsWorkloadKind => WorkloadKinds.All.Contains(Kind, StringComparer.Ordinal);

    /// <summary><c>Deployment staging/web</c>; the group is shown when it is not the kind's usual one (<c>Rollout.argoproj.io</c>).</summary>
    public override string ToString()
    {
        var kind = Group.Length == 0 || Group is "apps" or "batch" ? Kind : $"{Kind}.{Group}";
        return Namespace.Length == 0 ? $"{kind} {Name}" : $"{kind} {Namespace}/{Name}";
    }

    public static bool operator <(ResourceKey left, ResourceKey right) => left is null ? right is not null : left.CompareTo(right) < 0;

    public static bool operator <=(ResourceKey left, ResourceKey right) => left is null || left.CompareTo(right) <= 0;

    public static bool operator >(ResourceKey left, ResourceKey right) => left is not null && left.CompareTo(right) > 0;

    public static bool operator >=(ResourceKey left, ResourceKey right) => left is null ? right is null : left.CompareTo(right) >= 0;
}

/// <summary>One document of a render: its identity, its text (leading comments such as Helm's <c># Source:</c> removed), its parsed form.</summary>
public sealed record RenderedResource(ResourceKey Key, string ApiVersion, string Text, YamlNode? Node)
{
    /// <summary>
    /// Splits a multi-document render into resources, in document order. Documents are cut at
    /// <c>---</c> lines; empty documents are dropped; one that does not parse is kept under an
    /// "unparsed" key so its text still shows. A duplicate identity gets <c>#2</c>, <c>#3</c> appended to its name.
    /// </summary>
    public static IReadOnlyList<RenderedResource> Split(string yaml)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        var result = new List<RenderedResource>();
        var seen = new Dictionary<ResourceKey, int>();
        var index = 0;
        foreach (var chunk in Documents(yaml))
        {
            index++;
            var text = StripLeadingComments(chunk);
            if (text.Trim().Length == 0)
            {
                continue;
            }

            YamlNode? node = null;
            try
            {
                var stream = new YamlStream();
                stream.Load(new StringReader(text));
                node = stream.Documents.Count == 1 ? stream.Documents[0].RootNode : null;
            }
            catch (YamlDotNet.Core.YamlException)
            {
                node = null;
            }

            if (node is not null && YamlDocuments.IsNull(node))
            {
                continue;
            }

            var apiVersion = node.Scalar("apiVersion") ?? string.Empty;
            var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
            var key = node is YamlMappingNode
                ? new ResourceKey(slash < 0 ? string.Empty : apiVersion[..slash], node.Scalar("kind") ?? string.Empty, node.Get("metadata").Scalar("namespace") ?? string.Empty, node.Get("metadata").Scalar("name") ?? string.Empty)
                : new ResourceKey(string.Empty, "(unparsed)", string.Empty, $"document {index}");
            if (seen.TryGetValue(key, out var count))
            {
                seen[key] = count + 1;
                key = key with { Name = $"{key.Name}#{count + 1}" };
            }
            else
            {
                seen[key] = 1;
            }

            result.Add(new RenderedResource(key, apiVersion, text, node));
        }

        return result;
    }

    private static IEnumerable<string> Documents(string yaml)
    {
        var current = new StringBuilder();
        foreach (var raw in yaml.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            if (raw == "---" || raw.StartsWith("--- ", StringComparison.Ordinal) || raw == "...")
            {
                yield return current.ToString();
                current.Clear();
                var rest = raw.Length > 4 ? raw[4..].Trim() : string.Empty;
                if (raw != "..." && rest.Length > 0 && !rest.StartsWith('#'))
                {
                    current.Append(rest).Append('\n');
                }

                continue;
            }

            current.Append(raw).Append('\n');
        }

        yield return current.ToString();
    }

    private static string StripLeadingComments(string chunk)
    {
        var lines = chunk.Split('\n').ToList();
        while (lines.Count > 0 && (lines[0].TrimStart().StartsWith('#') || lines[0].Trim().Length == 0))
        {
            lines.RemoveAt(0);
        }

        while (lines.Count > 0 && lines[^1].Trim().Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }

        return lines.Count == 0 ? string.Empty : string.Join('\n', lines) + "\n";
    }
}
