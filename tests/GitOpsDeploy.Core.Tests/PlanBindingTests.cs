using System.Text;
using GitOpsDeploy.Core.Planning;
using GitOpsDeploy.Editing;

namespace GitOpsDeploy.Core.Tests;

/// <summary>The plan output and the expected-plan check as a unit: what survives the trip, what is refused, and each difference in words.</summary>
[Trait("Tier", "Unit")]
public sealed class PlanBindingTests
{
    private const string Base = "0123456789abcdef0123456789abcdef01234567";

    private static TargetBinding Staging(string image = "web=ghcr.io/acme/web:1.2.3@sha256:aaaa", IReadOnlyDictionary<string, string>? files = null) =>
        new("staging", "environments/staging", [image], files ?? new Dictionary<string, string>(StringComparer.Ordinal) { ["environments/staging/kustomization.yaml"] = "1111111111111111", ["base/deployment.yaml"] = "2222222222222222" });

    [Fact]
    public void A_plan_survives_encoding_and_differs_from_nothing_of_itself()
    {
        var plan = new PlanBinding(Base, [Staging(), new TargetBinding("production", "environments/production", [], new Dictionary<string, string>(StringComparer.Ordinal))]);

        var decoded = PlanBinding.Decode("  " + plan.Encode() + "\n");

        Assert.Equal(Base, decoded.BaseSha);
        Assert.Equal(["staging", "production"], decoded.Targets.Select(t => t.Environment));
        Assert.Equal(plan.Targets[0].Images, decoded.Targets[0].Images);
        Assert.Equal(plan.Targets[0].Files.OrderBy(f => f.Key), decoded.Targets[0].Files.OrderBy(f => f.Key));
        Assert.Equal(plan.Digest, decoded.Digest);
        Assert.Empty(plan.Differences(decoded));
    }

    [Fact]
    public void A_value_this_action_did_not_write_is_refused_naming_the_input()
    {
        var encoded = new PlanBinding(Base, [Staging()]).Encode();
        var digest = encoded.Split('.')[1];
        var payload = Encoding.UTF8.GetString(Convert.FromBase64String(Pad(encoded.Split('.')[2])));
        var edited = encoded[..encoded.LastIndexOf('.')] + "." + ToBase64Url(payload.Replace("1.2.3", "6.6.6", StringComparison.Ordinal));

        Assert.Contains("does not match its payload", Refusal(edited));
        Assert.Contains("not DIGEST.PAYLOAD", Refusal("sha256:" + digest));
        Assert.Contains("not base64url", Refusal(encoded[..encoded.LastIndexOf('.')] + ".!!!"));
        Assert.Contains("not DIGEST.PAYLOAD", Refusal(encoded + ".extra"));
    }

    [Fact]
    public void Targets_the_plan_has_and_the_run_has_not_are_named_both_ways()
    {
        var plan = new PlanBinding(Base, [Staging()]);
        var run = new PlanBinding(Base, [Staging() with { Environment = "production" }]);

        Assert.Equal(["the plan deploys to staging, this run does not", "this run deploys to production, the plan does not"], plan.Differences(run));
    }

    [Fact]
    public void A_moved_overlay_is_the_one_difference_of_its_target()
    {
        var plan = new PlanBinding(Base, [Staging()]);
        var run = new PlanBinding(Base, [Staging(image: "web=ghcr.io/acme/web:9.9.9") with { OverlayPath = "environments/staging-eu" }]);

        Assert.Equal(["staging: the plan writes environments/staging, this run environments/staging-eu"], plan.Differences(run));
    }

    [Fact]
    public void A_moved_digest_an_added_and_a_dropped_image_are_each_said_with_both_references()
    {
        var plan = new PlanBinding(Base, [Staging() with { Images = ["api=ghcr.io/acme/api:1", "web=ghcr.io/acme/web:1.2.3@sha256:aaaa"] }]);
        var run = new PlanBinding(Base, [Staging() with { Images = ["web=ghcr.io/acme/web:1.2.3@sha256:bbbb", "worker=ghcr.io/acme/worker:2"] }]);

        Assert.Equal(
        [
            "staging: image api is not set, the plan had ghcr.io/acme/api:1",
            "staging: image web is ghcr.io/acme/web:1.2.3@sha256:bbbb, the plan had ghcr.io/acme/web:1.2.3@sha256:aaaa",
            "staging: image worker is ghcr.io/acme/worker:2, the plan had not set",
        ], plan.Differences(run));
    }

    [Fact]
    public void Files_that_build_the_target_are_listed_changed_new_or_no_longer_read()
    {
        var plan = new PlanBinding(Base, [Staging()]);
        var run = new PlanBinding(Base, [Staging(files: new Dictionary<string, string>(StringComparer.Ordinal) { ["environments/staging/kustomization.yaml"] = "3333333333333333", ["base/service.yaml"] = "4444444444444444" })]);

        Assert.Equal(["staging: 3 files that build it differ from the plan: base/deployment.yaml (no longer read), base/service.yaml (new), environments/staging/kustomization.yaml"], plan.Differences(run));
        var one = new PlanBinding(Base, [Staging(files: new Dictionary<string, string>(StringComparer.Ordinal) { ["environments/staging/kustomization.yaml"] = "1111111111111111", ["base/deployment.yaml"] = "5555555555555555" })]);
        Assert.Equal(["staging: a file that builds it differs from the plan: base/deployment.yaml"], plan.Differences(one));
    }

