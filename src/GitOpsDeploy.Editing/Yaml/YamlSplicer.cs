namespace GitOpsDeploy.Editing.Yaml;

/// <summary>
/// Collects text edits located by parser marks and applies them to the original text in one pass.
/// Everything outside the edited spans (comments, blank lines, quoting, line endings) is left byte for byte.
/// </summary>
public sealed class YamlSplicer(YamlText file)
{
    private readonly List<TextEdit> edits = [];

    public YamlText File { get; } = file;

    public bool HasEdits => edits.Count > 0;

    /// <summary>Replaces a scalar's text, keeping its quoting style where the value allows it.</summary>
    /// <param name="keepType">Write a plain non-string value (number, bool) plain when the old value was of that kind.</param>
    public void ReplaceScalar(YamlScalar node, string value, bool keepType = false)
    {
        RefuseAnchor(node);
        if (node.Style is ScalarStyle.Literal or ScalarStyle.Folded)
        {
            throw DeployException.File(File.At(node), "cannot replace a block scalar (| or >); write the value on one line");
        }

        var text = keepType && node.Style == ScalarStyle.Plain && node.Kind is not ScalarKind.String && node.Kind == PlainScalars.Resolve(value)
            ? value
            : FormatString(value, node.Style);
        edits.Add(new TextEdit(node.Start.Index, node.End.Index, text, edits.Count));
    }

    /// <summary>Removes a key and its value from a block mapping, with the line(s) they occupy.</summary>
    public void RemovePair(YamlMapping map, KeyValuePair<YamlNodeBase, YamlNodeBase> pair)
    {
        RefuseFlow(map, "remove a key from");
        var text = File.Text;
        var keyStart = pair.Key.Start.Index;
        var lineStart = LineStart(keyStart);
        var index = IndexOf(map, pair);
        if (IsBlank(text, lineStart, keyStart))
        {
            edits.Add(new TextEdit(lineStart, AfterLine(LastContentIndex(pair)), string.Empty, edits.Count));
        }
        else if (index + 1 < map.Pairs.Count)
        {
            // The key shares its line with a "- " indicator: pull the next key up into its place.
            edits.Add(new TextEdit(keyStart, map.Pairs[index + 1].Key.Start.Index, string.Empty, edits.Count));
        }
        else
        {
            throw DeployException.File(File.At(pair.Key), $"cannot remove '{Describe(pair.Key)}': it is the only key on a sequence item line");
        }
    }

    /// <summary>Adds <c>key: value</c> on a new line of a block mapping, after <paramref name="after"/> (default: the last pair).</summary>
    public void InsertPair(YamlMapping map, string key, string value, KeyValuePair<YamlNodeBase, YamlNodeBase>? after = null)
    {
        RefuseFlow(map, "add a key to");
        var anchor = after ?? map.Pairs[^1];
        var indent = new string(' ', map.Pairs[0].Key.Start.Column - 1);
        InsertLines(LastContentIndex(anchor), [indent + FormatKey(key) + ": " + FormatString(value, ScalarStyle.Plain)]);
    }

    /// <summary>Writes <paramref name="text"/> after <c>key:</c> whose value is empty (comments after it stay after it).</summary>
    public void FillEmptyValue(YamlNodeBase key, string text)
    {
        var colon = File.Text.IndexOf(':', key.End.Index);
        edits.Add(new TextEdit(colon + 1, colon + 1, " " + text, edits.Count));
    }

    /// <summary>How many columns this file indents a nested block mapping (the first one found; 2 if none).</summary>
    public int IndentUnit()
    {
        static int? Find(YamlNodeBase? node) => node switch
        {
            YamlMapping { IsFlow: false } m => m.Pairs
                .Select(p => p.Value is YamlMapping { IsFlow: false, Pairs.Count: > 0 } child && child.Pairs[0].Key.Start.Column > p.Key.Start.Column
                    ? child.Pairs[0].Key.Start.Column - p.Key.Start.Column
                    : Find(p.Value))
                .FirstOrDefault(n => n is not null),
            YamlSequence { IsFlow: false } s => s.Items.Select(Find).FirstOrDefault(n => n is not null),
            _ => null,
        };

        return File.Documents.Select(Find).FirstOrDefault(n => n is not null) ?? 2;
    }

    /// <summary>Inserts whole lines (without line endings) after the line holding <paramref name="afterIndex"/>.</summary>
    public void InsertLines(int afterIndex, IEnumerable<string> lines) => InsertLinesAt(AfterLine(afterIndex), lines);

    /// <summary>Inserts whole lines (without line endings) at <paramref name="at"/>: the start of a line, or the end of the text.</summary>
    public void InsertLinesAt(int at, IEnumerable<string> lines)
    {
        var prefix = at == File.Text.Length && File.Text.Length > 0 && File.Text[^1] != '\n' ? File.NewLine : string.Empty;
        edits.Add(new TextEdit(at, at, prefix + string.Concat(lines.Select(l => l + File.NewLine)), edits.Count));
    }

