using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace GitOpsDeploy.Manifests.Kustomize;

/// <summary>
/// The part of kustomize's patches that decides images: strategic merge patches merge containers
/// by name (a new name adds a container, <c>$patch: delete</c> removes one, <c>image</c> replaces
/// the image), and JSON 6902 operations on the container lists, a container, or its image. Any
/// other change a patch makes does not affect images and is not modelled.
/// </summary>
internal static class StaticPatches
{
    private static readonly TimeSpan RegexTimeout = TimeSpan.FromMilliseconds(200);

    public static void Apply(KustomizePatch patch, List<StaticWorkload> workloads, Action<string> note)
    {
        var docs = YamlDocuments.Load(patch.Source, patch.Text);
        if (docs.Count == 0)
        {
            return;
        }

        if (patch.IsJson6902Field || docs[0] is YamlSequenceNode)
        {
            if (patch.Target is null)
            {
                throw new ManifestException(patch.Source, "a JSON 6902 patch needs a target; kustomize refuses it");
            }

            var ops = docs[0] as YamlSequenceNode ?? throw new ManifestException(patch.Source, "a JSON 6902 patch is a list of operations");
            foreach (var workload in Select(workloads, patch.Target, patch.Source, note))
            {
                ApplyJson6902(ops, workload, patch.Source, note);
            }

            return;
        }

        if (patch.Target is not null)
        {
            if (docs.Count > 1)
            {
                throw new ManifestException(patch.Source, "several strategic merge patches in one 'patches' entry cannot share a target; kustomize refuses it");
            }

            foreach (var workload in Select(workloads, patch.Target, patch.Source, note))
            {
                ApplyStrategicMerge(docs[0], workload, workloads);
            }

            return;
        }

        foreach (var doc in docs)
        {
            var apiVersion = doc.Scalar("apiVersion");
            var kind = doc.Scalar("kind");
            if (!WorkloadKinds.IsWorkload(apiVersion, kind))
            {
                continue;
            }

            var name = doc.Get("metadata").Scalar("name") ?? string.Empty;
            var ns = Effective(doc.Get("metadata").Scalar("namespace") ?? string.Empty);
            var matches = workloads.Where(w => w.ApiVersion == apiVersion && w.Kind == kind
                && w.PreviousIds.Append((w.Name, w.Namespace)).Any(id => id.Item1 == name && Effective(id.Item2) == ns)).ToList();
            if (matches.Count != 1)
            {
                note($"{patch.Source}: the strategic merge patch for {kind} {name} matches {matches.Count} workloads (kustomize needs exactly one); not applied");
                continue;
            }

            ApplyStrategicMerge(doc, matches[0], workloads);
        }
    }

    private static string Effective(string ns) => ns.Length == 0 ? "default" : ns;

    private static List<StaticWorkload> Select(List<StaticWorkload> workloads, YamlNode target, string source, Action<string> note)
    {
        if (target.Scalar("annotationSelector") is not null)
        {
            note($"{source}: a patch target with an annotationSelector is not evaluated; the patch is not applied");
            return [];
        }

        var group = target.Scalar("group");
        var version = target.Scalar("version");
        var kind = target.Scalar("kind");
        var name = target.Scalar("name");
        var ns = target.Scalar("namespace");
        var labels = target.Scalar("labelSelector");
        var selected = new List<StaticWorkload>();
        foreach (var w in workloads)
        {
            var slash = w.ApiVersion.IndexOf('/', StringComparison.Ordinal);
            var (wGroup, wVersion) = slash < 0 ? (string.Empty, w.ApiVersion) : (w.ApiVersion[..slash], w.ApiVersion[(slash + 1)..]);
            if ((!string.IsNullOrEmpty(ns) && !Matches(ns, Effective(w.OriginalNamespace)) && !Matches(ns, Effective(w.Namespace)))
                || (!string.IsNullOrEmpty(name) && !Matches(name, w.OriginalName) && !Matches(name, w.Name))
                || (!string.IsNullOrEmpty(group) && !Matches(group, wGroup))
                || (!string.IsNullOrEmpty(version) && !Matches(version, wVersion))
                || (!string.IsNullOrEmpty(kind) && !Matches(kind, w.Kind)))
            {
                continue;
            }

            if (!string.IsNullOrEmpty(labels))
            {
                var matched = LabelsMatch(labels, w.Labels);
                if (matched is null)
                {
                    note($"{source}: the labelSelector '{labels}' uses set-based requirements, which are not evaluated; the patch is not applied");
                    return [];
                }

                if (matched == false)
                {
                    continue;
                }
            }

            selected.Add(w);
        }

        return selected;
    }

