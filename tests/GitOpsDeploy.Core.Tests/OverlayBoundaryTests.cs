using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Editing;
using GitOpsDeploy.Editing.Images;
using GitOpsDeploy.Editing.Overlay;
using GitOpsDeploy.Editing.Yaml;

namespace GitOpsDeploy.Core.Tests;

/// <summary>What a deploy may write: files inside the target's overlay only, read through links that exist.</summary>
[Trait("Tier", "Unit")]
public sealed class OverlayBoundaryTests
{
    private readonly RepoPathTests.InMemoryTree tree = new(new Dictionary<string, string>
    {
        ["environments/staging/kustomization.yaml"] = "images:\n  - name: web\n    newTag: \"1.0\"\n",
        ["environments/staging/values.yaml"] = "image:\n  tag: \"1.0\"\n",
        ["environments/staging/sub/extra.yaml"] = "a: 1\n",
        ["environments/staging/prod-values.yaml"] = "@link:../production/values.yaml",
        ["environments/staging/prod-dir"] = "@link:../production",
        ["environments/staging/.gitops-deploy-hold"] = "reason: rollback\n",
        ["environments/production/kustomization.yaml"] = "images: []\n",
        ["environments/production/values.yaml"] = "image:\n  tag: \"0.9\"\n",
        ["environments/dangling/kustomization.yaml"] = "@link:gone.yaml",
        ["environments/borrowed/kustomization.yaml"] = "@link:../production/kustomization.yaml",
        ["environments/linked"] = "@link:staging",
        ["argocd/production-app.yaml"] = "spec:\n  source:\n    targetRevision: HEAD\n",
        ["argocd/staging/app.yaml"] = "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: web-staging\nspec:\n  destination:\n    namespace: web\n  source:\n    repoURL: https://example.com/charts\n    helm:\n      valuesObject:\n        image:\n          tag: \"1.0\"\n      parameters:\n        - name: replicaCount\n          value: \"1\"\n",
        ["argocd/staging/project.yaml"] = "apiVersion: argoproj.io/v1alpha1\nkind: AppProject\nmetadata:\n  name: web\nspec:\n  sourceRepos: [\"*\"]\n",
        ["argocd/staging/set.yaml"] = "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata:\n  name: web\nspec:\n  generators: []\n",
        [".github/workflows/ci.yaml"] = "on: push\n",
    });

    private OverlayEdit Plan(string overlay, string? set = null, string? images = null) =>
        OverlayEditor.Plan(tree, overlay, ImageSpec.ParseList(images), ValueSetting.ParseList(set));

