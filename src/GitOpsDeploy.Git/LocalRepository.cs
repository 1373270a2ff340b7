using System.Text;
using LibGit2Sharp;

namespace GitOpsDeploy.Git;

/// <summary>Creates and reads small local repositories (the embedded example's stand-in remote).</summary>
public static class LocalRepository
{
    /// <summary>Initialises a bare repository whose <paramref name="branch"/> holds <paramref name="files"/> in one commit.</summary>
    public static string CreateBare(string path, IReadOnlyDictionary<string, byte[]> files, string message, string branch = "main")
    {
        Repository.Init(path, isBare: true);
        using var repo = new Repository(path);
        var definition = new TreeDefinition();
        foreach (var (name, content) in files)
        {
            using var stream = new MemoryStream(content, writable: false);
            definition.Add(name, repo.ObjectDatabase.CreateBlob(stream), Mode.NonExecutableFile);
        }

        var tree = repo.ObjectDatabase.CreateTree(definition);
        var author = new Signature("GitOpsDeploy example", "example@localhost", DateTimeOffset.UtcNow);
        var commit = repo.ObjectDatabase.CreateCommit(author, author, message, tree, [], prettifyMessage: false);
        repo.Refs.Add($"refs/heads/{branch}", commit.Id);
        repo.Refs.UpdateTarget("HEAD", $"refs/heads/{branch}");
        return commit.Sha;
    }

    /// <summary>Like <c>git show</c>: header, message and patch of one commit.</summary>
    public static string Show(string path, string sha)
    {
        using var repo = new Repository(path);
        var commit = repo.Lookup<Commit>(sha);
        var parentTree = commit.Parents.FirstOrDefault()?.Tree;
        var patch = repo.Diff.Compare<Patch>(parentTree, commit.Tree);
        var sb = new StringBuilder();
        sb.Append("commit ").Append(commit.Sha).Append('\n');
        sb.Append("Author: ").Append(commit.Author.Name).Append(" <").Append(commit.Author.Email).Append(">\n\n");
        foreach (var line in commit.Message.TrimEnd('\n').Split('\n'))
        {
            sb.Append("    ").Append(line).Append('\n');
        }

        return sb.Append('\n').Append(patch.Content).ToString();
    }

    /// <summary>The commit a branch points at.</summary>
    public static string Tip(string path, string branch = "main")
    {
        using var repo = new Repository(path);
        return repo.Branches[branch].Tip.Sha;
    }
}
