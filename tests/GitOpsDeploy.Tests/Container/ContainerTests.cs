using System.Diagnostics;
using GitOpsDeploy.Tests.Fakes;

namespace GitOpsDeploy.Tests.Container;

/// <summary>
/// The built image, run exactly as the GitHub runner runs a Docker container action: host network, the
/// runner's mounts (workspace, file commands), every input as INPUT_*, outputs and summary written by the
/// container into the mounted files. .ci/run builds the image from `git archive HEAD` and names it in
/// GITOPS_DEPLOY_IMAGE; without it (a plain `dotnet test`) these tests report themselves skipped.
/// </summary>
[Trait("Tier", "Container")]
public sealed class ContainerTests : GitOpsFixture
{
    private static readonly string? Image = Environment.GetEnvironmentVariable("GITOPS_DEPLOY_IMAGE") is { Length: > 0 } image ? image : null;

    private sealed record ContainerRun(int ExitCode, string Stdout, string Stderr, IReadOnlyDictionary<string, string> Outputs, string OutputFile, string Summary, TimeSpan Elapsed);

    /// <summary>The same image with the renderers (Dockerfile.renderers); .ci/run names it in GITOPS_DEPLOY_RENDERERS_IMAGE.</summary>
    private static readonly string? RenderersImage = Environment.GetEnvironmentVariable("GITOPS_DEPLOY_RENDERERS_IMAGE") is { Length: > 0 } image ? image : null;

