using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Editing;

namespace GitOpsDeploy.Core.Tests;

/// <summary>The inputs of the gates (freeze calendar, sync windows, override) and of the metric analysis, as the parser reads them.</summary>
[Trait("Tier", "Unit")]
public sealed class GateAndAnalysisInputTests
{
    private static ActionContext Context => new("https://git.example.com", "https://git.example.com/api/v3", "acme/web", "0123456789abcdef0123456789abcdef01234567", "7", true);

    private static DeployRequest Parse(params (string Name, string Value)[] extra)
    {
        var inputs = new Dictionary<string, string>
        {
            ["gitops-repository"] = "acme/gitops",
            ["environment"] = "staging\nproduction",
            ["overlay-path"] = "environments/{{ environment }}",
            ["images"] = "web:1",
        };
        foreach (var (name, value) in extra)
        {
            inputs[name] = value;
        }

        return RequestParser.Parse(inputs, Context);
    }

    private static string Refused(string input, params (string Name, string Value)[] extra)
    {
        var error = Assert.Throws<DeployException>(() => Parse(extra));
        Assert.StartsWith($"input '{input}': ", error.Message, StringComparison.Ordinal);
        return error.Message;
    }

    private static string Metrics(string name = "error-rate") => $"""
        - name: {name}
          interval: 1s
          count: 2
          failureCondition: result[0] > 0.05
          provider:
            prometheus:
              address: http://prometheus.example:9090
              query: rate(errors[1m])
        """;

    [Fact]
    public void Without_gate_inputs_the_freeze_file_is_the_default_and_nothing_else_is_asked()
    {
        var gates = Parse().Gates;

        Assert.Equal(".gitops-deploy/freeze.yaml", gates.FreezeFile);
        Assert.Empty(gates.SyncWindows);
        Assert.Null(gates.Project);
        Assert.Null(gates.OverrideReason);
        Assert.Equal(new Dictionary<string, string> { ["staging"] = "web-staging", ["production"] = "web-production" }, gates.Applications);
    }

    [Fact]
    public void The_applications_default_to_the_source_repositorys_name_and_app_without_one()
    {
        var inputs = new Dictionary<string, string> { ["gitops-repository"] = "./gitops", ["mode"] = "push", ["environment"] = "staging", ["images"] = "web:1" };
        var request = RequestParser.Parse(inputs, ActionContext.None);

        Assert.Null(request.Source.Repository);
        Assert.Equal("app-staging", request.Gates.Applications["staging"]);
    }

    [Fact]
    public void Sync_windows_are_a_file_per_environment_with_an_optional_project()
    {
        var gates = Parse(("sync-windows", " argocd/{{ environment }}/project.yaml # platform "), ("freeze-file", "ops/freeze.yaml"), ("override-freeze", "hotfix for INC-7")).Gates;

        Assert.Equal(new Dictionary<string, string> { ["staging"] = "argocd/staging/project.yaml", ["production"] = "argocd/production/project.yaml" }, gates.SyncWindows);
        Assert.Equal("platform", gates.Project);
        Assert.Equal("ops/freeze.yaml", gates.FreezeFile);
        Assert.Equal("hotfix for INC-7", gates.OverrideReason);
    }

    [Fact]
    public void A_sync_windows_file_without_a_project_reads_whichever_the_application_names()
    {
        var gates = Parse(("sync-windows", "argocd/projects")).Gates;

        Assert.Equal("argocd/projects", gates.SyncWindows["production"]);
        Assert.Null(gates.Project);
    }

    [Theory]
    [InlineData("/etc/argocd/project.yaml")]
    [InlineData("argocd/../../outside.yaml")]
    [InlineData("#platform")]
    [InlineData("argocd/project.yaml#")]
    [InlineData("argocd/project.yaml#   ")]
    public void A_sync_windows_value_that_is_not_a_repository_path_is_refused(string value) =>
        Assert.Equal($"input 'sync-windows': '{value.TrimEnd()}' is not PATH or PATH#PROJECT with PATH relative to the gitops repository's root",
            Refused("sync-windows", ("sync-windows", value)));

