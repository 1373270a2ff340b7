using System.Text;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using ParsedStyle = YamlDotNet.Core.ScalarStyle;

namespace GitOpsDeploy.Editing.Yaml;

/// <summary>
/// A YAML file as text plus the node tree the parser found in it. Encoding details (BOM, line
/// endings) are kept so that an edited file is written back in the same form.
/// </summary>
public sealed class YamlText
{
    /// <summary>Files larger than this are refused: an overlay or values file is never that big, and parsing is not free.</summary>
    public const int MaxBytes = 1024 * 1024;

    /// <summary>
    /// Deepest nesting of mappings and sequences we read. No real overlay or values file comes near it;
    /// without a bound, a small hostile file (40,000 nested "[") would overflow the stack of our recursive walks.
    /// </summary>
    public const int MaxDepth = 200;

    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly SourceLocation? secondDocument;

    private YamlText(string path, string text, bool hasBom, IReadOnlyList<YamlNodeBase?> documents, SourceLocation? secondDocument)
    {
        Path = path;
        Text = text;
        HasBom = hasBom;
        Documents = documents;
        this.secondDocument = secondDocument;
        NewLine = text.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
    }

    /// <summary>The path used in messages (relative to the repository root).</summary>
    public string Path { get; }

    /// <summary>The decoded text without BOM.</summary>
    public string Text { get; }

    public bool HasBom { get; }

    /// <summary>The file's own line ending, used for inserted lines.</summary>
    public string NewLine { get; }

    /// <summary>Every document of the file, in order (a null entry is an empty document).</summary>
    public IReadOnlyList<YamlNodeBase?> Documents { get; }

    /// <summary>The document root, or null for an empty file; a file of several documents is refused here (only set can select one).</summary>
    public YamlNodeBase? Root => secondDocument is { } at
        ? throw DeployException.File(at, "the file holds several YAML documents; only single-document files can be edited (set can select one: FILE#Kind/name:key.path=value or FILE#0:...)")
        : Documents.Count == 0 ? null : Documents[0];

    public static YamlText Load(string path, byte[] bytes)
    {
        if (bytes.Length > MaxBytes)
        {
            throw DeployException.File(new SourceLocation(path, 0, 0), $"file is {bytes.Length:N0} bytes; files over {MaxBytes:N0} bytes (1 MiB) are refused");
        }

        var hasBom = bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF;
        return Parse(path, RepositoryText.Decode(path, bytes, hasBom ? 3 : 0), hasBom);
    }

    public static YamlText Parse(string path, string text, bool hasBom = false)
    {
        var (documents, second) = new TreeBuilder(path, text).Build();
        return new(path, text, hasBom, documents, second);
    }

    /// <summary>The bytes to write back: same BOM, same encoding.</summary>
    public byte[] ToBytes() => ToBytes(Text, HasBom);

    public static byte[] ToBytes(string text, bool hasBom)
    {
        var body = Utf8NoBom.GetBytes(text);
        return hasBom ? [0xEF, 0xBB, 0xBF, .. body] : body;
    }

    public SourceLocation At(YamlNodeBase node) => new(Path, node.Start.Line, node.Start.Column);

    /// <summary>Builds the node tree from parser events, keeping every mark.</summary>
    private sealed class TreeBuilder(string path, string text)
    {
        private readonly Parser parser = new(new StringReader(text));

        public (IReadOnlyList<YamlNodeBase?> Documents, SourceLocation? Second) Build()
        {
            try
            {
                var documents = new List<YamlNodeBase?>();
                SourceLocation? second = null;
                Expect<StreamStart>();
                while (Next() is DocumentStart start)
                {
                    if (documents.Count == 1)
                    {
                        second = new SourceLocation(path, (int)start.Start.Line, (int)start.Start.Column);
                    }

                    documents.Add(ReadNode());
                    Expect<DocumentEnd>();
                }

                return (documents, second);
            }
            catch (YamlException e)
            {
                throw new DeployException(ErrorKind.InvalidFile, "malformed YAML: " + Describe(e), new SourceLocation(path, (int)e.Start.Line, (int)e.Start.Column), e);
            }
            catch (InvalidOperationException e) when (e.Source == typeof(Parser).Assembly.GetName().Name)
            {
                // YamlDotNet's scanner gives up on some malformed input (a flow list left open across lines) with a
                // bare InvalidOperationException and no position: name the last place it did read.
                var at = parser.Current?.Start;
                throw new DeployException(ErrorKind.InvalidFile, "malformed YAML: the parser cannot read on after this point (is a '[' or '{' left open?)",
                    new SourceLocation(path, (int)(at?.Line ?? 1), (int)(at?.Column ?? 1)), e);
            }
        }

