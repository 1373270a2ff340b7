using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Core.Text;
using GitOpsDeploy.Editing;
using LibGit2Sharp;
using Microsoft.Extensions.Logging;

namespace GitOpsDeploy.Git;

/// <summary>
/// The snapshot and publisher ports over libgit2: a snapshot is a bare clone (nothing is checked
/// out: only the overlay's blobs are read), shallow over HTTP, authenticated by a credentials
/// callback so the token is never part of a URL or of <c>.git/config</c>; publishing commits in that
/// clone and pushes.
/// </summary>
public sealed class LibGit2Workspace(GitOpsRemote remote, string? token, ILogger<LibGit2Workspace> logger) : IGitOpsRepository, IDisposable
{
    /// <summary>The git method has no fan-in board: contended runs retry on their own.</summary>
    public IIntentBoard? Board => null;

    public RetryPolicy Retries { get; init; } = RetryPolicy.Git;

    private readonly Lock parkLock = new();

    /// <summary>The last clone, kept after its snapshot was released so that the next read (a lost race's retry) fetches instead of cloning.</summary>
    private ParkedClone? parked;
    private bool disposed;

    /// <summary>Where clones are made (default: the system temp folder).</summary>
    public string? TempRoot { get; init; }

    /// <summary>Called with the clone's folder right after cloning (tests inspect <c>.git/config</c> here).</summary>
    public Action<string>? OnCloned { get; init; }

    /// <summary>Masks secrets in commit messages (a message template may echo anything).</summary>
    public SecretMasker Masker { get; init; } = new();

    /// <summary>Clone attempts for a failure that may pass (a reset connection, a 5xx); authentication, permission and not-found fail at once.</summary>
    public int CloneAttempts { get; init; } = 3;

    public async Task<IGitOpsSnapshot> ReadAsync(string? branch, SnapshotHint hint, CancellationToken cancellationToken) =>
        await CheckoutAsync(branch, hint.History, cancellationToken);

    public Task<CommitDraft> DraftAsync(IGitOpsSnapshot onTopOf, NewCommit commit, CancellationToken cancellationToken)
    {
        var checkout = Own(onTopOf);
        var sha = checkout.Commit(commit.Files, commit.Author, commit.Message, commit.When);
        return Task.FromResult(new CommitDraft(checkout.HeadSha, sha, checkout.Diff(checkout.HeadSha, sha)) { Commit = commit });
    }

    public async Task<PublishOutcome> PublishAsync(IGitOpsSnapshot onTopOf, CommitDraft draft, string branch, PublishKind kind, CancellationToken cancellationToken) =>
        await Own(onTopOf).PushAsync(draft.Sha, branch, force: kind == PublishKind.Replace, cancellationToken);

