using GitOpsDeploy.Core.Steps.MetricAnalysis;
using GitOpsDeploy.Editing;

namespace GitOpsDeploy.Core.Tests;

/// <summary>One target's analysis: its template read from the tree, the inline metrics after the template's own, and what cannot be combined refused.</summary>
[Trait("Tier", "Unit")]
public sealed class AnalysisSpecsTests
{
    private const string Template = Doubles.AnalysisFixtures.ErrorRateTemplate;

    private static string Inline(string name) => $"""
        - name: {name}
          successCondition: result[0] < 0.5
          provider:
            prometheus:
              query: histogram_quantile(0.99, rate(latency_bucket[5m]))
        """;

    private static readonly RepoPathTests.InMemoryTree Tree = new(new Dictionary<string, string> { ["analysis/error-rate.yaml"] = Template });

    private static Requests.DeployRequest Request(params (string, string)[] inputs) => Doubles.TestRequests.Parse([("prometheus-url", "http://127.0.0.1:9090"), .. inputs]);

    [Fact]
    public void The_inline_metrics_come_after_the_templates_own()
    {
        var request = Request(("analysis-template", "analysis/error-rate.yaml"), ("analysis-metrics", Inline("latency")));

        var spec = AnalysisSpecs.For(Tree, "main", request, request.Targets[0]);

        Assert.Equal("error-rate+inline", spec.Name);
        Assert.Equal(["errors", "latency"], spec.Metrics.Select(m => m.Name));
    }

    [Fact]
    public void The_template_alone_is_the_analysis()
    {
        var request = Request(("analysis-template", "analysis/error-rate.yaml"));

        var spec = AnalysisSpecs.For(Tree, "main", request, request.Targets[0]);

        Assert.Equal("error-rate", spec.Name);
        Assert.Equal(["errors"], spec.Metrics.Select(m => m.Name));
    }

    [Fact]
    public void Inline_metrics_alone_need_no_tree()
    {
        var request = Request(("analysis-metrics", Inline("latency")));

        Assert.Same(request.Analysis.Inline, AnalysisSpecs.For(new RepoPathTests.InMemoryTree(new Dictionary<string, string>()), "main", request, request.Targets[0]));
    }

    [Fact]
    public void An_inline_metric_named_like_one_of_the_templates_is_refused_naming_both()
    {
        var request = Request(("analysis-template", "analysis/error-rate.yaml"), ("analysis-metrics", Inline("errors")));

        var error = Assert.Throws<DeployException>(() => AnalysisSpecs.For(Tree, "main", request, request.Targets[0]));

        Assert.Equal("input 'analysis-metrics': metric 'errors' is also a metric of analysis/error-rate.yaml; give each metric its own name", error.Message);
    }

    [Fact]
    public void A_template_that_is_not_utf8_is_refused_at_its_file()
    {
        var tree = new Utf8Tree();
        var request = Request(("analysis-template", "analysis/error-rate.yaml"));

        var error = Assert.Throws<DeployException>(() => AnalysisSpecs.For(tree, "main", request, request.Targets[0]));

        Assert.Equal("analysis/error-rate.yaml: file is not valid UTF-8", error.Describe());
    }

    private sealed class Utf8Tree : IRepositoryTree
    {
        public TreeEntryKind KindOf(string path) => path == "analysis/error-rate.yaml" ? TreeEntryKind.File : TreeEntryKind.Missing;

        public string ReadSymlink(string path) => throw new NotSupportedException();

        public byte[] ReadFile(string path) => [0x6B, 0x69, 0x6E, 0x64, 0x3A, 0x20, 0xC3, 0x28];

        public IReadOnlyList<string> List(string directory) => [];
    }
}
