using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GitOpsDeploy.Tests.Fakes;

public enum Permission
{
    Read,
    Write,
}

/// <summary>
/// A stand-in for a GitHub host on loopback: real git repositories served over smart HTTP
/// (git http-backend) behind token authentication, the way github.com answers git clients.
/// </summary>
public sealed partial class FakeGitHub : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ConcurrentDictionary<string, (Permission Permission, string[]? Repos)> tokens = new();

    private FakeGitHub(WebApplication app, string root)
    {
        this.app = app;
        Root = root;
    }

    public string Root { get; }

    public string ServerUrl { get; private set; } = string.Empty;

    /// <summary>Every request as "METHOD /path?query", in order.</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>Repositories that answer with a redirect to another server (full name -> target server URL).</summary>
    public ConcurrentDictionary<string, string> Redirects { get; } = new();

    /// <summary>Requests that carried an Authorization header, as "METHOD /path".</summary>
    public ConcurrentQueue<string> AuthorizedRequests { get; } = new();

    /// <summary>Runs before an API request is handled ("PATCH", "/repos/acme/gitops/pulls/1"): lets a test act between two calls of a run.</summary>
    public Func<string, string, Task>? BeforeApi { get; set; }

    /// <summary>The next this many git requests are answered 502 (a flaky proxy in front of the git host).</summary>
    public int FailNextGitRequests { get; set; }

    /// <summary>The next push is applied, then the connection is dropped before the client reads the answer.</summary>
    public bool LoseNextPushAnswer { get; set; }

    /// <summary>Runs before a push is received (after authentication): lets a test move the branch first.</summary>
    public Func<string, Task>? BeforeReceivePack { get; set; }

    public static async Task<FakeGitHub> StartAsync()
    {
        var root = Directory.CreateTempSubdirectory("fake-github-").FullName;
        // Handlers block on git processes and the state lock; without spare threads a burst of
        // requests waits for the pool to grow (about one thread a second), which GitHub never does.
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, 128), io);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var fake = new FakeGitHub(app, root);
        app.Use(fake.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        fake.ServerUrl = address.TrimEnd('/');
        return fake;
    }

    public void AddToken(string token, Permission permission, params string[] repos) =>
        tokens[token] = (permission, repos.Length == 0 ? null : repos);

    /// <summary>The identity GitHub reports for a token (GraphQL viewer, the author of what it opens).</summary>
    public const string DefaultLogin = "gitops-deploy-app[bot]";

    private readonly ConcurrentDictionary<string, string> logins = new();

    public void SetLogin(string token, string login) => logins[token] = login;

    public string LoginOf(string token) => logins.TryGetValue(token, out var login) ? login : DefaultLogin;

    /// <summary>Creates a bare repository <c>owner/name</c> with one commit holding <paramref name="files"/>.</summary>
    public FakeRepo CreateRepo(string fullName, IReadOnlyDictionary<string, string> files, string defaultBranch = "main")
    {
        var bare = Path.Combine(Root, fullName + ".git");
        Directory.CreateDirectory(bare);
        GitCli.Run(bare, "init", "--bare", "--quiet", $"--initial-branch={defaultBranch}");
        var repo = new FakeRepo(fullName, bare, defaultBranch);
        repo.InstallGitHubRules();
        repo.Commit(files, "Initial gitops layout");
        Register(repo);
        return repo;
    }

    /// <summary>Copies a directory tree into a new repository (used for the embedded example layout).</summary>
    public FakeRepo CreateRepoFromDirectory(string fullName, string directory)
    {
        var files = Directory.GetFiles(directory, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(directory, f).Replace('\\', '/'), File.ReadAllText);
        return CreateRepo(fullName, files);
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A git process may still hold a file for a moment; the temp folder is cleaned by the OS.
        }
    }

    private async Task HandleAsync(HttpContext context, Func<Task> next)
    {
        Requests.Enqueue($"{context.Request.Method} {context.Request.Path}{context.Request.QueryString}");
        if (context.Request.Headers.Authorization.Count > 0)
        {
            AuthorizedRequests.Enqueue($"{context.Request.Method} {context.Request.Path}");
        }

        if (await HandleOidcAsync(context))
        {
            return;
        }

        if (context.Request.Path.StartsWithSegments("/api", StringComparison.Ordinal))
        {
            await HandleApiAsync(context);
            return;
        }

        var match = GitPath().Match(context.Request.Path.Value ?? string.Empty);
        if (!match.Success)
        {
            await next();
            return;
        }

        var fullName = match.Groups["owner"].Value + "/" + match.Groups["name"].Value;

        var isPush = context.Request.Query["service"] == "git-receive-pack" || match.Groups["rest"].Value == "/git-receive-pack";
        if (!Authorize(context, fullName, isPush ? Permission.Write : Permission.Read, out var status, out var message))
        {
            context.Response.StatusCode = status;
            if (status == 401)
            {
                context.Response.Headers.WWWAuthenticate = "Basic realm=\"GitHub\"";
            }

            await context.Response.WriteAsync(message);
            return;
        }

        if (FailNextGitRequests > 0)
        {
            FailNextGitRequests--;
            context.Response.StatusCode = 502;
            return;
        }

        if (Redirects.TryGetValue(fullName, out var target))
        {
            context.Response.StatusCode = 301;
            context.Response.Headers.Location = $"{target}{context.Request.Path}{context.Request.QueryString}";
            return;
        }

        if (!Directory.Exists(Path.Combine(Root, fullName + ".git")))
        {
            context.Response.StatusCode = 404;
            await context.Response.WriteAsync("Repository not found.");
            return;
        }

        if (isPush && context.Request.Method == "POST" && BeforeReceivePack is { } hook)
        {
            await hook(fullName);
        }

        if (isPush && context.Request.Method == "POST" && LoseNextPushAnswer)
        {
            LoseNextPushAnswer = false;
            var answer = context.Response.Body;
            context.Response.Body = new MemoryStream();
            await GitHttpBackend.ServeAsync(context, Root, $"/{fullName}.git{match.Groups["rest"].Value}", "x-access-token");
            context.Response.Body = answer;
            context.Abort();
            return;
        }

        await GitHttpBackend.ServeAsync(context, Root, $"/{fullName}.git{match.Groups["rest"].Value}", "x-access-token");
    }

    private bool Authorize(HttpContext context, string fullName, Permission needed, out int status, out string message)
    {
        status = 401;
        message = "Authentication required";
        var headers = context.Request.Headers.Authorization;
        if (headers.Count > 1)
        {
            status = 400;
            message = "Bad request: several Authorization headers";
            return false;
        }

        var header = headers.ToString();
        if (!header.StartsWith("Basic ", StringComparison.Ordinal))
        {
            return false;
        }

        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..]));
        }
        catch (FormatException)
        {
            return false;
        }

        var password = decoded[(decoded.IndexOf(':', StringComparison.Ordinal) + 1)..];
        if (!tokens.TryGetValue(password, out var grant))
        {
            message = "Invalid username or token. Password authentication is not supported for Git operations.";
            return false;
        }

        if (grant.Repos is not null && !grant.Repos.Contains(fullName))
        {
            status = 404;
            message = "Repository not found.";
            return false;
        }

        if (needed == Permission.Write && grant.Permission == Permission.Read)
        {
            status = 403;
            message = $"Permission to {fullName}.git denied to x-access-token.";
            return false;
        }

        return true;
    }

    [GeneratedRegex("^/(?<owner>[^/]+)/(?<name>[^/]+)\\.git(?<rest>/.*)$")]
    private static partial Regex GitPath();
}

