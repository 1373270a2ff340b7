using GitOpsDeploy.Editing.Images;

namespace GitOpsDeploy.Editing.Yaml;

/// <summary>Something an edit did that deserves a look, though it is not an error: shown as a workflow warning at its place.</summary>
public sealed record EditWarning(SourceLocation Location, string Message)
{
    public string Describe() => $"{Location}: {Message}";
}

/// <summary>Where a Helm chart keeps one image: a values file and a key path, e.g. <c>values.yaml:frontend.image</c>.</summary>
public sealed record HelmImageKey(string File, IReadOnlyList<object> Path)
{
    public const string DefaultFile = "values.yaml";

    /// <summary>The common chart layout: <c>image.repository</c>, <c>image.tag</c>, <c>image.digest</c> in values.yaml.</summary>
    public static readonly HelmImageKey Default = new(DefaultFile, ["image"]);

    public string PathText => ValueSetting.FormatPath(Path);

    public override string ToString() => $"{File}:{PathText}";

    /// <summary>
    /// Parses <c>helm-image-keys</c>: one <c>NAME=[FILE:]KEY.PATH</c> per line or comma, e.g. <c>web=frontend.image</c>
    /// or <c>worker=values-worker.yaml:image</c> (FILE defaults to values.yaml).
    /// </summary>
    public static IReadOnlyDictionary<string, HelmImageKey> ParseList(string? text, string input = "helm-image-keys")
    {
        var keys = new Dictionary<string, HelmImageKey>(StringComparer.Ordinal);
        foreach (var item in (text ?? string.Empty).Split(['\n', ','], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = item.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || eq == item.Length - 1 || item.Any(char.IsControl))
            {
                throw DeployException.Input(input, $"'{item}' is not NAME=[FILE:]KEY.PATH (e.g. web=frontend.image)");
            }

            var name = item[..eq].Trim();
            var location = item[(eq + 1)..].Trim();
            var colon = location.IndexOf(':', StringComparison.Ordinal);
            var file = colon > 0 ? location[..colon] : DefaultFile;
            var path = ValueSetting.ParsePath(colon > 0 ? location[(colon + 1)..] : location, item, input);
            if (!keys.TryAdd(name, new HelmImageKey(file, path)))
            {
                throw DeployException.Input(input, $"image '{name}' is mapped twice");
            }
        }

        return keys;
    }
}

/// <summary>
/// Reads and writes an image in a Helm values file, in the two layouts charts use: a mapping with
/// <c>repository</c> (and optionally <c>registry</c>), <c>tag</c> and <c>digest</c>, or one string
/// <c>repo:tag[@digest]</c>. Edits are spliced like every other edit, with the same quoting rules
/// (<c>tag: "1.10"</c>), and verified by re-parsing.
/// </summary>
public static class HelmImageEditor
{
    /// <summary>The image at <paramref name="key"/>, as a kustomize-style entry named <paramref name="name"/>; null when the key is missing.</summary>
    public static ImageEntry? Read(YamlText file, HelmImageKey key, string name) =>
        Find(file, key.Path) switch
        {
            YamlMapping map => new ImageEntry(name, Repository(map), Field(map, "tag"), Field(map, "digest")),
            YamlScalar { Kind: ScalarKind.String } s when s.Value.Length > 0 => FromReference(name, s.Value),
            null => null,
            var other => throw DeployException.File(file.At(other), $"'{key.PathText}' is neither an image mapping (repository, tag, digest) nor an image reference"),
        };

    /// <param name="createMissingKeys">create-missing-keys: a key (or its parents) that is missing, or has no value, gets a repository/tag/digest block.</param>
    public static (string Text, IReadOnlyList<ImageChange> Changes, IReadOnlyList<EditWarning> Warnings) Apply(
        YamlText file, IReadOnlyList<(ImageSpec Spec, HelmImageKey Key)> images, bool createMissingKeys = true)
    {
        var warnings = images.Select(i => NotAReference(file, i.Spec, i.Key)).OfType<EditWarning>().ToList();
        var expected = SemanticTree.From(file.Root);
        var changes = new List<ImageChange>();
        var current = file;
        foreach (var (spec, key) in images)
        {
            // One image at a time, each on the text the previous one left: two images may add the same missing parent.
            var splicer = new YamlSplicer(current);
            var before = Read(current, key, spec.Name);
            if (before is null || Locate(current, key.Path).Node is YamlMapping { IsFlow: true, Pairs.Count: 0 })
            {
                changes.Add(Create(splicer, spec, key, before, createMissingKeys, ref expected));
            }
            else
            {
                var after = spec.ApplyTo(before);
                changes.Add(new ImageChange(before, after));
                if (after != before)
                {
                    var (node, path) = Locate(current, key.Path);
                    splicer.RefuseAnchor(node!);
                    if (node is YamlMapping map)
                    {
                        WriteMapping(splicer, map, path, before, after, expected);
                    }
                    else
                    {
                        var reference = Reference(after);
                        splicer.ReplaceScalar((YamlScalar)node!, reference);
                        SemanticTree.Set(expected, path, SemanticTree.String(reference));
                    }
                }
            }

            if (splicer.HasEdits)
            {
                current = YamlValueEditor.Reparse(file, splicer.Apply());
            }
        }

        if (ReferenceEquals(current, file))
        {
            return (file.Text, changes, warnings);
        }

        KustomizationImageEditor.Verify(file, current.Text, expected);
        return (current.Text, changes, warnings);
    }

