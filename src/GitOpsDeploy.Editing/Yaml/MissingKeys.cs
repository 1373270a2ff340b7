namespace GitOpsDeploy.Editing.Yaml;

/// <summary>Where a key path stops in a document: at the node it names, or where its next part is not there.</summary>
/// <param name="Depth">How many parts of the path were found (the path's length when all were).</param>
/// <param name="Node">The node reached; null for a file that holds no document at all.</param>
/// <param name="Pair">The mapping pair whose value <paramref name="Node"/> is; null for a document root or a list item.</param>
/// <param name="Owner">The mapping that holds <paramref name="Pair"/>.</param>
/// <param name="Concrete">The parts found, with <c>[key=value]</c> selectors resolved to indices.</param>
public sealed record PathStop(int Depth, YamlNodeBase? Node, KeyValuePair<YamlNodeBase, YamlNodeBase>? Pair, YamlMapping? Owner, IReadOnlyList<object> Concrete);

/// <summary>A key added at the end of a new path, with its text as written and its meaning.</summary>
public sealed record NewLeaf(string Key, string Text, SemanticTree.Scalar Meaning);

/// <summary>
/// Adds the keys a path names but a file lacks (<c>create-missing-keys</c>): the missing mappings, in the file's own
/// indentation, ending in the new values. Only where nothing can be lost or reinterpreted: inside a block mapping, in
/// an empty <c>{}</c>, in a key with no value (<c>image:</c>, <c>~</c>, <c>null</c>), in an empty file or empty last
/// document. Never through a list (a selector that matches nothing, an index past the end), never inside a non-empty
/// flow mapping, never under a scalar, and never the <c>helm</c> section of an Argo CD Application itself.
/// </summary>
public static class MissingKeys
{
    /// <summary>Follows <paramref name="path"/> as far as it goes; a list index past the end or a selector that matches nothing is an error.</summary>
    /// <param name="describe">Opens error messages, e.g. <c>cannot set 'image.tag'</c>.</param>
    /// <param name="visit">Called with every node a part is looked up in (the editors refuse anchors and aliases there).</param>
    public static PathStop Walk(YamlText file, YamlNodeBase? root, IReadOnlyList<object> path, string describe, Action<YamlNodeBase>? visit = null)
    {
        var node = root;
        KeyValuePair<YamlNodeBase, YamlNodeBase>? pair = null;
        YamlMapping? owner = null;
        var concrete = new List<object>();
        for (var i = 0; i < path.Count; i++)
        {
            if (node is null)
            {
                return new PathStop(i, null, null, null, concrete);
            }

            visit?.Invoke(node);
            switch (node, path[i])
            {
                case (YamlMapping map, string key) when map.Find(key) is { } found:
                    (owner, pair, node) = (map, found, found.Value);
                    concrete.Add(key);
                    break;
                case (YamlSequence seq, int index):
                    (owner, pair) = (null, null);
                    node = index < seq.Items.Count
                        ? seq.Items[index]
                        : throw DeployException.File(file.At(seq), $"{describe}: '{ValueSetting.FormatPath(path.Take(i + 1).ToList())}' is past the end of a list of {seq.Items.Count}");
                    concrete.Add(index);
                    break;
                case (YamlSequence seq, ItemMatch match):
                    var item = match.IndexIn(file, seq, ValueSetting.FormatPath(path.Take(i).ToList()));
                    (owner, pair, node) = (null, null, seq.Items[item]);
                    concrete.Add(item);
                    break;
                default:
                    return new PathStop(i, node, pair, owner, concrete);
            }
        }

        return new PathStop(path.Count, node, pair, owner, concrete);
    }

