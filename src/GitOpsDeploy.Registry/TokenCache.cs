using System.Collections.Concurrent;

namespace GitOpsDeploy.Registry;

/// <summary>A bearer token and until when it is used; whether it was issued for credentials or anonymously.</summary>
internal sealed record CachedToken(string Value, DateTimeOffset UsableUntil, bool WithCredentials)
{
    public override string ToString() => $"token until {UsableUntil:O}{(WithCredentials ? " (credentials)" : " (anonymous)")}";
}

/// <summary>Bearer tokens per registry and scope (<c>HOST repository:NAME:pull</c>), dropped when they run out.</summary>
internal sealed class TokenCache(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, CachedToken> tokens = new(StringComparer.Ordinal);

    public int Count => tokens.Count;

    public CachedToken? Get(string key)
    {
        if (!tokens.TryGetValue(key, out var token))
        {
            return null;
        }

        if (token.UsableUntil > time.GetUtcNow())
        {
            return token;
        }

        tokens.TryRemove(KeyValuePair.Create(key, token));
        return null;
    }

    public void Put(string key, CachedToken token) => tokens[key] = token;

    public void Remove(string key) => tokens.TryRemove(key, out _);

    /// <summary>Every token this cache holds, replaced by <c>***</c> in a text.</summary>
    public string Mask(string text)
    {
        foreach (var token in tokens.Values)
        {
            text = text.Replace(token.Value, "***", StringComparison.Ordinal);
        }

        return text;
    }
}
