using System.Diagnostics;

namespace GitOpsDeploy.Tests.App;

/// <summary><c>gitops-deploy init</c>: the scaffolded repository renders, and the action deploys into it.</summary>
[Trait("Tier", "App")]
public sealed class ScaffoldTests : GitOpsFixture, IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("scaffold-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static async Task<(int Exit, string Out, string Err)> Cli(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        // Their images (web:2, ghcr.io/acme/...) are in no registry this machine reaches: deploys run with pin none
        // unless a test names it (DigestPinningTests pin against a real registry).
        args = args.Contains("--images") && !args.Contains("--pin") ? [.. args, "--pin", "none"] : args;
        var exit = await CliHost.RunAsync(args, new Dictionary<string, string>(), stdout, stderr, default);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [SkippableFact]
    public async Task Every_scaffolded_overlay_renders_with_kustomize()
    {
        Skip.If(ExternalTool.Kubectl.Path is null, "kubectl is not installed: kustomize render check skipped");
        var (exit, _, error) = await Cli("init", dir, "--app", "web", "--image", "ghcr.io/acme/web", "--environments", "dev,staging,production", "--tag", "1.0.0");
        Assert.True(exit == 0, error);

        foreach (var (env, replicas) in new[] { ("dev", 1), ("staging", 1), ("production", 3) })
        {
            var rendered = ExternalTool.Kubectl.Run(dir, "kustomize", $"environments/{env}");
            Assert.Contains("image: ghcr.io/acme/web:1.0.0", rendered, StringComparison.Ordinal);
            Assert.Contains($"replicas: {replicas}", rendered, StringComparison.Ordinal);
            Assert.Contains($"namespace: web-{env}", rendered, StringComparison.Ordinal);
            Assert.Contains($"value: {env}", rendered, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Writes_the_seed_layout_with_current_kustomize_fields_and_argo_cd_applications()
    {
        var (exit, _, error) = await Cli("init", dir, "--app", "web", "--image", "ghcr.io/acme/web", "--repo-url", "https://git.example.com/acme/gitops.git");
        Assert.True(exit == 0, error);

        var files = Directory.GetFiles(dir, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(dir, f)).Order().ToList();
        Assert.Equal(
            [".github/workflows/validate.yaml", "argocd/production-app.yaml", "argocd/staging-app.yaml", "base/deployment.yaml", "base/kustomization.yaml", "base/service.yaml",
             "environments/production/deployment-patch.yaml", "environments/production/kustomization.yaml", "environments/staging/deployment-patch.yaml", "environments/staging/kustomization.yaml"],
            files);
        var overlay = File.ReadAllText(Path.Combine(dir, "environments/staging/kustomization.yaml"));
        Assert.Contains("patches:\n  - path: deployment-patch.yaml", overlay, StringComparison.Ordinal);
        Assert.DoesNotContain("patchesStrategicMerge", overlay, StringComparison.Ordinal);
        Assert.Contains("newTag: \"0.1.0\"", overlay, StringComparison.Ordinal);
        var app = File.ReadAllText(Path.Combine(dir, "argocd/production-app.yaml"));
        Assert.Contains("repoURL: https://git.example.com/acme/gitops.git", app, StringComparison.Ordinal);
        Assert.Contains("prune: true\n      selfHeal: true", app, StringComparison.Ordinal);
        Assert.Contains("- CreateNamespace=true", app, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_application_repositorys_promotion_workflow_plans_without_an_environment_then_applies_that_plan_as_the_example_does()
    {
        var app = Path.Combine(dir, "app");
        var (exit, output, error) = await Cli("init", Path.Combine(dir, "gitops"), "--app", "web", "--image", "ghcr.io/acme/web", "--environments", "dev,staging,production",
            "--repo-url", "https://github.com/acme/gitops.git", "--app-repository", app);
        Assert.True(exit == 0, error);
        Assert.Contains($"wrote {Path.Combine(app, ".github/workflows/deploy.yaml")}", output, StringComparison.Ordinal);

        var jobs = Mapping(Yaml(File.ReadAllText(Path.Combine(app, ".github/workflows/deploy.yaml"))), "jobs");
        var plan = Mapping(jobs, "plan");
        Assert.False(plan.Children.ContainsKey("environment"), "the plan job must run without an environment, before any approval");
        Assert.Equal("${{ steps.plan.outputs.plan }}", Scalar(Mapping(plan, "outputs"), "plan"));
        var planStep = ActionStep(plan);
        Assert.Equal("plan", Scalar(planStep.Step, "id"));
        Assert.Equal("true", Scalar(planStep.With, "plan"));
        var production = Mapping(jobs, "production");
        Assert.Equal("plan", Scalar(production, "needs"));
        Assert.Equal("production", Scalar(production, "environment"));
        var apply = ActionStep(production);
        Assert.Equal("${{ needs.plan.outputs.plan }}", Scalar(apply.With, "expected-plan"));
        Assert.False(apply.With.Children.ContainsKey("plan"));
        foreach (var step in new[] { planStep, apply })
        {
            // The last environment, promoted from the one before it, in the gitops repository the URL names.
            Assert.Equal("production", Scalar(step.With, "environment"));
            Assert.Equal("staging", Scalar(step.With, "promote-from"));
            Assert.Equal("acme/gitops", Scalar(step.With, "gitops-repository"));
        }

        // As examples/deploy.yaml has it: the same jobs, and every input the scaffold gives, the example gives the same way.
        var example = Mapping(Yaml(File.ReadAllText(Path.Combine(ConventionTests.RepoRoot(), "examples/deploy.yaml"))), "jobs");
        Assert.Equal(jobs.Children.Keys.Select(k => k.ToString()).Order(), example.Children.Keys.Select(k => k.ToString()).Order());
        foreach (var (job, scaffolded) in new[] { ("plan", planStep), ("production", apply) })
        {
            var shown = ActionStep(Mapping(example, job));
            foreach (var (key, value) in scaffolded.With.Children)
            {
                Assert.True(shown.With.Children.ContainsKey(key), $"examples/deploy.yaml's {job} job does not give {key}");
                if (key.ToString() is not "gitops-repository")
                {
                    Assert.Equal(value.ToString(), shown.With.Children[key].ToString());
                }
            }
        }
    }

    [Fact]
    public async Task The_promotion_workflow_needs_two_environments_and_writes_nothing_without_them()
    {
        var (exit, _, error) = await Cli("init", dir, "--app", "web", "--image", "ghcr.io/acme/web", "--environments", "production", "--app-repository", Path.Combine(dir, "app"));

        Assert.Equal(1, exit);
        Assert.Contains("give at least two", error, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(dir, "*", SearchOption.AllDirectories));
    }

    private static YamlDotNet.RepresentationModel.YamlMappingNode Yaml(string text)
    {
        var stream = new YamlDotNet.RepresentationModel.YamlStream();
        stream.Load(new StringReader(text));
        return (YamlDotNet.RepresentationModel.YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static YamlDotNet.RepresentationModel.YamlMappingNode Mapping(YamlDotNet.RepresentationModel.YamlMappingNode node, string key) =>
        (YamlDotNet.RepresentationModel.YamlMappingNode)node.Children[key];

    private static string? Scalar(YamlDotNet.RepresentationModel.YamlMappingNode node, string key) =>
        node.Children.TryGetValue(key, out var value) ? ((YamlDotNet.RepresentationModel.YamlScalarNode)value).Value : null;

    /// <summary>The job's step that uses the action (gitops-deploy), with its inputs.</summary>
    private static (YamlDotNet.RepresentationModel.YamlMappingNode Step, YamlDotNet.RepresentationModel.YamlMappingNode With) ActionStep(YamlDotNet.RepresentationModel.YamlMappingNode job)
    {
        var step = ((YamlDotNet.RepresentationModel.YamlSequenceNode)job.Children["steps"]).Children.Cast<YamlDotNet.RepresentationModel.YamlMappingNode>()
            .Single(s => Scalar(s, "uses")?.Contains("gitops-deploy", StringComparison.Ordinal) == true);
        return (step, Mapping(step, "with"));
    }

    [Fact]
    public async Task Refuses_to_overwrite_unless_forced()
    {
        Assert.Equal(0, (await Cli("init", dir, "--app", "web", "--image", "ghcr.io/acme/web")).Exit);
        File.WriteAllText(Path.Combine(dir, "base/service.yaml"), "# mine\n");

        var (exit, _, error) = await Cli("init", dir, "--app", "web", "--image", "ghcr.io/acme/web");
        Assert.Equal(1, exit);
        Assert.Contains("use --force to overwrite", error, StringComparison.Ordinal);
        Assert.Equal("# mine\n", File.ReadAllText(Path.Combine(dir, "base/service.yaml")));

        Assert.Equal(0, (await Cli("init", dir, "--app", "web", "--image", "ghcr.io/acme/web", "--force")).Exit);
        Assert.NotEqual("# mine\n", File.ReadAllText(Path.Combine(dir, "base/service.yaml")));
    }

    [Theory]
    [InlineData("--tag", "latest", "mutable tag")]
    [InlineData("--app", "Web_App", "DNS label")]
    [InlineData("--environments", "staging,staging", "distinct")]
    public async Task Refuses_bad_options(string flag, string value, string message)
    {
        var args = new List<string> { "init", dir, "--app", "web", "--image", "ghcr.io/acme/web" };
        var at = args.IndexOf(flag);
        if (at >= 0)
        {
            args[at + 1] = value;
        }
        else
        {
            args.AddRange([flag, value]);
        }

        var (exit, _, error) = await Cli([.. args]);
        Assert.Equal(1, exit);
        Assert.Contains(message, error, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(dir, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task The_action_deploys_into_a_scaffolded_repository()
    {
        Assert.Equal(0, (await Cli("init", dir, "--app", "web", "--image", "ghcr.io/acme/web")).Exit);
        var scaffolded = GitHub.CreateRepoFromDirectory("acme/scaffolded", dir);

        var result = await Run(Inputs(("gitops-repository", "acme/scaffolded"), ("environment", "production"), ("images", "web:0.2.0")));

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Equal("web=ghcr.io/acme/web:0.2.0", result.Output("images"));
        var overlay = scaffolded.ReadFile("environments/production/kustomization.yaml");
        Assert.Contains("    newName: ghcr.io/acme/web\n    newTag: \"0.2.0\"", overlay, StringComparison.Ordinal);
        Assert.Contains("# Written by GitOpsDeploy", overlay, StringComparison.Ordinal);
    }
}

/// <summary>
/// A program the tests drive when it is installed (kubectl's kustomize, helm); tests skip visibly where it is not.
/// Helm is also found through HELM_PATH (the binary, or the folder holding it), for a CI that installs it off PATH.
/// </summary>
internal sealed class ExternalTool(string name, string? variable = null)
{
    public static readonly ExternalTool Kubectl = new("kubectl");

    public static readonly ExternalTool Helm = new("helm", "HELM_PATH");

    public string? Path { get; } = Find(name, variable is null ? null : Environment.GetEnvironmentVariable(variable), Environment.GetEnvironmentVariable("PATH"));

    /// <summary>
    /// The program named by <paramref name="configured"/> (a file, or a folder holding <paramref name="name"/>), else the
    /// first <paramref name="name"/> on <paramref name="path"/>. A configured location that holds no such file is an
    /// error, not a skip: a CI that installs the tool must not pass by silently skipping what it installed it for.
    /// </summary>
    public static string? Find(string name, string? configured, string? path)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            var candidate = Directory.Exists(configured) ? System.IO.Path.Combine(configured, name) : configured;
            return File.Exists(candidate) ? candidate : throw new FileNotFoundException($"{name} was configured at '{configured}', but there is no such file", candidate);
        }

        return (path ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries).Select(p => System.IO.Path.Combine(p, name)).FirstOrDefault(File.Exists);
    }

    public string Run(string dir, params string[] args)
    {
        var start = new ProcessStartInfo(Path!) { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, error);
        return output.Result;
    }
}
