using GitOpsDeploy.Tests.App;

namespace GitOpsDeploy.Tests.EndToEnd;

/// <summary>The render checks find helm where CI puts it: HELM_PATH (a file or a folder) before PATH.</summary>
[Trait("Tier", "App")]
public sealed class HelmValuesTestsFindHelm : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("tools-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string Tool(string folder)
    {
        var path = Path.Combine(dir, folder, "helm");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "#!/bin/sh\n");
        return path;
    }

    [Fact]
    public void Helm_is_found_at_HELM_PATH_as_a_file_or_a_folder_before_PATH()
    {
        var configured = Tool("helm4/bin");
        var onPath = Tool("usr/bin");

        Assert.Equal(configured, ExternalTool.Find("helm", configured, Path.GetDirectoryName(onPath)));
        Assert.Equal(configured, ExternalTool.Find("helm", Path.GetDirectoryName(configured), Path.GetDirectoryName(onPath)));
        Assert.Equal(onPath, ExternalTool.Find("helm", null, "/nonexistent:" + Path.GetDirectoryName(onPath)));
        Assert.Equal(onPath, ExternalTool.Find("helm", "", Path.GetDirectoryName(onPath)));
        Assert.Null(ExternalTool.Find("helm", null, "/nonexistent"));
    }

    [Fact]
    public void A_HELM_PATH_that_holds_no_helm_fails_instead_of_skipping()
    {
        var error = Assert.Throws<FileNotFoundException>(() => ExternalTool.Find("helm", Path.Combine(dir, "missing", "helm"), null));

        Assert.Contains("helm was configured at", error.Message, StringComparison.Ordinal);
    }
}
