using System.Text;
using GitOpsDeploy.Core.Landing.FanIn;
using GitOpsDeploy.Core.Planning;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Core.Tests.Doubles;
using GitOpsDeploy.Editing;

namespace GitOpsDeploy.Core.Tests;

/// <summary>Fan-in's pure parts: the intent encoding in ref names, and the batch plan on in-memory snapshots.</summary>
[Trait("Tier", "Unit")]
public sealed class FanInTests
{
    private const string Overlay = "environments/staging/kustomization.yaml";
    private const string ShaA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    private const string ShaB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    private static readonly DateTimeOffset Now = DateTimeOffset.UnixEpoch.AddDays(1);
    private static DeployPlanner Planner => new(TimeProvider.System, null);
    private static IntentTarget Staging => new("staging", "environments/staging");

    private static string Kustomization(string tag) => $"images:\n- name: web\n  newName: ghcr.io/acme/web\n  newTag: \"{tag}\"\n";

    private static DeployIntent Intent(string id, int secondsAgo, string image, string sha = ShaA, string run = "acme/app#1", IntentTarget? target = null) =>
        new(id, run, Now.AddSeconds(-secondsAgo), "acme/app", sha, [target ?? Staging]) { Images = [image], GitOpsRepository = "acme/gitops", Branch = "main", Proof = "token" };

    /// <summary>Admits intents as a leader would whose proofs all verify for what the intents say.</summary>
    private static Dictionary<string, Admission> Admit(DeployRequest applier, params DeployIntent[] intents) =>
        intents.ToDictionary(i => i.Id, i => IntentAdmission.Admit(i, Proven(i), applier, "main", Now));

    private static ProofCheck Proven(DeployIntent intent, string? environment = null) =>
        new ProofCheck.Verified(new RunClaims(intent.SourceRepository, intent.SourceRepository.Split('/')[0], intent.SourceSha, intent.RunId ?? 0, Now, Now.AddMinutes(5)) { Environment = environment });

    private static MemorySnapshot Branch(string tag, params MemoryCommit[] older) =>
        new([new MemoryCommit("head", "initial", new Dictionary<string, string> { [Overlay] = Kustomization(tag) }), .. older]);

    private static string FileOf(BatchPlan batch) => Encoding.UTF8.GetString(batch.Files.Single(f => f.Path == Overlay).Content!);

    [Fact]
    public void An_intent_survives_its_ref_name_and_payload_and_names_sort_by_publication_time()
    {
        var intent = new DeployIntent("0123456789ab", "acme/app#42", DateTimeOffset.FromUnixTimeMilliseconds(1_764_600_000_123), "acme/app", ShaA, [Staging, new IntentTarget("prod-eu", "environments/prod-eu")])
        {
            GitOpsRepository = "acme/gitops",
            Branch = "release/2026",
            Images = ["web=ghcr.io/acme/web:1.2.3@sha256:" + new string('e', 64)],
            Settings = ["values.yaml:replicas=3"],
            HelmImageKeys = ["web=values.yaml:frontend.image"],
            Proof = "header.payload.signature",
        };

        var name = IntentCodec.Name(intent);
        var back = IntentCodec.Decode(name, IntentCodec.Payload(intent), "0ff1ce")!;

        Assert.Equal("1764600000123-0123456789ab", name);
        Assert.Equal(IntentCodec.Canonical(intent), IntentCodec.Canonical(back));
        Assert.Equal(intent.Targets, back.Targets);
        Assert.Equal(intent.Images, back.Images);
        Assert.Equal(intent.Settings, back.Settings);
        Assert.Equal(intent.HelmImageKeys, back.HelmImageKeys);
        Assert.Equal((intent.Proof, name, "0ff1ce"), (back.Proof, back.Key, back.Object));
        Assert.Equal(IntentCodec.Audience(intent), IntentCodec.Audience(back));
        var later = IntentCodec.Name(intent with { Id = "000000000000", Created = intent.Created.AddMilliseconds(1) });
        Assert.True(string.CompareOrdinal(name, later) < 0);
    }

