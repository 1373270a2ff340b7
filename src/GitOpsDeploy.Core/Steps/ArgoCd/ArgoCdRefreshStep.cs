using System.Runtime.CompilerServices;
using GitOpsDeploy.Core.Pipeline;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Core.Results;
using GitOpsDeploy.Editing;
using Microsoft.Extensions.Logging;

namespace GitOpsDeploy.Core.Steps.ArgoCd;

/// <summary>
/// Right after the change lands (before any wait, and also with argocd-timeout 0, which does not wait): asks Argo CD
/// to refresh every Application with a source in the gitops repository whose path covers an edited overlay, so
/// Argo CD looks at git now instead of at its next poll (three minutes by default). Once per run, for every target
/// at once. A refresh that fails is a warning: Argo CD still finds the commit at its next poll.
/// </summary>
internal sealed class ArgoCdRefreshStep : IVerificationStep
{
    private readonly ConditionalWeakTable<RunContext, object> refreshed = [];

    public async Task<TargetResult> VerifyAsync(RunContext run, DeployRequest request, DeployResult result, TargetResult target, CancellationToken cancellationToken)
    {
        if (run.Ports.ArgoCd is not { } argoCd || !refreshed.TryAdd(run, result))
        {
            return target;
        }

        var overlays = result.Targets.Where(t => t.Edit.Changed).Select(t => t.Edit.OverlayPath).ToList();
        try
        {
            var apps = await argoCd.ListAsync(cancellationToken);
            var covering = Covering(apps, request.GitOps, overlays);
            foreach (var name in covering)
            {
                await argoCd.GetAsync(name, refresh: true, cancellationToken);
            }

            run.Logger.LogInformation("Asked Argo CD to refresh {Count} application(s) covering {Overlays}: {Applications}",
                covering.Count, string.Join(", ", overlays), covering.Count == 0 ? "none" : string.Join(", ", covering));
        }
        catch (DeployException e)
        {
            run.Runtime.Warning($"Argo CD applications were not refreshed (Argo CD finds the commit at its next poll): {e.Message}");
        }

        return target;
    }

    /// <summary>The applications with a source in <paramref name="gitOps"/> whose path is an overlay or one of its parents, in name order.</summary>
    public static IReadOnlyList<string> Covering(IEnumerable<ArgoAppSources> apps, GitOpsRemote gitOps, IReadOnlyList<string> overlays)
    {
        var repository = NormalizeRepoUrl(gitOps.Url);
        var paths = overlays.Select(NormalizePath).ToList();
        return apps
            .Where(app => app.Sources.Any(s => NormalizeRepoUrl(s.RepoUrl) == repository && paths.Any(p => Covers(NormalizePath(s.Path ?? string.Empty), p))))
            .Select(app => app.Name)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary><c>https://user@git.example.com/Acme/gitops.git/</c>, <c>git@git.example.com:acme/gitops</c> and <c>ssh://git@git.example.com/acme/gitops.git</c> all become <c>git.example.com/acme/gitops</c>.</summary>
    public static string NormalizeRepoUrl(string url)
    {
        var text = url.Trim();
        var scheme = text.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            text = text[(scheme + 3)..];
        }
        else if (text.IndexOf(':', StringComparison.Ordinal) is var colon and > 0 && !text[..colon].Contains('/', StringComparison.Ordinal))
        {
            // scp-like: git@host:owner/name
            text = string.Concat(text.AsSpan(0, colon), "/", text.AsSpan(colon + 1));
        }

        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var at = text.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0 && (slash < 0 || at < slash))
        {
            text = text[(at + 1)..];
        }

        text = text.TrimEnd('/');
        if (text.EndsWith(".git", StringComparison.OrdinalIgnoreCase))
        {
            text = text[..^4];
        }

        return text.ToLowerInvariant();
    }

    private static string NormalizePath(string path)
    {
        var parts = path.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != ".");
        return string.Join('/', parts);
    }

    private static bool Covers(string appPath, string overlay) =>
        appPath.Length == 0 || overlay == appPath || overlay.StartsWith(appPath + "/", StringComparison.Ordinal);
}
