using System.Text.Json.Nodes;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Editing;
using GitOpsDeploy.GitHub.GraphQl;
using Octokit;
using MergeMethod = GitOpsDeploy.Core.Ports.MergeMethod;
using NewPullRequest = GitOpsDeploy.Core.Ports.NewPullRequest;

namespace GitOpsDeploy.GitHub;

/// <summary>Pull requests on the gitops repository through Octokit, mapped to our own records.</summary>
public sealed class OctokitPullRequests(GitHubGraphQl graphQl, string repository) : IPullRequests
{
    private const string Token = Api.ApiRepository.TokenInput;
    private readonly IGitHubClient client = graphQl.Client;
    private readonly RateLimitGate gate = graphQl.Gate;
    private readonly string owner = repository.Split('/')[0];
    private readonly string name = repository.Split('/')[1];

    public async Task<RepositorySettings> GetRepositoryAsync(CancellationToken cancellationToken)
    {
        var repo = await Call(() => client.Repository.Get(owner, name), "read the repository settings", "metadata: read", cancellationToken);
        var methods = new HashSet<MergeMethod>();
        if (repo.AllowMergeCommit ?? true)
        {
            methods.Add(MergeMethod.Merge);
        }

        if (repo.AllowSquashMerge ?? true)
        {
            methods.Add(MergeMethod.Squash);
        }

        if (repo.AllowRebaseMerge ?? true)
        {
            methods.Add(MergeMethod.Rebase);
        }

        return new RepositorySettings(repo.DefaultBranch, repo.AllowAutoMerge ?? false) { MergeMethods = methods };
    }

    public async Task<string> ViewerLoginAsync(CancellationToken cancellationToken)
    {
        return await graphQl.ViewerLoginAsync(cancellationToken)
            ?? throw new DeployException(ErrorKind.AuthenticationFailed, "GitHub did not say whose gitops-token this is (no viewer in its answer)");
    }

    public async Task<bool> IsVerifiedAsync(string sha, CancellationToken cancellationToken)
    {
        var json = await graphQl.AnswerAsync("CommitSignature", new JsonObject { ["owner"] = owner, ["name"] = name, ["oid"] = sha }, "read a commit's signature", "contents: read", cancellationToken);
        return json?["data"]?["repository"]?["object"]?["signature"]?["isValid"]?.GetValue<bool>() ?? false;
    }

    public async Task<IReadOnlyList<PullRequestInfo>> ListOpenAsync(string baseBranch, CancellationToken cancellationToken)
    {
        var request = new PullRequestRequest { State = ItemStateFilter.Open, Base = baseBranch };
        var all = await Call(() => client.PullRequest.GetAllForRepository(owner, name, request, new ApiOptions { PageSize = 100 }), "list open pull requests", "pull-requests: read", cancellationToken);
        return all.Select(Map).ToList();
    }

    public async Task<PullRequestInfo> GetAsync(int number, CancellationToken cancellationToken) =>
        Map(await Call(() => client.PullRequest.Get(owner, name, number), $"read pull request #{number}", "pull-requests: read", cancellationToken));

    public async Task<PullRequestInfo?> CreateAsync(NewPullRequest request, CancellationToken cancellationToken)
    {
        var outcome = await CheckedRetry.RunAsync(
            async () => new Created(await CreateOnceAsync(request, cancellationToken)),
            async () => (await ListOpenAsync(request.Base, cancellationToken)).FirstOrDefault(p => p.HeadRef == request.Head) is { } made ? new Created(made) : null,
            cancellationToken);
        return outcome.PullRequest;
    }

    /// <summary>A pull request POST /pulls made (null: GitHub says one exists for the head).</summary>
    private sealed record Created(PullRequestInfo? PullRequest);

