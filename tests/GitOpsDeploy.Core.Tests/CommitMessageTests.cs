using GitOpsDeploy.Core.Planning;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Core.Tests.Doubles;

namespace GitOpsDeploy.Core.Tests;

/// <summary>Whole commit messages as the planner writes them: subject, body, changes, trailers, for one and several targets, values, digests, templates and the run's own trailer.</summary>
[Trait("Tier", "Unit")]
public sealed class CommitMessageTests
{
    private const string Sha = "0123456789abcdef0123456789abcdef01234567";
    private const string Digest = "sha256:1111111111111111111111111111111111111111111111111111111111111111";

    private static DeployPlanner Planner => new(TimeProvider.System, null);

    private static string Overlay(string tag, string name = "web") => $"images:\n- name: {name}\n  newName: ghcr.io/acme/{name}\n  newTag: \"{tag}\"\n";

    private static MemorySnapshot Snapshot(params (string Path, string Text)[] files) => new("base", files.ToDictionary(f => f.Path, f => f.Text));

    private static string Message(MemorySnapshot snapshot, params (string, string)[] inputs) =>
        Assert.IsType<PlanOutcome.Write>(Planner.Plan(snapshot, TestRequests.Parse(inputs))).Message;

    [Fact]
    public void One_target_one_image()
    {
        var message = Message(Snapshot(("environments/staging/kustomization.yaml", Overlay("1"))), ("images", "web:2"));

        Assert.Equal($"""
            deploy(staging): web 1 -> 2

            Update environments/staging for acme/app@0123456.

            - web: ghcr.io/acme/web:1 -> ghcr.io/acme/web:2

            Source-Repository: acme/app
            Source-Commit: {Sha}
            Environment: staging
            Image: web=ghcr.io/acme/web:2

            """, message);
    }

    [Fact]
    public void Several_targets_list_their_changes_under_each_environment()
    {
        var message = Message(
            Snapshot(("environments/staging/kustomization.yaml", Overlay("1")), ("environments/production/kustomization.yaml", Overlay("0"))),
            ("environment", "staging\nproduction"), ("overlay-path", "environments/{{ environment }}"), ("images", "web:2"));

        Assert.Equal($"""
            deploy(staging, production): web 1 -> 2; web 0 -> 2

            Update environments/staging, environments/production for acme/app@0123456.

            staging:
            - web: ghcr.io/acme/web:1 -> ghcr.io/acme/web:2
            production:
            - web: ghcr.io/acme/web:0 -> ghcr.io/acme/web:2

            Source-Repository: acme/app
            Source-Commit: {Sha}
            Environment: staging
            Environment: production
            Image: web=ghcr.io/acme/web:2

            """, message);
    }

