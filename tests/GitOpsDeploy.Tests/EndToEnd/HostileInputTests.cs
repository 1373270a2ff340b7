namespace GitOpsDeploy.Tests.EndToEnd;

/// <summary>Hostile or broken inputs: a clear error naming the input, a non-zero exit, and nothing pushed.</summary>
[Trait("Tier", "EndToEnd")]
public sealed class HostileInputTests : GitOpsFixture
{
    public static TheoryData<string, string, string> Cases() => new()
    {
        { "environment", "../../etc", "input 'environment'" },
        { "environment", "staging/evil", "input 'environment'" },
        { "overlay-path", "../outside", "input 'overlay-path': '../outside' points outside the gitops repository" },
        { "overlay-path", "/etc", "input 'overlay-path': '/etc' must be relative" },
        { "overlay-path", "environments/../../..", "points outside the gitops repository" },
        { "images", "web=ghcr.io/acme/web:1.0\nfoo: bar", "input 'images'" },
        { "images", "web=ghcr.io/acme/web:1.0: x", "input 'images'" },
        { "images", "web@sha256:1234", "a sha256 digest has exactly 64 lowercase hex digits" },
        { "images", "web@md5", "input 'images'" },
        { "images", "web", "sets nothing" },
        { "mode", "yolo", "input 'mode': 'yolo' is not one of: push, pull-request, merge, auto-merge" },
        { "gitops-repository", "https://user:secret@git.example.com/acme/gitops.git", "the URL contains credentials" },
        { "dry-run", "maybe", "input 'dry-run'" },
        { "set", "values.yaml=1", "input 'set'" },
        { "set", "../../../etc/passwd:a=1", "points outside the gitops repository" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Refuses_with_a_clear_error_and_pushes_nothing(string input, string value, string expected)
    {
        var head = Repo.Head();
        var result = await Run(Inputs((input, value)));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("::error", result.Stdout, StringComparison.Ordinal);
        Assert.Contains(expected, result.Stdout, StringComparison.Ordinal);
        Assert.Equal(head, Repo.Head());
        Assert.DoesNotContain("secret@", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_symlinked_overlay_pointing_outside_the_clone_is_refused()
    {
        Repo.CommitSymlink("environments/evil", "../../../../etc");
        var head = Repo.Head();
        var result = await Run(Inputs(("environment", "evil")));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("goes through the symlink 'environments/evil' -> '../../../../etc', which points outside the gitops repository", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(head, Repo.Head());
    }

    [Fact]
    public async Task A_symlinked_overlay_inside_the_clone_is_followed()
    {
        Repo.CommitSymlink("environments/stage", "staging");
        var result = await Run(Inputs(("environment", "stage"), ("overlay-path", "environments/stage")));

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("newTag: \"1.1.0\"", Repo.ReadFile("environments/staging/kustomization.yaml"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_required_input_is_named()
    {
        var inputs = Inputs();
        inputs.Remove("environment");
        var result = await Run(inputs);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("::error::input 'environment': is required", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_overlay_with_two_kustomization_files_is_refused()
    {
        Repo.Commit(new Dictionary<string, string> { ["environments/staging/kustomization.yml"] = "resources: []\n" }, "second kustomization");
        var result = await Run(Inputs());

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("several kustomization files", result.Stdout, StringComparison.Ordinal);
    }
}
