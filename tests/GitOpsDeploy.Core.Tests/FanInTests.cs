using System.Text;
using GitOpsDeploy.Core.Deploy;
using GitOpsDeploy.Core.Tests.Doubles;

namespace GitOpsDeploy.Core.Tests;

/// <summary>Fan-in's pure parts: the intent encoding in ref names, and the batch plan on in-memory snapshots.</summary>
[Trait("Tier", "Unit")]
public sealed class FanInTests
{
    private const string Overlay = "environments/staging/kustomization.yaml";
    private const string ShaA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    private const string ShaB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    private static readonly DateTimeOffset Now = DateTimeOffset.UnixEpoch.AddDays(1);
    private static readonly DeployPlanner Planner = new(TimeProvider.System, null);
    private static readonly IntentTarget Staging = new("staging", "environments/staging", false);

    private static string Kustomization(string tag) => $"images:\n- name: web\n  newName: ghcr.io/acme/web\n  newTag: \"{tag}\"\n";

    private static DeployIntent Intent(string id, int secondsAgo, string image, string? sha = ShaA, string run = "acme/app#1", IntentTarget? target = null) =>
        new(id, run, Now.AddSeconds(-secondsAgo), "acme/app", sha, [target ?? Staging]) { Images = [image] };

    private static MemorySnapshot Branch(string tag, params MemoryCommit[] older) =>
        new([new MemoryCommit("head", "initial", new Dictionary<string, string> { [Overlay] = Kustomization(tag) }), .. older]);

    private static string FileOf(BatchPlan batch) => Encoding.UTF8.GetString(batch.Files.Single(f => f.Path == Overlay).Content!);

    [Fact]
    public void An_intent_survives_its_ref_name_and_names_sort_by_publication_time()
    {
        var intent = new DeployIntent("0123456789ab", "acme/app#42", DateTimeOffset.FromUnixTimeMilliseconds(1_764_600_000_123), "acme/app", ShaA, [Staging, new IntentTarget("prod-eu", "environments/prod-eu", true)])
        {
            Images = ["web=ghcr.io/acme/web:1.2.3@sha256:" + new string('e', 64)],
            Settings = ["values.yaml:replicas=3"],
            HelmImageKeys = ["web=values.yaml:frontend.image"],
            Force = true,
        };

        var name = IntentCodec.Encode(intent)!;
        var back = IntentCodec.Decode(name)!;

        Assert.Equal(intent with { Key = name }, back with { Targets = intent.Targets, Images = intent.Images, Settings = intent.Settings, HelmImageKeys = intent.HelmImageKeys });
        Assert.Equal(intent.Targets, back.Targets);
        Assert.Equal(intent.Images, back.Images);
        Assert.Equal(intent.Settings, back.Settings);
        Assert.Equal(intent.HelmImageKeys, back.HelmImageKeys);
        Assert.All(name.Split('/'), part => Assert.InRange(part.Length, 1, 200));
        Assert.Matches("^[0-9A-Za-z_/-]+$", name);
        var later = IntentCodec.Encode(intent with { Id = "000000000000", Created = intent.Created.AddMilliseconds(1) })!;
        Assert.True(string.CompareOrdinal(name, later) < 0);
    }

    [Theory]
    [InlineData("not-an-intent")]
    [InlineData("1764600000123-abc")]
    [InlineData("1764600000123-abc/!!!")]
    [InlineData("17646-abc/eJwLAQAA")]
    public void A_name_that_is_not_an_intent_decodes_to_nothing(string name) => Assert.Null(IntentCodec.Decode(name));

    [Fact]
    public void An_intent_too_large_for_a_ref_name_is_not_encoded()
    {
        var random = new Random(7);
        var images = Enumerable.Range(0, 40).Select(i => $"svc{i}=ghcr.io/acme/{Convert.ToHexString(BitConverter.GetBytes(random.NextInt64()))}:{random.Next()}").ToList();

        Assert.Null(IntentCodec.Encode(Intent("0123456789ab", 0, "web:1") with { Images = images }));
    }

