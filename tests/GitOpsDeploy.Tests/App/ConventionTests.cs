using GitOpsDeploy.Cli;
using YamlDotNet.RepresentationModel;

namespace GitOpsDeploy.Tests.App;

/// <summary>Guards the architecture and the documented contract.</summary>
public sealed class ConventionTests
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
        var references = typeof(Core.Deploy.DeployRunner).Assembly.GetReferencedAssemblies().Select(a => a.Name).ToList();
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
    public void Action_yml_declares_exactly_the_inputs_the_program_reads_each_with_a_description()
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(Path.Combine(RepoRoot(), "action.yml"))));
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        var inputs = (YamlMappingNode)root["inputs"];
        var declared = inputs.Children.Keys.Select(k => ((YamlScalarNode)k).Value!).Order().ToList();

        Assert.Equal(DeployVerb.InputNames().Order().ToList(), declared);
        Assert.All(inputs.Children.Values, v => Assert.False(string.IsNullOrWhiteSpace(((YamlScalarNode)((YamlMappingNode)v)["description"]).Value)));
        Assert.Equal("docker", ((YamlScalarNode)((YamlMappingNode)root["runs"])["using"]).Value);
    }

    [Theory]
    [InlineData("inputs", "## Inputs")]
    [InlineData("outputs", "## Outputs")]
    public void The_readme_tables_and_action_yml_list_the_same_names(string section, string heading)
    {
        var readme = File.ReadAllText(Path.Combine(RepoRoot(), "README.md"));
        var table = readme[readme.IndexOf(heading, StringComparison.Ordinal)..];
        table = table[..table.IndexOf("\n## ", heading.Length, StringComparison.Ordinal)];
        var documented = table.Split('\n').Where(l => l.StartsWith("| `", StringComparison.Ordinal))
            .Select(l => l[3..l.IndexOf('`', 3)]).Order().ToList();

        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(Path.Combine(RepoRoot(), "action.yml"))));
        var declared = ((YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode)[section]).Children.Keys
            .Select(k => ((YamlScalarNode)k).Value!).Order().ToList();

        Assert.Equal(declared, documented);
    }
}
