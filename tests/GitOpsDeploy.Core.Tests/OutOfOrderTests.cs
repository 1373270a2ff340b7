using GitOpsDeploy.Core.Planning;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Core.Tests.Doubles;
using GitOpsDeploy.Editing;
using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;

namespace GitOpsDeploy.Core.Tests;

/// <summary>Out-of-order protection as a unit: when it applies, what it compares, and what it leaves alone.</summary>
[Trait("Tier", "Unit")]
public sealed class OutOfOrderTests
{
    private const string Theirs = "1111111111111111111111111111111111111111";

    private readonly ISourceCommits commits = Substitute.For<ISourceCommits>();
    private readonly IActionRuntime runtime = Substitute.For<IActionRuntime>();

    private static DeployRequest Plain => TestRequests.Parse(("images", "web:2"));

    private static MemorySnapshot Branch() => new([
        new MemoryCommit("tip", $"deploy\n\nSource-Repository: acme/app\nSource-Commit: {Theirs}\nEnvironment: staging\nImage: web=ghcr.io/acme/web:9\n",
            new Dictionary<string, string> { ["environments/staging/kustomization.yaml"] = "images:\n- name: web\n  newName: ghcr.io/acme/web\n  newTag: \"9\"\n" }),
    ]);

    public static TheoryData<string, bool> Requests => new()
    {
        { "plain", true },
        { "forced", false },
        { "rollback", false },
        { "promotion", false },
        { "no images", false },
        { "short sha", false },
        { "no sha", false },
        { "no token", false },
    };

    private static DeployRequest Variant(string name)
    {
        var plain = Plain;
        return name switch
        {
            "plain" => plain,
            "forced" => plain with { Change = plain.Change with { Force = true } },
            "rollback" => plain with { Change = plain.Change with { Kind = ChangeKind.Rollback } },
            "promotion" => plain with { Change = plain.Change with { Kind = ChangeKind.Promote } },
            "no images" => plain with { Change = plain.Change with { Images = [] } },
            "short sha" => plain with { Source = plain.Source with { Sha = "0123456" } },
            "no sha" => plain with { Source = plain.Source with { Sha = null } },
            "no token" => plain with { Token = null },
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };
    }

    [Theory]
    [MemberData(nameof(Requests))]
    public void It_applies_to_a_plain_deploy_of_images_with_a_full_sha_and_a_source_token_only(string variant, bool applies) =>
        Assert.Equal(applies, OutOfOrder.Applies(Variant(variant)));

    [Theory]
    [MemberData(nameof(Requests))]
    public async Task It_compares_only_when_it_applies(string variant, bool applies)
    {
        commits.CompareAsync(default!, default!, default).ReturnsForAnyArgs((SourceOrder.Older, (string?)null));
        var order = new OutOfOrder(commits, runtime, NullLogger.Instance);

        var superseded = await order.CheckAsync(Branch(), Variant(variant), CancellationToken.None);

        Assert.Equal(applies ? 1 : 0, superseded.Count);
        await commits.Received(applies ? 1 : 0).CompareAsync(Arg.Any<string>(), Arg.Any<string>(), Arg.Any<CancellationToken>());
    }

    [Theory]
    [InlineData(SourceOrder.Older, true)]
    [InlineData(SourceOrder.Newer, false)]
    [InlineData(SourceOrder.Diverged, false)]
    [InlineData(SourceOrder.Same, false)]
    public async Task Only_an_older_source_commit_is_superseded(SourceOrder relation, bool superseded)
    {
        commits.CompareAsync(TestRequests.Context.Sha!, Theirs, Arg.Any<CancellationToken>()).Returns((relation, (string?)null));
        var order = new OutOfOrder(commits, runtime, NullLogger.Instance);

        var found = await order.CheckAsync(Branch(), Plain, CancellationToken.None);

        Assert.Equal(superseded ? [new Supersession("staging", "web", Theirs)] : [], found);
        runtime.DidNotReceiveWithAnyArgs().Warning(default!);
    }

