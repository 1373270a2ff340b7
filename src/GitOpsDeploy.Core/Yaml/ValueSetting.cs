using System.Text;

namespace GitOpsDeploy.Core.Yaml;

/// <summary>
/// One <c>set</c> input line: <c>FILE:KEY.PATH=VALUE</c>, e.g. <c>values.yaml:image.tag=1.4.2</c>; in a file of
/// several documents, <c>FILE#Kind/name:...</c> (or <c>FILE#Kind:...</c>, <c>FILE#0:...</c>) selects one.
/// </summary>
public sealed record ValueSetting(string File, IReadOnlyList<object> Path, string Value, string Text)
{
    /// <summary>The document selector after '#', or null for a single-document file.</summary>
    public string? Document { get; init; }

    public string PathText => FormatPath(Path);

    public static ValueSetting Parse(string line, string input = "set")
    {
        var text = line.Trim();
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var eq = colon < 0 ? -1 : ValueSeparator(text, colon);
        if (colon <= 0 || eq < 0)
        {
            throw DeployException.Input(input, $"'{text}' is not FILE:KEY.PATH=VALUE (e.g. values.yaml:image.tag=1.4.2)");
        }

        var file = text[..colon].Trim();
        var value = text[(eq + 1)..];
        if (value.Contains('\n', StringComparison.Ordinal) || value.Contains('\r', StringComparison.Ordinal))
        {
            throw DeployException.Input(input, $"the value for '{file}' spans lines; only single-line values can be set");
        }

        // DEL, C1 controls (NEL among them) and the like have no business in a manifest value, and some readers
        // treat them as line breaks: refuse them here instead of writing an escape nobody asked for.
        foreach (var c in text)
        {
            if (char.IsControl(c) && c != '\t')
            {
                throw DeployException.Input(input, $"the setting for '{file}' contains the control character U+{(int)c:X4}; only printable characters can be set");
            }
        }

        var hash = file.IndexOf('#', StringComparison.Ordinal);
        if (hash == 0 || hash == file.Length - 1)
        {
            throw DeployException.Input(input, $"'{text}' selects a document with '#' but names no file or no document (FILE#Kind/name:KEY.PATH=VALUE)");
        }

        return new ValueSetting(hash > 0 ? file[..hash] : file, ParsePath(text[(colon + 1)..eq].Trim(), text, input), value, text)
        {
            Document = hash > 0 ? file[(hash + 1)..] : null,
        };
    }

    /// <summary>The '=' that starts the value: the first one after the path that is not inside a [key=value] selector.</summary>
    private static int ValueSeparator(string text, int from)
    {
        var depth = 0;
        for (var i = from; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '[':
                    depth++;
                    break;
                case ']' when depth > 0:
                    depth--;
                    break;
                case '=' when depth == 0:
                    return i;
            }
        }

        return -1;
    }

    public static IReadOnlyList<ValueSetting> ParseList(string? text, string input = "set") =>
        (text ?? string.Empty).Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(l => Parse(l, input)).ToList();

    /// <summary>Parses <c>a.b[0].c</c>; <c>\.</c> is a literal dot in a key (e.g. annotations).</summary>
    public static List<object> ParsePath(string path, string text, string input)
    {
        var parts = new List<object>();
        var key = new StringBuilder();
        var i = 0;
        void EndKey()
        {
            if (key.Length == 0)
            {
                throw DeployException.Input(input, $"'{text}' has an empty key in its path");
            }

            parts.Add(key.ToString());
            key.Clear();
        }

        while (i < path.Length)
        {
            var c = path[i];
            if (c == '\\' && i + 1 < path.Length)
            {
                key.Append(path[i + 1]);
                i += 2;
            }
            else if (c == '.')
            {
                if (key.Length > 0 || parts.Count == 0 || parts[^1] is string)
                {
                    EndKey();
                }

                i++;
            }
            else if (c == '[')
            {
                if (key.Length > 0)
                {
                    EndKey();
                }

                var close = path.IndexOf(']', i);
                var inside = close < 0 ? string.Empty : path[(i + 1)..close];
                var eq = inside.IndexOf('=', StringComparison.Ordinal);
                if (eq > 0 && eq < inside.Length - 1)
                {
                    // [name=image.tag]: the one item of a list of mappings whose 'name' is 'image.tag'.
                    parts.Add(new ItemMatch(inside[..eq].Trim(), inside[(eq + 1)..].Trim()));
                }
                else if (int.TryParse(inside, out var index) && index >= 0)
                {
                    parts.Add(index);
                }
                else
                {
                    throw DeployException.Input(input, $"'{text}' has a bad index; use key[0] or key[name=value]");
                }

                i = close + 1;
            }
            else
            {
                key.Append(c);
                i++;
            }
        }

        if (key.Length > 0 || parts.Count == 0)
        {
            EndKey();
        }

        return parts;
    }

    public static string FormatPath(IReadOnlyList<object> path)
    {
        var sb = new StringBuilder();
        foreach (var part in path)
        {
            if (part is int i)
            {
                sb.Append('[').Append(i).Append(']');
            }
            else if (part is ItemMatch match)
            {
                sb.Append(match);
            }
            else
            {
                if (sb.Length > 0)
                {
                    sb.Append('.');
                }

                sb.Append(((string)part).Replace(".", "\\.", StringComparison.Ordinal));
            }
        }

        return sb.ToString();
    }
}