    [Fact]
    public void A_batch_applies_every_intent_in_arrival_order_in_one_commit_naming_each_run()
    {
        var applier = TestRequests.Parse();
        var pending = new[]
        {
            Intent("bbbbbbbbbbbb", 1, "worker=ghcr.io/acme/worker:5", ShaB, "acme/app#2"),
            Intent("aaaaaaaaaaaa", 2, "web=ghcr.io/acme/web:2", ShaA, "acme/app#1"),
        };

        var batch = IntentBatch.Plan(Branch("1"), applier, pending, Planner, Now);

        Assert.Equal(["aaaaaaaaaaaa", "bbbbbbbbbbbb"], batch.Applied.Select(a => a.Intent.Id));
        Assert.Equal("images:\n- name: web\n  newName: ghcr.io/acme/web\n  newTag: \"2\"\n- name: worker\n  newName: ghcr.io/acme/worker\n  newTag: \"5\"\n", FileOf(batch));
        var message = batch.Message!;
        Assert.StartsWith("deploy(staging): web 1 -> 2; worker (new) -> 5\n\nApplied together: 2 pipelines", message, StringComparison.Ordinal);
        Assert.Contains("- acme/app#1, staging: web 1 -> 2\n- acme/app#2, staging: worker (new) -> 5\n", message, StringComparison.Ordinal);
        var groups = Trailers.Groups(message);
        Assert.Equal(2, groups.Count);
        Assert.Equal(("Deploy-Run", "acme/app#1 (intent aaaaaaaaaaaa)"), groups[0][0]);
        Assert.Contains(("Source-Commit", ShaA), groups[0]);
        Assert.Contains(("Source-Commit", ShaB), groups[1]);
        // Out-of-order protection reads the right run's source commit back out of a batch commit.
        var history = new[] { new Ports.HistoryEntry("batch", message, Now) };
        Assert.Equal(ShaB, Promotion.SourceCommitOf(history, "staging", new Images.ImageEntry("worker", "ghcr.io/acme/worker", "5", null)));
        Assert.Equal(ShaA, Promotion.SourceCommitOf(history, "staging", new Images.ImageEntry("web", "ghcr.io/acme/web", "2", null)));
        // Applied intents stay on the board, carried, until the next write clears them.
        Assert.Empty(batch.ToClear);
    }

    [Fact]
    public void Two_intents_for_the_same_image_go_by_arrival_unless_the_order_rule_drops_one()
    {
        var older = Intent("aaaaaaaaaaaa", 3, "web=ghcr.io/acme/web:3", ShaB, "acme/app#2");
        var newer = Intent("bbbbbbbbbbbb", 2, "web=ghcr.io/acme/web:2", ShaA, "acme/app#1");

        var byArrival = IntentBatch.Plan(Branch("1"), TestRequests.Parse(), [older, newer], Planner, Now);
        Assert.Contains("newTag: \"2\"", FileOf(byArrival), StringComparison.Ordinal);

        var ordered = IntentBatch.Plan(Branch("1"), TestRequests.Parse(), [older, newer], Planner, Now,
            droppedByOrder: new Dictionary<string, string> { ["bbbbbbbbbbbb"] = "older source commit" });
        Assert.Contains("newTag: \"3\"", FileOf(ordered), StringComparison.Ordinal);
        Assert.Equal(IntentFate.Dropped, ordered.Of(newer)!.Fate);
        Assert.Equal("older source commit", ordered.Of(newer)!.Reason);
    }

    [Fact]
    public void An_intent_a_commit_already_names_is_never_applied_again()
    {
        var intent = Intent("aaaaaaaaaaaa", 30, "web=ghcr.io/acme/web:2");
        // The applier died after committing it; a later pipeline has since moved web on to 7.
        var carried = new MemoryCommit("carrier", $"deploy\n\nDeploy-Run: {intent.Trailer}\nSource-Commit: {ShaA}\nEnvironment: staging\nImage: web=ghcr.io/acme/web:2\n", new Dictionary<string, string>());
        var snapshot = new MemorySnapshot([new MemoryCommit("head", "later pipeline", new Dictionary<string, string> { [Overlay] = Kustomization("7") }), carried]);

        var batch = IntentBatch.Plan(snapshot, TestRequests.Parse(), [intent], Planner, DateTimeOffset.UnixEpoch.AddSeconds(30));

        Assert.Null(batch.Message);
        Assert.Empty(batch.Files);
        var outcome = batch.Of(intent)!;
        Assert.Equal(IntentFate.Landed, outcome.Fate);
        Assert.Equal("carrier", outcome.CommitSha);
        Assert.Equal([intent], batch.ToClear);
    }