    [Fact]
    public void More_than_ten_differing_files_are_counted_not_listed()
    {
        var many = Enumerable.Range(0, 13).ToDictionary(i => $"base/f{i:00}.yaml", _ => "6666666666666666", StringComparer.Ordinal);
        var plan = new PlanBinding(Base, [Staging(files: new Dictionary<string, string>(StringComparer.Ordinal))]);

        var difference = Assert.Single(plan.Differences(new PlanBinding(Base, [Staging(files: many)])));

        Assert.StartsWith("staging: 13 files that build it differ from the plan: base/f00.yaml (new), ", difference);
        Assert.EndsWith("base/f09.yaml (new) and 3 more", difference);
        Assert.DoesNotContain("base/f10.yaml", difference);
    }

    [Fact]
    public void A_binding_digests_only_files_that_exist_after_the_change()
    {
        var after = new EditedTree(new EmptyTree(), [new FileChange("environments/staging/kustomization.yaml", Encoding.UTF8.GetBytes("images: []\n"))]);

        var binding = TargetBinding.Of(after, "staging", "environments/staging", ["web=b:2", "api=a:1", "web=b:2"], ["environments/staging/kustomization.yaml", "base/missing.yaml", "environments/staging/kustomization.yaml"]);

        Assert.Equal(["api=a:1", "web=b:2"], binding.Images);
        Assert.Equal(PlanBinding.FileDigest(Encoding.UTF8.GetBytes("images: []\n")), Assert.Single(binding.Files, f => f.Key == "environments/staging/kustomization.yaml").Value);
        Assert.DoesNotContain("base/missing.yaml", binding.Files.Keys);
    }

    private static string Refusal(string text) => Assert.Throws<DeployException>(() => PlanBinding.Decode(text)).Message;

    private static string Pad(string base64Url)
    {
        var s = base64Url.Replace('-', '+').Replace('_', '/');
        return s + new string('=', (4 - (s.Length % 4)) % 4);
    }

    private static string ToBase64Url(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private sealed class EmptyTree : IRepositoryTree
    {
        public TreeEntryKind KindOf(string path) => TreeEntryKind.Missing;

        public string ReadSymlink(string path) => throw new FileNotFoundException(path);

        public byte[] ReadFile(string path) => throw new FileNotFoundException(path);

        public IReadOnlyList<string> List(string directory) => [];
    }

    [Fact]
    public void Exactly_ten_differing_files_are_all_listed()
    {
        var ten = Enumerable.Range(0, 10).ToDictionary(i => $"base/f{i:00}.yaml", _ => "6666666666666666", StringComparer.Ordinal);
        var plan = new PlanBinding(Base, [Staging(files: new Dictionary<string, string>(StringComparer.Ordinal))]);

        var difference = Assert.Single(plan.Differences(new PlanBinding(Base, [Staging(files: ten)])));

        Assert.EndsWith("base/f08.yaml (new), base/f09.yaml (new)", difference);
    }

    [Fact]
    public void The_plan_is_the_same_whatever_order_its_files_were_read_in()
    {
        var forward = new Dictionary<string, string>(StringComparer.Ordinal) { ["a.yaml"] = "1111111111111111", ["b.yaml"] = "2222222222222222" };
        var backward = new Dictionary<string, string>(StringComparer.Ordinal) { ["b.yaml"] = "2222222222222222", ["a.yaml"] = "1111111111111111" };

        Assert.Equal(new PlanBinding(Base, [Staging(files: forward)]).Encode(), new PlanBinding(Base, [Staging(files: backward)]).Encode());
        Assert.Equal(new PlanBinding(Base, [Staging(files: forward)]).Digest, new PlanBinding(Base, [Staging(files: backward)]).Digest);
    }

    [Fact]
    public void A_value_without_the_plan_prefix_is_refused_even_when_it_has_two_parts()
    {
        var encoded = new PlanBinding(Base, [Staging()]).Encode();
        var withoutPrefix = encoded[Requests.ReviewOptions.PlanPrefix.Length..];

        Assert.Equal(2, withoutPrefix.Split('.').Length);
        Assert.Contains("not DIGEST.PAYLOAD", Refusal(withoutPrefix));
    }

    [Fact]
    public void An_image_without_a_name_prefix_is_compared_by_its_whole_text()
    {
        var plan = new PlanBinding(Base, [Staging(image: "web")]);
        var run = new PlanBinding(Base, [Staging(image: "web=ghcr.io/acme/web:2")]);

        Assert.Equal(["staging: image web is ghcr.io/acme/web:2, the plan had web"], plan.Differences(run));
    }
}
