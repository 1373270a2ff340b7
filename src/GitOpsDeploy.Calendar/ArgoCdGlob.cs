namespace GitOpsDeploy.Calendar;

/// <summary>
/// Glob matching as Argo CD does it for sync windows (<c>globMatch(pattern, value, false)</c>: gobwas/glob with no
/// separators, and a literal <c>*</c> short-cut that also matches the empty string).
/// </summary>
/// <remarks>
/// <c>*</c> and <c>**</c> match any run of characters (including none, including <c>/</c> and <c>.</c>);
/// <c>?</c> one character; <c>[abc]</c>, <c>[!abc]</c>, <c>[a-z]</c>, <c>[!a-z]</c> one character of a list or of a
/// single range (<c>[a-z0-9]</c> is a syntax error, <c>[ab-c]</c> is the list a, b, -, c); <c>{x,y}</c> alternatives,
/// which may nest and hold patterns (an unclosed <c>{</c> is tolerated); <c>\</c> quotes the next character.
/// A pattern that does not compile matches nothing (Argo CD logs a warning); <see cref="TryCompile"/> tells why.
/// </remarks>
public sealed class ArgoCdGlob
{
    private const int MaxAlternatives = 4096;
    private readonly List<Item[]> alternatives;

    private ArgoCdGlob(string pattern, List<Item[]> alternatives)
    {
        Pattern = pattern;
        this.alternatives = alternatives;
    }

    public string Pattern { get; }

