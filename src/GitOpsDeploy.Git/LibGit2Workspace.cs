using GitOpsDeploy.Core;
using GitOpsDeploy.Core.Inputs;
using GitOpsDeploy.Core.Ports;
using LibGit2Sharp;
using Microsoft.Extensions.Logging;

namespace GitOpsDeploy.Git;

/// <summary>
/// The snapshot and publisher ports over libgit2: a snapshot is a bare clone (nothing is checked
/// out: only the overlay's blobs are read), shallow over HTTP, authenticated by a credentials
/// callback so the token is never part of a URL or of <c>.git/config</c>; publishing commits in that
/// clone and pushes.
/// </summary>
public sealed class LibGit2Workspace(GitOpsRemote remote, string? token, ILogger<LibGit2Workspace> logger) : IGitOpsSnapshots, IPublisher
{
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

    /// <summary>A plain git remote has no notion of verified commits; our pushes are unsigned.</summary>

    /// <summary>Clones <paramref name="branch"/> (null: the remote's default branch) with <paramref name="depth"/> commits of history (0: all).</summary>
    internal async Task<LibGit2Checkout> CheckoutAsync(string? branch, int depth, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await CloneOnceAsync(branch, depth, cancellationToken);
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
    /// libgit2 blocks its thread; on cancellation the clone is abandoned at once (its transfer callback
    /// stops it soon after), so the run reports and exits within the runner's grace period.
    /// </summary>
    private async Task<LibGit2Checkout> CloneOnceAsync(string? branch, int depth, CancellationToken cancellationToken)
    {
        var clone = Task.Run(() => Clone(branch, depth, cancellationToken), cancellationToken);
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
            // A step that needs older commits than this clone holds gets a deeper clone of the same branch.
            return new LibGit2Checkout(repo, dir, remote, auth, Masker, logger, deeper => Clone(branch ?? repo.Head.FriendlyName, deeper, CancellationToken.None));
        }
        catch (Exception e) when (e is LibGit2SharpException or IOException)
        {
            TryDelete(dir, logger);
            cancellationToken.ThrowIfCancellationRequested();
            throw GitErrors.Translate(e, remote, auth, branch is null ? "clone" : $"clone branch '{branch}' of");
        }
    }

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
