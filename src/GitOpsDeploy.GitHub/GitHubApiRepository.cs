using System.Text;
using System.Text.Json.Nodes;
using GitOpsDeploy.Core.Landing.FanIn;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Core.Text;
using GitOpsDeploy.Editing;
using Octokit;
using NewCommit = GitOpsDeploy.Core.Ports.NewCommit;

namespace GitOpsDeploy.GitHub;

/// <summary>
/// The snapshot and publisher ports over GitHub's API: no clone. A snapshot is the branch head and
/// the overlays' directories with their files, read in one GraphQL request and pinned to that
/// commit; anything else (other directories, older commits, history) is read on demand at the same
/// commit. Publishing is one <c>createCommitOnBranch</c> mutation, which GitHub signs and which is a
/// compare-and-swap on the head the snapshot saw (STALE_DATA: a lost race).
/// </summary>
public sealed class GitHubApiRepository(IGitHubClient client, RateLimitGate gate, string repository, Uri graphQl) : IGitOpsSnapshots, IPublisher, IIntentBoard
{
    /// <summary>Intents live in refs under here (never fetched by a default clone), one folder per branch.</summary>
    public const string IntentPrefix = "refs/gitops-deploy/pending/";
    private const string PendingField = "pending: refs(refPrefix: $prefix, first: 100) { nodes { name target { oid ... on Commit { message } } } pageInfo { hasNextPage } }";
    private const string TokenInput = "gitops-token";
    private const string EntryFields = "name mode type oid";
    private const string BlobFields = "... on Blob { text isBinary isTruncated byteSize }";
    private readonly string owner = repository.Split('/')[0];
    private readonly string name = repository.Split('/')[1];

    /// <summary>GraphQL and REST requests made (the benchmarks report them).</summary>
    public int Requests { get; private set; }

    /// <summary>The repository's node id (updateRefs needs it), learnt from any read.</summary>
    private string? repositoryId;

    /// <summary>A tree the repository has (the last one read): an intent's payload commit points at it.</summary>
    private string? knownTree;

    public async Task<IGitOpsSnapshot> ReadAsync(string? branch, SnapshotHint hint, CancellationToken cancellationToken)
    {
        // Every directory on the way to each overlay (symlinks and '..' are resolved through them), the overlay with its files.
        var directories = hint.Directories.SelectMany(Prefixes).Distinct(StringComparer.Ordinal).ToList();
        var overlays = hint.Directories.ToHashSet(StringComparer.Ordinal);
        var variables = new JsonObject { ["owner"] = owner, ["name"] = name };
        var declarations = new StringBuilder("$owner: String!, $name: String!");
        var fields = new StringBuilder($"oid tree {{ oid entries {{ {EntryFields} }} }}");
        for (var i = 0; i < directories.Count; i++)
        {
            variables[$"p{i}"] = directories[i];
            declarations.Append($", $p{i}: String!");
            var entry = overlays.Contains(directories[i]) ? $"{EntryFields} object {{ {BlobFields} }}" : EntryFields;
            fields.Append($" d{i}: file(path: $p{i}) {{ type object {{ ... on Tree {{ entries {{ {entry} }} }} }} }}");
        }

        // With the board, enough history to tell which pending intents a commit already carried.
        var depth = hint.Pending ? Math.Max(hint.History, 20) : hint.History;
        if (depth > 1)
        {
            fields.Append($" history(first: {Math.Min(depth, 100)}) {{ nodes {{ oid message committedDate }} pageInfo {{ hasNextPage endCursor }} }}");
        }

        string refField;
        if (branch is null)
        {
            refField = "defaultBranchRef";
        }
        else
        {
            variables["qualified"] = $"refs/heads/{branch}";
            declarations.Append(", $qualified: String!");
            refField = "ref(qualifiedName: $qualified)";
        }

        var pending = string.Empty;
        if (hint.Pending)
        {
            variables["prefix"] = IntentPrefix;
            declarations.Append(", $prefix: String!");
            pending = PendingField;
        }

        var json = await QueryAsync($"query({declarations}) {{ repository(owner: $owner, name: $name) {{ id branch: {refField} {{ name target {{ ... on Commit {{ {fields} }} }} }} {pending} }} }}",
            variables, "read the gitops branch", cancellationToken);
        var repo = json["data"]?["repository"];
        repositoryId = repo?["id"]?.GetValue<string>() ?? repositoryId;
        var head = repo?["branch"] ?? throw new DeployException(ErrorKind.NotFound,
            branch is null ? $"{repository} has no default branch (is it empty?); set base-branch" : $"branch '{branch}' of {repository} was not found; check base-branch");
        var commit = head["target"]!;
        knownTree = commit["tree"]?["oid"]?.GetValue<string>() ?? knownTree;
        var tree = new ApiTree(this, commit["oid"]!.GetValue<string>(), cancellationToken);
        tree.Add(string.Empty, commit["tree"]!["entries"]!.AsArray());
        for (var i = 0; i < directories.Count; i++)
        {
            if (commit[$"d{i}"]?["object"]?["entries"] is JsonArray entries)
            {
                tree.Add(directories[i], entries);
            }
        }

        var snapshot = new ApiSnapshot(this, head["name"]!.GetValue<string>(), tree, cancellationToken);
        if (repo?["pending"] is JsonObject refs)
        {
            snapshot.Pending = await PendingAsync(refs, snapshot.Branch, cancellationToken);
        }

        if (commit["history"] is JsonObject history)
        {
            snapshot.AddHistory(history);
        }

        return snapshot;
    }

