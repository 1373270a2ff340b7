using System.Text;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Editing;
using GitOpsDeploy.Editing.Overlay;

namespace GitOpsDeploy.Core.Planning;

/// <summary>
/// After a rollback, <c>&lt;overlay&gt;/.gitops-deploy-hold</c> keeps automation from redeploying the
/// release that was just rolled back: later deploys refuse until <c>release-hold: true</c> (which
/// deletes the file in the same commit) or <c>force: true</c>.
/// </summary>
internal static class HoldMarker
{
    public static OverlayEdit Apply(DeployTarget target, Change change, IGitOpsSnapshot checkout, OverlayEdit edit, Rollback? rolledBack, string? runUrl)
    {
        var path = $"{edit.OverlayPath}/{Rollback.HoldFile}";
        var held = checkout.Tree.KindOf(path) == TreeEntryKind.File;
        if (rolledBack is { } rollback)
        {
            return edit with { Files = [.. edit.Files.Where(f => f.Path != path), new FileChange(path, Content(target, rollback, runUrl))] };
        }

        if (!held)
        {
            return edit;
        }

        if (change.ReleaseHold)
        {
            return edit with { Files = [.. edit.Files, new FileChange(path, null)] };
        }

        if (change.Force)
        {
            return edit;
        }

        var reason = Encoding.UTF8.GetString(checkout.Tree.ReadFile(path)).Split('\n').FirstOrDefault(l => l.StartsWith("reason:", StringComparison.Ordinal))?["reason:".Length..].Trim();
        throw new DeployException(ErrorKind.Policy,
            $"policy hold: {target.Environment} is on hold after a rollback ({reason ?? path}); deploy with release-hold: true to lift it, or force: true to deploy once anyway");
    }

    private static byte[] Content(DeployTarget target, Rollback rollback, string? runUrl)
    {
        var sb = new StringBuilder();
        sb.Append("# GitOpsDeploy hold: automated deploys to ").Append(target.Environment).Append(" are refused while this file exists.\n");
        sb.Append("# Lift it with a deploy that sets release-hold: true (or deploy once with force: true).\n");
        sb.Append("reason: rollback to ").Append(string.Join(", ", rollback.Images.Select(i => i.ToString()))).Append('\n');
        sb.Append("restored-commit: ").Append(rollback.RestoredCommit).Append('\n');
        if (rollback.CurrentCommit is { } current)
        {
            sb.Append("rolled-back-commit: ").Append(current).Append('\n');
        }

        if (runUrl is not null)
        {
            sb.Append("run: ").Append(runUrl).Append('\n');
        }

        return Encoding.UTF8.GetBytes(sb.ToString());
    }
}
