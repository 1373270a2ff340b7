using System.Text;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Core.Text;
using GitOpsDeploy.Editing;
using LibGit2Sharp;
using Microsoft.Extensions.Logging;

namespace GitOpsDeploy.Git;

/// <summary>
/// A bare clone at the tip of one branch. Commits are built from trees and blobs, never from a working
/// tree. Reads never wait on the network: history deeper than the clone holds is a miss
/// (<see cref="SnapshotMissException"/>), loaded by <see cref="LoadAsync"/> (fetching into a shallow clone
/// breaks libgit2, so a deeper clone of the same branch is made beside this one, off-thread and cancellable),
/// and its history is read from this clone's tip.
/// </summary>
internal sealed class LibGit2Checkout : IGitOpsSnapshot
{
    private const string PushRef = "refs/heads/gitops-deploy-push";

    private readonly Repository repo;
    private readonly string dir;
    private readonly GitOpsRemote remote;
    private readonly GitAuth auth;
    private readonly SecretMasker masker;
    private readonly ILogger logger;
    private readonly Commit head;
    private readonly Func<int, CancellationToken, Task<LibGit2Checkout>> clone;
    private LibGit2Checkout? deeper;
    private int released;

    public LibGit2Checkout(Repository repo, string dir, GitOpsRemote remote, GitAuth auth, SecretMasker masker, ILogger logger, Func<int, CancellationToken, Task<LibGit2Checkout>> clone)
    {
        this.clone = clone;
        this.masker = masker;
        this.repo = repo;
        this.dir = dir;
        this.remote = remote;
        this.auth = auth;
        this.logger = logger;
        head = repo.Head.Tip ?? throw new DeployException(ErrorKind.NotFound, $"{remote.Display} has no commits on its default branch (HEAD points to an empty branch); set base-branch");
        Branch = repo.Head.FriendlyName;
        Tree = new CommitTree(head);
    }

    public string Branch { get; }

    /// <summary>Hands the clone back for reuse on dispose instead of deleting it (the workspace then owns the folder).</summary>
    public Action? Park { get; init; }

    public string HeadSha => head.Sha;

    public IRepositoryTree Tree { get; }

    public IReadOnlyList<HistoryEntry> History(int max)
    {
        var entries = Walk(repo, head, max);
        if (entries.Count >= max || !repo.Info.IsShallow)
        {
            return entries;
        }

        if (deeper?.Find(head.Sha) is { } tip && (!deeper.repo.Info.IsShallow || Walk(deeper.repo, tip, max).Count >= max))
        {
            return Walk(deeper.repo, tip, max);
        }

        throw new SnapshotMissException(new SnapshotNeed.History(max));
    }

    /// <summary>Deepens the history (a deeper clone of the same branch beside this one); trees and files are all local already.</summary>
    public async Task LoadAsync(SnapshotNeed need, CancellationToken cancellationToken)
    {
        if (need is not SnapshotNeed.History { Depth: var max })
        {
            return;
        }

        // As deep as asked (the whole history past a few thousand): the planning steps grow their asks 5x.
        var depth = max >= 2000 ? 0 : max;
        var entries = Walk(repo, head, max).Count;
        logger.LogInformation("The clone holds {Count} commits, {Max} are needed; cloning again with {Depth}", entries, max, depth == 0 ? "full history" : $"depth {depth}");
        deeper?.Dispose();
        deeper = await clone(depth, cancellationToken);
        if (deeper.Find(head.Sha) is null && depth != 0)
        {
            // The branch moved further than the deeper clone reaches: take it all.
            deeper.Dispose();
            deeper = await clone(0, cancellationToken);
        }

        if (deeper.Find(head.Sha) is null)
        {
            throw new DeployException(ErrorKind.Conflict, $"{remote.Display} no longer holds {head.Sha[..7]}, the commit this run read (its history was rewritten); re-run the job");
        }
    }

    public IRepositoryTree? TreeAt(string sha) =>
        (Find(sha) ?? deeper?.Find(sha)) is { } commit ? new CommitTree(commit) : null;