    public async Task<BoardState> ReadAsync(string branch, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var json = await QueryAsync(
            $"query($owner: String!, $name: String!, $qualified: String!, $prefix: String!, $since: GitTimestamp!) {{ repository(owner: $owner, name: $name) {{ id branch: ref(qualifiedName: $qualified) {{ target {{ ... on Commit {{ oid tree {{ oid }} history(first: 100, since: $since) {{ nodes {{ oid message signature {{ isValid }} }} }} }} }} }} {PendingField} }} }}",
            new JsonObject
            {
                ["owner"] = owner, ["name"] = name, ["qualified"] = $"refs/heads/{branch}", ["prefix"] = IntentPrefix,
                ["since"] = since.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
            },
            "read the pending changes", cancellationToken);
        var repo = json["data"]?["repository"];
        repositoryId = repo?["id"]?.GetValue<string>() ?? repositoryId;
        var commit = repo?["branch"]?["target"] ?? throw new DeployException(ErrorKind.NotFound, $"branch '{branch}' of {repository} was not found; check base-branch");
        knownTree = commit["tree"]?["oid"]?.GetValue<string>() ?? knownTree;
        var recent = commit["history"]!["nodes"]!.AsArray().Select(n => new BoardCommit(n!["oid"]!.GetValue<string>(), n["message"]!.GetValue<string>(), n["signature"]?["isValid"]?.GetValue<bool>() ?? false)).ToList();
        return new BoardState(commit["oid"]!.GetValue<string>(), await PendingAsync(repo!["pending"]!.AsObject(), branch, cancellationToken), recent);
    }

