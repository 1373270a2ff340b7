using GitOpsDeploy.Tests.Fakes;

namespace GitOpsDeploy.Tests.EndToEnd;

/// <summary>Pull request modes and deployments, end to end against the GitHub fake and real git.</summary>
[Trait("Tier", "EndToEnd")]
public sealed class PullRequestModeTests : GitOpsFixture
{
    private Dictionary<string, string> PrInputs(params (string Name, string Value)[] overrides) =>
        Inputs([("mode", "pull-request"), ("token", SourceToken), ("labels", "deploy, staging"), ("reviewers", "alice"), .. overrides]);

    private static string[] States(FakeDeployment deployment) => deployment.Statuses.Select(s => s.State).ToArray();

    [Fact]
    public async Task Opens_a_pull_request_and_queues_the_deployment_within_ten_api_calls()
    {
        var baseHead = Repo.Head();
        var result = await Run(PrInputs());

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Equal("created", result.Output("operation"));
        Assert.Equal("1", result.Output("pull-request-number"));
        Assert.Equal($"{GitHub.ServerUrl}/acme/gitops/pull/1", result.Output("pull-request-url"));
        Assert.Equal("false", result.Output("merged"));
        Assert.Equal(baseHead, Repo.Head());

        var pr = Assert.Single(GitOpsApi.Pulls);
        Assert.Equal("gitops-deploy/staging/web", pr.Head);
        Assert.Equal("Deploy web 1.1.0, worker 2.0.0 to staging".Replace(", worker 2.0.0", string.Empty, StringComparison.Ordinal), pr.Title);
        Assert.Contains("| `web` | `ghcr.io/acme/web:1.0.0` | `ghcr.io/acme/web:1.1.0` |", pr.Body, StringComparison.Ordinal);
        Assert.Contains($"{GitHub.ServerUrl}/acme/app/commit/0123456789abcdef0123456789abcdef01234567", pr.Body, StringComparison.Ordinal);
        Assert.Contains("```diff", pr.Body, StringComparison.Ordinal);
        Assert.Contains("<!-- gitops-deploy environment=\"staging\" source=\"acme/app\"", pr.Body, StringComparison.Ordinal);
        Assert.Equal(["deploy", "staging"], pr.Labels);
        Assert.Equal(["alice"], pr.RequestedReviewers);
        Assert.Contains("newTag: \"1.1.0\"", Repo.ReadFile("environments/staging/kustomization.yaml", "gitops-deploy/staging/web"), StringComparison.Ordinal);
        Assert.Equal(result.Output("commit-sha"), Repo.Head("gitops-deploy/staging/web"));

        var deployment = Assert.Single(App.Deployments);
        Assert.Equal(result.Output("deployment-id"), deployment.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("0123456789abcdef0123456789abcdef01234567", deployment.Sha);
        Assert.Equal("staging", deployment.Environment);
        Assert.Equal("deploy:app", deployment.Task);
        Assert.False(deployment.ProductionEnvironment);
        Assert.Equal(["in_progress", "queued"], States(deployment));
        Assert.Equal($"{GitHub.ServerUrl}/acme/app/actions/runs/4242", deployment.Statuses[0].LogUrl);
        Assert.Equal(result.Output("pull-request-url"), deployment.Statuses[1].LogUrl);

        // Nine REST calls (the last reads the pull request back: its text must describe the head it holds) and one
        // GraphQL read of the token's identity (which pull requests are ours).
        var calls = GitHub.ApiRequests.ToList();
        Assert.True(calls.Count <= 10, "API calls: " + string.Join(", ", calls));
        Assert.Contains("Opened pull request [#1]", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Re_running_the_same_inputs_changes_nothing_and_says_so()
    {
        await Run(PrInputs());
        var head = Repo.Head("gitops-deploy/staging/web");
        var second = await Run(PrInputs());

        Assert.Equal(0, second.ExitCode);
        Assert.Equal("none", second.Output("operation"));
        Assert.Equal("false", second.Output("changed"));
        Assert.Equal("1", second.Output("pull-request-number"));
        Assert.Equal(head, Repo.Head("gitops-deploy/staging/web"));
        Assert.Single(GitOpsApi.Pulls);
        Assert.Contains("already proposes exactly this change", second.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_newer_image_updates_the_same_pull_request_from_the_new_base_tip()
    {
        await Run(PrInputs());
        var other = Repo.Commit(new Dictionary<string, string> { ["base/extra.yaml"] = "a: 1\n" }, "unrelated change on main");
        var result = await Run(PrInputs(("images", "web=ghcr.io/acme/web:1.2.0")));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("updated", result.Output("operation"));
        Assert.Equal("1", result.Output("pull-request-number"));
        var pr = Assert.Single(GitOpsApi.Pulls);
        Assert.Equal("Deploy web 1.2.0 to staging", pr.Title);
        Assert.Equal(other, Repo.Git("rev-parse", "gitops-deploy/staging/web~1"));
        Assert.Contains("newTag: \"1.2.0\"", Repo.ReadFile("environments/staging/kustomization.yaml", "gitops-deploy/staging/web"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Already_deployed_images_need_no_commit_and_no_pull_request()
    {
        var result = await Run(PrInputs(("images", "web=ghcr.io/acme/web:1.0.0")));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("none", result.Output("operation"));
        Assert.Empty(GitOpsApi.Pulls);
        Assert.Equal(["in_progress", "success"], States(Assert.Single(App.Deployments)));
    }

    [Theory]
    [InlineData("squash", 2)]
    [InlineData("merge", 3)]
    [InlineData("rebase", 2)]
    public async Task Merge_mode_merges_now_with_the_head_sha_and_reports_success(string method, int commits)
    {
        var result = await Run(PrInputs(("mode", "merge"), ("merge-method", method)));

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Equal("merged", result.Output("operation"));
        Assert.Equal("true", result.Output("merged"));
        Assert.Equal(Repo.Head(), result.Output("commit-sha"));
        Assert.Equal(commits, Repo.CommitCount());
        Assert.Contains("newTag: \"1.1.0\"", Repo.ReadFile("environments/staging/kustomization.yaml"), StringComparison.Ordinal);
        Assert.True(Assert.Single(GitOpsApi.Pulls).Merged);
        var deployment = Assert.Single(App.Deployments);
        Assert.Equal(["in_progress", "success"], States(deployment));
        Assert.Equal($"{GitHub.ServerUrl}/acme/gitops/commit/{Repo.Head()}", deployment.Statuses[1].LogUrl);
    }

    [Fact]
    public async Task Merge_mode_falls_back_to_auto_merge_when_branch_protection_blocks_it()
    {
        GitOpsApi.RequireReviews = true;
        GitOpsApi.AllowAutoMerge = true;
        var result = await Run(PrInputs(("mode", "merge")));

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Equal("auto-merge-enabled", result.Output("operation"));
        Assert.Contains("Branch protection blocks merging #1 now", result.Stdout, StringComparison.Ordinal);
        Assert.Equal("squash", Assert.Single(GitOpsApi.Pulls).AutoMerge);
        Assert.Equal(["in_progress", "queued"], States(Assert.Single(App.Deployments)));

        GitOpsApi.RequireReviews = false;
        GitHub.RunAutoMerge();
        Assert.Contains("newTag: \"1.1.0\"", Repo.ReadFile("environments/staging/kustomization.yaml"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Merge_mode_fails_clearly_when_protection_blocks_it_and_auto_merge_is_off()
    {
        GitOpsApi.RequireReviews = true;
        var baseHead = Repo.Head();
        var result = await Run(PrInputs(("mode", "merge")));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("::error::branch protection blocks merging pull request #1: At least 1 approving review is required", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(baseHead, Repo.Head());
        var deployment = Assert.Single(App.Deployments);
        Assert.Equal(["in_progress", "failure"], States(deployment));
        Assert.True(deployment.Statuses[^1].Description!.Length <= 140);
    }

    [Fact]
    public async Task Merge_mode_rebuilds_the_branch_when_the_base_moves_before_the_merge()
    {
        GitOpsApi.RequireUpToDate = true;
        var moved = 0;
        GitHub.BeforeReceivePack = pushedRepo =>
        {
            if (Interlocked.Exchange(ref moved, 1) == 0)
            {
                // While our head branch is being pushed, main moves on: the pull request will be behind.
                Repo.Commit(new Dictionary<string, string> { ["base/other.yaml"] = "x: 1\n" }, "someone else");
            }

            return Task.CompletedTask;
        };
        var result = await Run(PrInputs(("mode", "merge")));

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Equal("merged", result.Output("operation"));
        Assert.Equal("x: 1", Repo.ReadFile("base/other.yaml"));
        Assert.Contains("newTag: \"1.1.0\"", Repo.ReadFile("environments/staging/kustomization.yaml"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Merge_mode_retries_a_409_head_modified()
    {
        GitHub.Inject(new InjectedFailure { Method = "PUT", PathSuffix = "/pulls/1/merge", Status = 409, Body = "{\"message\":\"Head branch was modified. Review and try the merge again.\"}" });
        var result = await Run(PrInputs(("mode", "merge")));

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Equal("merged", result.Output("operation"));
        Assert.Contains("changed since we pushed it", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Merge_mode_rebuilds_our_branch_when_main_changed_the_same_lines_meanwhile()
    {
        GitHub.BeforeReceivePack = pushedRepo =>
        {
            // Someone edits the same line on main while our pull request is open.
            Repo.Commit(new Dictionary<string, string> { ["environments/staging/kustomization.yaml"] = StagingKustomization.Replace("2.0.0", "2.0.1", StringComparison.Ordinal) }, "hotfix worker");
            GitHub.BeforeReceivePack = null;
            return Task.CompletedTask;
        };
        var result = await Run(PrInputs(("mode", "merge")));

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Equal("merged", result.Output("operation"));
        var merged = Repo.ReadFile("environments/staging/kustomization.yaml");
        Assert.Contains("newTag: \"1.1.0\"", merged, StringComparison.Ordinal);
        Assert.Contains("newTag: 2.0.1", merged, StringComparison.Ordinal);
        Assert.Equal(["in_progress", "success"], States(Assert.Single(App.Deployments)));
    }

    [Fact]
    public async Task Auto_merge_mode_enables_native_auto_merge_through_graphql()
    {
        GitOpsApi.AllowAutoMerge = true;
        GitOpsApi.RequireReviews = true;
        var result = await Run(PrInputs(("mode", "auto-merge"), ("merge-method", "rebase")));

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Equal("auto-merge-enabled", result.Output("operation"));
        Assert.Equal("rebase", Assert.Single(GitOpsApi.Pulls).AutoMerge);
        Assert.Contains("POST /api/graphql", string.Join('\n', GitHub.Requests), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Auto_merge_mode_merges_a_pull_request_that_is_already_clean()
    {
        GitOpsApi.AllowAutoMerge = true;
        var result = await Run(PrInputs(("mode", "auto-merge")));

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Equal("merged", result.Output("operation"));
        Assert.Contains("can be merged right now", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Auto_merge_mode_explains_a_repository_that_does_not_allow_it()
    {
        GitOpsApi.RequireReviews = true;
        var result = await Run(PrInputs(("mode", "auto-merge")));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Auto merge is not allowed for this repository", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("Allow auto-merge", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wait_for_merge_reports_success_once_a_person_merges()
    {
        var waiting = Task.Run(async () =>
        {
            while (!GitOpsApi.Pulls.Any())
            {
                await Task.Delay(50);
            }

            await Task.Delay(300);
            GitHub.MergeByHand("acme/gitops", 1);
        });
        var result = await Run(PrInputs(("wait-for-merge", "30")));
        await waiting;

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Equal("merged", result.Output("operation"));
        Assert.Equal("true", result.Output("merged"));
        Assert.Equal(Repo.Head(), result.Output("commit-sha"));
        Assert.Equal(["in_progress", "success"], States(Assert.Single(App.Deployments)));
    }

    [Fact]
    public async Task A_pull_request_with_the_hold_label_is_never_touched()
    {
        await Run(PrInputs());
        GitOpsApi.Pulls[0].Labels.Add("hold");
        var head = Repo.Head("gitops-deploy/staging/web");
        var result = await Run(PrInputs(("images", "web=ghcr.io/acme/web:2.0.0"), ("mode", "merge")));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("::error::pull request #1 carries the 'hold' label", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(head, Repo.Head("gitops-deploy/staging/web"));
        Assert.False(GitOpsApi.Pulls[0].Merged);
        Assert.Equal(["in_progress", "failure"], States(App.Deployments[^1]));
    }

    [Fact]
    public async Task A_newer_deploy_supersedes_our_older_pull_request_for_the_same_images_and_ends_its_deployment()
    {
        var first = await Run(PrInputs(("images", "web=ghcr.io/acme/web:1.0.5"), ("pull-request-branch", "gitops-deploy/staging/web-hotfix")));
        Assert.True(first.ExitCode == 0, first.Stdout);
        Repo.Commit(new Dictionary<string, string> { ["x.txt"] = "old" }, "someone's branch", branch: "release/old-web");
        GitHub.OpenPull("acme/gitops", "release/old-web", "someone else's PR for production",
            "<!-- gitops-deploy environment=\"production\" source=\"acme/app\" digest=\"0000000000000000\" -->");
        var result = await Run(PrInputs());

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Equal("3", result.Output("pull-request-number"));
        var old = GitOpsApi.Pulls.Single(p => p.Number == 1);
        Assert.Equal("closed", old.State);
        Assert.StartsWith($"Superseded by #3 ({GitHub.ServerUrl}/acme/gitops/pull/3)", Assert.Single(old.Comments), StringComparison.Ordinal);
        Assert.Equal("open", GitOpsApi.Pulls.Single(p => p.Number == 2).State);
        // The superseded PR's deployment does not stay queued for a closed pull request.
        Assert.Equal(["in_progress", "queued", "inactive"], States(App.Deployments[0]));
        Assert.Equal("superseded by PR #3", App.Deployments[0].Statuses[^1].Description);
        Assert.Equal(["in_progress", "queued"], States(App.Deployments[1]));
    }

    [Fact]
    public async Task A_pull_request_opened_concurrently_is_adopted_instead_of_failing_on_422()
    {
        GitHub.BeforeReceivePack = pushedRepo =>
        {
            // Another run opens the pull request between our listing and our create.
            GitHub.BeforeReceivePack = null;
            GitHub.OpenPull("acme/gitops", "gitops-deploy/staging/web", "Deploy web 1.1.0 to staging",
                "from the other run\n\n<!-- gitops-deploy environment=\"staging\" source=\"acme/app\" change-set=\"0\" deployment=\"\" digest=\"0\" -->", author: FakeGitHub.DefaultLogin);
            return Task.CompletedTask;
        };
        var result = await Run(PrInputs());

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Equal("updated", result.Output("operation"));
        var pr = Assert.Single(GitOpsApi.Pulls);
        Assert.Contains("gitops-deploy environment=\"staging\"", pr.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_502s_then_success_are_retried_under_octokit()
    {
        GitHub.Inject(new InjectedFailure { Method = "POST", PathSuffix = "/repos/acme/gitops/pulls", Status = 502, Body = "{\"message\":\"Server Error\"}", Times = 2 });
        var result = await Run(PrInputs());

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Equal("created", result.Output("operation"));
        Assert.Equal(3, GitHub.ApiRequests.Count(r => r == "POST /repos/acme/gitops/pulls"));
        Assert.Single(GitOpsApi.Pulls);
    }

    [Fact]
    public async Task A_secondary_rate_limit_is_waited_out_using_retry_after()
    {
        GitHub.Inject(new InjectedFailure
        {
            Method = "POST",
            PathSuffix = "/repos/acme/app/deployments",
            Status = 403,
            Body = "{\"message\":\"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.\"}",
            Headers = new() { ["Retry-After"] = "1" },
        });
        var result = await Run(PrInputs());

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Single(App.Deployments);
        Assert.Contains("Could not create a deployment yet: GitHub's rate limit (403); waiting ", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_validation_error_is_not_retried()
    {
        GitHub.Inject(new InjectedFailure { Method = "POST", PathSuffix = "/repos/acme/gitops/pulls", Status = 422, Body = "{\"message\":\"Validation Failed\",\"errors\":[{\"resource\":\"PullRequest\",\"code\":\"custom\",\"message\":\"No commits between main and gitops-deploy/staging/web\"}]}" });
        var result = await Run(PrInputs());

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("No commits between main and gitops-deploy/staging/web", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(1, GitHub.ApiRequests.Count(r => r == "POST /repos/acme/gitops/pulls"));
        Assert.Equal(["in_progress", "failure"], States(Assert.Single(App.Deployments)));
    }

    [Theory]
    [InlineData(202, "{\"message\":\"Auto-merged main into topic on deployment.\"}")]
    [InlineData(409, "{\"message\":\"Conflict: Commit status checks failed for main.\"}")]
    public async Task A_deployment_github_does_not_create_is_skipped_with_a_warning(int status, string body)
    {
        GitHub.Inject(new InjectedFailure { Method = "POST", PathSuffix = "/repos/acme/app/deployments", Status = status, Body = body });
        var result = await Run(PrInputs());

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Equal(string.Empty, result.Output("deployment-id"));
        Assert.Contains("::warning::GitHub", result.Stdout, StringComparison.Ordinal);
        Assert.Empty(App.Deployments);
        Assert.Equal("created", result.Output("operation"));
    }

    [Fact]
    public async Task A_wrong_source_repository_is_named_and_nothing_is_pushed()
    {
        var result = await Run(PrInputs(("source-repository", "acme/nope")));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("acme/nope was not found, or token cannot see it (it needs deployments: write)", result.Stdout, StringComparison.Ordinal);
        Assert.Empty(GitOpsApi.Pulls);
        Assert.Throws<InvalidOperationException>(() => Repo.Head("gitops-deploy/staging/web"));
    }

    [Fact]
    public async Task A_wrong_source_token_is_named_before_anything_is_pushed()
    {
        var result = await Run(PrInputs(("token", "ghs_wrong_source_token")));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("GitHub refused the credentials (401); check token", result.Stdout, StringComparison.Ordinal);
        Assert.Empty(GitOpsApi.Pulls);
    }

    [Fact]
    public async Task A_read_only_gitops_token_fails_the_push_and_the_deployment()
    {
        var result = await Run(PrInputs(("gitops-token", ReadToken)));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("contents: write", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(["in_progress", "failure"], States(Assert.Single(App.Deployments)));
    }

    [Fact]
    public async Task A_dry_run_opens_nothing_and_creates_no_deployment()
    {
        var result = await Run(PrInputs(("dry-run", "true"), ("mode", "merge")));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("dry-run", result.Output("operation"));
        Assert.Empty(GitOpsApi.Pulls);
        Assert.Empty(App.Deployments);
        Assert.Throws<InvalidOperationException>(() => Repo.Head("gitops-deploy/staging/web"));
    }

    [Fact]
    public async Task Cancellation_mid_run_never_leaves_the_deployment_in_progress()
    {
        using var cancellation = new CancellationTokenSource();
        GitHub.BeforeReceivePack = pushedRepo =>
        {
            // SIGTERM arrives while we are pushing.
            cancellation.Cancel();
            return Task.CompletedTask;
        };
        var result = await Run(PrInputs(), cancellation.Token);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("cancelled", result.Stdout, StringComparison.Ordinal);
        var last = Assert.Single(App.Deployments).LastState;
        Assert.True(last is "inactive" or "failure", $"deployment left {last}");
    }

    [Fact]
    public async Task Neither_token_appears_in_anything_the_action_wrote()
    {
        var ok = await Run(PrInputs(("mode", "merge")));
        var failed = await Run(PrInputs(("source-repository", "acme/nope")));

        Assert.Equal(0, ok.ExitCode);
        foreach (var result in new[] { ok, failed })
        {
            var everything = result.AllBytes
                .Replace($"::add-mask::{WriteToken}", string.Empty, StringComparison.Ordinal)
                .Replace($"::add-mask::{SourceToken}", string.Empty, StringComparison.Ordinal);
            Assert.DoesNotContain(WriteToken, everything, StringComparison.Ordinal);
            Assert.DoesNotContain(SourceToken, everything, StringComparison.Ordinal);
        }

        foreach (var pr in GitOpsApi.Pulls)
        {
            Assert.DoesNotContain(WriteToken, pr.Body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_merge_method_the_repository_disallows_fails_at_once_and_pushes_nothing()
    {
        GitOpsApi.MergeMethods.Remove("squash");
        var before = Repo.Git("for-each-ref", "refs/heads");

        var result = await Run(PrInputs(("mode", "merge")));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("input 'merge-method': 'squash' is not allowed on acme/gitops", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("'Allow squash merging'", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(before, Repo.Git("for-each-ref", "refs/heads"));
        Assert.Empty(GitOpsApi.Pulls);
        // Refused before there was anything to deploy: no deployment is left behind, and the summary says so.
        Assert.Empty(App.Deployments);
        Assert.Contains("No deployment was created on `acme/app`", result.Summary, StringComparison.Ordinal);
        Assert.DoesNotContain(GitHub.ApiRequests, r => r.StartsWith("PUT ", StringComparison.Ordinal));
    }
}