    private Commit? Find(string sha) =>
        ObjectId.TryParse(sha, out var id) && repo.ObjectDatabase.Contains(id) ? repo.Lookup<Commit>(id) : null;

    private static List<HistoryEntry> Walk(Repository repository, Commit? from, int max)
    {
        var entries = new List<HistoryEntry>();
        for (var commit = from; commit is not null && entries.Count < max; commit = commit.Parents.FirstOrDefault())
        {
            entries.Add(new HistoryEntry(commit.Sha, commit.Message, commit.Committer.When));
        }

        return entries;
    }

    public string Commit(IReadOnlyList<FileChange> changes, CommitAuthor author, string message, DateTimeOffset when)
    {
        var definition = TreeDefinition.From(head.Tree);
        foreach (var change in changes)
        {
            if (change.Content is null)
            {
                definition.Remove(change.Path);
                continue;
            }

            using var content = new MemoryStream(change.Content, writable: false);
            var blob = repo.ObjectDatabase.CreateBlob(content);
            var mode = head.Tree[change.Path]?.Mode is Mode.ExecutableFile ? Mode.ExecutableFile : Mode.NonExecutableFile;
            definition.Add(change.Path, blob, mode);
        }

        var tree = repo.ObjectDatabase.CreateTree(definition);
        var signature = new Signature(author.Name, author.Email, when);
        var commit = repo.ObjectDatabase.CreateCommit(signature, signature, masker.Mask(message), tree, [head], prettifyMessage: false);
        repo.Refs.Add(PushRef, commit.Id, allowOverwrite: true);
        return commit.Sha;
    }

    public string Diff(string fromSha, string toSha)
    {
        var from = repo.Lookup<Commit>(fromSha);
        var to = repo.Lookup<Commit>(toSha);
        return repo.Diff.Compare<Patch>(from.Tree, to.Tree).Content;
    }

    /// <summary>Abandoned at once on cancellation; libgit2's progress callbacks then stop the transfer.</summary>
    public Task<PublishOutcome> PushAsync(string sha, string branch, bool force, CancellationToken cancellationToken) =>
        Task.Run(() => Push(sha, branch, force, cancellationToken), cancellationToken).WaitAsync(cancellationToken);

    private PublishOutcome Push(string sha, string branch, bool force, CancellationToken cancellationToken)
    {
        repo.Refs.Add(PushRef, new ObjectId(sha), allowOverwrite: true);
        string? rejection = null;
        var options = new PushOptions
        {
            CredentialsProvider = auth.Provide,
            OnPushStatusError = error => rejection = error.Message,
            OnPushTransferProgress = (_, _, _) => !cancellationToken.IsCancellationRequested,
            OnPackBuilderProgress = (_, _, _) => !cancellationToken.IsCancellationRequested,
        };
        auth.Reset();
        var session = new PushTransport.PushSession(auth, cancellationToken);
        try
        {
            var origin = repo.Network.Remotes["origin"];
            if (origin.PushUrl == origin.Url && PushTransport.PushUrlFor(origin.Url) is var pushUrl && pushUrl != origin.Url)
            {
                // The clone's own config: the URL names the transport, never a credential.
                repo.Network.Remotes.Update("origin", r => r.PushUrl = pushUrl);
                origin = repo.Network.Remotes["origin"];
            }

            PushTransport.With(session, () => repo.Network.Push(origin, $"{(force ? "+" : string.Empty)}{PushRef}:refs/heads/{branch}", options));
        }
        catch (NonFastForwardException e)
        {
            return new PublishOutcome.LostRace(e.Message);
        }
        catch (LibGit2SharpException e)
        {
            var error = GitErrors.Translate(session.Failure ?? e, remote, auth, $"push to '{branch}' of");
            if (error.Kind == ErrorKind.Transient && !cancellationToken.IsCancellationRequested && RemoteHas(branch, sha))
            {
                // The server applied the push but its answer was lost (connection reset): the ref says what happened.
                logger.LogWarning("The answer to the push of {Branch} was lost ({Reason}), but the server has {Sha}: pushed", branch, e.Message, sha);
                return new PublishOutcome.Published(sha);
            }

            throw error;
        }

        if (rejection is null)
        {
            return new PublishOutcome.Published(sha);
        }

        if (GitErrors.IsLostRace(rejection))
        {
            logger.LogDebug("Push of {Branch} lost a race: {Reason}", branch, rejection);
            return new PublishOutcome.LostRace(rejection);
        }

        return new PublishOutcome.Rejected(Explain(rejection, session.RemoteLines));
    }

