using GitOpsDeploy.Editing;

namespace GitOpsDeploy.Core.Requests;

/// <summary>The gate inputs: the freeze calendar kept in the gitops repository, and the override.</summary>
public static partial class RequestParser
{
    private static GateOptions ParseGates(InputReader read, IReadOnlyList<string> environments, string? sourceRepository)
    {
        var (syncWindows, project) = RepositoryFileAndName(read, "sync-windows", "PROJECT");

        var freezeFile = read.Optional("freeze-file") ?? GateOptions.DefaultFreezeFile;
        if (!IsRelative(freezeFile))
        {
            throw DeployException.Input("freeze-file", $"'{freezeFile}' must be a path relative to the gitops repository's root");
        }

        var reason = read.Optional("override-freeze");
        if (reason is not null && reason.Any(char.IsControl))
        {
            throw DeployException.Input("override-freeze", "the reason is one line (it becomes a commit trailer)");
        }

        // The application names the sync windows match: the same ones the Argo CD wait uses, with or without a server.
        var application = read.Optional("argocd-application");
        return new GateOptions
        {
            SyncWindows = syncWindows is null ? new Dictionary<string, string>() : environments.ToDictionary(e => e, e => ForTarget(syncWindows, e, "sync-windows"), StringComparer.Ordinal),
            Project = project,
            FreezeFile = freezeFile,
            OverrideReason = reason,
            Applications = environments.ToDictionary(e => e, e => ApplicationName(application, sourceRepository, e), StringComparer.Ordinal),
        };
    }

    /// <summary>A target's Argo CD application: argocd-application for it, or SOURCE-NAME-ENVIRONMENT ("app-ENVIRONMENT" without a source repository).</summary>
    private static string ApplicationName(string? application, string? sourceRepository, string environment) =>
        application is null ? $"{sourceRepository?.Split('/')[1] ?? "app"}-{environment}" : ForTarget(application, environment, "argocd-application");

    /// <summary>
    /// An input naming a file of the gitops repository, optionally one object in it: <c>PATH</c> or <c>PATH#NAME</c>, PATH relative
    /// to the repository's root and possibly with <c>{{ environment }}</c>; (null, null) when not given.
    /// </summary>
    private static (string? Path, string? Name) RepositoryFileAndName(InputReader read, string input, string nameLabel)
    {
        var given = read.Optional(input);
        if (given is null)
        {
            return (null, null);
        }

        var hash = given.IndexOf('#', StringComparison.Ordinal);
        var (path, name) = hash < 0 ? (given, null) : (given[..hash].Trim(), given[(hash + 1)..].Trim());
        MessageTemplate.Validate(path, TargetPlaceholders, input);
        return path.Length == 0 || name?.Length == 0 || !IsRelative(path)
            ? throw DeployException.Input(input, $"'{given}' is not PATH or PATH#{nameLabel} with PATH relative to the gitops repository's root")
            : (path, name);
    }

    private static bool IsRelative(string path) => !path.StartsWith('/') && !path.Split('/').Contains("..");
}
