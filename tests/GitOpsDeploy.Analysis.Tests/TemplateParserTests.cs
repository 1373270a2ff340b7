namespace GitOpsDeploy.Analysis.Tests;

/// <summary>AnalysisTemplate / ClusterAnalysisTemplate and inline metrics: fields, args, defaults, and file:line refusals.</summary>
[Trait("Tier", "Unit")]
public sealed class TemplateParserTests
{
    private const string Template = """
        apiVersion: argoproj.io/v1alpha1
        kind: AnalysisTemplate
        metadata:
          name: success-rate
        spec:
          args:
          - name: service-name
          - name: threshold
            value: "0.95"
          - name: prometheus
            value: http://prometheus.monitoring:9090
          metrics:
          - name: success-rate
            interval: 1m
            count: 5
            initialDelay: 30s
            successCondition: result[0] >= {{args.threshold}}
            failureCondition: result[0] < 0.5
            failureLimit: 2
            inconclusiveLimit: 1
            consecutiveErrorLimit: 3
            provider:
              prometheus:
                address: "{{ args.prometheus }}"
                timeout: 10
                query: |
                  sum(irate(istio_requests_total{reporter="source",destination_service=~"{{args.service-name}}",response_code!~"5.*"}[5m])) /
                  sum(irate(istio_requests_total{reporter="source",destination_service=~"{{args.service-name}}"}[5m]))
          - name: errors
            successCondition: len(result) == 0 || result[0] < 1
            provider:
              prometheus:
                address: http://other:9090
                query: sum(increase(errors_total[1m]))
        """;

    private static readonly Dictionary<string, string> ServiceArgs = new() { ["service-name"] = "web.prod.svc" };

    [Fact]
    public void Reads_every_supported_field_with_args_substituted()
    {
        var spec = AnalysisTemplateParser.ParseTemplate(Template, "analysis.yaml", ServiceArgs);

        Assert.Equal("success-rate", spec.Name);
        Assert.Equal(2, spec.Metrics.Count);
        var m = spec.Metrics[0];
        Assert.Equal("success-rate", m.Name);
        Assert.Equal(TimeSpan.FromMinutes(1), m.Interval);
        Assert.Equal(5, m.Count);
        Assert.Equal(TimeSpan.FromSeconds(30), m.InitialDelay);
        Assert.Equal("result[0] >= 0.95", m.SuccessCondition!.Text);
        Assert.Equal("result[0] < 0.5", m.FailureCondition!.Text);
        Assert.Equal(2, m.FailureLimit);
        Assert.Equal(1, m.InconclusiveLimit);
        Assert.Equal(3, m.ConsecutiveErrorLimit);
        Assert.Equal(0, m.ConsecutiveSuccessLimit);
        Assert.Equal("http://prometheus.monitoring:9090", m.Prometheus.Address);
        Assert.Equal(TimeSpan.FromSeconds(10), m.Prometheus.Timeout);
        Assert.Contains("destination_service=~\"web.prod.svc\",response_code", m.Prometheus.Query, StringComparison.Ordinal);
        Assert.Equal("analysis.yaml:13", m.Source);

        var errors = spec.Metrics[1];
        Assert.Null(errors.Interval);
        Assert.Null(errors.Count);
        Assert.Equal(1, errors.EffectiveCount);
        Assert.Equal(0, errors.FailureLimit);
        Assert.Equal(0, errors.InconclusiveLimit);
        Assert.Equal(MetricSpec.DefaultConsecutiveErrorLimit, errors.ConsecutiveErrorLimit);
        Assert.Equal(PrometheusProvider.DefaultTimeout, errors.Prometheus.Timeout);
        Assert.Equal(AnalysisSpec.DefaultErrorRetryInterval, spec.ErrorRetryInterval);
    }

    [Fact]
    public void Given_args_override_the_templates_defaults()
    {
        var spec = AnalysisTemplateParser.ParseTemplate(Template, "analysis.yaml", new Dictionary<string, string>(ServiceArgs) { ["threshold"] = "0.99" });
        Assert.Equal("result[0] >= 0.99", spec.Metrics[0].SuccessCondition!.Text);
    }

    [Fact]
    public void Reads_a_cluster_template_and_picks_the_template_out_of_several_documents()
    {
        var yaml = """
            apiVersion: argoproj.io/v1alpha1
            kind: Rollout
            metadata:
              name: web
            ---
            apiVersion: argoproj.io/v1alpha1
            kind: ClusterAnalysisTemplate
            metadata:
              name: a
            spec:
              metrics:
              - name: up
                successCondition: result[0] == 1
                provider:
                  prometheus:
                    address: http://p:9090
                    query: up
            """;
        Assert.Equal("a", AnalysisTemplateParser.ParseTemplate(yaml, "t.yaml").Name);

        var two = yaml + "\n---\n" + yaml.Split("---\n")[1].Replace("name: a", "name: b", StringComparison.Ordinal);
        var e = Assert.Throws<AnalysisSpecException>(() => AnalysisTemplateParser.ParseTemplate(two, "t.yaml"));
        Assert.Equal("t.yaml:19: several analysis templates (a, b): name the one to use", e.Message);
        Assert.Equal("b", AnalysisTemplateParser.ParseTemplate(two, "t.yaml", templateName: "b").Name);
    }

