using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Core.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace GitOpsDeploy.Git;

/// <summary>Builds the git adapter (snapshots and publisher over libgit2) for a run's repository and token.</summary>
public sealed class GitWorkspaceFactory(ILoggerFactory loggers, SecretMasker masker)
{
    /// <summary>Where clones go (tests point this at their own folder).</summary>
    public string? TempRoot { get; init; }

    public Action<string>? OnCloned { get; init; }

    public LibGit2Workspace Create(GitOpsRemote remote, string? token) =>
        new(remote, token, loggers.CreateLogger<LibGit2Workspace>()) { TempRoot = TempRoot, OnCloned = OnCloned, Masker = masker };
}

public static class GitModule
{
    /// <summary>The git adapter's registrations; a registration made before this one (a test's) wins.</summary>
    public static IServiceCollection AddGitOpsGit(this IServiceCollection services)
    {
        services.TryAddSingleton<GitWorkspaceFactory>();
        return services;
    }
}
