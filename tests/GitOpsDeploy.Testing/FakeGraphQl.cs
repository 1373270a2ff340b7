using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using GraphQLParser;
using GraphQLParser.AST;

namespace GitOpsDeploy.Tests.Fakes;

/// <summary>A GraphQL error as GitHub reports it: a message, a type (STALE_DATA, NOT_FOUND, FORBIDDEN, ...) and the path.</summary>
public sealed class GraphQlError(string message, string? type = null) : Exception(message)
{
    public string? Type { get; } = type;
}

/// <summary>An object of the fake's GraphQL schema: its type name and how it resolves a field.</summary>
public interface IGraphQlObject
{
    string TypeName { get; }

    /// <summary>The value of a field: a scalar, another object, a list of objects, or null. Unknown fields throw.</summary>
    object? Resolve(string field, IReadOnlyDictionary<string, JsonNode?> arguments);
}

/// <summary>
/// Executes GraphQL documents over <see cref="IGraphQlObject"/> roots the way GitHub answers them:
/// aliases, inline fragments, variables; a field the type lacks fails the whole request with
/// <c>undefinedField</c> (no data); an error raised while resolving a field nulls that field and is
/// listed in <c>errors</c> with its <c>type</c> and <c>path</c>, next to the data that did resolve.
/// </summary>
public static class FakeGraphQl
{
    /// <summary>Whether the operation a request runs is a mutation (false for a document that does not parse).</summary>
    public static bool IsMutation(string query, string? operationName)
    {
        try
        {
            var operations = Parser.Parse(query).Definitions.OfType<GraphQLOperationDefinition>().ToList();
            return (operationName is null ? operations.FirstOrDefault() : operations.FirstOrDefault(o => o.Name?.StringValue == operationName))?.Operation == OperationType.Mutation;
        }
        catch (GraphQLParser.Exceptions.GraphQLSyntaxErrorException)
        {
            return false;
        }
    }

    public static JsonObject Execute(string query, JsonNode? variables, IGraphQlObject queryRoot, IGraphQlObject mutationRoot, string? operationName = null)
    {
        GraphQLDocument document;
        try
        {
            document = Parser.Parse(query);
        }
        catch (Exception e) when (e is GraphQLParser.Exceptions.GraphQLSyntaxErrorException)
        {
            return new JsonObject { ["errors"] = new JsonArray(new JsonObject { ["message"] = "Parse error: " + e.Message }) };
        }

        // GitHub runs the operation the request names (operationName), or the only one the document has.
        var operations = document.Definitions.OfType<GraphQLOperationDefinition>().ToList();
        var operation = operationName is null ? operations.Single() : operations.Single(o => o.Name?.StringValue == operationName);
        var fragments = document.Definitions.OfType<GraphQLFragmentDefinition>().ToDictionary(f => f.FragmentName.Name.StringValue, StringComparer.Ordinal);
        var root = operation.Operation == OperationType.Mutation ? mutationRoot : queryRoot;
        var errors = new JsonArray();
        try
        {
            var data = Select(root, operation.SelectionSet, new Context(variables as JsonObject, fragments, errors), []);
            var answer = new JsonObject { ["data"] = data };
            if (errors.Count > 0)
            {
                answer["errors"] = errors;
            }

            return answer;
        }
        catch (UndefinedFieldException e)
        {
            return new JsonObject
            {
                ["errors"] = new JsonArray(new JsonObject
                {
                    ["path"] = new JsonArray([.. e.Path.Select(p => (JsonNode)p)]),
                    ["extensions"] = new JsonObject { ["code"] = "undefinedField", ["typeName"] = e.TypeName, ["fieldName"] = e.Field },
                    ["message"] = $"Field '{e.Field}' doesn't exist on type '{e.TypeName}'",
                }),
            };
        }
    }

    /// <summary>What one request's execution carries: its variables, its named fragments, the errors so far.</summary>
    private sealed record Context(JsonObject? Variables, IReadOnlyDictionary<string, GraphQLFragmentDefinition> Fragments, JsonArray Errors);

    /// <summary>The key under which every answered object names its type, for the schema check of answers; <see cref="Untagged"/> removes it before an answer is sent.</summary>
    public const string TypeTag = "__fake_typename";

