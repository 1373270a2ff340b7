using System.Text;
using GitOpsDeploy.Core.Planning;
using GitOpsDeploy.Editing;

namespace GitOpsDeploy.Core.Tests;

/// <summary>The tree after a planned change: writes and removals on top of the branch, as reads and listings see them.</summary>
[Trait("Tier", "Unit")]
public sealed class EditedTreeTests
{
    private static readonly RepoPathTests.InMemoryTree Branch = new(new Dictionary<string, string>
    {
        ["README.md"] = "readme",
        ["environments/staging/kustomization.yaml"] = "images: []\n",
        ["environments/staging/deployment.yaml"] = "kind: Deployment\n",
        ["environments/staging/patches/replicas.yaml"] = "replicas: 2\n",
        ["environments/staging-eu/kustomization.yaml"] = "images: []\n",
    });

    private static FileChange Write(string path, string text) => new(path, Encoding.UTF8.GetBytes(text));

    private static EditedTree Edited(params FileChange[] changes) => new(Branch, changes);

    [Fact]
    public void The_root_lists_added_files_and_not_removed_ones()
    {
        var tree = Edited(Write("NOTES.md", "n"), new FileChange("README.md", null));

        Assert.Equal(["NOTES.md", "environments"], tree.List(""));
    }

    [Fact]
    public void A_folder_lists_only_its_own_children_not_a_sibling_sharing_the_prefix_nor_deeper_files()
    {
        var tree = Edited(
            Write("environments/staging/values.yaml", "v"),
            new FileChange("environments/staging/deployment.yaml", null),
            Write("environments/staging-eu/extra.yaml", "x"),
            Write("environments/staging/patches/more.yaml", "m"));

        Assert.Equal(["kustomization.yaml", "patches", "values.yaml"], tree.List("environments/staging"));
    }

    [Fact]
    public void A_folder_made_by_the_change_lists_its_files()
    {
        var tree = Edited(Write("environments/production/kustomization.yaml", "k"));

        Assert.Equal(["kustomization.yaml"], tree.List("environments/production"));
    }

    [Fact]
    public void Reads_see_the_last_write_and_a_removal_is_missing()
    {
        var tree = Edited(Write("README.md", "first"), Write("README.md", "second"), new FileChange("environments/staging/deployment.yaml", null));

        Assert.Equal("second", Encoding.UTF8.GetString(tree.ReadFile("README.md")));
        Assert.Equal(TreeEntryKind.File, tree.KindOf("README.md"));
        Assert.Equal(TreeEntryKind.Missing, tree.KindOf("environments/staging/deployment.yaml"));
        Assert.Equal("environments/staging/deployment.yaml is removed by the change", Assert.Throws<FileNotFoundException>(() => tree.ReadFile("environments/staging/deployment.yaml")).Message);
        Assert.Equal("kind: Deployment\n", Encoding.UTF8.GetString(Edited().ReadFile("environments/staging/deployment.yaml")));
        Assert.Equal(["README.md", "environments/staging/deployment.yaml"], tree.Changes.Select(c => c.Path));
    }
}
