using System.Globalization;

namespace GitOpsDeploy.Core.Inputs;

/// <summary>
/// Reads action inputs by name, whichever front door they came through (INPUT_* variables or
/// command-line flags). Empty means unset; values are trimmed; every error names the input.
/// </summary>
public sealed class InputReader(IReadOnlyDictionary<string, string> inputs)
{
    public string? Optional(string name) =>
        inputs.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

    public string Required(string name) =>
        Optional(name) ?? throw DeployException.Input(name, "is required");

    public bool Bool(string name, bool fallback)
    {
        // The same spellings @actions/core getBooleanInput accepts (YAML 1.2 core schema).
        return Optional(name) switch
        {
            null => fallback,
            "true" or "True" or "TRUE" => true,
            "false" or "False" or "FALSE" => false,
            var other => throw DeployException.Input(name, $"'{other}' is not a boolean; use true or false"),
        };
    }

    public int Int(string name, int fallback, int min, int max)
    {
        var text = Optional(name);
        if (text is null)
        {
            return fallback;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw DeployException.Input(name, $"'{text}' is not a whole number from {min} to {max}");
        }

        return value;
    }

    public T Choice<T>(string name, T fallback, IReadOnlyDictionary<string, T> choices)
    {
        var text = Optional(name);
        if (text is null)
        {
            return fallback;
        }

        return choices.TryGetValue(text, out var value)
            ? value
            : throw DeployException.Input(name, $"'{text}' is not one of: {string.Join(", ", choices.Keys)}");
    }

    /// <summary>An absolute http(s) URL, or null when unset.</summary>
    public string? Url(string name)
    {
        var text = Optional(name);
        return text is null || (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http")
            ? text
            : throw DeployException.Input(name, $"'{text}' is not an http(s) URL");
    }

    /// <summary>Items given one per line or comma-separated.</summary>
    public IReadOnlyList<string> List(string name) =>
        (Optional(name) ?? string.Empty).Split(['\n', ','], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
}
