using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace GitOpsDeploy.Tests.Fakes;

/// <summary>
/// GitHub's GraphQL git objects over the fake's bare repositories: repository, refs, commits (with
/// <c>file(path:)</c>, <c>history(first:, path:, after:)</c> and <c>signature</c>), trees, tree entries
/// (modes as GitHub gives them: 33188, 33261, 40960, 16384) and blobs (text cut at 512,000 bytes with
/// <c>isTruncated</c>), and the <c>createCommitOnBranch</c> mutation with its compare-and-swap.
/// </summary>
public sealed partial class FakeGitHub
{
    /// <summary>GitHub cuts <c>Blob.text</c> here.</summary>
    public const int BlobTextLimit = 512_000;

    /// <summary>Commits GitHub would show as Verified: made through the API, or merge and squash merges (signed with GitHub's key).</summary>
    public bool IsVerified(string sha)
    {
        lock (verified)
        {
            return verified.Contains(sha);
        }
    }

    private readonly HashSet<string> verified = [];

    private void MarkVerified(FakeRepo repo, string sha)
    {
        lock (verified)
        {
            verified.Add(sha);
            // The signed-commits hook reads this list: GitHub knows its own signatures.
            File.AppendAllText(Path.Combine(repo.BarePath, "fake-verified-commits"), sha + "\n");
        }
    }

    private JsonObject ExecuteGraphQl(string query, JsonNode? variables, string token, string? operationName)
    {
        var grant = tokens[token];
        var login = LoginOf(token);
        var queryRoot = new GraphQlObject("Query", new Dictionary<string, Func<IReadOnlyDictionary<string, JsonNode?>, object?>>
        {
            ["viewer"] = _ => new GraphQlObject("User", new Dictionary<string, Func<IReadOnlyDictionary<string, JsonNode?>, object?>> { ["login"] = _ => login }),
            ["repository"] = a =>
            {
                var fullName = $"{GraphQlObject.Text(a, "owner")}/{GraphQlObject.Text(a, "name")}";
                return Visible(fullName, grant) is { } repo ? RepositoryObject(repo)
                    : VisibleApiOnly(fullName, grant) is { } api ? ApiOnlyRepositoryObject(api)
                    : throw new GraphQlError($"Could not resolve to a Repository with the name '{fullName}'.", "NOT_FOUND");
            },
        });
        var mutationRoot = new GraphQlObject("Mutation", new Dictionary<string, Func<IReadOnlyDictionary<string, JsonNode?>, object?>>
        {
            ["createCommitOnBranch"] = a => CreateCommitOnBranch(a["input"] as JsonObject ?? throw new GraphQlError("input is required"), grant, login),
            ["updateRefs"] = a => UpdateRefs(a["input"] as JsonObject ?? throw new GraphQlError("input is required"), grant),
            ["createRef"] = a => CreateRefMutation(a["input"] as JsonObject ?? throw new GraphQlError("input is required"), grant),
        });
        return FakeGraphQl.Execute(query, variables, queryRoot, mutationRoot, operationName);
    }

    private FakeRepo? Visible(string fullName, (Permission Permission, string[]? Repos) grant) =>
        repos.TryGetValue(fullName, out var api) && api.Git is { } git && (grant.Repos is null || grant.Repos.Contains(fullName, StringComparer.OrdinalIgnoreCase)) ? git : null;

    private GraphQlObject RepositoryObject(FakeRepo repo) => new("Repository", new Dictionary<string, Func<IReadOnlyDictionary<string, JsonNode?>, object?>>
    {
        ["nameWithOwner"] = _ => repo.FullName,
        ["id"] = _ => $"R_{Api(repo.FullName).Id}",
        ["refs"] = a => RefConnection(repo, a),
        ["deployments"] = a => DeploymentConnection(Api(repo.FullName), a),
        ["defaultBranchRef"] = _ => RefObject(repo, repo.DefaultBranch),
        ["ref"] = a => GraphQlObject.Text(a, "qualifiedName") is { } name && name.StartsWith("refs/heads/", StringComparison.Ordinal) ? RefObject(repo, name["refs/heads/".Length..]) : null,
        ["object"] = a =>
        {
            var rev = GraphQlObject.Text(a, "oid") ?? GraphQlObject.Text(a, "expression") ?? throw new GraphQlError("object needs oid or expression");
            var sha = TryGit(repo, "rev-parse", "--verify", "--quiet", rev);
            return sha is null ? null : GitObject(repo, sha);
        },
    });