    [Fact]
    public void A_sync_windows_path_may_name_only_the_environment() =>
        Assert.Contains("unknown placeholder {{ cluster }}; known: environment", Refused("sync-windows", ("sync-windows", "argocd/{{ cluster }}.yaml")), StringComparison.Ordinal);

    [Theory]
    [InlineData("/srv/freeze.yaml")]
    [InlineData("../freeze.yaml")]
    [InlineData("ops/../../freeze.yaml")]
    public void A_freeze_file_outside_the_repository_is_refused(string value) =>
        Assert.Equal($"input 'freeze-file': '{value}' must be a path relative to the gitops repository's root", Refused("freeze-file", ("freeze-file", value)));

    [Fact]
    public void A_freeze_file_whose_name_only_contains_two_dots_is_inside() =>
        Assert.Equal("ops/..freeze.yaml", Parse(("freeze-file", "ops/..freeze.yaml")).Gates.FreezeFile);

    [Theory]
    [InlineData("hotfix\nSigned-off-by: someone")]
    [InlineData("hotfix\u0007")]
    public void An_override_reason_is_one_line_because_it_becomes_a_trailer(string reason) =>
        Assert.Equal("input 'override-freeze': the reason is one line (it becomes a commit trailer)", Refused("override-freeze", ("override-freeze", reason)));

    [Fact]
    public void Analysis_args_are_name_value_lines_split_at_the_first_equals_sign()
    {
        var analysis = Parse(("analysis-args", " service = web \nselector=app=web,tier=front\n\nthreshold=")).Analysis;

        Assert.Equal(new Dictionary<string, string> { ["service"] = "web", ["selector"] = "app=web,tier=front", ["threshold"] = "" }, analysis.Args);
        Assert.False(analysis.Enabled);
    }

    [Theory]
    [InlineData("service")]
    [InlineData("=web")]
    [InlineData("service=web\nservice=api")]
    public void Analysis_args_that_are_not_name_value_once_are_refused(string value) =>
        Assert.Matches(@"^input 'analysis-args': '[^']+' is not NAME=VALUE \(one per line, each name once\)$", Refused("analysis-args", ("analysis-args", value)));

    [Fact]
    public void An_analysis_template_is_a_file_per_environment_with_an_optional_name()
    {
        var analysis = Parse(("analysis-template", "analysis/{{ environment }}.yaml#latency"), ("analysis-inconclusive-limit", "3"), ("prometheus-url", "http://prometheus.example:9090")).Analysis;

        Assert.Equal(new Dictionary<string, string> { ["staging"] = "analysis/staging.yaml", ["production"] = "analysis/production.yaml" }, analysis.Templates);
        Assert.Equal("latency", analysis.TemplateName);
        Assert.Equal(3, analysis.InconclusiveLimit);
        Assert.Equal("http://prometheus.example:9090", analysis.PrometheusUrl);
        Assert.True(analysis.Enabled);
    }

    [Theory]
    [InlineData("/analysis.yaml")]
    [InlineData("analysis.yaml#")]
    public void An_analysis_template_outside_the_repository_or_with_an_empty_name_is_refused(string value) =>
        Assert.Equal($"input 'analysis-template': '{value}' is not PATH or PATH#NAME with PATH relative to the gitops repository's root",
            Refused("analysis-template", ("analysis-template", value)));

    [Fact]
    public void Inline_metrics_are_parsed_with_the_args()
    {
        var analysis = Parse(("analysis-metrics", Metrics()), ("analysis-args", "service=web")).Analysis;

        var metric = Assert.Single(analysis.Inline!.Metrics);
        Assert.Equal("error-rate", metric.Name);
        Assert.Empty(analysis.Templates);
        Assert.True(analysis.Enabled);
    }

    [Fact]
    public void Inline_metrics_that_are_not_valid_name_their_line()
    {
        var message = Refused("analysis-metrics", ("analysis-metrics", "- name: a\n  interval: [1s\n"));
        Assert.Matches(@"^input 'analysis-metrics': line [1-9][0-9]*: ", message);
    }

    [Fact]
    public void An_inline_problem_without_a_line_is_said_without_one() =>
        Assert.Equal("input 'analysis-metrics': give one YAML document with the metrics list", Refused("analysis-metrics", ("analysis-metrics", Metrics() + "\n---\n" + Metrics("other"))));
}
