using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.EventEmitters;

namespace GitOpsDeploy.Manifests.Diff;

/// <summary>
/// One text form for renders made by different renderers, so that a resource reads the same whichever rendered it:
/// Argo CD's repo-server answers one JSON object per resource (keys sorted, tracking metadata added, Secret values
/// hidden) while <c>kubectl kustomize</c> and <c>helm template</c> write YAML in their own key order. Both sides of
/// a mixed diff go through <see cref="Normalize"/>: keys sorted, scalars typed as YAML's core schema reads them,
/// multi-line strings as literal blocks, Argo CD's tracking annotation (and its instance label, when it names the
/// application) removed, and a core Secret's values replaced by <see cref="HiddenValue"/> under <c>data</c>
/// (<c>stringData</c> folded in, as Argo CD does before it hides them): the renders can only be compared by keys there.
/// </summary>
public static partial class CanonicalResources
{
    /// <summary>What every value of a Secret reads after normalisation (Argo CD never answers them).</summary>
    public const string HiddenValue = "(hidden by Argo CD)";

    /// <summary>The annotation Argo CD's annotation tracking (its default) sets on every resource it renders.</summary>
    public const string TrackingAnnotation = "argocd.argoproj.io/tracking-id";

    /// <summary>The label Argo CD's label tracking sets to the application's name.</summary>
    public const string InstanceLabel = "app.kubernetes.io/instance";

    private static readonly ISerializer Serializer = new SerializerBuilder()
        .WithQuotingNecessaryStrings()
        .WithEventEmitter(next => new LiteralBlocks(next))
        .DisableAliases()
        .Build();

    /// <summary>Argo CD's answer (one JSON document per resource) as resources, in the order Argo CD gave them.</summary>
    public static IReadOnlyList<RenderedResource> FromJsonManifests(IEnumerable<string> manifests)
    {
        ArgumentNullException.ThrowIfNull(manifests);
        return RenderedResource.Split(string.Join("\n---\n", manifests.Select(m => m.Trim())));
    }

    /// <summary>The resources in the canonical text form (see the type); an unparsed document is kept as it is.</summary>
    /// <param name="application">The Argo CD application whose tracking metadata is removed (its instance label only when it names it).</param>
    public static IReadOnlyList<RenderedResource> Normalize(IReadOnlyList<RenderedResource> resources, string application)
    {
        ArgumentNullException.ThrowIfNull(resources);
        ArgumentNullException.ThrowIfNull(application);
        return [.. resources.Select(r => NormalizeOne(r, application))];
    }

    private static RenderedResource NormalizeOne(RenderedResource resource, string application)
    {
        if (resource.Node is not YamlMappingNode root || ToValue(root) is not SortedDictionary<string, object?> value)
        {
            return resource;
        }

        if (value.GetValueOrDefault("metadata") is SortedDictionary<string, object?> metadata)
        {
            Remove(metadata, "annotations", TrackingAnnotation, _ => true);
            Remove(metadata, "labels", InstanceLabel, v => v as string == application);
        }

        if (SecretRedactor.IsSecret(resource))
        {
            var keys = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var field in new[] { "data", "stringData" })
            {
                if (value.GetValueOrDefault(field) is SortedDictionary<string, object?> entries)
                {
                    keys.UnionWith(entries.Keys);
                    value.Remove(field);
                }
            }

            if (keys.Count > 0)
            {
                value["data"] = new SortedDictionary<string, object?>(keys.ToDictionary(k => k, _ => (object?)HiddenValue), StringComparer.Ordinal);
            }
        }

        var text = Serializer.Serialize(value);
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return resource with { Text = text, Node = stream.Documents[0].RootNode };
    }

    private static void Remove(SortedDictionary<string, object?> metadata, string field, string key, Func<object?, bool> when)
    {
        if (metadata.GetValueOrDefault(field) is SortedDictionary<string, object?> map && map.TryGetValue(key, out var found) && when(found))
        {
            map.Remove(key);
            if (map.Count == 0)
            {
                metadata.Remove(field);
            }
        }
    }

    /// <summary>A node as plain values: mappings with ordinal-sorted keys, sequences, scalars typed by YAML 1.2's core schema.</summary>
    private static object? ToValue(YamlNode node) => node switch
    {
        YamlMappingNode mapping => new SortedDictionary<string, object?>(
            mapping.Children.GroupBy(c => (c.Key as YamlScalarNode)?.Value ?? c.Key.ToString(), StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => ToValue(g.Last().Value), StringComparer.Ordinal),
            StringComparer.Ordinal),
        YamlSequenceNode sequence => sequence.Children.Select(ToValue).ToList(),
        YamlScalarNode scalar => Scalar(scalar),
        _ => null,
    };

    private static object? Scalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? string.Empty;
        if (scalar.Style != ScalarStyle.Plain)
        {
            return text;
        }

        if (text is "" or "~" or "null" or "Null" or "NULL")
        {
            return null;
        }

        if (text is "true" or "True" or "TRUE" or "false" or "False" or "FALSE")
        {
            return text[0] is 't' or 'T';
        }

        if (Integer().IsMatch(text) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return integer;
        }

        return Float().IsMatch(text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) ? number : text;
    }

    [GeneratedRegex("^[-+]?[0-9]+$")]
    private static partial Regex Integer();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex Float();

    /// <summary>Multi-line strings as literal blocks (as the tools print them), so a line diff shows the line that changed.</summary>
    private sealed class LiteralBlocks(IEventEmitter next) : ChainedEventEmitter(next)
    {
        public override void Emit(ScalarEventInfo eventInfo, IEmitter emitter)
        {
            if (eventInfo.Source.Value is string text && text.Contains('\n', StringComparison.Ordinal))
            {
                eventInfo.Style = ScalarStyle.Literal;
            }

            base.Emit(eventInfo, emitter);
        }
    }
}