    /// <summary>Replaces an arbitrary span (used to give an empty value a block body).</summary>
    public void Replace(int start, int end, string text) => edits.Add(new TextEdit(start, end, text, edits.Count));

    /// <summary>The edited text. Edits must not overlap; inserts at one position keep their order.</summary>
    public string Apply()
    {
        // At one position, insertions go before a replacement that starts there (an added line before a removed one).
        var ordered = edits.OrderBy(e => e.Start).ThenBy(e => e.End > e.Start ? 1 : 0).ThenBy(e => e.Order).ToList();
        var sb = new System.Text.StringBuilder(File.Text.Length + 256);
        var cursor = 0;
        foreach (var edit in ordered)
        {
            if (edit.Start < cursor)
            {
                throw new InvalidOperationException($"overlapping YAML edits at index {edit.Start} in {File.Path}");
            }

            sb.Append(File.Text, cursor, edit.Start - cursor).Append(edit.Text);
            cursor = edit.End;
        }

        return sb.Append(File.Text, cursor, File.Text.Length - cursor).ToString();
    }

    /// <summary>Index of the last character that belongs to a node (for block scalars: their final line break).</summary>
    public static int LastContentIndex(YamlNodeBase node) => node switch
    {
        YamlMapping { IsFlow: false, Pairs.Count: > 0 } m => LastContentIndex(m.Pairs[^1]),
        YamlSequence { IsFlow: false, Items.Count: > 0 } s => LastContentIndex(s.Items[^1]),
        _ => Math.Max(node.Start.Index, node.End.Index - 1),
    };

    public static int LastContentIndex(KeyValuePair<YamlNodeBase, YamlNodeBase> pair) =>
        pair.Value is YamlScalar { Value.Length: 0, Style: ScalarStyle.Plain } ? pair.Key.End.Index : LastContentIndex(pair.Value);

    /// <summary>Writes a string value, quoting it when it would not read back as that string.</summary>
    public static string FormatString(string value, ScalarStyle preferred)
    {
        return preferred switch
        {
            ScalarStyle.SingleQuoted => PlainScalars.SingleQuote(value) ?? PlainScalars.DoubleQuote(value),
            ScalarStyle.DoubleQuoted => PlainScalars.DoubleQuote(value),
            _ => PlainScalars.CanBePlainString(value) ? value : PlainScalars.DoubleQuote(value),
        };
    }

    /// <summary>A key as written: quoted when plain text would mean something else, e.g. the YAML 1.1 merge key <c>&lt;&lt;</c>.</summary>
    public static string FormatKey(string key) => key is "<<" or "=" ? PlainScalars.DoubleQuote(key) : FormatString(key, ScalarStyle.Plain);

    public void RefuseAnchor(YamlNodeBase node)
    {
        if (node is YamlAlias alias)
        {
            throw DeployException.File(File.At(node), $"cannot edit through the alias *{alias.Target}; edit the anchored node instead");
        }

        if (node.Anchor is not null)
        {
            throw DeployException.File(File.At(node), $"cannot edit the anchored node &{node.Anchor}: its aliases would change too");
        }
    }

    public void RefuseFlow(YamlNodeBase node, string what)
    {
        if (node is YamlMapping { IsFlow: true } or YamlSequence { IsFlow: true })
        {
            throw DeployException.File(File.At(node), $"cannot safely {what} a flow-style node ({{...}} or [...]); rewrite it in block style");
        }
    }

    private int LineStart(int index)
    {
        var nl = index == 0 ? -1 : File.Text.LastIndexOf('\n', index - 1);
        return nl + 1;
    }

    private int AfterLine(int index)
    {
        var nl = File.Text.IndexOf('\n', Math.Min(index, File.Text.Length));
        return nl < 0 ? File.Text.Length : nl + 1;
    }

    private static bool IsBlank(string text, int from, int to)
    {
        for (var i = from; i < to; i++)
        {
            if (text[i] is not (' ' or '\t'))
            {
                return false;
            }
        }

        return true;
    }

    private static int IndexOf(YamlMapping map, KeyValuePair<YamlNodeBase, YamlNodeBase> pair)
    {
        for (var i = 0; i < map.Pairs.Count; i++)
        {
            if (ReferenceEquals(map.Pairs[i].Key, pair.Key))
            {
                return i;
            }
        }

        throw new ArgumentException("pair is not in the mapping", nameof(pair));
    }

    private static string Describe(YamlNodeBase node) => node is YamlScalar s ? s.Value : node.GetType().Name;

    private sealed record TextEdit(int Start, int End, string Text, int Order);
}
