using System.Text.Json;

namespace GitOpsDeploy.Core.Text;

/// <summary>
/// Replaces registered secrets with <c>***</c> in everything that leaves the process: what we print
/// (the runner masks too, once it has seen <c>::add-mask::</c>), outputs, the summary, and every
/// request body and commit message the adapters send (a GitHub error that echoes a token must not
/// reach a deployment description that every reader of the app repository sees).
/// </summary>
public sealed class SecretMasker
{
    private readonly List<string> secrets = [];
    private readonly Lock gate = new();

    public void Add(string? secret)
    {
        // Very short values would mask ordinary words; tokens are never that short.
        if (secret is null || secret.Trim().Length < 4)
        {
            return;
        }

        lock (gate)
        {
            if (!secrets.Contains(secret))
            {
                secrets.Add(secret);
                secrets.Sort((a, b) => b.Length.CompareTo(a.Length));
            }
        }
    }

    /// <summary>Masks a JSON document: each secret both as written and as JSON escapes it inside a string.</summary>
    public string MaskJson(string json)
    {
        lock (gate)
        {
            foreach (var secret in secrets)
            {
                json = json.Replace(secret, "***", StringComparison.Ordinal)
                    .Replace(JsonEncodedText.Encode(secret).ToString(), "***", StringComparison.Ordinal);
            }
        }

        return json;
    }

    public string Mask(string text)
    {
        lock (gate)
        {
            foreach (var secret in secrets)
            {
                text = text.Replace(secret, "***", StringComparison.Ordinal);
            }
        }

        return text;
    }
}