    /// <summary>
    /// The ref's status with the server's own words (a hook's "error: GH006: ... Commits must have
    /// verified signatures."); progress lines are left out when there are errors to show.
    /// </summary>
    private string Explain(string rejection, IReadOnlyList<string> remoteLines)
    {
        var errors = remoteLines.Where(l => l.StartsWith("error:", StringComparison.OrdinalIgnoreCase) || l.StartsWith("fatal:", StringComparison.OrdinalIgnoreCase)).ToList();
        var said = (errors.Count > 0 ? errors : remoteLines).Select(l => masker.Mask(l)).ToList();
        var reason = said.Count > 0 ? $"{rejection}: {string.Join(" ", said)}" : rejection;
        var signatures = said.Any(l => l.Contains("verified signatures", StringComparison.OrdinalIgnoreCase));
        if (remote.Kind == RemoteKind.GitHub && (signatures || (said.Count == 0 && rejection.Contains("hook declined", StringComparison.OrdinalIgnoreCase))))
        {
            reason += signatures
                ? " (the branch requires signed commits, which commit-method: api satisfies)"
                : " (on GitHub: branch protection or a ruleset, e.g. 'Require signed commits', which commit-method: api satisfies, or 'Require a pull request')";
        }

        return reason;
    }

    /// <summary>Reads the branch on the server (ls-remote); false when it cannot be read.</summary>
    private bool RemoteHas(string branch, string sha)
    {
        auth.Reset();
        try
        {
            return repo.Network.ListReferences(repo.Network.Remotes["origin"], auth.Provide)
                .Any(r => r.CanonicalName == $"refs/heads/{branch}" && r.TargetIdentifier == sha);
        }
        catch (LibGit2SharpException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref released, 1) == 1)
        {
            return;
        }

        deeper?.Dispose();
        repo.Dispose();
        if (Park is { } park)
        {
            park();
        }
        else
        {
            LibGit2Workspace.TryDelete(dir, logger);
        }
    }

    /// <summary>Reads paths straight from the commit's tree.</summary>
    private sealed class CommitTree(Commit commit) : IRepositoryTree
    {
        public TreeEntryKind KindOf(string path)
        {
            var entry = path.Length == 0 ? null : commit.Tree[path];
            if (path.Length == 0)
            {
                return TreeEntryKind.Directory;
            }

            return entry?.Mode switch
            {
                null => TreeEntryKind.Missing,
                Mode.Directory => TreeEntryKind.Directory,
                Mode.SymbolicLink => TreeEntryKind.Symlink,
                Mode.NonExecutableFile or Mode.ExecutableFile or Mode.NonExecutableGroupWritableFile => TreeEntryKind.File,
                _ => TreeEntryKind.Missing,
            };
        }

        public string ReadSymlink(string path) => Encoding.UTF8.GetString(ReadFile(path));

        public byte[] ReadFile(string path)
        {
            var blob = commit.Tree[path]?.Target as Blob ?? throw new FileNotFoundException(path);
            using var stream = blob.GetContentStream();
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            return buffer.ToArray();
        }

        public IReadOnlyList<string> List(string directory)
        {
            var tree = directory.Length == 0 ? commit.Tree : commit.Tree[directory]?.Target as Tree;
            return tree?.Select(e => e.Name).ToList() ?? [];
        }
    }
}