/// <summary>A bare repository of the fake, with helpers to change and inspect it like another pipeline would.</summary>
public sealed class FakeRepo(string fullName, string barePath, string defaultBranch)
{
    public string FullName { get; } = fullName;

    public string BarePath { get; } = barePath;

    public string DefaultBranch { get; } = defaultBranch;

    /// <summary>Commits files on top of a branch directly in the bare repository (no server round trip).</summary>
    public string Commit(IReadOnlyDictionary<string, string> files, string message, string? branch = null) =>
        CommitEntries(files.Select(f => (f.Key, "100644", f.Value)), message, branch);

    /// <summary>Writes a file with mode 100755.</summary>
    public string CommitExecutable(string path, string content, string? branch = null) =>
        CommitEntries([(path, "100755", content)], "add executable", branch);

    /// <summary>Adds a symlink entry (mode 120000) pointing at <paramref name="target"/>.</summary>
    public string CommitSymlink(string path, string target, string? branch = null) =>
        CommitEntries([(path, "120000", target)], "add symlink", branch);

    private string CommitEntries(IEnumerable<(string Path, string Mode, string Content)> entries, string message, string? branch)
    {
        branch ??= DefaultBranch;
        var work = Directory.CreateTempSubdirectory("fake-repo-work-").FullName;
        try
        {
            var env = new Dictionary<string, string> { ["GIT_INDEX_FILE"] = Path.Combine(work, "index"), ["GIT_DIR"] = BarePath };
            var parent = TryRun(env, "rev-parse", "--verify", "--quiet", $"refs/heads/{branch}");
            if (parent is not null)
            {
                GitCli.Run(work, env, "read-tree", parent);
            }

            foreach (var (path, mode, content) in entries)
            {
                var file = Path.Combine(work, "blob");
                File.WriteAllText(file, content);
                var blob = GitCli.Run(work, env, "hash-object", "-w", file);
                GitCli.Run(work, env, "update-index", "--add", "--cacheinfo", $"{mode},{blob},{path}");
            }

            var tree = GitCli.Run(work, env, "write-tree");
            var args = new List<string> { "commit-tree", tree, "-m", message };
            if (parent is not null)
            {
                args.AddRange(["-p", parent]);
            }

            var commit = GitCli.Run(work, env, [.. args]);

            // Compare-and-swap, like a real push: never clobber a concurrent update.
            GitCli.Run(work, env, "update-ref", $"refs/heads/{branch}", commit, parent ?? new string('0', 40));
            return commit;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>A commit of <paramref name="additions"/> and <paramref name="deletions"/> on top of <paramref name="parent"/>, moved onto the branch only if it is still there.</summary>
    public string CommitChanges(string parent, string branch, IReadOnlyList<(string Path, byte[] Content)> additions, IReadOnlyList<string> deletions, string message, string authorName, string authorEmail)
    {
        var work = Directory.CreateTempSubdirectory("fake-repo-api-").FullName;
        try
        {
            var env = new Dictionary<string, string>
            {
                ["GIT_INDEX_FILE"] = Path.Combine(work, "index"),
                ["GIT_DIR"] = BarePath,
                ["GIT_AUTHOR_NAME"] = authorName,
                ["GIT_AUTHOR_EMAIL"] = authorEmail,
                ["GIT_COMMITTER_NAME"] = "GitHub",
                ["GIT_COMMITTER_EMAIL"] = "noreply@github.com",
            };
            GitCli.Run(work, env, "read-tree", parent);
            foreach (var path in deletions)
            {
                GitCli.Run(work, env, "update-index", "--force-remove", "--", path);
            }

            foreach (var (path, content) in additions)
            {
                var blob = System.Text.Encoding.ASCII.GetString(GitCli.RunBytes(BarePath, content, "hash-object", "-w", "--stdin")).Trim();
                // The API writes every file 100644, whatever it was before.
                GitCli.Run(work, env, "update-index", "--add", "--cacheinfo", $"100644,{blob},{path}");
            }

            var tree = GitCli.Run(work, env, "write-tree");
            var commit = GitCli.Run(work, env, "commit-tree", tree, "-p", parent, "-m", message);
            GitCli.Run(work, env, "update-ref", $"refs/heads/{branch}", commit, parent);
            return commit;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    public string Head(string? branch = null) => Git("rev-parse", $"refs/heads/{branch ?? DefaultBranch}");

    public string ReadFile(string path, string? branch = null) => Git("show", $"refs/heads/{branch ?? DefaultBranch}:{path}");

    public int CommitCount(string? branch = null) => int.Parse(Git("rev-list", "--count", $"refs/heads/{branch ?? DefaultBranch}"), System.Globalization.CultureInfo.InvariantCulture);

    public string Message(string rev) => Git("log", "-1", "--format=%B", rev);

    public string Git(params string[] args) => GitCli.Run(BarePath, args);

    /// <summary>
    /// Installs a server-side hook (e.g. a pre-receive that declines pushes). GitHub's own rules run
    /// first whatever a test installs: a pre-receive script goes behind the ref-length check (GH005).
    /// </summary>
    public void InstallHook(string name, string script)
    {
        if (name == "pre-receive")
        {
            Write("pre-receive.repository", script);
            return;
        }

        Write(name, script);
    }

    /// <summary>GitHub refuses refs longer than 255 bytes on every push, before any repository rule.</summary>
    internal void InstallGitHubRules() => Write("pre-receive", """
        input=$(cat)
        echo "$input" | while read old new ref; do
          if [ "$(printf %s "$ref" | wc -c)" -gt 255 ]; then
            echo "error: GH005: Sorry, refs longer than 255 bytes are not allowed." >&2
            exit 1
          fi
        done || exit 1
        if [ -x "$GIT_DIR/hooks/pre-receive.repository" ]; then
          echo "$input" | "$GIT_DIR/hooks/pre-receive.repository" || exit 1
        fi
        exit 0
        """);

    private void Write(string name, string script)
    {
        var path = Path.Combine(BarePath, "hooks", name);
        File.WriteAllText(path, "#!/bin/sh\n" + script + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private string? TryRun(IDictionary<string, string> env, params string[] args)
    {
        try
        {
            return GitCli.Run(BarePath, env, args);
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }
}
