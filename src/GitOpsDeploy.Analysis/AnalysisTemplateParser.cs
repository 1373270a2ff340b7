using System.Globalization;
using System.Text;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace GitOpsDeploy.Analysis;

/// <summary>
/// Reads the Prometheus subset of Argo Rollouts' <c>AnalysisTemplate</c> / <c>ClusterAnalysisTemplate</c>
/// (argoproj.io/v1alpha1), or the same <c>metrics:</c> list given inline. Every string of a metric has its
/// <c>{{args.NAME}}</c> tags replaced first (as Argo Rollouts does), then conditions are parsed and the metric validated.
/// Anything that this action cannot honour (another provider, dryRun, authentication, a field it does not know) is an
/// <see cref="AnalysisSpecException"/> naming the file and line.
/// </summary>
public static class AnalysisTemplateParser
{
    public const string ApiVersion = "argoproj.io/v1alpha1";

    private static readonly string[] MetricFields =
    [
        "name", "interval", "initialDelay", "count", "successCondition", "failureCondition", "failureLimit",
        "inconclusiveLimit", "consecutiveErrorLimit", "consecutiveSuccessLimit", "provider",
    ];

    private static readonly Dictionary<string, string> UnsupportedPrometheusFields = new(StringComparer.Ordinal)
    {
        ["authentication"] = "give the action a bearer token instead",
        ["headers"] = "give the action a bearer token instead",
        ["insecure"] = "TLS verification cannot be turned off",
        ["rangeQuery"] = "only instant queries are run",
    };

    private static readonly Dictionary<string, string> NoReasons = new(StringComparer.Ordinal);

    private static readonly Dictionary<string, string> UnsupportedSpecFields = new(StringComparer.Ordinal)
    {
        ["dryRun"] = "every metric counts here",
        ["measurementRetention"] = "measurements are not stored",
        ["templates"] = "put the metrics in one template",
    };

    /// <summary>
    /// Parses an AnalysisTemplate or ClusterAnalysisTemplate. In a file with several documents, the one of that kind is taken;
    /// with several such, <paramref name="templateName"/> (metadata.name) chooses.
    /// </summary>
    /// <param name="args">Argument values; they override the template's <c>spec.args</c> defaults, and every argument must end up with a value.</param>
    public static AnalysisSpec ParseTemplate(string yaml, string source, IReadOnlyDictionary<string, string>? args = null, AnalysisOptions? options = null, string? templateName = null)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        var documents = Load(yaml, source);
        var templates = new List<(YamlMappingNode Root, string Name)>();
        foreach (var document in documents)
        {
            if (document.RootNode is not YamlMappingNode root || Child(root, "kind") is not YamlScalarNode kind
                || kind.Value is not ("AnalysisTemplate" or "ClusterAnalysisTemplate"))
            {
                continue;
            }

            var name = Child(root, "metadata") is YamlMappingNode metadata && Child(metadata, "name") is YamlScalarNode n ? n.Value ?? string.Empty : string.Empty;
            templates.Add((root, name));
        }

        if (templates.Count == 0)
        {
            throw new AnalysisSpecException(source, 0, "no AnalysisTemplate or ClusterAnalysisTemplate found (kind:)");
        }

        if (templateName is not null)
        {
            templates = [.. templates.Where(t => t.Name == templateName)];
            if (templates.Count == 0)
            {
                throw new AnalysisSpecException(source, 0, $"no AnalysisTemplate named '{templateName}'");
            }
        }

        if (templates.Count > 1)
        {
            throw new AnalysisSpecException(source, Line(templates[1].Root), $"several analysis templates ({string.Join(", ", templates.Select(t => t.Name))}): name the one to use");
        }

        var (template, templateTitle) = templates[0];
        var reader = new Reader(source);
        reader.OnlyFields(template, "the template", ["apiVersion", "kind", "metadata", "spec"], NoReasons);
        var apiVersion = Child(template, "apiVersion") as YamlScalarNode;
        if (apiVersion?.Value != ApiVersion)
        {
            throw new AnalysisSpecException(source, Line(apiVersion ?? (YamlNode)template), $"apiVersion must be {ApiVersion}, not '{apiVersion?.Value}'");
        }

