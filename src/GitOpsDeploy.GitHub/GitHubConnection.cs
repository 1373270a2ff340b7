using System.Reflection;
using GitOpsDeploy.Core.Text;
using Microsoft.Extensions.Logging;
using Octokit;
using Octokit.Internal;

namespace GitOpsDeploy.GitHub;

/// <summary>
/// Builds Octokit clients for the run's GitHub host. The base address comes from GITHUB_API_URL
/// (never a literal host) and must end in '/'; we build the Connection ourselves because
/// <c>new GitHubClient(product, uri)</c> appends <c>api/v3/</c> to any host that is not GitHub's cloud.
/// </summary>
public sealed class GitHubConnection(string apiUrl, string? graphQlUrl, TimeProvider time, ILoggerFactory loggers, SecretMasker masker)
{
    private static readonly string Version = typeof(GitHubConnection).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public Uri BaseAddress { get; } = new(apiUrl.TrimEnd('/') + "/");

    /// <summary>The GraphQL endpoint: <c>/graphql</c> beside the REST root, or <c>/api/graphql</c> on GHES (<c>/api/v3</c>).</summary>
    public Uri GraphQlAddress =>
        graphQlUrl is not null ? new Uri(graphQlUrl)
        : BaseAddress.AbsolutePath.EndsWith("/api/v3/", StringComparison.Ordinal) ? new Uri(BaseAddress, "../graphql")
        : new Uri(BaseAddress, "graphql");

    /// <summary>Retry behaviour of the HTTP handler (tests shorten the delays).</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    public HttpMessageHandler? InnerHandler { get; init; }

    /// <summary>Waits out rate limits between attempts of a call, outside Octokit's 100-second request timeout.</summary>
    public RateLimitGate Gate { get; } = new(time, loggers.CreateLogger<RateLimitGate>());

    /// <summary>A client for <paramref name="token"/>; its HTTP adapter goes into <paramref name="owned"/> for the owner to dispose.</summary>
    public IGitHubClient Create(string token, ICollection<IDisposable>? owned = null)
    {
        var handler = new OutgoingRequestGuard([BaseAddress, GraphQlAddress], masker)
        {
            InnerHandler = new RetryHandler(time, loggers.CreateLogger<RetryHandler>())
            {
                BaseDelay = RetryBaseDelay,
                InnerHandler = InnerHandler ?? new HttpClientHandler { AllowAutoRedirect = false },
            },
        };
        var adapter = new HttpClientAdapter(() => handler);
        owned?.Add(adapter);
        var connection = new Connection(
            new ProductHeaderValue("gitops-deploy", Version),
            BaseAddress,
            new InMemoryCredentialStore(new Credentials(token)),
            adapter,
            new SimpleJsonSerializer());
        return new GitHubClient(connection);
    }
}