    /// <summary>
    /// The image key is missing, has no value or is an empty <c>{}</c>: it becomes a block of what the spec gives
    /// (<c>repository</c> only when it names one, so an environment's values file that overrides just the tag keeps the
    /// chart's repository), under any missing parents (those, and a key without a value, only with create-missing-keys).
    /// </summary>
    private static ImageChange Create(YamlSplicer splicer, ImageSpec spec, HelmImageKey key, ImageEntry? before, bool create, ref object? expected)
    {
        var file = splicer.File;
        var describe = $"image '{spec.Name}'";
        if (!create && before is null)
        {
            throw DeployException.File(new SourceLocation(file.Path, 1, 1),
                $"{describe}: {file.Path} has no '{key.PathText}' (map the image with helm-image-keys, e.g. {spec.Name}=frontend.image; create-missing-keys is false, so it is not added)");
        }

        var after = spec.ApplyTo(before);
        var leaves = new[] { ("repository", after.NewName), ("tag", after.NewTag), ("digest", after.Digest) }
            .Where(f => f.Item2 is not null)
            .Select(f => new NewLeaf(f.Item1, YamlSplicer.FormatString(f.Item2!, ScalarStyle.Plain), SemanticTree.String(f.Item2!)))
            .ToList();
        if (leaves.Count == 0)
        {
            throw DeployException.Input("images", $"image '{spec.Name}': {file.Path} has no '{key.PathText}', and '{spec}' gives no repository, tag or digest to add");
        }

        var stop = MissingKeys.Walk(file, file.Root, key.Path, describe, splicer.RefuseAnchor);
        var mappings = key.Path.Skip(stop.Depth).OfType<string>().ToList();
        foreach (var (at, value) in MissingKeys.Add(splicer, file.Root, stop, key.Path, mappings, leaves, create, describe))
        {
            if (at.Count == 0)
            {
                expected = value;
            }
            else
            {
                SemanticTree.Set(expected, at, value);
            }
        }

        return new ImageChange(before, after);
    }

    /// <summary>
    /// A key that holds a bare tag (<c>1.27.3</c>) where an image reference belongs would be written as <c>1.27.3:1.28.0</c>:
    /// the run goes on (the chart may be unusual), but says so, with the line and a mapping that fits.
    /// </summary>
    private static EditWarning? NotAReference(YamlText file, ImageSpec spec, HelmImageKey key)
    {
        if (Locate(file, key.Path).Node is not YamlScalar { Kind: ScalarKind.String, Value.Length: > 0 } scalar || ImageSpec.LooksLikeReference(scalar.Value))
        {
            return null;
        }

        var written = Reference(spec.ApplyTo(FromReference(spec.Name, scalar.Value)));
        var tagAlone = $"set: {key.File}:{key.PathText}=TAG";
        var hint = key.Path is [.., string] && key.Path.Count > 1
            ? $"map the image to the mapping that holds the tag ({spec.Name}={key.File}:{ValueSetting.FormatPath(key.Path.Take(key.Path.Count - 1).ToList())}) or set the tag alone ({tagAlone})"
            : $"set the tag alone ({tagAlone}) instead of mapping it with helm-image-keys";
        return new EditWarning(file.At(scalar),
            $"helm-image-keys maps image '{spec.Name}' to '{key.PathText}', whose value '{scalar.Value}' is a tag, not an image reference: it is written as '{written}'; {hint}");
    }

