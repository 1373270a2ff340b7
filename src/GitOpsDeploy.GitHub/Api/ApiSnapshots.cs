using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Editing;
using GitOpsDeploy.GitHub.GraphQl;

namespace GitOpsDeploy.GitHub.Api;

/// <summary>
/// Snapshots of the gitops branch over GitHub's GraphQL API, no clone. A snapshot is the head commit, its root,
/// the directories on the way to the overlays and the overlays' files, a page of history and the fan-in board,
/// read in one request (ReadBranch.graphql) and pinned to that commit. Anything else is a miss
/// (<see cref="SnapshotMissException"/>) the caller loads with <see cref="IGitOpsSnapshot.LoadAsync"/>: a
/// directory, a file cut at 512,000 bytes or not text, older history, a tree of an older commit.
/// </summary>
public sealed class ApiSnapshots(GitHubGraphQl graphQl, ApiIntentBoard board, string repository)
{
    /// <summary>How many directories ReadBranch.graphql reads in its one request; more are read on demand.</summary>
    public const int DirectorySlots = 8;

    private readonly string owner = repository.Split('/')[0];
    private readonly string name = repository.Split('/')[1];

    public async Task<IGitOpsSnapshot> ReadAsync(string? branch, SnapshotHint hint, CancellationToken cancellationToken)
    {
        // Every directory on the way to each overlay (symlinks and '..' are resolved through them), the overlay with its files.
        var overlays = hint.Directories.ToHashSet(StringComparer.Ordinal);
        var directories = hint.Directories.SelectMany(Prefixes).Distinct(StringComparer.Ordinal)
            .OrderByDescending(overlays.Contains).Take(DirectorySlots).ToList();
        // With the board, enough history to tell which pending intents a commit already carried.
        var depth = hint.Pending ? Math.Max(hint.History, 20) : hint.History;
        var variables = new JsonObject
        {
            ["owner"] = owner, ["name"] = name,
            ["qualified"] = branch is null ? string.Empty : $"refs/heads/{branch}", ["byName"] = branch is not null,
            ["history"] = Math.Clamp(depth, 1, 100), ["withHistory"] = depth > 1,
            ["prefix"] = ApiIntentBoard.IntentPrefix, ["withPending"] = hint.Pending,
        };
        for (var i = 0; i < DirectorySlots; i++)
        {
            variables[$"p{i}"] = i < directories.Count ? directories[i] : string.Empty;
            variables[$"w{i}"] = i < directories.Count;
            variables[$"f{i}"] = i < directories.Count && overlays.Contains(directories[i]);
        }

        var json = await graphQl.QueryAsync("ReadBranch", variables, "read the gitops branch", cancellationToken);
        var repo = json["data"]?["repository"];
        board.Learn(repo?["id"]?.GetValue<string>(), null);
        var head = repo?[branch is null ? "default" : "named"] ?? throw new DeployException(ErrorKind.NotFound,
            branch is null ? $"{repository} has no default branch (is it empty?); set base-branch" : $"branch '{branch}' of {repository} was not found; check base-branch");
        var commit = head["target"]!;
        board.Learn(null, commit["tree"]?["oid"]?.GetValue<string>());
        var tree = new ApiTree(commit["oid"]!.GetValue<string>());
        tree.Add(string.Empty, commit["tree"]!["entries"]!.AsArray());
        for (var i = 0; i < directories.Count; i++)
        {
            if (commit[$"d{i}"]?["object"]?["entries"] is JsonArray entries)
            {
                tree.Add(directories[i], entries);
            }
            else
            {
                tree.Absent(directories[i]);
            }
        }

        var snapshot = new ApiSnapshot(this, head["name"]!.GetValue<string>(), tree);
        if (repo?["pending"] is JsonObject refs)
        {
            snapshot.Pending = await board.PendingAsync(refs, snapshot.Branch, cancellationToken);
        }

        if (commit["history"] is JsonObject history)
        {
            snapshot.AddHistory(history);
        }
        else
        {
            snapshot.AddHistory(new JsonObject { ["nodes"] = new JsonArray(), ["pageInfo"] = new JsonObject { ["hasNextPage"] = true } });
        }

        return snapshot;
    }

    /// <summary>A page of first-parent history from <paramref name="oid"/>.</summary>
    private async Task<JsonObject> HistoryAsync(string oid, int first, string? after, CancellationToken cancellationToken)
    {
        var variables = new JsonObject { ["owner"] = owner, ["name"] = name, ["oid"] = oid, ["first"] = Math.Clamp(first, 1, 100), ["after"] = after };
        var json = await graphQl.QueryAsync("History", variables, "read the gitops branch's history", cancellationToken);
        return json["data"]!["repository"]!["object"]!["history"]!.AsObject();
    }

    /// <summary>A directory's entries with its files' texts at a commit, or null when it is not a directory there.</summary>
    private async Task<JsonArray?> DirectoryAsync(string commit, string path, CancellationToken cancellationToken)
    {
        var json = await graphQl.QueryAsync("Directory", new JsonObject { ["owner"] = owner, ["name"] = name, ["expression"] = $"{commit}:{path}" }, "read the gitops branch", cancellationToken);
        return json["data"]?["repository"]?["object"]?["entries"] as JsonArray;
    }

