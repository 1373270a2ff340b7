using System.Text;
using GitOpsDeploy.Editing;
using GitOpsDeploy.Editing.Overlay;

namespace GitOpsDeploy.Core.Tests;

[Trait("Tier", "Unit")]
public sealed class RepoPathTests
{
    private readonly InMemoryTree tree = new(new Dictionary<string, string>
    {
        ["environments/staging/kustomization.yaml"] = "images: []\n",
        ["environments/prod"] = "@link:staging",
        ["environments/escape"] = "@link:../../outside",
        ["environments/absolute"] = "@link:/etc",
        ["environments/loop"] = "@link:loop",
    });

    [Theory]
    [InlineData("environments/staging", "environments/staging")]
    [InlineData("./environments//staging/", "environments/staging")]
    [InlineData("environments/x/../staging", "environments/staging")]
    [InlineData("environments/prod", "environments/staging")]
    [InlineData("environments/prod/kustomization.yaml", "environments/staging/kustomization.yaml")]
    public void Resolves_inside_the_repository(string path, string expected) =>
        Assert.Equal(expected, RepoPath.Resolve(tree, string.Empty, path, "overlay-path"));

    [Theory]
    [InlineData("..", "points outside")]
    [InlineData("environments/../../x", "points outside")]
    [InlineData("/etc", "must be relative")]
    [InlineData("C:/x", "must be relative")]
    [InlineData("environments/escape", "symlink 'environments/escape' -> '../../outside'")]
    [InlineData("environments/absolute/passwd", "symlink 'environments/absolute' -> '/etc'")]
    [InlineData("environments/loop", "too many levels of symbolic links")]
    [InlineData("", "path is empty")]
    public void Refuses_paths_that_escape(string path, string message)
    {
        var error = Assert.Throws<DeployException>(() => RepoPath.Resolve(tree, string.Empty, path, "overlay-path"));
        Assert.StartsWith("input 'overlay-path':", error.Message, StringComparison.Ordinal);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolves_relative_to_a_base_directory() =>
        Assert.Equal("base/deployment.yaml", RepoPath.Resolve(tree, "environments/staging", "../../base/deployment.yaml", "set"));

    /// <summary>Files by path; a value "@link:TARGET" is a symlink.</summary>
    internal sealed class InMemoryTree(IReadOnlyDictionary<string, string> files) : IRepositoryTree
    {
        public TreeEntryKind KindOf(string path)
        {
            if (files.TryGetValue(path, out var content))
            {
                return content.StartsWith("@link:", StringComparison.Ordinal) ? TreeEntryKind.Symlink : TreeEntryKind.File;
            }

            return path.Length == 0 || files.Keys.Any(k => k.StartsWith(path + "/", StringComparison.Ordinal)) ? TreeEntryKind.Directory : TreeEntryKind.Missing;
        }

        public string ReadSymlink(string path) => files[path]["@link:".Length..];

        public byte[] ReadFile(string path) => Encoding.UTF8.GetBytes(files[path]);

        public IReadOnlyList<string> List(string directory)
        {
            var prefix = directory.Length == 0 ? string.Empty : directory + "/";
            return files.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).Select(k => k[prefix.Length..].Split('/')[0]).Distinct().ToList();
        }
    }
}
