using GitOpsDeploy.Tests.App;

namespace GitOpsDeploy.Tests.EndToEnd;

/// <summary>Environments that are Helm values folders (no kustomization), as Argo CD Applications with a helm source use them.</summary>
[Trait("Tier", "EndToEnd")]
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
        // The commit already has its deployment to staging: the second run adds none.
        Assert.Single(App.Deployments);
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

    [Fact]
    public async Task Images_deploy_into_a_values_folder_with_the_kustomize_step_unchanged()
    {
        var result = await Run(Inputs(("overlay-path", "helm/staging"), ("images", "web=ghcr.io/acme/web:1.10"), ("token", SourceToken)));

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Equal("pushed", result.Output("operation"));
        Assert.Equal("web=ghcr.io/acme/web:1.0.0", result.Output("previous-images"));
        Assert.Equal("web=ghcr.io/acme/web:1.10", result.Output("images"));
        Assert.Contains("  tag: \"1.10\"\n", Repo.ReadFile("helm/staging/values.yaml") + "\n", StringComparison.Ordinal);
        Assert.Contains("Image: web=ghcr.io/acme/web:1.10", Repo.Message(Repo.Head()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Promotion_copies_the_exact_tag_and_digest_between_values_folders_and_rollback_restores_it()
    {
        var digest = "sha256:" + new string('d', 64);
        Repo.Commit(new Dictionary<string, string> { ["helm/production/values.yaml"] = Values.Replace("1.0.0", "0.9.0", StringComparison.Ordinal) + "\n" }, "production values");
        var staged = await Run(Inputs(("overlay-path", "helm/staging"), ("images", $"web=ghcr.io/acme/web:1.4.2@{digest}")));
        Assert.True(staged.ExitCode == 0, staged.Stdout);

        var promoted = await Run(Inputs(("environment", "production"), ("overlay-path", "helm/production"), ("promote-from", "staging"), ("images", "web")));
        Assert.True(promoted.ExitCode == 0, promoted.Stdout);
        Assert.Equal("true", promoted.Output("promoted"));
        var production = Repo.ReadFile("helm/production/values.yaml");
        Assert.Contains("  tag: \"1.4.2\"\n", production, StringComparison.Ordinal);
        Assert.Contains($"  digest: {digest}\n", production, StringComparison.Ordinal);

        var rolledBack = await Run(Inputs(("environment", "production"), ("overlay-path", "helm/production"), ("rollback", "true"), ("images", "web")));
        Assert.True(rolledBack.ExitCode == 0, rolledBack.Stdout);
        var restored = Repo.ReadFile("helm/production/values.yaml");
        Assert.Contains("  tag: \"0.9.0\"\n", restored, StringComparison.Ordinal);
        Assert.Contains("  digest: \"\"", restored, StringComparison.Ordinal);
        Assert.Contains(".gitops-deploy-hold", Repo.Git("ls-tree", "--name-only", "HEAD", "helm/production/"), StringComparison.Ordinal);
    }
    [Fact]
    public async Task The_first_deploy_to_an_environment_whose_values_file_has_no_image_adds_it_in_its_own_indentation()
    {
        // The commonest Helm layout: the chart's values.yaml, and per environment a file that overrides a few keys.
        const string production = "# production overrides\nresources:\n    limits:\n        memory: 1Gi\n";
        Repo.Commit(new Dictionary<string, string> { ["helm/web/values.yaml"] = Values + "\n", ["helm/web/values-production.yaml"] = production }, "per-environment values");
        var inputs = Inputs(("environment", "production"), ("overlay-path", "helm/web"), ("images", "web:1.4.2"), ("helm-image-keys", "web=values-production.yaml:image"),
            ("set", "values-production.yaml:replicaCount=3\nvalues-production.yaml:podSecurityContext.runAsNonRoot=true"));

        var first = await Run(inputs);
        var second = await Run(inputs);

        Assert.True(first.ExitCode == 0, first.Stdout);
        Assert.Equal("pushed", first.Output("operation"));
        Assert.Equal("web=web:1.4.2", first.Output("images"));
        Assert.Equal(
            production + "image:\n    tag: 1.4.2\nreplicaCount: 3\npodSecurityContext:\n    runAsNonRoot: true\n",
            Repo.ReadFile("helm/web/values-production.yaml") + "\n");
        Assert.Equal(Values, Repo.ReadFile("helm/web/values.yaml"));
        Assert.True(second.ExitCode == 0, second.Stdout);
        Assert.Equal("none", second.Output("operation"));
    }

    [Fact]
    public async Task With_create_missing_keys_false_a_missing_parent_is_refused_naming_the_file()
    {
        Repo.Commit(new Dictionary<string, string> { ["helm/web/values-production.yaml"] = "replicaCount: 3\n" }, "per-environment values");
        var head = Repo.Head();

        var result = await Run(Inputs(("environment", "production"), ("overlay-path", "helm/web"), ("images", string.Empty), ("create-missing-keys", "false"),
            ("set", "values-production.yaml:image.tag=1.4.2")));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("helm/web/values-production.yaml:1:1: cannot set 'image.tag': 'image' does not exist (create-missing-keys is false", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(head, Repo.Head());
    }

    [Fact]
    public async Task A_tag_where_an_image_reference_belongs_is_deployed_with_a_workflow_warning_at_its_line()
    {
        Repo.Commit(new Dictionary<string, string> { ["helm/web/values.yaml"] = "replicaCount: 1\nplaceholder: 1.27.3\n" }, "tag-only key");

        var result = await Run(Inputs(("overlay-path", "helm/web"), ("images", "web:1.28.0"), ("helm-image-keys", "web=placeholder")));

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Equal(1, result.Stdout.Split('\n').Count(l => l.StartsWith(
            "::warning file=helm/web/values.yaml,line=2,col=14::helm/web/values.yaml:2:14: helm-image-keys maps image 'web' to 'placeholder', whose value '1.27.3' is a tag, not an image reference", StringComparison.Ordinal)));
        Assert.Contains("set: values.yaml:placeholder=TAG", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_argo_cd_application_with_inline_values_is_deployed_by_image_and_by_parameter_name()
    {
        const string app = """
            apiVersion: argoproj.io/v1alpha1
            kind: Application
            metadata:
              name: web-staging
            spec:
              source:
                chart: web
                helm:
                  valuesObject:
                    image:
                      repository: ghcr.io/acme/web
                      tag: "1.0.0"
                  parameters:
                    - name: replicaCount
                      value: "1"

            """;
        Repo.Commit(new Dictionary<string, string> { ["argocd/staging/app.yaml"] = app }, "application with inline values");
        var result = await Run(Inputs(("overlay-path", "argocd/staging"), ("images", "web:1.4.2"),
            ("helm-image-keys", "web=app.yaml:spec.source.helm.valuesObject.image"), ("set", "app.yaml:spec.source.helm.parameters[name=replicaCount].value=3")));

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Equal(app.Replace("tag: \"1.0.0\"", "tag: \"1.4.2\"", StringComparison.Ordinal).Replace("value: \"1\"", "value: \"3\"", StringComparison.Ordinal),
            Repo.ReadFile("argocd/staging/app.yaml") + "\n");
    }
}

/// <summary>A values folder edited by the action, rendered by the real helm: the image line is exactly what was deployed.</summary>
[Trait("Tier", "EndToEnd")]
public sealed class HelmRenderTests : GitOpsFixture
{
    [SkippableTheory]
    [InlineData("web=ghcr.io/acme/web:1.10", "ghcr.io/acme/web:1.10")]
    [InlineData("web:true", "ghcr.io/acme/web:true")]
    [InlineData("web@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "ghcr.io/acme/web@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    public async Task Helm_template_renders_exactly_the_image_we_wrote(string spec, string expectedImage)
    {
        Skip.If(ExternalTool.Helm.Path is null, "helm is not installed (neither on PATH nor at HELM_PATH): helm template render check skipped");
        Repo.Commit(new Dictionary<string, string> { ["helm/staging/values.yaml"] = "image:\n  repository: ghcr.io/acme/web\n  tag: \"1.0.0\"\n  digest: \"\"\n" }, "values");
        var result = await Run(Inputs(("overlay-path", "helm/staging"), ("images", spec)));
        Assert.True(result.ExitCode == 0, result.Stdout);

        var chart = Directory.CreateTempSubdirectory("chart-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(chart, "templates"));
            File.WriteAllText(Path.Combine(chart, "Chart.yaml"), "apiVersion: v2\nname: web\nversion: 0.1.0\n");
            File.WriteAllText(Path.Combine(chart, "templates", "deployment.yaml"), """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: web
                spec:
                  template:
                    spec:
                      containers:
                        - name: web
                          image: "{{ .Values.image.repository }}{{ if .Values.image.digest }}@{{ .Values.image.digest }}{{ else }}:{{ .Values.image.tag }}{{ end }}"
                """);
            File.WriteAllText(Path.Combine(chart, "values.yaml"), Repo.ReadFile("helm/staging/values.yaml") + "\n");
            var rendered = ExternalTool.Helm.Run(chart, "template", "web", ".");

            Assert.Contains($"image: \"{expectedImage}\"", rendered, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(chart, recursive: true);
        }
    }

    [SkippableFact]
    public async Task Helm_template_renders_keys_the_action_added_to_an_environments_values_file_with_their_types()
    {
        Skip.If(ExternalTool.Helm.Path is null, "helm is not installed (neither on PATH nor at HELM_PATH): helm template render check skipped");
        const string chartValues = "image:\n  repository: ghcr.io/acme/web\n  tag: \"1.0.0\"\nreplicaCount: 1\npodSecurityContext: {}\n";
        Repo.Commit(new Dictionary<string, string> { ["helm/web/values.yaml"] = chartValues, ["helm/web/values-production.yaml"] = "# production\n" }, "values");
        var result = await Run(Inputs(("environment", "production"), ("overlay-path", "helm/web"), ("images", "web:1.10"), ("helm-image-keys", "web=values-production.yaml:image"),
            ("set", "values-production.yaml:replicaCount=3\nvalues-production.yaml:podSecurityContext.runAsNonRoot=true")));
        Assert.True(result.ExitCode == 0, result.Stdout);

        var chart = Directory.CreateTempSubdirectory("chart-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(chart, "templates"));
            File.WriteAllText(Path.Combine(chart, "Chart.yaml"), "apiVersion: v2\nname: web\nversion: 0.1.0\n");
            File.WriteAllText(Path.Combine(chart, "values.yaml"), chartValues);
            File.WriteAllText(Path.Combine(chart, "values-production.yaml"), Repo.ReadFile("helm/web/values-production.yaml") + "\n");
            File.WriteAllText(Path.Combine(chart, "templates", "deployment.yaml"), """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: web
                spec:
                  replicas: {{ .Values.replicaCount }}
                  template:
                    spec:
                      securityContext:
                        {{- toYaml .Values.podSecurityContext | nindent 8 }}
                      containers:
                        - name: web
                          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
                """);
            var rendered = ExternalTool.Helm.Run(chart, "template", "web", ".", "-f", "values-production.yaml");

            Assert.Contains("image: \"ghcr.io/acme/web:1.10\"", rendered, StringComparison.Ordinal);
            Assert.Contains("replicas: 3", rendered, StringComparison.Ordinal);
            Assert.Contains("runAsNonRoot: true", rendered, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(chart, recursive: true);
        }
    }
}
