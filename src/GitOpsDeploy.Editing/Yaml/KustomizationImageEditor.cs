using GitOpsDeploy.Editing.Images;

namespace GitOpsDeploy.Editing.Yaml;

/// <summary>An image before and after an edit; <see cref="Before"/> is null for a new entry.</summary>
public sealed record ImageChange(ImageEntry? Before, ImageEntry After)
{
    public bool Changed => Before != After;
}

/// <summary>
/// Edits the <c>images:</c> list of a kustomization by splicing, in the file's own style.
/// Entries are matched by <c>name</c>; the list keeps its order, new entries are appended.
/// </summary>
public static class KustomizationImageEditor
{
    private static readonly string[] FieldOrder = ["name", "newName", "newTag", "digest"];

    public static (string Text, IReadOnlyList<ImageChange> Changes) Apply(YamlText file, IReadOnlyList<ImageSpec> specs)
    {
        if (file.Root is not YamlMapping root)
        {
            throw DeployException.File(file.Root is null ? new SourceLocation(file.Path, 1, 1) : file.At(file.Root), "a kustomization must be a YAML mapping");
        }

        var splicer = new YamlSplicer(file);
        var expected = SemanticTree.From(root);
        var imagesPair = root.Find("images");
        var entries = ReadEntries(file, imagesPair?.Value);
        var changes = new List<ImageChange>();
        var appended = new List<ImageEntry>();

        foreach (var spec in specs)
        {
            var existing = entries.FirstOrDefault(e => e.Entry.Name == spec.Name);
            var before = existing?.Entry;
            var after = spec.ApplyTo(before);
            changes.Add(new ImageChange(before, after));
            if (existing is not null)
            {
                EditEntry(splicer, existing, after, expected);
            }
            else
            {
                appended.Add(after);
            }
        }

        if (appended.Count > 0)
        {
            AppendEntries(splicer, root, imagesPair, appended, expected);
        }

        if (!splicer.HasEdits)
        {
            return (file.Text, changes);
        }

        var text = splicer.Apply();
        Verify(file, text, expected);
        return (text, changes);
    }

    /// <summary>Re-parses the edited text: its meaning must equal the original plus exactly the intended changes.</summary>
    public static void Verify(YamlText original, string edited, object? expected)
    {
        YamlText reparsed;
        try
        {
            reparsed = YamlText.Parse(original.Path, edited, original.HasBom);
        }
        catch (DeployException e)
        {
            throw new InvalidOperationException($"internal error: the edit of {original.Path} produced invalid YAML ({e.Describe()}); nothing was written", e);
        }

        if (!SemanticTree.SameMeaning(expected, SemanticTree.From(reparsed.Root)))
        {
            throw new InvalidOperationException($"internal error: the edit of {original.Path} changed more than intended; nothing was written");
        }
    }

    /// <summary>The same check for a file of several documents: each must mean what is expected of it.</summary>
    public static void VerifyDocuments(YamlText original, string edited, IReadOnlyList<object?> expected)
    {
        YamlText reparsed;
        try
        {
            reparsed = YamlText.Parse(original.Path, edited, original.HasBom);
        }
        catch (DeployException e)
        {
            throw new InvalidOperationException($"internal error: the edit of {original.Path} produced invalid YAML ({e.Describe()}); nothing was written", e);
        }

        if (reparsed.Documents.Count != expected.Count || !reparsed.Documents.Select(SemanticTree.From).Zip(expected).All(p => SemanticTree.SameMeaning(p.Second, p.First)))
        {
            throw new InvalidOperationException($"internal error: the edit of {original.Path} changed more than intended; nothing was written");
        }
    }

    /// <summary>The images of a kustomization, in file order.</summary>
    public static IReadOnlyList<ImageEntry> ReadImages(YamlText file) =>
        file.Root is YamlMapping root ? ReadEntries(file, root.Find("images")?.Value).Select(e => e.Entry).ToList() : [];

