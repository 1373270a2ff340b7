using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using GitOpsDeploy.Core.Landing.FanIn;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Editing;
using GitOpsDeploy.GitHub.GraphQl;

namespace GitOpsDeploy.GitHub.Api;

/// <summary>
/// The fan-in board on GitHub: one short ref per intent under <see cref="IntentPrefix"/> (never fetched by a
/// default clone), one folder per branch, each pointing at a parentless payload commit whose message is the
/// intent. Reads are BoardState.graphql (and ReadBranch.graphql's board part); a write is one BoardWrite.graphql
/// request whose mutations run in order (clear, publish or refresh, commit), so it costs one content-generating
/// request whatever it holds.
/// </summary>
public sealed class ApiIntentBoard(GitHubGraphQl graphQl, ApiPublisher publisher, string repository) : IIntentBoard
{
    /// <summary>Intents live in refs under here, one folder per branch.</summary>
    public const string IntentPrefix = "refs/gitops-deploy/pending/";

    private readonly string owner = repository.Split('/')[0];
    private readonly string name = repository.Split('/')[1];

    /// <summary>The repository's node id (ref mutations need it), learnt from any read.</summary>
    private string? repositoryId;

    /// <summary>A tree the repository has (the last one read): an intent's payload commit points at it.</summary>
    private string? knownTree;