        private static string Describe(YamlException e)
        {
            // YamlDotNet prefixes its own "(Line: x, Col: y, ...)" marks; ours are in the location already.
            var message = e.Message;
            var close = message.IndexOf("): ", StringComparison.Ordinal);
            return message.StartsWith("(Line", StringComparison.Ordinal) && close > 0 ? message[(close + 3)..] : message;
        }

        private T Expect<T>() where T : ParsingEvent
        {
            if (!parser.MoveNext() && parser.Current is null)
            {
                throw new YamlException("unexpected end of file");
            }

            return parser.Current as T ?? throw new YamlException(parser.Current!.Start, parser.Current.End, $"unexpected {parser.Current.GetType().Name}");
        }

        private ParsingEvent Next()
        {
            if (!parser.MoveNext())
            {
                throw new YamlException("unexpected end of file");
            }

            return parser.Current!;
        }

        private int depth;

        private YamlNodeBase ReadNode() => Build(Next());

        private YamlNodeBase Build(ParsingEvent e)
        {
            if (e is SequenceStart or MappingStart && ++depth > MaxDepth)
            {
                throw DeployException.File(new SourceLocation(path, (int)e.Start.Line, (int)e.Start.Column),
                    $"the file nests mappings and lists more than {MaxDepth} levels deep; such a file cannot be edited safely");
            }

            try
            {
                return BuildNode(e);
            }
            finally
            {
                if (e is SequenceStart or MappingStart)
                {
                    depth--;
                }
            }
        }

        private YamlNodeBase BuildNode(ParsingEvent e)
        {
            switch (e)
            {
                case Scalar s:
                    return new YamlScalar
                    {
                        Value = s.Value,
                        Style = Map(s.Style),
                        Start = Pos(s.Start),
                        End = Pos(s.End),
                        Anchor = s.Anchor.IsEmpty ? null : s.Anchor.Value,
                        Tag = s.Tag.IsEmpty || s.Tag.Value == "!" ? null : s.Tag.Value,
                    };
                case AnchorAlias a:
                    return new YamlAlias { Target = a.Value.Value, Start = Pos(a.Start), End = Pos(a.End) };
                case SequenceStart seq:
                    {
                        var items = new List<YamlNodeBase>();
                        ParsingEvent next;
                        while ((next = Next()) is not SequenceEnd)
                        {
                            items.Add(Build(next));
                        }

                        return new YamlSequence
                        {
                            Items = items,
                            IsFlow = seq.Style == SequenceStyle.Flow,
                            Start = Pos(seq.Start),
                            End = Pos(next.End),
                            Anchor = seq.Anchor.IsEmpty ? null : seq.Anchor.Value,
                            Tag = seq.Tag.IsEmpty ? null : seq.Tag.Value,
                        };
                    }

                case MappingStart map:
                    {
                        var pairs = new List<KeyValuePair<YamlNodeBase, YamlNodeBase>>();
                        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
                        ParsingEvent next;
                        while ((next = Next()) is not MappingEnd)
                        {
                            var key = Build(next);
                            if (key is YamlScalar { } k && !seen.TryAdd(k.Value, k.Start.Line))
                            {
                                // YAML forbids it, and readers disagree on which one wins (kustomize takes the last):
                                // editing either would report a change the cluster may never see.
                                throw DeployException.File(new SourceLocation(path, k.Start.Line, k.Start.Column),
                                    $"the key '{k.Value}' appears twice in one mapping (first at line {seen[k.Value]}); duplicate keys are invalid YAML: remove one");
                            }

                            pairs.Add(new(key, ReadNode()));
                        }

                        return new YamlMapping
                        {
                            Pairs = pairs,
                            IsFlow = map.Style == MappingStyle.Flow,
                            Start = Pos(map.Start),
                            End = Pos(next.End),
                            Anchor = map.Anchor.IsEmpty ? null : map.Anchor.Value,
                            Tag = map.Tag.IsEmpty ? null : map.Tag.Value,
                        };
                    }

                default:
                    throw new YamlException(e.Start, e.End, $"unexpected {e.GetType().Name}");
            }
        }

        private static TextPos Pos(Mark m) => new(checked((int)m.Index), checked((int)m.Line), checked((int)m.Column));

        private static ScalarStyle Map(ParsedStyle style) => style switch
        {
            ParsedStyle.SingleQuoted => ScalarStyle.SingleQuoted,
            ParsedStyle.DoubleQuoted => ScalarStyle.DoubleQuoted,
            ParsedStyle.Literal => ScalarStyle.Literal,
            ParsedStyle.Folded => ScalarStyle.Folded,
            _ => ScalarStyle.Plain,
        };
    }
}
