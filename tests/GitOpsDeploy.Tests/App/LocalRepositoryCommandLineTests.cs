using GitOpsDeploy.Tests.Fakes;

namespace GitOpsDeploy.Tests.App;

/// <summary>
/// A local --gitops-repository is checked by the front door before the run: a missing path, a plain folder,
/// a working repository or a bare one whose HEAD names an empty branch each fail at once, saying what to do.
/// </summary>
[Trait("Tier", "App")]
public sealed class LocalRepositoryCommandLineTests : IDisposable
{
    private const string Overlay = "images:\n- name: web\n  newTag: \"1\"\n";

    private readonly string dir = Directory.CreateTempSubdirectory("cli-local-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static async Task<(int Exit, string Out, string Err)> Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        // Their images (web:2, ghcr.io/acme/...) are in no registry this machine reaches: deploys run with pin none
        // unless a test names it (DigestPinningTests pin against a real registry).
        args = args.Contains("--images") && !args.Contains("--pin") ? [.. args, "--pin", "none"] : args;
        var exit = await CliHost.RunAsync(args, new Dictionary<string, string>(), stdout, stderr, default);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private static Task<(int Exit, string Out, string Err)> Deploy(string repository, params string[] more) =>
        Run(["--gitops-repository", repository, "--environment", "dev", "--mode", "push", "--images", "web:2", .. more]);

    private static void Git(string cwd, params string[] args) =>
        GitCli.Run(cwd, ["-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "init.defaultBranch=main", .. args]);

    /// <summary>A working repository (not bare) with the overlay committed on main.</summary>
    private string WorkingRepository()
    {
        var work = Path.Combine(dir, "work");
        Directory.CreateDirectory(Path.Combine(work, "environments", "dev"));
        File.WriteAllText(Path.Combine(work, "environments", "dev", "kustomization.yaml"), Overlay);
        Git(work, "init", "-q", "-b", "main");
        Git(work, "add", ".");
        Git(work, "commit", "-q", "-m", "gitops layout");
        return work;
    }

    [Fact]
    public async Task A_missing_path_fails_at_once_instead_of_being_retried_as_an_unsupported_url()
    {
        var missing = Path.Combine(dir, "nope.git");
        var started = DateTime.UtcNow;

        var (exit, output, error) = await Deploy(missing);

        Assert.Equal(1, exit);
        Assert.Contains($"error: input 'gitops-repository': no repository at {missing}", error, StringComparison.Ordinal);
        Assert.DoesNotContain("unsupported URL protocol", output + error, StringComparison.Ordinal);
        Assert.DoesNotContain("trying again", output + error, StringComparison.Ordinal);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_working_repository_is_refused_with_how_to_deploy_to_a_bare_copy_and_pull()
    {
        var work = WorkingRepository();
        var before = GitCli.Run(work, "rev-parse", "HEAD");

        foreach (var path in new[] { work, Path.Combine(work, ".git") })
        {
            var (exit, _, error) = await Deploy(path);

            Assert.Equal(1, exit);
            Assert.Contains($"{work} is a working repository", error, StringComparison.Ordinal);
            Assert.Contains($"git clone --bare {work} {work}.git", error, StringComparison.Ordinal);
            Assert.Contains($"gitops-deploy --gitops-repository {work}.git", error, StringComparison.Ordinal);
            Assert.Contains($"git -C {work} pull {work}.git", error, StringComparison.Ordinal);
            Assert.DoesNotContain("non-bare", error, StringComparison.Ordinal);
        }

        Assert.Equal(before, GitCli.Run(work, "rev-parse", "HEAD"));
    }

    [Fact]
    public async Task The_advice_for_a_working_repository_works_as_written()
    {
        var work = WorkingRepository();
        var bare = work + ".git";

        Git(dir, "clone", "-q", "--bare", work, bare);
        var (exit, _, error) = await Deploy(bare);
        Assert.True(exit == 0, error);
        Git(dir, "-C", work, "pull", "-q", bare);

        Assert.Contains("newTag: \"2\"", File.ReadAllText(Path.Combine(work, "environments", "dev", "kustomization.yaml")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dry_run_may_read_a_working_repository()
    {
        var work = WorkingRepository();

        var (exit, output, error) = await Deploy(work, "--dry-run");

        Assert.True(exit == 0, error);
        Assert.Matches(@"operation\s+dry-run", output);
    }

    [Fact]
    public async Task A_folder_that_is_no_repository_says_how_to_make_one()
    {
        // What 'gitops-deploy init' leaves: files, no repository yet.
        var (initExit, _, initError) = await Run("init", Path.Combine(dir, "scaffold"), "--app", "web", "--image", "ghcr.io/acme/web");
        Assert.True(initExit == 0, initError);

        var (exit, _, error) = await Deploy(Path.Combine(dir, "scaffold"));

        Assert.Equal(1, exit);
        Assert.Contains($"{Path.Combine(dir, "scaffold")} is a folder but not a git repository", error, StringComparison.Ordinal);
        Assert.Contains("init -b main", error, StringComparison.Ordinal);
        Assert.Contains("git clone --bare", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bare_repository_whose_HEAD_names_an_empty_branch_names_the_branches_it_has()
    {
        // git init --bare without -b names master, and the person pushed main.
        var work = WorkingRepository();
        var bare = Path.Combine(dir, "gitops.git");
        GitCli.Run(dir, "init", "-q", "--bare", bare);
        GitCli.Run(bare, "symbolic-ref", "HEAD", "refs/heads/master");
        Git(work, "push", "-q", bare, "main");

        var (exit, _, error) = await Deploy(bare);

        Assert.Equal(1, exit);
        Assert.Contains("has no commits on master, the branch its HEAD names; its branches are main. Give --base-branch main", error, StringComparison.Ordinal);

        var (withBranch, _, withBranchError) = await Deploy(bare, "--base-branch", "main");
        Assert.True(withBranch == 0, withBranchError);
        Assert.Contains("newTag: \"2\"", GitCli.Run(bare, "show", "main:environments/dev/kustomization.yaml"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_empty_bare_repository_says_to_push_first()
    {
        var bare = Path.Combine(dir, "empty.git");
        GitCli.Run(dir, "init", "-q", "--bare", bare);

        var (exit, _, error) = await Deploy(bare);

        Assert.Equal(1, exit);
        Assert.Contains($"{bare} has no commits yet: push the gitops files to it first", error, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task The_readme_walkthrough_scaffolds_deploys_pulls_and_renders()
    {
        // docs/reference.md "Running as a person expects": init, a bare repository, deploy, pull, kubectl kustomize.
        var work = Path.Combine(dir, "work");
        var (initExit, _, initError) = await Run("init", work, "--app", "web", "--image", "ghcr.io/acme/web");
        Assert.True(initExit == 0, initError);
        Git(dir, "init", "-q", "--bare", "-b", "main", "gitops.git");
        Git(work, "init", "-q", "-b", "main");
        Git(work, "add", ".");
        Git(work, "commit", "-q", "-m", "Scaffold the gitops repository");
        Git(work, "remote", "add", "origin", "../gitops.git");
        Git(work, "push", "-q", "-u", "origin", "main");

        var (exit, output, error) = await Run("--gitops-repository", Path.Combine(dir, "gitops.git"), "--environment", "staging", "--mode", "push", "--images", "web=ghcr.io/acme/web:0.2.0");
        Assert.True(exit == 0, error + output);
        Git(work, "pull", "-q");

        Assert.Contains("newTag: \"0.2.0\"", File.ReadAllText(Path.Combine(work, "environments", "staging", "kustomization.yaml")), StringComparison.Ordinal);
        Skip.If(ExternalTool.Kubectl.Path is null, "kubectl is not installed: the render step is skipped");
        Assert.Contains("image: ghcr.io/acme/web:0.2.0", ExternalTool.Kubectl.Run(work, "kustomize", "environments/staging"), StringComparison.Ordinal);
    }
}
