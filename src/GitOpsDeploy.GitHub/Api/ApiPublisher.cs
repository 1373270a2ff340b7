using System.Text;
using System.Text.Json.Nodes;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Text;
using GitOpsDeploy.Editing;
using GitOpsDeploy.GitHub.GraphQl;
using Microsoft.Extensions.Logging;
using Octokit;
using NewCommit = GitOpsDeploy.Core.Ports.NewCommit;

namespace GitOpsDeploy.GitHub.Api;

/// <summary>
/// Commits through GitHub's API: one <c>createCommitOnBranch</c> mutation (CommitOnBranch.graphql), which GitHub
/// signs and which is a compare-and-swap on the head the snapshot saw (STALE_DATA: a lost race). A request that
/// got no answer is settled by reading the branch for this invocation's <c>Deploy-Run</c> trailer.
/// </summary>
public sealed class ApiPublisher(GitHubGraphQl graphQl, string repository, ILogger logger) : IPublisher
{
    private readonly string owner = repository.Split('/')[0];
    private readonly string name = repository.Split('/')[1];

    /// <summary>Reads the branch's recent commits when a commit's answer was lost (set once the board exists).</summary>
    public IIntentBoard? Board { get; set; }

    /// <summary>Why the API cannot write these files faithfully: createCommitOnBranch writes every file 100644, so an executable one would lose its bit.</summary>
    public string? Unwritable(IGitOpsSnapshot snapshot, IReadOnlyList<FileChange> files) =>
        files.FirstOrDefault(f => f.Content is not null && snapshot.Tree is ApiSnapshots.ApiTree tree && tree.KindOf(f.Path) == TreeEntryKind.File && tree.IsExecutable(f.Path)) is { } executable
            ? $"{executable.Path} is executable in {repository}, and commits through GitHub's API write every file without the executable bit"
            : null;