    private GraphQlObject? RefObject(FakeRepo repo, string branch)
    {
        var sha = TryGit(repo, "rev-parse", "--verify", "--quiet", $"refs/heads/{branch}");
        return sha is null ? null : new GraphQlObject("Ref", new Dictionary<string, Func<IReadOnlyDictionary<string, JsonNode?>, object?>>
        {
            ["name"] = _ => branch,
            ["prefix"] = _ => "refs/heads/",
            ["target"] = _ => CommitObject(repo, sha),
        });
    }

    private IGraphQlObject GitObject(FakeRepo repo, string sha) => Immutable(repo, "cat-file", "-t", sha) switch
    {
        "commit" => CommitObject(repo, sha),
        "tree" => TreeObject(repo, sha),
        _ => BlobObject(repo, sha),
    };

    /// <param name="known">Message and date when the caller already read them (a history page reads all of its commits in one git call).</param>
    private GraphQlObject CommitObject(FakeRepo repo, string sha, (string Message, string Date)? known = null) => new("Commit", new Dictionary<string, Func<IReadOnlyDictionary<string, JsonNode?>, object?>>
    {
        ["oid"] = _ => sha,
        ["message"] = _ => known?.Message ?? Immutable(repo, "log", "-1", "--format=%B", sha),
        ["messageHeadline"] = _ => Immutable(repo, "log", "-1", "--format=%s", sha),
        ["committedDate"] = _ => known?.Date ?? Immutable(repo, "log", "-1", "--format=%cI", sha),
        ["url"] = _ => $"{ServerUrl}/{repo.FullName}/commit/{sha}",
        ["tree"] = _ => TreeObject(repo, Immutable(repo, "rev-parse", $"{sha}^{{tree}}")),
        ["file"] = a => Entry(repo, sha, GraphQlObject.Text(a, "path") ?? throw new GraphQlError("path is required")),
        ["signature"] = _ => IsVerified(sha)
            ? new GraphQlObject("GpgSignature", new Dictionary<string, Func<IReadOnlyDictionary<string, JsonNode?>, object?>> { ["isValid"] = _ => true, ["state"] = _ => "VALID", ["wasSignedByGitHub"] = _ => true })
            : null,
        ["history"] = a => History(repo, sha, a),
    });

    /// <summary>First-parent history, 100 per page at most, with cursors like GitHub's "sha offset".</summary>
    private GraphQlObject History(FakeRepo repo, string sha, IReadOnlyDictionary<string, JsonNode?> a)
    {
        var first = GraphQlObject.Int(a, "first") ?? throw new GraphQlError("You must provide a `first` or `last` value to properly paginate the `history` connection.", "MISSING_PAGINATION_BOUNDARIES");
        if (first is < 1 or > 100)
        {
            throw new GraphQlError($"Requesting {first} records on the `history` connection exceeds the `first` limit of 100 records.", "EXCESSIVE_PAGINATION");
        }

        var skip = GraphQlObject.Text(a, "after") is { } cursor ? int.Parse(cursor.Split(' ')[1], CultureInfo.InvariantCulture) + 1 : 0;
        var args = new List<string> { "log", "--first-parent", $"--skip={skip}", $"--max-count={first + 1}", "--format=%H%x00%cI%x00%B%x1e", sha };
        if (GraphQlObject.Text(a, "since") is { } since)
        {
            // GitTimestamp: commits at or after it.
            args.Insert(1, $"--since={since}");
        }

        if (GraphQlObject.Text(a, "path") is { } path)
        {
            args.AddRange(["--", path]);
        }

        var commits = Immutable(repo, [.. args]).Split('\x1e', StringSplitOptions.RemoveEmptyEntries)
            .Select(c => c.TrimStart('\n').Split('\0')).Where(c => c.Length == 3).Select(c => (Sha: c[0], Date: c[1], Message: c[2].TrimEnd('\n'))).ToList();
        var page = commits.Take(first).ToList();
        return new GraphQlObject("CommitHistoryConnection", new Dictionary<string, Func<IReadOnlyDictionary<string, JsonNode?>, object?>>
        {
            ["nodes"] = _ => page.Select(c => CommitObject(repo, c.Sha, (c.Message, c.Date))).ToList(),
            ["pageInfo"] = _ => new GraphQlObject("PageInfo", new Dictionary<string, Func<IReadOnlyDictionary<string, JsonNode?>, object?>>
            {
                ["hasNextPage"] = _ => commits.Count > first,
                ["endCursor"] = _ => page.Count == 0 ? null : $"{sha} {skip + page.Count - 1}",
            }),
        });
    }

