namespace GitOpsDeploy.Manifests.Diff;

public enum ResourceChangeKind
{
    Added,
    Removed,
    Changed,
}

/// <summary>One resource that differs between two renders; <see cref="Diff"/> is its unified diff (Secrets redacted), empty for an added or removed one.</summary>
public sealed record ResourceChange(ResourceKey Key, ResourceChangeKind Kind, RenderedResource? Before, RenderedResource? After, string Diff);

/// <summary>
/// Two renders compared resource by resource (identity: group, kind, namespace, name), in a
/// deterministic order (workloads first, then kind, namespace, name). Secrets' values never appear.
/// </summary>
public sealed class ManifestDiff
{
    private ManifestDiff(IReadOnlyList<ResourceChange> changes, int unchanged, int total)
    {
        Changes = changes;
        Unchanged = unchanged;
        Total = total;
    }

    /// <summary>Every resource that was added, removed or changed, in order.</summary>
    public IReadOnlyList<ResourceChange> Changes { get; }

    public IEnumerable<ResourceChange> Changed => Changes.Where(c => c.Kind == ResourceChangeKind.Changed);

    public IEnumerable<ResourceChange> Added => Changes.Where(c => c.Kind == ResourceChangeKind.Added);

    public IEnumerable<ResourceChange> Removed => Changes.Where(c => c.Kind == ResourceChangeKind.Removed);

    /// <summary>How many resources render the same before and after.</summary>
    public int Unchanged { get; }

    /// <summary>How many distinct resources the two renders hold together.</summary>
    public int Total { get; }

    public bool IsEmpty => Changes.Count == 0;

    /// <summary>Compares two multi-document renders.</summary>
    public static ManifestDiff Compare(string before, string after) =>
        Compare(RenderedResource.Split(before), RenderedResource.Split(after));

    public static ManifestDiff Compare(IReadOnlyList<RenderedResource> before, IReadOnlyList<RenderedResource> after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var old = before.ToDictionary(r => r.Key);
        var @new = after.ToDictionary(r => r.Key);
        var keys = old.Keys.Union(@new.Keys).Order().ToList();
        var changes = new List<ResourceChange>();
        var unchanged = 0;
        foreach (var key in keys)
        {
            old.TryGetValue(key, out var b);
            @new.TryGetValue(key, out var a);
            if (b is null)
            {
                changes.Add(new ResourceChange(key, ResourceChangeKind.Added, null, a, string.Empty));
            }
            else if (a is null)
            {
                changes.Add(new ResourceChange(key, ResourceChangeKind.Removed, b, null, string.Empty));
            }
            else if (b.Text == a.Text)
            {
                unchanged++;
            }
            else
            {
                var (beforeText, afterText) = SecretRedactor.IsSecret(b) || SecretRedactor.IsSecret(a) ? SecretRedactor.RedactPair(b, a) : (b.Text, a.Text);
                var diff = LineDiff.Unified(FileName(key), beforeText, afterText);
                if (diff.Length == 0)
                {
                    // Only a redacted part moved in a way the redaction hides; still a change.
                    diff = $"--- a/{FileName(key)}\n+++ b/{FileName(key)}\n@@ (a redacted value changed) @@\n";
                }

                changes.Add(new ResourceChange(key, ResourceChangeKind.Changed, b, a, diff));
            }
        }

        return new ManifestDiff(changes, unchanged, keys.Count);
    }

    /// <summary>A file-like name for a resource's diff header: <c>Deployment/staging/web</c>.</summary>
    public static string FileName(ResourceKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var kind = key.Group.Length == 0 ? key.Kind : $"{key.Kind}.{key.Group}";
        return key.Namespace.Length == 0 ? $"{kind}/{key.Name}" : $"{kind}/{key.Namespace}/{key.Name}";
    }

    /// <summary>
    /// The containers whose image differs between the renders (workloads added or removed too: one
    /// side is null): the affected workloads where no static analysis applies, as for Helm.
    /// </summary>
    public IReadOnlyList<ContainerImageChange> WorkloadImageChanges()
    {
        var result = new List<ContainerImageChange>();
        foreach (var change in Changes)
        {
            var node = change.After?.Node ?? change.Before?.Node;
            if (node is null || !WorkloadKinds.IsWorkload(node.Scalar("apiVersion"), node.Scalar("kind")))
            {
                continue;
            }

            var workload = new ResourceRef((change.After ?? change.Before)!.ApiVersion, change.Key.Kind, change.Key.Namespace, change.Key.Name);
            var before = Keyed(change.Before?.Node);
            var after = Keyed(change.After?.Node);
            foreach (var (key, container) in after)
            {
                var old = before.TryGetValue(key, out var b) ? b.Image : null;
                if (old != container.Image || !before.ContainsKey(key))
                {
                    result.Add(new ContainerImageChange(workload, container.Name, container.IsInit, old, container.Image));
                }
            }

            foreach (var (key, container) in before.Where(b => !after.ContainsKey(b.Key)))
            {
                result.Add(new ContainerImageChange(workload, container.Name, container.IsInit, container.Image, null));
            }
        }

        return result;
    }

    /// <summary>The Markdown rendering of this diff within <paramref name="budget"/> characters (see <see cref="MarkdownDiff"/>).</summary>
    public string ToMarkdown(int budget) => MarkdownDiff.Render(this, budget);

    private static Dictionary<string, (string Name, bool IsInit, string? Image)> Keyed(YamlDotNet.RepresentationModel.YamlNode? node)
    {
        var result = new Dictionary<string, (string, bool, string?)>(StringComparer.Ordinal);
        if (node is null)
        {
            return result;
        }

        foreach (var container in WorkloadKinds.Containers(node))
        {
            var key = $"{container.IsInit}|{container.Name}";
            var n = 1;
            while (result.ContainsKey($"{key}|{n}"))
            {
                n++;
            }

            result[$"{key}|{n}"] = container;
        }

        return result;
    }
}
