using GitOpsDeploy.Manifests.Files;
using GitOpsDeploy.Manifests.Images;
using YamlDotNet.RepresentationModel;

namespace GitOpsDeploy.Manifests.Kustomize;

/// <summary>
/// Builds a kustomize overlay statically, far enough to know its workloads and their images: it
/// follows <c>resources</c>, <c>bases</c> and <c>components</c> (local folders and files inside the
/// repository), applies each level's patches to containers, <c>namespace</c>, <c>namePrefix</c>,
/// <c>nameSuffix</c> and <c>images</c> in kustomize's order, inner levels first. No renderer runs.
/// </summary>
public sealed partial class KustomizeAnalyzer
{
    private const int MaxDepth = 64;

    private readonly IManifestFiles files;
    private readonly Dictionary<string, Kustomization> kustomizations = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyList<YamlNode>> documents = new(StringComparer.Ordinal);

    public KustomizeAnalyzer(IManifestFiles files)
    {
        ArgumentNullException.ThrowIfNull(files);
        this.files = files;
    }

    /// <summary>The overlay's workloads and images as they would render now.</summary>
    /// <exception cref="ManifestException">The overlay escapes the repository, is missing, or would not build.</exception>
    public KustomizeAnalysis Analyze(string overlay)
    {
        var run = new Run(ManifestPath.Normalize(overlay), null);
        return Build(run);
    }

    /// <summary>What setting the overlay's entry <paramref name="name"/> to <paramref name="after"/> changes, from the entry it has now.</summary>
    /// <param name="after">The entry as it will be written (kustomize replaces the whole entry); null removes it.</param>
    public ImageEditImpact PredictImageEdit(string overlay, string name, KustomizeImage? after)
    {
        var path = ManifestPath.Normalize(overlay);
        var current = Load(path).Images;
        return PredictImageEdit(overlay, name, current.FirstOrDefault(i => i.Name == name), after);
    }

    /// <summary>
    /// What changing the overlay's entry <paramref name="name"/> from <paramref name="before"/> to
    /// <paramref name="after"/> changes (null: no such entry). The first entry with that name is
    /// replaced; without one, the entry is appended, as the action does.
    /// </summary>
    public ImageEditImpact PredictImageEdit(string overlay, string name, KustomizeImage? before, KustomizeImage? after)
    {
        ArgumentNullException.ThrowIfNull(name);
        var path = ManifestPath.Normalize(overlay);
        var current = Load(path).Images;
        var index = current.ToList().FindIndex(i => i.Name == name);
        var beforeRun = new Run(path, With(current, index, before));
        var afterRun = new Run(path, With(current, index, after));
        var beforeAnalysis = Build(beforeRun);
        var afterAnalysis = Build(afterRun);

        var snapshotAt = index < 0 ? current.Count : index;
        var reaching = afterRun.Snapshots.Count > snapshotAt ? afterRun.Snapshots[snapshotAt] : beforeRun.Snapshots.ElementAtOrDefault(snapshotAt) ?? [];
        var matched = reaching.Any(image => ImageTransform.IsMatched(image, name));
        // Names an entry can use: those reaching the overlay (an existing entry applies first) and those
        // leaving it (an appended entry applies last).
        var available = (afterRun.Snapshots.FirstOrDefault() ?? []).Concat(afterRun.Snapshots.LastOrDefault() ?? [])
            .Select(ImageTransform.NameOf).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

        var changes = new List<ContainerImageChange>();
        var beforeByKey = Keyed(beforeAnalysis.Containers).ToDictionary(x => x.Key, x => x.Container);
        var afterKeyed = Keyed(afterAnalysis.Containers).ToList();
        foreach (var (key, container) in afterKeyed)
        {
            var old = beforeByKey.TryGetValue(key, out var b) ? b.Image : null;
            if (old != container.Image)
            {
                changes.Add(new ContainerImageChange(container.Workload, container.Container, container.IsInit, old, container.Image));
            }
        }

        var afterKeys = afterKeyed.Select(x => x.Key).ToHashSet();
        foreach (var (key, container) in Keyed(beforeAnalysis.Containers).Where(x => !afterKeys.Contains(x.Key)))
        {
            changes.Add(new ContainerImageChange(container.Workload, container.Container, container.IsInit, container.Image, null));
        }

        var suggestion = matched ? null : Closest(name, available);
        var notes = beforeAnalysis.Notes.Concat(afterAnalysis.Notes).Distinct().ToList();
        return new ImageEditImpact(name, before, after, matched, changes, available, suggestion, notes);
    }