    private static void WriteMapping(YamlSplicer splicer, YamlMapping map, IReadOnlyList<object> path, ImageEntry before, ImageEntry after, object? expected)
    {
        if (after.NewName != before.NewName && after.NewName is { } newName)
        {
            if (map.Find("registry") is not null)
            {
                // Charts that split the registry off (registry: ghcr.io, repository: acme/web).
                var (registry, repository) = SplitRegistry(newName);
                Write(splicer, map, path, "registry", registry, expected);
                Write(splicer, map, path, "repository", repository, expected);
            }
            else
            {
                Write(splicer, map, path, "repository", newName, expected);
            }
        }

        // A removed tag or digest is written as "" (charts keep the key and test it for emptiness).
        if (after.NewTag != before.NewTag)
        {
            Write(splicer, map, path, "tag", after.NewTag ?? string.Empty, expected);
        }

        if (after.Digest != before.Digest)
        {
            Write(splicer, map, path, "digest", after.Digest ?? string.Empty, expected);
        }
    }

    /// <summary>Sets one string field of the image mapping: replaced in its own quoting, filled if empty, added if missing.</summary>
    private static void Write(YamlSplicer splicer, YamlMapping map, IReadOnlyList<object> path, string field, string value, object? expected)
    {
        var fieldPath = path.Append(field).ToList();
        switch (map.Find(field))
        {
            case { Value: YamlScalar { Value.Length: 0, Style: ScalarStyle.Plain, Tag: null } } empty:
                splicer.FillEmptyValue(empty.Key, YamlSplicer.FormatString(value, ScalarStyle.Plain));
                break;
            case { Value: YamlScalar scalar }:
                splicer.ReplaceScalar(scalar, value);
                break;
            case { } other:
                throw DeployException.File(splicer.File.At(other.Value), $"'{ValueSetting.FormatPath(fieldPath)}' must be a single value");
            default:
                if (value.Length == 0)
                {
                    return;
                }

                splicer.InsertPair(map, field, value);
                break;
        }

        SemanticTree.Set(expected, fieldPath, SemanticTree.String(value));
    }

    private static YamlNodeBase? Find(YamlText file, IReadOnlyList<object> path) => Locate(file, path).Node;

    /// <summary>The node at <paramref name="path"/> and the same path with [key=value] selectors resolved to indices.</summary>
    private static (YamlNodeBase? Node, IReadOnlyList<object> Concrete) Locate(YamlText file, IReadOnlyList<object> path)
    {
        var node = file.Root;
        var concrete = new List<object>();
        for (var i = 0; i < path.Count && node is not null; i++)
        {
            var step = (node, path[i]) switch
            {
                (YamlMapping map, string key) => (map.Find(key)?.Value, (object)key),
                (YamlSequence seq, int index) when index < seq.Items.Count => (seq.Items[index], index),
                (YamlSequence seq, ItemMatch match) when match.IndexIn(file, seq, ValueSetting.FormatPath(path.Take(i).ToList())) is var found => (seq.Items[found], found),
                _ => ((YamlNodeBase?)null, path[i]),
            };
            node = step.Item1;
            concrete.Add(step.Item2);
        }

        return (node is YamlScalar { Kind: ScalarKind.Null } ? null : node, concrete);
    }

    private static string? Field(YamlMapping map, string key) =>
        map.Find(key)?.Value is YamlScalar { Kind: not ScalarKind.Null } s && s.Value.Length > 0 ? s.Value : null;

    private static string? Repository(YamlMapping map) =>
        Field(map, "repository") is { } repository && Field(map, "registry") is { } registry ? $"{registry}/{repository}" : Field(map, "repository");

    private static ImageEntry FromReference(string name, string reference)
    {
        var at = reference.IndexOf('@', StringComparison.Ordinal);
        var digest = at >= 0 ? reference[(at + 1)..] : null;
        var rest = at >= 0 ? reference[..at] : reference;
        var colon = rest.LastIndexOf(':');
        var hasTag = colon > rest.LastIndexOf('/');
        return new ImageEntry(name, hasTag ? rest[..colon] : rest, hasTag ? rest[(colon + 1)..] : null, digest);
    }

    private static string Reference(ImageEntry entry) =>
        (entry.NewName ?? entry.Name) + (entry.NewTag is { } tag ? ":" + tag : string.Empty) + (entry.Digest is { } digest ? "@" + digest : string.Empty);

    /// <summary>The registry host is the first component when it looks like one (a dot, a port, or localhost), as docker decides.</summary>
    private static (string Registry, string Repository) SplitRegistry(string name)
    {
        var slash = name.IndexOf('/', StringComparison.Ordinal);
        var first = slash < 0 ? string.Empty : name[..slash];
        return first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost"
            ? (first, name[(slash + 1)..])
            : ("docker.io", name);
    }
}