    [Fact]
    public void An_intent_carries_create_missing_keys_only_when_it_is_off()
    {
        var intent = Intent("0123456789ab", 0, "web:2") with { Proof = "header.payload.signature" };
        var off = intent with { CreateMissingKeys = false };

        var back = IntentCodec.Decode(IntentCodec.Name(off), IntentCodec.Payload(off))!;

        Assert.DoesNotContain("\"create\"", IntentCodec.Canonical(intent), StringComparison.Ordinal);
        Assert.EndsWith(",\"create\":false}", IntentCodec.Canonical(off), StringComparison.Ordinal);
        Assert.False(back.CreateMissingKeys);
        Assert.True(IntentCodec.Decode(IntentCodec.Name(intent), IntentCodec.Payload(intent))!.CreateMissingKeys);
        Assert.NotEqual(IntentCodec.Audience(intent), IntentCodec.Audience(off));
        var applier = TestRequests.Parse();
        Assert.False(Admit(applier, off)[off.Id].Request!.Change.CreateMissingKeys);
        Assert.True(Admit(applier, intent)[intent.Id].Request!.Change.CreateMissingKeys);
        Assert.False(IntentCodec.Of(TestRequests.Parse(("create-missing-keys", "false")), TestRequests.Context, "0123456789ab", Now).CreateMissingKeys);
    }

    [Fact]
    public void Every_ref_stays_short_whatever_the_names()
    {
        // The realistic names that made the old ref names 279-298 bytes; every field now lives in the payload.
        var intent = Intent("0123456789ab", 0, "observability-platform-service=ghcr.io/my-platform-organisation/observability-platform-service:1.2.3-rc.1", run: "my-platform-organisation/observability-platform-service#12345678901")
            with { SourceRepository = "my-platform-organisation/observability-platform-service", Settings = [.. Enumerable.Range(0, 40).Select(i => $"values.yaml:some.deeply.nested.key{i}=value-{i}")] };

        Assert.Equal(26, IntentCodec.Name(intent).Length);
        Assert.NotNull(IntentCodec.Decode(IntentCodec.Name(intent), IntentCodec.Payload(intent)));
    }

    [Fact]
    public void The_audience_commits_to_every_field_of_the_intent()
    {
        var intent = Intent("0123456789ab", 0, "web=ghcr.io/acme/web:2");
        var variants = new[]
        {
            intent with { Images = ["web=ghcr.io/evil/web:2"] },
            intent with { Settings = ["values.yaml:replicas=3"] },
            intent with { HelmImageKeys = ["web=image"] },
            intent with { Targets = [new IntentTarget("production", "environments/production")] },
            intent with { Targets = [new IntentTarget("staging", ".github/workflows")] },
            intent with { SourceSha = ShaB },
            intent with { SourceRepository = "acme/other" },
            intent with { Run = "acme/app#2" },
            intent with { Created = intent.Created.AddMilliseconds(1) },
            intent with { Branch = "release" },
            intent with { GitOpsRepository = "acme/other-gitops" },
            intent with { Id = "0123456789ac" },
        };

        Assert.All(variants, v => Assert.NotEqual(IntentCodec.Audience(intent), IntentCodec.Audience(v)));
        Assert.Equal(IntentCodec.Audience(intent), IntentCodec.Audience(intent with { Proof = "another token", Key = "k", Object = "o" }));
    }

    [Theory]
    [InlineData("not-an-intent", true)]
    [InlineData("1764600000123-abc", true)]
    [InlineData("1764600000124-0123456789ab", true)]
    [InlineData("1764600000123-0123456789ac", true)]
    [InlineData("1764600000123-0123456789ab", false)]
    public void A_name_or_payload_that_does_not_agree_decodes_to_nothing(string name, bool tamper)
    {
        var intent = Intent("0123456789ab", 0, "web=ghcr.io/acme/web:2") with { Created = DateTimeOffset.FromUnixTimeMilliseconds(1_764_600_000_123) };
        var payload = IntentCodec.Payload(intent);
        if (tamper || name == "1764600000123-0123456789ab")
        {
            // Content changed after the proof was made: the canonical form no longer matches the text.
            payload = payload.Replace("\"images\":[\"web=ghcr.io/acme/web:2\"]", "\"images\": [\"web=ghcr.io/evil/web:2\"]", StringComparison.Ordinal);
        }

        Assert.Null(IntentCodec.Decode(name, payload));
        Assert.Null(IntentCodec.Decode(IntentCodec.Name(intent), "gitops-deploy intent v1\n\n{}\n\nx"));
        Assert.Null(IntentCodec.Decode(IntentCodec.Name(intent), null));
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

        var batch = IntentBatch.Plan(Branch("1"), pending, Admit(applier, pending), Planner, Now);

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
        var history = new[] { new HistoryEntry("batch", message, Now) };
        Assert.Equal(ShaB, Promotion.SourceCommitOf(history, "staging", new Editing.Images.ImageEntry("worker", "ghcr.io/acme/worker", "5", null)));
        Assert.Equal(ShaA, Promotion.SourceCommitOf(history, "staging", new Editing.Images.ImageEntry("web", "ghcr.io/acme/web", "2", null)));
        // Applied intents stay on the board, carried, until the next write clears them.
        Assert.Empty(batch.ToClear);
    }

