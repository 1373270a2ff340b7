using GitOpsDeploy.Core.Requests;
using YamlDotNet.RepresentationModel;

namespace GitOpsDeploy.Core.Tests;

/// <summary>
/// The catalogue is the action's contract: action.yml declares exactly its inputs (name, required, default,
/// description) and outputs. Here, beside the core's other tests, so a mutation run of the catalogue sees it.
/// </summary>
[Trait("Tier", "Unit")]
public sealed class InputCatalogueTests
{
    [Fact]
    public void Action_yml_declares_exactly_the_catalogued_inputs_with_their_defaults_and_descriptions()
    {
        var inputs = (YamlMappingNode)ActionYml()["inputs"];
        var declared = inputs.Children.Select(kv => new InputDefinition(
            ((YamlScalarNode)kv.Key).Value!,
            Scalar(kv.Value, "required") == "true",
            Scalar(kv.Value, "default") ?? string.Empty,
            Scalar(kv.Value, "description") ?? string.Empty)).ToList();

        Assert.Equal(InputCatalogue.Inputs.Select(i => i with { Secret = false }), declared);
        Assert.All(declared, i => Assert.False(string.IsNullOrWhiteSpace(i.Description)));
        Assert.Equal("docker", ((YamlScalarNode)((YamlMappingNode)ActionYml()["runs"])["using"]).Value);
    }

    [Fact]
    public void Action_yml_declares_exactly_the_catalogued_outputs()
    {
        var outputs = (YamlMappingNode)ActionYml()["outputs"];
        var declared = outputs.Children.Select(kv => new OutputDefinition(((YamlScalarNode)kv.Key).Value!, Scalar(kv.Value, "description") ?? string.Empty)).ToList();

        Assert.Equal(InputCatalogue.Outputs, declared);
    }

    [Fact]
    public void Exactly_the_token_inputs_are_secret() =>
        Assert.Equal(["argocd-token", "gitops-token", "prometheus-token", "registry-password", "token"], InputCatalogue.Inputs.Where(i => i.Secret).Select(i => i.Name).Order(StringComparer.Ordinal));

    private static YamlMappingNode ActionYml()
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(Path.Combine(RepoRoot(), "action.yml"))));
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    private static string? Scalar(YamlNode node, string key) =>
        ((YamlMappingNode)node).Children.TryGetValue(new YamlScalarNode(key), out var value) ? ((YamlScalarNode)value).Value : null;

    private static string RepoRoot()
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
}