    /// <summary>Clones <paramref name="branch"/> (null: the remote's default branch) with <paramref name="depth"/> commits of history (0: all).</summary>
    internal async Task<LibGit2Checkout> CheckoutAsync(string? branch, int depth, CancellationToken cancellationToken)
    {
        if (Unpark(branch, depth) is { } clone)
        {
            try
            {
                return await OffThreadAsync(() => Refresh(clone, depth, cancellationToken), cancellationToken);
            }
            catch (Exception e) when (e is LibGit2SharpException or IOException or DeployException)
            {
                // Whatever went wrong with the old clone, a new one is what the first attempt made anyway.
                logger.LogDebug("Could not bring the previous clone up to date ({Reason}); cloning again", e.Message);
                TryDelete(clone.Dir, logger);
            }
        }

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await OffThreadAsync(() => Clone(branch, depth, cancellationToken), cancellationToken);
            }
            catch (DeployException e) when (e.Kind == ErrorKind.Transient && attempt < CloneAttempts)
            {
                var wait = TimeSpan.FromMilliseconds(500 * attempt * (0.5 + Random.Shared.NextDouble()));
                logger.LogWarning("Clone failed ({Reason}); trying again in {Delay} ms", e.Message, (int)wait.TotalMilliseconds);
                await Task.Delay(wait, cancellationToken);
            }
        }
    }

    /// <summary>
    /// libgit2 blocks its thread; on cancellation a clone or fetch is abandoned at once (its transfer
    /// callback stops it soon after), so the run reports and exits within the runner's grace period.
    /// </summary>
    private static async Task<LibGit2Checkout> OffThreadAsync(Func<LibGit2Checkout> checkout, CancellationToken cancellationToken)
    {
        var clone = Task.Run(checkout, cancellationToken);
        try
        {
            return await clone.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Nobody will use the abandoned clone: delete it when libgit2 lets go of it.
            _ = clone.ContinueWith(t => t.Result.Dispose(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
            throw;
        }
    }

    private LibGit2Checkout Clone(string? branch, int depth, CancellationToken cancellationToken)
    {
        var dir = Path.Combine(TempRoot ?? Path.GetTempPath(), "gitops-deploy-" + Guid.NewGuid().ToString("N")[..12]);
        var auth = new GitAuth(remote, token);
        var options = new CloneOptions
        {
            IsBare = true,
            Checkout = false,
            BranchName = branch,
            RecurseSubmodules = false,
        };
        options.FetchOptions.CredentialsProvider = auth.Provide;
        options.FetchOptions.TagFetchMode = TagFetchMode.None;
        options.FetchOptions.OnTransferProgress = _ => !cancellationToken.IsCancellationRequested;
        if (remote.Kind != RemoteKind.LocalPath && depth > 0)
        {
            // libgit2's local transport cannot make shallow clones; a local clone is cheap anyway.
            options.FetchOptions.Depth = depth;
        }

        try
        {
            Repository.Clone(remote.Url, dir, options);
            var repo = new Repository(dir);
            OnCloned?.Invoke(dir);
            return Open(repo, dir, auth, new ParkedClone(dir, branch, repo.Head.FriendlyName, depth));
        }
        catch (Exception e) when (e is LibGit2SharpException or IOException)
        {
            TryDelete(dir, logger);
            cancellationToken.ThrowIfCancellationRequested();
            throw GitErrors.Translate(e, remote, auth, branch is null ? "clone" : $"clone branch '{branch}' of");
        }
    }

    /// <summary>A checkout over a clone; released, the clone is parked for the next read (a shallow HTTP clone only: a local one is cheap to make).</summary>
    private LibGit2Checkout Open(Repository repo, string dir, GitAuth auth, ParkedClone clone) =>
        new(repo, dir, remote, auth, Masker, logger,
            // A step that needs older commits than this clone holds gets a deeper clone of the same branch.
            (deeper, cancellationToken) => OffThreadAsync(() => Clone(clone.Branch, deeper, cancellationToken), cancellationToken))
        {
            Park = remote.Kind == RemoteKind.LocalPath || clone.Depth == 0 ? null : () => Park(clone),
        };

    private void Park(ParkedClone clone)
    {
        ParkedClone? dropped;
        lock (parkLock)
        {
            // Once the workspace is gone (a clone abandoned on cancellation comes back late), nothing is kept.
            (dropped, parked) = disposed ? (clone, null) : (parked, clone);
        }

        if (dropped is not null && dropped != parked)
        {
            TryDelete(dropped.Dir, logger);
        }
    }

    private ParkedClone? Unpark(string? branch, int depth)
    {
        lock (parkLock)
        {
            if (parked is { } clone && clone.Asked == branch && clone.Depth == depth)
            {
                parked = null;
                return clone;
            }

            return null;
        }
    }

    /// <summary>
    /// Fetches the branch's new tip into a parked clone, with the same depth. libgit2 deletes
    /// <c>.git/shallow</c> when it fetches into a shallow clone (then every walk runs into missing
    /// parents), so the boundary is written again, from what the clone holds, and the repository reopened.
    /// </summary>
    private LibGit2Checkout Refresh(ParkedClone clone, int depth, CancellationToken cancellationToken)
    {
        var auth = new GitAuth(remote, token);
        var options = new FetchOptions
        {
            Depth = depth,
            CredentialsProvider = auth.Provide,
            TagFetchMode = TagFetchMode.None,
            OnTransferProgress = _ => !cancellationToken.IsCancellationRequested,
        };
        try
        {
            using (var repo = new Repository(clone.Dir))
            {
                LibGit2Sharp.Commands.Fetch(repo, "origin", [$"+refs/heads/{clone.Branch}:refs/heads/{clone.Branch}"], options, null);
            }

            // A fresh handle: the fetching one still believes in the boundary it lost, and hides the missing parents.
            using (var repo = new Repository(clone.Dir))
            {
                File.WriteAllLines(Path.Combine(clone.Dir, "shallow"), ShallowRoots(repo, repo.Head.Tip));
            }

            var reopened = new Repository(clone.Dir);
            logger.LogDebug("Fetched {Branch} at {Sha} into the previous clone", clone.Branch, reopened.Head.Tip?.Sha);
            return Open(reopened, clone.Dir, auth, clone);
        }
        catch (LibGit2SharpException e)
        {
            cancellationToken.ThrowIfCancellationRequested();
            throw GitErrors.Translate(e, remote, auth, $"fetch branch '{clone.Branch}' of");
        }
    }

    /// <summary>The commits reachable from <paramref name="tip"/> whose parents the clone does not hold: where its history is cut.</summary>
    private static List<string> ShallowRoots(Repository repo, Commit tip)
    {
        var roots = new List<string>();
        var seen = new HashSet<ObjectId>();
        var next = new Stack<Commit>([tip]);
        while (next.TryPop(out var commit))
        {
            if (!seen.Add(commit.Id))
            {
                continue;
            }

            var parents = commit.Parents.ToList();
            if (parents.Any(p => !repo.ObjectDatabase.Contains(p.Id)))
            {
                roots.Add(commit.Sha);
                continue;
            }

            parents.ForEach(next.Push);
        }

        return roots;
    }

    public void Dispose()
    {
        ParkedClone? clone;
        lock (parkLock)
        {
            clone = parked;
            parked = null;
            disposed = true;
        }

        if (clone is not null)
        {
            TryDelete(clone.Dir, logger);
        }
    }

    /// <summary>A clone's folder, the branch as asked (null: the default) and as cloned, and its depth.</summary>
    private sealed record ParkedClone(string Dir, string? Asked, string Branch, int Depth);

    private static LibGit2Checkout Own(IGitOpsSnapshot snapshot) =>
        snapshot as LibGit2Checkout ?? throw new InvalidOperationException("the git publisher publishes on top of its own snapshots");

    internal static void TryDelete(string dir, ILogger logger)
    {
        try
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
        catch (IOException e)
        {
            logger.LogWarning("Could not delete the temporary clone {Dir}: {Reason}", dir, e.Message);
        }
        catch (UnauthorizedAccessException e)
        {
            logger.LogWarning("Could not delete the temporary clone {Dir}: {Reason}", dir, e.Message);
        }
    }
}
