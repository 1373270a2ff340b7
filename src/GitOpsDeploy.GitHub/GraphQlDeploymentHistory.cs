using System.Globalization;
using System.Text.Json.Nodes;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Editing;
using GitOpsDeploy.GitHub.GraphQl;

namespace GitOpsDeploy.GitHub;

/// <summary>
/// An environment's deployments for DORA metrics through GraphQL (DeploymentHistory.graphql): pages of 100, newest
/// first, each deployment with its statuses and its commit's time in the same answer, so a window costs one request
/// per 100 deployments instead of one REST call per deployment plus one per source commit.
/// </summary>
public sealed class GraphQlDeploymentHistory(GitHubGraphQl graphQl, string repository)
{
    /// <summary>GitHub's largest page.</summary>
    public const int PageSize = 100;

    private const string Permission = "deployments: read";
    private readonly string owner = repository.Split('/')[0];
    private readonly string name = repository.Split('/')[1];

    /// <summary>Deployments of <paramref name="environment"/> created at or after <paramref name="since"/>, newest first, at most <paramref name="max"/>.</summary>
    public async Task<IReadOnlyList<DeploymentRecord>> ReadAsync(string environment, DateTimeOffset since, int max, CancellationToken cancellationToken)
    {
        var records = new List<DeploymentRecord>();
        string? cursor = null;
        while (true)
        {
            var json = await graphQl.QueryAsync("DeploymentHistory", new JsonObject { ["owner"] = owner, ["name"] = name, ["environment"] = environment, ["after"] = cursor },
                $"read the deployments of {environment}", Permission, cancellationToken);
            var deployments = json["data"]?["repository"]?["deployments"]
                ?? throw new DeployException(ErrorKind.NotFound, $"could not read the deployments of {environment}: GitHub answered no repository {repository}");
            foreach (var node in deployments["nodes"]?.AsArray() ?? [])
            {
                if (node is null)
                {
                    continue;
                }

                var record = Record(node);
                if (record.CreatedAt < since || records.Count == max)
                {
                    // Newest first: everything after this is older still (or beyond the bound).
                    return records;
                }

                records.Add(record);
            }

            if (deployments["pageInfo"]?["hasNextPage"]?.GetValue<bool>() != true || deployments["pageInfo"]?["endCursor"]?.GetValue<string>() is not { } next)
            {
                return records;
            }

            cursor = next;
        }
    }

    private static DeploymentRecord Record(JsonNode node)
    {
        var statuses = (node["statuses"]?["nodes"]?.AsArray() ?? []).OfType<JsonNode>().Select(Status).ToList();
        // Over 100 statuses: the first page holds how it ended; the latest status adds a later rollback ("rolled back to ...").
        if (node["latestStatus"] is { } latest && Status(latest) is var last && !statuses.Contains(last))
        {
            statuses.Add(last);
        }

        return new DeploymentRecord(
            node["databaseId"]?.GetValue<long>() ?? 0,
            node["commitOid"]!.GetValue<string>(),
            Time(node["createdAt"]),
            [.. statuses.OrderBy(s => s.At)])
        {
            // A commit GitHub no longer has (force-pushed away): its lead time is unknown, not an error.
            CommittedAt = node["commit"]?["committedDate"] is { } committed ? Time(committed) : null,
        };
    }

    /// <summary>GraphQL's DeploymentStatusState (SUCCESS, IN_PROGRESS) in REST's words (success, in_progress), as <see cref="DeploymentRecord"/> reads them.</summary>
    private static (string State, string? Description, DateTimeOffset At) Status(JsonNode status) =>
        (status["state"]!.GetValue<string>().ToLowerInvariant(), status["description"]?.GetValue<string>(), Time(status["createdAt"]));

    private static DateTimeOffset Time(JsonNode? value) =>
        DateTimeOffset.Parse(value!.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
