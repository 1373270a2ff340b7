using GitOpsDeploy.Core;
using GitOpsDeploy.Core.Inputs;
using GitOpsDeploy.Core.Ports;
using Microsoft.Extensions.Logging;

namespace GitOpsDeploy.Git;

/// <summary>Builds the git adapter for a run's options.</summary>
public sealed class GitWorkspaceFactory(ILoggerFactory loggers, SecretMasker masker)
{
    /// <summary>Where clones go (tests point this at their own folder).</summary>
    public string? TempRoot { get; init; }

    public Action<string>? OnCloned { get; init; }

    public IGitOpsWorkspace Create(GitOpsRemote remote, string? token) =>
        new LibGit2Workspace(remote, token, loggers.CreateLogger<LibGit2Workspace>()) { TempRoot = TempRoot, OnCloned = OnCloned, Masker = masker };
}
