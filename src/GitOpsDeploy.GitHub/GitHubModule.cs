using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace GitOpsDeploy.GitHub;

public static class GitHubModule
{
    /// <summary>The GitHub adapter's registrations; a registration made before this one (a test's) wins.</summary>
    public static IServiceCollection AddGitOpsGitHub(this IServiceCollection services)
    {
        services.TryAddSingleton<GitHubFactory>();
        return services;
    }
}
