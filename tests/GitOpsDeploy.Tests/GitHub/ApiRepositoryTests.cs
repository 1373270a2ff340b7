using System.Text;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Editing;
using GitOpsDeploy.GitHub.Api;

namespace GitOpsDeploy.Tests.GitHub;

/// <summary>The API repository (snapshots, publisher) driven directly against the fake's GraphQL and REST git endpoints.</summary>
[Trait("Tier", "Adapter")]
public sealed class ApiRepositoryTests : ApiAdapterTest
{
    private ApiRepository api = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        api = Factory.Repository(ApiUrl, null, Token, "acme/gitops");
    }

    [Fact]
    public async Task One_request_reads_the_head_and_the_overlay_and_the_snapshot_stays_on_that_commit()
    {
        var tip = Repo.Head();
        using var snapshot = await api.ReadAsync(null, new SnapshotHint(1, ["environments/staging"]), default);
        Assert.Equal(1, api.Requests);
        Repo.Commit(new Dictionary<string, string> { ["environments/staging/kustomization.yaml"] = "images: [later]\n", ["base/deployment.yaml"] = "kind: Changed\n" }, "later");

        Assert.Equal("main", snapshot.Branch);
        Assert.Equal(tip, snapshot.HeadSha);
        Assert.Equal("images: [a]\n", Encoding.UTF8.GetString(snapshot.Tree.ReadFile("environments/staging/kustomization.yaml")));
        Assert.Equal(TreeEntryKind.Directory, snapshot.Tree.KindOf("environments/staging"));
        Assert.Equal(1, api.Requests);

        // Outside the hint: the read never waits on the network, it names what to load; loaded, it is at the snapshot's commit.
        var miss = Assert.Throws<SnapshotMissException>(() => snapshot.Tree.ReadFile("base/deployment.yaml"));
        Assert.Equal(new SnapshotNeed.Directory(tip, "base"), miss.Need);
        Assert.Equal(1, api.Requests);
        Assert.Equal("kind: Deployment\n", Encoding.UTF8.GetString(await snapshot.ReadingAsync(() => snapshot.Tree.ReadFile("base/deployment.yaml"), default)));
        Assert.Equal(TreeEntryKind.Missing, snapshot.Tree.KindOf("base/nope.yaml"));
        Assert.Equal(2, api.Requests);
    }

    [Fact]
    public async Task Overlays_past_the_directory_slots_of_the_one_request_are_loaded_on_demand()
    {
        var files = Enumerable.Range(0, 12).ToDictionary(i => $"environments/e{i}/kustomization.yaml", i => $"images: [e{i}]\n");
        Repo.Commit(files, "twelve environments");
        using var snapshot = await api.ReadAsync(null, new SnapshotHint(1, [.. files.Keys.Select(k => k[..k.LastIndexOf('/')])]), default);
        Assert.Equal(1, api.Requests);

        var texts = await snapshot.ReadingAsync(() => files.Keys.Select(k => Encoding.UTF8.GetString(snapshot.Tree.ReadFile(k))).ToList(), default);

        Assert.Equal(files.Values, texts);
        // The request read 8 of the 12 overlays with their parent; the other 4 are one request each.
        Assert.Equal(1 + 12 + 1 - ApiSnapshots.DirectorySlots, api.Requests);
    }

    [Fact]
    public async Task A_file_over_graphqls_512000_byte_cut_is_read_whole_over_rest()
    {
        var big = "# " + new string('x', 600_000) + "\nimages: [a]\n";
        Repo.Commit(new Dictionary<string, string> { ["environments/staging/kustomization.yaml"] = big }, "big");
        using var snapshot = await api.ReadAsync(null, new SnapshotHint(1, ["environments/staging"]), default);

        Assert.IsType<SnapshotNeed.Blob>(Assert.Throws<SnapshotMissException>(() => snapshot.Tree.ReadFile("environments/staging/kustomization.yaml")).Need);
        Assert.Equal(big, Encoding.UTF8.GetString(await snapshot.ReadingAsync(() => snapshot.Tree.ReadFile("environments/staging/kustomization.yaml"), default)));
        Assert.Equal(2, api.Requests);
    }

    [Fact]
    public async Task Publishing_is_one_signed_commit_and_a_moved_head_is_a_lost_race()
    {
        using var snapshot = await api.ReadAsync(null, new SnapshotHint(1, ["environments/staging"]), default);
        var draft = await api.DraftAsync(snapshot, Change("images: [b]\n"), default);
        Assert.Contains("-images: [a]\n+images: [b]\n", draft.Diff, StringComparison.Ordinal);

        var published = Assert.IsType<PublishOutcome.Published>(await api.PublishAsync(snapshot, draft, "main", PublishKind.Advance, default));
        Assert.Equal(Repo.Head(), published.Sha);
        Assert.True(published.Verified);
        Assert.Equal(2, api.Requests);

        // The same draft again: the head moved (it is our own commit now), so the compare-and-swap refuses it.
        Assert.IsType<PublishOutcome.LostRace>(await api.PublishAsync(snapshot, draft, "main", PublishKind.Advance, default));
        Assert.Equal(published.Sha, Repo.Head());
    }

    [Fact]
    public async Task Replacing_a_branch_creates_it_at_the_base_or_forces_it_back_there()
    {
        using var snapshot = await api.ReadAsync(null, SnapshotHint.Tip, default);
        var first = Assert.IsType<PublishOutcome.Published>(await api.PublishAsync(snapshot, await api.DraftAsync(snapshot, Change("images: [b]\n"), default), "gitops-deploy/staging/web", PublishKind.Replace, default));
        var second = Assert.IsType<PublishOutcome.Published>(await api.PublishAsync(snapshot, await api.DraftAsync(snapshot, Change("images: [c]\n"), default), "gitops-deploy/staging/web", PublishKind.Replace, default));

        Assert.Equal(second.Sha, Repo.Head("gitops-deploy/staging/web"));
        Assert.Equal(snapshot.HeadSha, Repo.Git("rev-parse", $"{second.Sha}~1"));
        Assert.NotEqual(first.Sha, second.Sha);
        Assert.Equal(snapshot.HeadSha, Repo.Head());
    }

    [Fact]
    public async Task History_pages_past_100_commits_like_git_log_first_parent()
    {
        for (var i = 0; i < 130; i++)
        {
            Repo.Commit(new Dictionary<string, string> { ["n.txt"] = $"{i}\n" }, $"commit {i}");
        }

        using var snapshot = await api.ReadAsync(null, new SnapshotHint(50, []), default);
        Assert.Equal(50, snapshot.History(50).Count);
        Assert.IsType<SnapshotNeed.History>(Assert.Throws<SnapshotMissException>(() => snapshot.History(125)).Need);
        var history = await snapshot.ReadingAsync(() => snapshot.History(125), default);

        Assert.Equal(Repo.Git("rev-list", "--first-parent", "--max-count=125", "HEAD").Split('\n'), history.Select(h => h.Sha));
        Assert.Equal("commit 129", history[0].Message.TrimEnd('\n'));
        Assert.Equal(131, (await snapshot.ReadingAsync(() => snapshot.History(1000), default)).Count);
        Assert.NotNull(await snapshot.ReadingAsync(() => snapshot.TreeAt(history[^1].Sha)!.ReadFile("n.txt"), default));
    }

    [Fact]
    public async Task A_missing_branch_and_a_missing_repository_are_not_found()
    {
        Assert.Equal(ErrorKind.NotFound, (await Assert.ThrowsAsync<DeployException>(() => api.ReadAsync("release", SnapshotHint.Tip, default))).Kind);
        var nope = Factory.Repository(GitHub.ServerUrl + "/api/v3", null, Token, "acme/nope");
        Assert.Equal(ErrorKind.NotFound, (await Assert.ThrowsAsync<DeployException>(() => nope.ReadAsync(null, SnapshotHint.Tip, default))).Kind);
    }
}