/// <summary>A list item chosen by one of its keys: <c>[name=image.tag]</c> (Argo CD parameters, containers, env).</summary>
public sealed record ItemMatch(string Key, string Value)
{
    public override string ToString() => $"[{Key}={Value}]";

    /// <summary>The index of the one matching item; an error names the list when none or several match.</summary>
    public int IndexIn(YamlText file, YamlSequence list, string where)
    {
        var matches = list.Items.Select((item, i) => (item, i))
            .Where(x => x.item is YamlMapping map && map.Find(Key)?.Value is YamlScalar s && s.Value == Value).Select(x => x.i).ToList();
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw DeployException.File(file.At(list), $"no item of '{where}' has {Key}={Value}"),
            _ => throw DeployException.File(file.At(list), $"{matches.Count} items of '{where}' have {Key}={Value}; use an index"),
        };
    }
}

/// <summary>A value before and after a <c>set</c> edit; <see cref="Before"/> is null for a new key.</summary>
public sealed record ValueChange(string File, string Path, string? Before, string After)
{
    public bool Changed => Before != After;
}

/// <summary>
/// Applies <c>set</c> edits to any YAML file (Helm values and the like) by splicing. The value
/// keeps the kind of the value it replaces: a string stays a string (quoted when it must be),
/// a plain number or boolean stays plain when the new value is of the same kind.
/// </summary>
public static class YamlValueEditor
{
    public static (string Text, IReadOnlyList<ValueChange> Changes) Apply(YamlText file, IReadOnlyList<ValueSetting> settings)
    {
        var splicer = new YamlSplicer(file);
        var selected = settings.Select(s => s.Document is { } selector ? DocumentIndex(file, selector, s) : -1).ToList();
        var multi = selected.Any(i => i >= 0);
        var expected = multi ? file.Documents.Select(SemanticTree.From).ToList() : [SemanticTree.From(file.Root)];
        var changes = new List<ValueChange>();
        for (var i = 0; i < settings.Count; i++)
        {
            var index = Math.Max(selected[i], 0);
            var root = selected[i] >= 0 ? file.Documents[index] : file.Root;
            changes.Add(ApplyOne(splicer, settings[i], root, expected[index]));
        }

        if (!splicer.HasEdits)
        {
            return (file.Text, changes);
        }

        var text = splicer.Apply();
        if (multi)
        {
            KustomizationImageEditor.VerifyDocuments(file, text, expected);
        }
        else
        {
            KustomizationImageEditor.Verify(file, text, expected[0]);
        }

        return (text, changes);
    }

    /// <summary>The document a selector names: an index, or the one document with that kind (and metadata.name).</summary>
    private static int DocumentIndex(YamlText file, string selector, ValueSetting setting)
    {
        var documents = file.Documents;
        if (int.TryParse(selector, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index))
        {
            return index < documents.Count
                ? index
                : throw DeployException.Input("set", $"'{setting.Text}': {file.Path} holds {documents.Count} document(s); #{index} is past the end (the first is #0)");
        }

        var slash = selector.IndexOf('/', StringComparison.Ordinal);
        var kind = slash < 0 ? selector : selector[..slash];
        var name = slash < 0 ? null : selector[(slash + 1)..];
        var identities = documents.Select(d => (Kind: Text(d, "kind"), Name: Text((d as YamlMapping)?.Find("metadata")?.Value, "name"))).ToList();
        var matches = identities.Select((id, i) => (id, i)).Where(x => x.id.Kind == kind && (name is null || x.id.Name == name)).Select(x => x.i).ToList();
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw DeployException.Input("set", $"'{setting.Text}': no document of {file.Path} is {selector}; it holds {string.Join(", ", identities.Select(id => $"{id.Kind ?? "?"}/{id.Name ?? "?"}"))}"),
            _ => throw DeployException.Input("set", $"'{setting.Text}': {matches.Count} documents of {file.Path} are {selector}; name one with Kind/name or #index"),
        };

