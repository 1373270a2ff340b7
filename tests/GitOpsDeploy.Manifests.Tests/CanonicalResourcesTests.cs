using GitOpsDeploy.Manifests.Diff;

namespace GitOpsDeploy.Manifests.Tests;

/// <summary>
/// One text form for a resource whichever renderer made it: <c>kubectl kustomize</c>'s YAML and Argo CD's JSON
/// (keys sorted, tracking metadata added, Secret values hidden) must read the same when they mean the same, and
/// differ when they do not.
/// </summary>
[Trait("Tier", "Unit")]
public sealed class CanonicalResourcesTests
{
    private const string App = "web-staging";

    private const string Kustomize = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          namespace: staging
          labels:
            app: web
        spec:
          replicas: 2
          template:
            spec:
              containers:
              - name: web
                image: ghcr.io/acme/web:1.2.0
                args: ["--port", "8080"]
                ports:
                - containerPort: 8080
                readinessProbe:
                  enabled: true
                  ratio: 0.5
        """;

    private const string ArgoCd = """
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"annotations":{"argocd.argoproj.io/tracking-id":"web-staging:apps/Deployment:staging/web"},"labels":{"app":"web","app.kubernetes.io/instance":"web-staging"},"name":"web","namespace":"staging"},"spec":{"replicas":2,"template":{"spec":{"containers":[{"args":["--port","8080"],"image":"ghcr.io/acme/web:1.2.0","name":"web","ports":[{"containerPort":8080}],"readinessProbe":{"enabled":true,"ratio":0.5}}]}}}}
        """;

    private static RenderedResource Yaml(string yaml) => Assert.Single(RenderedResource.Split(yaml));

    private static string Canonical(RenderedResource resource) => Assert.Single(CanonicalResources.Normalize([resource], App)).Text;

    private static string FromArgoCd(string json) => Canonical(Assert.Single(CanonicalResources.FromJsonManifests([json])));

    [Fact]
    public void A_resource_rendered_by_kustomize_and_by_Argo_CD_reads_the_same()
    {
        var local = Canonical(Yaml(Kustomize));

        Assert.Equal(local, FromArgoCd(ArgoCd));
        Assert.DoesNotContain(CanonicalResources.TrackingAnnotation, local, StringComparison.Ordinal);
        Assert.DoesNotContain("annotations", local, StringComparison.Ordinal);
        Assert.True(local.IndexOf("apiVersion", StringComparison.Ordinal) < local.IndexOf("kind", StringComparison.Ordinal) && local.IndexOf("kind", StringComparison.Ordinal) < local.IndexOf("metadata", StringComparison.Ordinal), local);
    }

    [Fact]
    public void A_real_difference_survives_normalisation()
    {
        var local = Canonical(Yaml(Kustomize.Replace("web:1.2.0", "web:1.3.0", StringComparison.Ordinal)));

        Assert.NotEqual(local, FromArgoCd(ArgoCd));
        Assert.Contains("ghcr.io/acme/web:1.3.0", local, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("replicas: 2", "replicas: \"2\"")]
    [InlineData("enabled: true", "enabled: \"true\"")]
    [InlineData("ratio: 0.5", "ratio: \"0.5\"")]
    public void A_quoted_string_is_not_the_number_or_boolean_it_spells(string typed, string quoted)
    {
        Assert.NotEqual(Canonical(Yaml(Kustomize)), Canonical(Yaml(Kustomize.Replace(typed, quoted, StringComparison.Ordinal))));
    }

    [Theory]
    [InlineData("replicas: 2", "replicas: +2")]
    [InlineData("enabled: true", "enabled: True")]
    [InlineData("ratio: 0.5", "ratio: .5")]
    [InlineData("ratio: 0.5", "ratio: 5e-1")]
    public void Plain_scalars_that_mean_the_same_value_read_the_same(string one, string other)
    {
        Assert.Equal(Canonical(Yaml(Kustomize)), Canonical(Yaml(Kustomize.Replace(one, other, StringComparison.Ordinal))));
    }

    [Theory]
    [InlineData("~")]
    [InlineData("null")]
    [InlineData("")]
    public void Every_spelling_of_null_reads_the_same(string spelling)
    {
        var withNull = Kustomize.Replace("  replicas: 2", "  replicas: 2\n  paused: " + spelling, StringComparison.Ordinal);
        var withNullJson = ArgoCd.Replace("\"replicas\":2", "\"replicas\":2,\"paused\":null", StringComparison.Ordinal);

        Assert.Equal(FromArgoCd(withNullJson), Canonical(Yaml(withNull)));
    }

    [Fact]
    public void The_instance_label_is_removed_only_when_it_names_the_application()
    {
        var other = Canonical(Yaml(Kustomize.Replace("    app: web", "    app: web\n    app.kubernetes.io/instance: another-release", StringComparison.Ordinal)));
        var ours = Canonical(Yaml(Kustomize.Replace("    app: web", "    app: web\n    app.kubernetes.io/instance: " + App, StringComparison.Ordinal)));

        Assert.Contains("app.kubernetes.io/instance: another-release", other, StringComparison.Ordinal);
        Assert.DoesNotContain(CanonicalResources.InstanceLabel, ours, StringComparison.Ordinal);
    }

    [Fact]
    public void Labels_left_empty_by_the_removal_disappear_and_other_annotations_stay()
    {
        var json = ArgoCd.Replace("\"labels\":{\"app\":\"web\",", "\"labels\":{", StringComparison.Ordinal)
            .Replace("\"annotations\":{", "\"annotations\":{\"team\":\"web\",", StringComparison.Ordinal);

        var text = FromArgoCd(json);

        Assert.DoesNotContain("labels", text, StringComparison.Ordinal);
        Assert.Contains("annotations:\n    team: web", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_secrets_values_are_hidden_and_string_data_is_folded_into_data_keys()
    {
        var local = Yaml("""
            apiVersion: v1
            kind: Secret
            metadata:
              name: db
            stringData:
              password: hunter2
            data:
              user: YWRtaW4=
            """);
        var argo = Assert.Single(CanonicalResources.FromJsonManifests(["""{"apiVersion":"v1","data":{"password":"++++++++","user":"++++++++"},"kind":"Secret","metadata":{"name":"db"}}"""]));

        var text = Canonical(local);

        Assert.Equal(text, Canonical(argo));
        Assert.DoesNotContain("hunter2", text, StringComparison.Ordinal);
        Assert.DoesNotContain("YWRtaW4=", text, StringComparison.Ordinal);
        Assert.DoesNotContain("stringData", text, StringComparison.Ordinal);
        Assert.Contains($"password: {CanonicalResources.HiddenValue}", text, StringComparison.Ordinal);
        Assert.Contains($"user: {CanonicalResources.HiddenValue}", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_resource_of_another_group_named_Secret_keeps_its_values()
    {
        var text = Canonical(Yaml("""
            apiVersion: bitnami.com/v1alpha1
            kind: Secret
            metadata:
              name: sealed
            data:
              token: c2VhbGVk
            """));

        Assert.Contains("token: c2VhbGVk", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Multi_line_strings_become_literal_blocks_so_a_diff_shows_the_changed_line()
    {
        var json = ArgoCd.Replace("\"kind\":\"Deployment\"", "\"kind\":\"Deployment\",\"script\":\"first\\nsecond\\nthird\\n\"", StringComparison.Ordinal);

        var text = FromArgoCd(json);

        Assert.Contains("script: |\n  first\n  second\n  third\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_document_that_is_not_a_mapping_is_kept_as_it_came()
    {
        var list = Yaml("- one\n- two\n");

        Assert.Same(list, Assert.Single(CanonicalResources.Normalize([list], App)));
    }
}