    /// <summary>
    /// Adds <paramref name="mappings"/> (the missing keys of the path, outermost first; may be empty) holding
    /// <paramref name="leaves"/>, where <paramref name="stop"/> ended, and returns what changes in the document's
    /// meaning: values to set at paths (an empty path is the whole document).
    /// </summary>
    /// <param name="path">The whole path, for messages.</param>
    /// <param name="create">create-missing-keys: without it only leaves are added, and only to an existing mapping.</param>
    public static IReadOnlyList<(IReadOnlyList<object> At, object Value)> Add(
        YamlSplicer splicer, YamlNodeBase? document, PathStop stop, IReadOnlyList<object> path, IReadOnlyList<string> mappings, IReadOnlyList<NewLeaf> leaves, bool create, string describe)
    {
        var file = splicer.File;
        var here = ValueSetting.FormatPath(path.Take(stop.Depth).ToList());
        var missing = ValueSetting.FormatPath(path.Take(stop.Depth + 1).ToList());
        if (path.Skip(stop.Depth).FirstOrDefault(p => p is not string) is { } selector && stop.Depth < path.Count)
        {
            throw path[stop.Depth] is string
                ? DeployException.File(Where(file, stop), $"{describe}: '{missing}' does not exist, and lists are never created (the path goes on with {ValueSetting.FormatPath([selector])}); add it to the file first")
                : DeployException.File(Where(file, stop), $"{describe}: '{missing}' expects a list here");
        }

        var container = Container(splicer, stop, path, describe, here, missing);
        if (!create && (mappings.Count > 0 || container is not Kind.Mapping and not Kind.EmptyFlow))
        {
            throw container == Kind.NoDocument
                ? DeployException.File(new SourceLocation(file.Path, 1, 1), $"{describe}: the file is empty (create-missing-keys is false: nothing is added to it)")
                : DeployException.File(Where(file, stop), mappings.Count > 0
                    ? $"{describe}: '{missing}' does not exist (create-missing-keys is false: only a missing last key is added)"
                    : $"{describe}: '{(here.Length == 0 ? "the document" : here)}' has no value (create-missing-keys is false: no mapping is added there)");
        }

        if (mappings.Count > 0 || container is not Kind.Mapping and not Kind.EmptyFlow)
        {
            RefuseArgoCdSource(file, document, stop, describe);
        }

        var unit = splicer.IndentUnit();
        switch (container)
        {
            case Kind.Mapping:
                var map = (YamlMapping)stop.Node!;
                splicer.InsertLines(YamlSplicer.LastContentIndex(map.Pairs[^1]), Lines(map.Pairs[0].Key.Start.Column - 1, unit, mappings, leaves));
                break;
            case Kind.EmptyFlow when stop.Pair is { } pair:
                // "key: {}" holds nothing that could be lost: it becomes a block mapping (a comment after it stays on the key's line).
                splicer.Replace(pair.Key.End.Index, ClosingBrace(file, stop.Node!) + 1, ":");
                splicer.InsertLines(pair.Key.End.Index, Lines(pair.Key.Start.Column - 1 + unit, unit, mappings, leaves));
                break;
            case Kind.EmptyFlow:
                {
                    // The document is "{}": its first new line takes the braces' place.
                    var lines = Lines(stop.Node!.Start.Column - 1, unit, mappings, leaves);
                    splicer.Replace(stop.Node.Start.Index, ClosingBrace(file, stop.Node) + 1, lines[0].TrimStart(' '));
                    if (lines.Count > 1)
                    {
                        splicer.InsertLines(stop.Node.Start.Index, lines.Skip(1));
                    }

                    break;
                }

            case Kind.NullValue:
                {
                    var (key, value) = stop.Pair!.Value;
                    if (value is YamlScalar { Value.Length: > 0 })
                    {
                        splicer.Replace(key.End.Index, value.End.Index, ":");
                    }

                    splicer.InsertLines(key.End.Index, Lines(key.Start.Column - 1 + unit, unit, mappings, leaves));
                    break;
                }

            case Kind.EmptyDocument:
                splicer.InsertLinesAt(EmptyLastDocumentEnd(file, stop, describe), Lines(0, unit, mappings, leaves));
                break;
            case Kind.NoDocument:
                splicer.InsertLines(file.Text.Length, Lines(0, unit, mappings, leaves));
                break;
        }

        if (container is Kind.Mapping or Kind.EmptyFlow)
        {
            return mappings.Count > 0
                ? [([.. stop.Concrete, mappings[0]], Nest(mappings.Skip(1).ToList(), leaves))]
                : leaves.Select(l => ((IReadOnlyList<object>)[.. stop.Concrete, l.Key], (object)l.Meaning)).ToList();
        }

        return [(stop.Concrete, Nest(mappings, leaves))];
    }

    /// <summary>The meaning of new mappings around new leaves: <c>{a: {b: {leaf: value}}}</c>.</summary>
    private static object Nest(IReadOnlyList<string> mappings, IReadOnlyList<NewLeaf> leaves)
    {
        object value = leaves.Select(l => new KeyValuePair<string, object?>(l.Key, l.Meaning)).ToList();
        for (var i = mappings.Count - 1; i >= 0; i--)
        {
            value = new List<KeyValuePair<string, object?>> { new(mappings[i], value) };
        }

        return value;
    }

    private static List<string> Lines(int indent, int unit, IReadOnlyList<string> mappings, IReadOnlyList<NewLeaf> leaves)
    {
        var lines = mappings.Select((key, i) => new string(' ', indent + (i * unit)) + YamlSplicer.FormatKey(key) + ":").ToList();
        var leafIndent = new string(' ', indent + (mappings.Count * unit));
        lines.AddRange(leaves.Select(l => leafIndent + YamlSplicer.FormatKey(l.Key) + ": " + l.Text));
        return lines;
    }

    private enum Kind
    {
        Mapping,
        EmptyFlow,
        NullValue,
        EmptyDocument,
        NoDocument,
    }