    public async Task<BoardWriteOutcome> WriteAsync(string branch, string atSha, BoardWrite write, CancellationToken cancellationToken)
    {
        // One GraphQL request, its mutations run in order: clear, publish, commit. An error in one does not stop the next.
        var id = repositoryId ?? throw new InvalidOperationException("the repository is read before the board is written");
        var declarations = new List<string>();
        var fields = new List<string>();
        var variables = new JsonObject();
        if (write.Clear.Count > 0)
        {
            // An all-zero afterOid deletes a ref; deleting one another run already deleted changes nothing.
            var updates = new JsonArray([.. write.Clear.Select(i => (JsonNode)new JsonObject { ["name"] = IntentRef(branch, i.Key ?? IntentCodec.Name(i)), ["afterOid"] = new string('0', 40), ["force"] = true })]);
            variables["clear"] = new JsonObject { ["repositoryId"] = id, ["refUpdates"] = updates };
            declarations.Add("$clear: UpdateRefsInput!");
            fields.Add("clear: updateRefs(input: $clear) { clientMutationId }");
        }

        DeployIntent? publishing = null;
        if (write.Publish is { } intent)
        {
            // The intent's content lives in a commit object of its own; the ref that names it stays short.
            var payload = await PayloadAsync(intent, cancellationToken);
            var name = IntentRef(branch, intent.Key ?? IntentCodec.Name(intent));
            publishing = intent with { Key = intent.Key ?? IntentCodec.Name(intent), Object = payload };
            if (intent.Object is { } previous)
            {
                // A fresh proof for an intent already on the board: the ref moves to the new payload, if it is still ours.
                variables["intent"] = new JsonObject { ["repositoryId"] = id, ["refUpdates"] = new JsonArray(new JsonObject { ["name"] = name, ["beforeOid"] = previous, ["afterOid"] = payload, ["force"] = true }) };
                declarations.Add("$intent: UpdateRefsInput!");
                fields.Add("intent: updateRefs(input: $intent) { clientMutationId }");
            }
            else
            {
                variables["intent"] = new JsonObject { ["repositoryId"] = id, ["name"] = name, ["oid"] = payload };
                declarations.Add("$intent: CreateRefInput!");
                fields.Add("intent: createRef(input: $intent) { ref { name } }");
            }
        }

        if (write.Commit is { } draft)
        {
            variables["commit"] = CommitInput(draft, branch);
            declarations.Add("$commit: CreateCommitOnBranchInput!");
            fields.Add("commit: createCommitOnBranch(input: $commit) { commit { oid signature { isValid } } }");
        }

        JsonObject json;
        try
        {
            json = await QueryAsync($"mutation({string.Join(", ", declarations)}) {{ {string.Join(" ", fields)} }}", variables, $"commit to '{branch}'", cancellationToken, mutation: true);
        }
        catch (DeployException e) when (e.Kind == ErrorKind.Transient && !cancellationToken.IsCancellationRequested)
        {
            // No answer (a 5xx, a lost connection): what GitHub holds now says what the request did.
            var landed = write.Commit is { } sent ? await LandedAsync(sent, branch, e, cancellationToken) : null;
            var onBoard = publishing is not null && (await ReadAsync(branch, DateTimeOffset.UtcNow, cancellationToken)).Pending.Any(p => p.Key == publishing.Key);
            return new BoardWriteOutcome(landed, onBoard ? publishing : null);
        }

        var errors = (json["errors"] as JsonArray ?? []).OfType<JsonNode>().ToList();
        JsonNode? ErrorOf(string alias) => errors.FirstOrDefault(e => e["path"]?.AsArray().FirstOrDefault()?.GetValue<string>() == alias)
            ?? (json["data"] is null ? errors.FirstOrDefault() : null);
        // A failed clear is housekeeping left undone: the next write clears what stays, or it expires.
        var published = publishing is not null && json["data"]?["intent"] is JsonObject;
        if (publishing is not null && !published && ErrorOf("intent")?["type"]?.GetValue<string>() == "FORBIDDEN")
        {
            throw new DeployException(ErrorKind.PermissionDenied, $"could not publish this run's change as an intent on {repository} for the other runs: {TokenInput} needs contents: write");
        }

        PublishOutcome? commit = write.Commit is null ? null : CommitOutcome(json["data"]?["commit"], ErrorOf("commit"), branch);
        return new BoardWriteOutcome(commit, published ? publishing : null);
    }