    /// <summary>A blob whole (text over 512,000 bytes is cut in GraphQL; binary has none): REST, base64.</summary>
    private async Task<byte[]> BlobAsync(string sha, CancellationToken cancellationToken)
    {
        var blob = await graphQl.RestAsync(client => client.Git.Blob.Get(owner, name, sha), "read a file", "contents: read", cancellationToken);
        return blob.Encoding.Value == Octokit.EncodingType.Base64 ? Convert.FromBase64String(blob.Content.Replace("\n", string.Empty, StringComparison.Ordinal)) : Encoding.UTF8.GetBytes(blob.Content);
    }

    private static IEnumerable<string> Prefixes(string path)
    {
        var parts = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 1; i <= parts.Length; i++)
        {
            yield return string.Join('/', parts[..i]);
        }
    }

    /// <summary>The branch at the commit it was read at. Reads answer from what is loaded, or throw a miss naming what to load.</summary>
    private sealed class ApiSnapshot(ApiSnapshots api, string branch, ApiTree tree) : IGitOpsSnapshot
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
                history.Add(new HistoryEntry(node!["oid"]!.GetValue<string>(), node["message"]!.GetValue<string>(), DateTimeOffset.Parse(node["committedDate"]!.GetValue<string>(), CultureInfo.InvariantCulture)));
            }

            complete = !(page["pageInfo"]?["hasNextPage"]?.GetValue<bool>() ?? false);
            cursor = page["pageInfo"]?["endCursor"]?.GetValue<string>();
        }

        public IReadOnlyList<HistoryEntry> History(int max) =>
            history.Count >= max || complete ? history.Take(max).ToList() : throw new SnapshotMissException(new SnapshotNeed.History(max));

        public IRepositoryTree? TreeAt(string sha)
        {
            if (sha == tree.Commit)
            {
                return tree;
            }

            if (!older.TryGetValue(sha, out var at))
            {
                at = new ApiTree(sha);
                older[sha] = at;
            }

            return at;
        }

        public async Task LoadAsync(SnapshotNeed need, CancellationToken cancellationToken)
        {
            switch (need)
            {
                case SnapshotNeed.History { Depth: var max }:
                    while (history.Count < max && !complete)
                    {
                        // Pages of 100 through GraphQL history, from the snapshot's commit.
                        AddHistory(await api.HistoryAsync(tree.Commit, max - history.Count, cursor, cancellationToken));
                    }

                    break;
                case SnapshotNeed.Directory { Commit: var commit, Path: var path }:
                    var at = (ApiTree)TreeAt(commit)!;
                    if (await api.DirectoryAsync(commit, path, cancellationToken) is { } entries)
                    {
                        at.Add(path, entries);
                    }
                    else
                    {
                        at.Absent(path);
                    }

                    break;
                case SnapshotNeed.Blob { Commit: var commit, Path: var path }:
                    var owner = (ApiTree)TreeAt(commit)!;
                    owner.AddBlob(owner.OidOf(path), await api.BlobAsync(owner.OidOf(path), cancellationToken));
                    break;
            }
        }

        public void Dispose()
        {
        }
    }

    /// <summary>The tree of one commit, directory by directory, as loaded: entries and blobs are kept once read.</summary>
    internal sealed class ApiTree(string commit) : IRepositoryTree
    {
        private readonly Dictionary<string, Dictionary<string, JsonNode>?> directories = new(StringComparer.Ordinal);
        private readonly Dictionary<string, byte[]> blobs = new(StringComparer.Ordinal);

        public string Commit => commit;

        public void Add(string directory, JsonArray entries) =>
            directories[directory] = entries.OfType<JsonNode>().ToDictionary(e => e["name"]!.GetValue<string>(), e => e, StringComparer.Ordinal);

        /// <summary>Records that <paramref name="directory"/> is not a directory at this commit.</summary>
        public void Absent(string directory) => directories[directory] = null;

        public void AddBlob(string oid, byte[] bytes) => blobs[oid] = bytes;

        public string OidOf(string path) => Entry(path)?["oid"]?.GetValue<string>() ?? throw new FileNotFoundException(path);

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
            if (blob?["text"]?.GetValue<string>() is { } text && !(blob["isTruncated"]?.GetValue<bool>() ?? true) && !(blob["isBinary"]?.GetValue<bool>() ?? true))
            {
                var bytes = Encoding.UTF8.GetBytes(text);
                // Not UTF-8 on disk: the text is a lossy decoding, the blob API has the bytes.
                if (blob["byteSize"]?.GetValue<int>() is not { } size || size == bytes.Length)
                {
                    blobs[oid] = bytes;
                    return bytes;
                }
            }

            throw new SnapshotMissException(new SnapshotNeed.Blob(commit, path));
        }

        public IReadOnlyList<string> List(string directory) => Directory(directory)?.Keys.ToList() ?? [];

        private JsonNode? Entry(string path)
        {
            var slash = path.LastIndexOf('/');
            var parent = slash < 0 ? string.Empty : path[..slash];
            return Directory(parent) is { } entries && entries.TryGetValue(path[(slash + 1)..], out var entry) ? entry : null;
        }

        /// <summary>A directory's entries as loaded; a directory not loaded yet is a miss, one known not to exist is null.</summary>
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

            throw new SnapshotMissException(new SnapshotNeed.Directory(commit, path));
        }
    }
}