    private static bool Matches(string pattern, string value)
    {
        try
        {
            return Regex.IsMatch(value, "^(?:" + pattern + ")$", RegexOptions.CultureInvariant, RegexTimeout);
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>Equality-based selectors (<c>a=b,c!=d,e,!f</c>); null for set-based ones.</summary>
    private static bool? LabelsMatch(string selector, Dictionary<string, string> labels)
    {
        foreach (var raw in selector.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (raw.Contains(" in ", StringComparison.Ordinal) || raw.Contains(" notin ", StringComparison.Ordinal) || raw.Contains('(', StringComparison.Ordinal))
            {
                return null;
            }

            if (raw.Contains("!=", StringComparison.Ordinal))
            {
                var parts = raw.Split("!=", 2, StringSplitOptions.TrimEntries);
                if (labels.TryGetValue(parts[0], out var v) && v == parts[1])
                {
                    return false;
                }
            }
            else if (raw.Contains('=', StringComparison.Ordinal))
            {
                var parts = raw.Split(raw.Contains("==", StringComparison.Ordinal) ? "==" : "=", 2, StringSplitOptions.TrimEntries);
                if (!labels.TryGetValue(parts[0], out var v) || v != parts[1])
                {
                    return false;
                }
            }
            else if (raw.StartsWith('!'))
            {
                if (labels.ContainsKey(raw[1..].Trim()))
                {
                    return false;
                }
            }
            else if (!labels.ContainsKey(raw))
            {
                return false;
            }
        }

        return true;
    }

    private static void ApplyStrategicMerge(YamlNode doc, StaticWorkload workload, List<StaticWorkload> workloads)
    {
        if (doc.Scalar("$patch") == "delete")
        {
            workloads.Remove(workload);
            return;
        }

        YamlNode? spec = doc;
        foreach (var key in WorkloadKinds.PodSpecPath(workload.Kind))
        {
            spec = spec.Get(key);
        }

        if (spec is null)
        {
            return;
        }

        var replaceSpec = spec.Scalar("$patch") == "replace";
        foreach (var init in new[] { true, false })
        {
            var field = init ? "initContainers" : "containers";
            var items = spec.Seq(field);
            if (items is null)
            {
                if (replaceSpec)
                {
                    workload.SetList(init, []);
                }

                continue;
            }

            var replaceList = replaceSpec || items.Any(i => i.Scalar("$patch") == "replace" && i.Scalar("name") is null);
            var list = replaceList ? [] : workload.List(init);
            foreach (var item in items)
            {
                var directive = item.Scalar("$patch");
                var name = item.Scalar("name");
                if (name is null)
                {
                    continue;
                }

                var existing = list.FindIndex(c => c.Name == name);
                if (directive == "delete")
                {
                    if (existing >= 0)
                    {
                        list.RemoveAt(existing);
                    }

                    continue;
                }

                if (existing < 0 || directive == "replace")
                {
                    var container = StaticContainer.From(item, init);
                    if (existing >= 0)
                    {
                        list[existing] = container;
                    }
                    else
                    {
                        list.Add(container);
                    }

                    continue;
                }

                if (item is YamlMappingNode map && map.Children.TryGetValue(new YamlScalarNode("image"), out var image))
                {
                    list[existing].Image = YamlDocuments.IsNull(image) ? null : (image as YamlScalarNode)?.Value;
                }
            }

            workload.SetList(init, list);
        }
    }

    private static void ApplyJson6902(YamlSequenceNode ops, StaticWorkload workload, string source, Action<string> note)
    {
        var specPath = WorkloadKinds.PodSpecPath(workload.Kind);
        foreach (var op in ops)
        {
            var kind = op.Scalar("op");
            var path = op.Scalar("path");
            if (kind is null || path is null)
            {
                throw new ManifestException(source, "a JSON 6902 operation needs 'op' and 'path'");
            }

            var tokens = Pointer(path);
            var value = op.Get("value");
            if (kind is "test")
            {
                continue;
            }

            if (kind is "copy" or "move")
            {
                var from = Pointer(op.Scalar("from") ?? string.Empty);
                if (Touches(tokens, specPath) || Touches(from, specPath))
                {
                    note($"{source}: a JSON 6902 '{kind}' into the containers ({path}) is not evaluated");
                }

                continue;
            }

            // An operation on the pod spec or above it replaces the container lists with the value's.
            if (tokens.Count <= specPath.Count && tokens.SequenceEqual(specPath.Take(tokens.Count)))
            {
                YamlNode? spec = kind == "remove" ? null : value;
                foreach (var key in specPath.Skip(tokens.Count))
                {
                    spec = spec.Get(key);
                }

                workload.InitContainers = (spec.Seq("initContainers") ?? []).Select(c => StaticContainer.From(c, true)).ToList();
                workload.Containers = (spec.Seq("containers") ?? []).Select(c => StaticContainer.From(c, false)).ToList();
                continue;
            }

            if (tokens.Count <= specPath.Count || !tokens.Take(specPath.Count).SequenceEqual(specPath)
                || tokens[specPath.Count] is not ("containers" or "initContainers"))
            {
                continue;
            }

            var init = tokens[specPath.Count] == "initContainers";
            var list = workload.List(init);
            var rest = tokens.Skip(specPath.Count + 1).ToList();
            if (rest.Count == 0)
            {
                workload.SetList(init, kind == "remove" ? [] : (value as YamlSequenceNode ?? []).Select(c => StaticContainer.From(c, init)).ToList());
                continue;
            }

            var append = rest[0] == "-";
            if (!append && !int.TryParse(rest[0], NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                note($"{source}: the JSON 6902 path '{path}' does not index the container list; not evaluated");
                continue;
            }

            var index = append ? list.Count : int.Parse(rest[0], NumberStyles.None, CultureInfo.InvariantCulture);
            var inRange = kind == "add" && rest.Count == 1 ? index <= list.Count : index < list.Count;
            if (!inRange)
            {
                note($"{source}: the JSON 6902 path '{path}' is out of range for {workload.Ref}; kustomize refuses such a patch");
                continue;
            }

            if (rest.Count == 1)
            {
                switch (kind)
                {
                    case "add" when value is YamlMappingNode:
                        list.Insert(index, StaticContainer.From(value, init));
                        break;
                    case "replace" when value is YamlMappingNode:
                        list[index] = StaticContainer.From(value, init);
                        break;
                    case "remove":
                        list.RemoveAt(index);
                        break;
                    default:
                        break;
                }

                continue;
            }

            if (rest.Count == 2 && rest[1] == "image")
            {
                list[index].Image = kind == "remove" ? null : (value as YamlScalarNode)?.Value;
            }
            else if (rest.Count == 2 && rest[1] == "name" && kind is "add" or "replace" && value is YamlScalarNode nameValue)
            {
                list[index].Name = nameValue.Value ?? string.Empty;
            }
        }
    }

    private static bool Touches(List<string> tokens, IReadOnlyList<string> specPath) =>
        tokens.Take(specPath.Count).SequenceEqual(specPath.Take(Math.Min(tokens.Count, specPath.Count)));

    private static List<string> Pointer(string path) =>
        path.Length == 0 ? [] : path.TrimStart('/').Split('/').Select(t => t.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToList();
}
