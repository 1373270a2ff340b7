using GitOpsDeploy.Core.Scaffold;
using GitOpsDeploy.Editing;
using YamlDotNet.RepresentationModel;

namespace GitOpsDeploy.Core.Tests;

/// <summary>
/// The scaffold's pure part: which options it refuses (naming the option), the files it generates for them, and the
/// promotion workflow. Every generated file is parsed as YAML here; the app's tests render the overlays with kustomize.
/// </summary>
[Trait("Tier", "Unit")]
public sealed class GitOpsScaffoldTests
{
    private static ScaffoldOptions Options(string app = "web", string? image = "ghcr.io/acme/web", string? environments = null, string? repoUrl = null, string? tag = null) =>
        GitOpsScaffold.Validate(app, image, environments, repoUrl, tag);

    private static YamlMappingNode Parse(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return (YamlMappingNode)Assert.Single(stream.Documents).RootNode;
    }

    private static string At(YamlNode node, params object[] path)
    {
        foreach (var step in path)
        {
            node = step is int index ? ((YamlSequenceNode)node).Children[index] : ((YamlMappingNode)node).Children[new YamlScalarNode((string)step)];
        }

        return ((YamlScalarNode)node).Value!;
    }

    [Fact]
    public void The_defaults_are_staging_and_production_at_an_immutable_first_tag()
    {
        var options = Options();

        Assert.Equal(("web", "ghcr.io/acme/web", "0.1.0", null), (options.App, options.Image, options.Tag, options.RepoUrl));
        Assert.Equal(["staging", "production"], options.Environments);
        Assert.Equal(["dev", "qa"], Options(environments: " dev , qa ,").Environments);
    }

