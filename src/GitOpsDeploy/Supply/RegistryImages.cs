using System.Collections.Concurrent;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Editing;
using GitOpsDeploy.Registry;
using Microsoft.Extensions.Logging;

namespace GitOpsDeploy.Supply;

/// <summary>
/// The registry port over <see cref="RegistryClient"/>: one client per registry host, made when that registry is
/// first asked, each holding only the credentials meant for it. <c>registry-username</c>/<c>registry-password</c> go
/// to one registry (<see cref="CredentialsHost"/>: registry-host, or the images' one registry), never to another; the GitHub host's own registry (<see cref="GitOpsDeploy.Core.Requests.GitHubHost.ContainerRegistry"/>) without them gets the
/// source <c>token</c> (GitHub's registry takes a GitHub token as the password). The client's own rules then keep
/// them on that registry and the token service its challenge names.
/// </summary>
public sealed class RegistryImages(RegistryCredentials? credentials, string? credentialsHost, string? githubRegistry, string? githubToken, ILogger logger) : IImageRegistry, IDisposable
{
    private readonly ConcurrentDictionary<string, RegistryClient> clients = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock gate = new();

    /// <summary>
    /// The one registry the credentials may go to: registry-host when given (as a reference names it: <c>docker.io</c>
    /// is Docker Hub), else the registry of the deploy's images when they all use one; null (a promotion, whose images
    /// are only known once the branch is read) leaves it to the first registry asked. Images in several registries
    /// without registry-host are an input error: the password would otherwise go to whichever came first.
    /// </summary>
    public static string? CredentialsHost(string? registryHost, IEnumerable<string> imageNames)
    {
        if (registryHost is not null)
        {
            return ImageReference.TryParse($"{registryHost.Trim().TrimEnd('/')}/x:1", out var parsed, out _) && parsed.Domain.Equals(registryHost.Trim().TrimEnd('/'), StringComparison.OrdinalIgnoreCase)
                ? parsed.Registry
                : throw DeployException.Input("registry-host", $"'{registryHost}' is not a registry host (HOST or HOST:PORT, e.g. registry.example.com:5000)");
        }

        var hosts = imageNames
            .Select(name => ImageReference.TryParse(name + ":1", out var parsed, out _) ? parsed.Registry : null)
            .OfType<string>()
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Order(StringComparer.Ordinal)
            .ToList();
        return hosts.Count switch
        {
            0 => null,
            1 => hosts[0],
            _ => throw DeployException.Input("registry-host", $"images name {hosts.Count} registries ({string.Join(", ", hosts)}); say which one registry-username/registry-password are for, so they are never sent to another"),
        };
    }

    public async Task<RegistryManifest> ResolveAsync(string reference, CancellationToken cancellationToken)
    {
        var parsed = Parse(reference);
        try
        {
            var manifest = await Client(parsed.Registry).ResolveAsync(parsed, cancellationToken);
            return new RegistryManifest(parsed.ToString(), manifest.Digest, manifest.MediaType, manifest.IsIndex);
        }
        catch (RegistryException e)
        {
            throw Translate(e);
        }
    }

    public async Task<DigestPresence> ExistsAsync(string reference, CancellationToken cancellationToken)
    {
        var parsed = Parse(reference);
        if (parsed.Digest is null)
        {
            throw new ArgumentException($"'{reference}' has no digest", nameof(reference));
        }

        try
        {
            var presence = await Client(parsed.Registry).ExistsAsync(parsed, cancellationToken);
            return presence.Manifest is { } manifest
                ? new DigestPresence(new RegistryManifest(parsed.ToString(), manifest.Digest, manifest.MediaType, manifest.IsIndex), null)
                : new DigestPresence(null, presence.NotFound!.Message);
        }
        catch (RegistryException e)
        {
            throw Translate(e);
        }
    }

    public void Dispose()
    {
        foreach (var client in clients.Values)
        {
            client.Dispose();
        }

        clients.Clear();
    }

    private static ImageReference Parse(string reference) =>
        ImageReference.TryParse(reference, out var parsed, out var error)
            ? parsed
            : throw DeployException.Input("images", $"'{reference}' is not an image reference a registry accepts: {error}");

    /// <summary>The registry's own words (the client writes them for the user, without secrets), as the kind of failure the core reports.</summary>
    private static DeployException Translate(RegistryException e) => new(
        e.Kind switch
        {
            RegistryErrorKind.NotFound => ErrorKind.NotFound,
            RegistryErrorKind.Unauthorized => ErrorKind.AuthenticationFailed,
            _ => ErrorKind.Transient,
        },
        e.Message,
        e);

    private RegistryClient Client(string registry) => clients.GetOrAdd(registry, host =>
    {
        var given = new Dictionary<string, RegistryCredentials>(StringComparer.OrdinalIgnoreCase);
        lock (gate)
        {
            if (credentials is not null && (credentialsHost is null || credentialsHost.Equals(host, StringComparison.OrdinalIgnoreCase)))
            {
                credentialsHost = host;
                given[host] = credentials;
            }
        }

        if (!given.ContainsKey(host) && githubRegistry is not null && host.Equals(githubRegistry, StringComparison.OrdinalIgnoreCase) && githubToken is { Length: > 0 })
        {
            given[host] = new RegistryCredentials(null, githubToken);
        }

        return new RegistryClient(new RegistryClientOptions
        {
            Credentials = given,
            UserAgent = "gitops-deploy",
            Log = line => logger.LogDebug("{Registry}: {Line}", host, line),
        });
    });
}
