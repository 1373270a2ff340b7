namespace GitOpsDeploy.Tests.EndToEnd;

/// <summary>The whole program in push mode, run as the Actions runner runs it, against real git over smart HTTP.</summary>
[Trait("Tier", "EndToEnd")]
public sealed class PushModeTests : GitOpsFixture
{
    [Fact]
    public async Task Pushes_the_image_and_reports_outputs_summary_and_trailers()
    {
        var before = Repo.Head();
        var result = await Run(Inputs(("images", "web=ghcr.io/acme/web:1.1.0")));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("true", result.Output("changed"));
        Assert.Equal("pushed", result.Output("operation"));
        Assert.Equal(Repo.Head(), result.Output("commit-sha"));
        Assert.Equal("web=ghcr.io/acme/web:1.0.0", result.Output("previous-images"));
        Assert.Equal("web=ghcr.io/acme/web:1.1.0", result.Output("images"));
        Assert.NotEqual(before, Repo.Head());

        var file = Repo.ReadFile("environments/staging/kustomization.yaml");
        Assert.Equal(StagingKustomization.Replace("newTag: \"1.0.0\"", "newTag: \"1.1.0\"", StringComparison.Ordinal).TrimEnd('\n'), file);

        var message = Repo.Message(Repo.Head());
        Assert.StartsWith("deploy(staging): web 1.0.0 -> 1.1.0", message, StringComparison.Ordinal);
        Assert.Contains("\nSource-Repository: acme/app\nSource-Commit: 0123456789abcdef0123456789abcdef01234567\nEnvironment: staging\nImage: web=ghcr.io/acme/web:1.1.0", message, StringComparison.Ordinal);
        Assert.Contains("github-actions[bot] <github-actions[bot]@users.noreply.127.0.0.1>", Repo.Git("log", "-1", "--format=%an <%ae>"), StringComparison.Ordinal);

        Assert.Contains("| `web` | `ghcr.io/acme/web:1.0.0` | `ghcr.io/acme/web:1.1.0` |", result.Summary, StringComparison.Ordinal);
        Assert.Contains($"/acme/gitops/commit/{Repo.Head()})", result.Summary, StringComparison.Ordinal);
        Assert.StartsWith("::add-mask::", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("::group::Read acme/gitops", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("::endgroup::", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Running_the_same_step_twice_changes_nothing_the_second_time_and_says_so()
    {
        var first = await Run(Inputs());
        var head = Repo.Head();
        var second = await Run(Inputs());

        Assert.Equal(0, first.ExitCode);
        Assert.Equal(0, second.ExitCode);
        Assert.Equal("false", second.Output("changed"));
        Assert.Equal("none", second.Output("operation"));
        Assert.Equal(string.Empty, second.Output("commit-sha"));
        Assert.Equal(head, Repo.Head());
        Assert.Contains("already has the requested images", second.Stdout, StringComparison.Ordinal);
        Assert.Contains("No change", second.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dry_run_prints_the_diff_and_pushes_nothing()
    {
        var head = Repo.Head();
        var result = await Run(Inputs(("dry-run", "true"), ("set", "values.yaml:image.tag=1.1.0")));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("dry-run", result.Output("operation"));
        Assert.Equal("true", result.Output("changed"));
        Assert.Equal(head, Repo.Head());
        Assert.Contains("-    newTag: \"1.0.0\" # current release", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("+    newTag: \"1.1.0\" # current release", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("+  tag: \"1.1.0\"", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_concurrent_writer_makes_the_run_reclone_and_both_changes_land()
    {
        var raced = 0;
        GitHub.BeforeReceivePack = _ =>
        {
            // Another pipeline lands a commit between our clone and our push, once.
            if (Interlocked.Exchange(ref raced, 1) == 0)
            {
                Repo.Commit(new Dictionary<string, string> { ["environments/staging/values.yaml"] = "replicas: 5\nimage:\n  tag: \"1.0.0\"\n" }, "other pipeline");
            }

            return Task.CompletedTask;
        };

        var result = await Run(Inputs());

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("pushed", result.Output("operation"));
        Assert.Contains("another pipeline wrote main first", result.Stdout, StringComparison.Ordinal);
        Assert.StartsWith("replicas: 5", Repo.ReadFile("environments/staging/values.yaml"), StringComparison.Ordinal);
        Assert.Contains("newTag: \"1.1.0\"", Repo.ReadFile("environments/staging/kustomization.yaml"), StringComparison.Ordinal);
        Assert.Equal(3, Repo.CommitCount());
    }

    [Fact]
    public async Task Concurrent_runs_for_different_images_all_land()
    {
        var runs = new[] { "web=ghcr.io/acme/web:3.0.0", "worker=ghcr.io/acme/worker:3.0.0", "api=ghcr.io/acme/api:3.0.0" }
            .Select(image => Run(Inputs(("images", image))));
        var results = await Task.WhenAll(runs);

        Assert.All(results, r => Assert.Equal(0, r.ExitCode));
        var file = Repo.ReadFile("environments/staging/kustomization.yaml");
        Assert.Contains("newName: ghcr.io/acme/web\n    newTag: \"3.0.0\"", file, StringComparison.Ordinal);
        Assert.Contains("newName: ghcr.io/acme/worker\n    newTag: 3.0.0", file, StringComparison.Ordinal);
        Assert.Contains("- name: api\n    newName: ghcr.io/acme/api\n    newTag: 3.0.0", file, StringComparison.Ordinal);
        Assert.Equal(4, Repo.CommitCount());
    }

    [Fact]
    public async Task A_push_declined_by_the_server_fails_clearly_and_changes_nothing()
    {
        Repo.InstallHook("pre-receive", "echo 'change freeze: no deploys on Friday' >&2\nexit 1");
        var head = Repo.Head();
        var result = await Run(Inputs());

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("::error::acme/gitops rejected the push to 'main'", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(head, Repo.Head());
        Assert.DoesNotContain("commit-sha", result.OutputFile, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_token_gives_one_clear_authentication_error()
    {
        var result = await Run(Inputs(("gitops-token", "ghs_not_a_real_token_123")));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("::error::authentication failed for acme/gitops: check gitops-token", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("ghs_not_a_real_token_123", result.AllBytes.Replace("::add-mask::ghs_not_a_real_token_123", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_read_only_token_names_the_permission_and_pushes_nothing()
    {
        var head = Repo.Head();
        var result = await Run(Inputs(("gitops-token", ReadToken)));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("contents: write", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(head, Repo.Head());
    }

    [Fact]
    public async Task A_yaml_error_is_annotated_with_file_and_line()
    {
        Repo.Commit(new Dictionary<string, string> { ["environments/staging/kustomization.yaml"] = "images:\n- name: web\n   newTag: v1\n  bad: [\n" }, "break it");
        var head = Repo.Head();
        var result = await Run(Inputs());

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("::error file=environments/staging/kustomization.yaml,line=3,col=", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("malformed YAML", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(head, Repo.Head());
    }

    [Fact]
    public async Task The_token_appears_in_no_byte_the_action_wrote_except_the_mask_command()
    {
        var ok = await Run(Inputs(("dry-run", "false")));
        var failed = await Run(Inputs(("images", "web=ghcr.io/acme/web:9.9.9"), ("overlay-path", "environments/missing")));

        Assert.Equal(0, ok.ExitCode);
        Assert.Equal(1, failed.ExitCode);
        Assert.NotEmpty(ok.CloneConfigs);
        foreach (var result in new[] { ok, failed })
        {
            var everything = result.AllBytes.Replace($"::add-mask::{WriteToken}", string.Empty, StringComparison.Ordinal);
            Assert.DoesNotContain(WriteToken, everything, StringComparison.Ordinal);
            Assert.DoesNotContain(WriteToken[4..20], everything, StringComparison.Ordinal);
        }
    }
}
