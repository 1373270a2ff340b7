namespace GitOpsDeploy.Runtime;

/// <summary>
/// Replaces registered secrets with <c>***</c> in everything we print. The runner masks too, once
/// it has seen <c>::add-mask::</c>; this covers a terminal and anything printed before that.
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
