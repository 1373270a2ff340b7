using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace GitOpsDeploy.Tests.Fakes;

/// <summary>
/// What fan-in needs from GitHub: <c>Repository.id</c>, <c>refs(refPrefix:, first:, after:)</c>
/// (names relative to the prefix, alphabetical, cursor-paginated, 100 per page at most), the atomic
/// <c>updateRefs</c> mutation (an all-zero afterOid deletes; a beforeOid that does not match
/// rejects every update), and the secondary rate limit on content-generating requests: REST writes
/// and GraphQL mutations together, per identity, per sliding minute, answered 403 with retry-after.
/// </summary>
public sealed partial class FakeGitHub
{
    private const string ZeroOid = "0000000000000000000000000000000000000000";

    /// <summary>GitHub's answer to any ref over 255 bytes, on pushes, REST and GraphQL alike.</summary>
    public const string RefTooLong = "GH005: Sorry, refs longer than 255 bytes are not allowed.";

    /// <summary>Whether a ref name is longer than GitHub accepts (bytes, not characters).</summary>
    public static bool TooLong(string name) => Encoding.UTF8.GetByteCount(name) > 255;
    private readonly Dictionary<string, Queue<DateTimeOffset>> contentWindow = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> contentTotals = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> contentRefused = new(StringComparer.Ordinal);

    /// <summary>GitHub's limit of content-generating requests per minute per identity (80 on github.com); null: no limit.</summary>
    public int? ContentLimitPerMinute { get; set; }

    /// <summary>The sliding window the limit applies to (a minute on GitHub; tests shorten it).</summary>
    public TimeSpan ContentWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Content-generating requests (REST writes, GraphQL mutations) the identity made and GitHub accepted.</summary>
    public int ContentRequests(string login)
    {
        lock (contentWindow)
        {
            return contentTotals.GetValueOrDefault(login);
        }
    }

    /// <summary>Content-generating requests refused with the secondary rate limit.</summary>
    public int RateLimited(string login)
    {
        lock (contentWindow)
        {
            return contentRefused.GetValueOrDefault(login);
        }
    }

    /// <summary>Counts one content-generating request; the seconds to wait instead when the identity's minute is full.</summary>
    private int? TakeContentBudget(string login)
    {
        lock (contentWindow)
        {
            var now = DateTimeOffset.UtcNow;
            if (!contentWindow.TryGetValue(login, out var window))
            {
                contentWindow[login] = window = new Queue<DateTimeOffset>();
            }

            while (window.Count > 0 && now - window.Peek() >= ContentWindow)
            {
                window.Dequeue();
            }

            if (ContentLimitPerMinute is { } limit && window.Count >= limit)
            {
                contentRefused[login] = contentRefused.GetValueOrDefault(login) + 1;
                return Math.Max(1, (int)Math.Ceiling((window.Peek() + ContentWindow - now).TotalSeconds));
            }

            window.Enqueue(now);
            contentTotals[login] = contentTotals.GetValueOrDefault(login) + 1;
            return null;
        }
    }

    private static readonly object SecondaryRateLimit = new
    {
        message = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.",
        documentation_url = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
    };

