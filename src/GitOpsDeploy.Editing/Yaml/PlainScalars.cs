using System.Globalization;
using System.Text.RegularExpressions;

namespace GitOpsDeploy.Editing.Yaml;

public enum ScalarKind
{
    String,
    Null,
    Bool,
    Int,
    Float,
    Timestamp,
    /// <summary>A tagged scalar of some other type.</summary>
    Other,
}

/// <summary>
/// How plain (unquoted) scalars resolve. We take the union of YAML 1.1 and 1.2 rules, because the
/// readers of a gitops repository disagree: kustomize (go-yaml v3) reads <c>0755</c> and <c>1_000</c>
/// as numbers, Helm and older tools read <c>yes</c>/<c>on</c> as booleans. A value that any of them
/// would not read as a string gets quoted.
/// </summary>
public static partial class PlainScalars
{
    public static ScalarKind Resolve(string plain)
    {
        if (plain.Length == 0 || plain is "~" || NullPattern().IsMatch(plain))
        {
            return ScalarKind.Null;
        }

        if (BoolPattern().IsMatch(plain))
        {
            return ScalarKind.Bool;
        }

        if (IntPattern().IsMatch(plain))
        {
            return ScalarKind.Int;
        }

        if (FloatPattern().IsMatch(plain) || SpecialFloatPattern().IsMatch(plain))
        {
            return ScalarKind.Float;
        }

        return TimestampPattern().IsMatch(plain) ? ScalarKind.Timestamp : ScalarKind.String;
    }

    /// <summary>
    /// True when a value with no kind to keep (a new key, an empty or null value) is written plain, as a number
    /// or a boolean: a decimal integer without leading zeros or '+' that fits 64 bits (<c>2</c>, <c>8080</c>, <c>-1</c>),
    /// or <c>true</c>/<c>false</c> (also <c>True</c>, <c>TRUE</c>, ...). Every YAML reader (1.1 and 1.2, Helm, kustomize,
    /// the Kubernetes API) reads these as the same int or bool. Anything else is written as a string: a float such as
    /// <c>1.10</c> would lose its zero, <c>0755</c> and <c>0x1F</c> are different numbers to 1.1 and 1.2 readers,
    /// <c>yes</c>/<c>no</c>/<c>on</c>/<c>off</c> are booleans only to 1.1 readers.
    /// </summary>
    public static bool IsPortableIntOrBool(string value) =>
        value is "true" or "True" or "TRUE" or "false" or "False" or "FALSE"
        || (CanonicalIntPattern().IsMatch(value) && long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _));

    /// <summary>True when <paramref name="value"/> can be written unquoted and reads back as this exact string.</summary>
    public static bool CanBePlainString(string value)
    {
        if (value.Length == 0 || Resolve(value) != ScalarKind.String)
        {
            return false;
        }

        if (char.IsWhiteSpace(value[0]) || char.IsWhiteSpace(value[^1]))
        {
            return false;
        }

        // Indicators that start another construct when they begin a plain scalar.
        if ("-?:,[]{}#&*!|>'\"%@`".Contains(value[0], StringComparison.Ordinal))
        {
            // "-", "?" and ":" may start a plain scalar when followed by a non-space (e.g. "-1a"), but
            // such values are rare for tags and quoting them is always safe.
            return false;
        }

        foreach (var c in value)
        {
            if (NeedsEscape(c))
            {
                return false;
            }
        }

        // Inside a block context ": " starts a mapping and " #" a comment; flow indicators would break flow nodes.
        return !value.Contains(": ", StringComparison.Ordinal)
            && !value.Contains(" #", StringComparison.Ordinal)
            && !value.EndsWith(':')
            && value.IndexOfAny([',', '[', ']', '{', '}']) < 0;
    }

    /// <summary>Renders a string as a double-quoted YAML scalar.</summary>
    public static string DoubleQuote(string value)
    {
        var sb = new System.Text.StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (NeedsEscape(c))
                    {
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        return sb.Append('"').ToString();
    }

    /// <summary>
    /// Characters that are written as escapes: control characters (C0, DEL, C1 with NEL), the BOM, and the
    /// Unicode line and paragraph separators, which YAML 1.1 readers treat as line breaks.
    /// </summary>
    public static bool NeedsEscape(char c) => char.IsControl(c) || c is '\uFEFF' or '\u2028' or '\u2029';

    /// <summary>Renders a string as a single-quoted YAML scalar, or null when it cannot be (line breaks, control characters).</summary>
    public static string? SingleQuote(string value)
    {
        foreach (var c in value)
        {
            if (NeedsEscape(c))
            {
                return null;
            }
        }

        return "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
    }

    [GeneratedRegex("^(0|-?[1-9][0-9]*)$")]
    private static partial Regex CanonicalIntPattern();

    [GeneratedRegex("^(null|Null|NULL)$")]
    private static partial Regex NullPattern();

    [GeneratedRegex("^(y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$")]
    private static partial Regex BoolPattern();

    // Decimal (with YAML 1.1 underscores and sexagesimal), 0o/0 octal, 0x hex, 0b binary.
    [GeneratedRegex("^[-+]?(0|[1-9][0-9_]*|0[0-7_]+|0o[0-7_]+|0x[0-9a-fA-F_]+|0b[01_]+|[1-9][0-9_]*(:[0-5]?[0-9])+)$")]
    private static partial Regex IntPattern();

    [GeneratedRegex(@"^(?=[-+]?\.?[0-9])[-+]?([0-9][0-9_]*)?\.?[0-9_]*([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatPattern();

    [GeneratedRegex(@"^([-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)|[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]*)$")]
    private static partial Regex SpecialFloatPattern();

    [GeneratedRegex(@"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt ]|\s+)?([0-9]{1,2}:[0-9]{2}:[0-9]{2}(\.[0-9]*)?)?\s*(Z|[-+][0-9]{1,2}(:[0-9]{2})?)?$")]
    private static partial Regex TimestampPattern();
}