    [Theory]
    [InlineData("../production/values.yaml:image.tag=latest")]
    [InlineData("../../argocd/production-app.yaml:spec.source.targetRevision=evil")]
    [InlineData("../../.github/workflows/ci.yaml:on=workflow_dispatch")]
    [InlineData("sub/../../production/values.yaml:image.tag=latest")]
    [InlineData("prod-values.yaml:image.tag=latest")]
    [InlineData("prod-dir/values.yaml:image.tag=latest")]
    public void Set_may_not_write_outside_the_overlay_directly_or_through_a_symlink(string setting)
    {
        var error = Assert.Throws<DeployException>(() => Plan("environments/staging", setting));

        Assert.Equal(ErrorKind.InvalidInput, error.Kind);
        Assert.StartsWith("input 'set':", error.Message, StringComparison.Ordinal);
        Assert.Contains("outside the overlay 'environments/staging'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(".", "README.md:a=b", "is the root of the gitops repository")]
    [InlineData("./environments/..", "README.md:a=b", "is the root of the gitops repository")]
    [InlineData(".github", "workflows/ci.yaml:on=workflow_dispatch", "is under .github/")]
    [InlineData(".github/workflows", "ci.yaml:on=workflow_dispatch", "is under .github/")]
    [InlineData("environments/../.github/workflows", "ci.yaml:on=workflow_dispatch", "is under .github/")]
    public void The_repository_root_and_its_own_ci_are_never_an_overlay(string overlay, string setting, string reason)
    {
        var error = Assert.Throws<DeployException>(() => Plan(overlay, setting));

        Assert.StartsWith("input 'overlay-path':", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("app.yaml:spec.destination.namespace=kube-system", "not 'spec.destination.namespace'")]
    [InlineData("app.yaml:spec.source.repoURL=https://evil.example/charts", "not 'spec.source.repoURL'")]
    [InlineData("project.yaml:spec.sourceRepos[0]=evil", "is an Argo CD AppProject, which the action never edits")]
    [InlineData("set.yaml:metadata.name=evil", "is an Argo CD ApplicationSet, which the action never edits")]
    public void An_argo_cd_object_is_edited_only_where_a_helm_source_takes_its_values(string setting, string reason)
    {
        var error = Assert.Throws<DeployException>(() => Plan("argocd/staging", setting));

        Assert.Equal(ErrorKind.InvalidFile, error.Kind);
        Assert.Contains("input 'set':", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.NotNull(error.Location);
    }

    [Fact]
    public void An_argo_cd_applications_helm_values_and_parameters_stay_writable()
    {
        var edit = OverlayEditor.Plan(tree, "argocd/staging", ImageSpec.ParseList("web=ghcr.io/acme/web:2.0"),
            ValueSetting.ParseList("app.yaml:spec.source.helm.parameters[name=replicaCount].value=3"), HelmImageKey.ParseList("web=app.yaml:spec.source.helm.valuesObject.image"));

        var text = System.Text.Encoding.UTF8.GetString(Assert.Single(edit.Files).Content!);
        Assert.Contains("tag: \"2.0\"", text, StringComparison.Ordinal);
        Assert.Contains("value: \"3\"", text, StringComparison.Ordinal);
        Assert.Contains("namespace: web", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Set_writes_files_in_subfolders_of_the_overlay()
    {
        var edit = Plan("environments/staging", "sub/extra.yaml:a=2");

        Assert.Equal("environments/staging/sub/extra.yaml", Assert.Single(edit.Files).Path);
    }

    [Fact]
    public void A_symlinked_overlay_is_edited_at_its_target_and_set_stays_inside_it()
    {
        var edit = Plan("environments/linked", "values.yaml:image.tag=2.0");

        Assert.Equal("environments/staging/values.yaml", Assert.Single(edit.Files).Path);
    }

    [Fact]
    public void Set_may_not_rewrite_the_hold_marker()
    {
        var error = Assert.Throws<DeployException>(() => Plan("environments/staging", ".gitops-deploy-hold:reason=none"));

        Assert.Contains("is the hold marker", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_kustomization_that_links_into_another_environment_is_not_written()
    {
        var error = Assert.Throws<DeployException>(() => Plan("environments/borrowed", images: "web:2.0"));

        Assert.Contains("is a symlink to 'environments/production/kustomization.yaml', outside the overlay", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dangling_kustomization_symlink_says_where_it_points()
    {
        var error = Assert.Throws<DeployException>(() => Plan("environments/dangling", images: "web:2.0"));

        Assert.Equal(ErrorKind.InvalidFile, error.Kind);
        Assert.Equal("environments/dangling/kustomization.yaml", error.Location!.File);
        Assert.Contains("the symlink 'environments/dangling/kustomization.yaml' points to 'gone.yaml' (environments/dangling/gone.yaml), which does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_set_file_that_does_not_exist_is_named()
    {
        var error = Assert.Throws<DeployException>(() => Plan("environments/staging", "nope.yaml:a=1"));

        Assert.Equal("input 'set': 'nope.yaml' does not exist in the overlay 'environments/staging'", error.Message);
    }

    [Theory]
    [InlineData("values.yaml:image.tag=1.0\u007f", "U+007F")]
    [InlineData("values.yaml:image.tag=1.0\u0085x", "U+0085")]
    [InlineData("values.yaml:image.tag=\u009b31m", "U+009B")]
    [InlineData("values.yaml:image\u0001.tag=1", "U+0001")]
    public void Control_characters_in_set_are_refused_naming_set(string setting, string code)
    {
        var error = Assert.Throws<DeployException>(() => ValueSetting.Parse(setting));

        Assert.StartsWith("input 'set':", error.Message, StringComparison.Ordinal);
        Assert.Contains(code, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("web=ghcr.io/acme/a..b:1.0")]
    [InlineData("web=ghcr.io/Acme/web:1.0")]
    [InlineData("web=ghcr.io/acme/web-:1.0")]
    [InlineData("web=ghcr.io/acme//web:1.0")]
    [InlineData("web=-ghcr.io/acme/web:1.0")]
    [InlineData("web=ghcr.io:port/acme/web:1.0")]
    [InlineData("web=ghcr.io/acme/_web:1.0")]
    public void NewName_must_be_a_valid_distribution_reference(string spec)
    {
        var error = Assert.Throws<DeployException>(() => ImageSpec.Parse(spec));

        Assert.Contains("is not a valid image reference", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("web=ghcr.io/acme/web:1.0")]
    [InlineData("web=localhost:5000/acme/my_web__x:1.0")]
    [InlineData("web=registry.example.com:443/a/b/c-d.e:1.0")]
    [InlineData("web=[::1]:5000/web:1.0")]
    [InlineData("web=nginx:1.27")]
    [InlineData("Web=ghcr.io/acme/web:1.0")]
    [InlineData("web=*:1.0")]
    public void NewName_accepts_what_registries_accept(string spec) => ImageSpec.Parse(spec);

    [Theory]
    [InlineData(".hidden")]
    [InlineData("gitops/.hidden/x")]
    [InlineData("x.lock")]
    [InlineData("gitops/x.lock/y")]
    [InlineData("a//b")]
    [InlineData("a/")]
    [InlineData("HEAD")]
    [InlineData("a@{b")]
    [InlineData("a\u007fb")]
    public void Branch_names_follow_gits_rules_for_every_component(string name) => Assert.False(RequestParser.IsValidBranch(name));

    [Theory]
    [InlineData("gitops-deploy/staging/web")]
    [InlineData("release/v1.2")]
    [InlineData("a.b/c_d")]
    public void Ordinary_branch_names_are_valid(string name) => Assert.True(RequestParser.IsValidBranch(name));
}

/// <summary>A Helm values folder (no kustomization) is a target for <c>set</c>; <c>images</c> still needs a kustomization.</summary>
[Trait("Tier", "Unit")]
public sealed class HelmValuesFolderTests
{
    private readonly RepoPathTests.InMemoryTree tree = new(new Dictionary<string, string>
    {
        ["environments/staging/values.yaml"] = "image:\n  repository: ghcr.io/acme/web\n  tag: \"1.0\"\nnodeSelector: {}\n",
        ["environments/staging/.gitops-deploy-hold"] = "reason: rollback\n",
    });

    [Fact]
    public void Set_edits_a_values_file_in_a_folder_without_a_kustomization()
    {
        var edit = OverlayEditor.Plan(tree, "environments/staging", [], ValueSetting.ParseList("values.yaml:image.tag=1.4.2\nvalues.yaml:nodeSelector.disktype=ssd"));

        Assert.Null(edit.KustomizationPath);
        var file = Assert.Single(edit.Files);
        Assert.Equal("image:\n  repository: ghcr.io/acme/web\n  tag: \"1.4.2\"\nnodeSelector:\n  disktype: ssd\n", System.Text.Encoding.UTF8.GetString(file.Content!));
    }

    [Fact]
    public void Images_in_a_folder_with_neither_a_kustomization_nor_values_yaml_are_refused()
    {
        var empty = new RepoPathTests.InMemoryTree(new Dictionary<string, string> { ["environments/staging/notes.md"] = "x" });
        var error = Assert.Throws<DeployException>(() => OverlayEditor.Plan(empty, "environments/staging", ImageSpec.ParseList("web:1.4.2"), []));

        Assert.Equal("input 'overlay-path': 'environments/staging' has neither a kustomization (kustomization.yaml, kustomization.yml, Kustomization) nor a Helm values.yaml to set images in", error.Message);
    }

    [Theory]
    [InlineData(null, "environments/staging")]
    [InlineData("helm/production", "helm/staging")]
    [InlineData("clusters/production/web", "clusters/staging/web")]
    [InlineData("apps/web-prod", "environments/staging")]
    public void Promotion_reads_the_overlay_of_the_source_environment_in_the_same_layout(string? overlayPath, string expected) =>
        Assert.Equal(expected, RequestParser.SourceOverlay(overlayPath, "production", "staging"));
}