    /// <summary>Argo CD's answer: does <paramref name="pattern"/> match <paramref name="value"/>?</summary>
    public static bool Match(string pattern, string value)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(value);
        return pattern == "*" || (TryCompile(pattern, out var glob, out _) && glob.IsMatch(value));
    }

    public static bool TryCompile(string pattern, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ArgoCdGlob? glob, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        glob = null;
        try
        {
            var tree = new Parser(pattern).Parse();
            var expanded = Expand(tree);
            glob = new ArgoCdGlob(pattern, expanded);
            error = null;
            return true;
        }
        catch (FormatException e)
        {
            error = e.Message;
            return false;
        }
    }

    public bool IsMatch(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var text = value.EnumerateRunes().Select(r => r.Value).ToArray();
        return alternatives.Exists(items => MatchLinear(items, text));
    }

    public override string ToString() => Pattern;

    /// <summary>Classic wildcard matching with one back-track point: O(pattern × text) for star, single-character items and literals.</summary>
    private static bool MatchLinear(Item[] items, int[] text)
    {
        int p = 0, t = 0, starP = -1, starT = 0;
        while (t < text.Length)
        {
            if (p < items.Length && items[p].Kind != ItemKind.Any && items[p].Accepts(text[t]))
            {
                p++;
                t++;
            }
            else if (p < items.Length && items[p].Kind == ItemKind.Any)
            {
                starP = p++;
                starT = t;
            }
            else if (starP >= 0)
            {
                p = starP + 1;
                t = ++starT;
            }
            else
            {
                return false;
            }
        }

        while (p < items.Length && items[p].Kind == ItemKind.Any)
        {
            p++;
        }

        return p == items.Length;
    }

    /// <summary>Turns alternatives into a list of linear patterns (bounded: a pattern with more is refused).</summary>
    private static List<Item[]> Expand(Node sequence)
    {
        var results = new List<List<Item>> { new() };
        foreach (var node in sequence.Children)
        {
            if (node.Kind == NodeKind.AnyOf)
            {
                var options = node.Children.SelectMany(Expand).ToList();
                if ((long)results.Count * options.Count > MaxAlternatives)
                {
                    throw new FormatException($"more than {MaxAlternatives} alternatives");
                }

                results = [.. results.SelectMany(prefix => options.Select(option => new List<Item>([.. prefix, .. option])))];
            }
            else
            {
                foreach (var prefix in results)
                {
                    prefix.AddRange(node.Items);
                }
            }
        }

        return [.. results.Select(r => r.ToArray())];
    }

    private enum ItemKind
    {
        Char,
        Single,
        Any,
        List,
        Range,
    }

    private readonly record struct Item(ItemKind Kind, int Char = 0, int[]? Chars = null, int Lo = 0, int Hi = 0, bool Not = false)
    {
        public bool Accepts(int c) => Kind switch
        {
            ItemKind.Char => c == Char,
            ItemKind.Single => true,
            ItemKind.List => Chars!.Contains(c) != Not,
            ItemKind.Range => (c >= Lo && c <= Hi) != Not,
            _ => true,
        };
    }

    private enum NodeKind
    {
        Pattern,
        AnyOf,
        Leaf,
    }

    private sealed class Node(NodeKind kind, Node? parent)
    {
        public NodeKind Kind { get; } = kind;

        public Node? Parent { get; } = parent;

        public List<Node> Children { get; } = [];

        public List<Item> Items { get; } = [];
    }

    /// <summary>gobwas/glob's lexer and parser rolled into one pass over the runes of the pattern.</summary>
    private sealed class Parser(string pattern)
    {
        private readonly int[] runes = [.. pattern.EnumerateRunes().Select(r => r.Value)];
        private int pos;
        private int termsLevel;

        public Node Parse()
        {
            var root = new Node(NodeKind.Pattern, null);
            var tree = root;
            while (pos < runes.Length)
            {
                var r = runes[pos++];
                switch (r)
                {
                    case '{':
                        termsLevel++;
                        var anyOf = new Node(NodeKind.AnyOf, tree);
                        tree.Children.Add(anyOf);
                        var first = new Node(NodeKind.Pattern, anyOf);
                        anyOf.Children.Add(first);
                        tree = first;
                        break;
                    case ',' when termsLevel > 0:
                        var next = new Node(NodeKind.Pattern, tree.Parent);
                        tree.Parent!.Children.Add(next);
                        tree = next;
                        break;
                    case '}' when termsLevel > 0:
                        termsLevel--;
                        tree = tree.Parent!.Parent!;
                        break;
                    case '[':
                        Leaf(tree, ParseRange());
                        break;
                    case '?':
                        Leaf(tree, new Item(ItemKind.Single));
                        break;
                    case '*':
                        if (pos < runes.Length && runes[pos] == '*')
                        {
                            pos++;
                        }

                        Leaf(tree, new Item(ItemKind.Any));
                        break;
                    default:
                        pos--;
                        foreach (var c in Text(termsLevel > 0 ? "?*[{},".AsSpan() : "?*[{".AsSpan()))
                        {
                            Leaf(tree, new Item(ItemKind.Char, c));
                        }

                        break;
                }
            }

            return root;
        }

        private static void Leaf(Node tree, Item item)
        {
            if (tree.Children.Count == 0 || tree.Children[^1].Kind != NodeKind.Leaf)
            {
                tree.Children.Add(new Node(NodeKind.Leaf, tree));
            }

            tree.Children[^1].Items.Add(item);
        }

        private List<int> Text(ReadOnlySpan<char> breakers)
        {
            var data = new List<int>();
            var escaped = false;
            while (pos < runes.Length)
            {
                var r = runes[pos++];
                if (!escaped)
                {
                    if (r == '\\')
                    {
                        escaped = true;
                        continue;
                    }

                    if (r < 0x10000 && breakers.Contains((char)r))
                    {
                        pos--;
                        break;
                    }
                }

                escaped = false;
                data.Add(r);
            }

            return data;
        }

        private Item ParseRange()
        {
            var not = false;
            int? lo = null;
            int? hi = null;
            List<int>? chars = null;
            if (pos < runes.Length && runes[pos] == '!')
            {
                not = true;
                pos++;
            }

            if (pos >= runes.Length)
            {
                throw new FormatException("unexpected end of input");
            }

            if (pos + 1 < runes.Length && runes[pos + 1] == '-')
            {
                lo = runes[pos];
                pos += 2;
                if (pos >= runes.Length)
                {
                    throw new FormatException("unexpected end of input");
                }

                hi = runes[pos++];
                if (hi < lo)
                {
                    throw new FormatException($"hi character '{char.ConvertFromUtf32(hi.Value)}' should be greater than lo '{char.ConvertFromUtf32(lo.Value)}'");
                }
            }
            else
            {
                chars = Text("]".AsSpan());
            }

            if (pos >= runes.Length)
            {
                throw new FormatException("unexpected end of input");
            }

            if (runes[pos++] != ']')
            {
                throw new FormatException("expected close range character");
            }

            var isRange = lo is > 0 && hi is > 0;
            var isChars = chars is { Count: > 0 };
            if (isRange == isChars)
            {
                throw new FormatException("could not parse range");
            }

            return isRange
                ? new Item(ItemKind.Range, Lo: lo!.Value, Hi: hi!.Value, Not: not)
                : new Item(ItemKind.List, Chars: [.. chars!], Not: not);
        }
    }
}
