using GitOpsDeploy.Editing;
using GitOpsDeploy.Editing.Images;
using GitOpsDeploy.Editing.Overlay;
using GitOpsDeploy.Editing.Yaml;

namespace GitOpsDeploy.Core.Tests;

/// <summary>
/// Helm values folders and Argo CD Applications as edit targets: where each image lives, every refusal naming its input,
/// and the only parts of an Application the action writes (its Helm sources).
/// </summary>
[Trait("Tier", "Unit")]
public sealed class OverlayHelmTests
{
    private const string Overlay = "environments/staging";
    private const string Values = "image:\n  repository: ghcr.io/acme/web\n  tag: \"1\"\n";

    private static RepoPathTests.InMemoryTree Tree(params (string File, string Content)[] files) =>
        new(files.ToDictionary(f => $"{Overlay}/{f.File}", f => f.Content));

    private static IReadOnlyList<ImageSpec> Images(string text) => ImageSpec.ParseList(text);

    private static string Refused(Action plan) => Assert.Throws<DeployException>(plan).Message;

    [Fact]
    public void A_folder_without_a_kustomization_or_values_file_is_refused_even_with_an_empty_mapping()
    {
        var tree = Tree(("README.md", "x"));

        Assert.Equal(
            $"input 'overlay-path': '{Overlay}' has neither a kustomization (kustomization.yaml, kustomization.yml, Kustomization) nor a Helm values.yaml to set images in",
            Refused(() => OverlayEditor.Plan(tree, Overlay, Images("web:2"), [], new Dictionary<string, HelmImageKey>())));
    }

    [Fact]
    public void A_mapped_values_file_that_does_not_exist_is_refused_naming_the_mapping()
    {
        var tree = Tree(("values.yaml", Values));
        var keys = HelmImageKey.ParseList("web=frontend.yaml:image");

        Assert.Equal($"input 'helm-image-keys': 'frontend.yaml' does not exist in the overlay '{Overlay}'", Refused(() => OverlayEditor.Plan(tree, Overlay, Images("web:2"), [], keys)));
        Assert.Equal($"input 'helm-image-keys': 'frontend.yaml' does not exist in the overlay '{Overlay}'", Refused(() => OverlayEditor.ReadImages(tree, Overlay, "images", keys)));
    }

    [Fact]
    public void An_image_the_mapping_does_not_name_and_several_unmapped_images_are_refused()
    {
        var tree = Tree(("values.yaml", Values));

        Assert.Equal("input 'helm-image-keys': image 'api' is not mapped (it maps web, worker)",
            Refused(() => OverlayEditor.Plan(tree, Overlay, Images("api:2"), [], HelmImageKey.ParseList("web=image,worker=worker.image"))));
        Assert.Equal("input 'helm-image-keys': several images in a Helm values folder need a mapping, e.g. web=frontend.image, worker=worker.image",
            Refused(() => OverlayEditor.Plan(tree, Overlay, Images("web:2,worker:3"), [])));
    }

    [Fact]
    public void The_images_of_a_helm_folder_are_read_by_the_names_given_else_by_the_mapping()
    {
        var tree = Tree(("values.yaml", Values));
        var keys = HelmImageKey.ParseList("web=image");

        Assert.Equal("ghcr.io/acme/web", Assert.Single(OverlayEditor.ReadImages(tree, Overlay, "images", keys, names: [])).NewName);
        Assert.Equal("ghcr.io/acme/web", Assert.Single(OverlayEditor.ReadImages(tree, Overlay, "images", null, names: ["web"])).NewName);
        Assert.Equal($"input 'images': '{Overlay}' is a Helm values folder: name the images (images: web) or map them with helm-image-keys",
            Refused(() => OverlayEditor.ReadImages(tree, Overlay, "images")));
    }

    private const string Application = """
        apiVersion: argoproj.io/v1alpha1
        kind: Application
        metadata:
          name: web
        spec:
          sources:
          - repoURL: https://charts.example.com
            path: charts/web
            helm:
              valuesObject:
                replicas: 1

        """;

    [Fact]
    public void An_application_is_written_only_under_a_helm_source()
    {
        var tree = Tree(("app.yaml", Application), ("values.yaml", Values));

        var edit = OverlayEditor.Plan(tree, Overlay, [], [ValueSetting.Parse("app.yaml:spec.sources[0].helm.valuesObject.replicas=3")]);

        Assert.Equal("3", Assert.Single(edit.Values).After);
        Assert.Equal($"input 'set': {Overlay}/app.yaml is an Argo CD Application; the action edits one only under spec.source.helm or spec.sources[...].helm, not 'spec.sources[0].path'",
            Refused(() => OverlayEditor.Plan(tree, Overlay, [], [ValueSetting.Parse("app.yaml:spec.sources[0].path=charts/evil")])));
        Assert.Contains("input 'helm-image-keys': ", Refused(() => OverlayEditor.Plan(tree, Overlay, Images("web:2"), [], HelmImageKey.ParseList("web=app.yaml:spec.sources[0].repoURL"))), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("apiVersion: example.com/v1\nkind: Application\nspec:\n  path: a\n")]
    [InlineData("apiVersion: argoproj.io/v1alpha1\nspec:\n  path: a\n")]
    [InlineData("apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nspec:\n  path: a\n")]
    public void Only_argo_cds_own_kinds_are_guarded(string document)
    {
        var tree = Tree(("app.yaml", document), ("values.yaml", Values));

        var edit = OverlayEditor.Plan(tree, Overlay, [], [ValueSetting.Parse("app.yaml:spec.path=b")]);

        Assert.Equal("b", Assert.Single(edit.Values).After);
    }

    [Fact]
    public void A_path_with_a_control_character_anywhere_is_refused()
    {
        var tree = Tree(("values.yaml", Values));

        Assert.Equal("input 'overlay-path': path contains a control character", Refused(() => RepoPath.Resolve(tree, string.Empty, "environments/sta\u0007ging", "overlay-path")));
    }

    [Fact]
    public void The_folder_a_path_is_relative_to_is_taken_as_it_is_and_only_the_path_is_resolved_through_links()
    {
        var tree = new RepoPathTests.InMemoryTree(new Dictionary<string, string>
        {
            ["env/link"] = "@link:staging",
            ["env/staging/values.yaml"] = Values,
            ["env/staging/current"] = "@link:values.yaml",
        });

        Assert.Equal("env/link/values.yaml", RepoPath.Resolve(tree, "env/link", "values.yaml", "set"));
        Assert.Equal("env/staging/values.yaml", RepoPath.Resolve(tree, "env/staging", "current", "set"));
    }

    [Theory]
    [InlineData(40, true)]
    [InlineData(41, false)]
    public void A_chain_of_forty_symlinks_resolves_and_one_more_is_refused(int links, bool resolves)
    {
        var files = Enumerable.Range(0, links).ToDictionary(i => $"d/l{i}", i => $"@link:l{i + 1}");
        files[$"d/l{links}"] = Values;
        var tree = new RepoPathTests.InMemoryTree(files);

        if (resolves)
        {
            Assert.Equal($"d/l{links}", RepoPath.Resolve(tree, "d", "l0", "set"));
            return;
        }

        Assert.Equal("input 'set': 'l0' has too many levels of symbolic links", Refused(() => RepoPath.Resolve(tree, "d", "l0", "set")));
    }
}