    private async Task<PullRequestInfo?> CreateOnceAsync(NewPullRequest request, CancellationToken cancellationToken)
    {
        try
        {
            var created = await gate.RunAsync(() => client.PullRequest.Create(owner, name, new Octokit.NewPullRequest(request.Title, request.Head, request.Base) { Body = request.Body }), "open a pull request", cancellationToken);
            return Map(created);
        }
        catch (ApiValidationException e) when (GitHubErrors.Detail(e).Contains("already exists", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        catch (ApiException e)
        {
            throw GitHubErrors.Translate(e, "open a pull request", repository, Token, "pull-requests: write");
        }
        catch (HttpRequestException e)
        {
            throw GitHubErrors.Network(e, "open a pull request", repository);
        }
    }

    public async Task<PullRequestInfo> UpdateAsync(int number, string title, string body, CancellationToken cancellationToken) =>
        Map(await Call(() => client.PullRequest.Update(owner, name, number, new PullRequestUpdate { Title = title, Body = body }), $"update pull request #{number}", "pull-requests: write", cancellationToken));

    public Task AddLabelsAsync(int number, IReadOnlyList<string> labels, CancellationToken cancellationToken) =>
        Call(() => client.Issue.Labels.AddToIssue(owner, name, number, [.. labels]), $"label pull request #{number}", "pull-requests: write (issues: write for new labels)", cancellationToken);

    public Task RequestReviewersAsync(int number, IReadOnlyList<string> reviewers, IReadOnlyList<string> teamReviewers, CancellationToken cancellationToken) =>
        Call(() => client.PullRequest.ReviewRequest.Create(owner, name, number, new PullRequestReviewRequest(reviewers.ToList(), teamReviewers.ToList())), $"request reviewers on #{number}", "pull-requests: write (and members: read for teams)", cancellationToken);

    /// <summary>
    /// PUT /merge with the head we pushed; GitHub's answers are decided here, once: 409 (head modified),
    /// 405 with its message (method not allowed) or with the pull request's mergeable_state (behind,
    /// dirty, blocked, not computed yet), and a 405 on a pull request that is already merged (our
    /// merge went through but its answer was lost).
    /// </summary>
    public async Task<MergeOutcome> MergeAsync(int number, string headSha, MergeMethod method, string commitTitle, CancellationToken cancellationToken)
    {
        var request = new MergePullRequest { Sha = headSha, MergeMethod = Method(method), CommitTitle = $"{commitTitle} (#{number})" };
        string refusal;
        try
        {
            var merge = await gate.RunAsync(() => client.PullRequest.Merge(owner, name, number, request), $"merge pull request #{number}", cancellationToken);
            if (merge.Merged)
            {
                return new MergeOutcome(MergeOutcomeKind.Merged, merge.Message) { Sha = merge.Sha };
            }

            refusal = merge.Message;
        }
        catch (PullRequestNotMergeableException e)
        {
            refusal = GitHubErrors.Detail(e);
        }
        catch (PullRequestMismatchException e)
        {
            return new MergeOutcome(MergeOutcomeKind.Rebuild, $"the head changed since we pushed it ({GitHubErrors.Detail(e)})");
        }
        catch (ApiException e)
        {
            throw GitHubErrors.Translate(e, $"merge pull request #{number}", repository, Token, "contents: write");
        }
        catch (HttpRequestException e)
        {
            throw GitHubErrors.Network(e, $"merge pull request #{number}", repository);
        }

        if (refusal.Contains("not allowed on this repository", StringComparison.OrdinalIgnoreCase)
            || refusal.Contains("cannot be automatically signed", StringComparison.OrdinalIgnoreCase))
        {
            return new MergeOutcome(MergeOutcomeKind.MethodNotAllowed, refusal);
        }

        var current = await Call(() => client.PullRequest.Get(owner, name, number), $"read pull request #{number}", "pull-requests: read", cancellationToken);
        if (current.Merged)
        {
            return new MergeOutcome(MergeOutcomeKind.Merged, "merged (the answer to our merge request was lost)") { Sha = current.MergeCommitSha };
        }

        var state = current.MergeableState?.StringValue;
        return state switch
        {
            "behind" => new MergeOutcome(MergeOutcomeKind.Rebuild, $"it is behind {current.Base?.Ref}"),
            // The head is exactly what we pushed: the conflict is with what landed on the base since, and re-planning resolves it.
            "dirty" when current.Head?.Sha == headSha => new MergeOutcome(MergeOutcomeKind.Rebuild, $"it conflicts with changes that landed on {current.Base?.Ref} since"),
            "dirty" => new MergeOutcome(MergeOutcomeKind.Conflict, refusal) { HeadSha = current.Head?.Sha },
            "blocked" => new MergeOutcome(MergeOutcomeKind.Blocked, refusal),
            _ => new MergeOutcome(MergeOutcomeKind.NotReady, $"{refusal}, state '{state ?? "unknown"}'"),
        };
    }

    /// <summary>GraphQL <c>enablePullRequestAutoMerge</c> (no REST API exists), sent through the same connection.</summary>
    public async Task<AutoMergeResult> EnableAutoMergeAsync(PullRequestInfo pullRequest, MergeMethod method, CancellationToken cancellationToken)
    {
        var json = await graphQl.AnswerAsync("EnableAutoMerge", new JsonObject { ["id"] = pullRequest.NodeId, ["method"] = method.ToString().ToUpperInvariant() },
            $"enable auto-merge on #{pullRequest.Number}", "contents: write and pull-requests: write", cancellationToken);
        var error = FirstError(json);
        if (error is null)
        {
            return new AutoMergeResult(AutoMergeResultKind.Enabled, "auto-merge enabled");
        }

        // GitHub refuses auto-merge on a PR that is mergeable now: "Pull request is in clean status".
        return error.Contains("clean status", StringComparison.OrdinalIgnoreCase) || error.Contains("unstable status", StringComparison.OrdinalIgnoreCase)
            ? new AutoMergeResult(AutoMergeResultKind.AlreadyMergeable, error)
            : new AutoMergeResult(AutoMergeResultKind.NotAllowed, error);
    }

    public async Task CloseAsync(int number, string comment, CancellationToken cancellationToken)
    {
        await CheckedRetry.RunAsync(
            () => Call(() => client.Issue.Comment.Create(owner, name, number, comment), $"comment on #{number}", "pull-requests: write", cancellationToken),
            async () => (await Call(() => client.Issue.Comment.GetAllForIssue(owner, name, number), $"read the comments of #{number}", "pull-requests: read", cancellationToken)).LastOrDefault(c => c.Body == comment),
            cancellationToken);
        await Call(() => client.PullRequest.Update(owner, name, number, new PullRequestUpdate { State = ItemState.Closed }), $"close #{number}", "pull-requests: write", cancellationToken);
    }

    private static string? FirstError(JsonNode? json) =>
        json?["errors"]?.AsArray().Select(e => e?["message"]?.GetValue<string>()).FirstOrDefault(m => m is not null);

    private Task<T> Call<T>(Func<Task<T>> call, string what, string permission, CancellationToken cancellationToken) => GitHubErrors.Call(gate, call, what, repository, Token, permission, cancellationToken);

    private Task Call(Func<Task> call, string what, string permission, CancellationToken cancellationToken) => GitHubErrors.Call(gate, call, what, repository, Token, permission, cancellationToken);

    private static PullRequestMergeMethod Method(MergeMethod method) => method switch
    {
        MergeMethod.Merge => PullRequestMergeMethod.Merge,
        MergeMethod.Rebase => PullRequestMergeMethod.Rebase,
        _ => PullRequestMergeMethod.Squash,
    };

    private static PullRequestInfo Map(PullRequest pr) => new(
        pr.Number,
        pr.HtmlUrl,
        pr.Head?.Ref ?? string.Empty,
        pr.Head?.Sha ?? string.Empty,
        pr.Base?.Ref ?? string.Empty,
        pr.State.Value == ItemState.Open,
        pr.Merged,
        pr.NodeId ?? string.Empty,
        pr.Title ?? string.Empty,
        pr.Body ?? string.Empty,
        pr.Labels?.Select(l => l.Name).ToList() ?? [])
    {
        MergeCommitSha = pr.MergeCommitSha,
        Author = pr.User?.Login ?? string.Empty,
    };
}