        static string? Text(YamlNodeBase? node, string key) => (node as YamlMapping)?.Find(key)?.Value is YamlScalar s ? s.Value : null;
    }

    private static ValueChange ApplyOne(YamlSplicer splicer, ValueSetting setting, YamlNodeBase? root, object? expected)
    {
        var file = splicer.File;
        var node = root ?? throw DeployException.File(new SourceLocation(file.Path, 1, 1), $"cannot set '{setting.PathText}': the file is empty");
        YamlNodeBase? parentKey = null;
        var concrete = new List<object>();
        for (var i = 0; i < setting.Path.Count; i++)
        {
            var part = setting.Path[i];
            var isLeaf = i == setting.Path.Count - 1;
            var soFar = ValueSetting.FormatPath(setting.Path.Take(i + 1).ToList());
            splicer.RefuseAnchor(node);
            switch (node, part)
            {
                case (YamlMapping map, string key):
                    concrete.Add(key);
                    if (map.Find(key) is { } pair)
                    {
                        parentKey = pair.Key;
                        node = pair.Value;
                        break;
                    }

                    if (!isLeaf)
                    {
                        throw DeployException.File(file.At(map), $"cannot set '{setting.PathText}': '{soFar}' does not exist (only a missing last key is added)");
                    }

                    if (map is { IsFlow: true, Pairs.Count: 0 } && parentKey is not null)
                    {
                        // "{}" holds nothing that could be lost: it becomes a block mapping with the new key.
                        splicer.FillEmptyFlowMapping(parentKey, map, key, setting.Value);
                    }
                    else
                    {
                        splicer.InsertPair(map, key, setting.Value);
                    }

                    SemanticTree.Set(expected, concrete, SemanticTree.String(setting.Value));
                    return new ValueChange(setting.File, setting.PathText, null, setting.Value);
                case (YamlSequence seq, int index):
                    parentKey = null;
                    concrete.Add(index);
                    node = index < seq.Items.Count
                        ? seq.Items[index]
                        : throw DeployException.File(file.At(seq), $"cannot set '{setting.PathText}': '{soFar}' is past the end of a list of {seq.Items.Count}");
                    break;
                case (YamlSequence seq, ItemMatch match):
                    parentKey = null;
                    var found = match.IndexIn(file, seq, ValueSetting.FormatPath(setting.Path.Take(i).ToList()));
                    concrete.Add(found);
                    node = seq.Items[found];
                    break;
                default:
                    throw DeployException.File(file.At(node), $"cannot set '{setting.PathText}': '{soFar}' expects a {(part is string ? "mapping" : "list")} here");
            }
        }

        if (node is not YamlScalar scalar)
        {
            splicer.RefuseAnchor(node);
            throw DeployException.File(file.At(node), $"cannot set '{setting.PathText}': it is a {(node is YamlMapping ? "mapping" : "list")}, not a single value");
        }

        if (scalar is { Value.Length: 0, Style: ScalarStyle.Plain, Tag: null } && parentKey is not null)
        {
            // "key:" with nothing after it (a chart's placeholder): there is no text to replace, and no kind to
            // keep. Numbers and booleans are written plain (ports, replicas, flags); anything else as a string.
            var kind = PlainScalars.Resolve(setting.Value);
            var plain = kind is ScalarKind.Int or ScalarKind.Bool;
            splicer.FillEmptyValue(parentKey, plain ? setting.Value : YamlSplicer.FormatString(setting.Value, ScalarStyle.Plain));
            SemanticTree.Set(expected, concrete, plain ? new SemanticTree.Scalar(kind, setting.Value) : SemanticTree.String(setting.Value));
            return new ValueChange(setting.File, setting.PathText, null, setting.Value);
        }

        var keepsKind = scalar.Style == ScalarStyle.Plain && scalar.Kind is not ScalarKind.String and not ScalarKind.Null
            && scalar.Kind == PlainScalars.Resolve(setting.Value);
        var unchanged = scalar.Value == setting.Value && (keepsKind || scalar.Kind == ScalarKind.String);
        if (!unchanged)
        {
            splicer.ReplaceScalar(scalar, setting.Value, keepType: true);
            SemanticTree.Set(expected, concrete, keepsKind ? new SemanticTree.Scalar(scalar.Kind, setting.Value) : SemanticTree.String(setting.Value));
        }

        return new ValueChange(setting.File, setting.PathText, scalar.Value, setting.Value);
    }
}
