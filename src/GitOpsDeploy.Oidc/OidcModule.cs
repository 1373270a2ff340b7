using GitOpsDeploy.Core.Ports;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace GitOpsDeploy.Oidc;

/// <summary>Builds the run's proofs from the runner's settings; the caller disposes what it creates.</summary>
public class RunProofsFactory(OidcSettings settings, ILoggerFactory loggers)
{
    /// <summary>The HTTP handler the clients use (tests point it at a fake issuer; null: the platform's).</summary>
    public HttpMessageHandler? Handler { get; init; }

    public IRunProofs Create() => new ActionsRunProofs(settings, loggers.CreateLogger<ActionsRunProofs>(), Handler);
}

public static class OidcModule
{
    public static IServiceCollection AddGitOpsOidc(this IServiceCollection services)
    {
        services.TryAddSingleton(new OidcSettings(null, null, null));
        services.TryAddSingleton<RunProofsFactory>();
        return services;
    }
}