    [Fact]
    public void Reads_inline_metrics_as_a_list_or_under_metrics_with_the_actions_defaults()
    {
        const string List = """
            - name: error-rate
              interval: 10s
              count: 3
              failureCondition: result[0] > {{args.max}}
              provider:
                prometheus:
                  query: sum(rate(errors_total[1m]))
            - name: latency
              inconclusiveLimit: 0
              successCondition: result[0] < 0.3
              provider:
                prometheus:
                  query: histogram_quantile(0.99, sum by (le) (rate(latency_bucket[1m])))
            """;
        var options = new AnalysisOptions { InconclusiveLimit = 2, DefaultAddress = "https://prom.example:9090", ErrorRetryInterval = TimeSpan.FromSeconds(3) };
        var args = new Dictionary<string, string> { ["max"] = "0.01" };

        var spec = AnalysisTemplateParser.ParseMetrics(List, "metrics input", args, options);
        var mapped = AnalysisTemplateParser.ParseMetrics("metrics:\n" + string.Join('\n', List.Split('\n').Select(l => "  " + l)), "metrics input", args, options);

        foreach (var s in new[] { spec, mapped })
        {
            Assert.Equal("inline", s.Name);
            Assert.Equal("result[0] > 0.01", s.Metrics[0].FailureCondition!.Text);
            Assert.Equal(2, s.Metrics[0].InconclusiveLimit);
            Assert.Equal(0, s.Metrics[1].InconclusiveLimit);
            Assert.Equal("https://prom.example:9090", s.Metrics[1].Prometheus.Address);
            Assert.Equal(TimeSpan.FromSeconds(3), s.ErrorRetryInterval);
        }
    }

    [Fact]
    public void Integer_fields_can_come_from_args()
    {
        var spec = AnalysisTemplateParser.ParseMetrics("""
            - name: m
              interval: "{{args.every}}"
              count: "{{args.count}}"
              successCondition: result[0] > 0
              provider: {prometheus: {address: "http://p:9090", query: up}}
            """, "inline", new Dictionary<string, string> { ["every"] = "2m", ["count"] = "4" });
        Assert.Equal(4, spec.Metrics[0].Count);
        Assert.Equal(TimeSpan.FromMinutes(2), spec.Metrics[0].Interval);
    }

