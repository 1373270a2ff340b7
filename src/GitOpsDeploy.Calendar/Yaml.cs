using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace GitOpsDeploy.Calendar;

/// <summary>Reads YAML into nodes that know their line, and turns every problem into a <c>file:line: field</c> error.</summary>
internal sealed class Yaml(string file)
{
    private static readonly HashSet<string> TrueWords = new(StringComparer.Ordinal) { "true", "True", "TRUE", "y", "Y", "yes", "Yes", "YES", "on", "On", "ON" };
    private static readonly HashSet<string> FalseWords = new(StringComparer.Ordinal) { "false", "False", "FALSE", "n", "N", "no", "No", "NO", "off", "Off", "OFF" };

    public string File { get; } = file;

    public IReadOnlyList<YamlDocument> Load(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            var problem = e.InnerException is YamlException inner && inner.Message.Length > 0 ? inner.Message : e.Message;
            throw new CalendarParseException(File, Line(e.Start), "", $"not valid YAML: {StripMarks(problem)}", e);
        }

        return [.. stream.Documents];
    }

    public static int Line(YamlNode node) => Line(node.Start);

    public CalendarParseException Error(YamlNode node, string field, string problem) => new(File, Line(node), field, problem);

    public static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain, Value: null or "" or "~" or "null" or "Null" or "NULL" };

    public YamlMappingNode Mapping(YamlNode node, string field) =>
        node as YamlMappingNode ?? throw Error(node, field, $"must be a mapping, not {Describe(node)}");

    public string Scalar(YamlNode node, string field) =>
        node is YamlScalarNode scalar ? scalar.Value ?? "" : throw Error(node, field, $"must be a string, not {Describe(node)}");

    /// <summary>YAML 1.1 booleans, as kubectl (go-yaml v2) reads them: true/false, yes/no, on/off, y/n; quoted text is not a boolean.</summary>
    public bool Boolean(YamlNode node, string field)
    {
        if (node is YamlScalarNode { Style: ScalarStyle.Plain, Value: { } value })
        {
            if (TrueWords.Contains(value))
            {
                return true;
            }

            if (FalseWords.Contains(value))
            {
                return false;
            }
        }

        throw Error(node, field, $"must be true or false, not {Describe(node)}");
    }

    /// <summary>A list of strings; a single scalar is not accepted (Kubernetes would refuse it too).</summary>
    public IReadOnlyList<string> Strings(YamlNode node, string field)
    {
        if (IsNull(node))
        {
            return [];
        }

        if (node is not YamlSequenceNode sequence)
        {
            throw Error(node, field, $"must be a list of strings, not {Describe(node)}");
        }

        var items = new List<string>();
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            var child = sequence.Children[i];
            if (child is not YamlScalarNode { Value: { } value } || IsNull(child))
            {
                throw Error(child, $"{field}[{i}]", $"must be a string, not {Describe(child)}");
            }

            items.Add(value);
        }

        return items;
    }

    public static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        _ when IsNull(node) => "empty",
        YamlScalarNode { Style: ScalarStyle.Plain } s => $"'{s.Value}'",
        YamlScalarNode s => $"the quoted text '{s.Value}'",
        _ => "an alias",
    };

    private static int Line(Mark mark) => (int)Math.Max(1, mark.Line);

    private static string StripMarks(string message)
    {
        // YamlDotNet prefixes "(Line: 3, Col: 5, Idx: 20) - (Line: ...): "; the location is ours to give.
        var index = message.LastIndexOf("): ", StringComparison.Ordinal);
        return message.StartsWith("(Line:", StringComparison.Ordinal) && index > 0 ? message[(index + 3)..] : message;
    }
}
