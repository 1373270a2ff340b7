using System.Text;
using GitOpsDeploy.Editing;
using GitOpsDeploy.Editing.Images;
using GitOpsDeploy.Editing.Overlay;
using GitOpsDeploy.Editing.Yaml;

namespace GitOpsDeploy.Core.Tests;

/// <summary>images: in Helm values folders, in the layouts charts use, with the same quoting rules as kustomize edits.</summary>
[Trait("Tier", "Unit")]
public sealed class HelmImageEditorTests
{
    private static string Deploy(string values, string images, string? keys = null, string? set = null, bool create = true)
    {
        var tree = new RepoPathTests.InMemoryTree(new Dictionary<string, string> { ["env/values.yaml"] = values, ["env/values-worker.yaml"] = "image: ghcr.io/acme/worker:2.0\n", ["other/values.yaml"] = "image: x:1\n" });
        var edit = OverlayEditor.Plan(tree, "env", ImageSpec.ParseList(images), ValueSetting.ParseList(set), HelmImageKey.ParseList(keys), create);
        return edit.Files.Count == 0 ? values : Encoding.UTF8.GetString(edit.Files.Single(f => f.Path == "env/values.yaml").Content!);
    }

    [Fact]
    public void Repository_and_tag_are_replaced_in_place_keeping_comments_and_quoting()
    {
        var values = "# web chart\nimage:\n  repository: ghcr.io/acme/web # where it is pulled from\n  tag: \"1.0.0\"\n  pullPolicy: IfNotPresent\n";

        Assert.Equal("# web chart\nimage:\n  repository: ghcr.io/acme/web # where it is pulled from\n  tag: \"1.4.2\"\n  pullPolicy: IfNotPresent\n",
            Deploy(values, "web=ghcr.io/acme/web:1.4.2"));
        Assert.Equal("# web chart\nimage:\n  repository: registry.example.com/web # where it is pulled from\n  tag: \"1.4.2\"\n  pullPolicy: IfNotPresent\n",
            Deploy(values, "web=registry.example.com/web:1.4.2"));
    }

    [Theory]
    [InlineData("  tag: v1\n", "web:v2", "  tag: v2\n")]
    [InlineData("  tag: v1\n", "web:1.10", "  tag: \"1.10\"\n")]
    [InlineData("  tag: 1.9\n", "web:1.10", "  tag: \"1.10\"\n")]
    [InlineData("  tag: ''\n", "web:2024.01", "  tag: '2024.01'\n")]
    public void Tags_are_written_as_strings(string tagLine, string spec, string expected) =>
        Assert.Equal("image:\n  repository: ghcr.io/acme/web\n" + expected, Deploy("image:\n  repository: ghcr.io/acme/web\n" + tagLine, spec));

    [Fact]
    public void A_digest_fills_the_empty_digest_key_and_empties_the_tag()
    {
        var digest = "sha256:" + new string('a', 64);

        Assert.Equal($"image:\n  repository: ghcr.io/acme/web\n  tag: \"\"\n  digest: {digest}\n",
            Deploy("image:\n  repository: ghcr.io/acme/web\n  tag: \"1.0\"\n  digest:\n", "web@" + digest));
    }

    [Fact]
    public void Tag_and_digest_together_add_a_missing_digest_key()
    {
        var digest = "sha256:" + new string('b', 64);

        Assert.Equal($"image:\n  repository: ghcr.io/acme/web\n  tag: \"1.4.2\"\n  digest: {digest}\n",
            Deploy("image:\n  repository: ghcr.io/acme/web\n  tag: \"1.0\"\n", $"web:1.4.2@{digest}"));
    }

    [Fact]
    public void A_chart_that_splits_the_registry_off_gets_both_parts()
    {
        Assert.Equal("image:\n  registry: ghcr.io\n  repository: acme/web\n  tag: 1.4.2\n",
            Deploy("image:\n  registry: docker.io\n  repository: bitnami/web\n  tag: 1.0.0\n", "web=ghcr.io/acme/web:1.4.2"));
    }

    [Fact]
    public void A_single_image_string_is_replaced_whole()
    {
        Assert.Equal("image: ghcr.io/acme/web:1.4.2 # pinned by CI\nreplicas: 2\n",
            Deploy("image: ghcr.io/acme/web:1.0.0 # pinned by CI\nreplicas: 2\n", "web:1.4.2"));
    }

    [Fact]
    public void Helm_image_keys_map_names_to_component_keys_and_other_files()
    {
        var values = "frontend:\n  image:\n    repository: ghcr.io/acme/web\n    tag: \"1.0\"\nbackend:\n  image:\n    repository: ghcr.io/acme/api\n    tag: \"3.0\"\n";

        Assert.Equal(values.Replace("tag: \"1.0\"", "tag: \"1.1\"", StringComparison.Ordinal).Replace("tag: \"3.0\"", "tag: \"3.1\"", StringComparison.Ordinal),
            Deploy(values, "web:1.1, api:3.1", "web=frontend.image, api=backend.image"));
    }

