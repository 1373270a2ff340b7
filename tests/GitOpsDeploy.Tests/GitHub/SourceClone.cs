using System.Globalization;
using System.Text;
using GitOpsDeploy.Tests.Fakes;

namespace GitOpsDeploy.Tests.GitHub;

/// <summary>
/// A working clone of a fake repository where a test makes source history with real git: commits a minute
/// apart (so GitHub's chronological order is the order they were made), branches, merges, squash merges,
/// rebases, reverts and force-pushes. Every commit touches its own file, so merges never conflict.
/// </summary>
internal sealed class SourceClone : IDisposable
{
    private readonly string dir;
    private DateTimeOffset clock = new(2024, 3, 1, 9, 0, 0, TimeSpan.Zero);
    private int files;

    /// <summary>
    /// Clones <paramref name="repo"/> and starts main over from a root commit dated in the past: git's
    /// <c>a..b</c> walks trust commit dates, so no commit may be older than its parents, and the fake's own
    /// merges are dated now.
    /// </summary>
    public SourceClone(FakeRepo repo)
    {
        dir = Directory.CreateTempSubdirectory("source-clone-").FullName;
        GitCli.Run(dir, "clone", "--quiet", repo.BarePath, ".");
        Git("config", "user.name", "Test");
        Git("config", "user.email", "test@example.com");
        Git("checkout", "--quiet", "--orphan", "root");
        Tick("Alice", "alice@example.com", "commit", "--quiet", "-m", "Start");
        Git("branch", "--quiet", "-M", "main");
        Push(force: true);
    }

    public string Head => Git("rev-parse", "HEAD");

    public string Commit(string message, string author = "Alice", string email = "alice@example.com")
    {
        File.WriteAllText(Path.Combine(dir, $"change-{++files}.txt"), message + "\n");
        Git("add", "-A");
        Tick(author, email, "commit", "--quiet", "-m", message);
        return Head;
    }

    /// <summary><paramref name="count"/> commits on the current branch in one <c>git fast-import</c> (hundreds take a second).</summary>
    public IReadOnlyList<string> CommitMany(int count, string messagePrefix, string author = "Bulk", string email = "bulk@example.com")
    {
        var branch = Git("symbolic-ref", "--short", "HEAD");
        var stream = new StringBuilder();
        for (var i = 1; i <= count; i++)
        {
            clock = clock.AddMinutes(1);
            var when = $"{clock.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)} +0000";
            var message = $"{messagePrefix} {i}\n";
            var content = $"{messagePrefix} {i}\n";
            stream.Append(CultureInfo.InvariantCulture, $"commit refs/heads/{branch}\n");
            stream.Append(CultureInfo.InvariantCulture, $"author {author} <{email}> {when}\ncommitter {author} <{email}> {when}\n");
            stream.Append(CultureInfo.InvariantCulture, $"data {Encoding.UTF8.GetByteCount(message)}\n{message}");
            if (i == 1)
            {
                stream.Append(CultureInfo.InvariantCulture, $"from {Head}\n");
            }

            stream.Append(CultureInfo.InvariantCulture, $"M 100644 inline bulk-{++files}.txt\ndata {Encoding.UTF8.GetByteCount(content)}\n{content}\n");
        }

        GitCli.RunBytes(dir, Encoding.UTF8.GetBytes(stream.ToString()), "fast-import", "--quiet");
        Git("reset", "--quiet", "--hard", "HEAD");
        return [.. Git("rev-list", "--reverse", $"-{count}", "HEAD").Split('\n')];
    }

    public void Branch(string name, string? at = null) => Git(at is null ? ["checkout", "--quiet", "-b", name] : ["checkout", "--quiet", "-b", name, at]);

    public void Checkout(string name) => Git("checkout", "--quiet", name);

    /// <summary>A merge commit (<c>--no-ff</c>), as GitHub's "Create a merge commit" makes it.</summary>
    public string Merge(string branch, string message, string author = "Alice", string email = "alice@example.com")
    {
        Tick(author, email, "merge", "--quiet", "--no-ff", "-m", message, branch);
        return Head;
    }

    /// <summary>One commit with the branch's changes, as GitHub's "Squash and merge" makes it.</summary>
    public string Squash(string branch, string message, string author = "Alice", string email = "alice@example.com")
    {
        Git("merge", "--quiet", "--squash", branch);
        Tick(author, email, "commit", "--quiet", "-m", message);
        return Head;
    }

    /// <summary>Replays the branch's commits on top of <paramref name="onto"/> and moves <paramref name="onto"/> there, as "Rebase and merge" does; returns the new commits, oldest first.</summary>
    public IReadOnlyList<string> RebaseMerge(string branch, string onto)
    {
        var count = int.Parse(Git("rev-list", "--count", $"{onto}..{branch}"), CultureInfo.InvariantCulture);
        Checkout(branch);
        Tick("Alice", "alice@example.com", "rebase", "--quiet", onto);
        Checkout(onto);
        Git("merge", "--quiet", "--ff-only", branch);
        return [.. Git("rev-list", "--reverse", $"-{count}", "HEAD").Split('\n')];
    }

    public string Revert(string sha, string author = "Alice", string email = "alice@example.com")
    {
        Tick(author, email, "revert", "--no-edit", sha);
        return Head;
    }

    public void Push(string branch = "main", bool force = false) =>
        Git(force ? ["push", "--quiet", "--force", "origin", branch] : ["push", "--quiet", "origin", branch]);

    /// <summary>Checks out what the server's main has now (after a merge made through the fake's API).</summary>
    public void Pull()
    {
        Git("fetch", "--quiet", "origin");
        Git("checkout", "--quiet", "-B", "main", "origin/main");
        var committed = DateTimeOffset.FromUnixTimeSeconds(long.Parse(Git("log", "-1", "--format=%ct"), CultureInfo.InvariantCulture));
        clock = committed > clock ? committed : clock;
    }

    public void ResetHard(string sha) => Git("reset", "--quiet", "--hard", sha);

    /// <summary><c>git log --first-parent --format=%H from..to</c>: the oracle for the changelog's line.</summary>
    public IReadOnlyList<string> FirstParent(string from, string to) => Lines(Git("log", "--first-parent", "--format=%H", $"{from}..{to}"));

    public IReadOnlyList<string> RevList(params string[] args) => Lines(Git(["rev-list", .. args]));

    public string Git(params string[] args) => GitCli.Run(dir, args);

    public void Dispose()
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
            // A git process may still hold a file for a moment; the temp folder is cleaned by the OS.
        }
    }

    private static string[] Lines(string output) => output.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private void Tick(string author, string email, params string[] args)
    {
        clock = clock.AddMinutes(1);
        var when = clock.ToString("yyyy-MM-ddTHH:mm:ssK", CultureInfo.InvariantCulture);
        GitCli.Run(dir, new Dictionary<string, string>
        {
            ["GIT_AUTHOR_NAME"] = author,
            ["GIT_AUTHOR_EMAIL"] = email,
            ["GIT_AUTHOR_DATE"] = when,
            ["GIT_COMMITTER_NAME"] = author,
            ["GIT_COMMITTER_EMAIL"] = email,
            ["GIT_COMMITTER_DATE"] = when,
        }, args);
    }
}
