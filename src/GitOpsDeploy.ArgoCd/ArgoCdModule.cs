using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Requests;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace GitOpsDeploy.ArgoCd;

/// <summary>Builds the Argo CD client for a run's server settings; the caller disposes it.</summary>
public sealed class ArgoCdFactory
{
    public IArgoCd Create(ArgoCdOptions options) => new HttpArgoCd(options.Server, options.Token, options.Insecure);
}

public static class ArgoCdModule
{
    public static IServiceCollection AddGitOpsArgoCd(this IServiceCollection services)
    {
        services.TryAddSingleton<ArgoCdFactory>();
        return services;
    }
}
