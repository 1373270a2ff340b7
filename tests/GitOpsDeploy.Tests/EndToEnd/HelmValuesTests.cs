namespace GitOpsDeploy.Tests.EndToEnd;

/// <summary>Environments that are Helm values folders (no kustomization), as Argo CD Applications with a helm source use them.</summary>
public sealed class HelmValuesTests : GitOpsFixture
{
    private const string Values = """
        # Default values for web.
        image:
          repository: ghcr.io/acme/web
          tag: "1.0.0"
          digest:
        podAnnotations: {}
        service:
          hostPort:   # set per environment
        """;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Repo.Commit(new Dictionary<string, string> { ["helm/staging/values.yaml"] = Values + "\n" }, "helm values folder");
    }

    [Fact]
    public async Task Set_deploys_into_a_values_folder_and_a_second_run_changes_nothing()
    {
        var inputs = Inputs(("overlay-path", "helm/staging"), ("images", string.Empty), ("token", SourceToken),
            ("set", "values.yaml:image.tag=1.4.2\nvalues.yaml:podAnnotations.team=web\nvalues.yaml:service.hostPort=8080"));
        var first = await Run(inputs);
        var second = await Run(inputs);

        Assert.True(first.ExitCode == 0, first.Stdout);
        Assert.Equal("pushed", first.Output("operation"));
        Assert.Equal(
            Values.Replace("tag: \"1.0.0\"", "tag: \"1.4.2\"", StringComparison.Ordinal)
                .Replace("podAnnotations: {}", "podAnnotations:\n  team: web", StringComparison.Ordinal)
                .Replace("hostPort:   #", "hostPort: 8080   #", StringComparison.Ordinal) + "\n",
            Repo.ReadFile("helm/staging/values.yaml") + "\n");
        Assert.True(second.ExitCode == 0, second.Stdout);
        Assert.Equal("none", second.Output("operation"));
        Assert.Equal(2, App.Deployments.Count);
    }

    [Fact]
    public async Task The_hold_marker_applies_to_a_values_folder()
    {
        Repo.Commit(new Dictionary<string, string> { ["helm/staging/.gitops-deploy-hold"] = "reason: rollback to web 1.0.0\n" }, "hold");
        var head = Repo.Head();
        var result = await Run(Inputs(("overlay-path", "helm/staging"), ("images", string.Empty), ("set", "values.yaml:image.tag=1.4.2")));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("policy hold", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(head, Repo.Head());
    }
}
