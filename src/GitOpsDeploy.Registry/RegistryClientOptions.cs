namespace GitOpsDeploy.Registry;

/// <summary>How a <see cref="RegistryClient"/> reaches registries.</summary>
public sealed class RegistryClientOptions
{
    /// <summary>
    /// Credentials per registry host, as a user writes it (<c>ghcr.io</c>, <c>docker.io</c>, <c>localhost:5000</c>;
    /// normalised with <see cref="ImageReference.NormalizeRegistry"/>). A registry without an entry is tried anonymously only.
    /// </summary>
    public IReadOnlyDictionary<string, RegistryCredentials> Credentials { get; init; } = new Dictionary<string, RegistryCredentials>();

    /// <summary>
    /// The bound on one operation (<see cref="RegistryClient.ResolveAsync"/>, <see cref="RegistryClient.ExistsAsync"/>):
    /// every request, retry, token fetch and pause included.
    /// </summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long one attempt may wait for an answer's headers before it counts as a network error (and is retried).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Attempts per request for network errors, 5xx and 429 (the requests are idempotent reads).</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>The pause before the first retry; doubled for each next one, with jitter. A Retry-After is honoured up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The longest pause between two attempts.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a TCP connection (and TLS handshake) may take before the attempt counts as a network error.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Registries on this machine (<c>localhost</c>, <c>127.0.0.1</c>…) are reached over plain http, as docker treats
    /// them as insecure registries by default; false reaches them over https like every other registry.
    /// </summary>
    public bool PlainHttpForLoopback { get; init; } = true;

    /// <summary>More registry hosts (with port when not the default) to reach over plain http.</summary>
    public IReadOnlyCollection<string> PlainHttpRegistries { get; init; } = [];

    /// <summary>The User-Agent sent with every request.</summary>
    public string UserAgent { get; init; } = "gitops-deploy";

    /// <summary>Diagnostic lines (retries, token fetches, redirects); they never contain a secret.</summary>
    public Action<string>? Log { get; init; }

    /// <summary>The clock for timeouts, pauses and token lifetimes.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
