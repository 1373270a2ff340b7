using GitOpsDeploy.Tests.Fakes;

namespace GitOpsDeploy.Tests.EndToEnd;

/// <summary>
/// The promises a hostile user, repository or network tried to break: nothing written outside the
/// target, no foreign pull request touched, no secret published, no forged workflow command, and a
/// deployment that always ends with a truthful status.
/// </summary>
[Trait("Tier", "EndToEnd")]
public sealed class HardeningTests : GitOpsFixture
{
    private Dictionary<string, string> PrInputs(params (string Name, string Value)[] overrides) =>
        Inputs([("mode", "pull-request"), ("token", SourceToken), .. overrides]);

    private static string[] States(FakeDeployment deployment) => deployment.Statuses.Select(s => s.State).ToArray();

    [Theory]
    [InlineData("../production/kustomization.yaml:namePrefix=evil-")]
    [InlineData("../../base/deployment.yaml:metadata.name=evil")]
    public async Task Set_outside_the_overlay_is_refused_and_nothing_is_pushed(string setting)
    {
        var head = Repo.Head();
        var result = await Run(Inputs(("set", setting), ("token", SourceToken)));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("::error::input 'set':", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("outside the overlay 'environments/staging'", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(head, Repo.Head());
        // Refused before there was anything to deploy: no deployment is left behind.
        Assert.Empty(App.Deployments);
    }

    [Fact]
    public async Task A_mistyped_environment_is_refused_naming_the_input_and_the_overlays_that_exist()
    {
        var head = Repo.Head();
        var result = await Run(Inputs(("environment", "prodction"), ("token", SourceToken)));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("::error::input 'environment': 'prodction' has no overlay: 'environments/prodction' is not a folder in the gitops repository; the folders in 'environments/' are ", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("(did you mean production?)", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(head, Repo.Head());
        // Refused while planning, before there was anything to deploy: no deployment is left behind.
        Assert.Empty(App.Deployments);
    }

    [Fact]
    public async Task A_symlink_inside_the_overlay_into_another_environment_is_refused()
    {
        Repo.CommitSymlink("environments/staging/prod.yaml", "../production/kustomization.yaml");
        var head = Repo.Head();
        var result = await Run(Inputs(("set", "prod.yaml:namePrefix=evil-")));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("resolves to 'environments/production/kustomization.yaml', outside the overlay", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(head, Repo.Head());
    }

    [Fact]
    public async Task The_default_branch_as_pull_request_branch_is_refused_before_anything_is_pushed()
    {
        var head = Repo.Head();
        var result = await Run(PrInputs(("pull-request-branch", "main")));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("input 'pull-request-branch': 'main' is the base branch", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(head, Repo.Head());
        Assert.Equal(1, Repo.CommitCount());
        Assert.Empty(GitOpsApi.Pulls);
        // Refused before there was anything to deploy: no deployment is left behind.
        Assert.Empty(App.Deployments);
    }

    [Theory]
    [InlineData(".hidden")]
    [InlineData("deploy/x.lock")]
    public async Task A_head_branch_git_refuses_is_refused_before_anything_is_created(string branch)
    {
        var result = await Run(PrInputs(("pull-request-branch", branch)));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("input 'pull-request-branch'", result.Stdout, StringComparison.Ordinal);
        Assert.Empty(App.Deployments);
        Assert.Empty(GitOpsApi.Pulls);
    }

    [Fact]
    public async Task A_persons_pull_request_on_our_head_branch_is_never_force_pushed_over()
    {
        var theirs = Repo.Commit(new Dictionary<string, string> { ["notes.md"] = "my work\n" }, "a person's commit", branch: "gitops-deploy/staging/web");
        GitHub.OpenPull("acme/gitops", "gitops-deploy/staging/web", "My own change", "copied:\n<!-- gitops-deploy environment=\"staging\" source=\"acme/app\" digest=\"00\" -->");
        var result = await Run(PrInputs());

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("was opened by octocat, not by the gitops-token's identity", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(theirs, Repo.Head("gitops-deploy/staging/web"));
        var pr = Assert.Single(GitOpsApi.Pulls);
        Assert.Equal("open", pr.State);
        Assert.Equal("My own change", pr.Title);
    }

    [Fact]
    public async Task A_persons_pull_request_with_a_copied_marker_is_not_superseded()
    {
        Repo.Commit(new Dictionary<string, string> { ["notes.md"] = "x\n" }, "a person's commit", branch: "release/web");
        GitHub.OpenPull("acme/gitops", "release/web", "Deploy web 0.9 to staging (by hand)",
            "Copied from a deploy PR\n\n<!-- gitops-deploy environment=\"staging\" source=\"acme/app\" digest=\"00\" -->");
        var result = await Run(PrInputs());

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Equal("open", GitOpsApi.Pulls[0].State);
        Assert.Empty(GitOpsApi.Pulls[0].Comments);
    }

    [Fact]
    public async Task Two_images_of_one_monorepo_get_two_pull_requests_that_do_not_supersede_each_other()
    {
        var web = await Run(PrInputs(("images", "web=ghcr.io/acme/web:1.1.0")));
        var worker = await Run(PrInputs(("images", "worker=ghcr.io/acme/worker:2.1.0")));

        Assert.True(web.ExitCode == 0 && worker.ExitCode == 0, web.Stdout + worker.Stdout);
        Assert.All(GitOpsApi.Pulls, p => Assert.Equal("open", p.State));
        Assert.Equal(2, GitOpsApi.Pulls.Count);
        Assert.All(App.Deployments, d => Assert.Equal("queued", d.LastState));
    }

    [Fact]
    public async Task Concurrent_merge_mode_runs_that_each_add_a_new_image_all_land()
    {
        var runs = await Task.WhenAll(new[] { "api", "cache", "search" }.Select(name =>
            Run(PrInputs(("mode", "merge"), ("images", $"{name}=ghcr.io/acme/{name}:1.0.0")))));

        Assert.All(runs, r => Assert.True(r.ExitCode == 0, r.Stdout));
        var kustomization = Repo.ReadFile("environments/staging/kustomization.yaml");
        Assert.All(new[] { "api", "cache", "search" }, name => Assert.Contains($"newName: ghcr.io/acme/{name}", kustomization, StringComparison.Ordinal));
        Assert.All(GitOpsApi.Pulls, p => Assert.True(p.Merged));
        // Each deployment succeeded; GitHub then retires earlier successes of the environment (auto_inactive).
        Assert.All(App.Deployments, d => Assert.Contains("success", States(d)));
    }

    [Fact]
    public async Task A_merge_whose_answer_is_lost_is_reported_as_merged()
    {
        GitHub.Inject(new InjectedFailure { Method = "PUT", PathSuffix = "/merge", Status = 502, AfterHandling = true });
        var result = await Run(PrInputs(("mode", "merge")));

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Equal("merged", result.Output("operation"));
        Assert.Equal(Repo.Head(), result.Output("commit-sha"));
        Assert.Equal(["in_progress", "success"], States(Assert.Single(App.Deployments)));
    }

    [Fact]
    public async Task A_token_echoed_in_a_github_error_is_masked_in_the_deployment_description()
    {
        GitHub.Inject(new InjectedFailure
        {
            Method = "POST",
            PathSuffix = "/repos/acme/gitops/pulls",
            Status = 422,
            Body = $"{{\"message\":\"Validation Failed\",\"errors\":[{{\"resource\":\"PullRequest\",\"code\":\"custom\",\"message\":\"{WriteToken} is invalid\"}}]}}",
        });
        var result = await Run(PrInputs());

        Assert.Equal(1, result.ExitCode);
        var deployment = Assert.Single(App.Deployments);
        Assert.Equal("failure", deployment.LastState);
        Assert.True(deployment.Statuses[^1].Description!.Contains("*** is invalid", StringComparison.Ordinal), deployment.Statuses[^1].Description);
        Assert.DoesNotContain(WriteToken, string.Join('\n', deployment.Statuses.Select(s => s.Description)), StringComparison.Ordinal);
        Assert.DoesNotContain(WriteToken, result.AllBytes.Replace($"::add-mask::{WriteToken}", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_in_a_commit_message_template_is_masked_in_the_commit()
    {
        var result = await Run(Inputs(("commit-message", $"deploy {{{{ images }}}} {WriteToken}")));

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Contains("deploy", Repo.Message(Repo.Head()), StringComparison.Ordinal);
        Assert.DoesNotContain(WriteToken, Repo.Message(Repo.Head()), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("gitops-token")]
    [InlineData("token")]
    public async Task A_token_with_a_line_break_is_refused_naming_the_input_and_never_printed(string input)
    {
        var token = "ghs_FIRSTline0123\nghs_SECONDline4567";
        var result = await Run(Inputs((input, token)));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"::error::input '{input}': contains a line break", result.Stdout, StringComparison.Ordinal);
        var printed = string.Join('\n', result.AllBytes.Split('\n').Where(l => !l.StartsWith("::add-mask::", StringComparison.Ordinal)));
        Assert.DoesNotContain("ghs_FIRSTline0123", printed, StringComparison.Ordinal);
        Assert.DoesNotContain("ghs_SECONDline4567", printed, StringComparison.Ordinal);
        Assert.DoesNotContain("%0A", printed, StringComparison.Ordinal);
        Assert.Empty(App.Deployments);
    }

    [Fact]
    public async Task A_rest_redirect_to_another_port_of_the_same_host_gets_no_token()
    {
        await using var elsewhere = await FakeGitHub.StartAsync();
        GitHub.Inject(new InjectedFailure
        {
            Method = "POST",
            PathSuffix = "/repos/acme/app/deployments",
            Status = 307,
            Headers = new() { ["Location"] = elsewhere.ServerUrl + "/api/v3/repos/acme/app/deployments" },
        });
        var result = await Run(Inputs(("token", SourceToken)));

        Assert.Contains(elsewhere.Requests, r => r.StartsWith("POST /api/v3/repos/acme/app/deployments", StringComparison.Ordinal));
        Assert.Empty(elsewhere.AuthorizedRequests);
        Assert.DoesNotContain(SourceToken, result.AllBytes.Replace($"::add-mask::{SourceToken}", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_hostile_tag_in_the_overlay_is_neither_promoted_nor_run_as_a_workflow_command()
    {
        Repo.Commit(new Dictionary<string, string>
        {
            ["environments/staging/kustomization.yaml"] = "images:\n  - name: web\n    newName: ghcr.io/acme/web\n    newTag: \"1.0.0\\n::warning file=x::INJECTED\\n::stop-commands::pwn\"\n",
        }, "hostile");
        var head = Repo.Head();
        var result = await Run(Inputs(("environment", "production"), ("promote-from", "staging"), ("images", "web")));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("reference that cannot be promoted or restored", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(head, Repo.Head());
        // Our own annotation quotes the value escaped (%0A); a forged command would be a line of its own.
        Assert.DoesNotContain(CommandsOutsideStopBlocks(result.Stdout), l => l.StartsWith("::warning file=x", StringComparison.Ordinal) || l.StartsWith("::stop-commands::pwn", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Repository_text_that_looks_like_a_workflow_command_is_printed_inert()
    {
        // A diff context line is " " + the file's line; the runner trims leading space before it looks for "::".
        Repo.Commit(new Dictionary<string, string> { ["environments/staging/values.yaml"] = "note: |\n  ::warning file=x::INJECTED\nreplicas: 1\n" }, "values");
        var result = await Run(Inputs(("images", string.Empty), ("set", "values.yaml:replicas=2"), ("dry-run", "true")));

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Contains("   ::warning file=x::INJECTED", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(CommandsOutsideStopBlocks(result.Stdout), l => l.StartsWith("::warning file=x", StringComparison.Ordinal));
    }

    /// <summary>The lines the runner would execute as workflow commands, honouring stop-commands as it does.</summary>
    private static List<string> CommandsOutsideStopBlocks(string stdout)
    {
        var commands = new List<string>();
        string? resume = null;
        foreach (var raw in stdout.Split(["\r\n", "\r", "\n"], StringSplitOptions.None))
        {
            var line = raw.TrimStart();
            if (resume is not null)
            {
                if (line == resume)
                {
                    resume = null;
                }

                continue;
            }

            if (line.StartsWith("::stop-commands::", StringComparison.Ordinal))
            {
                resume = $"::{line["::stop-commands::".Length..]}::";
            }
            else if (line.StartsWith("::", StringComparison.Ordinal))
            {
                commands.Add(line);
            }
        }

        return commands;
    }

    [Fact]
    public async Task A_failure_status_is_retried_past_the_http_retries_while_github_answers_503()
    {
        GitHub.Inject(new InjectedFailure { Method = "POST", PathSuffix = "/statuses", Status = 503, BodyContains = "\"state\":\"failure\"", Times = 6 });
        // A refusal after the deployment started (a server hook), so there is a failure to report.
        Repo.InstallHook("pre-receive", "echo 'error: GH006: Protected branch update failed for refs/heads/main.' >&2\nexit 1");
        var result = await Run(Inputs(("token", SourceToken)));

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(["in_progress", "failure"], States(Assert.Single(App.Deployments)));
        // Each failed POST is followed by a look at the statuses before it is sent again (a 503 may hide a success).
        Assert.Equal(8, GitHub.ApiRequests.Count(r => r.StartsWith("POST /repos/acme/app/deployments/", StringComparison.Ordinal) && r.EndsWith("/statuses", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_final_status_waits_out_a_secondary_rate_limit()
    {
        GitHub.Inject(new InjectedFailure
        {
            Method = "POST",
            PathSuffix = "/statuses",
            Status = 403,
            BodyContains = "\"state\":\"success\"",
            Body = "{\"message\":\"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.\"}",
            Headers = new() { ["Retry-After"] = "1" },
            Times = 5,
        });
        var result = await Run(Inputs(("token", SourceToken)));

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Equal(["in_progress", "success"], States(Assert.Single(App.Deployments)));
    }

    [Fact]
    public async Task A_push_whose_answer_was_lost_is_checked_on_the_server_and_reported_as_pushed()
    {
        GitHub.LoseNextPushAnswer = true;
        var result = await Run(Inputs(("token", SourceToken)));

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Equal("pushed", result.Output("operation"));
        Assert.Equal(Repo.Head(), result.Output("commit-sha"));
        Assert.Contains("was lost", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(2, Repo.CommitCount());
        Assert.Equal(["in_progress", "success"], States(Assert.Single(App.Deployments)));
    }

    [Fact]
    public async Task A_hostile_earlier_release_is_not_restored_by_a_rollback()
    {
        Repo.Commit(new Dictionary<string, string>
        {
            ["environments/staging/kustomization.yaml"] = "images:\n  - name: web\n    newName: ghcr.io/acme/web\n    newTag: \"0.9\\n::warning file=x::INJECTED\"\n",
        }, "hostile release");
        Repo.Commit(new Dictionary<string, string> { ["environments/staging/kustomization.yaml"] = StagingKustomization }, "good release");
        var head = Repo.Head();
        var result = await Run(Inputs(("rollback", "true"), ("images", "web")));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("reference that cannot be promoted or restored", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(head, Repo.Head());
    }
}
