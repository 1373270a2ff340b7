using System.Text;
using GitOpsDeploy.Manifests.Diff;
using GitOpsDeploy.Manifests.Files;
using GitOpsDeploy.Manifests.Render;

namespace GitOpsDeploy.Manifests.Tests;

/// <summary>A gitops repository with a chart, per-environment values folders and Argo CD Applications, as the action's Helm targets are laid out.</summary>
internal static class HelmRepository
{
    public const string Values = """
        # staging values
        image:
          repository: ghcr.io/acme/web
          tag: "1.0.0"
          digest: ""
        replicas: 2
        password: hunter2

        """;

    public static InMemoryManifestFiles Create() => new InMemoryManifestFiles()
        .Add("charts/web/Chart.yaml", "apiVersion: v2\nname: web\nversion: 0.1.0\n")
        .Add("charts/web/values.yaml", "image:\n  repository: ghcr.io/acme/web\n  tag: latest\n  digest: \"\"\nreplicas: 1\npassword: changeme\nworker:\n  enabled: true\n")
        .Add("charts/web/templates/deployment.yaml", """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: {{ .Release.Name }}
              namespace: {{ .Release.Namespace }}
            spec:
              replicas: {{ .Values.replicas }}
              selector:
                matchLabels: {app: web}
              template:
                metadata:
                  labels: {app: web}
                spec:
                  initContainers:
                    - name: migrate
                      image: "{{ .Values.image.repository }}{{ if .Values.image.digest }}@{{ .Values.image.digest }}{{ else }}:{{ .Values.image.tag }}{{ end }}"
                  containers:
                    - name: web
                      image: "{{ .Values.image.repository }}{{ if .Values.image.digest }}@{{ .Values.image.digest }}{{ else }}:{{ .Values.image.tag }}{{ end }}"
            {{- if .Values.worker.enabled }}
            ---
            apiVersion: batch/v1
            kind: CronJob
            metadata:
              name: {{ .Release.Name }}-cleanup
              namespace: {{ .Release.Namespace }}
            spec:
              schedule: "0 * * * *"
              jobTemplate:
                spec:
                  template:
                    spec:
                      restartPolicy: Never
                      containers:
                        - name: cleanup
                          image: "{{ .Values.image.repository }}:{{ required "image.tag is required" .Values.image.tag }}"
            {{- end }}

            """)
        .Add("charts/web/templates/secret.yaml", """
            apiVersion: v1
            kind: Secret
            metadata:
              name: {{ .Release.Name }}-credentials
              namespace: {{ .Release.Namespace }}
            stringData:
              password: {{ .Values.password | quote }}
            data:
              token: {{ .Values.password | b64enc }}

            """)
        .Add("helm/staging/values.yaml", Values)
        .Add("helm/production/values.yaml", Values.Replace("staging", "production", StringComparison.Ordinal))
        .Add("argocd/staging-app.yaml", """
            apiVersion: argoproj.io/v1alpha1
            kind: Application
            metadata:
              name: web-staging
            spec:
              project: default
              source:
                repoURL: https://github.com/acme/gitops.git
                path: charts/web
                targetRevision: main
                helm:
                  valueFiles:
                    - ../../helm/staging/values.yaml
              destination:
                server: https://kubernetes.default.svc
                namespace: staging

            """)
        .Add("argocd/production-app.yaml", """
            apiVersion: argoproj.io/v1alpha1
            kind: Application
            metadata:
              name: web-production
            spec:
              sources:
                - repoURL: https://github.com/acme/gitops.git
                  path: charts/web
                  helm:
                    releaseName: web
                    valueFiles:
                      - $values/helm/production/values.yaml
                    parameters:
                      - name: replicas
                        value: "5"
                - repoURL: https://github.com/acme/gitops.git
                  ref: values
              destination:
                namespace: production

            """);

    public static Dictionary<string, byte[]?> Edit(string path, string from, string to, IManifestFiles files) =>
        new() { [path] = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(files.Read(path)).Replace(from, to, StringComparison.Ordinal)) };
}

[Trait("Tier", "Unit")]
public sealed class HelmSourceTests
{
    [Fact]
    public void An_application_with_value_files_relative_to_the_chart_is_found_for_its_values_folder()
    {
        var search = HelmSources.ForValuesFolder(HelmRepository.Create(), "helm/staging", ["argocd"]);

        var source = Assert.Single(search.Sources);
        Assert.Equal("charts/web", source.ChartPath);
        Assert.Equal(["helm/staging/values.yaml"], source.ValueFiles);
        Assert.Equal("web-staging", source.ReleaseName);
        Assert.Equal("staging", source.Namespace);
        Assert.Equal("argocd/staging-app.yaml", source.Origin);
    }

    [Fact]
    public void A_multi_source_application_resolves_ref_value_files_and_keeps_its_parameters()
    {
        var search = HelmSources.ForValuesFolder(HelmRepository.Create(), "helm/production", ["argocd"]);

        var source = Assert.Single(search.Sources);
        Assert.Equal(["helm/production/values.yaml"], source.ValueFiles);
        Assert.Equal("web", source.ReleaseName);
        Assert.Equal([new HelmParameter("replicas", "5")], source.Parameters);
    }

    [Fact]
    public void A_values_folder_that_is_a_chart_renders_itself_and_a_remote_chart_is_only_noted()
    {
        var files = new InMemoryManifestFiles()
            .Add("envs/dev/Chart.yaml", "apiVersion: v2\nname: dev\nversion: 1.0.0\n")
            .Add("envs/dev/values.yaml", "x: 1\n")
            .Add("argocd/dev.yaml", "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: dev}\nspec:\n  source:\n    repoURL: https://charts.example.com\n    chart: web\n    helm: {valueFiles: [values.yaml]}\n");

        var search = HelmSources.ForValuesFolder(files, "envs/dev", ["argocd"]);

        Assert.Equal("envs/dev", Assert.Single(search.Sources).ChartPath);
        Assert.Contains(search.Notes, n => n.Contains("Helm repository", StringComparison.Ordinal));
    }

