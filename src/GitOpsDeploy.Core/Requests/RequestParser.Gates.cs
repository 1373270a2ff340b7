using GitOpsDeploy.Editing;

namespace GitOpsDeploy.Core.Requests;

/// <summary>The gate inputs: the freeze calendar kept in the gitops repository, and the override.</summary>
public static partial class RequestParser
{
    private static GateOptions ParseGates(InputReader read, IReadOnlyList<string> environments, string? sourceRepository)
    {
        var syncWindows = read.Optional("sync-windows");
        string? project = null;
        if (syncWindows is not null)
        {
            var hash = syncWindows.IndexOf('#', StringComparison.Ordinal);
            if (hash >= 0)
            {
                project = syncWindows[(hash + 1)..].Trim();
                syncWindows = syncWindows[..hash].Trim();
            }

            MessageTemplate.Validate(syncWindows, TargetPlaceholders, "sync-windows");
            if (syncWindows.Length == 0 || project?.Length == 0 || syncWindows.StartsWith('/') || syncWindows.Split('/').Contains(".."))
            {
                throw DeployException.Input("sync-windows", $"'{read.Optional("sync-windows")}' is not PATH or PATH#PROJECT with PATH relative to the gitops repository's root");
            }
        }

        var freezeFile = read.Optional("freeze-file") ?? GateOptions.DefaultFreezeFile;
        if (freezeFile.StartsWith('/') || freezeFile.Split('/').Contains(".."))
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
        var app = sourceRepository?.Split('/')[1] ?? "app";
        return new GateOptions
        {
            SyncWindows = syncWindows is null ? new Dictionary<string, string>() : environments.ToDictionary(e => e, e => ForTarget(syncWindows, e, "sync-windows"), StringComparer.Ordinal),
            Project = project,
            FreezeFile = freezeFile,
            OverrideReason = reason,
            Applications = environments.ToDictionary(e => e, e => application is null ? $"{app}-{e}" : ForTarget(application, e, "argocd-application"), StringComparer.Ordinal),
        };
    }
}