    /// <summary>refs(refPrefix:) on a repository: every ref under the prefix, names without it.</summary>
    private GraphQlObject RefConnection(FakeRepo repo, IReadOnlyDictionary<string, JsonNode?> a)
    {
        var prefix = GraphQlObject.Text(a, "refPrefix") ?? throw new GraphQlError("Argument 'refPrefix' on Field 'refs' is required.", "INVALID");
        if (!prefix.EndsWith('/'))
        {
            throw new GraphQlError("refPrefix must end with '/'", "INVALID");
        }

        var first = GraphQlObject.Int(a, "first") ?? throw new GraphQlError("You must provide a `first` or `last` value to properly paginate the `refs` connection.", "MISSING_PAGINATION_BOUNDARIES");
        if (first is < 1 or > 100)
        {
            throw new GraphQlError($"Requesting {first} records on the `refs` connection exceeds the `first` limit of 100 records.", "EXCESSIVE_PAGINATION");
        }

        var all = repo.Git("for-each-ref", "--format=%(refname) %(objectname)", prefix).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ')).Select(p => (Name: p[0][prefix.Length..], Sha: p[1])).OrderBy(r => r.Name, StringComparer.Ordinal).ToList();
        var skip = GraphQlObject.Text(a, "after") is { } cursor ? int.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(cursor)), CultureInfo.InvariantCulture) + 1 : 0;
        var page = all.Skip(skip).Take(first).ToList();
        return new GraphQlObject("RefConnection", new Dictionary<string, Func<IReadOnlyDictionary<string, JsonNode?>, object?>>
        {
            ["totalCount"] = _ => all.Count,
            ["nodes"] = _ => page.Select(r => new GraphQlObject("Ref", new Dictionary<string, Func<IReadOnlyDictionary<string, JsonNode?>, object?>>
            {
                ["name"] = _ => r.Name,
                ["prefix"] = _ => prefix,
                ["target"] = _ => GitObject(repo, r.Sha),
            })).ToList(),
            ["pageInfo"] = _ => new GraphQlObject("PageInfo", new Dictionary<string, Func<IReadOnlyDictionary<string, JsonNode?>, object?>>
            {
                ["hasNextPage"] = _ => skip + page.Count < all.Count,
                ["endCursor"] = _ => page.Count == 0 ? null : Convert.ToBase64String(Encoding.UTF8.GetBytes((skip + page.Count - 1).ToString(CultureInfo.InvariantCulture))),
            }),
        });
    }

    /// <summary>createRef: a new ref at an existing commit; one that exists is refused.</summary>
    private GraphQlObject CreateRefMutation(JsonObject input, (Permission Permission, string[]? Repos) grant)
    {
        var (_, repo) = ByNodeId(input, grant);
        var name = input["name"]?.GetValue<string>() ?? throw new GraphQlError("Argument 'name' on InputObject 'CreateRefInput' is required.", "INVALID");
        var oid = input["oid"]?.GetValue<string>() ?? throw new GraphQlError("Argument 'oid' on InputObject 'CreateRefInput' is required.", "INVALID");
        if (!name.StartsWith("refs/", StringComparison.Ordinal) || name.Count(c => c == '/') < 2)
        {
            throw new GraphQlError($"Invalid ref name '{name}'", "UNPROCESSABLE");
        }

        if (TooLong(name))
        {
            throw new GraphQlError(RefTooLong, "UNPROCESSABLE");
        }

        if (TryGit(repo, "cat-file", "-t", oid) != "commit")
        {
            // CreateRefInput.oid: "The GitObjectID that the new Ref shall target. Must point to a commit."
            throw new GraphQlError($"Could not resolve to a commit with the oid '{oid}'", "NOT_FOUND");
        }

        lock (state)
        {
            try
            {
                repo.Git("update-ref", name, oid, ZeroOid);
            }
            catch (InvalidOperationException)
            {
                throw new GraphQlError($"A ref named \"{name}\" already exists in the repository.", "UNPROCESSABLE");
            }
        }

        return new GraphQlObject("CreateRefPayload", new Dictionary<string, Func<IReadOnlyDictionary<string, JsonNode?>, object?>>
        {
            ["ref"] = _ => new GraphQlObject("Ref", new Dictionary<string, Func<IReadOnlyDictionary<string, JsonNode?>, object?>> { ["name"] = _ => name }),
        });
    }

    /// <summary>The repository a mutation's repositoryId names, if the token may write it.</summary>
    private (ApiRepo Api, FakeRepo Repo) ByNodeId(JsonObject input, (Permission Permission, string[]? Repos) grant)
    {
        var id = input["repositoryId"]?.GetValue<string>() ?? throw new GraphQlError("Argument 'repositoryId' is required.", "INVALID");
        var api = repos.Values.FirstOrDefault(r => $"R_{r.Id}" == id && r.Git is not null)
            ?? throw new GraphQlError($"Could not resolve to a node with the global id of '{id}'", "NOT_FOUND");
        var repo = Visible(api.FullName, grant) ?? throw new GraphQlError($"Could not resolve to a node with the global id of '{id}'", "NOT_FOUND");
        if (grant.Permission == Permission.Read)
        {
            throw new GraphQlError("Resource not accessible by integration", "FORBIDDEN");
        }

        return (api, repo);
    }

    /// <summary>updateRefs: all updates in one git transaction, so either every ref moves or none does.</summary>
    private GraphQlObject UpdateRefs(JsonObject input, (Permission Permission, string[]? Repos) grant)
    {
        var (api, repo) = ByNodeId(input, grant);

        var script = new StringBuilder("start\n");
        foreach (var update in input["refUpdates"]?.AsArray() ?? [])
        {
            var name = update!["name"]?.GetValue<string>() ?? throw new GraphQlError("RefUpdate name is required", "INVALID");
            var after = update["afterOid"]?.GetValue<string>() ?? throw new GraphQlError("RefUpdate afterOid is required", "INVALID");
            var before = update["beforeOid"]?.GetValue<string>();
            if (!name.StartsWith("refs/", StringComparison.Ordinal) || name.Contains("..", StringComparison.Ordinal) || name.Any(c => c is ' ' or '~' or '^' or ':' or '\\' || char.IsControl(c)))
            {
                throw new GraphQlError($"Invalid ref name '{name}'", "UNPROCESSABLE");
            }

            if (TooLong(name))
            {
                throw new GraphQlError(RefTooLong, "UNPROCESSABLE");
            }

            if (name == $"refs/heads/{repo.DefaultBranch}" && api.RequirePullRequest)
            {
                throw new GraphQlError("Changes must be made through a pull request.", "BRANCH_PROTECTION_RULE_VIOLATION");
            }

            script.Append(after == ZeroOid ? $"delete {name}{(before is null ? string.Empty : " " + before)}\n" : $"update {name} {after}{(before is null ? string.Empty : " " + before)}\n");
        }

        script.Append("commit\n");
        lock (state)
        {
            try
            {
                GitCli.RunBytes(repo.BarePath, Encoding.UTF8.GetBytes(script.ToString()), "update-ref", "--stdin");
            }
            catch (InvalidOperationException e)
            {
                throw new GraphQlError($"A ref update was rejected: {e.Message.Split(':').Last().Trim()}", "UNPROCESSABLE");
            }
        }

        return new GraphQlObject("UpdateRefsPayload", new Dictionary<string, Func<IReadOnlyDictionary<string, JsonNode?>, object?>> { ["clientMutationId"] = _ => null });
    }
}