    [Theory]
    [InlineData(null, "app", "'' must be a lowercase DNS label (a-z, 0-9, '-', at most 40 characters)")]
    [InlineData("Web", "app", "'Web' must be a lowercase DNS label (a-z, 0-9, '-', at most 40 characters)")]
    [InlineData("-web", "app", "'-web' must be a lowercase DNS label")]
    [InlineData("web-", "app", "'web-' must be a lowercase DNS label")]
    [InlineData("a23456789012345678901234567890123456789012", "app", "'a23456789012345678901234567890123456789012' must be a lowercase DNS label")]
    public void An_app_name_that_is_not_a_dns_label_is_refused(string? app, string input, string says)
    {
        var error = Assert.Throws<DeployException>(() => GitOpsScaffold.Validate(app, "ghcr.io/acme/web", null, null, null));

        Assert.Equal(ErrorKind.InvalidInput, error.Kind);
        Assert.StartsWith($"input '{input}': {says}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_app_name_of_forty_characters_is_accepted()
    {
        Assert.Equal(40, Options(app: "a" + new string('b', 38) + "c").App.Length);
        Assert.Equal("a", Options(app: "a").App);
    }

    [Theory]
    [InlineData("latest")]
    [InlineData("Main")]
    [InlineData("stable")]
    public void A_mutable_tag_is_refused(string tag)
    {
        var error = Assert.Throws<DeployException>(() => Options(tag: tag));

        Assert.Equal($"input 'tag': '{tag}' is a mutable tag: scaffolded overlays pin an immutable tag (e.g. 0.1.0 or a commit sha)", error.Message);
    }

    [Theory]
    [InlineData(",")]
    [InlineData("staging,staging")]
    [InlineData("staging,Prod")]
    [InlineData("staging,prod_eu")]
    public void Environments_that_are_not_distinct_lowercase_names_are_refused(string environments)
    {
        var error = Assert.Throws<DeployException>(() => Options(environments: environments));

        Assert.Equal("input 'environments': give distinct lowercase names, comma-separated (e.g. staging,production)", error.Message);
    }

    [Theory]
    [InlineData("ftp://git.example.com/acme/gitops.git", false)]
    [InlineData("git.example.com/acme/gitops", false)]
    [InlineData("https://git.example.com/acme/gitops.git", true)]
    [InlineData("http://git.example.com/acme/gitops.git", true)]
    [InlineData("ssh://git@git.example.com/acme/gitops.git", true)]
    public void A_repository_url_must_be_one_git_can_clone(string url, bool accepted)
    {
        if (accepted)
        {
            Assert.Equal(url, Options(repoUrl: url).RepoUrl);
            return;
        }

        var error = Assert.Throws<DeployException>(() => Options(repoUrl: url));
        Assert.Equal($"input 'repo-url': '{url}' is not a URL", error.Message);
    }

    [Fact]
    public void An_image_that_is_not_a_reference_is_refused_naming_the_image()
    {
        var error = Assert.Throws<DeployException>(() => Options(image: "ghcr.io/Acme/Web"));

        Assert.StartsWith("input 'image': image spec 'web=ghcr.io/Acme/Web:0.1.0': newName 'ghcr.io/Acme/Web' is not a valid image reference", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("; repository paths are lowercase", error.Message, StringComparison.Ordinal);
        Assert.Throws<DeployException>(() => Options(image: null));
    }

    [Fact]
    public void The_repository_has_a_base_an_overlay_a_patch_and_an_application_per_environment_and_a_validation_workflow()
    {
        var files = GitOpsScaffold.Generate(Options(environments: "dev,production"));

        Assert.Equal(
        [
            ".github/workflows/validate.yaml",
            "argocd/dev-app.yaml", "argocd/production-app.yaml",
            "base/deployment.yaml", "base/kustomization.yaml", "base/service.yaml",
            "environments/dev/deployment-patch.yaml", "environments/dev/kustomization.yaml",
            "environments/production/deployment-patch.yaml", "environments/production/kustomization.yaml",
        ], files.Keys);
        Assert.All(files, f => Parse(f.Value));
    }

    [Fact]
    public void Each_overlay_pins_the_image_in_its_own_namespace()
    {
        var files = GitOpsScaffold.Generate(Options(tag: "1.10"));

        var overlay = Parse(files["environments/staging/kustomization.yaml"]);
        Assert.Equal("web-staging", At(overlay, "namespace"));
        Assert.Equal("../../base", At(overlay, "resources", 0));
        Assert.Equal(("web", "ghcr.io/acme/web", "1.10"), (At(overlay, "images", 0, "name"), At(overlay, "images", 0, "newName"), At(overlay, "images", 0, "newTag")));
        Assert.Contains("    newTag: \"1.10\"\n", files["environments/staging/kustomization.yaml"], StringComparison.Ordinal);
        Assert.Equal("deployment-patch.yaml", At(overlay, "patches", 0, "path"));
        var deployment = Parse(files["base/deployment.yaml"]);
        Assert.Equal(("web", "web", "web"), (At(deployment, "metadata", "name"), At(deployment, "spec", "selector", "matchLabels", "app.kubernetes.io/name"), At(deployment, "spec", "template", "spec", "containers", 0, "image")));
        Assert.Equal("web", At(Parse(files["base/service.yaml"]), "metadata", "name"));
        Assert.Equal("web", At(Parse(files["base/kustomization.yaml"]), "labels", 0, "pairs", "app.kubernetes.io/name"));
    }

    [Theory]
    [InlineData("staging", "1", "128Mi", "256Mi")]
    [InlineData("production", "3", "256Mi", "512Mi")]
    [InlineData("prod-eu", "3", "256Mi", "512Mi")]
    public void A_production_environment_gets_more_replicas_and_memory(string environment, string replicas, string request, string limit)
    {
        var patch = Parse(GitOpsScaffold.Generate(Options(environments: $"dev,{environment}"))[$"environments/{environment}/deployment-patch.yaml"]);

        Assert.Equal(replicas, At(patch, "spec", "replicas"));
        Assert.Equal((request, limit), (At(patch, "spec", "template", "spec", "containers", 0, "resources", "requests", "memory"), At(patch, "spec", "template", "spec", "containers", 0, "resources", "limits", "memory")));
        Assert.Equal(environment, At(patch, "spec", "template", "spec", "containers", 0, "env", 0, "value"));
    }

    [Fact]
    public void Each_application_syncs_its_overlay_from_the_given_repository_or_says_to_replace_the_placeholder()
    {
        var given = Parse(GitOpsScaffold.Generate(Options(repoUrl: "https://git.example.com/acme/gitops.git"))["argocd/production-app.yaml"]);
        var placeholder = GitOpsScaffold.Generate(Options())["argocd/staging-app.yaml"];

        Assert.Equal(("web-production", "https://git.example.com/acme/gitops.git", "environments/production", "web-production"),
            (At(given, "metadata", "name"), At(given, "spec", "source", "repoURL"), At(given, "spec", "source", "path"), At(given, "spec", "destination", "namespace")));
        Assert.Contains("repoURL: https://git.example.com/OWNER/REPO.git # replace with this repository's URL\n", placeholder, StringComparison.Ordinal);
    }

    [Fact]
    public void The_validation_workflow_renders_every_overlay_on_pull_requests()
    {
        var workflow = Parse(GitOpsScaffold.Generate(Options())[".github/workflows/validate.yaml"]);

        Assert.Equal("read", At(workflow, "permissions", "contents"));
        Assert.Contains("kubectl kustomize \"$overlay\"", At(workflow, "jobs", "render", "steps", 1, "run"), StringComparison.Ordinal);
    }

    [Fact]
    public void The_promotion_workflow_plans_the_last_environment_then_applies_that_plan_behind_its_environment()
    {
        var workflow = Parse(GitOpsScaffold.PromotionWorkflow(Options(environments: "dev,staging,production", repoUrl: "https://git.example.com/acme/gitops.git"), "acme/gitops-deploy@v1"));

        var plan = At(workflow, "jobs", "plan", "steps", 1, "with", "plan");
        Assert.Equal("true", plan);
        Assert.Equal(("staging", "production", "acme/gitops", "acme/gitops-deploy@v1"),
            (At(workflow, "jobs", "plan", "steps", 1, "with", "promote-from"), At(workflow, "jobs", "plan", "steps", 1, "with", "environment"), At(workflow, "jobs", "plan", "steps", 1, "with", "gitops-repository"), At(workflow, "jobs", "plan", "steps", 1, "uses")));
        Assert.Equal(("production", "plan", "${{ needs.plan.outputs.plan }}"),
            (At(workflow, "jobs", "production", "environment"), At(workflow, "jobs", "production", "needs"), At(workflow, "jobs", "production", "steps", 1, "with", "expected-plan")));
        Assert.Equal(("gitops", "acme"), (At(workflow, "jobs", "production", "steps", 0, "with", "repositories"), At(workflow, "jobs", "production", "steps", 0, "with", "owner")));
        Assert.Equal("deploy-production", At(workflow, "concurrency", "group"));
    }

    [Theory]
    [InlineData(null, "${{ github.repository_owner }}/gitops", null)]
    [InlineData("https://git.example.com/acme/deploys", "acme/deploys", "acme")]
    [InlineData("https://git.example.com/group/sub/deploys.git", "${{ github.repository_owner }}/deploys", null)]
    [InlineData("https://git.example.com/acme/de%20ploys", "${{ github.repository_owner }}/gitops", null)]
    public void The_promotion_workflow_names_the_gitops_repository_from_its_url_or_the_workflows_owner(string? url, string repository, string? owner)
    {
        var workflow = Parse(GitOpsScaffold.PromotionWorkflow(Options(repoUrl: url), "acme/gitops-deploy/action@v1.2.3"));

        Assert.Equal(repository, At(workflow, "jobs", "production", "steps", 1, "with", "gitops-repository"));
        var token = (YamlMappingNode)((YamlMappingNode)((YamlSequenceNode)((YamlMappingNode)((YamlMappingNode)workflow["jobs"])["plan"])["steps"]).Children[0])["with"];
        Assert.Equal(owner, token.Children.TryGetValue(new YamlScalarNode("owner"), out var node) ? ((YamlScalarNode)node).Value : null);
    }

    [Fact]
    public void The_promotion_workflow_needs_two_environments_and_an_action_reference()
    {
        var one = Assert.Throws<DeployException>(() => GitOpsScaffold.PromotionWorkflow(Options(environments: "production"), "acme/gitops-deploy@v1"));
        Assert.Equal("input 'environments': the promotion workflow promotes one environment to the next: give at least two (e.g. staging,production)", one.Message);

        foreach (var action in new[] { "gitops-deploy@v1", "acme/gitops-deploy", "acme/gitops-deploy@", "-acme/gitops-deploy@v1", "acme/gitops deploy@v1" })
        {
            var error = Assert.Throws<DeployException>(() => GitOpsScaffold.PromotionWorkflow(Options(), action));
            Assert.Equal($"input 'action': '{action}' is not an action reference (owner/name@ref)", error.Message);
        }
    }
}
