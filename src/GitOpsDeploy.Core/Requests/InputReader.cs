using System.Globalization;
using GitOpsDeploy.Editing;

namespace GitOpsDeploy.Core.Requests;

/// <summary>
/// Reads action inputs by name, whichever front door they came through (INPUT_* variables or
/// command-line flags). Empty means unset, and an unset input takes its default from
/// <see cref="InputCatalogue"/> (the one action.yml declares, so both doors agree); values are
/// trimmed; every error names the input. Reading a name the catalogue does not know throws.
/// </summary>
public sealed class InputReader(IReadOnlyDictionary<string, string> inputs)
{
    private readonly HashSet<string> read = new(StringComparer.Ordinal);

    /// <summary>The inputs asked for so far (tests check that parsing asks for every catalogued input).</summary>
    public IReadOnlyCollection<string> Read => read;

    public string? Optional(string name)
    {
        var definition = InputCatalogue.Input(name);
        read.Add(name);
        if (inputs.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value))
        {
            return value.Trim();
        }

        // An expression default (token: ${{ github.token }}) is the runner's to evaluate, not ours.
        return definition.Default.Length == 0 || definition.Default.StartsWith("${{", StringComparison.Ordinal) ? null : definition.Default;
    }

    /// <summary>True when the input was given (not just defaulted); a name the catalogue does not know throws, as in <see cref="Optional"/>.</summary>
    public bool Given(string name)
    {
        _ = InputCatalogue.Input(name);
        return inputs.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value);
    }

    public string Required(string name) =>
        Optional(name) ?? throw DeployException.Input(name, "is required");

    /// <summary>A boolean; <paramref name="fallback"/> applies only to an input without a catalogued default.</summary>
    public bool Bool(string name, bool fallback = false) => BoolOrNull(name) ?? fallback;

    public bool? BoolOrNull(string name)
    {
        // The same spellings @actions/core getBooleanInput accepts (YAML 1.2 core schema).
        return Optional(name) switch
        {
            null => null,
            "true" or "True" or "TRUE" => true,
            "false" or "False" or "FALSE" => false,
            var other => throw DeployException.Input(name, $"'{other}' is not a boolean; use true or false"),
        };
    }

    public int Int(string name, int min, int max)
    {
        var text = Optional(name) ?? throw new InvalidOperationException($"input '{name}' has no default in the catalogue");
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw DeployException.Input(name, $"'{text}' is not a whole number from {min} to {max}");
        }

        return value;
    }

    public T Choice<T>(string name, IReadOnlyDictionary<string, T> choices)
    {
        var text = Optional(name) ?? throw new InvalidOperationException($"input '{name}' has no default in the catalogue");
        return choices.TryGetValue(text, out var value)
            ? value
            : throw DeployException.Input(name, $"'{text}' is not one of: {string.Join(", ", choices.Keys)}");
    }

    /// <summary>An absolute http(s) URL, or null when unset.</summary>
    public string? Url(string name) => CheckUrl(name, Optional(name));

    /// <summary>An absolute http(s) URL, or null; for a value filled in after reading (a template).</summary>
    public static string? CheckUrl(string name, string? text)
    {
        return text is null || (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http")
            ? text
            : throw DeployException.Input(name, $"'{text}' is not an http(s) URL");
    }

    /// <summary>Items given one per line or comma-separated.</summary>
    public IReadOnlyList<string> List(string name) =>
        (Optional(name) ?? string.Empty).Split(['\n', ','], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
}
