using System.Text;
using GitOpsDeploy.Core;
using GitOpsDeploy.Core.Inputs;
using GitOpsDeploy.Core.Ports;
using LibGit2Sharp;
using Microsoft.Extensions.Logging;

namespace GitOpsDeploy.Git;

/// <summary>A bare clone at the tip of one branch. Commits are built from trees and blobs, never from a working tree.</summary>
internal sealed class LibGit2Checkout : IGitOpsCheckout
{
    private const string PushRef = "refs/heads/gitops-deploy-push";

    private readonly Repository repo;
    private readonly string dir;
    private readonly GitOpsRemote remote;
    private readonly GitAuth auth;
    private readonly SecretMasker masker;
    private readonly ILogger logger;
    private readonly Commit head;

    public LibGit2Checkout(Repository repo, string dir, GitOpsRemote remote, GitAuth auth, SecretMasker masker, ILogger logger)
    {
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

    public string HeadSha => head.Sha;

    public IRepositoryTree Tree { get; }

    public bool IsShallow => repo.Info.IsShallow;

    public IReadOnlyList<HistoryEntry> History(int max)
    {
        var entries = new List<HistoryEntry>();
        for (var commit = head; commit is not null && entries.Count < max; commit = commit.Parents.FirstOrDefault())
        {
            entries.Add(new HistoryEntry(commit.Sha, commit.Message, commit.Committer.When));
        }

        return entries;
    }

    public IRepositoryTree? TreeAt(string sha) =>
        ObjectId.TryParse(sha, out var id) && repo.ObjectDatabase.Contains(id) && repo.Lookup<Commit>(id) is { } commit ? new CommitTree(commit) : null;

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
    public Task<PushOutcome> PushAsync(string sha, string branch, bool force, CancellationToken cancellationToken) =>
        Task.Run(() => Push(sha, branch, force, cancellationToken), cancellationToken).WaitAsync(cancellationToken);

    private PushOutcome Push(string sha, string branch, bool force, CancellationToken cancellationToken)
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
        try
        {
            var origin = repo.Network.Remotes["origin"];
            repo.Network.Push(origin, $"{(force ? "+" : string.Empty)}{PushRef}:refs/heads/{branch}", options);
        }
        catch (NonFastForwardException)
        {
            return PushOutcome.RejectedNonFastForward;
        }
        catch (LibGit2SharpException e)
        {
            var error = GitErrors.Translate(e, remote, auth, $"push to '{branch}' of");
            if (error.Kind == ErrorKind.Transient && !cancellationToken.IsCancellationRequested && RemoteHas(branch, sha))
            {
                // The server applied the push but its answer was lost (connection reset): the ref says what happened.
                logger.LogWarning("The answer to the push of {Branch} was lost ({Reason}), but the server has {Sha}: pushed", branch, e.Message, sha);
                return PushOutcome.Pushed;
            }

            throw error;
        }

        if (rejection is null)
        {
            return PushOutcome.Pushed;
        }

        if (GitErrors.IsLostRace(rejection))
        {
            logger.LogDebug("Push of {Branch} lost a race: {Reason}", branch, rejection);
            return PushOutcome.RejectedNonFastForward;
        }

        throw new DeployException(ErrorKind.PushRejected,
            $"{remote.Display} rejected the push to '{branch}': {rejection}. A server hook or branch protection refused it; use mode 'pull-request' for protected branches");
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
        repo.Dispose();
        LibGit2Workspace.TryDelete(dir, logger);
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