    [Theory]
    [InlineData("provider:\n    web:\n      url: http://x", 5, "metric 'm': provider 'web' is not supported (only prometheus)")]
    [InlineData("provider:\n    datadog: {query: x}\n    prometheus: {address: 'http://p:9090', query: up}", 5, "metric 'm': provider 'datadog' is not supported (only prometheus)")]
    [InlineData("provider:\n    prometheus:\n      address: http://p:9090\n      query: up\n      authentication:\n        sigv4: {region: x}", 8, "metric 'm': provider.prometheus: 'authentication' is not supported here (give the action a bearer token instead)")]
    [InlineData("provider:\n    prometheus:\n      address: http://p:9090\n      query: up\n      rangeQuery: {step: 1m}", 8, "'rangeQuery' is not supported here (only instant queries are run)")]
    [InlineData("provider:\n    prometheus:\n      address: http://p:9090\n      query: up\n  sucessCondition: result[0] > 1", 8, "metric 'm': unknown field 'sucessCondition' (supported: name, interval,")]
    [InlineData("successCondition: result[0] >\n  provider: {prometheus: {address: 'http://p:9090', query: up}}", 4, "metric 'm': successCondition \"result[0] >\": the condition ends too early: a value is missing (at column 12)")]
    [InlineData("failureCondition: not result[0] > 1\n  provider: {prometheus: {address: 'http://p:9090', query: up}}", 4, "failureCondition \"not result[0] > 1\": 'not' needs true or false")]
    [InlineData("interval: 5 minutes\n  count: 2\n  provider: {prometheus: {address: 'http://p:9090', query: up}}", 4, "metric 'm': interval '5 minutes' is not a duration such as 30s, 5m or 1h30m")]
    [InlineData("count: three\n  provider: {prometheus: {address: 'http://p:9090', query: up}}", 4, "metric 'm': count 'three' is not a whole number")]
    [InlineData("count: 3\n  provider: {prometheus: {address: 'http://p:9090', query: up}}", 3, "metric 'm': interval must be specified when count > 1")]
    [InlineData("interval: 1m\n  provider: {prometheus: {address: 'http://p:9090', query: up}}", 3, "metric 'm': an interval without a count measures forever, and a deployment must end: give count")]
    [InlineData("failureLimit: -1\n  provider: {prometheus: {address: 'http://p:9090', query: up}}", 3, "failureLimit and consecutiveSuccessLimit cannot both be disabled")]
    [InlineData("failureLimit: -2\n  provider: {prometheus: {address: 'http://p:9090', query: up}}", 3, "failureLimit must be >= 0, or -1 to be disabled")]
    [InlineData("interval: 1m\n  count: 2\n  failureLimit: 3\n  provider: {prometheus: {address: 'http://p:9090', query: up}}", 3, "count (2) must be >= failureLimit + consecutiveSuccessLimit (3 + 0) if both >= 0")]
    [InlineData("interval: 1m\n  count: 2\n  inconclusiveLimit: 3\n  provider: {prometheus: {address: 'http://p:9090', query: up}}", 3, "count must be >= inconclusiveLimit")]
    [InlineData("consecutiveErrorLimit: -1\n  provider: {prometheus: {address: 'http://p:9090', query: up}}", 3, "consecutiveErrorLimit must be >= 0")]
    [InlineData("provider: {prometheus: {address: 'prometheus:9090', query: up}}", 3, "provider.prometheus.address \"prometheus:9090\" is not an http(s) URL")]
    [InlineData("provider: {prometheus: {address: 'http://p:9090'}}", 4, "metric 'm': provider.prometheus.query is missing")]
    [InlineData("provider: {prometheus: {address: 'http://p:9090', query: up, timeout: 0}}", 3, "provider.prometheus.timeout must be at least 1 (second)")]
    [InlineData("provider: {prometheus: {address: '{{args.nope}}', query: up}}", 4, "address: failed to resolve {{args.nope}}: no argument 'nope' was given")]
    [InlineData("provider: {prometheus: {address: 'http://p:9090', query: '{{ templates.canary.podTemplateHash }}'}}", 4, "query: failed to resolve {{templates.canary.podTemplateHash}}: only {{args.NAME}} is supported")]
    [InlineData("provider: {prometheus: {address: 'http://p:9090', query: 'up{{'}}", 4, "query: '{{' without '}}'")]
    [InlineData("provider: {}", 4, "metric 'm': provider.prometheus is missing")]
    [InlineData("count: [1]\n  provider: {prometheus: {address: 'http://p:9090', query: up}}", 4, "count must be a single value")]
    public void Refuses_what_it_cannot_honour_naming_the_file_and_line(string fields, int line, string message)
    {
        var yaml = $"""
            # analysis for web
            metrics:
            - name: m
              {fields}
            """;
        var e = Assert.Throws<AnalysisSpecException>(() => AnalysisTemplateParser.ParseMetrics(yaml, "analysis.yaml"));
        Assert.StartsWith($"analysis.yaml:{line}: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.Equal(line, e.Line);
    }

    [Theory]
    [InlineData("apiVersion: argoproj.io/v1beta1", "analysis.yaml:1: apiVersion must be argoproj.io/v1alpha1, not 'argoproj.io/v1beta1'")]
    [InlineData("apiVersion: argoproj.io/v1alpha1\nstatus: {}", "analysis.yaml:2: the template: unknown field 'status'")]
    public void Refuses_a_template_of_another_version_or_shape(string head, string message)
    {
        var yaml = head + "\nkind: AnalysisTemplate\nspec:\n  metrics:\n  - name: m\n    provider: {prometheus: {address: 'http://p:9090', query: up}}\n";
        var e = Assert.Throws<AnalysisSpecException>(() => AnalysisTemplateParser.ParseTemplate(yaml, "analysis.yaml"));
        Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("  dryRun:\n  - metricName: .*\n", 5, "spec: 'dryRun' is not supported here (every metric counts here)")]
    [InlineData("  measurementRetention:\n  - metricName: .*\n    limit: 20\n", 5, "spec: 'measurementRetention' is not supported here")]
    [InlineData("  templates:\n  - templateName: other\n", 5, "spec: 'templates' is not supported here (put the metrics in one template)")]
    [InlineData("  args:\n  - name: token\n    valueFrom:\n      secretKeyRef: {name: s, key: k}\n", 8, "argument 'token' takes its value from a Secret or a field (valueFrom), which this action cannot read: give its value to the action")]
    [InlineData("  args:\n  - name: service\n", 6, "argument 'service' has no value: give it to the action")]
    [InlineData("  args:\n  - name: a\n    value: x\n  - name: a\n    value: y\n", 8, "argument 'a' is declared twice")]
    public void Refuses_template_features_it_cannot_honour(string extra, int line, string message)
    {
        var yaml = "apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata: {name: t}\nspec:\n  metrics:\n  - name: m\n    provider: {prometheus: {address: 'http://p:9090', query: up}}\n".Replace("  metrics:", extra + "  metrics:", StringComparison.Ordinal);
        var e = Assert.Throws<AnalysisSpecException>(() => AnalysisTemplateParser.ParseTemplate(yaml, "analysis.yaml"));
        Assert.Equal(line, e.Line);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_arg_value_given_to_the_action_replaces_a_value_from_a_secret()
    {
        var yaml = "apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata: {name: t}\nspec:\n  args:\n  - name: q\n    valueFrom: {secretKeyRef: {name: s, key: k}}\n  metrics:\n  - name: m\n    provider: {prometheus: {address: 'http://p:9090', query: '{{args.q}}'}}\n";
        Assert.Equal("up", AnalysisTemplateParser.ParseTemplate(yaml, "t.yaml", new Dictionary<string, string> { ["q"] = "up" }).Metrics[0].Prometheus.Query);
    }

    [Fact]
    public void Refuses_args_the_template_does_not_declare()
    {
        var e = Assert.Throws<AnalysisSpecException>(() => AnalysisTemplateParser.ParseTemplate(Template, "analysis.yaml", new Dictionary<string, string>(ServiceArgs) { ["treshold"] = "0.9" }));
        Assert.Equal("analysis.yaml:7: argument(s) treshold given but not declared in spec.args", e.Message);
    }

    [Theory]
    [InlineData("metrics: [", 2, "not valid YAML")]
    [InlineData("kind: Rollout", 0, "no AnalysisTemplate or ClusterAnalysisTemplate found (kind:)")]
    public void Refuses_what_is_not_a_template(string yaml, int line, string message)
    {
        var e = Assert.Throws<AnalysisSpecException>(() => AnalysisTemplateParser.ParseTemplate(yaml, "x.yaml"));
        Assert.Equal(line, e.Line);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "no metrics given")]
    [InlineData("metrics: []", "x.yaml:1: metrics must be a non-empty list")]
    [InlineData("- name: a\n  provider: {prometheus: {address: 'http://p:9090', query: up}}\n- name: a\n  provider: {prometheus: {address: 'http://p:9090', query: up}}", "x.yaml:3: duplicate metric name 'a'")]
    [InlineData("- name: a\n  provider: {prometheus: {query: up}}", "x.yaml:2: metric 'a': provider.prometheus.address is not set, and the action was given no Prometheus address")]
    [InlineData("- interval: 1m", "x.yaml:1: a metric needs a name")]
    [InlineData("- just-a-string", "x.yaml:1: each metric must be a mapping")]
    [InlineData("args: [{name: a}]\nmetrics: []", "x.yaml:1: the inline analysis: 'args' is not supported here (give argument values to the action instead)")]
    public void Refuses_inline_metrics_it_cannot_use(string yaml, string message)
    {
        var e = Assert.Throws<AnalysisSpecException>(() => AnalysisTemplateParser.ParseMetrics(yaml, "x.yaml"));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("30s", 30_000)]
    [InlineData("1m30s", 90_000)]
    [InlineData("1.5h", 5_400_000)]
    [InlineData("2h45m", 9_900_000)]
    [InlineData("500ms", 500)]
    [InlineData("0", 0)]
    [InlineData("1000us", 1)]
    public void Reads_go_durations(string text, long milliseconds)
    {
        Assert.True(GoDuration.TryParse(text, out var duration));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), duration);
    }

    [Theory]
    [InlineData("")]
    [InlineData("5")]
    [InlineData("5 minutes")]
    [InlineData("s")]
    [InlineData("1d")]
    [InlineData("1..5s")]
    public void Refuses_what_go_would_refuse(string text) => Assert.False(GoDuration.TryParse(text, out _));

    [Fact]
    public void The_spec_constructor_validates_as_argo_rollouts_does()
    {
        var metric = new MetricSpec { Name = "a", Prometheus = new PrometheusProvider("http://p:9090", "up", PrometheusProvider.DefaultTimeout) };
        Assert.Contains("no metrics specified", Assert.Throws<ArgumentException>(() => new AnalysisSpec("t", [])).Message, StringComparison.Ordinal);
        Assert.Contains("metrics[1]: duplicate name 'a'", Assert.Throws<ArgumentException>(() => new AnalysisSpec("t", [metric, metric])).Message, StringComparison.Ordinal);
        Assert.Contains("metrics[0] (a): interval must be specified when count > 1", Assert.Throws<ArgumentException>(() => new AnalysisSpec("t", [metric with { Count = 2 }])).Message, StringComparison.Ordinal);
    }
}
