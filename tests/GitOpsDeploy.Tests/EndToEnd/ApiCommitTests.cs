using System.Text;
using GitOpsDeploy.Tests.Fakes;

namespace GitOpsDeploy.Tests.EndToEnd;

/// <summary>commit-method: api: reads and commits through GitHub's GraphQL API, no clone, signed by GitHub, compare-and-swap.</summary>
[Trait("Tier", "EndToEnd")]
public sealed class ApiCommitTests : GitOpsFixture
{
    private const string ShaA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    private const string ShaB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    private Dictionary<string, string> Api(params (string Name, string Value)[] overrides) =>
        Inputs([("commit-method", "api"), .. overrides]);

    private void AssertNoClone(ActionResult result)
    {
        Assert.Empty(result.CloneConfigs);
        Assert.DoesNotContain(GitHub.Requests, r => r.Contains("/acme/gitops.git/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_push_mode_deploy_is_one_read_and_one_signed_commit_without_a_clone()
    {
        GitHub.SetLogin(WriteToken, "deploy-app[bot]");
        var before = GitHub.ApiRequests.Count();
        GitHub.RecordGraphQl = true;

        var result = await Run(Api(("deployment", "false")));

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Equal("pushed", result.Output("operation"));
        Assert.Equal(Repo.Head(), result.Output("commit-sha"));
        Assert.Equal("true", result.Output("verified"));
        Assert.True(GitHub.IsVerified(Repo.Head()));
        Assert.Equal(StagingKustomization.Replace("newTag: \"1.0.0\"", "newTag: \"1.1.0\"", StringComparison.Ordinal).TrimEnd('\n'), Repo.ReadFile("environments/staging/kustomization.yaml"));
        var message = Repo.Message(Repo.Head());
        Assert.StartsWith("deploy(staging): web 1.0.0 -> 1.1.0", message, StringComparison.Ordinal);
        Assert.Contains("\nEnvironment: staging\nImage: web=ghcr.io/acme/web:1.1.0", message, StringComparison.Ordinal);
        Assert.Equal("deploy-app[bot]", Repo.Git("log", "-1", "--format=%an", Repo.Head()));
        Assert.Contains("+    newTag: \"1.1.0\" # current release", result.Stdout + Repo.Git("show", Repo.Head()), StringComparison.Ordinal);
        AssertNoClone(result);
        // One read and one commit; between them the promotion report reads the overlay's base (which
        // the first read does not hold) to know which containers the edit changes: one more read, no write.
        Assert.Equal(["POST /graphql", "POST /graphql", "POST /graphql"], GitHub.ApiRequests.Skip(before).Select(r => r.Replace("/api/graphql", "/graphql", StringComparison.Ordinal)));
        Assert.Equal(["ReadBranch", "Directory", "BoardWrite"], GitHub.GraphQlExchanges.Select(e => e["operationName"]?.GetValue<string>()));

        var again = await Run(Api(("deployment", "false")));
        Assert.Equal("none", again.Output("operation"));
        Assert.Equal("false", again.Output("verified"));
    }

    [Fact]
    public async Task A_writer_that_lands_between_our_read_and_our_commit_loses_nothing()
    {
        var landed = false;
        GitHub.BeforeCommitOnBranch = (repo, branch) =>
        {
            if (!landed)
            {
                landed = true;
                repo.Commit(new Dictionary<string, string> { ["environments/staging/kustomization.yaml"] = StagingKustomization.Replace("newTag: 2.0.0", "newTag: 2.5.0", StringComparison.Ordinal) }, "another pipeline");
            }
        };

        var result = await Run(Api());

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Contains("Expected branch to point to", result.Stdout, StringComparison.Ordinal);
        var file = Repo.ReadFile("environments/staging/kustomization.yaml");
        Assert.Contains("newTag: \"1.1.0\"", file, StringComparison.Ordinal);
        Assert.Contains("newTag: 2.5.0", file, StringComparison.Ordinal);
        Assert.Equal("another pipeline", Repo.Git("log", "-1", "--format=%s", "HEAD~1"));
    }

    [Fact]
    public async Task A_file_over_512000_bytes_is_read_whole_and_edited_byte_exactly()
    {
        var padding = string.Concat(Enumerable.Range(0, 12_000).Select(i => $"# padding line {i:D6} ..............................\n"));
        var big = padding + StagingKustomization;
        Repo.Commit(new Dictionary<string, string> { ["environments/staging/kustomization.yaml"] = big }, "big file");
        Assert.True(Encoding.UTF8.GetByteCount(big) > FakeGitHub.BlobTextLimit);

        var result = await Run(Api());

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Equal(big.Replace("newTag: \"1.0.0\"", "newTag: \"1.1.0\"", StringComparison.Ordinal).TrimEnd('\n'), Repo.ReadFile("environments/staging/kustomization.yaml"));
        Assert.Contains(GitHub.ApiRequests, r => r.Contains("/git/blobs/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_symlinked_overlay_inside_the_repository_edits_the_target_and_keeps_the_link()
    {
        Repo.CommitSymlink("environments/staging-link", "staging");

        var result = await Run(Api(("overlay-path", "environments/staging-link")));

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Contains("newTag: \"1.1.0\"", Repo.ReadFile("environments/staging/kustomization.yaml"), StringComparison.Ordinal);
        Assert.StartsWith("120000", Repo.Git("ls-tree", "HEAD", "--", "environments/staging-link"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rollback_and_promotion_read_history_without_a_clone()
    {
        Assert.Equal(0, (await Run(Api(("images", "web=ghcr.io/acme/web:1.1.0"), ("source-sha", ShaA), ("token", SourceToken)))).ExitCode);
        Assert.Equal(0, (await Run(Api(("images", "web=ghcr.io/acme/web:1.2.0"), ("source-sha", ShaB), ("token", SourceToken)))).ExitCode);

        var rollback = await Run(Api(("rollback", "true"), ("images", "web"), ("token", SourceToken)));

        Assert.True(rollback.ExitCode == 0, rollback.Stdout);
        Assert.Contains("newTag: \"1.1.0\"", Repo.ReadFile("environments/staging/kustomization.yaml"), StringComparison.Ordinal);
        Assert.Contains($"Source-Commit: {ShaA}", Repo.Message(Repo.Head()), StringComparison.Ordinal);
        AssertNoClone(rollback);

        var promotion = await Run(Api(("environment", "production"), ("promote-from", "staging"), ("images", "web"), ("force", "true"), ("token", SourceToken)));

        Assert.True(promotion.ExitCode == 0, promotion.Stdout);
        Assert.Contains("newTag: \"1.1.0\"", Repo.ReadFile("environments/production/kustomization.yaml"), StringComparison.Ordinal);
        Assert.Contains("Promoted-From: staging@", Repo.Message(Repo.Head()), StringComparison.Ordinal);
        AssertNoClone(promotion);
    }

    [Fact]
    public async Task Pull_request_and_merge_modes_land_a_verified_squash_merge()
    {
        var result = await Run(Api(("mode", "merge"), ("token", SourceToken)));

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Equal("merged", result.Output("operation"));
        Assert.Equal(Repo.Head(), result.Output("commit-sha"));
        Assert.Equal("true", result.Output("verified"));
        var pr = Assert.Single(GitOpsApi.Pulls);
        Assert.True(pr.Merged);
        Assert.True(GitHub.IsVerified(pr.ClosedHeadSha!), "the pull request head was committed through the API");
        Assert.Contains("newTag: \"1.1.0\"", Repo.ReadFile("environments/staging/kustomization.yaml"), StringComparison.Ordinal);
        AssertNoClone(result);
        Assert.Equal(["in_progress", "success"], Assert.Single(App.Deployments).Statuses.Select(s => s.State));
    }

    [Fact]
    public async Task A_pull_request_head_is_rebuilt_from_the_new_base_through_the_api()
    {
        Assert.Equal(0, (await Run(Api(("mode", "pull-request")))).ExitCode);
        Repo.Commit(new Dictionary<string, string> { ["base/other.yaml"] = "x: 1\n" }, "main moved");

        var result = await Run(Api(("mode", "pull-request"), ("images", "web=ghcr.io/acme/web:1.2.0")));

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Equal("updated", result.Output("operation"));
        var head = Repo.Head("gitops-deploy/staging/web");
        Assert.Equal(Repo.Head(), Repo.Git("rev-parse", $"{head}~1"));
        Assert.Contains("newTag: \"1.2.0\"", Repo.ReadFile("environments/staging/kustomization.yaml", "gitops-deploy/staging/web"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_read_only_token_names_the_permission_and_writes_nothing()
    {
        var head = Repo.Head();

        var result = await Run(Api(("gitops-token", ReadToken)));

        Assert.Equal(1, result.ExitCode);
        // A lone run says what it could not do itself, not something about other runs.
        Assert.Contains("::error::could not commit to 'main' of acme/gitops: gitops-token needs contents: write", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("other runs", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(head, Repo.Head());
    }

    [Fact]
    public async Task The_workflows_own_token_as_gitops_token_is_named_with_the_app_token_step()
    {
        // GITHUB_TOKEN: write on the workflow's repository only; GitHub's viewer for it is github-actions[bot].
        GitHub.SetLogin(SourceToken, "github-actions[bot]");
        var head = Repo.Head();

        var result = await Run(Api(("gitops-token", SourceToken), ("deployment", "false")));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("gitops-token is the workflow's GITHUB_TOKEN", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("actions/create-github-app-token", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(head, Repo.Head());
    }

    [Fact]
    public async Task A_refused_app_token_is_not_blamed_on_the_workflow_token()
    {
        var result = await Run(Api(("gitops-token", SourceToken), ("deployment", "false")));

        Assert.Equal(1, result.ExitCode);
        Assert.DoesNotContain("GITHUB_TOKEN", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_branch_that_requires_pull_requests_refuses_a_direct_commit_with_githubs_words()
    {
        GitOpsApi.RequirePullRequest = true;

        var result = await Run(Api());

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Changes must be made through a pull request. (BRANCH_PROTECTION_RULE_VIOLATION)", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("use mode 'pull-request' for protected branches", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_executable_file_is_committed_with_the_git_method_so_it_stays_executable()
    {
        Repo.CommitExecutable("environments/staging/kustomization.yaml", StagingKustomization);

        var result = await Run(Api(("token", SourceToken)));

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Equal("pushed", result.Output("operation"));
        Assert.Equal(Repo.Head(), result.Output("commit-sha"));
        Assert.Contains("environments/staging/kustomization.yaml is executable in acme/gitops", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("this run commits with the git method instead", result.Stdout, StringComparison.Ordinal);
        Assert.StartsWith("100755 ", Repo.Git("ls-tree", Repo.Head(), "environments/staging/kustomization.yaml"), StringComparison.Ordinal);
        Assert.Contains("newTag: \"1.1.0\"", Repo.ReadFile("environments/staging/kustomization.yaml"), StringComparison.Ordinal);
        // A push, not an API commit: GitHub did not sign it, and the output says so without the GHES warning.
        Assert.Equal("false", result.Output("verified"));
        Assert.False(GitHub.IsVerified(Repo.Head()));
        Assert.DoesNotContain("web commit signing", result.Stdout, StringComparison.Ordinal);
        Assert.Single(result.CloneConfigs);
        Assert.Equal(["in_progress", "success"], Assert.Single(App.Deployments).Statuses.Select(s => s.State));
    }

    [Fact]
    public async Task An_executable_file_on_a_branch_that_requires_signed_commits_is_refused_with_both_reasons()
    {
        Repo.CommitExecutable("environments/staging/kustomization.yaml", StagingKustomization);
        GitOpsApi.RequireSignatures();
        var head = Repo.Head();

        var result = await Run(Api(("token", SourceToken)));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("is executable", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("Commits must have verified signatures.", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(head, Repo.Head());
        Assert.Equal("failure", Assert.Single(App.Deployments).LastState);
    }

    [Fact]
    public async Task On_a_branch_that_requires_signed_commits_api_commits_land_and_unsigned_pushes_do_not()
    {
        GitOpsApi.RequireSignatures();
        var head = Repo.Head();

        var pushed = await Run(Inputs(("commit-method", "git")));

        Assert.Equal(1, pushed.ExitCode);
        Assert.Contains("rejected the push to 'main': pre-receive hook declined: error: GH006: Protected branch update failed for refs/heads/main. error: Commits must have verified signatures. (the branch requires signed commits, which commit-method: api satisfies)", pushed.Stdout, StringComparison.Ordinal);
        Assert.Equal(head, Repo.Head());

        var api = await Run(Api());

        Assert.True(api.ExitCode == 0, api.Stdout);
        Assert.Equal("true", api.Output("verified"));
        Assert.True(GitHub.IsVerified(Repo.Head()));
    }

    [Fact]
    public async Task A_rebase_merge_onto_a_branch_that_requires_signed_commits_fails_clearly_and_says_the_pull_request_stays_open()
    {
        GitOpsApi.RequireSignatures();
        var main = Repo.Head();

        var result = await Run(Api(("mode", "merge"), ("merge-method", "rebase"), ("token", SourceToken)));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("'rebase' is not allowed on acme/gitops (Base branch requires signed commits. Rebase merges cannot be automatically signed by GitHub)", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("stays open unmerged", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(main, Repo.Head());
        Assert.Equal("open", Assert.Single(GitOpsApi.Pulls).State);
        Assert.Equal("failure", Assert.Single(App.Deployments).LastState);
    }

    [Fact]
    public async Task A_chosen_author_is_credited_as_co_author_of_the_tokens_commit()
    {
        var result = await Run(Api(("author-name", "Release Bot"), ("author-email", "release@acme.example")));

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Equal(GitHub.LoginOf(WriteToken), Repo.Git("log", "-1", "--format=%an", Repo.Head()));
        Assert.EndsWith("Image: web=ghcr.io/acme/web:1.1.0\nCo-authored-by: Release Bot <release@acme.example>", Repo.Message(Repo.Head()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_api_commit_the_server_does_not_sign_lands_unverified_with_a_warning()
    {
        GitHub.SignsApiCommits = false;

        var result = await Run(Api(("deployment", "false")));

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Equal("pushed", result.Output("operation"));
        Assert.Equal("false", result.Output("verified"));
        Assert.Contains($"::warning::GitHub did not sign {Repo.Head()} (verified=false): on GitHub Enterprise Server", result.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("squash", "true")]
    [InlineData("merge", "true")]
    [InlineData("rebase", "false")]
    public async Task With_the_git_method_verified_still_tells_whether_GitHub_signed_the_merge(string method, string verified)
    {
        var result = await Run(Inputs(("commit-method", "git"), ("mode", "merge"), ("merge-method", method), ("deployment", "false")));

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Equal("merged", result.Output("operation"));
        Assert.Equal(Repo.Head(), result.Output("commit-sha"));
        Assert.Equal(verified, result.Output("verified"));
        Assert.Equal(verified == "true", GitHub.IsVerified(Repo.Head()));
        Assert.False(GitHub.IsVerified(Assert.Single(GitOpsApi.Pulls).ClosedHeadSha!), "the head was pushed, so GitHub did not sign it");
    }
}
