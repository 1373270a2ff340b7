using System.Text.RegularExpressions;
using GitOpsDeploy.Cli;
using GitOpsDeploy.Core.Requests;

namespace GitOpsDeploy.Tests.App;

/// <summary>Guards the architecture and the documented contract.</summary>
[Trait("Tier", "App")]
public sealed partial class ConventionTests
{
    internal static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Action.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("Action.sln not found above the test binaries");
    }

    [Fact]
    public void The_core_references_neither_octokit_nor_libgit2sharp()
    {
        var references = typeof(Core.Runs.DeployRunner).Assembly.GetReferencedAssemblies().Select(a => a.Name).ToList();
        Assert.DoesNotContain("Octokit", references);
        Assert.DoesNotContain("LibGit2Sharp", references);
    }

    [Fact]
    public void Only_the_git_adapter_references_libgit2sharp_and_only_the_github_adapter_octokit()
    {
        var app = typeof(CliHost).Assembly.GetReferencedAssemblies().Select(a => a.Name).ToList();
        Assert.DoesNotContain("LibGit2Sharp", app);
        Assert.DoesNotContain("Octokit", app);
    }

    [Fact]
    public void The_command_line_has_a_flag_for_every_catalogued_input_and_no_other() =>
        Assert.Equal(InputCatalogue.InputNames.Order(StringComparer.Ordinal), DeployVerb.InputNames().Order(StringComparer.Ordinal));

    [Fact]
    public void The_runner_reader_reads_every_catalogued_input_from_its_variable()
    {
        var environment = InputCatalogue.InputNames.ToDictionary(Runtime.ActionInputs.VariableName, n => "value of " + n);

        var inputs = Runtime.ActionInputs.Read(environment, InputCatalogue.InputNames);

        Assert.Equal(InputCatalogue.InputNames.Order(StringComparer.Ordinal), inputs.Keys.Order(StringComparer.Ordinal));
        Assert.All(inputs, kv => Assert.Equal("value of " + kv.Key, kv.Value));
    }

    [Theory]
    [InlineData("inputs", "## Inputs")]
    [InlineData("outputs", "## Outputs")]
    public void The_reference_tables_list_exactly_the_catalogued_names(string section, string heading)
    {
        var readme = File.ReadAllText(Path.Combine(RepoRoot(), "docs", "reference.md"));
        var table = readme[readme.IndexOf(heading, StringComparison.Ordinal)..];
        table = table[..table.IndexOf("\n## ", heading.Length, StringComparison.Ordinal)];
        var documented = table.Split('\n').Where(l => l.StartsWith("| `", StringComparison.Ordinal))
            .Select(l => l[3..l.IndexOf('`', 3)]).Order(StringComparer.Ordinal).ToList();

        var catalogued = section == "inputs" ? InputCatalogue.InputNames : InputCatalogue.Outputs.Select(o => o.Name);
        Assert.Equal(catalogued.Order(StringComparer.Ordinal), documented);
    }

    [Fact]
    public void The_dockerfile_restores_every_product_project_before_copying_the_sources()
    {
        // Its restore layer copies project files one by one: a project missing there fails the image's publish.
        var dockerfile = File.ReadAllText(Path.Combine(RepoRoot(), "Dockerfile"));
        var projects = Directory.GetFiles(Path.Combine(RepoRoot(), "src"), "*.csproj", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(RepoRoot(), p).Replace('\\', '/'))
            .ToList();

        Assert.NotEmpty(projects);
        Assert.All(projects, p => Assert.Contains($"COPY {p} {p[..(p.LastIndexOf('/') + 1)]}\n", dockerfile, StringComparison.Ordinal));
    }

    [Fact]
    public void No_product_code_names_github_com_the_runs_GitHub_comes_from_its_variables()
    {
        // Which GitHub a run talks to is told by GITHUB_SERVER_URL/GITHUB_API_URL (Core/Requests/GitHubHost); a host
        // written into the code would be wrong on an Enterprise Server or a GHE.com tenant. Comments may name it.
        var root = RepoRoot();
        var found = new List<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(root, "src"), "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(root, file).Replace('\\', '/');
            if (relative.Contains("/bin/", StringComparison.Ordinal) || relative.Contains("/obj/", StringComparison.Ordinal))
            {
                continue;
            }

            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                var code = lines[i].TrimStart();
                if (code.StartsWith("//", StringComparison.Ordinal))
                {
                    continue;
                }

                found.AddRange(StringLiteral().Matches(code)
                    .Select(m => m.Value)
                    .Where(literal => GitHubCom().IsMatch(literal))
                    .Select(literal => $"{relative}:{i + 1}: {literal}"));
            }
        }

        Assert.True(found.Count == 0, "github.com written into product code:\n" + string.Join("\n", found));
    }

    [Fact]
    public void The_github_com_check_sees_literals_and_skips_comments()
    {
        Assert.Matches(GitHubCom(), StringLiteral().Match("var x = $\"https://{a}.GitHub.com/\" + y;").Value);
        Assert.Matches(GitHubCom(), StringLiteral().Match("var x = \"users.noreply.github.com\";").Value);
        Assert.DoesNotMatch(GitHubCom(), StringLiteral().Match("var x = \"token.actions.githubusercontent.com\";").Value);
        Assert.DoesNotMatch(GitHubCom(), StringLiteral().Match("var x = \"notgithub.community\";").Value);
    }

    [GeneratedRegex(@"""(?:[^""\\]|\\.)*""")]
    private static partial Regex StringLiteral();

    [GeneratedRegex(@"(?<![a-z0-9-])github\.com(?![a-z0-9-])", RegexOptions.IgnoreCase)]
    private static partial Regex GitHubCom();
}
