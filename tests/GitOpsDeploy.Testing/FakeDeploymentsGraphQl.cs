using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace GitOpsDeploy.Tests.Fakes;

/// <summary>
/// GitHub's GraphQL <c>Repository.deployments(environments:, first:, after:, orderBy:)</c> over the deployments the REST
/// endpoints create: ordered by creation time (ascending unless <c>orderBy</c> says DESC, as GitHub's default is), at
/// most 100 per page with keyset cursors (a deployment created between two pages does not shift the next one), each
/// deployment with its statuses (oldest first, the same 100 limit), its latest status and its commit.
/// </summary>
public sealed partial class FakeGitHub
{
    private const string DeploymentCursorPrefix = "cursor:v2:";

    private ApiRepo? VisibleApiOnly(string fullName, (Permission Permission, string[]? Repos) grant) =>
        repos.TryGetValue(fullName, out var api) && api.Git is null && (grant.Repos is null || grant.Repos.Contains(fullName, StringComparer.OrdinalIgnoreCase)) ? api : null;

    /// <summary>An application repository the fake holds no git content for: its identity and its deployments.</summary>
    private GraphQlObject ApiOnlyRepositoryObject(ApiRepo api) => new("Repository", new Dictionary<string, Func<IReadOnlyDictionary<string, JsonNode?>, object?>>
    {
        ["nameWithOwner"] = _ => api.FullName,
        ["id"] = _ => $"R_{api.Id}",
        ["deployments"] = a => DeploymentConnection(api, a),
    });

    private GraphQlObject DeploymentConnection(ApiRepo api, IReadOnlyDictionary<string, JsonNode?> a)
    {
        var first = PageSize(a, "deployments");
        var environments = a.TryGetValue("environments", out var listed) && listed is JsonArray names ? names.Select(n => n!.GetValue<string>()).ToHashSet(StringComparer.Ordinal) : null;
        var descending = a.TryGetValue("orderBy", out var order) && order is JsonObject o
            ? (o["field"]?.GetValue<string>() == "CREATED_AT" ? o["direction"]?.GetValue<string>() == "DESC" : throw new GraphQlError("Argument 'orderBy' has an invalid value.", "INVALID"))
            : false;
        List<FakeDeployment> all;
        lock (state)
        {
            all = [.. api.Deployments.Where(d => environments is null || environments.Contains(d.Environment))];
        }

        var ordered = descending
            ? all.OrderByDescending(d => d.CreatedAt.UtcTicks).ThenByDescending(d => d.Id).ToList()
            : all.OrderBy(d => d.CreatedAt.UtcTicks).ThenBy(d => d.Id).ToList();
        if (GraphQlObject.Text(a, "after") is { } cursor)
        {
            var (ticks, id) = DecodeCursor(cursor);
            ordered = [.. ordered.SkipWhile(d => descending
                ? d.CreatedAt.UtcTicks > ticks || (d.CreatedAt.UtcTicks == ticks && d.Id >= id)
                : d.CreatedAt.UtcTicks < ticks || (d.CreatedAt.UtcTicks == ticks && d.Id <= id))];
        }

        var page = ordered.Take(first).ToList();
        return new GraphQlObject("DeploymentConnection", new Dictionary<string, Func<IReadOnlyDictionary<string, JsonNode?>, object?>>
        {
            ["totalCount"] = _ => all.Count,
            ["nodes"] = _ => page.Select(d => DeploymentObject(api, d)).ToList(),
            ["pageInfo"] = _ => new GraphQlObject("PageInfo", new Dictionary<string, Func<IReadOnlyDictionary<string, JsonNode?>, object?>>
            {
                ["hasNextPage"] = _ => ordered.Count > page.Count,
                ["hasPreviousPage"] = _ => GraphQlObject.Text(a, "after") is not null,
                ["endCursor"] = _ => page.Count == 0 ? null : EncodeCursor(page[^1]),
                ["startCursor"] = _ => page.Count == 0 ? null : EncodeCursor(page[0]),
            }),
        });
    }