    private static List<EntryNode> ReadEntries(YamlText file, YamlNodeBase? images)
    {
        var entries = new List<EntryNode>();
        switch (images)
        {
            case null:
            case YamlScalar { Kind: ScalarKind.Null }:
                return entries;
            case YamlSequence sequence:
                for (var i = 0; i < sequence.Items.Count; i++)
                {
                    if (sequence.Items[i] is not YamlMapping map)
                    {
                        throw DeployException.File(file.At(sequence.Items[i]), "each entry of 'images' must be a mapping with a 'name'");
                    }

                    var name = map.Find("name")?.Value as YamlScalar
                        ?? throw DeployException.File(file.At(map), "an entry of 'images' has no 'name'");
                    var clash = entries.FirstOrDefault(e => e.Entry.Name == name.Value);
                    if (clash is not null)
                    {
                        throw DeployException.File(file.At(name),
                            $"image '{name.Value}' is listed twice in 'images' (also at line {clash.Map.Start.Line}); remove one");
                    }

                    entries.Add(new EntryNode(map, i, new ImageEntry(name.Value, Field(map, "newName"), Field(map, "newTag"), Field(map, "digest"))));
                }

                return entries;
            default:
                throw DeployException.File(file.At(images), "'images' must be a list");
        }
    }

    private static string? Field(YamlMapping map, string key) => map.Find(key)?.Value is YamlScalar { Kind: not ScalarKind.Null } s ? s.Value : null;

    private static void EditEntry(YamlSplicer splicer, EntryNode node, ImageEntry after, object? expected)
    {
        var map = node.Map;
        var path = new List<object> { "images", node.Index };
        var wanted = new Dictionary<string, string?> { ["newName"] = after.NewName, ["newTag"] = after.NewTag, ["digest"] = after.Digest };
        var removed = new HashSet<string>();

        // Removals first, so an added key is never placed after one that is going away.
        foreach (var key in FieldOrder.Skip(1).OrderBy(k => wanted[k] is null ? 0 : 1))
        {
            var value = wanted[key];
            var pair = map.Find(key);
            var current = pair?.Value as YamlScalar;
            if (pair is { } p && current is null)
            {
                throw DeployException.File(splicer.File.At(p.Value), $"'{key}' of image '{after.Name}' must be a plain value");
            }

            var fieldPath = path.Append(key).ToList();
            if (value is null)
            {
                if (pair is { } old && current is { Kind: not ScalarKind.Null })
                {
                    splicer.RefuseAnchor(map);
                    splicer.RemovePair(map, old);
                    SemanticTree.Remove(expected, fieldPath);
                    removed.Add(key);
                }

                continue;
            }

            if (current is not null)
            {
                // A value that reads as a number (e.g. newTag: 1.10) is wrong even if its text matches: quote it.
                if (current.Value != value || current.Kind != ScalarKind.String)
                {
                    splicer.RefuseAnchor(map);
                    splicer.ReplaceScalar(current, value);
                    SemanticTree.Set(expected, fieldPath, SemanticTree.String(value));
                }

                continue;
            }

            splicer.RefuseAnchor(map);
            var predecessor = FieldOrder.TakeWhile(k => k != key).Reverse().Where(k => !removed.Contains(k)).Select(map.Find).FirstOrDefault(f => f is not null);
            splicer.InsertPair(map, key, value, predecessor);
            SemanticTree.Set(expected, fieldPath, SemanticTree.String(value));
        }
    }

