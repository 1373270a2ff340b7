using YamlDotNet.RepresentationModel;

namespace GitOpsDeploy.Manifests;

/// <summary>A Kubernetes object as it is shown: kind, namespace (empty when none is set) and name.</summary>
public sealed record ResourceRef(string ApiVersion, string Kind, string Namespace, string Name)
{
    /// <summary>The API group (<c>apps</c> for <c>apps/v1</c>, empty for the core group).</summary>
    public string Group => ApiVersion.Contains('/', StringComparison.Ordinal) ? ApiVersion[..ApiVersion.IndexOf('/', StringComparison.Ordinal)] : string.Empty;

    /// <summary><c>Deployment prod/web</c>, or <c>Deployment web</c> without a namespace.</summary>
    public override string ToString() => Namespace.Length == 0 ? $"{Kind} {Name}" : $"{Kind} {Namespace}/{Name}";
}

/// <summary>One container of a workload and the image it runs.</summary>
/// <param name="Image">Null when the container sets no image.</param>
/// <param name="Source">The repository file the workload was read from.</param>
public sealed record WorkloadContainer(ResourceRef Workload, string Container, bool IsInit, string? Image, string Source)
{
    public override string ToString() => $"{Workload} {(IsInit ? "initContainer" : "container")} {Container}: {Image ?? "(no image)"}";
}

/// <summary>A container whose image differs between two states (null: the container, or its image, is absent on that side).</summary>
public sealed record ContainerImageChange(ResourceRef Workload, string Container, bool IsInit, string? Before, string? After)
{
    public override string ToString() => $"{Workload} {(IsInit ? "initContainer" : "container")} {Container}: {Before ?? "(none)"} -> {After ?? "(none)"}";
}

/// <summary>The kinds whose pods run containers, and where their pod spec lives.</summary>
public static class WorkloadKinds
{
    private static readonly Dictionary<string, string[]> PodSpecPaths = new(StringComparer.Ordinal)
    {
        ["Pod"] = ["spec"],
        ["Deployment"] = ["spec", "template", "spec"],
        ["StatefulSet"] = ["spec", "template", "spec"],
        ["DaemonSet"] = ["spec", "template", "spec"],
        ["ReplicaSet"] = ["spec", "template", "spec"],
        ["ReplicationController"] = ["spec", "template", "spec"],
        ["Job"] = ["spec", "template", "spec"],
        ["Rollout"] = ["spec", "template", "spec"],
        ["CronJob"] = ["spec", "jobTemplate", "spec", "template", "spec"],
    };

    /// <summary>The kinds read as workloads (Argo Rollouts' <c>Rollout</c> among them).</summary>
    public static IReadOnlyCollection<string> All => PodSpecPaths.Keys;

    /// <summary>True for a kind whose containers are read; <c>Rollout</c> only in the <c>argoproj.io</c> group.</summary>
    public static bool IsWorkload(string? apiVersion, string? kind) =>
        kind is not null && PodSpecPaths.ContainsKey(kind) && (kind != "Rollout" || (apiVersion ?? string.Empty).StartsWith("argoproj.io/", StringComparison.Ordinal));

    /// <summary>The field path of the pod spec (<c>spec.template.spec</c>, CronJob's <c>spec.jobTemplate.spec.template.spec</c>).</summary>
    public static IReadOnlyList<string> PodSpecPath(string kind) => PodSpecPaths[kind];

    /// <summary>The containers and init containers of a workload object (empty for any other object).</summary>
    public static IReadOnlyList<(string Name, bool IsInit, string? Image)> Containers(YamlNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var kind = node.Scalar("kind");
        if (!IsWorkload(node.Scalar("apiVersion"), kind))
        {
            return [];
        }

        YamlNode? spec = node;
        foreach (var key in PodSpecPaths[kind!])
        {
            spec = spec.Get(key);
        }

        var result = new List<(string, bool, string?)>();
        foreach (var (field, init) in new[] { ("initContainers", true), ("containers", false) })
        {
            foreach (var container in spec.Seq(field) ?? [])
            {
                result.Add((container.Scalar("name") ?? string.Empty, init, container.Get("image") is YamlScalarNode s ? s.Value : null));
            }
        }

        return result;
    }
}
