using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Text;
using GitOpsDeploy.Editing;
using GitOpsDeploy.GitHub;
using GitOpsDeploy.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;

namespace GitOpsDeploy.Tests.GitHub;

/// <summary>
/// The Octokit adapter driven directly against the fake GitHub: GitHub's status codes and
/// mergeable_state become our merge outcomes here, and nowhere else.
/// </summary>
[Trait("Tier", "Adapter")]
public sealed class OctokitPullRequestsTests : IAsyncLifetime
{
    private const string Token = "ghs_adapterTOKEN0123456789";
    private const string Head = "gitops-deploy/staging/web";
    private FakeGitHub github = null!;
    private FakeRepo repo = null!;
    private GitHubFactory factory = null!;
    private IPullRequests prs = null!;

    private ApiRepo Api => github.Api("acme/gitops");

    public async Task InitializeAsync()
    {
        github = await FakeGitHub.StartAsync();
        github.AddToken(Token, Permission.Write);
        repo = github.CreateRepo("acme/gitops", new Dictionary<string, string> { ["environments/staging/kustomization.yaml"] = "images: []\n" });
        factory = new GitHubFactory(TimeProvider.System, NullLoggerFactory.Instance, new SecretMasker()) { RetryBaseDelay = TimeSpan.FromMilliseconds(5) };
        prs = factory.PullRequests(github.ServerUrl + "/api/v3", null, Token, "acme/gitops");
    }

    public async Task DisposeAsync()
    {
        factory.Dispose();
        await github.DisposeAsync();
    }

    private async Task<PullRequestInfo> OpenAsync(string file = "environments/staging/kustomization.yaml", string content = "images: [web]\n")
    {
        repo.Git("update-ref", $"refs/heads/{Head}", repo.Head());
        repo.Commit(new Dictionary<string, string> { [file] = content }, "deploy", branch: Head);
        return (await prs.CreateAsync(new NewPullRequest("Deploy web", "body", Head, "main"), default))!;
    }

    [Fact]
    public async Task A_clean_pull_request_is_merged_in_git()
    {
        var pr = await OpenAsync();

        var outcome = await prs.MergeAsync(pr.Number, pr.HeadSha, MergeMethod.Squash, "Deploy web", default);

        Assert.Equal(MergeOutcomeKind.Merged, outcome.Kind);
        Assert.Equal(repo.Head(), outcome.Sha);
        Assert.Equal("images: [web]", repo.ReadFile("environments/staging/kustomization.yaml"));
    }

    [Fact]
    public async Task A_head_that_changed_since_we_pushed_it_is_rebuilt()
    {
        var pr = await OpenAsync();

        var outcome = await prs.MergeAsync(pr.Number, "0000000000000000000000000000000000000000", MergeMethod.Squash, "t", default);

        Assert.Equal(MergeOutcomeKind.Rebuild, outcome.Kind);
        Assert.Contains("Head branch was modified", outcome.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_branch_behind_a_base_that_requires_up_to_date_heads_is_rebuilt()
    {
        Api.RequireUpToDate = true;
        var pr = await OpenAsync();
        repo.Commit(new Dictionary<string, string> { ["other.yaml"] = "x: 1\n" }, "someone else");

        var outcome = await prs.MergeAsync(pr.Number, pr.HeadSha, MergeMethod.Squash, "t", default);

        Assert.Equal(MergeOutcomeKind.Rebuild, outcome.Kind);
        Assert.Contains("behind main", outcome.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_conflict_on_our_own_head_is_rebuilt_and_on_a_foreign_head_is_a_conflict()
    {
        var pr = await OpenAsync();
        repo.Commit(new Dictionary<string, string> { ["environments/staging/kustomization.yaml"] = "images: [other]\n" }, "landed meanwhile");

        var ours = await prs.MergeAsync(pr.Number, pr.HeadSha, MergeMethod.Squash, "t", default);
        Assert.Equal(MergeOutcomeKind.Rebuild, ours.Kind);
        Assert.Contains("conflicts with changes that landed on main", ours.Message, StringComparison.Ordinal);

        // A person pushed onto the head between GitHub's 405 and our look at the pull request.
        var foreign = repo.Commit(new Dictionary<string, string> { ["environments/staging/kustomization.yaml"] = "images: [hand-edited]\n" }, "a person", branch: Head);
        github.Inject(new InjectedFailure { Method = "PUT", PathSuffix = "/merge", Status = 405, Body = "{\"message\":\"Pull Request is not mergeable\"}" });
        var theirs = await prs.MergeAsync(pr.Number, pr.HeadSha, MergeMethod.Squash, "t", default);
        Assert.Equal(MergeOutcomeKind.Conflict, theirs.Kind);
        Assert.Equal(foreign, theirs.HeadSha);
    }

    [Fact]
    public async Task Required_reviews_block_the_merge()
    {
        Api.RequireReviews = true;
        var pr = await OpenAsync();

        var outcome = await prs.MergeAsync(pr.Number, pr.HeadSha, MergeMethod.Squash, "t", default);

        Assert.Equal(MergeOutcomeKind.Blocked, outcome.Kind);
        Assert.Contains("approving review is required", outcome.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_method_the_repository_disallows_is_named_in_settings_and_in_the_merge_answer()
    {
        Api.MergeMethods.Remove("rebase");
        var pr = await OpenAsync();

        var settings = await prs.GetRepositoryAsync(default);
        var outcome = await prs.MergeAsync(pr.Number, pr.HeadSha, MergeMethod.Rebase, "t", default);

        Assert.DoesNotContain(MergeMethod.Rebase, settings.MergeMethods);
        Assert.Contains(MergeMethod.Squash, settings.MergeMethods);
        Assert.Equal(MergeOutcomeKind.MethodNotAllowed, outcome.Kind);
        Assert.Equal("Rebase merges are not allowed on this repository.", outcome.Message);
    }

    [Fact]
    public async Task A_merge_whose_answer_was_lost_is_merged()
    {
        var pr = await OpenAsync();
        github.Inject(new InjectedFailure { Method = "PUT", PathSuffix = "/merge", Status = 405, AfterHandling = true, Body = "{\"message\":\"Pull Request is not mergeable\"}" });

        var outcome = await prs.MergeAsync(pr.Number, pr.HeadSha, MergeMethod.Squash, "t", default);

        Assert.Equal(MergeOutcomeKind.Merged, outcome.Kind);
        Assert.Equal(repo.Head(), outcome.Sha);
    }

    [Fact]
    public async Task A_refused_token_is_translated_once_into_our_error()
    {
        var stranger = factory.PullRequests(github.ServerUrl + "/api/v3", null, "ghs_unknown000000000000", "acme/gitops");

        var error = await Assert.ThrowsAsync<DeployException>(() => stranger.ListOpenAsync("main", default));

        Assert.Equal(ErrorKind.AuthenticationFailed, error.Kind);
        Assert.DoesNotContain("ghs_unknown", error.Message, StringComparison.Ordinal);
    }
}