        if (Child(template, "spec") is not YamlMappingNode spec)
        {
            throw new AnalysisSpecException(source, Line(template), "the template has no spec");
        }

        reader.OnlyFields(spec, "spec", ["metrics", "args"], UnsupportedSpecFields);
        reader.Arguments = ResolveArguments(source, Child(spec, "args"), args ?? new Dictionary<string, string>());
        var metrics = Child(spec, "metrics") ?? throw new AnalysisSpecException(source, Line(spec), "spec.metrics is missing");
        return reader.Metrics(string.IsNullOrEmpty(templateTitle) ? "template" : templateTitle, metrics, options ?? new AnalysisOptions());
    }

    /// <summary>
    /// Parses the <c>metrics:</c> list given inline (an action input): either the list itself, or a mapping whose only key is
    /// <c>metrics</c>. <c>{{args.NAME}}</c> tags take their values from <paramref name="args"/>.
    /// </summary>
    public static AnalysisSpec ParseMetrics(string yaml, string source, IReadOnlyDictionary<string, string>? args = null, AnalysisOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        var documents = Load(yaml, source);
        if (documents.Count != 1)
        {
            throw new AnalysisSpecException(source, 0, documents.Count == 0 ? "no metrics given" : "give one YAML document with the metrics list");
        }

        var root = documents[0].RootNode;
        var reader = new Reader(source) { Arguments = args ?? new Dictionary<string, string>() };
        if (root is YamlMappingNode mapping)
        {
            reader.OnlyFields(mapping, "the inline analysis", ["metrics"], new Dictionary<string, string>(StringComparer.Ordinal) { ["args"] = "give argument values to the action instead" });
            root = Child(mapping, "metrics") ?? throw new AnalysisSpecException(source, Line(mapping), "metrics is missing");
        }

        return reader.Metrics("inline", root, options ?? new AnalysisOptions());
    }

    private static List<YamlDocument> Load(string yaml, string source)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new AnalysisSpecException(source, (int)e.Start.Line, $"not valid YAML: {e.InnerException?.Message ?? e.Message}");
        }

        return [.. stream.Documents.Where(d => d.RootNode is not YamlScalarNode { Value: null or "" })];
    }

    private static Dictionary<string, string> ResolveArguments(string source, YamlNode? declared, IReadOnlyDictionary<string, string> given)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var names = new HashSet<string>(StringComparer.Ordinal);
        if (declared is YamlSequenceNode list)
        {
            foreach (var item in list)
            {
                if (item is not YamlMappingNode arg || Child(arg, "name") is not YamlScalarNode { Value: { Length: > 0 } name })
                {
                    throw new AnalysisSpecException(source, Line(item), "each of spec.args needs a name");
                }

                if (!names.Add(name))
                {
                    throw new AnalysisSpecException(source, Line(item), $"argument '{name}' is declared twice");
                }

                new Reader(source).OnlyFields(arg, $"argument '{name}'", ["name", "value", "valueFrom"], NoReasons);
                if (given.TryGetValue(name, out var value))
                {
                    values[name] = value;
                }
                else if (Child(arg, "value") is YamlScalarNode { Value: { } v })
                {
                    values[name] = v;
                }
                else if (Child(arg, "valueFrom") is { } from)
                {
                    throw new AnalysisSpecException(source, Line(from), $"argument '{name}' takes its value from a Secret or a field (valueFrom), which this action cannot read: give its value to the action");
                }
                else
                {
                    throw new AnalysisSpecException(source, Line(item), $"argument '{name}' has no value: give it to the action");
                }
            }
        }
        else if (declared is not null and not YamlScalarNode { Value: null or "" })
        {
            throw new AnalysisSpecException(source, Line(declared), "spec.args must be a list");
        }

        var undeclared = given.Keys.Where(k => !names.Contains(k)).Order(StringComparer.Ordinal).ToList();
        if (undeclared.Count > 0)
        {
            throw new AnalysisSpecException(source, Line(declared ?? new YamlScalarNode()), $"argument(s) {string.Join(", ", undeclared)} given but not declared in spec.args");
        }

        return values;
    }

    private static YamlNode? Child(YamlMappingNode mapping, string key) =>
        mapping.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    private static int Line(YamlNode node) => (int)node.Start.Line;

    private sealed class Reader(string source)
    {
        public IReadOnlyDictionary<string, string> Arguments { get; set; } = new Dictionary<string, string>();

        public AnalysisSpec Metrics(string name, YamlNode node, AnalysisOptions options)
        {
            if (node is not YamlSequenceNode list || list.Children.Count == 0)
            {
                throw new AnalysisSpecException(source, Line(node), "metrics must be a non-empty list");
            }

            var metrics = new List<MetricSpec>();
            foreach (var item in list)
            {
                var metric = Metric(item, options);
                if (metrics.Any(m => m.Name == metric.Name))
                {
                    throw new AnalysisSpecException(source, Line(item), $"duplicate metric name '{metric.Name}'");
                }

                metrics.Add(metric);
            }

            return new AnalysisSpec(name, metrics, options.ErrorRetryInterval);
        }

        public void OnlyFields(YamlMappingNode mapping, string what, IReadOnlyCollection<string> supported, IReadOnlyDictionary<string, string> unsupported)
        {
            foreach (var (keyNode, _) in mapping.Children)
            {
                var key = (keyNode as YamlScalarNode)?.Value ?? string.Empty;
                if (supported.Contains(key))
                {
                    continue;
                }

                throw new AnalysisSpecException(source, Line(keyNode), unsupported.TryGetValue(key, out var why)
                    ? $"{what}: '{key}' is not supported here ({why})"
                    : $"{what}: unknown field '{key}' (supported: {string.Join(", ", supported)})");
            }
        }

        private MetricSpec Metric(YamlNode node, AnalysisOptions options)
        {
            if (node is not YamlMappingNode m)
            {
                throw new AnalysisSpecException(source, Line(node), "each metric must be a mapping with a name and a provider");
            }

            var name = Text(m, "name") ?? throw new AnalysisSpecException(source, Line(m), "a metric needs a name");
            var what = $"metric '{name}'";
            OnlyFields(m, what, MetricFields, NoReasons);
            var providerNode = Child(m, "provider") as YamlMappingNode ?? throw new AnalysisSpecException(source, Line(m), $"{what} has no provider (only provider.prometheus is supported)");
            foreach (var (key, _) in providerNode.Children)
            {
                var provider = (key as YamlScalarNode)?.Value;
                if (provider != "prometheus")
                {
                    throw new AnalysisSpecException(source, Line(key), $"{what}: provider '{provider}' is not supported (only prometheus)");
                }
            }

            var prometheus = Child(providerNode, "prometheus") as YamlMappingNode ?? throw new AnalysisSpecException(source, Line(providerNode), $"{what}: provider.prometheus is missing");
            OnlyFields(prometheus, $"{what}: provider.prometheus", ["address", "query", "timeout"], UnsupportedPrometheusFields);
            var address = Text(prometheus, "address") ?? options.DefaultAddress
                ?? throw new AnalysisSpecException(source, Line(prometheus), $"{what}: provider.prometheus.address is not set, and the action was given no Prometheus address");
            var query = Text(prometheus, "query") ?? throw new AnalysisSpecException(source, Line(prometheus), $"{what}: provider.prometheus.query is missing");
            var timeout = Integer(prometheus, "timeout", what);

            var metric = new MetricSpec
            {
                Name = name,
                Prometheus = new PrometheusProvider(address.Trim(), query, timeout is { } t ? TimeSpan.FromSeconds(t) : PrometheusProvider.DefaultTimeout),
                Interval = Duration(m, "interval", what),
                InitialDelay = Duration(m, "initialDelay", what) ?? TimeSpan.Zero,
                Count = Integer(m, "count", what),
                SuccessCondition = ParseCondition(m, "successCondition", what),
                FailureCondition = ParseCondition(m, "failureCondition", what),
                FailureLimit = Integer(m, "failureLimit", what) ?? 0,
                InconclusiveLimit = Integer(m, "inconclusiveLimit", what) ?? options.InconclusiveLimit ?? 0,
                ConsecutiveErrorLimit = Integer(m, "consecutiveErrorLimit", what) ?? MetricSpec.DefaultConsecutiveErrorLimit,
                ConsecutiveSuccessLimit = Integer(m, "consecutiveSuccessLimit", what) ?? 0,
                Source = $"{source}:{Line(m)}",
            };
            if (metric.Validate() is { } error)
            {
                throw new AnalysisSpecException(source, Line(m), $"{what}: {error}");
            }

            return metric;
        }

        private Condition? ParseCondition(YamlMappingNode m, string key, string what)
        {
            var text = Text(m, key);
            if (text is null)
            {
                return null;
            }

            try
            {
                return Condition.Parse(text);
            }
            catch (ConditionSyntaxException e)
            {
                var node = Child(m, key)!;
                throw new AnalysisSpecException(source, Line(node), $"{what}: {key} \"{text.Trim()}\": {e.Message} (at column {e.Position + 1})");
            }
        }

        private TimeSpan? Duration(YamlMappingNode m, string key, string what)
        {
            var text = Text(m, key);
            if (text is null)
            {
                return null;
            }

            return GoDuration.TryParse(text.Trim(), out var duration)
                ? duration
                : throw new AnalysisSpecException(source, Line(Child(m, key)!), $"{what}: {key} '{text}' is not a duration such as 30s, 5m or 1h30m");
        }

        private int? Integer(YamlMappingNode m, string key, string what)
        {
            var text = Text(m, key);
            if (text is null)
            {
                return null;
            }

            return int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
                ? value
                : throw new AnalysisSpecException(source, Line(Child(m, key)!), $"{what}: {key} '{text}' is not a whole number");
        }

        /// <summary>A scalar field with its {{args.NAME}} tags replaced; null when absent or empty.</summary>
        private string? Text(YamlMappingNode m, string key)
        {
            var node = Child(m, key);
            switch (node)
            {
                case null:
                    return null;
                case YamlScalarNode scalar:
                    if (scalar.Value is null || (scalar.Value.Length == 0 && scalar.Style == ScalarStyle.Plain) || (scalar.Style == ScalarStyle.Plain && scalar.Value is "~" or "null"))
                    {
                        return null;
                    }

                    return Substitute(scalar.Value, Line(scalar), key);
                default:
                    throw new AnalysisSpecException(source, Line(node), $"{key} must be a single value");
            }
        }

        private string Substitute(string text, int line, string key)
        {
            var output = new StringBuilder();
            var i = 0;
            while (true)
            {
                var open = text.IndexOf("{{", i, StringComparison.Ordinal);
                if (open < 0)
                {
                    output.Append(text, i, text.Length - i);
                    return output.ToString();
                }

                var close = text.IndexOf("}}", open + 2, StringComparison.Ordinal);
                if (close < 0)
                {
                    throw new AnalysisSpecException(source, line, $"{key}: '{{{{' without '}}}}'");
                }

                output.Append(text, i, open - i);
                var tag = text[(open + 2)..close].Trim();
                if (!tag.StartsWith("args.", StringComparison.Ordinal))
                {
                    throw new AnalysisSpecException(source, line, $"{key}: failed to resolve {{{{{tag}}}}}: only {{{{args.NAME}}}} is supported");
                }

                if (!Arguments.TryGetValue(tag["args.".Length..], out var value))
                {
                    throw new AnalysisSpecException(source, line, $"{key}: failed to resolve {{{{{tag}}}}}: no argument '{tag["args.".Length..]}' was given");
                }

                output.Append(value);
                i = close + 2;
            }
        }
    }
}