    public async Task<CommitDraft> DraftAsync(IGitOpsSnapshot onTopOf, NewCommit commit, CancellationToken cancellationToken)
    {
        if (await onTopOf.ReadingAsync(() => Unwritable(onTopOf, commit.Files), cancellationToken) is { } reason)
        {
            throw new DeployException(ErrorKind.UnsupportedByCommitMethod, reason);
        }

        var diff = new StringBuilder();
        foreach (var change in commit.Files)
        {
            var before = await onTopOf.ReadingAsync(() => onTopOf.Tree.KindOf(change.Path) == TreeEntryKind.File ? onTopOf.Tree.ReadFile(change.Path) : null, cancellationToken);
            diff.Append(UnifiedDiff.Of(change.Path, before, change.Content));
        }

        // The commit exists only once GitHub makes it: no sha yet.
        return new CommitDraft(onTopOf.HeadSha, string.Empty, diff.ToString()) { Commit = commit };
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
            json = await graphQl.MutateAsync("CommitOnBranch", new JsonObject { ["input"] = CommitInput(draft, branch) }, $"commit to '{branch}'", cancellationToken);
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
    public async Task<PublishOutcome> LandedAsync(CommitDraft draft, string branch, DeployException lost, CancellationToken cancellationToken)
    {
        var board = Board ?? throw new InvalidOperationException("the publisher reads the branch through the board");
        var run = draft.Commit?.Message.ReplaceLineEndings("\n").Split('\n').FirstOrDefault(l => l.StartsWith("Deploy-Run: ", StringComparison.Ordinal));
        var state = await board.ReadAsync(branch, DateTimeOffset.UtcNow.AddHours(-1), cancellationToken);
        if (run is not null && state.Recent.FirstOrDefault(c => c.Message.ReplaceLineEndings("\n").Split('\n').Contains(run, StringComparer.Ordinal)) is { } ours)
        {
            return new PublishOutcome.Published(ours.Sha) { Verified = ours.Verified };
        }

        return new PublishOutcome.LostRace($"GitHub did not answer the commit ({lost.Message}) and {branch} does not hold it");
    }

    /// <summary>createCommitOnBranch's input: the draft's files on the branch, compare-and-swapped on the draft's base.</summary>
    public JsonObject CommitInput(CommitDraft draft, string branch)
    {
        var commit = draft.Commit ?? throw new InvalidOperationException("the API publisher sends the draft's files");
        var message = commit.Message.ReplaceLineEndings("\n");
        if (commit.Author.Chosen)
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

    /// <summary>A well-typed createCommitOnBranch input for a request whose commit part is switched off (GitHub checks every variable sent).</summary>
    public static JsonObject Unused(string repository, string branch) => new()
    {
        ["branch"] = new JsonObject { ["repositoryNameWithOwner"] = repository, ["branchName"] = branch },
        ["expectedHeadOid"] = new string('0', 40),
        ["message"] = new JsonObject { ["headline"] = "unused" },
    };

    /// <summary>What a createCommitOnBranch answered: the commit, a lost race (STALE_DATA), or a classified refusal.</summary>
    public PublishOutcome CommitOutcome(JsonNode? payload, JsonNode? error, string branch)
    {
        if (payload?["commit"] is JsonObject created)
        {
            var published = new PublishOutcome.Published(created["oid"]!.GetValue<string>()) { Verified = created["signature"]?["isValid"]?.GetValue<bool>() ?? false };
            if (!published.Verified)
            {
                // GHES without web commit signing. Branches that require signed commits refuse those.
                logger.LogWarning("GitHub did not sign {Sha} (verified=false): on GitHub Enterprise Server, API commits are signed only when the site administrator enables web commit signing, and branches that require signed commits refuse unsigned ones", published.Sha);
            }

            return published;
        }

        var type = error?["type"]?.GetValue<string>();
        var text = error?["message"]?.GetValue<string>() ?? "no commit in GitHub's answer";
        return type switch
        {
            "STALE_DATA" => new PublishOutcome.LostRace(text),
            "FORBIDDEN" => throw new DeployException(ErrorKind.PermissionDenied, $"could not commit to '{branch}' of {repository}: {ApiRepository.TokenInput} needs contents: write ({text})"),
            "NOT_FOUND" => throw new DeployException(ErrorKind.NotFound, $"could not commit to '{branch}' of {repository}: {text}"),
            _ => new PublishOutcome.Rejected(type is null ? text : $"{text} ({type})"),
        };
    }

    /// <summary>Our pull request head, rebuilt from the base tip: created there, or forced back to it.</summary>
    private async Task ResetBranchAsync(string branch, string baseSha, CancellationToken cancellationToken)
    {
        var client = graphQl.Client;
        try
        {
            graphQl.Count();
            await graphQl.Gate.RunAsync(() => client.Git.Reference.Update(owner, name, $"heads/{branch}", new ReferenceUpdate(baseSha, force: true)), $"reset branch '{branch}'", cancellationToken);
        }
        catch (ApiValidationException e) when (GitHubErrors.Detail(e).Contains("does not exist", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                graphQl.Count();
                await graphQl.Gate.RunAsync(() => client.Git.Reference.Create(owner, name, new NewReference($"refs/heads/{branch}", baseSha)), $"create branch '{branch}'", cancellationToken);
            }
            catch (ApiValidationException exists) when (GitHubErrors.Detail(exists).Contains("already exists", StringComparison.OrdinalIgnoreCase))
            {
                // Another run created it between our two requests: ours is rebuilt over it, as when it existed.
                await graphQl.RestAsync(c => c.Git.Reference.Update(owner, name, $"heads/{branch}", new ReferenceUpdate(baseSha, force: true)),
                    $"reset branch '{branch}'", "contents: write", cancellationToken);
            }
            catch (ApiException failed)
            {
                throw GitHubErrors.Translate(failed, $"create branch '{branch}'", repository, ApiRepository.TokenInput, "contents: write");
            }
        }
        catch (ApiException e)
        {
            throw GitHubErrors.Translate(e, $"reset branch '{branch}'", repository, ApiRepository.TokenInput, "contents: write");
        }
        catch (HttpRequestException e)
        {
            throw GitHubErrors.Network(e, $"reset branch '{branch}'", repository);
        }
    }
}
