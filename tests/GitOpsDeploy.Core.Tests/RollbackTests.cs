using GitOpsDeploy.Core.Planning;
using GitOpsDeploy.Core.Tests.Doubles;
using GitOpsDeploy.Editing;
using GitOpsDeploy.Editing.Images;

namespace GitOpsDeploy.Core.Tests;

/// <summary>Rollback and promotion on in-memory histories: several images, image filters, rollback-to, and the trailers they read.</summary>
[Trait("Tier", "Unit")]
public sealed class RollbackTests
{
    private const string Path = "environments/staging/kustomization.yaml";
    private const string Source1 = "1111111111111111111111111111111111111111";
    private const string Source2 = "2222222222222222222222222222222222222222";
    private const string Source3 = "3333333333333333333333333333333333333333";

    private static string Kustomization(string web, string api) =>
        $"images:\n- name: web\n  newName: ghcr.io/acme/web\n  newTag: \"{web}\"\n- name: api\n  newName: ghcr.io/acme/api\n  newTag: \"{api}\"\n";

    private static MemoryCommit Release(string sha, string source, string web, string api, string environment = "staging") =>
        new(sha, $"deploy\n\nSource-Repository: acme/app\nSource-Commit: {source}\nEnvironment: {environment}\n", new Dictionary<string, string> { [Path] = Kustomization(web, api) });

    private static ImageEntry Web(string tag) => new("web", "ghcr.io/acme/web", tag, null);

    private static ImageEntry Api(string tag) => new("api", "ghcr.io/acme/api", tag, null);

    [Fact]
    public void A_rollback_of_several_images_restores_the_release_where_any_of_them_differed()
    {
        // c3 changed only web: the release before it still runs the same api.
        var snapshot = new MemorySnapshot([Release("c3", Source3, "3", "1"), Release("c2", Source2, "2", "1"), Release("c1", Source1, "1", "1")]);

        var rollback = Rollback.Find(snapshot, "environments/staging", "staging", [], null);

        Assert.Equal("c2", rollback.RestoredCommit);
        Assert.Equal([Web("2"), Api("1")], rollback.Images);
        Assert.Equal((Source2, "c3", Source3), (rollback.RestoredSource, rollback.CurrentCommit, rollback.CurrentSource));
    }

    [Fact]
    public void A_rollback_of_one_image_looks_at_that_image_only()
    {
        // c3 changed only api: for web, the current release came with c2, and the one before is c1's.
        var snapshot = new MemorySnapshot([Release("c3", Source3, "2", "5"), Release("c2", Source2, "2", "4"), Release("c1", Source1, "1", "4")]);

        var rollback = Rollback.Find(snapshot, "environments/staging", "staging", ["web"], null);

        Assert.Equal("c1", rollback.RestoredCommit);
        Assert.Equal([Web("1")], rollback.Images);
        Assert.Equal((Source1, "c2", Source2), (rollback.RestoredSource, rollback.CurrentCommit, rollback.CurrentSource));
        Assert.Equal([ImageSpec.Exactly(Web("1"))], rollback.Specs);
    }

