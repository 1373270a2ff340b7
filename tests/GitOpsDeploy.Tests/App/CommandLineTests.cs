using System.Reflection;
using GitOpsDeploy.Cli;
using GitOpsDeploy.Editing;
using GitOpsDeploy.Git;
using GitOpsDeploy.Tests.Fakes;

namespace GitOpsDeploy.Tests.App;

/// <summary>The terminal front door: same options, flags instead of INPUT_* variables.</summary>
[Trait("Tier", "App")]
public sealed class CommandLineTests
{
    private static async Task<(int Exit, string Out, string Err)> Run(IReadOnlyDictionary<string, string>? env, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        // Their images (web:2, ghcr.io/acme/...) are in no registry this machine reaches: deploys run with pin none
        // unless a test names it (DigestPinningTests pin against a real registry).
        args = args.Contains("--images") && !args.Contains("--pin") ? [.. args, "--pin", "none"] : args;
        var exit = await CliHost.RunAsync(args, env ?? new Dictionary<string, string>(), stdout, stderr, default);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task Help_exits_zero_and_lists_the_inputs()
    {
        var (exit, output, _) = await Run(null, "deploy", "--help");
        Assert.Equal(0, exit);
        Assert.Contains("--gitops-repository", output, StringComparison.Ordinal);
        Assert.Contains("--dry-run", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("deploy", "--environment", "production", "--gitops-token", "ghs_fromARGS123")]
    public async Task Arguments_under_the_runner_with_inputs_are_refused_instead_of_replacing_them(params string[] args)
    {
        var env = new Dictionary<string, string> { ["GITHUB_ACTIONS"] = "true", ["INPUT_ENVIRONMENT"] = "staging", ["INPUT_GITOPS-REPOSITORY"] = "acme/gitops" };
        var (exit, output, error) = await Run(env, args);

        Assert.Equal(2, exit);
        Assert.StartsWith("::error::gitops-deploy was started with", output, StringComparison.Ordinal);
        Assert.Contains("Remove 'args:'", output, StringComparison.Ordinal);
        Assert.DoesNotContain("ghs_fromARGS123", output + error, StringComparison.Ordinal);
        Assert.DoesNotContain("--gitops-repository", output + error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_flag_exits_two_with_usage_on_stderr()
    {
        var (exit, output, error) = await Run(null, "--no-such-flag");
        Assert.Equal(2, exit);
        Assert.Contains("error: unknown option '--no-such-flag'", error, StringComparison.Ordinal);
        Assert.Contains("Usage: gitops-deploy [deploy] --gitops-repository REPO --environment ENV", error, StringComparison.Ordinal);
        // Nothing is close to it: a guess would send people further off than no suggestion.
        Assert.DoesNotContain("did you mean", error, StringComparison.Ordinal);
        Assert.Empty(output);
    }

    [Theory]
    [InlineData("--version")]
    [InlineData("deploy", "--version")]
    [InlineData("version")]
    [InlineData("init", "--version")]
    [InlineData("deploy", "--environment", "staging", "--version")]
    public async Task Version_prints_the_informational_version_without_the_commit_and_exits_zero(params string[] args)
    {
        var informational = typeof(CliHost).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;
        var (exit, output, error) = await Run(null, args);

        Assert.Equal(0, exit);
        Assert.Equal($"gitops-deploy {informational.Split('+')[0]}\n", output.ReplaceLineEndings("\n"));
        Assert.Matches(@"^gitops-deploy \d+\.\d+\.\d+[^+\s]*\n$", output.ReplaceLineEndings("\n"));
        Assert.Empty(error);
    }

    [Theory]
    [InlineData(new[] { "--gitops-repositry", "acme/gitops", "--environment", "dev" }, "unknown option '--gitops-repositry'; did you mean --gitops-repository?")]
    [InlineData(new[] { "--gitops-repository", "acme/gitops", "--enviroment", "dev" }, "unknown option '--enviroment'; did you mean --environment?")]
    [InlineData(new[] { "deploy", "--Environment", "dev" }, "did you mean --environment?")]
    [InlineData(new[] { "--dryrun" }, "did you mean --dry-run?")]
    [InlineData(new[] { "--imgaes", "web:2" }, "did you mean --images?")]
    [InlineData(new[] { "-environment", "dev" }, "unknown option '-environment'; did you mean --environment?")]
    [InlineData(new[] { "--pull-request", "x" }, "did you mean --pull-request-branch, --pull-request-title or --pull-request-body?")]
    [InlineData(new[] { "init", "dir", "--ap", "web", "--image", "ghcr.io/acme/web" }, "unknown option '--ap'; did you mean --app?")]
    [InlineData(new[] { "example", "--kep" }, "did you mean --keep?")]
    public async Task An_unknown_flag_exits_two_naming_the_closest_flag(string[] args, string expected)
    {
        var (exit, output, error) = await Run(null, args);

        Assert.Equal(2, exit);
        Assert.Contains("error: " , error, StringComparison.Ordinal);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.Single(error.Split('\n'), l => l.StartsWith("error: ", StringComparison.Ordinal));
        Assert.Empty(output);
    }

    [Theory]
    [InlineData("deploi", "unknown command 'deploi'; did you mean deploy?")]
    [InlineData("exampel", "unknown command 'exampel'; did you mean example?")]
    [InlineData("int", "unknown command 'int'; did you mean init?")]
    [InlineData("rollback", "unknown command 'rollback'")]
    public async Task An_unknown_command_exits_two_naming_the_closest_command_and_runs_nothing(string verb, string expected)
    {
        // Before, a mistyped verb was silently taken as a stray value of the default command, which then ran.
        var (exit, output, error) = await Run(null, verb, "--gitops-repository", "/nonexistent/gitops.git", "--environment", "dev", "--mode", "push", "--images", "web:2");

        Assert.Equal(2, exit);
        Assert.Contains("error: " + expected, error, StringComparison.Ordinal);
        Assert.Contains("Commands: deploy (the default), example, init.", error, StringComparison.Ordinal);
        Assert.Equal(verb == "rollback", !error.Contains("did you mean", StringComparison.Ordinal));
        Assert.Empty(output);
    }

    [Fact]
    public async Task A_value_after_a_switch_is_refused_instead_of_silently_ignored()
    {
        // "--dry-run false" would otherwise be a dry run that the person thought was real, or the reverse.
        var (exit, _, error) = await Run(null, "--gitops-repository", "/nonexistent/gitops.git", "--environment", "dev", "--images", "web:2", "--dry-run", "false");

        Assert.Equal(2, exit);
        Assert.Contains("unexpected argument 'false': --dry-run is a switch and takes no value", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_required_options_exit_two_naming_them_with_the_commands()
    {
        var (exit, _, error) = await Run(null);

        Assert.Equal(2, exit);
        Assert.Contains("error: --gitops-repository REPO is required", error, StringComparison.Ordinal);
        Assert.Contains("error: --environment ENV is required", error, StringComparison.Ordinal);
        Assert.Contains("Commands: deploy (the default), example, init.", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deploy_help_shows_the_usage_line_and_the_required_options_apart()
    {
        var (exit, output, error) = await Run(null, "deploy", "--help");

        Assert.Equal(0, exit);
        Assert.Empty(error);
        Assert.StartsWith("Usage: gitops-deploy [deploy] --gitops-repository REPO --environment ENV [--images IMAGE...] [options]\n", output.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        var required = Section(output, "Required:");
        var optional = Section(output, "Options:");
        Assert.Equal(["--gitops-repository REPO", "--environment ENV"], Flags(required));
        Assert.Equal(DeployVerb.InputNames().Where(n => n is not ("gitops-repository" or "environment")).Select(n => "--" + n).Append("--help").Append("--version"), Flags(optional).Select(f => f.Split(' ')[0]));
        Assert.DoesNotContain("Commands:", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Top_level_help_lists_the_commands_and_the_default_commands_options()
    {
        foreach (var args in new[] { new[] { "--help" }, ["-h"], ["help"] })
        {
            var (exit, output, _) = await Run(null, args);

            Assert.Equal(0, exit);
            Assert.Contains("Usage: gitops-deploy [deploy] --gitops-repository REPO --environment ENV [--images IMAGE...] [options]", output, StringComparison.Ordinal);
            Assert.Contains("       gitops-deploy init DIR --app NAME --image IMAGE [options]", output, StringComparison.Ordinal);
            Assert.Equal(["deploy", "example", "init"], Flags(Section(output, "Commands:")));
            Assert.Equal(["--gitops-repository REPO", "--environment ENV"], Flags(Section(output, "Required:")));
        }
    }

    [Fact]
    public async Task Init_help_marks_the_folder_and_its_required_options()
    {
        foreach (var args in new[] { new[] { "init", "--help" }, ["help", "init"] })
        {
            var (exit, output, _) = await Run(null, args);

            Assert.Equal(0, exit);
            Assert.StartsWith("Usage: gitops-deploy init DIR --app NAME --image IMAGE [options]", output, StringComparison.Ordinal);
            Assert.Equal(["DIR", "--app NAME", "--image IMAGE"], Flags(Section(output, "Required:")));
        }
    }

    [Fact]
    public async Task Every_token_flag_names_the_environment_variable_it_is_read_from()
    {
        var (_, output, _) = await Run(null, "deploy", "--help");
        var help = string.Join(' ', output.Split('\n').Select(l => l.Trim()));

        Assert.Equal(Core.Requests.InputCatalogue.SecretInputs.Order(StringComparer.Ordinal), TokenVariables.ByInput.Keys.Order(StringComparer.Ordinal));
        foreach (var (input, variable) in TokenVariables.ByInput)
        {
            Assert.Matches($@"--{input} TOKEN +[^-]*Default: the {variable} environment variable", help);
        }
    }

    [Theory]
    [InlineData("gitops-repositry", "gitops-repository")]
    [InlineData("deplyo", "deploy")]
    [InlineData("ENVIRONMENT", "environment")]
    [InlineData("argocd-tokn", "argocd-token")]
    public void Suggestions_offer_a_name_a_few_edits_away(string typed, string expected) =>
        Assert.Equal([expected], Suggestions.Closest(typed, DeployVerb.InputNames().Append("deploy")));

    [Theory]
    [InlineData("x")]
    [InlineData("verbose")]
    [InlineData("no-such-flag")]
    [InlineData("repository")]
    public void Suggestions_stay_silent_when_nothing_is_close(string typed) =>
        Assert.Empty(Suggestions.Closest(typed, DeployVerb.InputNames()));

    [Fact]
    public async Task Deploys_to_a_local_repository_and_prints_outputs_as_a_table()
    {
        var dir = Directory.CreateTempSubdirectory("cli-").FullName;
        try
        {
            var bare = Path.Combine(dir, "gitops.git");
            LocalRepository.CreateBare(bare, new Dictionary<string, byte[]> { ["environments/dev/kustomization.yaml"] = "images:\n- name: web\n  newTag: \"1\"\n"u8.ToArray() }, "init");
            var (exit, output, error) = await Run(null, "--gitops-repository", bare, "--environment", "dev", "--mode", "push", "--images", "web:2", "api:3");

            Assert.True(exit == 0, error);
            Assert.Matches(@"changed\s+true", output);
            Assert.Matches(@"operation\s+pushed", output);
            Assert.Matches(@"\n  images\s+web=web:2\n\s+api=api:3", output);
            Assert.Equal("images:\n- name: web\n  newTag: \"2\"\n- name: api\n  newTag: \"3\"", GitCli.Run(bare, "show", "main:environments/dev/kustomization.yaml"));
            Assert.Matches($@"commit-sha\s+{LocalRepository.Tip(bare)}", output);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Reads_the_token_from_GITOPS_TOKEN_and_never_prints_it()
    {
        await using var github = await FakeGitHub.StartAsync();
        github.AddToken("ghs_fromtheenvironment", Permission.Write);
        var repo = github.CreateRepo("acme/gitops", new Dictionary<string, string> { ["environments/dev/kustomization.yaml"] = "images:\n- name: web\n  newTag: \"1\"\n" });

        var (exit, output, error) = await Run(new Dictionary<string, string> { ["GITOPS_TOKEN"] = "ghs_fromtheenvironment" },
            "--gitops-repository", $"{github.ServerUrl}/acme/gitops.git", "--environment", "dev", "--mode", "push", "--images", "web:2");

        // The server demands the token: the push only lands if it came from GITOPS_TOKEN.
        Assert.True(exit == 0, error + output);
        Assert.Contains("newTag: \"2\"", repo.ReadFile("environments/dev/kustomization.yaml"), StringComparison.Ordinal);
        Assert.DoesNotContain("ghs_fromtheenvironment", output + error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_example_command_deploys_and_shows_the_commit()
    {
        var (exit, output, error) = await Run(null, "example");
        Assert.True(exit == 0, error + output);
        Assert.Contains("deploy(staging): web 1.4.1 -> 1.4.2", output, StringComparison.Ordinal);
        Assert.Contains("+    newTag: \"1.4.2\"", output, StringComparison.Ordinal);
        Assert.Contains("Image: web=ghcr.io/acme/web:1.4.2", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_example_command_changes_only_the_image()
    {
        var (exit, output, error) = await Run(null, "example");
        Assert.True(exit == 0, error + output);

        // The commit it shows touches one file, the overlay's image entry: no replicas or other values.
        var diff = output[output.IndexOf("diff --git", StringComparison.Ordinal)..];
        Assert.Single(diff.Split('\n'), l => l.StartsWith("diff --git", StringComparison.Ordinal));
        Assert.Contains("diff --git a/environments/staging/kustomization.yaml", diff, StringComparison.Ordinal);
        Assert.Equal(["-    newTag: \"1.4.1\" # quoted so a tag like 1.10 stays a string", "+    newTag: \"1.4.2\" # quoted so a tag like 1.10 stays a string"],
            diff.Split('\n').Where(l => l is ['+' or '-', not ('+' or '-'), ..]));
        Assert.DoesNotContain("replicas", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_example_command_prints_what_it_runs_as_a_workflow_step_and_as_a_command()
    {
        var (exit, output, error) = await Run(null, "example", "--keep");
        Assert.True(exit == 0, error + output);
        var remote = Assert.Single(output.Split('\n'), l => l.StartsWith("Example gitops repository: ", StringComparison.Ordinal))["Example gitops repository: ".Length..];
        try
        {
            Assert.Contains(
                $"""
                  - uses: acme/gitops-deploy@v1
                    with:
                      gitops-repository: {remote}
                      environment: staging
                      images: web=ghcr.io/acme/web:1.4.2
                      mode: push
                      source-repository: acme/observability-platform
                      source-sha: 4f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39
                """.ReplaceLineEndings("\n"),
                output,
                StringComparison.Ordinal);
            Assert.Contains($"  gitops-deploy \\\n    --gitops-repository {remote} \\\n    --environment staging \\\n    --images web=ghcr.io/acme/web:1.4.2 \\\n    --mode push", output, StringComparison.Ordinal);
            // Printed before the run: the announcement comes first, then the deploy's own log.
            Assert.True(output.IndexOf("- uses:", StringComparison.Ordinal) < output.IndexOf("== Read", StringComparison.Ordinal));

            // The printed command is the same deploy: run again on the kept repository, it has nothing left to do.
            var command = output[output.IndexOf("  gitops-deploy \\", StringComparison.Ordinal)..];
            command = command[..command.IndexOf("\n\n", StringComparison.Ordinal)];
            var args = command.Replace("\\\n", " ", StringComparison.Ordinal).Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToArray();
            var (again, againOutput, againError) = await Run(null, args);
            Assert.True(again == 0, againError + againOutput);
            Assert.Matches(@"changed\s+false", againOutput);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(remote)!, recursive: true);
        }
    }

    [Fact]
    public void The_equivalent_inputs_name_secrets_and_variables_instead_of_tokens()
    {
        var inputs = new Dictionary<string, string>
        {
            ["environment"] = "staging\nproduction",
            ["gitops-repository"] = "acme/gitops",
            ["gitops-token"] = "ghs_secret123",
            ["argocd-token"] = "argo_secret123",
            ["images"] = "web=ghcr.io/acme/web:1.2.0\napi:2",
            ["commit-message"] = "deploy: {{ images }}",
            ["dry-run"] = "true",
        };

        var step = EquivalentInputs.WorkflowStep(inputs);
        var command = EquivalentInputs.CommandLine(inputs);

        Assert.Equal(
            """
            - uses: acme/gitops-deploy@v1
              with:
                gitops-repository: acme/gitops
                gitops-token: ${{ secrets.GITOPS_TOKEN }}
                environment: |
                  staging
                  production
                images: |
                  web=ghcr.io/acme/web:1.2.0
                  api:2
                commit-message: 'deploy: {{ images }}'
                dry-run: true
                argocd-token: ${{ secrets.ARGOCD_TOKEN }}
            """.ReplaceLineEndings("\n"),
            step);
        Assert.Equal(
            """
            GITOPS_TOKEN=... ARGOCD_TOKEN=... gitops-deploy \
              --gitops-repository acme/gitops \
              --environment 'staging
            production' \
              --images web=ghcr.io/acme/web:1.2.0 api:2 \
              --commit-message 'deploy: {{ images }}' \
              --dry-run
            """.ReplaceLineEndings("\n"),
            command);
        Assert.DoesNotContain("secret123", step + command, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reads_the_argo_cd_token_from_ARGOCD_TOKEN_and_never_prints_it()
    {
        await using var argo = await FakeArgoCd.StartAsync();
        argo.Token = "argocd_fromtheenvironment";
        var dir = Directory.CreateTempSubdirectory("cli-").FullName;
        try
        {
            var bare = Path.Combine(dir, "gitops.git");
            LocalRepository.CreateBare(bare, new Dictionary<string, byte[]> { ["environments/dev/kustomization.yaml"] = "images:\n- name: web\n  newTag: \"1\"\n"u8.ToArray() }, "init");
            argo.Script("web-dev", _ => new ArgoState("Synced", LocalRepository.Tip(bare), "Healthy"));
            string[] args = ["--gitops-repository", bare, "--environment", "dev", "--mode", "push", "--images", "web:2", "--argocd-server", argo.Url, "--argocd-application", "web-dev", "--argocd-timeout", "10"];

            var (exit, output, error) = await Run(new Dictionary<string, string> { ["ARGOCD_TOKEN"] = "argocd_fromtheenvironment" }, args);

            // The fake answers only that token: the wait succeeds only if it came from ARGOCD_TOKEN.
            Assert.True(exit == 0, error + output);
            Assert.Matches(@"argocd-health\s+Healthy", output);
            Assert.DoesNotContain("argocd_fromtheenvironment", output + error, StringComparison.Ordinal);

            // A flag wins over the variable.
            var (flagged, _, flaggedError) = await Run(new Dictionary<string, string> { ["ARGOCD_TOKEN"] = "argocd_fromtheenvironment" }, [.. args.Select(a => a == "web:2" ? "web:3" : a), "--argocd-token", "wrong-token"]);
            Assert.Equal(1, flagged);
            Assert.Contains("Argo CD refused argocd-token (401)", flaggedError, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Reads_the_source_token_from_GITHUB_TOKEN_like_the_action_defaults_to_github_token()
    {
        await using var github = await FakeGitHub.StartAsync();
        github.AddToken("ghs_sourcefromtheenvironment", Permission.Write, "acme/app");
        var app = github.CreateApiRepo("acme/app");
        var dir = Directory.CreateTempSubdirectory("cli-").FullName;
        try
        {
            var bare = Path.Combine(dir, "gitops.git");
            LocalRepository.CreateBare(bare, new Dictionary<string, byte[]> { ["environments/dev/kustomization.yaml"] = "images:\n- name: web\n  newTag: \"1\"\n"u8.ToArray() }, "init");
            var env = new Dictionary<string, string>
            {
                ["GITHUB_SERVER_URL"] = github.ServerUrl,
                ["GITHUB_API_URL"] = github.ServerUrl + "/api/v3",
                ["GITHUB_TOKEN"] = "ghs_sourcefromtheenvironment",
            };

            var (exit, output, error) = await Run(env, "--gitops-repository", bare, "--environment", "dev", "--mode", "push", "--images", "web:2",
                "--source-repository", "acme/app", "--source-sha", "0123456789abcdef0123456789abcdef01234567");

            Assert.True(exit == 0, error + output);
            Assert.Equal("success", Assert.Single(app.Deployments).LastState);
            Assert.DoesNotContain("ghs_sourcefromtheenvironment", output + error, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>The lines of a help section, from its heading to the next blank line.</summary>
    private static List<string> Section(string help, string heading)
    {
        var lines = help.ReplaceLineEndings("\n").Split('\n');
        return lines.SkipWhile(l => l != heading).Skip(1).TakeWhile(l => l.Length > 0).ToList();
    }

    /// <summary>The flag (with its placeholder) each entry of a section starts with; wrapped description lines are skipped.</summary>
    private static List<string> Flags(IEnumerable<string> section) =>
        section.Where(l => l.Length > 2 && l[2] != ' ')
            .Select(l => l[2..].Split("  ")[0].TrimEnd())
            .ToList();
}