    [Fact]
    public void A_target_that_does_not_change_is_left_out()
    {
        var message = Message(
            Snapshot(("environments/staging/kustomization.yaml", Overlay("2")), ("environments/production/kustomization.yaml", Overlay("1"))),
            ("environment", "staging\nproduction"), ("overlay-path", "environments/{{ environment }}"), ("images", "web:2"));

        Assert.StartsWith("deploy(production): web 1 -> 2\n\nUpdate environments/production for acme/app@0123456.\n\n- web: ghcr.io/acme/web:1 -> ghcr.io/acme/web:2\n\n", message, StringComparison.Ordinal);
        Assert.Contains("\nEnvironment: production\n", message, StringComparison.Ordinal);
        Assert.DoesNotContain("Environment: staging", message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_new_image_and_a_digest_are_named_by_what_they_are()
    {
        var message = Message(Snapshot(("environments/staging/kustomization.yaml", Overlay("1"))), ("images", $"api=ghcr.io/acme/api@{Digest}"));

        Assert.StartsWith($"deploy(staging): api (new) -> sha256:111111111111\n\nUpdate environments/staging for acme/app@0123456.\n\n- api: (new) -> ghcr.io/acme/api@{Digest}\n\n", message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_value_set_is_listed_with_its_file_and_what_it_was()
    {
        var message = Message(Snapshot(("environments/staging/values.yaml", "replicaCount: 1\n")), ("images", ""), ("set", "values.yaml:replicaCount=3\nvalues.yaml:debug=true"));

        // The file is named as set names it: relative to the overlay.
        Assert.Equal($"""
            deploy(staging): replicaCount 1 -> 3, debug (unset) -> true

            Update environments/staging for acme/app@0123456.

            - values.yaml replicaCount: 1 -> 3
            - values.yaml debug: (unset) -> true

            Source-Repository: acme/app
            Source-Commit: {Sha}
            Environment: staging

            """, message);
    }

    [Fact]
    public void A_subject_over_72_characters_counts_the_changes_instead()
    {
        var overlay = Overlay("1") + "- name: worker\n  newName: ghcr.io/acme/worker\n  newTag: \"1\"\n";
        var message = Message(
            Snapshot(("environments/staging/kustomization.yaml", overlay), ("environments/production/kustomization.yaml", overlay)),
            ("environment", "staging\nproduction"), ("overlay-path", "environments/{{ environment }}"), ("images", "web:2.0.0-rc.100001\nworker:2.0.0-rc.100001"));

        // Two images in each of two targets: four changes.
        Assert.StartsWith("deploy(staging, production): update 4 images and values\n\n", message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_subject_of_exactly_72_characters_is_kept()
    {
        // "deploy(staging): " is 17 characters: an image change of 55 makes 72.
        var tag = new string('1', 55 - "web 1 -> ".Length);
        var message = Message(Snapshot(("environments/staging/kustomization.yaml", Overlay("1"))), ("images", $"web:{tag}"));

        Assert.Equal(72, message.IndexOf('\n', StringComparison.Ordinal));
        Assert.StartsWith($"deploy(staging): web 1 -> {tag}\n", message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_template_is_rendered_and_its_trailing_blank_lines_dropped()
    {
        var message = Message(Snapshot(("environments/staging/kustomization.yaml", Overlay("1"))), ("images", "web:2"),
            ("commit-message", "chore({{ environment }}): {{ images }} from {{ source-repository }}@{{ short-sha }} ({{ source-sha }}) in {{ overlay-path }}\n\n{{ changes }}\n\n\n"));

        Assert.StartsWith($"chore(staging): web 1 -> 2 from acme/app@0123456 ({Sha}) in environments/staging\n\n- web: ghcr.io/acme/web:1 -> ghcr.io/acme/web:2\n\nSource-Repository: acme/app\n", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_source_repository_the_body_and_trailers_say_no_source()
    {
        var inputs = new Dictionary<string, string> { ["gitops-repository"] = "./gitops", ["mode"] = "push", ["environment"] = "staging", ["images"] = "web:2", ["source-sha"] = Sha };
        var request = RequestParser.Parse(inputs, ActionContext.None);
        var plan = Assert.IsType<PlanOutcome.Write>(Planner.Plan(Snapshot(("environments/staging/kustomization.yaml", Overlay("1"))), request));

        Assert.Null(request.Source.Repository);
        Assert.Equal($"deploy(staging): web 1 -> 2\n\nUpdate environments/staging.\n\n- web: ghcr.io/acme/web:1 -> ghcr.io/acme/web:2\n\nSource-Commit: {Sha}\nEnvironment: staging\nImage: web=ghcr.io/acme/web:2\n", plan.Message);
    }

    [Theory]
    [InlineData("acme/app", "7", "acme/app#7 (intent inv-1)")]
    [InlineData(null, "7", "local (intent inv-1)")]
    [InlineData("acme/app", null, "local (intent inv-1)")]
    public void The_run_trailer_names_the_run_or_says_local(string? repository, string? runId, string expected) =>
        Assert.Equal(expected, CommitMessage.RunTrailer(new ActionContext("https://github.com", "https://api.github.com", repository, Sha, runId, true) { InvocationId = "inv-1" }));

    [Theory]
    [InlineData("deploy(staging): web 1 -> 2\n\nbody\n\nEnvironment: staging\n", "deploy(staging): web 1 -> 2\n\nbody\n\nDeploy-Run: acme/app#7\nEnvironment: staging\n")]
    [InlineData("subject only\r\n", "subject only\n\nDeploy-Run: acme/app#7\n")]
    [InlineData("\n\nEnvironment: staging", "\n\nDeploy-Run: acme/app#7\nEnvironment: staging\n")]
    public void The_run_trailer_opens_the_last_paragraph_of_trailers(string message, string expected) =>
        Assert.Equal(expected, CommitMessage.WithRun(message, "acme/app#7"));
}
