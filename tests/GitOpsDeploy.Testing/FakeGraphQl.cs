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
    public static JsonObject Execute(string query, JsonNode? variables, IGraphQlObject queryRoot, IGraphQlObject mutationRoot)
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

        var operation = document.Definitions.OfType<GraphQLOperationDefinition>().First();
        var root = operation.Operation == OperationType.Mutation ? mutationRoot : queryRoot;
        var errors = new JsonArray();
        try
        {
            var data = Select(root, operation.SelectionSet, variables as JsonObject, errors, []);
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

    private static JsonObject Select(IGraphQlObject source, GraphQLSelectionSet selections, JsonObject? variables, JsonArray errors, List<string> path)
    {
        var result = new JsonObject();
        foreach (var selection in selections.Selections)
        {
            switch (selection)
            {
                case GraphQLInlineFragment fragment:
                    if (fragment.TypeCondition is null || fragment.TypeCondition.Type.Name.StringValue == source.TypeName)
                    {
                        foreach (var (fragmentKey, fragmentValue) in Select(source, fragment.SelectionSet, variables, errors, path).ToList())
                        {
                            result[fragmentKey] = fragmentValue?.DeepClone();
                        }
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
                        value = source.Resolve(name, Arguments(field, variables));
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

                        errors.Add(error);
                        result[key] = null;
                        break;
                    }

                    result[key] = Render(value, field.SelectionSet, variables, errors, here);
                    break;
            }
        }

        return result;
    }

    private static JsonNode? Render(object? value, GraphQLSelectionSet? selections, JsonObject? variables, JsonArray errors, List<string> path) => value switch
    {
        null => null,
        IGraphQlObject obj => selections is null ? throw new GraphQlError($"Field must have selections (field '{path[^1]}' returns {obj.TypeName} but has no selections.)") : Select(obj, selections, variables, errors, path),
        string s => s,
        bool b => b,
        int i => i,
        long l => l,
        JsonNode node => node.DeepClone(),
        System.Collections.IEnumerable list => new JsonArray([.. list.Cast<object?>().Select((item, i) => Render(item, selections, variables, errors, [.. path, i.ToString(CultureInfo.InvariantCulture)]))]),
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