    /// <summary>The payload commit of an intent (REST: GraphQL cannot create a commit off a branch): no parent, a tree the repository has.</summary>
    private async Task<string> PayloadAsync(DeployIntent intent, CancellationToken cancellationToken)
    {
        var tree = knownTree ?? throw new InvalidOperationException("the repository is read before an intent is published");
        var created = await GitHubErrors.Call(gate, 
            () => Count(client.Git.Commit.Create(owner, name, new Octokit.NewCommit(IntentCodec.Payload(intent), tree, []))),
            "publish this run's change as an intent", repository, TokenInput, "contents: write", cancellationToken);
        return created.Sha;
    }

    /// <summary>The intents under our prefix that belong to <paramref name="branch"/>, oldest first (more than a page: read on).</summary>
    private async Task<IReadOnlyList<DeployIntent>> PendingAsync(JsonObject refs, string branch, CancellationToken cancellationToken)
    {
        var names = refs["nodes"]!.AsArray().Select(Pending).ToList();
        if (refs["pageInfo"]?["hasNextPage"]?.GetValue<bool>() == true)
        {
            names = [.. names, .. await MorePendingAsync(cancellationToken)];
        }

        var folder = BranchFolder(branch) + "/";
        return names.Where(n => n.Name.StartsWith(folder, StringComparison.Ordinal)).DistinctBy(n => n.Name, StringComparer.Ordinal).OrderBy(n => n.Name, StringComparer.Ordinal)
            .Select(n => IntentCodec.Decode(n.Name[folder.Length..], n.Message, n.Oid) ?? Unreadable(n.Name[folder.Length..], n.Oid)).ToList();
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

    private async Task<IReadOnlyList<(string Name, string? Oid, string? Message)>> MorePendingAsync(CancellationToken cancellationToken)
    {
        var names = new List<(string Name, string? Oid, string? Message)>();
        string? cursor = null;
        do
        {
            var variables = new JsonObject { ["owner"] = owner, ["name"] = name, ["prefix"] = IntentPrefix };
            if (cursor is not null)
            {
                variables["after"] = cursor;
            }

            var json = await QueryAsync("query($owner: String!, $name: String!, $prefix: String!, $after: String) { repository(owner: $owner, name: $name) { refs(refPrefix: $prefix, first: 100, after: $after) { nodes { name target { oid ... on Commit { message } } } pageInfo { hasNextPage endCursor } } } }",
                variables, "read the pending changes", cancellationToken);
            var refs = json["data"]!["repository"]!["refs"]!;
            names.AddRange(refs["nodes"]!.AsArray().Select(Pending));
            cursor = refs["pageInfo"]?["hasNextPage"]?.GetValue<bool>() == true ? refs["pageInfo"]!["endCursor"]?.GetValue<string>() : null;
        }
        while (cursor is not null);
        return names;
    }

    /// <summary>
    /// A branch as one short ref component (the first 16 hex digits of its SHA-256), so every intent ref is 70 bytes
    /// whatever the branch is called, and the intents of "release" and "release/1.0" never mix.
    /// </summary>
    public static string BranchFolder(string branch) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(branch)))[..16];

    public static string IntentRef(string branch, string name) => $"{IntentPrefix}{BranchFolder(branch)}/{name}";

    public Task<CommitDraft> DraftAsync(IGitOpsSnapshot onTopOf, NewCommit commit, CancellationToken cancellationToken)
    {
        var diff = new StringBuilder();
        foreach (var change in commit.Files)
        {
            var before = onTopOf.Tree.KindOf(change.Path) == TreeEntryKind.File ? onTopOf.Tree.ReadFile(change.Path) : null;
            if (before is not null && ((ApiTree)onTopOf.Tree).IsExecutable(change.Path))
            {
                // createCommitOnBranch writes every file 100644: the executable bit would be lost silently.
                throw new DeployException(ErrorKind.UnsupportedByCommitMethod,
                    $"{change.Path} is executable in {repository}, and commits through GitHub's API write every file without the executable bit");
            }

            diff.Append(UnifiedDiff.Of(change.Path, before, change.Content));
        }

        // The commit exists only once GitHub makes it: no sha yet.
        return Task.FromResult(new CommitDraft(onTopOf.HeadSha, string.Empty, diff.ToString()) { Commit = commit });
    }

    public async Task<PublishOutcome> PublishAsync(IGitOpsSnapshot onTopOf, CommitDraft draft, string branch, PublishKind kind, CancellationToken cancellationToken)
    {
        if (kind == PublishKind.Replace)
        {
            await ResetBranchAsync(branch, draft.BaseSha, cancellationToken);
        }

        JsonObject json;
        try
        {
            json = await QueryAsync(
                "mutation($input: CreateCommitOnBranchInput!) { createCommitOnBranch(input: $input) { commit { oid signature { isValid } } } }",
                new JsonObject { ["input"] = CommitInput(draft, branch) }, $"commit to '{branch}'", cancellationToken, mutation: true);
        }
        catch (DeployException e) when (e.Kind == ErrorKind.Transient && !cancellationToken.IsCancellationRequested)
        {
            return await LandedAsync(draft, branch, e, cancellationToken);
        }

        return CommitOutcome(json["data"]?["createCommitOnBranch"], json["errors"]?.AsArray().FirstOrDefault(), branch);
    }

    /// <summary>
    /// After a commit request got no answer: the branch holds our commit (its <c>Deploy-Run</c> trailer names
    /// this invocation), or it does not, and the commit is planned again like after a lost race.
    /// </summary>
    private async Task<PublishOutcome> LandedAsync(CommitDraft draft, string branch, DeployException lost, CancellationToken cancellationToken)
    {
        var run = draft.Commit?.Message.ReplaceLineEndings("\n").Split('\n').FirstOrDefault(l => l.StartsWith("Deploy-Run: ", StringComparison.Ordinal));
        var state = await ReadAsync(branch, DateTimeOffset.UtcNow.AddHours(-1), cancellationToken);
        if (run is not null && state.Recent.FirstOrDefault(c => c.Message.ReplaceLineEndings("\n").Split('\n').Contains(run, StringComparer.Ordinal)) is { } ours)
        {
            return new PublishOutcome.Published(ours.Sha) { Verified = ours.Verified };
        }

        return new PublishOutcome.LostRace($"GitHub did not answer the commit ({lost.Message}) and {branch} does not hold it");
    }

    /// <summary>createCommitOnBranch's input: the draft's files on the branch, compare-and-swapped on the draft's base.</summary>
    private JsonObject CommitInput(CommitDraft draft, string branch)
    {
        var commit = draft.Commit ?? throw new InvalidOperationException("the API publisher sends the draft's files");
        var message = commit.Message.ReplaceLineEndings("\n");
        if (commit.Author.Name != LandingOptions.BotName || commit.Author.Email != LandingOptions.BotEmail)
        {
            // GitHub makes the token's identity the author of an API commit: a chosen author is credited as a co-author.
            message = message.TrimEnd('\n') + $"\nCo-authored-by: {commit.Author.Name} <{commit.Author.Email}>\n";
        }

        var split = message.IndexOf('\n', StringComparison.Ordinal);
        var additions = new JsonArray();
        var deletions = new JsonArray();
        foreach (var file in commit.Files)
        {
            if (file.Content is null)
            {
                deletions.Add((JsonNode)new JsonObject { ["path"] = file.Path });
            }
            else
            {
                additions.Add((JsonNode)new JsonObject { ["path"] = file.Path, ["contents"] = Convert.ToBase64String(file.Content) });
            }
        }

        return new JsonObject
        {
            ["branch"] = new JsonObject { ["repositoryNameWithOwner"] = repository, ["branchName"] = branch },
            ["expectedHeadOid"] = draft.BaseSha,
            ["message"] = new JsonObject
            {
                ["headline"] = split < 0 ? message : message[..split],
                ["body"] = split < 0 ? string.Empty : message[(split + 1)..].TrimStart('\n'),
            },
            ["fileChanges"] = new JsonObject { ["additions"] = additions, ["deletions"] = deletions },
        };
    }

    /// <summary>What a createCommitOnBranch answered: the commit, a lost race (STALE_DATA), or a classified refusal.</summary>
    private PublishOutcome CommitOutcome(JsonNode? payload, JsonNode? error, string branch)
    {
        if (payload?["commit"] is JsonObject created)
        {
            return new PublishOutcome.Published(created["oid"]!.GetValue<string>()) { Verified = created["signature"]?["isValid"]?.GetValue<bool>() ?? false };
        }

        var type = error?["type"]?.GetValue<string>();
        var text = error?["message"]?.GetValue<string>() ?? "no commit in GitHub's answer";
        return type switch
        {
            "STALE_DATA" => new PublishOutcome.LostRace(text),
            "FORBIDDEN" => throw new DeployException(ErrorKind.PermissionDenied, $"could not commit to '{branch}' of {repository}: {TokenInput} needs contents: write ({text})"),
            "NOT_FOUND" => throw new DeployException(ErrorKind.NotFound, $"could not commit to '{branch}' of {repository}: {text}"),
            _ => new PublishOutcome.Rejected(type is null ? text : $"{text} ({type})"),
        };
    }

    /// <summary>Our pull request head, rebuilt from the base tip: created there, or forced back to it.</summary>
    private async Task ResetBranchAsync(string branch, string baseSha, CancellationToken cancellationToken)
    {
        try
        {
            await gate.RunAsync(() => Count(client.Git.Reference.Update(owner, name, $"heads/{branch}", new ReferenceUpdate(baseSha, force: true))), $"reset branch '{branch}'", cancellationToken);
        }
        catch (ApiValidationException e) when (GitHubErrors.Detail(e).Contains("does not exist", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                await gate.RunAsync(() => Count(client.Git.Reference.Create(owner, name, new NewReference($"refs/heads/{branch}", baseSha))), $"create branch '{branch}'", cancellationToken);
            }
            catch (ApiValidationException exists) when (GitHubErrors.Detail(exists).Contains("already exists", StringComparison.OrdinalIgnoreCase))
            {
                // Another run created it between our two requests: ours is rebuilt over it, as when it existed.
                await GitHubErrors.Call(gate, () => Count(client.Git.Reference.Update(owner, name, $"heads/{branch}", new ReferenceUpdate(baseSha, force: true))),
                    $"reset branch '{branch}'", repository, TokenInput, "contents: write", cancellationToken);
            }
            catch (ApiException failed)
            {
                throw GitHubErrors.Translate(failed, $"create branch '{branch}'", repository, TokenInput, "contents: write");
            }
        }
        catch (ApiException e)
        {
            throw GitHubErrors.Translate(e, $"reset branch '{branch}'", repository, TokenInput, "contents: write");
        }
        catch (HttpRequestException e)
        {
            throw GitHubErrors.Network(e, $"reset branch '{branch}'", repository);
        }
    }

    internal async Task<JsonObject> QueryAsync(string query, JsonObject variables, string what, CancellationToken cancellationToken, bool mutation = false)
    {
        var body = new JsonObject { ["query"] = query, ["variables"] = variables }.ToJsonString();
        var response = await GitHubErrors.Call(gate, () => Count(client.Connection.Post<string>(graphQl, body, "application/json", "application/json")), what, repository, TokenInput,
            mutation ? "contents: write" : "contents: read", cancellationToken);
        var json = JsonNode.Parse(response.HttpResponse.Body as string is { Length: > 0 } text ? text : "{}") as JsonObject ?? [];
        if (!mutation && json["errors"]?.AsArray().FirstOrDefault() is { } error)
        {
            var type = error["type"]?.GetValue<string>();
            var message = error["message"]?.GetValue<string>() ?? "unknown error";
            throw type == "NOT_FOUND"
                ? new DeployException(ErrorKind.NotFound, $"could not {what}: {message} ({TokenInput} may not see {repository})")
                : new DeployException(ErrorKind.Transient, $"could not {what} on {repository}: GitHub answered {message}");
        }

        return json;
    }

    /// <summary>A blob whole (text over 512,000 bytes is cut in GraphQL; binary has none): REST, base64.</summary>
    internal async Task<byte[]> BlobAsync(string sha, CancellationToken cancellationToken)
    {
        var blob = await GitHubErrors.Call(gate, () => Count(client.Git.Blob.Get(owner, name, sha)), "read a file", repository, TokenInput, "contents: read", cancellationToken);
        return blob.Encoding.Value == EncodingType.Base64 ? Convert.FromBase64String(blob.Content.Replace("\n", string.Empty, StringComparison.Ordinal)) : Encoding.UTF8.GetBytes(blob.Content);
    }

    private async Task<T> Count<T>(Task<T> call)
    {
        Requests++;
        return await call;
    }

    private static IEnumerable<string> Prefixes(string path)
    {
        var parts = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 1; i <= parts.Length; i++)
        {
            yield return string.Join('/', parts[..i]);
        }
    }

    /// <summary>The branch at the commit it was read at; older commits and history on demand.</summary>
    /// <summary>
    /// The branch at one commit. The snapshot port is synchronous (planning is pure), so reads it makes on
    /// demand wait on the request; they honour the run's cancellation, given when the snapshot was read.
    /// </summary>
    private sealed class ApiSnapshot(GitHubApiRepository api, string branch, ApiTree tree, CancellationToken cancellationToken) : IGitOpsSnapshot
    {
        private readonly List<HistoryEntry> history = [];
        private readonly Dictionary<string, ApiTree> older = new(StringComparer.Ordinal);
        private string? cursor;
        private bool complete;

        public string Branch => branch;

        public string HeadSha => tree.Commit;

        public IRepositoryTree Tree => tree;

        public IReadOnlyList<DeployIntent> Pending { get; set; } = [];

        public void AddHistory(JsonObject page)
        {
            foreach (var node in page["nodes"]!.AsArray())
            {
                history.Add(new HistoryEntry(node!["oid"]!.GetValue<string>(), node["message"]!.GetValue<string>(), DateTimeOffset.Parse(node["committedDate"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture)));
            }

            complete = !(page["pageInfo"]?["hasNextPage"]?.GetValue<bool>() ?? false);
            cursor = page["pageInfo"]?["endCursor"]?.GetValue<string>();
        }

        /// <summary>Pages of 100 through GraphQL <c>history</c>, from the snapshot's commit.</summary>
        public IReadOnlyList<HistoryEntry> History(int max)
        {
            while (history.Count < max && !complete)
            {
                var after = cursor is null ? string.Empty : ", after: $after";
                var variables = new JsonObject { ["owner"] = api.owner, ["name"] = api.name, ["oid"] = tree.Commit };
                if (cursor is not null)
                {
                    variables["after"] = cursor;
                }

                var json = api.QueryAsync(
                    $"query($owner: String!, $name: String!, $oid: GitObjectID!{(cursor is null ? string.Empty : ", $after: String!")}) {{ repository(owner: $owner, name: $name) {{ object(oid: $oid) {{ ... on Commit {{ history(first: {Math.Min(100, Math.Max(1, max - history.Count))}{after}) {{ nodes {{ oid message committedDate }} pageInfo {{ hasNextPage endCursor }} }} }} }} }} }}",
                    variables, "read the gitops branch's history", cancellationToken).GetAwaiter().GetResult();
                AddHistory(json["data"]!["repository"]!["object"]!["history"]!.AsObject());
            }

            return history.Take(max).ToList();
        }

        public IRepositoryTree? TreeAt(string sha)
        {
            if (!older.TryGetValue(sha, out var at))
            {
                at = new ApiTree(api, sha, cancellationToken);
                older[sha] = at;
            }

            return at;
        }

        public void Dispose()
        {
        }
    }

    /// <summary>The tree of one commit, directory by directory; entries and blobs are cached once read.</summary>
    private sealed class ApiTree(GitHubApiRepository api, string commit, CancellationToken cancellationToken) : IRepositoryTree
    {
        private readonly Dictionary<string, Dictionary<string, JsonNode>> directories = new(StringComparer.Ordinal);
        private readonly Dictionary<string, byte[]> blobs = new(StringComparer.Ordinal);

        public string Commit => commit;

        public void Add(string directory, JsonArray entries) =>
            directories[directory] = entries.OfType<JsonNode>().ToDictionary(e => e["name"]!.GetValue<string>(), e => e, StringComparer.Ordinal);

        public TreeEntryKind KindOf(string path)
        {
            if (path.Length == 0)
            {
                return TreeEntryKind.Directory;
            }

            return Entry(path)?["mode"]?.GetValue<int>() switch
            {
                null => TreeEntryKind.Missing,
                0x4000 => TreeEntryKind.Directory,
                0xA000 => TreeEntryKind.Symlink,
                0x81A4 or 0x81ED => TreeEntryKind.File,
                _ => TreeEntryKind.Missing,
            };
        }

        public bool IsExecutable(string path) => Entry(path)?["mode"]?.GetValue<int>() == 0x81ED;

        public string ReadSymlink(string path) => Encoding.UTF8.GetString(ReadFile(path));

        public byte[] ReadFile(string path)
        {
            var entry = Entry(path) ?? throw new FileNotFoundException(path);
            var oid = entry["oid"]!.GetValue<string>();
            if (blobs.TryGetValue(oid, out var cached))
            {
                return cached;
            }

            var blob = entry["object"];
            byte[]? bytes = null;
            if (blob?["text"]?.GetValue<string>() is { } text && !(blob["isTruncated"]?.GetValue<bool>() ?? true) && !(blob["isBinary"]?.GetValue<bool>() ?? true))
            {
                bytes = Encoding.UTF8.GetBytes(text);
                if (blob["byteSize"]?.GetValue<int>() is { } size && size != bytes.Length)
                {
                    // Not UTF-8 on disk: the text is a lossy decoding, the blob API has the bytes.
                    bytes = null;
                }
            }

            bytes ??= api.BlobAsync(oid, cancellationToken).GetAwaiter().GetResult();
            blobs[oid] = bytes;
            return bytes;
        }

        public IReadOnlyList<string> List(string directory) => Directory(directory)?.Keys.ToList() ?? [];

        private JsonNode? Entry(string path)
        {
            var slash = path.LastIndexOf('/');
            var parent = slash < 0 ? string.Empty : path[..slash];
            return Directory(parent) is { } entries && entries.TryGetValue(path[(slash + 1)..], out var entry) ? entry : null;
        }

        /// <summary>A directory's entries, read on first use (with the texts of its files) at this tree's commit.</summary>
        private Dictionary<string, JsonNode>? Directory(string path)
        {
            if (directories.TryGetValue(path, out var known))
            {
                return known;
            }

            var slash = path.LastIndexOf('/');
            if (path.Length > 0 && (slash < 0 ? Directory(string.Empty) : Directory(path[..slash])) is { } parent
                && (!parent.TryGetValue(path[(slash + 1)..], out var self) || self["mode"]?.GetValue<int>() != 0x4000))
            {
                return null;
            }

            var json = api.QueryAsync(
                $"query($owner: String!, $name: String!, $expression: String!) {{ repository(owner: $owner, name: $name) {{ object(expression: $expression) {{ ... on Tree {{ entries {{ {EntryFields} object {{ {BlobFields} }} }} }} }} }} }}",
                new JsonObject { ["owner"] = api.owner, ["name"] = api.name, ["expression"] = $"{commit}:{path}" }, "read the gitops branch", cancellationToken).GetAwaiter().GetResult();
            if (json["data"]?["repository"]?["object"]?["entries"] is not JsonArray entries)
            {
                return null;
            }

            Add(path, entries);
            return directories[path];
        }
    }
}
