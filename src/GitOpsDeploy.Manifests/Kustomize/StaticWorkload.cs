using YamlDotNet.RepresentationModel;

namespace GitOpsDeploy.Manifests.Kustomize;

internal sealed class StaticContainer(string name, bool isInit, string? image)
{
    public string Name { get; set; } = name;

    public bool IsInit { get; } = isInit;

    public string? Image { get; set; } = image;

    public StaticContainer Clone() => new(Name, IsInit, Image);

    /// <summary>A container read from a YAML mapping (a resource or a patch value).</summary>
    public static StaticContainer From(YamlNode node, bool init) =>
        new(node.Scalar("name") ?? string.Empty, init, node.Get("image") is YamlScalarNode s ? s.Value : null);
}

/// <summary>A workload on its way through kustomize's transformers: its identity history and its containers.</summary>
internal sealed class StaticWorkload
{
    public required string ApiVersion { get; init; }

    public required string Kind { get; init; }

    public required string Source { get; init; }

    public required string Name { get; set; }

    /// <summary>Empty when no namespace is set.</summary>
    public required string Namespace { get; set; }

    /// <summary>Every (name, namespace) the workload had before the current one: patches match any of them, as in kustomize.</summary>
    public List<(string Name, string Namespace)> PreviousIds { get; } = [];

    public Dictionary<string, string> Labels { get; init; } = new(StringComparer.Ordinal);

    public Dictionary<string, string> Annotations { get; init; } = new(StringComparer.Ordinal);

    public List<StaticContainer> InitContainers { get; set; } = [];

    public List<StaticContainer> Containers { get; set; } = [];

    public string OriginalName => PreviousIds.Count > 0 ? PreviousIds[0].Name : Name;

    public string OriginalNamespace => PreviousIds.Count > 0 ? PreviousIds[0].Namespace : Namespace;

    public IEnumerable<StaticContainer> AllContainers => InitContainers.Concat(Containers);

    public ResourceRef Ref => new(ApiVersion, Kind, Namespace, Name);

    public void Rename(string name, string @namespace)
    {
        if (name == Name && @namespace == Namespace)
        {
            return;
        }

        PreviousIds.Add((Name, Namespace));
        Name = name;
        Namespace = @namespace;
    }

    public List<StaticContainer> List(bool init) => init ? InitContainers : Containers;

    public void SetList(bool init, List<StaticContainer> list)
    {
        if (init)
        {
            InitContainers = list;
        }
        else
        {
            Containers = list;
        }
    }

    public static StaticWorkload? From(YamlNode node, string source)
    {
        var apiVersion = node.Scalar("apiVersion");
        var kind = node.Scalar("kind");
        if (!WorkloadKinds.IsWorkload(apiVersion, kind))
        {
            return null;
        }

        var metadata = node.Get("metadata");
        var workload = new StaticWorkload
        {
            ApiVersion = apiVersion ?? string.Empty,
            Kind = kind!,
            Source = source,
            Name = metadata.Scalar("name") ?? throw new ManifestException(source, $"a {kind} has no metadata.name; kustomize refuses it"),
            Namespace = metadata.Scalar("namespace") ?? string.Empty,
            Labels = metadata.StringMap("labels"),
            Annotations = metadata.StringMap("annotations"),
        };
        YamlNode? spec = node;
        foreach (var key in WorkloadKinds.PodSpecPath(workload.Kind))
        {
            spec = spec.Get(key);
        }

        workload.InitContainers = (spec.Seq("initContainers") ?? []).Select(c => StaticContainer.From(c, true)).ToList();
        workload.Containers = (spec.Seq("containers") ?? []).Select(c => StaticContainer.From(c, false)).ToList();
        return workload;
    }

    public StaticWorkload Clone()
    {
        var clone = new StaticWorkload
        {
            ApiVersion = ApiVersion,
            Kind = Kind,
            Source = Source,
            Name = Name,
            Namespace = Namespace,
            Labels = new Dictionary<string, string>(Labels, StringComparer.Ordinal),
            Annotations = new Dictionary<string, string>(Annotations, StringComparer.Ordinal),
            InitContainers = InitContainers.Select(c => c.Clone()).ToList(),
            Containers = Containers.Select(c => c.Clone()).ToList(),
        };
        clone.PreviousIds.AddRange(PreviousIds);
        return clone;
    }
}