    private static void AppendEntries(YamlSplicer splicer, YamlMapping root, KeyValuePair<YamlNodeBase, YamlNodeBase>? imagesPair, List<ImageEntry> entries, object? expected)
    {
        var file = splicer.File;
        var semanticEntries = entries.Select(ToSemantic).ToList();
        if (imagesPair is { Value: YamlSequence sequence } && !IsEmptyFlow(sequence))
        {
            splicer.RefuseFlow(sequence, "append an image to");
            splicer.RefuseAnchor(sequence);
            var (dashColumn, gap) = ItemLayout(file, sequence.Items[0]);
            splicer.InsertLines(YamlSplicer.LastContentIndex(sequence), entries.SelectMany(e => ItemLines(e, dashColumn, gap)));
            foreach (var e in semanticEntries)
            {
                SemanticTree.Append(expected, ["images"], e);
            }

            return;
        }

        var rootIndent = root.Pairs[0].Key.Start.Column - 1;
        var itemIndent = rootIndent + SequenceIndentOf(root);
        var lines = entries.SelectMany(e => ItemLines(e, itemIndent, 1)).ToList();
        if (imagesPair is { } empty)
        {
            // "images:" with no value (or ~, null, []): give it a block body, keeping a comment after the key in place.
            if (IsEmptyFlow(empty.Value))
            {
                // The parser's end mark of a flow sequence lies past its "]": cut exactly "[...]".
                splicer.Replace(empty.Key.End.Index, file.Text.IndexOf(']', empty.Value.Start.Index) + 1, ":");
            }
            else if (empty.Value is YamlScalar { Value.Length: > 0 } or YamlScalar { Style: not ScalarStyle.Plain })
            {
                splicer.Replace(empty.Key.End.Index, empty.Value.End.Index, ":");
            }

            splicer.InsertLines(empty.Key.End.Index, lines);
        }
        else
        {
            splicer.InsertLines(YamlSplicer.LastContentIndex(root), [new string(' ', rootIndent) + "images:", .. lines]);
        }

        SemanticTree.Set(expected, ["images"], semanticEntries.Cast<object?>().ToList());
    }

    /// <summary><c>[]</c> holds nothing that could be lost, so it may become a block list.</summary>
    private static bool IsEmptyFlow(YamlNodeBase node) => node is YamlSequence { IsFlow: true, Items.Count: 0, Anchor: null };

    private static List<KeyValuePair<string, object?>> ToSemantic(ImageEntry e)
    {
        var fields = new List<KeyValuePair<string, object?>> { new("name", SemanticTree.String(e.Name)) };
        if (e.NewName is not null)
        {
            fields.Add(new("newName", SemanticTree.String(e.NewName)));
        }

        if (e.NewTag is not null)
        {
            fields.Add(new("newTag", SemanticTree.String(e.NewTag)));
        }

        if (e.Digest is not null)
        {
            fields.Add(new("digest", SemanticTree.String(e.Digest)));
        }

        return fields;
    }

    private static IEnumerable<string> ItemLines(ImageEntry e, int dashColumn, int gap)
    {
        var first = new string(' ', dashColumn) + "-" + new string(' ', gap);
        var rest = new string(' ', dashColumn + 1 + gap);
        yield return first + "name: " + YamlSplicer.FormatString(e.Name, ScalarStyle.Plain);
        if (e.NewName is not null)
        {
            yield return rest + "newName: " + YamlSplicer.FormatString(e.NewName, ScalarStyle.Plain);
        }

        if (e.NewTag is not null)
        {
            yield return rest + "newTag: " + YamlSplicer.FormatString(e.NewTag, ScalarStyle.Plain);
        }

        if (e.Digest is not null)
        {
            yield return rest + "digest: " + YamlSplicer.FormatString(e.Digest, ScalarStyle.Plain);
        }
    }

    /// <summary>The column of an item's "-" and the spaces between it and the item's content, read from the text.</summary>
    private static (int DashColumn, int Gap) ItemLayout(YamlText file, YamlNodeBase firstItem)
    {
        var contentStart = firstItem is YamlMapping { Pairs.Count: > 0 } m ? m.Pairs[0].Key.Start.Index : firstItem.Start.Index;
        var dash = file.Text.LastIndexOf('-', contentStart - 1);
        var lineStart = file.Text.LastIndexOf('\n', Math.Max(dash, 0)) + 1;
        return (dash - lineStart, contentStart - dash - 1);
    }

    /// <summary>How far this file indents block sequences under a key (0 for kustomize's own "key:\n- item" style).</summary>
    private static int SequenceIndentOf(YamlMapping root)
    {
        foreach (var pair in root.Pairs)
        {
            if (pair.Value is YamlSequence { IsFlow: false } s)
            {
                return Math.Max(0, s.Start.Column - pair.Key.Start.Column);
            }
        }

        return 0;
    }

    private sealed record EntryNode(YamlMapping Map, int Index, ImageEntry Entry);
}
