using System.Globalization;
using System.Text.Json;

namespace GitOpsDeploy.Sigstore;

/// <summary>Strict readers for the protobuf-JSON documents of Sigstore (camelCase members, int64 as string or number).</summary>
internal static class Json
{
    /// <summary>
    /// Duplicate member names are refused: parsers disagree on which one wins, and a signed statement
    /// read differently by the signer's tools and by this verifier is an attack.
    /// </summary>
    public static readonly JsonDocumentOptions Strict = new() { AllowDuplicateProperties = false };

    public static JsonElement Required(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value
            : throw new FormatException($"missing \"{name}\"");

    public static string RequiredString(JsonElement element, string name)
    {
        var value = Required(element, name);
        return value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new FormatException($"\"{name}\" is not a string");
    }

    public static string? OptionalString(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    public static byte[] RequiredBase64(JsonElement element, string name) => Base64(RequiredString(element, name), name);

    public static byte[] Base64(string value, string name)
    {
        try
        {
            // protobuf JSON allows the URL-safe alphabet and missing padding; Sigstore emits the standard one.
            var normalized = value.Replace('-', '+').Replace('_', '/');
            normalized = normalized.PadRight(normalized.Length + ((4 - (normalized.Length % 4)) % 4), '=');
            return Convert.FromBase64String(normalized);
        }
        catch (FormatException)
        {
            throw new FormatException($"\"{name}\" is not base64");
        }
    }

    public static long RequiredInt64(JsonElement element, string name) =>
        OptionalInt64(element, name) ?? throw new FormatException($"missing \"{name}\"");

    public static long? OptionalInt64(JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number))
        {
            return number;
        }

        if (value.ValueKind == JsonValueKind.String && long.TryParse(value.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out number))
        {
            return number;
        }

        throw new FormatException($"\"{name}\" is not an integer");
    }

    public static IEnumerable<JsonElement> RequiredArray(JsonElement element, string name)
    {
        var value = Required(element, name);
        return value.ValueKind == JsonValueKind.Array ? value.EnumerateArray() : throw new FormatException($"\"{name}\" is not an array");
    }

    public static IEnumerable<JsonElement> OptionalArray(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? (value.ValueKind == JsonValueKind.Array ? value.EnumerateArray() : throw new FormatException($"\"{name}\" is not an array"))
            : [];
}