    /// <summary>The available name closest to <paramref name="name"/>: edit distance to the whole name or to its last path component, ties in ordinal order.</summary>
    internal static string? Closest(string name, IReadOnlyList<string> available) =>
        available
            .Select(candidate => (Candidate: candidate, Distance: Math.Min(Distance(name, candidate), Distance(Last(name), Last(candidate)) + 1)))
            .OrderBy(x => x.Distance).ThenBy(x => x.Candidate, StringComparer.Ordinal)
            .Select(x => x.Candidate)
            .FirstOrDefault();

    /// <summary>Levenshtein distance.</summary>
    internal static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    private static string Last(string name) => name[(name.LastIndexOf('/') + 1)..];

    private static List<KustomizeImage> With(IReadOnlyList<KustomizeImage> current, int index, KustomizeImage? entry)
    {
        var list = current.ToList();
        if (index >= 0)
        {
            if (entry is null)
            {
                list.RemoveAt(index);
            }
            else
            {
                list[index] = entry;
            }
        }
        else if (entry is not null)
        {
            list.Add(entry);
        }

        return list;
    }

    /// <summary>Containers keyed by workload and container (with an occurrence number for duplicates).</summary>
    private static IEnumerable<(string Key, WorkloadContainer Container)> Keyed(IReadOnlyList<WorkloadContainer> containers)
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var c in containers)
        {
            var key = $"{c.Workload.Group}|{c.Workload.Kind}|{c.Workload.Namespace}|{c.Workload.Name}|{c.IsInit}|{c.Container}";
            seen[key] = seen.GetValueOrDefault(key) + 1;
            yield return ($"{key}|{seen[key]}", c);
        }
    }

    private KustomizeAnalysis Build(Run run)
    {
        var workloads = Accumulate(run, run.Overlay, [], isComponent: null, depth: 0);
        var top = Load(run.Overlay);
        var containers = workloads
            .SelectMany(w => w.AllContainers.Select(c => new WorkloadContainer(w.Ref, c.Name, c.IsInit, c.Image, w.Source)))
            .ToList();
        return new KustomizeAnalysis(
            run.Overlay,
            containers,
            run.TopImages ?? top.Images,
            (run.Snapshots.FirstOrDefault() ?? []).Select(ImageTransform.NameOf).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList(),
            run.Kustomizations,
            run.Files.Order(StringComparer.Ordinal).ToList(),
            run.Directories.Order(StringComparer.Ordinal).ToList(),
            run.Notes)
        {
            InflatesHelmCharts = run.InflatesHelmCharts,
        };
    }

    private Kustomization Load(string directory)
    {
        if (!kustomizations.TryGetValue(directory, out var k))
        {
            if (!files.IsDirectory(directory))
            {
                throw new ManifestException(directory.Length == 0 ? "." : directory, "is not a folder in the repository");
            }

            k = Kustomization.Load(files, directory);
            kustomizations[directory] = k;
        }

        return k;
    }

    /// <summary>kustomize's accumulateTarget: resources, then components, then this level's transformers.</summary>
    /// <param name="isComponent">Null for the overlay itself, which may be either.</param>
    private List<StaticWorkload> Accumulate(Run run, string directory, List<StaticWorkload> accumulated, bool? isComponent, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new ManifestException(directory, $"kustomizations nest deeper than {MaxDepth} levels");
        }

        if (run.Building.Contains(directory))
        {
            throw new ManifestException(directory, $"is included in a cycle ({string.Join(" -> ", run.Building.Reverse().Append(directory))}); kustomize refuses it");
        }

        var k = Load(directory);
        if (isComponent == true && !k.IsComponent)
        {
            throw new ManifestException(k.Path, "is listed under 'components' but is not a kind: Component; kustomize refuses it");
        }

        if (isComponent == false && k.IsComponent)
        {
            throw new ManifestException(k.Path, "is a kind: Component listed as a resource; list it under 'components'");
        }

        run.Building.Push(directory);
        run.Visit(k);
        foreach (var what in k.Unmodelled)
        {
            run.Note(NoteKind.NotModelled, k.Path, what);
        }

        foreach (var resource in k.Resources)
        {
            if (IsRemote(resource))
            {
                run.Note(NoteKind.NotFollowed, k.Path, $"remote resource '{resource}' is not followed: its workloads are not seen");
                continue;
            }

            var path = k.Join(resource);
            if (files.IsFile(path))
            {
                var file = k.LocalFile(resource, "resources");
                run.Files.Add(file);
                accumulated.AddRange(ReadWorkloads(file));
            }
            else if (files.IsDirectory(path))
            {
                accumulated.AddRange(Accumulate(run, path, [], isComponent: false, depth + 1));
            }
            else
            {
                throw new ManifestException(k.Path, $"resource '{resource}' does not exist ({(path.Length == 0 ? "." : path)})");
            }
        }

        foreach (var component in k.Components)
        {
            if (IsRemote(component))
            {
                run.Note(NoteKind.NotFollowed, k.Path, $"remote component '{component}' is not followed: its effect is not seen");
                continue;
            }

            var path = k.Join(component);
            if (!files.IsDirectory(path))
            {
                throw new ManifestException(k.Path, $"component '{component}' is not a folder ({path})");
            }

            accumulated = Accumulate(run, path, accumulated, isComponent: true, depth + 1);
        }

        RefuseDuplicates(k, accumulated);
        Transform(run, k, accumulated, directory == run.Overlay && depth == 0);
        run.Building.Pop();
        return accumulated;
    }

    private static void RefuseDuplicates(Kustomization k, List<StaticWorkload> workloads)
    {
        var duplicate = workloads.GroupBy(w => (w.Ref.Group, w.Kind, w.Namespace.Length == 0 ? "default" : w.Namespace, w.Name)).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            var first = duplicate.First();
            throw new ManifestException(k.Path, $"{first.Ref} is defined twice ({string.Join(", ", duplicate.Select(w => w.Source).Distinct())}); kustomize refuses it (\"may not add resource with an already registered id\")");
        }
    }

    /// <summary>kustomize's builtin transformers in its order: patches, namespace, prefix, suffix, labels, JSON 6902 patches, images.</summary>
    private static void Transform(Run run, Kustomization k, List<StaticWorkload> workloads, bool isOverlay)
    {
        foreach (var patch in k.Patches)
        {
            StaticPatches.Apply(patch, workloads, m => run.Note(NoteKind.Warning, k.Path, m));
        }

        if (!string.IsNullOrEmpty(k.Namespace))
        {
            workloads.ForEach(w => w.Rename(w.Name, k.Namespace));
        }

        if (!string.IsNullOrEmpty(k.NamePrefix))
        {
            workloads.ForEach(w => w.Rename(k.NamePrefix + w.Name, w.Namespace));
        }

        if (!string.IsNullOrEmpty(k.NameSuffix))
        {
            workloads.ForEach(w => w.Rename(w.Name + k.NameSuffix, w.Namespace));
        }

        foreach (var (key, value) in k.Labels)
        {
            workloads.ForEach(w => w.Labels[key] = value);
        }

        foreach (var patch in k.Json6902Patches)
        {
            StaticPatches.Apply(patch, workloads, m => run.Note(NoteKind.Warning, k.Path, m));
        }

        var images = isOverlay && run.TopImages is not null ? run.TopImages : k.Images;
        foreach (var entry in images)
        {
            if (isOverlay)
            {
                run.Snapshots.Add(Images(workloads));
            }

            foreach (var container in workloads.SelectMany(w => w.AllContainers))
            {
                if (container.Image is not null)
                {
                    container.Image = ImageTransform.Apply(container.Image, entry);
                }
            }
        }

        if (isOverlay)
        {
            run.Snapshots.Add(Images(workloads));
        }
    }

    private static List<string> Images(List<StaticWorkload> workloads) =>
        workloads.SelectMany(w => w.AllContainers).Select(c => c.Image).OfType<string>().ToList();

    private IEnumerable<StaticWorkload> ReadWorkloads(string path)
    {
        if (!documents.TryGetValue(path, out var docs))
        {
            docs = YamlDocuments.Load(path, YamlDocuments.Text(files.Read(path)));
            documents[path] = docs;
        }

        foreach (var doc in docs)
        {
            if (doc is not YamlMappingNode)
            {
                throw new ManifestException(path, "holds a YAML document that is not a mapping; kustomize refuses it");
            }

            var kind = doc.Scalar("kind");
            if (kind is not null && kind.EndsWith("List", StringComparison.Ordinal) && doc.Seq("items") is { } items)
            {
                foreach (var item in items)
                {
                    if (StaticWorkload.From(item, path) is { } listed)
                    {
                        yield return listed;
                    }
                }

                continue;
            }

            if (StaticWorkload.From(doc, path) is { } workload)
            {
                yield return workload;
            }
        }
    }

    /// <summary>
    /// A git or HTTP(S) reference kustomize would fetch: not followed. Besides URLs and scp-like <c>git@</c>, kustomize
    /// reads <c>HOST/OWNER/REPO...</c> as a remote when its first segment is a host name (any forge, an Enterprise
    /// Server's included), so no host is named here.
    /// </summary>
    internal static bool IsRemote(string reference) =>
        reference.Contains("://", StringComparison.Ordinal)
        || reference.StartsWith("git@", StringComparison.Ordinal)
        || HostPath().IsMatch(reference)
        || reference.Contains("?ref=", StringComparison.Ordinal)
        || reference.Contains(".git//", StringComparison.Ordinal);

    /// <summary>A first segment with a dot in it and a letter top-level label (a host name), then at least OWNER/REPO.</summary>
    [System.Text.RegularExpressions.GeneratedRegex(@"^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/[^/]+/[^/]+", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex HostPath();

    private sealed class Run(string overlay, IReadOnlyList<KustomizeImage>? topImages)
    {
        private readonly HashSet<string> seenNotes = [];

        public string Overlay { get; } = overlay;

        public IReadOnlyList<KustomizeImage>? TopImages { get; } = topImages;

        public Stack<string> Building { get; } = new();

        public List<string> Kustomizations { get; } = [];

        public HashSet<string> Files { get; } = new(StringComparer.Ordinal);

        public HashSet<string> Directories { get; } = new(StringComparer.Ordinal);

        public List<ManifestNote> Notes { get; } = [];

        public bool InflatesHelmCharts { get; private set; }

        /// <summary>The images reaching each entry of the overlay's images list, then the final images.</summary>
        public List<List<string>> Snapshots { get; } = [];

        public void Visit(Kustomization k)
        {
            if (!Kustomizations.Contains(k.Path, StringComparer.Ordinal))
            {
                Kustomizations.Add(k.Path);
            }

            Files.Add(k.Path);
            Files.UnionWith(k.ReferencedFiles);
            InflatesHelmCharts |= k.InflatesHelmCharts;
            Directories.UnionWith(k.ReferencedDirectories);
        }

        public void Note(NoteKind kind, string path, string message)
        {
            if (seenNotes.Add($"{kind}|{path}|{message}"))
            {
                Notes.Add(new ManifestNote(kind, path, message));
            }
        }
    }
}