    [Fact]
    public void Images_and_set_on_the_same_values_file_are_applied_one_after_the_other()
    {
        Assert.Equal("image:\n  repository: ghcr.io/acme/web\n  tag: \"1.4.2\"\nreplicas: 3\n",
            Deploy("image:\n  repository: ghcr.io/acme/web\n  tag: \"1.0\"\nreplicas: 1\n", "web:1.4.2", set: "values.yaml:replicas=3"));
    }

    [Theory]
    [InlineData("image: ghcr.io/acme/web:1.0\n", "web:1.4.2", "web=image.tag", "'image' is a single value, not a mapping; nothing is created under a scalar")]
    [InlineData("image:\n  tag: 1\n", "web:1, api:2", null, "several images in a Helm values folder need a mapping")]
    [InlineData("image:\n  tag: 1\n", "api:2", "web=image", "image 'api' is not mapped (it maps web)")]
    [InlineData("image:\n  - a\n", "web:2", null, "'image' is neither an image mapping")]
    [InlineData("image:\n  tag: 1\n", "web:2", "web=../other/values.yaml:image", "outside the overlay")]
    public void Helm_images_that_cannot_be_placed_are_refused_with_a_reason(string values, string images, string? keys, string message)
    {
        var error = Assert.Throws<DeployException>(() => Deploy(values, images, keys));

        Assert.Contains(message, error.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void With_create_missing_keys_false_a_values_file_without_the_image_key_is_refused()
    {
        var error = Assert.Throws<DeployException>(() => Deploy("replicas: 1\n", "web:1.4.2", create: false));

        Assert.Equal("env/values.yaml:1:1: image 'web': env/values.yaml has no 'image' (map the image with helm-image-keys, e.g. web=frontend.image; create-missing-keys is false, so it is not added)", error.Describe());
    }

    [Fact]
    public void An_environments_values_file_without_an_image_gets_the_tag_and_leaves_the_repository_to_the_chart()
    {
        // The commonest layout: the chart's values.yaml holds the image, values-production.yaml overrides a few keys.
        var chart = "image:\n  repository: ghcr.io/acme/web\n  tag: \"1.0.0\"\n";
        var tree = new RepoPathTests.InMemoryTree(new Dictionary<string, string>
        {
            ["helm/web/values.yaml"] = chart,
            ["helm/web/values-production.yaml"] = "# production overrides\nreplicaCount: 3\n",
        });

        var edit = OverlayEditor.Plan(tree, "helm/web", ImageSpec.ParseList("web:1.4.2"), [], HelmImageKey.ParseList("web=values-production.yaml:image"));

        var file = Assert.Single(edit.Files);
        Assert.Equal("helm/web/values-production.yaml", file.Path);
        Assert.Equal("# production overrides\nreplicaCount: 3\nimage:\n  tag: 1.4.2\n", Encoding.UTF8.GetString(file.Content!));
        Assert.Equal(new ImageChange(null, new ImageEntry("web", null, "1.4.2", null)), Assert.Single(edit.Images));
        Assert.Empty(edit.Warnings);
    }

    [Fact]
    public void Images_and_set_add_to_the_same_new_parent_once()
    {
        Assert.Equal("replicas: 1\nimage:\n  repository: ghcr.io/acme/web\n  tag: 1.4.2\n  pullPolicy: Always\n",
            Deploy("replicas: 1\n", "web=ghcr.io/acme/web:1.4.2", set: "values.yaml:image.pullPolicy=Always"));
    }

    [Theory]
    [InlineData("image: {}\nreplicas: 1\n", "image:\n  tag: 1.4.2\nreplicas: 1\n")]
    [InlineData("image: ~\nreplicas: 1\n", "image:\n  tag: 1.4.2\nreplicas: 1\n")]
    [InlineData("frontend:\n    replicas: 1\n", "frontend:\n    replicas: 1\n    image:\n        tag: 1.4.2\n")]
    public void An_image_key_that_is_empty_or_missing_becomes_a_block(string values, string expected) =>
        Assert.Equal(expected, Deploy(values, "web:1.4.2", values.StartsWith("frontend", StringComparison.Ordinal) ? "web=frontend.image" : null));

    [Fact]
    public void A_key_holding_a_bare_tag_is_written_with_a_warning_naming_the_line_and_a_better_mapping()
    {
        var tree = new RepoPathTests.InMemoryTree(new Dictionary<string, string> { ["env/values.yaml"] = "replicas: 1\nplaceholder: 1.27.3\n" });

        var edit = OverlayEditor.Plan(tree, "env", ImageSpec.ParseList("web:1.28.0"), [], HelmImageKey.ParseList("web=placeholder"));

        Assert.Equal("replicas: 1\nplaceholder: 1.27.3:1.28.0\n", Encoding.UTF8.GetString(Assert.Single(edit.Files).Content!));
        var warning = Assert.Single(edit.Warnings);
        Assert.Equal(new SourceLocation("env/values.yaml", 2, 14), warning.Location);
        Assert.Contains("'1.27.3' is a tag, not an image reference", warning.Message, StringComparison.Ordinal);
        Assert.Contains("set: values.yaml:placeholder=TAG", warning.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("image: ghcr.io/acme/web:1.0\n")]
    [InlineData("image: nginx\n")]
    [InlineData("image:\n  repository: ghcr.io/acme/web\n  tag: 1.27.3\n")]
    public void An_image_reference_or_mapping_is_not_warned_about(string values)
    {
        var tree = new RepoPathTests.InMemoryTree(new Dictionary<string, string> { ["env/values.yaml"] = values });

        Assert.Empty(OverlayEditor.Plan(tree, "env", ImageSpec.ParseList("web:1.28.0"), []).Warnings);
    }

    [Fact]
    public void The_images_of_a_helm_folder_are_read_for_promotion_and_rollback()
    {
        var tree = new RepoPathTests.InMemoryTree(new Dictionary<string, string>
        {
            ["env/values.yaml"] = "image:\n  registry: ghcr.io\n  repository: acme/web\n  tag: \"1.4.2\"\n  digest: \"\"\n",
            ["env/values-worker.yaml"] = "image: ghcr.io/acme/worker:2.0@sha256:" + new string('c', 64) + "\n",
        });

        var entries = OverlayEditor.ReadImages(tree, "env", "promote-from", HelmImageKey.ParseList("web=image, worker=values-worker.yaml:image"));

        Assert.Equal([new ImageEntry("web", "ghcr.io/acme/web", "1.4.2", null), new ImageEntry("worker", "ghcr.io/acme/worker", "2.0", "sha256:" + new string('c', 64))], entries);
        Assert.Throws<DeployException>(() => OverlayEditor.ReadImages(tree, "env", "promote-from"));
        Assert.Single(OverlayEditor.ReadImages(tree, "env", "promote-from", names: ["web"]));
    }

    [Theory]
    [InlineData("web")]
    [InlineData("web=")]
    [InlineData("=image")]
    [InlineData("web=image, web=other")]
    public void Malformed_helm_image_keys_name_the_input(string text)
    {
        var error = Assert.Throws<DeployException>(() => HelmImageKey.ParseList(text));

        Assert.StartsWith("input 'helm-image-keys':", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_argo_cd_application_with_inline_values_is_a_target_through_its_key_path()
    {
        const string app = """
            apiVersion: argoproj.io/v1alpha1
            kind: Application
            metadata:
              name: web-staging
            spec:
              source:
                repoURL: https://charts.example.com
                chart: web
                helm:
                  valuesObject:
                    image:
                      repository: ghcr.io/acme/web
                      tag: "1.0.0" # bumped by CI
                  parameters:
                    - name: replicaCount
                      value: "2"

            """;
        var tree = new RepoPathTests.InMemoryTree(new Dictionary<string, string> { ["argocd/staging/app.yaml"] = app });

        var edit = OverlayEditor.Plan(tree, "argocd/staging", ImageSpec.ParseList("web:1.4.2"), ValueSetting.ParseList("app.yaml:spec.source.helm.parameters[0].value=3"),
            HelmImageKey.ParseList("web=app.yaml:spec.source.helm.valuesObject.image"));

        Assert.Equal(app.Replace("tag: \"1.0.0\"", "tag: \"1.4.2\"", StringComparison.Ordinal).Replace("value: \"2\"", "value: \"3\"", StringComparison.Ordinal),
            Encoding.UTF8.GetString(Assert.Single(edit.Files).Content!));
    }

    [Fact]
    public void An_argo_cd_application_gets_a_missing_values_object_inside_its_helm_section_and_never_a_helm_section()
    {
        const string app = "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: web-production\nspec:\n  source:\n    chart: web\n";
        var tree = new RepoPathTests.InMemoryTree(new Dictionary<string, string>
        {
            ["argocd/production/app.yaml"] = app + "    helm:\n      releaseName: web\n",
            ["argocd/staging/app.yaml"] = app,
        });
        var keys = HelmImageKey.ParseList("web=app.yaml:spec.source.helm.valuesObject.image");

        var edit = OverlayEditor.Plan(tree, "argocd/production", ImageSpec.ParseList("web:1.4.2"), ValueSetting.ParseList("app.yaml:spec.source.helm.valuesObject.replicaCount=3"), keys);
        var error = Assert.Throws<DeployException>(() => OverlayEditor.Plan(tree, "argocd/staging", ImageSpec.ParseList("web:1.4.2"), [], keys));

        Assert.Equal(app + "    helm:\n      releaseName: web\n      valuesObject:\n        image:\n          tag: 1.4.2\n        replicaCount: 3\n",
            Encoding.UTF8.GetString(Assert.Single(edit.Files).Content!));
        Assert.StartsWith("argocd/staging/app.yaml:7:5: image 'web': argocd/staging/app.yaml is an Argo CD Application, and keys are created only inside its source's existing 'helm' section", error.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_helm_image_key_can_pick_a_list_item_by_its_name()
    {
        var values = "containers:\n  - name: sidecar\n    image: envoyproxy/envoy:v1.30\n  - name: web\n    image: ghcr.io/acme/web:1.0.0\n";

        Assert.Equal(values.Replace("web:1.0.0", "web:1.4.2", StringComparison.Ordinal), Deploy(values, "web:1.4.2", "web=containers[name=web].image"));
    }
}