    /// <summary>What the path stopped in, refusing what cannot take new keys safely.</summary>
    private static Kind Container(YamlSplicer splicer, PathStop stop, IReadOnlyList<object> path, string describe, string here, string missing)
    {
        var file = splicer.File;
        var node = stop.Node;
        if (node is null)
        {
            return Kind.NoDocument;
        }

        if (node is YamlAlias || node.Anchor is not null)
        {
            splicer.RefuseAnchor(node);
        }

        var root = stop.Depth == 0;
        var blockOwner = stop.Owner is { IsFlow: false };
        switch (node)
        {
            case YamlMapping { IsFlow: false }:
                return Kind.Mapping;
            case YamlMapping { IsFlow: true, Pairs.Count: 0 } when (stop.Pair is not null && blockOwner) || (root && StartsItsLine(file, node)):
                return Kind.EmptyFlow;
            case YamlMapping { IsFlow: true }:
                throw DeployException.File(file.At(node),
                    $"{describe}: '{(root ? "the document" : here)}' is a flow mapping {{...}}, which is never extended (only an empty {{}} on its own key is rewritten): write it in block style to add '{path[stop.Depth]}'");
            case YamlScalar { Kind: ScalarKind.Null, Style: ScalarStyle.Plain, Tag: null } when stop.Pair is not null && blockOwner:
                return Kind.NullValue;
            case YamlScalar { Value.Length: 0, Style: ScalarStyle.Plain, Tag: null } when root:
                return Kind.EmptyDocument;
            case YamlScalar { Kind: ScalarKind.Null, Style: ScalarStyle.Plain, Tag: null } when stop.Pair is not null:
                throw DeployException.File(file.At(node), $"{describe}: cannot add '{missing}' inside a flow mapping {{...}}: write it in block style");
            case YamlScalar:
                throw DeployException.File(file.At(node), $"{describe}: '{(root ? "the document" : here)}' is a single value, not a mapping; nothing is created under a scalar");
            default:
                throw DeployException.File(file.At(node), $"{describe}: '{missing}' expects a mapping here");
        }
    }

    /// <summary>Where the new lines of an empty last document go: before its closing "...", else at the end of the file.</summary>
    private static int EmptyLastDocumentEnd(YamlText file, PathStop stop, string describe)
    {
        var text = file.Text;
        var lines = new List<(int Start, string Text)>();
        for (var start = 0; start < text.Length;)
        {
            var nl = text.IndexOf('\n', start);
            var end = nl < 0 ? text.Length : nl + 1;
            lines.Add((start, text[start..end].Trim()));
            start = end;
        }

        // The last line that is neither blank nor a comment is this document's "---" or its closing "..." when it is the last.
        var last = lines.LastOrDefault(l => l.Text.Length > 0 && !l.Text.StartsWith('#'));
        if (ReferenceEquals(file.Documents[^1], stop.Node))
        {
            if (IsMarker(last.Text, "---"))
            {
                return text.Length;
            }

            if (IsMarker(last.Text, "..."))
            {
                return last.Start;
            }
        }

        throw DeployException.File(new SourceLocation(file.Path, stop.Node!.Start.Line, 1),
            $"{describe}: the document is empty and another document or marker follows it; keys are added to an empty document only when it is the file's last: add a key to it first");

        static bool IsMarker(string line, string marker) =>
            line == marker || (line.StartsWith(marker, StringComparison.Ordinal) && line[marker.Length] is ' ' or '\t');
    }

    private static bool StartsItsLine(YamlText file, YamlNodeBase node)
    {
        for (var i = node.Start.Index - 1; i >= 0 && file.Text[i] != '\n'; i--)
        {
            if (file.Text[i] is not (' ' or '\t'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The parser's end mark of a flow node may lie past its closing bracket: the "}" itself.</summary>
    private static int ClosingBrace(YamlText file, YamlNodeBase empty) => file.Text.IndexOf('}', empty.Start.Index);

    private static SourceLocation Where(YamlText file, PathStop stop) =>
        stop.Node is null ? new SourceLocation(file.Path, 1, 1) : file.At(stop.Node);

    /// <summary>
    /// An Argo CD Application renders its source by the sections it has: adding <c>helm</c> to a source that has none
    /// would change how it is rendered, so keys are created only inside an existing <c>spec.source.helm</c> mapping.
    /// </summary>
    private static void RefuseArgoCdSource(YamlText file, YamlNodeBase? document, PathStop stop, string describe)
    {
        if (document is not YamlMapping doc
            || (doc.Find("apiVersion")?.Value as YamlScalar)?.Value.StartsWith("argoproj.io/", StringComparison.Ordinal) != true
            || (doc.Find("kind")?.Value as YamlScalar)?.Value != "Application")
        {
            return;
        }

        var helm = stop.Concrete switch
        {
            ["spec", "source", "helm", ..] => 3,
            ["spec", "sources", int, "helm", ..] => 4,
            _ => -1,
        };
        if (helm < 0 || (stop.Concrete.Count == helm && stop.Node is not YamlMapping))
        {
            throw DeployException.File(Where(file, stop),
                $"{describe}: {file.Path} is an Argo CD Application, and keys are created only inside its source's existing 'helm' section (adding one would change how Argo CD renders the source): add 'helm: {{}}' to the source first");
        }
    }
}