    private GraphQlObject DeploymentObject(ApiRepo api, FakeDeployment d)
    {
        List<FakeDeploymentStatus> statuses;
        lock (state)
        {
            statuses = [.. d.Statuses];
        }

        return new GraphQlObject("Deployment", new Dictionary<string, Func<IReadOnlyDictionary<string, JsonNode?>, object?>>
        {
            ["id"] = _ => $"DE_kwFake{d.Id}",
            ["databaseId"] = _ => checked((int)d.Id),
            ["commitOid"] = _ => d.Sha,
            ["createdAt"] = _ => GitHubTime(d.CreatedAt),
            ["updatedAt"] = _ => GitHubTime(statuses.Count == 0 ? d.CreatedAt : statuses[^1].CreatedAt),
            ["environment"] = _ => d.Environment,
            ["originalEnvironment"] = _ => d.Environment,
            ["latestEnvironment"] = _ => d.Environment,
            ["task"] = _ => d.Task,
            ["description"] = _ => d.Description,
            // GitHub calls a deployment whose latest status is success ACTIVE (DeploymentState has no SUCCESS for the latest).
            ["state"] = _ => d.LastState switch { null => "PENDING", "success" => "ACTIVE", var last => last.ToUpperInvariant() },
            ["latestStatus"] = _ => statuses.Count == 0 ? null : StatusObject(statuses[^1]),
            ["statuses"] = a =>
            {
                var first = PageSize(a, "statuses");
                var skip = GraphQlObject.Text(a, "after") is { } cursor ? (int)DecodeCursor(cursor).Id : 0;
                var page = statuses.Skip(skip).Take(first).ToList();
                return new GraphQlObject("DeploymentStatusConnection", new Dictionary<string, Func<IReadOnlyDictionary<string, JsonNode?>, object?>>
                {
                    ["totalCount"] = _ => statuses.Count,
                    ["nodes"] = _ => page.Select(StatusObject).ToList(),
                    ["pageInfo"] = _ => new GraphQlObject("PageInfo", new Dictionary<string, Func<IReadOnlyDictionary<string, JsonNode?>, object?>>
                    {
                        ["hasNextPage"] = _ => skip + page.Count < statuses.Count,
                        ["endCursor"] = _ => page.Count == 0 ? null : Convert.ToBase64String(Encoding.UTF8.GetBytes($"{DeploymentCursorPrefix}0:{skip + page.Count}")),
                    }),
                });
            },
            ["commit"] = _ => DeployedCommit(api, d.Sha),
        });
    }

    /// <summary>The deployed commit: from the repository's git content, or the commit times an API-only repository was given (null for a commit GitHub no longer has, as REST's 422).</summary>
    private GraphQlObject? DeployedCommit(ApiRepo api, string sha)
    {
        if (api.Git is { } git)
        {
            return TryGit(git, "rev-parse", "--verify", "--quiet", sha + "^{commit}") is { } full ? CommitObject(git, full) : null;
        }

        return api.CommitTimes.TryGetValue(sha, out var committed)
            ? new GraphQlObject("Commit", new Dictionary<string, Func<IReadOnlyDictionary<string, JsonNode?>, object?>>
            {
                ["oid"] = _ => sha,
                ["committedDate"] = _ => GitHubTime(committed),
                ["url"] = _ => $"{ServerUrl}/{api.FullName}/commit/{sha}",
            })
            : null;
    }

    private static GraphQlObject StatusObject(FakeDeploymentStatus s) => new("DeploymentStatus", new Dictionary<string, Func<IReadOnlyDictionary<string, JsonNode?>, object?>>
    {
        ["id"] = _ => $"DES_kwFake{s.Id}",
        ["state"] = _ => s.State.ToUpperInvariant(),
        ["description"] = _ => s.Description,
        ["createdAt"] = _ => GitHubTime(s.CreatedAt),
        ["updatedAt"] = _ => GitHubTime(s.CreatedAt),
        ["logUrl"] = _ => s.LogUrl,
        ["environmentUrl"] = _ => s.EnvironmentUrl,
    });

    /// <summary>first: required, 1 to 100, in GitHub's words.</summary>
    private static int PageSize(IReadOnlyDictionary<string, JsonNode?> a, string connection)
    {
        var first = GraphQlObject.Int(a, "first") ?? throw new GraphQlError($"You must provide a `first` or `last` value to properly paginate the `{connection}` connection.", "MISSING_PAGINATION_BOUNDARIES");
        return first is < 1 or > 100
            ? throw new GraphQlError($"Requesting {first} records on the `{connection}` connection exceeds the `first` limit of 100 records.", "EXCESSIVE_PAGINATION")
            : first;
    }

    /// <summary>GitHub's DateTime: ISO 8601 in UTC, whole seconds.</summary>
    private static string GitHubTime(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string EncodeCursor(FakeDeployment d) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{DeploymentCursorPrefix}{d.CreatedAt.UtcTicks.ToString(CultureInfo.InvariantCulture)}:{d.Id.ToString(CultureInfo.InvariantCulture)}"));

    private static (long Ticks, long Id) DecodeCursor(string cursor)
    {
        string text;
        try
        {
            text = Encoding.UTF8.GetString(Convert.FromBase64String(cursor));
        }
        catch (FormatException)
        {
            text = string.Empty;
        }

        var parts = text.StartsWith(DeploymentCursorPrefix, StringComparison.Ordinal) ? text[DeploymentCursorPrefix.Length..].Split(':') : [];
        return parts.Length == 2 && long.TryParse(parts[0], CultureInfo.InvariantCulture, out var ticks) && long.TryParse(parts[1], CultureInfo.InvariantCulture, out var id)
            ? (ticks, id)
            : throw new GraphQlError($"`{cursor}` does not appear to be a valid cursor.", "INVALID_CURSOR_ARGUMENTS");
    }
}