    /// <summary>
    /// A branch as one short ref component (the first 16 hex digits of its SHA-256), so every intent ref is 70 bytes
    /// whatever the branch is called, and the intents of "release" and "release/1.0" never mix.
    /// </summary>
    public static string BranchFolder(string branch) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(branch)))[..16];

    public static string IntentRef(string branch, string name) => $"{IntentPrefix}{BranchFolder(branch)}/{name}";

    /// <summary>What a read of the repository taught: its node id, a tree it holds.</summary>
    public void Learn(string? id, string? tree)
    {
        repositoryId = id ?? repositoryId;
        knownTree = tree ?? knownTree;
    }

    public async Task<BoardState> ReadAsync(string branch, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var json = await graphQl.QueryAsync("BoardState", new JsonObject
        {
            ["owner"] = owner, ["name"] = name, ["qualified"] = $"refs/heads/{branch}", ["prefix"] = IntentPrefix,
            ["since"] = since.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
        }, "read the pending changes", cancellationToken);
        var repo = json["data"]?["repository"];
        var commit = repo?["branch"]?["target"] ?? throw new DeployException(ErrorKind.NotFound, $"branch '{branch}' of {repository} was not found; check base-branch");
        Learn(repo!["id"]?.GetValue<string>(), commit["tree"]?["oid"]?.GetValue<string>());
        var recent = commit["history"]!["nodes"]!.AsArray()
            .Select(n => new BoardCommit(n!["oid"]!.GetValue<string>(), n["message"]!.GetValue<string>(), n["signature"]?["isValid"]?.GetValue<bool>() ?? false)).ToList();
        return new BoardState(commit["oid"]!.GetValue<string>(), await PendingAsync(repo["pending"]!.AsObject(), branch, cancellationToken), recent);
    }

    public async Task<BoardWriteOutcome> WriteAsync(string branch, string atSha, BoardWrite write, CancellationToken cancellationToken)
    {
        var id = repositoryId ?? throw new InvalidOperationException("the repository is read before the board is written");
        // Every part's variable is sent (GitHub checks them all); a part switched off carries a valid value it never uses.
        var unused = new JsonObject { ["repositoryId"] = id, ["refUpdates"] = new JsonArray() };
        var variables = new JsonObject
        {
            ["clear"] = unused.DeepClone(), ["withClear"] = false,
            ["intent"] = new JsonObject { ["repositoryId"] = id, ["name"] = IntentPrefix + "unused", ["oid"] = new string('0', 40) }, ["withIntent"] = false,
            ["refresh"] = unused.DeepClone(), ["withRefresh"] = false,
            ["commit"] = ApiPublisher.Unused(repository, branch), ["withCommit"] = false,
        };
        if (write.Clear.Count > 0)
        {
            // An all-zero afterOid deletes a ref; deleting one another run already deleted changes nothing.
            variables["clear"] = new JsonObject
            {
                ["repositoryId"] = id,
                ["refUpdates"] = new JsonArray([.. write.Clear.Select(i => (JsonNode)new JsonObject { ["name"] = IntentRef(branch, i.Key ?? IntentCodec.Name(i)), ["afterOid"] = new string('0', 40), ["force"] = true })]),
            };
            variables["withClear"] = true;
        }

        DeployIntent? publishing = null;
        if (write.Publish is { } intent)
        {
            // The intent's content lives in a commit object of its own; the ref that names it stays short.
            var payload = await PayloadAsync(intent, cancellationToken);
            var key = intent.Key ?? IntentCodec.Name(intent);
            publishing = intent with { Key = key, Object = payload };
            if (intent.Object is { } previous)
            {
                // A fresh proof for an intent already on the board: the ref moves to the new payload, if it is still ours.
                variables["refresh"] = new JsonObject { ["repositoryId"] = id, ["refUpdates"] = new JsonArray(new JsonObject { ["name"] = IntentRef(branch, key), ["beforeOid"] = previous, ["afterOid"] = payload, ["force"] = true }) };
                variables["withRefresh"] = true;
            }
            else
            {
                variables["intent"] = new JsonObject { ["repositoryId"] = id, ["name"] = IntentRef(branch, key), ["oid"] = payload };
                variables["withIntent"] = true;
            }
        }

        if (write.Commit is { } draft)
        {
            variables["commit"] = publisher.CommitInput(draft, branch);
            variables["withCommit"] = true;
        }

        JsonObject json;
        try
        {
            json = await graphQl.MutateAsync("BoardWrite", variables, $"commit to '{branch}'", cancellationToken);
        }
        catch (DeployException e) when (e.Kind == ErrorKind.Transient && !cancellationToken.IsCancellationRequested)
        {
            // No answer (a 5xx, a lost connection): what GitHub holds now says what the request did.
            var landed = write.Commit is { } sent ? await publisher.LandedAsync(sent, branch, e, cancellationToken) : null;
            var onBoard = publishing is not null && (await ReadAsync(branch, DateTimeOffset.UtcNow, cancellationToken)).Pending.Any(p => p.Key == publishing.Key);
            return new BoardWriteOutcome(landed, onBoard ? publishing : null);
        }

        var errors = (json["errors"] as JsonArray ?? []).OfType<JsonNode>().ToList();
        JsonNode? ErrorOf(string alias) => errors.FirstOrDefault(e => e["path"]?.AsArray().FirstOrDefault()?.GetValue<string>() == alias)
            ?? (json["data"] is null ? errors.FirstOrDefault() : null);
        // A failed clear is housekeeping left undone: the next write clears what stays, or it expires.
        var alias = write.Publish?.Object is null ? "intent" : "refresh";
        var published = publishing is not null && json["data"]?[alias] is JsonObject;
        if (publishing is not null && !published && ErrorOf(alias)?["type"]?.GetValue<string>() == "FORBIDDEN")
        {
            throw new DeployException(ErrorKind.PermissionDenied, $"could not publish this run's change as an intent on {repository} for the other runs: {ApiRepository.TokenInput} needs contents: write");
        }

        var commit = write.Commit is null ? null : publisher.CommitOutcome(json["data"]?["commit"], ErrorOf("commit"), branch);
        return new BoardWriteOutcome(commit, published ? publishing : null);
    }

    /// <summary>The intents under our prefix that belong to <paramref name="branch"/>, oldest first (more than a page: read on).</summary>
    public async Task<IReadOnlyList<DeployIntent>> PendingAsync(JsonObject refs, string branch, CancellationToken cancellationToken)
    {
        var names = refs["nodes"]!.AsArray().Select(Pending).ToList();
        var cursor = refs["pageInfo"]?["hasNextPage"]?.GetValue<bool>() == true ? refs["pageInfo"]!["endCursor"]?.GetValue<string>() : null;
        while (cursor is not null)
        {
            var json = await graphQl.QueryAsync("PendingPage", new JsonObject { ["owner"] = owner, ["name"] = name, ["prefix"] = IntentPrefix, ["after"] = cursor },
                "read the pending changes", cancellationToken);
            var page = json["data"]!["repository"]!["refs"]!;
            names.AddRange(page["nodes"]!.AsArray().Select(Pending));
            cursor = page["pageInfo"]?["hasNextPage"]?.GetValue<bool>() == true ? page["pageInfo"]!["endCursor"]?.GetValue<string>() : null;
        }

        var folder = BranchFolder(branch) + "/";
        return names.Where(n => n.Name.StartsWith(folder, StringComparison.Ordinal)).DistinctBy(n => n.Name, StringComparer.Ordinal).OrderBy(n => n.Name, StringComparer.Ordinal)
            .Select(n => IntentCodec.Decode(n.Name[folder.Length..], n.Message, n.Oid) ?? Unreadable(n.Name[folder.Length..], n.Oid)).ToList();
    }

    /// <summary>The payload commit of an intent (REST: GraphQL cannot create a commit off a branch): no parent, a tree the repository has.</summary>
    private async Task<string> PayloadAsync(DeployIntent intent, CancellationToken cancellationToken)
    {
        var tree = knownTree ?? throw new InvalidOperationException("the repository is read before an intent is published");
        var created = await graphQl.RestAsync(client => client.Git.Commit.Create(owner, name, new Octokit.NewCommit(IntentCodec.Payload(intent), tree, [])),
            "publish this run's change as an intent", "contents: write", cancellationToken);
        return created.Sha;
    }

    /// <summary>A ref under our prefix as GraphQL lists it: its name, and the payload commit it points at.</summary>
    private static (string Name, string? Oid, string? Message) Pending(JsonNode? node) =>
        (node!["name"]!.GetValue<string>(), node["target"]?["oid"]?.GetValue<string>(), node["target"]?["message"]?.GetValue<string>());

    /// <summary>
    /// A ref under our prefix that holds no readable intent (another version's, or not ours at all): listed with a
    /// date that makes it expired, so the next write deletes it instead of leaving it to block the line.
    /// </summary>
    private static DeployIntent Unreadable(string name, string? oid) =>
        new(name, "unreadable", DateTimeOffset.UnixEpoch, string.Empty, string.Empty, []) { Key = name, Object = oid };
}