    [Fact]
    public void Satisfied_expired_and_refused_intents_are_cleared_without_a_commit()
    {
        var satisfied = Intent("aaaaaaaaaaaa", 5, "web=ghcr.io/acme/web:1");
        var expired = Intent("bbbbbbbbbbbb", (int)DeployIntent.Lifetime.TotalSeconds + 1, "web=ghcr.io/acme/web:9");
        var production = new IntentTarget("production", "environments/staging", true);
        var refused = Intent("cccccccccccc", 4, "web=ghcr.io/acme/web:latest", target: production);

        var batch = IntentBatch.Plan(Branch("1"), TestRequests.Parse(), [satisfied, expired, refused], Planner, Now);

        Assert.Null(batch.Message);
        Assert.Equal(IntentFate.Satisfied, batch.Of(satisfied)!.Fate);
        Assert.Equal(IntentFate.Expired, batch.Of(expired)!.Fate);
        Assert.Equal(IntentFate.Dropped, batch.Of(refused)!.Fate);
        Assert.Contains("latest", batch.Of(refused)!.Reason, StringComparison.Ordinal);
        Assert.Equal(3, batch.ToClear.Count);
    }

    [Fact]
    public void A_staged_snapshot_lists_and_reads_what_earlier_intents_wrote()
    {
        var staged = new StagedSnapshot(Branch("1"));
        staged.Stage([new Ports.FileChange("environments/staging/new.yaml", "a: 1\n"u8.ToArray()), new Ports.FileChange(Overlay, null)]);

        Assert.Equal(["new.yaml"], staged.Tree.List("environments/staging"));
        Assert.Equal(Ports.TreeEntryKind.Missing, staged.Tree.KindOf(Overlay));
        Assert.Equal("a: 1\n", Encoding.UTF8.GetString(staged.Tree.ReadFile("environments/staging/new.yaml")));
        Assert.Equal(2, staged.Changes.Count);
    }

    [Fact]
    public void Only_plain_api_push_deploys_take_part()
    {
        var api = TestRequests.Parse(("commit-method", "api"));
        Assert.True(FanInFlow.Applies(api));
        Assert.False(FanInFlow.Applies(TestRequests.Parse(("commit-method", "api"), ("coalesce", "off"))));
        Assert.False(FanInFlow.Applies(TestRequests.Parse(("commit-method", "api"), ("mode", "pull-request"))));
        Assert.False(FanInFlow.Applies(TestRequests.Parse(("commit-method", "api"), ("dry-run", "true"))));
        Assert.False(FanInFlow.Applies(TestRequests.Parse(("commit-method", "api"), ("rollback", "true"), ("images", "web"))));
        Assert.Throws<DeployException>(() => TestRequests.Parse(("coalesce", "sometimes")));
    }

    [Theory]
    [InlineData("deploy\n\nUpdate it.\n\nSource-Commit: abc\nImage: web=x:1\n", "deploy\n\nUpdate it.\n\nDeploy-Run: acme/app#1 (intent 0123456789ab)\nSource-Commit: abc\nImage: web=x:1\n")]
    [InlineData("just a subject", "just a subject\n\nDeploy-Run: acme/app#1 (intent 0123456789ab)\n")]
    public void A_runs_own_commit_opens_its_trailers_with_its_deploy_run(string message, string expected)
    {
        var signed = CommitMessage.WithRun(message, "acme/app#1 (intent 0123456789ab)");

        Assert.Equal(expected, signed);
        Assert.Equal(("Deploy-Run", "acme/app#1 (intent 0123456789ab)"), Trailers.Parse(signed)[0]);
    }
}