    [Fact]
    public void Rollback_to_restores_that_commit_and_refuses_one_outside_the_history()
    {
        var snapshot = new MemorySnapshot([Release("c3", Source3, "3", "3"), Release("c2", Source2, "2", "2"), Release("c1", Source1, "1", "1")]);

        var rollback = Rollback.Find(snapshot, "environments/staging", "staging", [], "C1");

        Assert.Equal("c1", rollback.RestoredCommit);
        Assert.Equal([Web("1"), Api("1")], rollback.Images);
        Assert.Equal((Source1, "c3"), (rollback.RestoredSource, rollback.CurrentCommit));
        var error = Assert.Throws<DeployException>(() => Rollback.Find(snapshot, "environments/staging", "staging", [], "ff"));
        Assert.StartsWith("input 'rollback-to': ff is not a commit of the base branch's history", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_source_of_a_release_comes_from_the_trailers_of_its_own_environment()
    {
        // A fan-in batch commit carries several runs: the group of this environment names the release.
        var batch = new MemoryCommit("c2", $"deploy\n\nDeploy-Run: acme/app#1\nSource-Commit: {Source1}\nEnvironment: production\nDeploy-Run: acme/app#2\nSource-Commit: {Source2}\nEnvironment: staging\n",
            new Dictionary<string, string> { [Path] = Kustomization("2", "1") });
        var snapshot = new MemorySnapshot([Release("c3", Source3, "3", "1"), batch, Release("c1", Source1, "1", "1")]);

        Assert.Equal(Source2, Rollback.Find(snapshot, "environments/staging", "staging", [], null).RestoredSource);
        Assert.Null(Rollback.Find(snapshot, "environments/staging", "qa", [], null).RestoredSource);
    }

    [Fact]
    public void Promotion_copies_only_the_images_it_names()
    {
        var snapshot = new MemorySnapshot([Release("c1", Source1, "7", "8")]);

        var promotion = Promotion.Resolve(snapshot, "staging", "environments/staging", ["api"]);

        Assert.Equal([Api("8")], promotion.Images.Select(i => i.Entry));
        Assert.Equal([Web("7"), Api("8")], Promotion.Resolve(snapshot, "staging", "environments/staging", []).Images.Select(i => i.Entry));
        var error = Assert.Throws<DeployException>(() => Promotion.Resolve(snapshot, "staging", "environments/staging", ["api", "worker"]));
        Assert.Equal("input 'images': worker not found in environments/staging; it has web, api", error.Message);
    }

    [Theory]
    [InlineData("deploy\n\nEnvironment: prod\nSource-Commit: abc\n", "Environment=prod;Source-Commit=abc")]
    [InlineData("deploy\r\n\r\nEnvironment: prod\r\nImage: web=ghcr.io/acme/web:1\r\n", "Environment=prod;Image=web=ghcr.io/acme/web:1")]
    [InlineData("deploy\n\nEnvironment: prod\n\n\n", "Environment=prod")]
    [InlineData("deploy\n\nNote: see the runbook before you retry,\nit explains the order\n", "")]
    [InlineData("deploy\n\nWhy it failed: see the runbook\n", "")]
    [InlineData("deploy\n\n: not a key\n", "")]
    [InlineData("deploy\n\nEnvironment: prod\n\nRolled back because the canary failed\n", "")]
    [InlineData("deploy\n\nSource_Commit: abc\n", "")]
    public void Trailers_are_read_only_from_a_last_paragraph_of_nothing_but_trailers(string message, string expected) =>
        Assert.Equal(expected, string.Join(';', Trailers.Parse(message).Select(t => $"{t.Key}={t.Value}")));

    [Fact]
    public void Trailer_groups_start_at_each_deploy_run()
    {
        var groups = Trailers.Groups("batch\n\nDeploy-Run: a#1\nEnvironment: prod\nDeploy-Run: a#2\nEnvironment: qa\n");

        Assert.Equal(["Deploy-Run=a#1;Environment=prod", "Deploy-Run=a#2;Environment=qa"], groups.Select(g => string.Join(';', g.Select(t => $"{t.Key}={t.Value}"))));
        Assert.Equal(("Environment", "prod"), Assert.Single(Assert.Single(Trailers.Groups("one\n\nEnvironment: prod\n"))));
    }

    [Fact]
    public void A_release_older_than_the_first_history_step_is_found_by_reading_deeper()
    {
        // 60 commits (other files changing) since the current release came in: the first step (50) cannot tell, the next reads on.
        var commits = new List<MemoryCommit>();
        for (var i = 0; i < 60; i++)
        {
            commits.Add(new($"n{i}", "chore", new Dictionary<string, string> { [Path] = Kustomization("3", "1"), ["README.md"] = $"{i}" }));
        }

        commits.Add(Release("c3", Source3, "3", "1"));
        commits.Add(Release("c2", Source2, "2", "1"));
        var snapshot = new MemorySnapshot(commits);

        var rollback = Rollback.Find(snapshot, "environments/staging", "staging", [], null);

        Assert.Equal(("c2", Source2, "c3", Source3), (rollback.RestoredCommit, rollback.RestoredSource, rollback.CurrentCommit, rollback.CurrentSource));
        Assert.Equal(Rollback.HistorySteps[1], snapshot.DeepestRead);
    }

    [Fact]
    public void A_release_at_the_edge_of_a_history_step_has_no_source_until_its_introduction_is_read()
    {
        // The earlier release is the last commit the first step reads: the commit that introduced it may be older, so its source is not guessed.
        var commits = new List<MemoryCommit>();
        for (var i = 0; i < 48; i++)
        {
            commits.Add(new($"n{i}", "chore", new Dictionary<string, string> { [Path] = Kustomization("3", "1"), ["README.md"] = $"{i}" }));
        }

        commits.Add(Release("c3", Source3, "3", "1"));
        commits.Add(Release("m1", Source1, "2", "1")); // a deploy that left the images as they were
        commits.Add(Release("c2", Source2, "2", "1"));
        var snapshot = new MemorySnapshot(commits);

        var rollback = Rollback.Find(snapshot, "environments/staging", "staging", [], null);

        Assert.Equal("m1", rollback.RestoredCommit);
        Assert.Null(rollback.RestoredSource);
        var whole = Rollback.Find(new MemorySnapshot(commits.Skip(40).ToList()), "environments/staging", "staging", [], null);
        Assert.Equal(("m1", Source2), (whole.RestoredCommit, whole.RestoredSource));
    }

    [Fact]
    public void Nothing_to_roll_back_to_is_refused_naming_the_overlay()
    {
        var one = new MemorySnapshot([Release("c2", Source2, "2", "1"), Release("c1", Source1, "2", "1")]);
        Assert.Equal("environments/staging has no earlier release to roll back to in the history of the base branch",
            Assert.Throws<DeployException>(() => Rollback.Find(one, "environments/staging", "staging", [], null)).Message);

        var error = Assert.Throws<DeployException>(() => Rollback.Find(one, "environments/prod", "prod", [], null));
        Assert.StartsWith("input 'overlay-path': 'environments/prod' has no images to roll back", error.Message, StringComparison.Ordinal);
        Assert.StartsWith("input 'overlay-path': 'environments/staging' has no images to roll back",
            Assert.Throws<DeployException>(() => Rollback.Find(one, "environments/staging", "staging", ["worker"], null)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_release_before_the_overlay_existed_ends_the_history()
    {
        // c1 had no overlay: the release of c2 is the first there was, nothing older to restore.
        var snapshot = new MemorySnapshot([Release("c3", Source3, "3", "1"), Release("c2", Source2, "2", "1"), new MemoryCommit("c1", "init", new Dictionary<string, string> { ["README.md"] = "x" })]);

        Assert.Equal("c2", Rollback.Find(snapshot, "environments/staging", "staging", [], null).RestoredCommit);
        var first = new MemorySnapshot([Release("c2", Source2, "2", "1"), new MemoryCommit("c1", "init", new Dictionary<string, string> { ["README.md"] = "x" })]);
        Assert.Contains("has no earlier release", Assert.Throws<DeployException>(() => Rollback.Find(first, "environments/staging", "staging", [], null)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rollback_to_a_commit_without_the_overlay_is_refused()
    {
        var snapshot = new MemorySnapshot([Release("c2", Source2, "2", "1"), new MemoryCommit("c1", "init", new Dictionary<string, string> { ["README.md"] = "x" })]);

        Assert.StartsWith("input 'rollback-to': environments/staging sets no images at c1",
            Assert.Throws<DeployException>(() => Rollback.Find(snapshot, "environments/staging", "staging", [], "c1")).Message, StringComparison.Ordinal);
    }
}