    [Fact]
    public void A_value_file_outside_the_repository_is_refused()
    {
        var files = HelmRepository.Create().Add("argocd/evil.yaml", "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: evil}\nspec:\n  source:\n    path: charts/web\n    helm: {valueFiles: [../../../../etc/passwd]}\n");

        var e = Assert.Throws<ManifestException>(() => HelmSources.ForValuesFolder(files, "helm/staging", ["argocd"]));
        Assert.Contains("points outside the repository", e.Message, StringComparison.Ordinal);
    }
}

[Trait("Tier", "Adapter")]
public sealed class HelmRenderTests
{
    [SkippableFact]
    public async Task A_values_edit_renders_before_and_after_and_the_diff_names_the_changed_containers()
    {
        ExternalTools.RequireHelm();
        var files = HelmRepository.Create();
        var source = Assert.Single(HelmSources.ForValuesFolder(files, "helm/staging", ["argocd"]).Sources);
        var edits = HelmRepository.Edit("helm/staging/values.yaml", "tag: \"1.0.0\"", "tag: \"1.4.2\"", files);

        var pair = await new ManifestRenderer().RenderHelmEditAsync(files, edits, source);

        Assert.True(pair.Before.Succeeded, pair.Before.FailureMessage);
        Assert.True(pair.After.Succeeded, pair.After.FailureMessage);
        var diff = ManifestDiff.Compare(pair.Before.Output, pair.After.Output);
        Assert.Equal(
            [
                "CronJob staging/web-staging-cleanup container cleanup: ghcr.io/acme/web:1.0.0 -> ghcr.io/acme/web:1.4.2",
                "Deployment staging/web-staging initContainer migrate: ghcr.io/acme/web:1.0.0 -> ghcr.io/acme/web:1.4.2",
                "Deployment staging/web-staging container web: ghcr.io/acme/web:1.0.0 -> ghcr.io/acme/web:1.4.2",
            ],
            diff.WorkloadImageChanges().Select(c => c.ToString()));
        Assert.Equal(1, diff.Unchanged);
        ExternalTools.RequireDiff();
        DifferentialTests.AssertDiffEqualsGnuDiff(pair.Before.Output, pair.After.Output);
    }

    [SkippableFact]
    public async Task A_changed_secret_value_shows_as_changed_and_never_in_clear()
    {
        ExternalTools.RequireHelm();
        var files = HelmRepository.Create();
        var source = Assert.Single(HelmSources.ForValuesFolder(files, "helm/staging", ["argocd"]).Sources);
        var edits = HelmRepository.Edit("helm/staging/values.yaml", "password: hunter2", "password: correct-horse", files);

        var pair = await new ManifestRenderer().RenderHelmEditAsync(files, edits, source);
        var diff = ManifestDiff.Compare(pair.Before.Output, pair.After.Output);

        var secret = Assert.Single(diff.Changes);
        Assert.Equal("Secret", secret.Key.Kind);
        Assert.Contains("-  password: " + SecretRedactor.Redacted, secret.Diff, StringComparison.Ordinal);
        Assert.Contains("+  password: " + SecretRedactor.RedactedChanged, secret.Diff, StringComparison.Ordinal);
        Assert.Contains("+  token: " + SecretRedactor.RedactedChanged, secret.Diff, StringComparison.Ordinal);
        var markdown = diff.ToMarkdown(10_000);
        foreach (var secretText in new[] { "hunter2", "correct-horse", Convert.ToBase64String(Encoding.UTF8.GetBytes("hunter2")), Convert.ToBase64String(Encoding.UTF8.GetBytes("correct-horse")) })
        {
            Assert.DoesNotContain(secretText, markdown, StringComparison.Ordinal);
            Assert.DoesNotContain(secretText, secret.Diff, StringComparison.Ordinal);
        }
    }

    [SkippableFact]
    public async Task Parameters_and_ref_value_files_are_rendered_as_argo_cd_would()
    {
        ExternalTools.RequireHelm();
        var files = HelmRepository.Create();
        var source = Assert.Single(HelmSources.ForValuesFolder(files, "helm/production", ["argocd"]).Sources);

        var result = await new ManifestRenderer().RenderHelmAsync(files, source);

        Assert.True(result.Succeeded, result.FailureMessage);
        Assert.Contains("replicas: 5", result.Output, StringComparison.Ordinal);
        Assert.Contains("namespace: production", result.Output, StringComparison.Ordinal);
        Assert.StartsWith("helm template web charts/web --namespace production --include-crds --values helm/production/values.yaml --set replicas=5", result.Command, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_values_edit_that_breaks_the_chart_does_not_build_and_says_why()
    {
        ExternalTools.RequireHelm();
        var files = HelmRepository.Create();
        var source = Assert.Single(HelmSources.ForValuesFolder(files, "helm/staging", ["argocd"]).Sources);
        var edits = HelmRepository.Edit("helm/staging/values.yaml", "tag: \"1.0.0\"", "tag: \"\"", files);

        var pair = await new ManifestRenderer().RenderHelmEditAsync(files, edits, source);

        Assert.True(pair.Before.Succeeded);
        Assert.False(pair.After.Succeeded);
        Assert.StartsWith("this change does not build: `helm template web-staging charts/web", pair.After.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("image.tag is required", pair.After.FailureMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("gitops-render-", pair.After.FailureMessage, StringComparison.Ordinal);
    }
}
