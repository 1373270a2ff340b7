using System.Text;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Editing;
using GitOpsDeploy.Git;
using GitOpsDeploy.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;

namespace GitOpsDeploy.Tests.Git;

/// <summary>The git adapter against real repositories served over smart HTTP with token auth.</summary>
[Trait("Tier", "Adapter")]
public sealed class LibGit2WorkspaceTests : IAsyncLifetime
{
    private const string Token = "ghs_writeTOKEN1234567890";
    private const string ReadToken = "ghs_readONLY1234567890";
    private FakeGitHub github = null!;
    private FakeRepo repo = null!;
    private readonly List<LibGit2Workspace> workspaces = [];

    public async Task InitializeAsync()
    {
        github = await FakeGitHub.StartAsync();
        github.AddToken(Token, Permission.Write);
        github.AddToken(ReadToken, Permission.Read);
        repo = github.CreateRepo("acme/gitops", new Dictionary<string, string>
        {
            ["environments/staging/kustomization.yaml"] = "resources:\n- ../../base\n",
            ["base/kustomization.yaml"] = "resources: []\n",
        });
    }

    public async Task DisposeAsync()
    {
        workspaces.ForEach(w => w.Dispose());
        await github.DisposeAsync();
    }

    [Fact]
    public async Task Clones_commits_and_pushes_over_http_without_writing_the_token_anywhere()
    {
        string? config = null;
        string? dir = null;
        var workspace = Tracked(new LibGit2Workspace(Remote(), Token, NullLogger<LibGit2Workspace>.Instance) { OnCloned = d => (dir, config) = (d, ReadAllText(d)) });
        using var checkout = await workspace.ReadAsync(null, SnapshotHint.Tip, default);

        Assert.Equal("main", checkout.Branch);
        Assert.Equal(repo.Head(), checkout.HeadSha);
        Assert.Equal(TreeEntryKind.Directory, checkout.Tree.KindOf("environments/staging"));
        Assert.Equal("resources:\n- ../../base\n", Encoding.UTF8.GetString(checkout.Tree.ReadFile("environments/staging/kustomization.yaml")));

        var draft = await workspace.DraftAsync(checkout, new NewCommit([new FileChange("environments/staging/kustomization.yaml", "resources: [x]\n"u8.ToArray())],
            new CommitAuthor("bot", "bot@example.com"), "deploy\n\nEnvironment: staging\n", DateTimeOffset.UnixEpoch), default);
        var sha = draft.Sha;
        Assert.Equal(checkout.HeadSha, draft.BaseSha);
        Assert.Contains("+resources: [x]", draft.Diff, StringComparison.Ordinal);
        Assert.Equal(new PublishOutcome.Published(sha), await workspace.PublishAsync(checkout, draft, "main", PublishKind.Advance, default));

        Assert.Equal(sha, repo.Head());
        Assert.Equal("resources: [x]", repo.ReadFile("environments/staging/kustomization.yaml"));
        Assert.NotNull(config);
        Assert.DoesNotContain(Token, config, StringComparison.Ordinal);
        Assert.Contains(github.ServerUrl + "/acme/gitops.git", config, StringComparison.Ordinal);
        // The push went through our transport: its URL names the transport, still without a credential.
        var pushed = ReadAllText(dir!);
        Assert.Contains("pushurl = gitopsdeploy" + github.ServerUrl + "/acme/gitops.git", pushed, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, pushed, StringComparison.Ordinal);
        Assert.DoesNotContain("x-access-token", pushed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_clone_that_meets_a_passing_server_error_is_tried_again()
    {
        github.FailNextGitRequests = 2;
        var workspace = Tracked(new LibGit2Workspace(Remote(), Token, NullLogger<LibGit2Workspace>.Instance));
        using var checkout = await workspace.ReadAsync(null, SnapshotHint.Tip, default);

        Assert.Equal(repo.Head(), checkout.HeadSha);
        Assert.Equal(0, github.FailNextGitRequests);
    }

    [Fact]
    public async Task A_clone_with_a_refused_token_is_not_tried_again()
    {
        var workspace = Tracked(new LibGit2Workspace(Remote(), "ghs_WRONGtoken000000", NullLogger<LibGit2Workspace>.Instance));
        var before = github.Requests.Count;

        var error = await Assert.ThrowsAsync<DeployException>(() => workspace.ReadAsync(null, SnapshotHint.Tip, default));

        Assert.Equal(ErrorKind.AuthenticationFailed, error.Kind);
        Assert.True(github.Requests.Count - before <= 2, $"{github.Requests.Count - before} requests");
    }

    [Fact]
    public async Task Clone_is_shallow_and_bare()
    {
        repo.Commit(new Dictionary<string, string> { ["a.txt"] = "1" }, "second");
        string? dir = null;
        var workspace = Tracked(new LibGit2Workspace(Remote(), Token, NullLogger<LibGit2Workspace>.Instance) { OnCloned = d => dir = d });
        using var checkout = await workspace.ReadAsync(null, SnapshotHint.Tip, default);
        Assert.True(File.Exists(Path.Combine(dir!, "shallow")), "a shallow clone records its boundary in .git/shallow");
        Assert.False(Directory.Exists(Path.Combine(dir!, "environments")), "nothing is checked out");
        Assert.Equal("1", GitCli.Run(dir!, "rev-list", "--count", "HEAD"));
    }

    [Fact]
    public async Task Temporary_clones_are_deleted_with_the_workspace()
    {
        string? dir = null;
        var workspace = Tracked(new LibGit2Workspace(Remote(), Token, NullLogger<LibGit2Workspace>.Instance) { OnCloned = d => dir = d });
        using (await workspace.ReadAsync(null, SnapshotHint.Tip, default))
        {
            Assert.True(Directory.Exists(dir));
        }

        // Released, the clone waits for a retry; the workspace goes with the run, and the clone with it.
        Assert.True(Directory.Exists(dir));
        workspace.Dispose();
        Assert.False(Directory.Exists(dir));
    }

    [Fact]
    public async Task A_wrong_token_fails_once_with_a_clear_message()
    {
        var before = github.Requests.Count;
        var error = await Assert.ThrowsAsync<DeployException>(() => Workspace("ghs_wrong").ReadAsync(null, SnapshotHint.Tip, default));

        Assert.Equal(ErrorKind.AuthenticationFailed, error.Kind);
        Assert.StartsWith("authentication failed for acme/gitops: check gitops-token", error.Message, StringComparison.Ordinal);
        Assert.True(github.Requests.Count - before <= 3, $"libgit2 replayed credentials {github.Requests.Count - before} times");
        Assert.DoesNotContain("ghs_wrong", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_token_says_so()
    {
        var error = await Assert.ThrowsAsync<DeployException>(() => Workspace(null).ReadAsync(null, SnapshotHint.Tip, default));
        Assert.Equal(ErrorKind.AuthenticationFailed, error.Kind);
        Assert.Contains("gitops-token is not set", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_read_only_token_names_the_permission_needed()
    {
        var workspace = Workspace(ReadToken);
        using var checkout = await workspace.ReadAsync(null, SnapshotHint.Tip, default);
        var draft = await DraftAsync(workspace, checkout);

        var error = await Assert.ThrowsAsync<DeployException>(() => workspace.PublishAsync(checkout, draft, "main", PublishKind.Advance, default));

        Assert.True(error.Kind == ErrorKind.PermissionDenied, error.Message);
        Assert.Contains("contents: write", error.Message, StringComparison.Ordinal);
        Assert.NotEqual(draft.Sha, repo.Head());
    }

    [Fact]
    public async Task A_push_declined_by_a_server_hook_is_rejected_with_the_servers_reason()
    {
        repo.InstallHook("pre-receive", "echo 'deploys are frozen today' >&2\nexit 1");
        var workspace = Workspace(Token);
        using var checkout = await workspace.ReadAsync(null, SnapshotHint.Tip, default);
        var draft = await DraftAsync(workspace, checkout);

        var outcome = await workspace.PublishAsync(checkout, draft, "main", PublishKind.Advance, default);

        var rejected = Assert.IsType<PublishOutcome.Rejected>(outcome);
        // The hook's own line comes through the side band (libgit2's transport would have dropped it).
        Assert.Equal("pre-receive hook declined: deploys are frozen today", rejected.Reason);
        Assert.NotEqual(draft.Sha, repo.Head());
    }

    [Fact]
    public async Task A_branch_that_moved_since_the_clone_is_reported_as_a_lost_race()
    {
        var workspace = Workspace(Token);
        using var checkout = await workspace.ReadAsync(null, SnapshotHint.Tip, default);
        var theirs = repo.Commit(new Dictionary<string, string> { ["other.txt"] = "x" }, "another pipeline");
        var draft = await DraftAsync(workspace, checkout);

        Assert.IsType<PublishOutcome.LostRace>(await workspace.PublishAsync(checkout, draft, "main", PublishKind.Advance, default));
        Assert.Equal(theirs, repo.Head());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task The_retry_after_a_lost_race_fetches_into_the_previous_clone_instead_of_cloning_again(int depth)
    {
        for (var i = 0; i < 3; i++)
        {
            repo.Commit(new Dictionary<string, string> { ["older.txt"] = $"{i}" }, $"older {i}");
        }

        var clones = new List<string>();
        var hint = new SnapshotHint(depth, []);
        var workspace = Tracked(new LibGit2Workspace(Remote(), Token, NullLogger<LibGit2Workspace>.Instance) { OnCloned = clones.Add });
        var first = await workspace.ReadAsync(null, hint, default);
        var draft = await DraftAsync(workspace, first);
        for (var i = 0; i < 4; i++)
        {
            repo.Commit(new Dictionary<string, string> { ["other.txt"] = $"{i}" }, $"another pipeline {i}");
        }

        Assert.IsType<PublishOutcome.LostRace>(await workspace.PublishAsync(first, draft, "main", PublishKind.Advance, default));
        first.Dispose();
        var dir = Assert.Single(clones);
        Assert.True(Directory.Exists(dir), "a released clone is kept for the retry");

        using (var retry = await workspace.ReadAsync(null, hint, default))
        {
            Assert.Single(clones);
            Assert.Equal(repo.Head(), retry.HeadSha);
            Assert.Equal("3", Encoding.UTF8.GetString(retry.Tree.ReadFile("other.txt")));
            // The clone is cut at the asked depth again: history ends there, and deepens when the miss is loaded.
            Assert.Equal(depth, retry.History(depth).Count);
            Assert.IsType<SnapshotNeed.History>(Assert.Throws<SnapshotMissException>(() => retry.History(10)).Need);
            Assert.Equal(8, (await retry.ReadingAsync(() => retry.History(10), default)).Count);
            var again = await DraftAsync(workspace, retry);
            Assert.Equal(new PublishOutcome.Published(again.Sha), await workspace.PublishAsync(retry, again, "main", PublishKind.Advance, default));
        }

        Assert.Equal(repo.Head(), repo.Git("rev-parse", "main"));
        Assert.Contains("another pipeline 3", repo.Git("log", "--format=%s", "-2"), StringComparison.Ordinal);
        Assert.Empty(repo.Git("fsck", "--no-progress"));
        workspace.Dispose();
        Assert.False(Directory.Exists(dir), "the workspace deletes the clone it kept");
    }

    [Fact]
    public async Task A_force_push_replaces_a_branch()
    {
        var workspace = Workspace(Token);
        using var checkout = await workspace.ReadAsync(null, SnapshotHint.Tip, default);
        repo.Commit(new Dictionary<string, string> { ["other.txt"] = "x" }, "old pr head", branch: "gitops-deploy/staging/web");
        var draft = await DraftAsync(workspace, checkout);

        Assert.Equal(new PublishOutcome.Published(draft.Sha), await workspace.PublishAsync(checkout, draft, "gitops-deploy/staging/web", PublishKind.Replace, default));
        Assert.Equal(draft.Sha, repo.Head("gitops-deploy/staging/web"));
    }

    [Fact]
    public async Task History_deepens_itself_past_the_clone_and_reads_older_trees()
    {
        var shas = new List<string>();
        for (var i = 1; i <= 12; i++)
        {
            shas.Add(repo.Commit(new Dictionary<string, string> { ["environments/staging/kustomization.yaml"] = $"images: [{i}]\n" }, $"release {i}"));
        }

        using var snapshot = await Workspace(Token).ReadAsync(null, SnapshotHint.Tip, default);
        Assert.Single(snapshot.History(1));

        // Deeper than the clone: the read names what to fetch rather than fetching while it is read.
        Assert.IsType<SnapshotNeed.History>(Assert.Throws<SnapshotMissException>(() => snapshot.History(10)).Need);
        var history = await snapshot.ReadingAsync(() => snapshot.History(10), default);

        Assert.Equal(Enumerable.Reverse(shas).Take(10), history.Select(h => h.Sha));
        Assert.Equal("images: [3]\n", Encoding.UTF8.GetString(snapshot.TreeAt(history[^1].Sha)!.ReadFile("environments/staging/kustomization.yaml")));
        Assert.Equal(13, (await snapshot.ReadingAsync(() => snapshot.History(1000), default)).Count);
        Assert.Equal(shas[^1], snapshot.HeadSha);
    }

    [Fact]
    public async Task Deeper_history_starts_at_the_snapshots_tip_even_when_the_branch_moved()
    {
        repo.Commit(new Dictionary<string, string> { ["a.txt"] = "1" }, "one");
        using var snapshot = await Workspace(Token).ReadAsync(null, SnapshotHint.Tip, default);
        var tip = snapshot.HeadSha;
        repo.Commit(new Dictionary<string, string> { ["a.txt"] = "2" }, "someone else, later");

        var history = await snapshot.ReadingAsync(() => snapshot.History(5), default);

        Assert.Equal(tip, history[0].Sha);
        Assert.Equal(["one", "Initial gitops layout"], history.Select(h => h.Message.Split('\n')[0]));
    }

    [Fact]
    public async Task Unknown_repository_and_branch_are_not_found()
    {
        var missingRepo = new LibGit2Workspace(GitOpsRemote.Parse("acme/nope", github.ServerUrl), Token, NullLogger<LibGit2Workspace>.Instance);
        Assert.Equal(ErrorKind.NotFound, (await Assert.ThrowsAsync<DeployException>(() => missingRepo.ReadAsync(null, SnapshotHint.Tip, default))).Kind);

        var missingBranch = await Assert.ThrowsAsync<DeployException>(() => Workspace(Token).ReadAsync("release", SnapshotHint.Tip, default));
        Assert.Equal(ErrorKind.NotFound, missingBranch.Kind);
        Assert.Contains("'release'", missingBranch.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clones_a_local_path_and_reads_symlinks_as_symlinks()
    {
        repo.CommitSymlink("environments/prod", "staging");
        var local = new LibGit2Workspace(GitOpsRemote.Parse(repo.BarePath, string.Empty), null, NullLogger<LibGit2Workspace>.Instance);
        using var checkout = await local.ReadAsync(null, SnapshotHint.Tip, default);
        Assert.Equal(TreeEntryKind.Symlink, checkout.Tree.KindOf("environments/prod"));
        Assert.Equal("staging", checkout.Tree.ReadSymlink("environments/prod"));
    }

    [Fact]
    public async Task The_token_is_never_sent_to_another_host_after_a_redirect()
    {
        await using var elsewhere = await FakeGitHub.StartAsync();
        elsewhere.AddToken(Token, Permission.Write);
        elsewhere.CreateRepo("acme/gitops", new Dictionary<string, string> { ["a.txt"] = "1" });
        github.Redirects["acme/gitops"] = elsewhere.ServerUrl;

        var error = await Assert.ThrowsAsync<DeployException>(() => Workspace(Token).ReadAsync(null, SnapshotHint.Tip, default));

        Assert.Equal(ErrorKind.AuthenticationFailed, error.Kind);
        Assert.Contains("redirected to another host", error.Message, StringComparison.Ordinal);
        Assert.Empty(elsewhere.AuthorizedRequests);
        Assert.NotEmpty(github.AuthorizedRequests);
    }

    [Fact]
    public async Task A_push_redirected_to_another_host_is_refused_without_sending_the_token()
    {
        await using var elsewhere = await FakeGitHub.StartAsync();
        elsewhere.AddToken(Token, Permission.Write);
        elsewhere.CreateRepo("acme/gitops", new Dictionary<string, string> { ["a.txt"] = "1" });
        var workspace = Workspace(Token);
        using var checkout = await workspace.ReadAsync(null, SnapshotHint.Tip, default);
        var draft = await DraftAsync(workspace, checkout);
        var head = repo.Head();
        // Only the push meets the redirect: it goes through our transport, not libgit2's.
        github.Redirects["acme/gitops"] = elsewhere.ServerUrl;

        var error = await Assert.ThrowsAsync<DeployException>(() => workspace.PublishAsync(checkout, draft, "main", PublishKind.Advance, default));

        Assert.Equal(ErrorKind.AuthenticationFailed, error.Kind);
        Assert.Contains("redirected to another host", error.Message, StringComparison.Ordinal);
        Assert.Empty(elsewhere.AuthorizedRequests);
        Assert.Empty(elsewhere.Requests);
        Assert.Equal(head, repo.Head());
    }

    private LibGit2Workspace Workspace(string? token) => Tracked(new(Remote(), token, NullLogger<LibGit2Workspace>.Instance));

    /// <summary>Disposed with the test: a workspace keeps its last clone for a retry.</summary>
    private LibGit2Workspace Tracked(LibGit2Workspace workspace)
    {
        workspaces.Add(workspace);
        return workspace;
    }

    private GitOpsRemote Remote() => GitOpsRemote.Parse("acme/gitops", github.ServerUrl);

    private static string ReadAllText(string dir) => File.ReadAllText(Path.Combine(dir, "config"));

    private static Task<CommitDraft> DraftAsync(LibGit2Workspace workspace, IGitOpsSnapshot snapshot) =>
        workspace.DraftAsync(snapshot, new NewCommit([new FileChange("x.yaml", "a: 1\n"u8.ToArray())], new CommitAuthor("b", "b@e"), "m", DateTimeOffset.UnixEpoch), default);
}
