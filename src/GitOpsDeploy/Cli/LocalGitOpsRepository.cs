using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Editing;

namespace GitOpsDeploy.Cli;

/// <summary>What the front door found at a local gitops-repository, before anything runs.</summary>
public sealed record LocalCheck(string? Error, string? Warning)
{
    public static readonly LocalCheck Fine = new(null, null);
}

/// <summary>
/// A local --gitops-repository is pushed to like a server, so it must be a bare repository. The git
/// adapter would find out late and in libgit2's words (a missing folder is even retried as an
/// "unsupported URL protocol"); this says at once what is there and what to do instead.
/// </summary>
public static class LocalGitOpsRepository
{
    /// <summary>
    /// Checks a local gitops-repository. A relative path that looks like owner/name (<c>work/gitops.git</c>) and
    /// exists is made <c>./work/gitops.git</c> in <paramref name="inputs"/> when there is no GitHub host to
    /// mean (GITHUB_SERVER_URL unset), so it is read as the folder it names.
    /// </summary>
    public static LocalCheck Check(Dictionary<string, string> inputs, IReadOnlyDictionary<string, string> environment)
    {
        if (!inputs.TryGetValue("gitops-repository", out var value) || string.IsNullOrWhiteSpace(value))
        {
            return LocalCheck.Fine;
        }

        value = value.Trim();
        var server = environment.TryGetValue("GITHUB_SERVER_URL", out var url) && url.Length > 0 ? url : null;
        GitOpsRemote remote;
        try
        {
            remote = GitOpsRemote.Parse(value, server ?? string.Empty);
            if (remote.Kind == RemoteKind.GitHub && Directory.Exists(value))
            {
                if (server is not null)
                {
                    return new LocalCheck(null, $"gitops-repository '{value}' is read as owner/name on {server}, not as the local folder of that name; write ./{value} to deploy to the folder");
                }

                inputs["gitops-repository"] = value = "./" + value;
                remote = GitOpsRemote.Parse(value, string.Empty);
            }
        }
        catch (DeployException)
        {
            // The run reports a malformed value in its own words.
            return LocalCheck.Fine;
        }

        if (remote.Kind != RemoteKind.LocalPath)
        {
            return LocalCheck.Fine;
        }

        var path = Path.TrimEndingDirectorySeparator(remote.Url);
        var dryRun = inputs.TryGetValue("dry-run", out var d) && d.Trim().Equals("true", StringComparison.OrdinalIgnoreCase);
        return Inspect(path) switch
        {
            Found.Nothing => Error($"no repository at {path}: nothing is there. Create a bare repository and push the gitops files to it:\n  git init --bare {Shell(path)}"),
            Found.File => Error($"no repository at {path}: it is a file, not a git repository"),
            Found.Folder => Error($"{path} is a folder but not a git repository. Commit it and deploy to a bare copy:\n"
                + $"  git -C {Shell(path)} init -b main && git -C {Shell(path)} add . && git -C {Shell(path)} commit -m 'gitops layout'\n"
                + BareCopy(path)),
            Found.Working when dryRun => LocalCheck.Fine,
            Found.Working => Error($"{Working(path)} is a working repository (it has a work tree), and git does not push into one. Deploy to a bare copy, then pull from it:\n" + BareCopy(Working(path))),
            _ => inputs.TryGetValue("base-branch", out var branch) && !string.IsNullOrWhiteSpace(branch) ? LocalCheck.Fine : DefaultBranch(path),
        };
    }

    /// <summary>
    /// The base branch defaults to the one HEAD names. <c>git init --bare</c> names master where git is not
    /// configured otherwise, and a push of main then leaves HEAD on a branch with no commits.
    /// </summary>
    private static LocalCheck DefaultBranch(string path)
    {
        var head = File.ReadAllText(Path.Combine(path, "HEAD")).Trim();
        if (!head.StartsWith("ref: refs/heads/", StringComparison.Ordinal))
        {
            return LocalCheck.Fine;
        }

        var named = head["ref: refs/heads/".Length..];
        var branches = Branches(path);
        if (branches.Contains(named))
        {
            return LocalCheck.Fine;
        }

        if (branches.Count == 0)
        {
            return Error($"{path} has no commits yet: push the gitops files to it first, e.g. git -C WORK push {Shell(path)} main");
        }

        var other = branches.Contains("main") ? "main" : branches.Min(StringComparer.Ordinal)!;
        return Error($"{path} has no commits on {named}, the branch its HEAD names; its branches are {string.Join(", ", branches.Order(StringComparer.Ordinal))}. "
            + $"Give --base-branch {other}, or make {other} its default branch: git -C {Shell(path)} symbolic-ref HEAD refs/heads/{other}");
    }

    /// <summary>The branch names of a bare repository: loose refs, then packed ones.</summary>
    private static HashSet<string> Branches(string path)
    {
        var heads = Path.Combine(path, "refs", "heads");
        var branches = Directory.Exists(heads)
            ? Directory.EnumerateFiles(heads, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(heads, f).Replace('\\', '/')).ToHashSet(StringComparer.Ordinal)
            : new HashSet<string>(StringComparer.Ordinal);
        var packed = Path.Combine(path, "packed-refs");
        if (File.Exists(packed))
        {
            foreach (var line in File.ReadLines(packed))
            {
                var at = line.IndexOf(" refs/heads/", StringComparison.Ordinal);
                if (!line.StartsWith('#') && !line.StartsWith('^') && at > 0)
                {
                    branches.Add(line[(at + " refs/heads/".Length)..]);
                }
            }
        }

        return branches;
    }

    private enum Found
    {
        Nothing,
        File,
        Folder,
        Working,
        Bare,
    }

    private static Found Inspect(string path)
    {
        if (File.Exists(path))
        {
            return Found.File;
        }

        if (!Directory.Exists(path))
        {
            return Found.Nothing;
        }

        // A .git folder, or a .git file (a linked work tree or a submodule).
        if (Directory.Exists(Path.Combine(path, ".git")) || File.Exists(Path.Combine(path, ".git")))
        {
            return Found.Working;
        }

        if (File.Exists(Path.Combine(path, "HEAD")) && Directory.Exists(Path.Combine(path, "objects")) && Directory.Exists(Path.Combine(path, "refs")))
        {
            // The .git folder of a working repository looks bare from inside; its config says otherwise.
            var config = Path.Combine(path, "config");
            var notBare = File.Exists(config) && File.ReadLines(config).Any(l => l.Replace(" ", string.Empty, StringComparison.Ordinal).Replace("\t", string.Empty, StringComparison.Ordinal).Equals("bare=false", StringComparison.OrdinalIgnoreCase));
            return notBare ? Found.Working : Found.Bare;
        }

        return Found.Folder;
    }

    /// <summary>The work tree a repository path stands for: <c>work</c> for <c>work</c> and for <c>work/.git</c>.</summary>
    private static string Working(string path) =>
        Path.GetFileName(path) == ".git" ? Path.GetDirectoryName(path)! : path;

    private static string BareCopy(string work)
    {
        var bare = work + ".git";
        return $"  git clone --bare {Shell(work)} {Shell(bare)}\n"
            + $"  {VerbCatalogue.Program} --gitops-repository {Shell(bare)} ...   (the same command, to the bare copy)\n"
            + $"  git -C {Shell(work)} pull {Shell(bare)}   (brings the deployed commit into {Path.GetFileName(work)})";
    }

    private static LocalCheck Error(string message) => new(DeployException.Input("gitops-repository", message).Message, null);

    private static string Shell(string path) => EquivalentInputs.ShellWord(path);
}