    private GraphQlObject TreeObject(FakeRepo repo, string sha) => new("Tree", new Dictionary<string, Func<IReadOnlyDictionary<string, JsonNode?>, object?>>
    {
        ["oid"] = _ => sha,
        ["entries"] = _ => Immutable(repo, "ls-tree", sha).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => EntryObject(repo, line, prefix: null)).ToList(),
    });

    private GraphQlObject? Entry(FakeRepo repo, string commit, string path)
    {
        var line = Immutable(repo, "ls-tree", commit, "--", path.TrimEnd('/'));
        return line.Length == 0 ? null : EntryObject(repo, line.Split('\n')[0], prefix: string.Empty);
    }

    /// <summary>One <c>ls-tree</c> line ("mode type oid\tpath") as a TreeEntry.</summary>
    private GraphQlObject EntryObject(FakeRepo repo, string line, string? prefix)
    {
        var tab = line.IndexOf('\t', StringComparison.Ordinal);
        var meta = line[..tab].Split(' ');
        var path = line[(tab + 1)..];
        var mode = Convert.ToInt32(meta[0], 8);
        return new GraphQlObject("TreeEntry", new Dictionary<string, Func<IReadOnlyDictionary<string, JsonNode?>, object?>>
        {
            ["name"] = _ => path[(path.LastIndexOf('/') + 1)..],
            ["path"] = _ => prefix is null ? null : path,
            ["mode"] = _ => mode,
            ["type"] = _ => meta[1],
            ["oid"] = _ => meta[2],
            ["object"] = _ => meta[1] == "tree" ? TreeObject(repo, meta[2]) : meta[1] == "blob" ? BlobObject(repo, meta[2]) : null,
        });
    }

    private GraphQlObject BlobObject(FakeRepo repo, string sha)
    {
        byte[]? bytes = null;
        byte[] Bytes() => bytes ??= blobs.GetOrAdd((repo.BarePath, sha), key => GitCli.RunBytes(key.Repo, null, "cat-file", "blob", key.Sha));
        bool Binary() => Bytes().AsSpan(0, Math.Min(8000, Bytes().Length)).Contains((byte)0);
        return new GraphQlObject("Blob", new Dictionary<string, Func<IReadOnlyDictionary<string, JsonNode?>, object?>>
        {
            ["oid"] = _ => sha,
            ["byteSize"] = _ => Bytes().Length,
            ["isBinary"] = _ => Binary(),
            ["isTruncated"] = _ => Bytes().Length > BlobTextLimit,
            ["text"] = _ => Binary() ? null : Encoding.UTF8.GetString(Bytes(), 0, Math.Min(BlobTextLimit, Bytes().Length)),
        });
    }

    /// <summary>
    /// GitHub's <c>createCommitOnBranch</c>: the branch must exist, <c>expectedHeadOid</c> must be its
    /// head (else STALE_DATA), the author is the token's identity, every added file is written 100644,
    /// and the commit is signed by GitHub (Verified).
    /// </summary>
    private GraphQlObject CreateCommitOnBranch(JsonObject input, (Permission Permission, string[]? Repos) grant, string login)
    {
        var branchInput = input["branch"] as JsonObject ?? throw new GraphQlError("branch is required");
        var fullName = branchInput["repositoryNameWithOwner"]?.GetValue<string>() ?? string.Empty;
        var branch = branchInput["branchName"]?.GetValue<string>() ?? string.Empty;
        var repo = Visible(fullName, grant) ?? throw new GraphQlError($"Could not resolve to a Repository with the name '{fullName}'.", "NOT_FOUND");
        if (grant.Permission == Permission.Read)
        {
            throw new GraphQlError("Resource not accessible by integration", "FORBIDDEN");
        }

        var expected = input["expectedHeadOid"]?.GetValue<string>() ?? throw new GraphQlError("Argument 'expectedHeadOid' on InputObject 'CreateCommitOnBranchInput' is required.", "INVALID");
        BeforeCommitOnBranch?.Invoke(repo, branch);
        lock (state)
        {
            var head = TryGit(repo, "rev-parse", "--verify", "--quiet", $"refs/heads/{branch}")
                ?? throw new GraphQlError($"A ref named \"refs/heads/{branch}\" does not exist.", "NOT_FOUND");
            if (head != expected)
            {
                throw new GraphQlError($"Expected branch to point to \"{expected}\" but it did not.  Pull and try again.", "STALE_DATA");
            }

            if (Api(fullName).RequirePullRequest && branch == repo.DefaultBranch)
            {
                throw new GraphQlError("Changes must be made through a pull request.", "BRANCH_PROTECTION_RULE_VIOLATION");
            }

            var changes = input["fileChanges"] as JsonObject;
            var additions = (changes?["additions"] as JsonArray ?? []).Select(n => (Path: n!["path"]!.GetValue<string>(), Content: Convert.FromBase64String(n["contents"]!.GetValue<string>()))).ToList();
            var deletions = (changes?["deletions"] as JsonArray ?? []).Select(n => n!["path"]!.GetValue<string>()).ToList();
            var message = input["message"] as JsonObject;
            var text = (message?["headline"]?.GetValue<string>() ?? throw new GraphQlError("message headline is required"))
                + (message["body"]?.GetValue<string>() is { Length: > 0 } body ? "\n\n" + body : string.Empty);
            var sha = repo.CommitChanges(head, branch, additions, deletions, text, login, $"{login}@users.noreply.github.com");
            if (SignsApiCommits)
            {
                MarkVerified(repo, sha);
            }
            return new GraphQlObject("CreateCommitOnBranchPayload", new Dictionary<string, Func<IReadOnlyDictionary<string, JsonNode?>, object?>>
            {
                ["commit"] = _ => CommitObject(repo, sha),
                ["ref"] = _ => RefObject(repo, branch),
            });
        }
    }

    /// <summary>False: a GitHub Enterprise Server whose site admin has not enabled web commit signing (API commits stay unsigned).</summary>
    public bool SignsApiCommits { get; set; } = true;

    /// <summary>Runs while a createCommitOnBranch is in flight, after its checks of the input: tests land another writer here.</summary>
    public Action<FakeRepo, string>? BeforeCommitOnBranch { get; set; }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Repo, string Command), string> immutable = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Repo, string Sha), byte[]> blobs = new();

    /// <summary>
    /// git output that depends only on object ids (trees, blobs, a commit's message, history from a
    /// commit): computed once. GitHub answers these from its object store without a process per field.
    /// </summary>
    private string Immutable(FakeRepo repo, params string[] args) =>
        immutable.GetOrAdd((repo.BarePath, string.Join('\0', args)), _ => repo.Git(args));

    private static string? TryGit(FakeRepo repo, params string[] args)
    {
        try
        {
            var output = repo.Git(args);
            return output.Length == 0 ? null : output;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }
}
