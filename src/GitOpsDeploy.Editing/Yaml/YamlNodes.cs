namespace GitOpsDeploy.Editing.Yaml;

/// <summary>A position in the decoded text: 0-based index, 1-based line and column.</summary>
public readonly record struct TextPos(int Index, int Line, int Column);

public enum ScalarStyle
{
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

/// <summary>
/// A node of a YAML document with the exact text span the parser reported. This is what lets us
/// splice edits into the original text instead of re-serialising (which would drop comments).
/// </summary>
public abstract class YamlNodeBase
{
    public TextPos Start { get; init; }
    public TextPos End { get; init; }
    public string? Anchor { get; init; }
    public string? Tag { get; init; }
}

public sealed class YamlScalar : YamlNodeBase
{
    public required string Value { get; init; }
    public ScalarStyle Style { get; init; }

    /// <summary>What a YAML 1.1/1.2 loader resolves this scalar to (quoted and block scalars are strings).</summary>
    public ScalarKind Kind => Style == ScalarStyle.Plain && Tag is null ? PlainScalars.Resolve(Value) :
        Tag is "tag:yaml.org,2002:str" or "!!str" or null ? ScalarKind.String : ScalarKind.Other;
}

public sealed class YamlAlias : YamlNodeBase
{
    public required string Target { get; init; }
}

public sealed class YamlMapping : YamlNodeBase
{
    public required IReadOnlyList<KeyValuePair<YamlNodeBase, YamlNodeBase>> Pairs { get; init; }
    public bool IsFlow { get; init; }

    public KeyValuePair<YamlNodeBase, YamlNodeBase>? Find(string key)
    {
        foreach (var pair in Pairs)
        {
            if (pair.Key is YamlScalar k && k.Value == key)
            {
                return pair;
            }
        }

        return null;
    }
}

public sealed class YamlSequence : YamlNodeBase
{
    public required IReadOnlyList<YamlNodeBase> Items { get; init; }
    public bool IsFlow { get; init; }
}