    [Fact]
    public async Task A_comparison_that_cannot_be_made_warns_once_and_deploys()
    {
        commits.CompareAsync(default!, default!, default).ReturnsForAnyArgs((SourceOrder.Unknown, "no access"));
        var order = new OutOfOrder(commits, runtime, NullLogger.Instance);

        Assert.Empty(await order.CheckAsync(Branch(), Plain, CancellationToken.None));
        Assert.Empty(await order.CheckAsync(Branch(), Plain, CancellationToken.None));

        runtime.Received(1).Warning(Arg.Is<string>(m => m.Contains("could not tell whether 0123456 is older than 1111111", StringComparison.Ordinal) && m.Contains("(no access); deploying", StringComparison.Ordinal)));
        await commits.Received(1).CompareAsync(Arg.Any<string>(), Arg.Any<string>(), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Each_pair_of_commits_is_compared_once_per_run()
    {
        // A fan-in leader orders other runs' commits with the same instance on every re-plan.
        commits.CompareAsync("a", "b", Arg.Any<CancellationToken>()).Returns((SourceOrder.Older, (string?)null));
        commits.CompareAsync("b", "a", Arg.Any<CancellationToken>()).Returns((SourceOrder.Newer, (string?)null));
        var order = new OutOfOrder(commits, runtime, NullLogger.Instance);

        Assert.Equal(SourceOrder.Older, await order.OrderAsync("a", "b", CancellationToken.None));
        Assert.Equal(SourceOrder.Older, await order.OrderAsync("a", "b", CancellationToken.None));
        Assert.Equal(SourceOrder.Newer, await order.OrderAsync("b", "a", CancellationToken.None));

        await commits.Received(1).CompareAsync("a", "b", Arg.Any<CancellationToken>());
        await commits.Received(1).CompareAsync("b", "a", Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Without_a_way_to_compare_nothing_is_read()
    {
        var snapshot = Branch();
        var order = new OutOfOrder(null, runtime, NullLogger.Instance);

        Assert.Empty(await order.CheckAsync(snapshot, Plain, CancellationToken.None));
        Assert.Equal(SourceOrder.Unknown, await order.OrderAsync("a", "b", CancellationToken.None));
        Assert.Equal(0, snapshot.DeepestRead);
    }

    [Fact]
    public async Task As_a_plan_step_an_older_build_makes_the_plan_again_without_the_image()
    {
        commits.CompareAsync(default!, default!, default).ReturnsForAnyArgs((SourceOrder.Older, (string?)null));
        var run = TestRequests.Run(new DeployPorts(new MemoryGitOps(new Dictionary<string, string>())) { SourceCommits = commits }, runtime: runtime);
        var branch = Branch();
        var plan = run.Planner.Plan(branch, Plain);

        var outcome = await new Steps.OutOfOrder.OutOfOrderStep().ApplyAsync(run, branch, Plain, plan, default);

        Assert.IsType<PlanOutcome.Write>(plan);
        var superseded = Assert.IsType<PlanOutcome.Superseded>(outcome);
        Assert.Equal(Theirs, Assert.Single(superseded.By).NewerSource);
    }

    [Fact]
    public async Task As_a_plan_step_it_leaves_a_newer_build_and_a_refused_plan_alone()
    {
        commits.CompareAsync(default!, default!, default).ReturnsForAnyArgs((SourceOrder.Newer, (string?)null));
        var run = TestRequests.Run(new DeployPorts(new MemoryGitOps(new Dictionary<string, string>())) { SourceCommits = commits }, runtime: runtime);
        var branch = Branch();
        var plan = run.Planner.Plan(branch, Plain);
        var refused = new PlanOutcome.Refused(DeployException.Input("images", "x"), "staging");

        Assert.Same(plan, await new Steps.OutOfOrder.OutOfOrderStep().ApplyAsync(run, branch, Plain, plan, default));
        Assert.Same(refused, await new Steps.OutOfOrder.OutOfOrderStep().ApplyAsync(run, branch, Plain, refused, default));
        await commits.ReceivedWithAnyArgs(1).CompareAsync(default!, default!, default);
    }
}
