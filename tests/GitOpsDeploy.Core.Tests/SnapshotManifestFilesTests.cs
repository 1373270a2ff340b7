using GitOpsDeploy.Core.Steps.Report;

namespace GitOpsDeploy.Core.Tests;

/// <summary>The renderers' view of a snapshot: symlinks inside the repository resolve, one that leaves it or a missing path is no file.</summary>
[Trait("Tier", "Unit")]
public sealed class SnapshotManifestFilesTests
{
    private static SnapshotManifestFiles Files => new(new RepoPathTests.InMemoryTree(new Dictionary<string, string>
    {
        ["base/deployment.yaml"] = "kind: Deployment",
        ["base/kustomization.yaml"] = "resources: [deployment.yaml]",
        ["environments/staging/kustomization.yaml"] = "resources: [../../base]",
        ["environments/staging/shared.yaml"] = "@link:../../base/deployment.yaml",
        ["environments/staging/escape.yaml"] = "@link:../../../etc/passwd",
        ["environments/linked"] = "@link:staging",
        ["root.yaml"] = "x",
    }));

    [Fact]
    public void Files_and_directories_are_told_apart_and_links_resolve_inside_the_repository()
    {
        var files = Files;

        Assert.True(files.IsFile("base/deployment.yaml"));
        Assert.False(files.IsFile("base"));
        Assert.True(files.IsDirectory("base"));
        Assert.False(files.IsDirectory("base/deployment.yaml"));
        Assert.True(files.IsDirectory(string.Empty));
        Assert.True(files.IsFile("environments/staging/shared.yaml"));
        Assert.Equal("kind: Deployment", System.Text.Encoding.UTF8.GetString(files.Read("environments/staging/shared.yaml")));
        Assert.True(files.IsDirectory("environments/linked"));
        Assert.True(files.IsFile("environments/linked/kustomization.yaml"));
    }

    [Fact]
    public void A_link_out_of_the_repository_or_a_missing_path_is_no_file()
    {
        var files = Files;

        Assert.False(files.IsFile("environments/staging/escape.yaml"));
        Assert.False(files.IsFile("nothing.yaml"));
        Assert.False(files.IsDirectory("nothing"));
        var error = Assert.Throws<FileNotFoundException>(() => files.Read("environments/staging/escape.yaml"));
        Assert.Equal("'environments/staging/escape.yaml' is not a file of the gitops repository", error.Message);
        Assert.Throws<FileNotFoundException>(() => files.Read("base"));
    }

    [Fact]
    public void Listings_are_sorted_and_empty_for_what_is_not_a_directory()
    {
        var files = Files;

        Assert.Equal(["base", "environments", "root.yaml"], files.List(string.Empty));
        Assert.Equal(["deployment.yaml", "kustomization.yaml"], files.List("base"));
        Assert.Equal(["escape.yaml", "kustomization.yaml", "shared.yaml"], files.List("environments/linked"));
        Assert.Empty(files.List("root.yaml"));
        Assert.Empty(files.List("nothing"));
    }
}
