namespace GitOpsDeploy.Editing.Yaml;

/// <summary>
/// What a YAML document means, stripped of layout. An edit is verified by re-parsing the edited
/// text and comparing its meaning with the original's meaning plus the intended changes: anything
/// else that moved is a bug, and the edit is aborted before anything is written.
/// </summary>
public static class SemanticTree
{
    public sealed record Scalar(ScalarKind Kind, string Value);

    public sealed record Alias(string Target);

    public static object? From(YamlNodeBase? node) => node switch
    {
        null => null,
        YamlScalar s => new Scalar(s.Kind, s.Value),
        YamlAlias a => new Alias(a.Target),
        YamlSequence q => q.Items.Select(From).ToList(),
        YamlMapping m => m.Pairs.Select(p => new KeyValuePair<string, object?>(KeyText(p.Key), From(p.Value))).ToList(),
        _ => throw new ArgumentOutOfRangeException(nameof(node)),
    };

    public static string KeyText(YamlNodeBase key) => key is YamlScalar s ? s.Value : $"<{key.GetType().Name}@{key.Start.Line}:{key.Start.Column}>";

    public static Scalar String(string value) => new(ScalarKind.String, value);

    /// <summary>Sets (adds or replaces) the value at <paramref name="path"/>; every parent must exist.</summary>
    public static void Set(object? root, IReadOnlyList<object> path, object? value) =>
        Edit(root, path, (parent, last) =>
        {
            switch (parent, last)
            {
                case (List<KeyValuePair<string, object?>> map, string key):
                    var i = map.FindIndex(p => p.Key == key);
                    if (i >= 0)
                    {
                        map[i] = new(key, value);
                    }
                    else
                    {
                        map.Add(new(key, value));
                    }

                    break;
                case (List<object?> list, int index):
                    list[index] = value;
                    break;
                default:
                    throw new InvalidOperationException("path does not match the document");
            }
        });

    public static void Remove(object? root, IReadOnlyList<object> path) =>
        Edit(root, path, (parent, last) =>
        {
            if (parent is List<KeyValuePair<string, object?>> map && last is string key)
            {
                map.RemoveAll(p => p.Key == key);
            }
        });

    public static void Append(object? root, IReadOnlyList<object> path, object? value)
    {
        if (Get(root, path) is List<object?> list)
        {
            list.Add(value);
        }
        else
        {
            throw new InvalidOperationException("path is not a sequence");
        }
    }

    public static object? Get(object? node, IReadOnlyList<object> path)
    {
        foreach (var part in path)
        {
            node = (node, part) switch
            {
                (List<KeyValuePair<string, object?>> map, string key) => map.FirstOrDefault(p => p.Key == key).Value,
                (List<object?> list, int index) when index < list.Count => list[index],
                _ => null,
            };
        }

        return node;
    }

    public static bool SameMeaning(object? a, object? b) => (a, b) switch
    {
        (null, null) => true,
        (Scalar x, Scalar y) => x == y,
        (Alias x, Alias y) => x == y,
        (List<object?> x, List<object?> y) => x.Count == y.Count && x.Zip(y).All(p => SameMeaning(p.First, p.Second)),
        (List<KeyValuePair<string, object?>> x, List<KeyValuePair<string, object?>> y) =>
            x.Count == y.Count && x.All(p => y.Any(q => q.Key == p.Key && SameMeaning(p.Value, q.Value))),
        // An empty plain scalar and a missing document both mean null.
        (null, Scalar { Kind: ScalarKind.Null }) or (Scalar { Kind: ScalarKind.Null }, null) => true,
        _ => false,
    };

    private static void Edit(object? root, IReadOnlyList<object> path, Action<object?, object> change)
    {
        var parent = Get(root, path.Take(path.Count - 1).ToList());
        change(parent, path[^1]);
    }
}
