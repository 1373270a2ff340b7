using System.Globalization;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Editing;
using GitOpsDeploy.Editing.Overlay;

namespace GitOpsDeploy.Core.Planning;

/// <summary>Rules checked after planning and before anything is written. Every refusal names its policy.</summary>
internal static class PolicyGate
{
    public static void Check(PolicyOptions policy, DeployTarget target, bool force, OverlayEdit edit, DateTimeOffset now)
    {
        if (policy.Window is { } window && !force && !window.IsOpen(now))
        {
            var next = window.NextOpening(now);
            throw Refuse("deploy-window", $"{now:yyyy-MM-dd HH:mm} UTC is outside the deploy window ({window})"
                + (next is { } n ? $"; it next opens {n.ToString("ddd yyyy-MM-dd HH:mm zzz", CultureInfo.InvariantCulture)}" : string.Empty)
                + "; set force: true to deploy anyway");
        }

        foreach (var image in edit.Images.Where(i => i.Changed).Select(i => i.After))
        {
            var reference = image.NewName ?? image.Name;
            if (policy.AllowedRegistries.Count > 0 && !policy.AllowedRegistries.Any(prefix => reference.StartsWith(prefix, StringComparison.Ordinal)))
            {
                throw Refuse("allowed-registries", $"image '{image.Name}' would come from '{reference}', which is not under {string.Join(", ", policy.AllowedRegistries)}");
            }

            // production-environment decides (auto: the name contains "prod"), the same flag the deployment reports.
            if (target.Production && image.Digest is null && image.NewTag is { } tag && !policy.AllowMutableTags
                && policy.MutableTags.Contains(tag, StringComparer.OrdinalIgnoreCase))
            {
                throw Refuse("mutable-tags", $"image '{image.Name}' uses the mutable tag '{tag}' in {target.Environment}: pin a version or a digest (or set allow-mutable-tags: true)");
            }
        }
    }

    private static DeployException Refuse(string policy, string message) => new(ErrorKind.Policy, $"policy {policy}: {message}");
}