    [Fact]
    public void A_later_intent_never_silently_undoes_an_earlier_one_in_the_same_batch()
    {
        var first = Intent("aaaaaaaaaaaa", 3, "web=ghcr.io/acme/web:3", ShaB, "acme/app#2");
        var second = Intent("bbbbbbbbbbbb", 2, "web=ghcr.io/acme/web:2", ShaA, "acme/app#1");
        var admissions = Admit(TestRequests.Parse(), first, second);

        // Left to arrival order, the second would overwrite the first while both were reported applied.
        var batch = IntentBatch.Plan(Branch("1"), [first, second], admissions, Planner, Now);
        Assert.Contains("newTag: \"2\"", FileOf(batch), StringComparison.Ordinal);
        Assert.Equal(["bbbbbbbbbbbb"], batch.Applied.Select(a => a.Intent.Id));
        Assert.Equal(IntentFate.Dropped, batch.Of(first)!.Fate);
        Assert.Contains("same entries", batch.Of(first)!.Reason, StringComparison.Ordinal);

        var ordered = IntentBatch.Plan(Branch("1"), [first, second], admissions, Planner, Now,
            droppedByOrder: new Dictionary<string, string> { ["bbbbbbbbbbbb"] = "older source commit" });
        Assert.Contains("newTag: \"3\"", FileOf(ordered), StringComparison.Ordinal);
        Assert.Equal(IntentFate.Dropped, ordered.Of(second)!.Fate);
        Assert.Equal("older source commit", ordered.Of(second)!.Reason);
    }

    [Fact]
    public void An_intent_the_leader_did_not_admit_is_cleared_with_the_reason()
    {
        var applier = TestRequests.Parse();
        var proven = Intent("aaaaaaaaaaaa", 3, "web=ghcr.io/acme/web:3");
        var unproven = Intent("bbbbbbbbbbbb", 2, "worker=ghcr.io/acme/worker:6", ShaB, "acme/app#2");
        var admissions = Admit(applier, proven);
        admissions[unproven.Id] = IntentAdmission.Admit(unproven, new ProofCheck.Refused("its signature does not verify"), applier, "main", Now);

        var batch = IntentBatch.Plan(Branch("1"), [proven, unproven], admissions, Planner, Now);

        Assert.Equal([proven.Id], batch.Applied.Select(a => a.Intent.Id));
        Assert.DoesNotContain("worker", FileOf(batch), StringComparison.Ordinal);
        Assert.Equal("its proof does not verify: its signature does not verify", batch.Of(unproven)!.Reason);
        Assert.Equal([unproven], batch.ToClear);
    }

    [Fact]
    public void An_intent_a_commit_already_names_is_never_applied_again()
    {
        var intent = Intent("aaaaaaaaaaaa", 30, "web=ghcr.io/acme/web:2");
        // The applier died after committing it; a later pipeline has since moved web on to 7.
        var carried = new MemoryCommit("carrier", $"deploy\n\nDeploy-Run: {intent.Trailer}\nSource-Commit: {ShaA}\nEnvironment: staging\nImage: web=ghcr.io/acme/web:2\n", new Dictionary<string, string>());
        var snapshot = new MemorySnapshot([new MemoryCommit("head", "later pipeline", new Dictionary<string, string> { [Overlay] = Kustomization("7") }), carried]);

        var batch = IntentBatch.Plan(snapshot, [intent], Admit(TestRequests.Parse(), intent), Planner, DateTimeOffset.UnixEpoch.AddSeconds(30));

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
        // The applier's policy refuses a mutable tag in production (the applier's own request is production here).
        var applier = TestRequests.Parse(("environment", "production"), ("overlay-path", "environments/staging"));
        var production = new IntentTarget("production", "environments/staging");
        var refused = Intent("cccccccccccc", 4, "web=ghcr.io/acme/web:latest", target: production);
        var admissions = Admit(TestRequests.Parse(), satisfied, expired);
        admissions[refused.Id] = IntentAdmission.Admit(refused, Proven(refused, "production"), applier, "main", Now);

        var batch = IntentBatch.Plan(Branch("1"), [satisfied, expired, refused], admissions, Planner, Now);

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
        staged.Stage([new FileChange("environments/staging/new.yaml", "a: 1\n"u8.ToArray()), new FileChange(Overlay, null)]);

        Assert.Equal(["new.yaml"], staged.Tree.List("environments/staging"));
        Assert.Equal(TreeEntryKind.Missing, staged.Tree.KindOf(Overlay));
        Assert.Equal("a: 1\n", Encoding.UTF8.GetString(staged.Tree.ReadFile("environments/staging/new.yaml")));
        Assert.Equal(2, staged.Changes.Count);
    }

