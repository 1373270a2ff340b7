using GitOpsDeploy.Core.Planning;
using GitOpsDeploy.Core.Tests.Doubles;

namespace GitOpsDeploy.Core.Tests;

/// <summary>
/// Finding the overlay and its kustomization, and what a missing one is told: each name kustomize accepts, several
/// of them refused as kustomize refuses them, a kustomization linked out of its overlay, and the folders beside a
/// folder that does not exist.
/// </summary>
[Trait("Tier", "Unit")]
public sealed class OverlayLookupTests
{
    private const string Kustomization = "images:\n- name: web\n  newTag: \"1\"\n";

    private static DeployPlanner Planner => new(TimeProvider.System, null);

    private static PlanOutcome Plan(Dictionary<string, string> files, params (string, string)[] inputs) =>
        Planner.Plan(new MemorySnapshot("base", files), TestRequests.Parse([("images", "web:2"), .. inputs]));

    private static string Refusal(Dictionary<string, string> files, params (string, string)[] inputs) =>
        Assert.IsType<PlanOutcome.Refused>(Plan(files, inputs)).Reason.Message;

    [Theory]
    [InlineData("kustomization.yaml")]
    [InlineData("kustomization.yml")]
    [InlineData("Kustomization")]
    public void Each_name_kustomize_accepts_is_the_overlays_kustomization(string name)
    {
        var plan = Assert.IsType<PlanOutcome.Write>(Plan(new() { [$"environments/staging/{name}"] = Kustomization }));

        Assert.Equal($"environments/staging/{name}", Assert.Single(plan.Files).Path);
    }

    [Fact]
    public void Several_kustomization_files_are_refused_as_kustomize_refuses_them()
    {
        var message = Refusal(new() { ["environments/staging/kustomization.yaml"] = Kustomization, ["environments/staging/Kustomization"] = Kustomization });

        Assert.Equal("input 'overlay-path': 'environments/staging' has several kustomization files (kustomization.yaml, Kustomization); kustomize refuses that too", message);
    }

    [Fact]
    public void A_kustomization_linked_from_outside_its_overlay_is_refused()
    {
        var message = Refusal(new() { ["environments/staging/kustomization.yaml"] = "@link:../../base/kustomization.yaml", ["base/kustomization.yaml"] = Kustomization });

        Assert.Equal("input 'overlay-path': 'environments/staging/kustomization.yaml' is a symlink to 'base/kustomization.yaml', outside the overlay: the action writes only files inside the target's overlay", message);
    }

    [Fact]
    public void A_missing_overlay_names_the_folders_beside_it_and_the_closest_one()
    {
        var message = Refusal(new()
        {
            ["environments/staging/kustomization.yaml"] = Kustomization,
            ["environments/production/kustomization.yaml"] = Kustomization,
            ["environments/.hidden/kustomization.yaml"] = Kustomization,
            ["environments/README.md"] = "not a folder",
        }, ("overlay-path", "environments/stagin"));

        Assert.Equal("input 'overlay-path': 'environments/stagin' is not a folder in the gitops repository; the folders in 'environments/' are production, staging (did you mean staging?)", message);
    }

    [Fact]
    public void A_missing_overlay_at_the_root_names_the_roots_folders()
    {
        var message = Refusal(new() { ["staging/kustomization.yaml"] = Kustomization, ["README.md"] = "x" }, ("overlay-path", "stagin"));

        Assert.EndsWith("'stagin' is not a folder in the gitops repository; the folders in the repository's root are staging (did you mean staging?)", message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_overlay_in_a_repository_without_folders_says_so()
    {
        var message = Refusal(new() { ["README.md"] = "x" }, ("overlay-path", "staging"));

        Assert.EndsWith("'staging' is not a folder in the gitops repository; the repository's root has no folders", message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_overlay_whose_parent_is_missing_too_says_so()
    {
        var message = Refusal(new() { ["environments/staging/kustomization.yaml"] = Kustomization }, ("overlay-path", "deploy/overlays/staging"));

        Assert.EndsWith("'deploy/overlays/staging' is not a folder in the gitops repository; 'deploy/overlays/' does not exist either", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(20, false)]
    [InlineData(21, true)]
    public void At_most_twenty_folders_are_named(int count, bool more)
    {
        var files = Enumerable.Range(0, count).ToDictionary(i => $"environments/env{i:D2}/kustomization.yaml", _ => Kustomization);

        var message = Refusal(files, ("overlay-path", "environments/missing"));

        var named = message[(message.IndexOf(" are ", StringComparison.Ordinal) + 5)..];
        Assert.Equal(20, named.Split(", ").Count(n => n.StartsWith("env", StringComparison.Ordinal)));
        Assert.Equal(more, named.EndsWith(", ...", StringComparison.Ordinal));
    }
}
