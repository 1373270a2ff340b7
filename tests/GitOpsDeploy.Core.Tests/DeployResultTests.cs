using GitOpsDeploy.Core.Planning;
using GitOpsDeploy.Core.Results;
using GitOpsDeploy.Core.Tests.Doubles;
using GitOpsDeploy.Editing;
using GitOpsDeploy.Editing.Images;
using GitOpsDeploy.Editing.Overlay;

namespace GitOpsDeploy.Core.Tests;

/// <summary>What a result says of itself across several targets: changed, per-target operation, verified, one target updated.</summary>
[Trait("Tier", "Unit")]
public sealed class DeployResultTests
{
    private static TargetResult Target(string environment, bool changed) =>
        new(TestRequests.Parse(("environment", environment)).Targets[0],
            new OverlayEdit($"environments/{environment}", "k", changed ? [new FileChange($"environments/{environment}/kustomization.yaml", [1])] : [],
                [new(new ImageEntry("web", null, changed ? "1" : "2", null), new ImageEntry("web", null, "2", null))], []));

    private static DeployResult Result(DeployOutcome outcome) => new(outcome, [Target("staging", true), Target("qa", false)], "main", "base0");

    [Fact]
    public void A_push_that_changed_one_target_of_two_changed_the_repository_and_says_none_for_the_other()
    {
        var result = Result(new DeployOutcome.Pushed("p", true));

        Assert.True(result.Changed);
        Assert.Equal([DeployOperation.Pushed, DeployOperation.None], result.Targets.Select(result.OperationOf));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_superseded_or_refused_run_says_so_for_every_target_changed_or_not(bool superseded)
    {
        var result = Result(superseded ? new DeployOutcome.Superseded([new Supersession("staging", "web", new string('c', 40))]) : new DeployOutcome.Refused(new DeployException(ErrorKind.Policy, "no")));

        var expected = superseded ? DeployOperation.Superseded : DeployOperation.Refused;
        Assert.Equal([expected, expected], result.Targets.Select(result.OperationOf));
        Assert.False(result.Changed);
    }

    [Fact]
    public void Only_a_commit_the_host_verified_is_verified()
    {
        Assert.True(Result(new DeployOutcome.Pushed("p", true)).Verified);
        Assert.False(Result(new DeployOutcome.AlreadyThere()).Verified);
        Assert.False(Result(new DeployOutcome.DryRun("diff", "d")).Verified);
    }

    [Fact]
    public void One_target_is_updated_by_its_environment_and_the_others_are_kept()
    {
        var result = Result(new DeployOutcome.Pushed("p", true));

        var updated = result.WithTarget("qa", t => t with { DeploymentId = 7 });

        Assert.Equal([null, 7L], updated.Targets.Select(t => t.DeploymentId));
        Assert.Same(result.Targets[0], updated.Targets[0]);
    }
}