    [Fact]
    public void Only_plain_api_push_deploys_take_part()
    {
        var api = TestRequests.Parse(("commit-method", "api"));
        Assert.True(FanInFlow.Applies(api));
        Assert.False(FanInFlow.Applies(TestRequests.Parse(("commit-method", "api"), ("force", "true"))));
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

    private static DeployIntent Exact(string id, long created) =>
        Intent(id, 0, "web=ghcr.io/acme/web:2") with { Created = DateTimeOffset.FromUnixTimeMilliseconds(created) };

    [Theory]
    [InlineData("0123456789ab", 1_764_600_000_123L, "1764600000123-0123456789ab", true)]
    // One fault each, the payload intact: a name one byte long, the dash elsewhere, a time or an id the payload does not say.
    [InlineData("0123456789abc", 1_764_600_000_123L, "1764600000123-0123456789abc", false)]
    [InlineData("30123456789ab", 176_460_000_012L, "176460000012-30123456789ab", false)]
    [InlineData("0123456789ab", 1_764_600_000_123L, "1764600000124-0123456789ab", false)]
    [InlineData("0123456789ab", 1_764_600_000_123L, "1764600000123-0123456789ac", false)]
    [InlineData("0123456789ab", 1_764_600_000_123L, "+764600000123-0123456789ab", false)]
    public void Only_the_name_an_intent_was_published_under_decodes_it(string id, long created, string name, bool decodes)
    {
        var intent = Exact(id, created);

        var back = IntentCodec.Decode(name, IntentCodec.Payload(intent));

        Assert.Equal(decodes, back is not null);
    }

    [Fact]
    public void A_payload_with_another_section_or_header_decodes_to_nothing()
    {
        var intent = Exact("0123456789ab", 1_764_600_000_123L);
        var name = IntentCodec.Name(intent);
        var payload = IntentCodec.Payload(intent);

        Assert.NotNull(IntentCodec.Decode(name, payload));
        Assert.NotNull(IntentCodec.Decode(name, payload.Replace("\n", "\r\n", StringComparison.Ordinal)));
        Assert.Null(IntentCodec.Decode(name, payload + "\nanother section\n"));
        Assert.Null(IntentCodec.Decode(name, payload.Replace("intent v2", "intent v3", StringComparison.Ordinal)));
        Assert.Null(IntentCodec.Decode(name, payload.Replace("\"targets\":[[", "\"targets\":[[1,", StringComparison.Ordinal)));
    }

    [Fact]
    public void The_audience_is_the_prefix_and_the_unpadded_url_safe_digest_of_the_content()
    {
        var audience = IntentCodec.Audience(Exact("0123456789ab", 1_764_600_000_123L));

        Assert.Matches("^gitops-deploy:[A-Za-z0-9_-]{43}$", audience);
    }

    [Fact]
    public void A_new_intent_names_no_branch_until_it_is_published_on_one()
    {
        var intent = IntentCodec.Of(TestRequests.Parse(), TestRequests.Context, "0123456789ab", Now.AddTicks(1234));

        Assert.Equal(string.Empty, intent.Branch);
        Assert.Equal((Now, "acme/app#7"), (intent.Created, intent.Run));
        Assert.Equal("local", IntentCodec.RunName(TestRequests.Context with { RunId = null }));
    }

    /// <summary>A branch of <paramref name="commits"/> commits, one a second back from <see cref="Now"/>, that counts how deep it was read.</summary>
    private static (IGitOpsSnapshot Snapshot, List<int> Reads) Recent(int commits, IReadOnlyDictionary<int, string> messages)
    {
        var reads = new List<int>();
        var snapshot = NSubstitute.Substitute.For<IGitOpsSnapshot>();
        NSubstitute.SubstituteExtensions.Returns(snapshot.History(NSubstitute.Arg.Any<int>()), c =>
        {
            var max = c.Arg<int>();
            reads.Add(max);
            return (IReadOnlyList<HistoryEntry>)Enumerable.Range(0, Math.Min(max, commits))
                .Select(i => new HistoryEntry($"c{i}", messages.GetValueOrDefault(i, "deploy"), Now.AddSeconds(-i))).ToList();
        });
        return (snapshot, reads);
    }

    private static string Carrying(DeployIntent intent) => $"deploy\n\nDeploy-Run: {intent.Trailer}\nEnvironment: staging\n";

    [Fact]
    public void The_history_is_read_only_as_deep_as_the_intents_need()
    {
        var intent = Intent("aaaaaaaaaaaa", 600, "web=ghcr.io/acme/web:2");
        var (found, reads) = Recent(1000, new Dictionary<int, string> { [5] = Carrying(intent) });

        Assert.Equal(new Dictionary<string, string> { ["aaaaaaaaaaaa"] = "c5" }, IntentBatch.LandedIn(found, [intent]));
        Assert.Equal([20], reads);

        var (deep, deeper) = Recent(1000, new Dictionary<int, string> { [240] = Carrying(intent) });
        Assert.Equal("c240", IntentBatch.LandedIn(deep, [intent])["aaaaaaaaaaaa"]);
        Assert.Equal([20, 100, 250], deeper);

        var (shallow, once) = Recent(12, new Dictionary<int, string>());
        Assert.Empty(IntentBatch.LandedIn(shallow, [intent]));
        Assert.Equal([20], once);
    }

    [Fact]
    public void The_search_stops_a_minute_before_the_oldest_intent_was_published()
    {
        var older = Intent("aaaaaaaaaaaa", 120, "web=ghcr.io/acme/web:2");
        var newer = Intent("bbbbbbbbbbbb", 30, "worker=ghcr.io/acme/worker:5", run: "acme/app#2");
        var (snapshot, reads) = Recent(1000, new Dictionary<int, string> { [170] = Carrying(older) });

        var found = IntentBatch.LandedIn(snapshot, [newer, older]);

        Assert.Equal(new Dictionary<string, string> { ["aaaaaaaaaaaa"] = "c170" }, found);
        Assert.Equal([20, 100, 250], reads);
    }

    [Fact]
    public void Refs_that_hold_no_readable_intent_read_no_history()
    {
        var (snapshot, reads) = Recent(1000, new Dictionary<int, string>());

        Assert.Empty(IntentBatch.LandedIn(snapshot, [Intent("aaaaaaaaaaaa", 10, "web=ghcr.io/acme/web:2") with { Targets = [] }]));
        Assert.Empty(reads);
    }

    [Theory]
    [InlineData(44, "deploy(staging): {0} (new) -> 5")]
    [InlineData(45, "deploy(staging): 1 pipeline, 1 change")]
    public void A_batch_subject_over_72_characters_counts_instead(int nameLength, string subject)
    {
        var name = "w" + new string('x', nameLength - 1);
        var intent = Intent("aaaaaaaaaaaa", 1, $"{name}=ghcr.io/acme/{name}:5");

        var batch = IntentBatch.Plan(Branch("1"), [intent], Admit(TestRequests.Parse(), intent), Planner, Now);

        var lines = batch.Message!.Split('\n');
        Assert.Equal(string.Format(System.Globalization.CultureInfo.InvariantCulture, subject, name), lines[0]);
        Assert.Equal("Applied together: 1 pipeline wrote this branch at once.", lines[2]);
    }

    [Fact]
    public void A_batch_over_two_environments_names_both_in_its_subject()
    {
        var qa = new IntentTarget("qa", "environments/qa");
        var first = Intent("aaaaaaaaaaaa", 2, "web=ghcr.io/acme/web:2");
        var second = Intent("bbbbbbbbbbbb", 1, "web=ghcr.io/acme/web:2", run: "acme/app#2", target: qa);
        var branch = new MemorySnapshot([new MemoryCommit("head", "initial", new Dictionary<string, string>
        {
            [Overlay] = Kustomization("1"),
            ["environments/qa/kustomization.yaml"] = Kustomization("1"),
        })]);
        var applier = TestRequests.Parse(("environment", "staging,qa"));

        var batch = IntentBatch.Plan(branch, [first, second], Admit(applier, first, second), Planner, Now);

        Assert.StartsWith("deploy(staging, qa): web 1 -> 2\n\nApplied together: 2 pipelines wrote this branch at once.", batch.Message, StringComparison.Ordinal);
    }
}
