using GitOpsDeploy.Git;
using GitOpsDeploy.Tests.Fakes;

namespace GitOpsDeploy.Tests.App;

/// <summary>The terminal front door: same options, flags instead of INPUT_* variables.</summary>
[Trait("Tier", "App")]
public sealed class CommandLineTests
{
    private static async Task<(int Exit, string Out, string Err)> Run(IReadOnlyDictionary<string, string>? env, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await CliHost.RunAsync(args, env ?? new Dictionary<string, string>(), stdout, stderr, default);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task Help_exits_zero_and_lists_the_inputs()
    {
        var (exit, output, _) = await Run(null, "deploy", "--help");
        Assert.Equal(0, exit);
        Assert.Contains("--gitops-repository", output, StringComparison.Ordinal);
        Assert.Contains("--dry-run", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("deploy", "--environment", "production", "--gitops-token", "ghs_fromARGS123")]
    public async Task Arguments_under_the_runner_with_inputs_are_refused_instead_of_replacing_them(params string[] args)
    {
        var env = new Dictionary<string, string> { ["GITHUB_ACTIONS"] = "true", ["INPUT_ENVIRONMENT"] = "staging", ["INPUT_GITOPS-REPOSITORY"] = "acme/gitops" };
        var (exit, output, error) = await Run(env, args);

        Assert.Equal(2, exit);
        Assert.StartsWith("::error::gitops-deploy was started with", output, StringComparison.Ordinal);
        Assert.Contains("Remove 'args:'", output, StringComparison.Ordinal);
        Assert.DoesNotContain("ghs_fromARGS123", output + error, StringComparison.Ordinal);
        Assert.DoesNotContain("--gitops-repository", output + error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_flag_exits_two_with_usage_on_stderr()
    {
        var (exit, _, error) = await Run(null, "--no-such-flag");
        Assert.Equal(2, exit);
        Assert.Contains("no-such-flag", error, StringComparison.Ordinal);
        Assert.Contains("--environment", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deploys_to_a_local_repository_and_prints_outputs_as_a_table()
    {
        var dir = Directory.CreateTempSubdirectory("cli-").FullName;
        try
        {
            var bare = Path.Combine(dir, "gitops.git");
            LocalRepository.CreateBare(bare, new Dictionary<string, byte[]> { ["environments/dev/kustomization.yaml"] = "images:\n- name: web\n  newTag: \"1\"\n"u8.ToArray() }, "init");
            var (exit, output, error) = await Run(null, "--gitops-repository", bare, "--environment", "dev", "--mode", "push", "--images", "web:2", "api:3");

            Assert.True(exit == 0, error);
            Assert.Matches(@"changed\s+true", output);
            Assert.Matches(@"operation\s+pushed", output);
            Assert.Matches(@"\n  images\s+web=web:2\n\s+api=api:3", output);
            Assert.Equal("images:\n- name: web\n  newTag: \"2\"\n- name: api\n  newTag: \"3\"", GitCli.Run(bare, "show", "main:environments/dev/kustomization.yaml"));
            Assert.Matches($@"commit-sha\s+{LocalRepository.Tip(bare)}", output);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Reads_the_token_from_GITOPS_TOKEN_and_never_prints_it()
    {
        await using var github = await FakeGitHub.StartAsync();
        github.AddToken("ghs_fromtheenvironment", Permission.Write);
        var repo = github.CreateRepo("acme/gitops", new Dictionary<string, string> { ["environments/dev/kustomization.yaml"] = "images:\n- name: web\n  newTag: \"1\"\n" });

        var (exit, output, error) = await Run(new Dictionary<string, string> { ["GITOPS_TOKEN"] = "ghs_fromtheenvironment" },
            "--gitops-repository", $"{github.ServerUrl}/acme/gitops.git", "--environment", "dev", "--mode", "push", "--images", "web:2");

        // The server demands the token: the push only lands if it came from GITOPS_TOKEN.
        Assert.True(exit == 0, error + output);
        Assert.Contains("newTag: \"2\"", repo.ReadFile("environments/dev/kustomization.yaml"), StringComparison.Ordinal);
        Assert.DoesNotContain("ghs_fromtheenvironment", output + error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_example_command_deploys_and_shows_the_commit()
    {
        var (exit, output, error) = await Run(null, "example");
        Assert.True(exit == 0, error + output);
        Assert.Contains("deploy(staging): web 1.4.1 -> 1.4.2", output, StringComparison.Ordinal);
        Assert.Contains("+    newTag: \"1.4.2\"", output, StringComparison.Ordinal);
        Assert.Contains("Image: web=ghcr.io/acme/web:1.4.2", output, StringComparison.Ordinal);
    }
}