    /// <summary>An answer as GitHub would send it: without the type tags.</summary>
    public static JsonNode? Untagged(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                var clean = new JsonObject();
                foreach (var (key, value) in obj)
                {
                    if (key != TypeTag)
                    {
                        clean[key] = Untagged(value);
                    }
                }

                return clean;
            case JsonArray array:
                return new JsonArray([.. array.Select(Untagged)]);
            default:
                return node?.DeepClone();
        }
    }

    private static JsonObject Select(IGraphQlObject source, GraphQLSelectionSet selections, Context context, List<string> path)
    {
        var result = new JsonObject { [TypeTag] = source.TypeName };
        foreach (var selection in selections.Selections)
        {
            if (!Included(selection as IHasDirectivesNode, context.Variables))
            {
                continue;
            }

            switch (selection)
            {
                case GraphQLInlineFragment fragment:
                    if (fragment.TypeCondition is null || fragment.TypeCondition.Type.Name.StringValue == source.TypeName)
                    {
                        Merge(result, Select(source, fragment.SelectionSet, context, path));
                    }

                    break;
                case GraphQLFragmentSpread spread:
                    var definition = context.Fragments.TryGetValue(spread.FragmentName.Name.StringValue, out var known)
                        ? known
                        : throw new GraphQlError($"Fragment {spread.FragmentName.Name.StringValue} was used, but not defined");
                    if (definition.TypeCondition.Type.Name.StringValue == source.TypeName)
                    {
                        Merge(result, Select(source, definition.SelectionSet, context, path));
                    }

                    break;
                case GraphQLField field:
                    var name = field.Name.StringValue;
                    var key = field.Alias?.Name.StringValue ?? name;
                    var here = new List<string>(path) { key };
                    if (name == "__typename")
                    {
                        result[key] = source.TypeName;
                        break;
                    }

                    object? value;
                    try
                    {
                        value = source.Resolve(name, Arguments(field, context.Variables));
                    }
                    catch (KeyNotFoundException)
                    {
                        throw new UndefinedFieldException(source.TypeName, name, here);
                    }
                    catch (GraphQlError e)
                    {
                        var error = new JsonObject { ["path"] = new JsonArray([.. here.Select(p => (JsonNode)p)]), ["message"] = e.Message };
                        if (e.Type is not null)
                        {
                            error.Insert(0, "type", e.Type);
                        }

                        context.Errors.Add(error);
                        result[key] = null;
                        break;
                    }

                    var rendered = Render(value, field.SelectionSet, context, here);
                    if (result[key] is JsonObject earlier && rendered is JsonObject more)
                    {
                        // The same field selected twice (a fragment and the field itself): GitHub merges the selections.
                        Merge(earlier, more);
                    }
                    else
                    {
                        result[key] = rendered;
                    }

                    break;
            }
        }

        return result;
    }

    private static void Merge(JsonObject into, JsonObject from)
    {
        foreach (var (key, value) in from.ToList())
        {
            if (into[key] is JsonObject earlier && value is JsonObject more)
            {
                Merge(earlier, more);
            }
            else
            {
                into[key] = value?.DeepClone();
            }
        }
    }

    /// <summary>@include(if:) and @skip(if:) as the GraphQL specification defines them.</summary>
    private static bool Included(IHasDirectivesNode? node, JsonObject? variables)
    {
        foreach (var directive in node?.Directives?.Items ?? [])
        {
            var condition = directive.Arguments?.FirstOrDefault(a => a.Name.StringValue == "if") is { } argument
                && Value(argument.Value, variables) is JsonValue v && v.TryGetValue<bool>(out var b) ? b
                : throw new GraphQlError($"Directive '{directive.Name.StringValue}' is missing required arguments: if");
            switch (directive.Name.StringValue)
            {
                case "include" when !condition:
                case "skip" when condition:
                    return false;
            }
        }

        return true;
    }

    private static JsonNode? Render(object? value, GraphQLSelectionSet? selections, Context context, List<string> path) => value switch
    {
        null => null,
        IGraphQlObject obj => selections is null ? throw new GraphQlError($"Field must have selections (field '{path[^1]}' returns {obj.TypeName} but has no selections.)") : Select(obj, selections, context, path),
        string s => s,
        bool b => b,
        int i => i,
        long l => l,
        JsonNode node => node.DeepClone(),
        System.Collections.IEnumerable list => new JsonArray([.. list.Cast<object?>().Select((item, i) => Render(item, selections, context, [.. path, i.ToString(CultureInfo.InvariantCulture)]))]),
        _ => throw new InvalidOperationException($"cannot render {value.GetType()}"),
    };

    private static Dictionary<string, JsonNode?> Arguments(GraphQLField field, JsonObject? variables)
    {
        var arguments = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var argument in field.Arguments ?? (IEnumerable<GraphQLArgument>)[])
        {
            arguments[argument.Name.StringValue] = Value(argument.Value, variables);
        }

        return arguments;
    }

    private static JsonNode? Value(GraphQLValue value, JsonObject? variables) => value switch
    {
        GraphQLVariable variable => variables?[variable.Name.StringValue]?.DeepClone(),
        GraphQLStringValue s => (string)s.Value,
        GraphQLIntValue i => int.Parse((string)i.Value, CultureInfo.InvariantCulture),
        GraphQLBooleanValue b => b.BoolValue,
        GraphQLEnumValue e => e.Name.StringValue,
        GraphQLNullValue => null,
        GraphQLListValue list => new JsonArray([.. (list.Values ?? []).Select(v => Value(v, variables))]),
        GraphQLObjectValue obj => new JsonObject((obj.Fields ?? []).Select(f => KeyValuePair.Create(f.Name.StringValue, Value(f.Value, variables)))),
        _ => throw new GraphQlError($"unsupported value {value.Kind}"),
    };

    private sealed class UndefinedFieldException(string typeName, string field, List<string> path) : Exception
    {
        public string TypeName { get; } = typeName;

        public string Field { get; } = field;

        public List<string> Path { get; } = path;
    }
}

/// <summary>An object whose fields are a table of resolvers; a name not in the table is an undefined field.</summary>
public sealed class GraphQlObject(string typeName, IReadOnlyDictionary<string, Func<IReadOnlyDictionary<string, JsonNode?>, object?>> fields) : IGraphQlObject
{
    public string TypeName { get; } = typeName;

    public object? Resolve(string field, IReadOnlyDictionary<string, JsonNode?> arguments) =>
        fields.TryGetValue(field, out var resolve) ? resolve(arguments) : throw new KeyNotFoundException(field);

    public static string? Text(IReadOnlyDictionary<string, JsonNode?> arguments, string name) =>
        arguments.TryGetValue(name, out var value) && value is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public static int? Int(IReadOnlyDictionary<string, JsonNode?> arguments, string name) =>
        arguments.TryGetValue(name, out var value) && value is JsonValue v && v.TryGetValue<int>(out var i) ? i : null;

    public static string Base64(byte[] bytes) => Convert.ToBase64String(bytes);

    public static string Utf8(byte[] bytes) => Encoding.UTF8.GetString(bytes);
}