    private async Task<ContainerRun> RunContainer(Dictionary<string, string> inputs, string[]? args = null, string? containerName = null, string? image = null)
    {
        var temp = Directory.CreateTempSubdirectory("runner-temp-").FullName;
        try
        {
            var workspace = Directory.CreateDirectory(Path.Combine(temp, "workspace")).FullName;
            var commands = Directory.CreateDirectory(Path.Combine(temp, "_runner_file_commands")).FullName;
            File.WriteAllText(Path.Combine(commands, "set_output"), string.Empty);
            File.WriteAllText(Path.Combine(commands, "step_summary"), string.Empty);
            var environment = ActionRun.RunnerContext(GitHub);
            environment["GITHUB_OUTPUT"] = "/github/file_commands/set_output";
            environment["GITHUB_STEP_SUMMARY"] = "/github/file_commands/step_summary";
            environment["GITHUB_WORKSPACE"] = "/github/workspace";
            // ghcr.io/acme/... exists in no registry this machine reaches (as in ActionRun); a run with arguments has no inputs.
            if (inputs.Any())
            {
                environment["INPUT_PIN"] = "none";
            }
            foreach (var (name, value) in inputs)
            {
                environment["INPUT_" + name.ToUpperInvariant()] = value;
            }

            var start = new ProcessStartInfo("docker") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in new[] { "run", "--rm", "--name", containerName ?? "gitops-deploy-" + Guid.NewGuid().ToString("N")[..8], "--network", "host", "--workdir", "/github/workspace", "-v", $"{workspace}:/github/workspace", "-v", $"{commands}:/github/file_commands" })
            {
                start.ArgumentList.Add(arg);
            }

            foreach (var (name, value) in environment)
            {
                // Values go through the environment of docker itself (-e NAME), so no token is on a command line.
                start.ArgumentList.Add("-e");
                start.ArgumentList.Add(name);
                start.Environment[name] = value;
            }

            start.ArgumentList.Add(image ?? Image!);
            foreach (var arg in args ?? [])
            {
                start.ArgumentList.Add(arg);
            }

            var clock = Stopwatch.StartNew();
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
            clock.Stop();
            var output = File.ReadAllText(Path.Combine(commands, "set_output"));
            return new ContainerRun(process.ExitCode, await stdout, await stderr, ActionRun.ParseOutputs(output), output, File.ReadAllText(Path.Combine(commands, "step_summary")), clock.Elapsed);
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }
    }

    private static void SkipWithoutImage() => Skip.If(Image is null, "GITOPS_DEPLOY_IMAGE is not set: .ci/run builds the image and runs the container tests");

    [SkippableFact]
    public async Task An_api_commit_from_the_trimmed_image_is_verified()
    {
        SkipWithoutImage();
        var result = await RunContainer(Inputs(("token", SourceToken), ("commit-method", "api")));

        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        Assert.Equal(Repo.Head(), result.Outputs["commit-sha"]);
        Assert.Equal("true", result.Outputs["verified"]);
        Assert.True(GitHub.IsVerified(Repo.Head()));
    }

    [SkippableFact]
    public async Task The_default_image_has_no_renderer_and_says_which_image_has_them_and_the_renderers_image_renders_the_diff()
    {
        SkipWithoutImage();
        Skip.If(RenderersImage is null, "GITOPS_DEPLOY_RENDERERS_IMAGE is not set: .ci/run builds Dockerfile.renderers where it can serve this machine's kubectl and helm");
        Repo.Commit(new Dictionary<string, string>
        {
            ["base/kustomization.yaml"] = "resources:\n  - deployment.yaml\n",
            ["base/deployment.yaml"] = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: web\n",
        }, "a workload");

        var slim = await RunContainer(Inputs(("token", SourceToken), ("images", "web=ghcr.io/acme/web:1.1.0"), ("dry-run", "true")));
        var rendered = await RunContainer(Inputs(("token", SourceToken), ("images", "web=ghcr.io/acme/web:1.1.0"), ("dry-run", "true")), image: RenderersImage);

        Assert.True(slim.ExitCode == 0, slim.Stdout + slim.Stderr);
        Assert.Contains("no renderer: neither kubectl nor kustomize is on PATH", slim.Summary, StringComparison.Ordinal);
        Assert.Contains("use the image tagged -renderers", slim.Summary, StringComparison.Ordinal);
        Assert.True(rendered.ExitCode == 0, rendered.Stdout + rendered.Stderr);
        Assert.Contains("<b>Rendered manifests</b>: 1 resource changed, 0 added, 0 removed (kubectl kustomize environments/staging)", rendered.Summary, StringComparison.Ordinal);
        Assert.Matches(new System.Text.RegularExpressions.Regex(@"^\+ +(- )?image: ghcr\.io/acme/web:1\.1\.0$", System.Text.RegularExpressions.RegexOptions.Multiline), rendered.Summary);
    }

    [SkippableFact]
    public async Task Push_mode_deploys_writes_outputs_and_summary_into_the_mounted_files_and_prints_the_token_only_to_mask_it()
    {
        SkipWithoutImage();
        var result = await RunContainer(Inputs(("token", SourceToken)));

        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        Assert.Equal("pushed", result.Outputs["operation"]);
        Assert.Equal(Repo.Head(), result.Outputs["commit-sha"]);
        Assert.Contains("newTag: \"1.1.0\"", Repo.ReadFile("environments/staging/kustomization.yaml"), StringComparison.Ordinal);
        Assert.Contains("### GitOpsDeploy: staging", result.Summary, StringComparison.Ordinal);
        Assert.Equal(["in_progress", "success"], Assert.Single(App.Deployments).Statuses.Select(s => s.State));
        foreach (var token in new[] { WriteToken, SourceToken })
        {
            var everything = string.Join('\n', result.Stdout, result.Stderr, result.OutputFile, result.Summary);
            Assert.DoesNotContain(token, everything.Replace($"::add-mask::{token}", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        }
    }

    [SkippableFact]
    public async Task Pull_request_mode_opens_a_pull_request_from_the_container()
    {
        SkipWithoutImage();
        var result = await RunContainer(Inputs(("mode", "pull-request"), ("token", SourceToken)));

        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        Assert.Equal("created", result.Outputs["operation"]);
        Assert.Equal("open", Assert.Single(GitOpsApi.Pulls).State);
    }

    [SkippableFact]
    public async Task A_hostile_input_is_refused_with_an_annotation_and_nothing_written()
    {
        SkipWithoutImage();
        var head = Repo.Head();
        var result = await RunContainer(Inputs(("set", "../production/kustomization.yaml:namePrefix=evil-")));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("::error::input 'set':", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(head, Repo.Head());
    }

    [SkippableFact]
    public async Task Args_given_with_the_step_are_refused_instead_of_replacing_the_inputs()
    {
        SkipWithoutImage();
        var result = await RunContainer(Inputs(), ["--help"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Remove 'args:'", result.Stdout, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_deploy_window_resolves_its_iana_time_zone_inside_the_image()
    {
        SkipWithoutImage();
        var result = await RunContainer(Inputs(("deploy-window", "Mon-Sun 00:00-23:59 Europe/Berlin")));

        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
    }

    [SkippableFact]
    public async Task The_image_starts_and_prints_its_help()
    {
        SkipWithoutImage();
        var help = await RunContainer([], ["--help"]);

        Assert.True(help.ExitCode == 0, help.Stdout + help.Stderr);
        Assert.Contains("--gitops-repository", help.Stdout, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Docker_stop_during_a_slow_github_call_ends_the_deployment_inactive_before_the_kill()
    {
        SkipWithoutImage();
        GitHub.Inject(new InjectedFailure { Method = "POST", PathSuffix = "/repos/acme/gitops/pulls", Status = 500, Delay = TimeSpan.FromSeconds(60) });
        var name = "gitops-deploy-stop-" + Guid.NewGuid().ToString("N")[..8];
        var run = RunContainer(Inputs(("mode", "pull-request"), ("token", SourceToken)), containerName: name);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!GitHub.Requests.Any(r => r.StartsWith("POST /api/v3/repos/acme/gitops/pulls", StringComparison.Ordinal)))
        {
            Assert.True(DateTime.UtcNow < deadline && !run.IsCompleted, "the container never reached the pull request call");
            await Task.Delay(100);
        }

        // docker stop sends SIGTERM and kills after 10 s: the run must report and exit before that.
        var clock = Stopwatch.StartNew();
        Docker("stop", "--time", "10", name);
        var result = await run;

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(9), $"stopped after {clock.Elapsed}");
        Assert.True(result.ExitCode == 1, $"exit {result.ExitCode}\n{result.Stdout}{result.Stderr}");
        Assert.Equal("inactive", Assert.Single(App.Deployments).LastState);
    }

    private static void Docker(params string[] args)
    {
        var start = new ProcessStartInfo("docker") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, error.Result);
    }
}
