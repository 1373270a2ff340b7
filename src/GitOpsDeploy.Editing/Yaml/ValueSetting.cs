using System.Text;

namespace GitOpsDeploy.Editing.Yaml;

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
/// a plain number or boolean stays plain when the new value is of the same kind. A value with no
/// kind to keep (a new key, an empty or null value) follows <see cref="NewValue"/>. Missing keys
/// are added as <see cref="MissingKeys"/> allows.
/// </summary>
public static class YamlValueEditor
{
    /// <param name="createMissingKeys">create-missing-keys: add missing parent mappings (else only a missing last key is added).</param>
    public static (string Text, IReadOnlyList<ValueChange> Changes) Apply(YamlText file, IReadOnlyList<ValueSetting> settings, bool createMissingKeys = true)
    {
        var selected = settings.Select(s => s.Document is { } selector ? DocumentIndex(file, selector, s) : -1).ToList();
        var multi = selected.Any(i => i >= 0);
        var expected = multi ? file.Documents.Select(SemanticTree.From).ToList() : [SemanticTree.From(file.Root)];
        var changes = new List<ValueChange>();
        var current = file;
        for (var i = 0; i < settings.Count; i++)
        {
            // One setting at a time, each on the text the previous one left: two settings may add the same missing parent.
            var splicer = new YamlSplicer(current);
            var index = Math.Max(selected[i], 0);
            var root = selected[i] >= 0 ? current.Documents[index] : current.Root;
            changes.Add(ApplyOne(splicer, settings[i], root, expected, index, createMissingKeys));
            if (splicer.HasEdits)
            {
                current = Reparse(file, splicer.Apply());
            }
        }

        if (ReferenceEquals(current, file))
        {
            return (file.Text, changes);
        }

        if (multi)
        {
            KustomizationImageEditor.VerifyDocuments(file, current.Text, expected);
        }
        else
        {
            KustomizationImageEditor.Verify(file, current.Text, expected[0]);
        }

        return (current.Text, changes);
    }

    /// <summary>
    /// The text and meaning of a value written where there is no kind to keep (a new key, an empty or null value).
    /// One rule for all of them: <see cref="PlainScalars.IsPortableIntOrBool"/> values are written plain, as the int or
    /// bool they read as (<c>replicas: 2</c>, <c>enabled: false</c>); anything else is a string, quoted when plain text
    /// would read as something else (<c>"1.10"</c>, <c>"0755"</c>, <c>"yes"</c>). Keys that Kubernetes, Helm charts and
    /// Argo CD read only as strings get a string whatever it looks like: an image tag (<c>tag</c>, <c>imageTag</c>),
    /// the entries of annotations, labels and nodeSelector maps, of a top-level <c>data</c> or <c>stringData</c> (ConfigMap, Secret),
    /// and the <c>value</c> of a list item (env, Argo CD parameters).
    /// </summary>
    public static (string Text, SemanticTree.Scalar Meaning) NewValue(IReadOnlyList<object> path, string value) =>
        PlainScalars.IsPortableIntOrBool(value) && !AlwaysString(path)
            ? (value, new SemanticTree.Scalar(PlainScalars.Resolve(value), value))
            : (YamlSplicer.FormatString(value, ScalarStyle.Plain), SemanticTree.String(value));

    private static bool AlwaysString(IReadOnlyList<object> path) => path switch
    {
        [.., string key] when key == "tag" || key.EndsWith("imageTag", StringComparison.OrdinalIgnoreCase) => true,
        [.., string map, string] when map.EndsWith("annotations", StringComparison.OrdinalIgnoreCase) || map.EndsWith("labels", StringComparison.OrdinalIgnoreCase)
            || map.Equals("nodeSelector", StringComparison.OrdinalIgnoreCase) => true,
        [.., not string, "value"] => true,
        ["data" or "stringData", string] => true,
        _ => false,
    };

    /// <summary>The text after one step, parsed again for the next; a step that breaks the YAML is our bug, and nothing is written.</summary>
    internal static YamlText Reparse(YamlText original, string text)
    {
        try
        {
            return YamlText.Parse(original.Path, text, original.HasBom);
        }
        catch (DeployException e)
        {
            throw new InvalidOperationException($"internal error: the edit of {original.Path} produced invalid YAML ({e.Describe()}); nothing was written", e);
        }
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

    private static ValueChange ApplyOne(YamlSplicer splicer, ValueSetting setting, YamlNodeBase? root, List<object?> expected, int document, bool create)
    {
        var file = splicer.File;
        var describe = $"cannot set '{setting.PathText}'";
        var stop = MissingKeys.Walk(file, root, setting.Path, describe, splicer.RefuseAnchor);
        if (stop.Depth < setting.Path.Count)
        {
            var (text, meaning) = NewValue(setting.Path, setting.Value);
            var leaf = setting.Path[^1] as string ?? string.Empty;
            var mappings = setting.Path.Skip(stop.Depth).Take(setting.Path.Count - stop.Depth - 1).OfType<string>().ToList();
            foreach (var (at, value) in MissingKeys.Add(splicer, root, stop, setting.Path, mappings, [new NewLeaf(leaf, text, meaning)], create, describe))
            {
                if (at.Count == 0)
                {
                    expected[document] = value;
                }
                else
                {
                    SemanticTree.Set(expected[document], at, value);
                }
            }

            return new ValueChange(setting.File, setting.PathText, null, setting.Value);
        }

        var node = stop.Node!;
        if (node is not YamlScalar scalar)
        {
            splicer.RefuseAnchor(node);
            throw DeployException.File(file.At(node), $"cannot set '{setting.PathText}': it is a {(node is YamlMapping ? "mapping" : "list")}, not a single value");
        }

        if (scalar is { Kind: ScalarKind.Null, Style: ScalarStyle.Plain, Tag: null } && (stop.Pair is not null || scalar.Value.Length > 0))
        {
            // "key:", "key: ~", "key: null" (a chart's placeholder): there is no kind to keep.
            splicer.RefuseAnchor(scalar);
            var (text, meaning) = NewValue(setting.Path, setting.Value);
            if (scalar.Value.Length == 0)
            {
                splicer.FillEmptyValue(stop.Pair!.Value.Key, text);
            }
            else
            {
                splicer.Replace(scalar.Start.Index, scalar.End.Index, text);
            }

            SemanticTree.Set(expected[document], stop.Concrete, meaning);
            return new ValueChange(setting.File, setting.PathText, null, setting.Value);
        }

        var keepsKind = scalar.Style == ScalarStyle.Plain && scalar.Kind is not ScalarKind.String and not ScalarKind.Null
            && scalar.Kind == PlainScalars.Resolve(setting.Value);
        var unchanged = scalar.Value == setting.Value && (keepsKind || scalar.Kind == ScalarKind.String);
        if (!unchanged)
        {
            splicer.ReplaceScalar(scalar, setting.Value, keepType: true);
            SemanticTree.Set(expected[document], stop.Concrete, keepsKind ? new SemanticTree.Scalar(scalar.Kind, setting.Value) : SemanticTree.String(setting.Value));
        }

        return new ValueChange(setting.File, setting.PathText, scalar.Value, setting.Value);
    }
}
