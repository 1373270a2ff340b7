using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace GitOpsDeploy.Tests.Fakes;

/// <summary>
/// The REST and GraphQL endpoints GitOpsDeploy uses, answering like GitHub: the same status codes
/// and error bodies (401 Bad credentials, 403 not accessible, 404, 422 validation errors, 405/409
/// on merge, 202/409 on deployments), Link-header pagination, state that persists across calls, and
/// merges that really merge in the bare repository the action clones over smart HTTP.
/// </summary>
public sealed partial class FakeGitHub
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    private readonly ConcurrentDictionary<string, ApiRepo> repos = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock state = new();
    private readonly List<InjectedFailure> failures = [];
    private long nextId = 1000;

    /// <summary>REST and GraphQL requests only, e.g. "POST /repos/acme/app/deployments".</summary>
    public IEnumerable<string> ApiRequests => Requests.Where(r => r.Contains(" /api/", StringComparison.Ordinal))
        .Select(r => r.Replace(" /api/v3", " ", StringComparison.Ordinal).Replace("  ", " ", StringComparison.Ordinal));

    public ApiRepo Api(string fullName) => repos[fullName];

    /// <summary>An API-only repository (the application repository that deployments are created on).</summary>
    public ApiRepo CreateApiRepo(string fullName) => repos.GetOrAdd(fullName, n => new ApiRepo(Interlocked.Increment(ref nextId), n, null));

    public void Inject(InjectedFailure failure)
    {
        lock (state)
        {
            failures.Add(failure);
        }
    }

    /// <summary>Merges every open pull request with auto-merge enabled that can be merged now (as GitHub does when checks pass).</summary>
    public void RunAutoMerge()
    {
        foreach (var repo in repos.Values)
        {
            foreach (var pr in repo.Pulls.Where(p => p.State == "open" && p.AutoMerge is not null).ToList())
            {
                lock (state)
                {
                    if (MergeableState(repo, pr) == "clean")
                    {
                        Merge(repo, pr, pr.AutoMerge!, $"{pr.Title} (#{pr.Number})");
                    }
                }
            }
        }
    }

    /// <summary>A person pressing "Merge" on the pull request.</summary>
    public string MergeByHand(string fullName, int number, string method = "squash")
    {
        lock (state)
        {
            var repo = repos[fullName];
            var pr = repo.Pulls.Single(p => p.Number == number);
            return Merge(repo, pr, method, $"{pr.Title} (#{pr.Number})");
        }
    }

    /// <summary>Records a past deployment with its statuses, as if earlier runs had made it.</summary>
    public FakeDeployment SeedDeployment(string fullName, string environment, string task, string sha, DateTimeOffset created, params (string State, string? Description, DateTimeOffset At)[] statuses)
    {
        lock (state)
        {
            var repo = repos[fullName];
            var deployment = new FakeDeployment { Id = Interlocked.Increment(ref nextId), Sha = sha, Ref = sha, Environment = environment, Task = task, CreatedAt = created };
            foreach (var (stateName, description, at) in statuses)
            {
                deployment.Statuses.Add(new FakeDeploymentStatus(Interlocked.Increment(ref nextId), stateName, description, null, null, at));
            }

            repo.Deployments.Add(deployment);
            return deployment;
        }
    }

    /// <summary>Opens a pull request directly (as another run or a person would).</summary>
    public FakePull OpenPull(string fullName, string head, string title, string body, string baseBranch = "main", string author = "octocat")
    {
        lock (state)
        {
            var repo = repos[fullName];
            var pr = new FakePull { Number = repo.NextIssueNumber++, Head = head, Base = baseBranch, Title = title, Body = body, Author = author };
            repo.Pulls.Add(pr);
            return pr;
        }
    }

    private ApiRepo Register(FakeRepo git) => repos.GetOrAdd(git.FullName, n => new ApiRepo(Interlocked.Increment(ref nextId), n, git));

    private async Task HandleApiAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? string.Empty;
        var method = context.Request.Method;
        if (path == "/api/graphql" && method == "POST")
        {
            if (Token(context) is null)
            {
                await Reply(context, 401, new { message = "Bad credentials", documentation_url = "https://docs.github.com/graphql" });
                return;
            }

            await GraphQlAsync(context);
            return;
        }

        var rest = path["/api/v3".Length..];
        if (BeforeApi is { } before)
        {
            await before(method, rest);
        }

        var body = method is "POST" or "PATCH" or "PUT" ? await ReadJson(context) : null;
        var failure = await TakeFailureAsync(context, method, rest, body?.ToJsonString() ?? string.Empty);
        if (failure is not null && !failure.AfterHandling && failure.DelayAfterHandling == TimeSpan.Zero)
        {
            foreach (var (name, value) in failure.Headers)
            {
                context.Response.Headers[name] = value;
            }

            context.Response.StatusCode = failure.Status;
            context.Response.ContentType = "application/json; charset=utf-8";
            await context.Response.WriteAsync(failure.Body);
            return;
        }

        var parts = rest.Trim('/').Split('/');
        if (parts.Length < 3 || parts[0] != "repos")
        {
            await Reply(context, 404, NotFound);
            return;
        }

        var fullName = parts[1] + "/" + parts[2];
        var token = Token(context);
        if (token is null || !tokens.TryGetValue(token, out var grant))
        {
            await Reply(context, 401, new { message = "Bad credentials", documentation_url = "https://docs.github.com/rest" });
            return;
        }

        if (!repos.TryGetValue(fullName, out var repo) || (grant.Repos is not null && !grant.Repos.Contains(fullName, StringComparer.OrdinalIgnoreCase)))
        {
            await Reply(context, 404, NotFound);
            return;
        }

        if (method != "GET" && grant.Permission == Permission.Read)
        {
            await Reply(context, 403, new { message = "Resource not accessible by integration", documentation_url = "https://docs.github.com/rest" });
            return;
        }

        if (method != "GET" && TakeContentBudget(LoginOf(token)) is { } wait)
        {
            context.Response.Headers["retry-after"] = wait.ToString(CultureInfo.InvariantCulture);
            await Reply(context, 403, SecondaryRateLimit);
            return;
        }

        var tail = parts[3..];
        int status;
        string text;
        string? link;
        lock (state)
        {
            (status, var payload, link) = Route(context, repo, method, tail, body, LoginOf(token));
            text = JsonSerializer.Serialize(payload, Json);
        }

        if (failure is { AfterHandling: true })
        {
            // The change was made; the client never hears of it.
            (status, text, link) = (failure.Status, failure.Body, null);
        }

        await AfterHandlingAsync(context, failure);

        if (link is not null)
        {
            context.Response.Headers["Link"] = link;
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.WriteAsync(text);
    }

    /// <summary>POST git/commits: a commit object from a message, a tree and parents (none: a root commit), as the git data API makes it.</summary>
    private (int, object, string?) CreateGitCommit(ApiRepo repo, FakeRepo git, JsonNode body)
    {
        var message = body["message"]?.GetValue<string>();
        var tree = body["tree"]?.GetValue<string>();
        if (message is null || tree is null)
        {
            return Validation(new { resource = "Commit", field = message is null ? "message" : "tree", code = "missing_field" });
        }

        if (TryGit(git, "cat-file", "-t", tree) != "tree")
        {
            return (422, new { message = "Tree SHA does not exist", documentation_url = "https://docs.github.com/rest/git/commits#create-a-commit" }, null);
        }

        var args = new List<string> { "commit-tree", tree };
        foreach (var parent in body["parents"]?.AsArray().Select(p => p!.GetValue<string>()) ?? [])
        {
            if (TryGit(git, "cat-file", "-t", parent) != "commit")
            {
                return (422, new { message = "Parent SHA does not exist or is not a commit object", documentation_url = "https://docs.github.com/rest/git/commits#create-a-commit" }, null);
            }

            args.AddRange(["-p", parent]);
        }

        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, message);
            args.AddRange(["-F", file]);
            var sha = git.Git([.. args]);
            return (201, new
            {
                sha,
                node_id = "C_" + sha[..8],
                url = $"{ServerUrl}/api/v3/repos/{repo.FullName}/git/commits/{sha}",
                html_url = $"{ServerUrl}/{repo.FullName}/commit/{sha}",
                message,
                tree = new { sha = tree, url = $"{ServerUrl}/api/v3/repos/{repo.FullName}/git/trees/{tree}" },
                parents = Array.Empty<object>(),
                author = new { name = "gitops-deploy", email = "bot@example.com", date = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture) },
                committer = new { name = "GitHub", email = "noreply@github.com", date = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture) },
                verification = new { verified = false, reason = "unsigned", signature = (string?)null, payload = (string?)null },
            }, null);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private (int, object, string?) CreateRef(ApiRepo repo, FakeRepo git, JsonNode body)
    {
        var name = body["ref"]?.GetValue<string>() ?? string.Empty;
        var sha = body["sha"]?.GetValue<string>() ?? string.Empty;
        if (!name.StartsWith("refs/", StringComparison.Ordinal) || name.Count(c => c == '/') < 2)
        {
            return (422, new { message = "Reference name must start with 'refs/' and have at least two slashes.", documentation_url = "https://docs.github.com/rest/git/refs#create-a-reference" }, null);
        }

        if (TooLong(name))
        {
            return (422, new { message = RefTooLong, documentation_url = "https://docs.github.com/rest/git/refs#create-a-reference" }, null);
        }

        try
        {
            git.Git("update-ref", name, sha, new string('0', 40));
        }
        catch (InvalidOperationException)
        {
            return (422, new { message = "Reference already exists", documentation_url = "https://docs.github.com/rest/git/refs#create-a-reference" }, null);
        }

        return (201, RefJson(repo, name, sha), null);
    }

    /// <summary>PATCH a ref: fast-forward only unless force (422 "Update is not a fast forward"), and never a protected default branch.</summary>
    private (int, object, string?) UpdateRef(ApiRepo repo, FakeRepo git, string branch, JsonNode body)
    {
        var sha = body["sha"]?.GetValue<string>() ?? string.Empty;
        var force = body["force"]?.GetValue<bool>() ?? false;
        string current;
        try
        {
            current = git.Head(branch);
        }
        catch (InvalidOperationException)
        {
            return (422, new { message = "Reference does not exist", documentation_url = "https://docs.github.com/rest/git/refs#update-a-reference" }, null);
        }

        if (!force && git.Git("merge-base", current, sha) != current)
        {
            return (422, new { message = "Update is not a fast forward", documentation_url = "https://docs.github.com/rest/git/refs#update-a-reference" }, null);
        }

        git.Git("update-ref", $"refs/heads/{branch}", sha, current);
        return (200, RefJson(repo, $"refs/heads/{branch}", sha), null);
    }

    private object RefJson(ApiRepo repo, string name, string sha) => new
    {
        @ref = name,
        node_id = "REF_" + sha[..8],
        url = $"{ServerUrl}/api/v3/repos/{repo.FullName}/git/{name}",
        @object = new { sha, type = "commit", url = $"{ServerUrl}/api/v3/repos/{repo.FullName}/git/commits/{sha}" },
    };

    private static readonly object NotFound = new { message = "Not Found", documentation_url = "https://docs.github.com/rest", status = "404" };

    private (int Status, object Payload, string? Link) Route(HttpContext context, ApiRepo repo, string method, string[] tail, JsonNode? body, string login)
    {
        var query = context.Request.Query;
        switch (method, tail)
        {
            case ("GET", []):
                return (200, RepoJson(repo), null);
            case ("GET", ["pulls"]):
                {
                    var stateFilter = query["state"].ToString() is { Length: > 0 } s ? s : "open";
                    var items = repo.Pulls
                        .Where(p => stateFilter == "all" || p.State == stateFilter)
                        .Where(p => query["base"].ToString() is not { Length: > 0 } b || p.Base == b)
                        .Where(p => query["head"].ToString() is not { Length: > 0 } h || $"{repo.FullName.Split('/')[0]}:{p.Head}" == h)
                        .OrderByDescending(p => p.Number)
                        .Select(p => PullJson(repo, p));
                    return Page(context, items);
                }

            case ("POST", ["pulls"]):
                return CreatePull(repo, body!, login);
            case ("GET", ["compare", var basehead]) when repo.Git is { } git && basehead.Split("...") is [var from, var to]:
                return CompareCommits(context, repo, git, from, to);
            case ("GET", ["commits", var sha, "pulls"]) when repo.Git is { } git:
                return CommitPulls(context, repo, git, sha);
            case ("POST", ["git", "refs"]) when repo.Git is { } git:
                return CreateRef(repo, git, body!);
            case ("POST", ["git", "commits"]) when repo.Git is { } git:
                return CreateGitCommit(repo, git, body!);
            case ("PATCH", ["git", "refs", "heads", .. var branchParts]) when repo.Git is { } git:
                return UpdateRef(repo, git, string.Join('/', branchParts), body!);
            case ("GET", ["git", "blobs", var blobSha]) when repo.Git is { } git:
                {
                    byte[] bytes;
                    try
                    {
                        bytes = GitCli.RunBytes(git.BarePath, null, "cat-file", "blob", blobSha);
                    }
                    catch (InvalidOperationException)
                    {
                        return (404, NotFound, null);
                    }

                    return (200, new { sha = blobSha, node_id = "B_" + blobSha[..8], size = bytes.Length, url = $"{ServerUrl}/api/v3/repos/{repo.FullName}/git/blobs/{blobSha}", content = Convert.ToBase64String(bytes, Base64FormattingOptions.InsertLineBreaks), encoding = "base64" }, null);
                }
            case ("GET", ["pulls", var n]) when Pull(repo, n) is { } pr:
                return (200, PullJson(repo, pr), null);
            case ("PATCH", ["pulls", var n]) when Pull(repo, n) is { } pr:
                if (body!["title"] is { } title)
                {
                    pr.Title = title.GetValue<string>();
                }

                if (body["body"] is { } text)
                {
                    pr.Body = text.GetValue<string>();
                }

                if (body["state"]?.GetValue<string>() is { } newState && !pr.Merged)
                {
                    if (newState == "closed" && pr.State == "open")
                    {
                        pr.ClosedHeadSha = HeadSha(repo, pr);
                        pr.ClosedAt = DateTimeOffset.UtcNow;
                    }

                    pr.State = newState;
                }

                return (200, PullJson(repo, pr), null);
            case ("PUT", ["pulls", var n, "merge"]) when Pull(repo, n) is { } pr:
                return MergeEndpoint(repo, pr, body!);
            case ("POST", ["pulls", var n, "requested_reviewers"]) when Pull(repo, n) is { } pr:
                pr.RequestedReviewers.AddRange(Strings(body!["reviewers"]));
                pr.RequestedTeams.AddRange(Strings(body["team_reviewers"]));
                return (201, PullJson(repo, pr), null);
            case ("POST", ["issues", var n, "labels"]) when Pull(repo, n) is { } pr:
                foreach (var label in Strings(body is JsonArray ? body : body!["labels"]).Where(l => !pr.Labels.Contains(l)))
                {
                    pr.Labels.Add(label);
                }

                return (200, pr.Labels.Select(LabelJson).ToList(), null);
            case ("POST", ["issues", var n, "comments"]) when Pull(repo, n) is { } pr:
                pr.Comments.Add(body!["body"]!.GetValue<string>());
                return (201, new { id = Interlocked.Increment(ref nextId), body = pr.Comments[^1], html_url = $"{ServerUrl}/{repo.FullName}/pull/{pr.Number}#issuecomment-{nextId}" }, null);
            case ("GET", ["commits", var sha]):
                return repo.CommitTimes.TryGetValue(sha, out var committed)
                    ? (200, new
                    {
                        sha,
                        node_id = $"C_{sha[..7]}",
                        html_url = $"{ServerUrl}/{repo.FullName}/commit/{sha}",
                        commit = new
                        {
                            message = "change",
                            author = new { name = "Dev", email = "dev@example.com", date = committed.ToString("O", CultureInfo.InvariantCulture) },
                            committer = new { name = "Dev", email = "dev@example.com", date = committed.ToString("O", CultureInfo.InvariantCulture) },
                        },
                        parents = Array.Empty<object>(),
                    }, null)
                    : (422, new { message = $"No commit found for SHA: {sha}", documentation_url = "https://docs.github.com/rest/commits/commits#get-a-commit" }, null);
            case ("GET", ["attestations", var subject]):
                {
                    // GitHub's shape: {"attestations":[{"bundle":{…},"repository_id":…,"bundle_url":…}]}, newest first; 404 when none.
                    var bundles = repo.Attestations.Where(a => a.Digest == Uri.UnescapeDataString(subject)).Reverse()
                        .Select(a => (object)new { bundle = JsonNode.Parse(a.Bundle), repository_id = repo.Id, bundle_url = (string?)null }).ToList();
                    return bundles.Count == 0
                        ? (404, new { message = "Not Found", documentation_url = "https://docs.github.com/rest/repos/attestations#list-attestations", status = "404" }, null)
                        : (200, new { attestations = bundles }, null);
                }

            case ("POST", ["deployments"]):
                return CreateDeployment(repo, body!);
            case ("GET", ["deployments"]):
                {
                    var items = repo.Deployments
                        .Where(d => query["environment"].ToString() is not { Length: > 0 } e || d.Environment == e)
                        .Where(d => query["task"].ToString() is not { Length: > 0 } t || d.Task == t)
                        .Where(d => query["sha"].ToString() is not { Length: > 0 } s || d.Sha == s)
                        .OrderByDescending(d => d.Id)
                        .Select(d => DeploymentJson(repo, d));
                    return Page(context, items);
                }

            case ("POST", ["deployments", var id, "statuses"]) when Deployment(repo, id) is { } deployment:
                return CreateStatus(repo, deployment, body!);
            case ("GET", ["deployments", var id, "statuses"]) when Deployment(repo, id) is { } deployment:
                return Page(context, deployment.Statuses.AsEnumerable().Reverse().Select(s => (object)StatusJson(s)));
            default:
                return (404, NotFound, null);
        }
    }

    private (int, object, string?) CreatePull(ApiRepo repo, JsonNode body, string login)
    {
        var head = body["head"]?.GetValue<string>() ?? string.Empty;
        head = head.Contains(':', StringComparison.Ordinal) ? head[(head.IndexOf(':', StringComparison.Ordinal) + 1)..] : head;
        var baseRef = body["base"]?.GetValue<string>() ?? string.Empty;
        var title = body["title"]?.GetValue<string>();
        if (string.IsNullOrEmpty(title))
        {
            return Validation(new { resource = "PullRequest", field = "title", code = "missing_field" });
        }

        if (BranchSha(repo, head) is null)
        {
            return Validation(new { resource = "PullRequest", field = "head", code = "invalid" });
        }

        if (BranchSha(repo, baseRef) is null)
        {
            return Validation(new { resource = "PullRequest", field = "base", code = "invalid" });
        }

        if (repo.Pulls.Any(p => p.State == "open" && p.Head == head && p.Base == baseRef))
        {
            return Validation(new { resource = "PullRequest", code = "custom", message = $"A pull request already exists for {repo.FullName.Split('/')[0]}:{head}." });
        }

        var pr = new FakePull { Number = repo.NextIssueNumber++, Head = head, Base = baseRef, Title = title, Body = body["body"]?.GetValue<string>() ?? string.Empty, Author = login };
        repo.Pulls.Add(pr);
        return (201, PullJson(repo, pr), null);
    }

    private (int, object, string?) MergeEndpoint(ApiRepo repo, FakePull pr, JsonNode body)
    {
        if (pr.State != "open")
        {
            return (405, new { message = "Pull Request is not mergeable", documentation_url = "https://docs.github.com/rest/pulls/pulls#merge-a-pull-request" }, null);
        }

        var requested = body["merge_method"]?.GetValue<string>() ?? "merge";
        if (requested == "rebase" && repo.RequireSignedCommits)
        {
            return (405, new { message = "Base branch requires signed commits. Rebase merges cannot be automatically signed by GitHub", documentation_url = "https://docs.github.com/rest/pulls/pulls#merge-a-pull-request" }, null);
        }

        if (!repo.MergeMethods.Contains(requested))
        {
            // GitHub's wording, checked before the head and mergeability.
            var what = requested switch { "squash" => "Squash merges", "rebase" => "Rebase merges", _ => "Merge commits" };
            return (405, new { message = $"{what} are not allowed on this repository.", documentation_url = "https://docs.github.com/rest/pulls/pulls#merge-a-pull-request" }, null);
        }

        if (body["sha"]?.GetValue<string>() is { } sha && sha != HeadSha(repo, pr))
        {
            return (409, new { message = "Head branch was modified. Review and try the merge again.", documentation_url = "https://docs.github.com/rest/pulls/pulls#merge-a-pull-request" }, null);
        }

        var message = MergeableState(repo, pr) switch
        {
            "dirty" => "Pull Request is not mergeable",
            "blocked" => "At least 1 approving review is required by reviewers with write access.",
            "behind" => "Head branch is not up to date with the base branch",
            _ => null,
        };
        if (message is not null)
        {
            return (405, new { message, documentation_url = "https://docs.github.com/rest/pulls/pulls#merge-a-pull-request" }, null);
        }

        var methodName = body["merge_method"]?.GetValue<string>() ?? "merge";
        var merged = Merge(repo, pr, methodName, body["commit_title"]?.GetValue<string>() ?? $"Merge pull request #{pr.Number}");
        return (200, new { sha = merged, merged = true, message = "Pull Request successfully merged" }, null);
    }

    /// <summary>Really merges in the bare repository: merge-tree, then a squash, merge or rebased commit on the base.</summary>
    private string Merge(ApiRepo repo, FakePull pr, string method, string title)
    {
        var git = repo.Git!;
        var baseSha = git.Head(pr.Base);
        var headSha = git.Head(pr.Head);
        var tree = git.Git("merge-tree", "--write-tree", baseSha, headSha).Split('\n')[0];
        var commit = method switch
        {
            "merge" => git.Git("commit-tree", tree, "-p", baseSha, "-p", headSha, "-m", $"Merge pull request #{pr.Number} from {pr.Head}\n\n{pr.Title}"),
            "rebase" => git.Git("commit-tree", tree, "-p", baseSha, "-m", git.Message(headSha)),
            _ => git.Git("commit-tree", tree, "-p", baseSha, "-m", $"{title}\n\n{git.Message(headSha)}"),
        };
        git.Git("update-ref", $"refs/heads/{pr.Base}", commit, baseSha);
        pr.ClosedHeadSha = headSha;
        pr.Merged = true;
        pr.MergedAt = pr.ClosedAt = DateTimeOffset.UtcNow;
        pr.State = "closed";
        pr.MergeCommitSha = commit;
        if (method != "rebase")
        {
            // GitHub signs merge commits and squash merges with its own key; rebase merges are not signed.
            MarkVerified(git, commit);
        }

        return commit;
    }

    private string? MergeableState(ApiRepo repo, FakePull pr)
    {
        if (pr.State != "open" || repo.Git is null)
        {
            return null;
        }

        var git = repo.Git;
        var baseSha = git.Head(pr.Base);
        var headSha = git.Head(pr.Head);
        try
        {
            git.Git("merge-tree", "--write-tree", baseSha, headSha);
        }
        catch (InvalidOperationException)
        {
            return "dirty";
        }

        var upToDate = git.Git("merge-base", baseSha, headSha) == baseSha;
        return repo.RequireUpToDate && !upToDate ? "behind" : repo.RequireReviews ? "blocked" : upToDate ? "clean" : "clean";
    }

    private (int, object, string?) CreateDeployment(ApiRepo repo, JsonNode body)
    {
        var reference = body["ref"]?.GetValue<string>() ?? string.Empty;
        var sha = reference.Length == 40 && reference.All(Uri.IsHexDigit) ? reference : repo.Git is null ? null : BranchSha(repo, reference);
        if (sha is null)
        {
            return (422, new { message = $"No ref found for: {reference}", documentation_url = "https://docs.github.com/rest/deployments/deployments#create-a-deployment" }, null);
        }

        if (body["auto_merge"]?.GetValue<bool>() ?? true)
        {
            // GitHub would try to merge the default branch into the ref first; our fake never does: a 202 says so.
            return (202, new { message = $"Auto-merged {repo.DefaultBranch} into {reference} on deployment." }, null);
        }

        var deployment = new FakeDeployment
        {
            Id = Interlocked.Increment(ref nextId),
            Sha = sha,
            Ref = reference,
            Environment = body["environment"]?.GetValue<string>() ?? "production",
            Task = body["task"]?.GetValue<string>() ?? "deploy",
            Description = body["description"]?.GetValue<string>(),
            ProductionEnvironment = body["production_environment"]?.GetValue<bool>() ?? false,
            Payload = (body["payload"] as JsonObject)?.ToDictionary(p => p.Key, p => p.Value?.ToString() ?? string.Empty) ?? [],
        };
        repo.Deployments.Add(deployment);
        return (201, DeploymentJson(repo, deployment), null);
    }

    private (int, object, string?) CreateStatus(ApiRepo repo, FakeDeployment deployment, JsonNode body)
    {
        var stateName = body["state"]?.GetValue<string>() ?? string.Empty;
        if (stateName is not ("error" or "failure" or "inactive" or "in_progress" or "queued" or "pending" or "success"))
        {
            return Validation(new { resource = "DeploymentStatus", field = "state", code = "invalid" });
        }

        var description = body["description"]?.GetValue<string>();
        if (description is { Length: > 140 })
        {
            return Validation(new { resource = "DeploymentStatus", code = "custom", field = "description", message = "description is too long (maximum is 140 characters)" });
        }

        var status = new FakeDeploymentStatus(Interlocked.Increment(ref nextId), stateName, description, body["log_url"]?.GetValue<string>(), body["environment_url"]?.GetValue<string>(), DateTimeOffset.UtcNow);
        deployment.Statuses.Add(status);
        if (stateName == "success" && (body["auto_inactive"]?.GetValue<bool>() ?? true))
        {
            // GitHub marks earlier successful deployments of the environment inactive.
            foreach (var older in repo.Deployments.Where(d => d.Id != deployment.Id && d.Environment == deployment.Environment && d.LastState == "success"))
            {
                older.Statuses.Add(new FakeDeploymentStatus(Interlocked.Increment(ref nextId), "inactive", "superseded", null, null, DateTimeOffset.UtcNow));
            }
        }

        return (201, StatusJson(status), null);
    }

    /// <summary>Runs before a GraphQL query (not a mutation) is answered: lets a test change the repository between two reads of a run.</summary>
    public Action? BeforeGraphQlQuery { get; set; }

    /// <summary>When set, every GraphQL request and the fake's answer to it (objects tagged with their type) is kept in <see cref="GraphQlExchanges"/> for the schema check.</summary>
    public bool RecordGraphQl { get; set; }

    /// <summary>What <see cref="RecordGraphQl"/> kept: {query, operationName, variables, answer} per request, in order.</summary>
    public List<JsonObject> GraphQlExchanges { get; } = [];

    private void Record(string query, string? operationName, JsonNode? variables, JsonObject answer)
    {
        if (!RecordGraphQl)
        {
            return;
        }

        lock (GraphQlExchanges)
        {
            GraphQlExchanges.Add(new JsonObject { ["query"] = query, ["operationName"] = operationName, ["variables"] = variables?.DeepClone(), ["answer"] = answer.DeepClone() });
        }
    }

    /// <summary>The injected failure a request matches (counted down), after waiting out its <see cref="InjectedFailure.Delay"/>.</summary>
    private async Task<InjectedFailure?> TakeFailureAsync(HttpContext context, string method, string path, string bodyText)
    {
        InjectedFailure? failure;
        lock (state)
        {
            failure = failures.FirstOrDefault(f => f.Method == method && path.EndsWith(f.PathSuffix, StringComparison.Ordinal) && f.Times > 0
                && (f.BodyContains is null || bodyText.Contains(f.BodyContains, StringComparison.Ordinal)));
            if (failure is not null)
            {
                failure.Times--;
            }
        }

        if (failure is { Delay: var delay } && delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, context.RequestAborted);
            return null;
        }

        return failure;
    }

    /// <summary>A request handled for real whose answer is held back (<see cref="InjectedFailure.DelayAfterHandling"/>) or lost.</summary>
    private static async Task AfterHandlingAsync(HttpContext context, InjectedFailure? failure)
    {
        if (failure is null)
        {
            return;
        }

        failure.Handled.TrySetResult();
        if (failure.DelayAfterHandling > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(failure.DelayAfterHandling, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                // The client gave up waiting (a cancelled run): the change stays made.
            }
        }
    }

    private async Task GraphQlAsync(HttpContext context)
    {
        var body = await ReadJson(context);
        var query = body?["query"]?.GetValue<string>() ?? string.Empty;
        var variables = body?["variables"];
        var operationName = body?["operationName"]?.GetValue<string>();
        var mutation = FakeGraphQl.IsMutation(query, operationName);
        // Faults can be injected into GraphQL too ("POST", "/graphql", matched on the document and variables).
        var failure = await TakeFailureAsync(context, "POST", "/graphql", body?.ToJsonString() ?? string.Empty);
        if (failure is not null && !failure.AfterHandling && failure.DelayAfterHandling == TimeSpan.Zero)
        {
            context.Response.StatusCode = failure.Status;
            context.Response.ContentType = "application/json; charset=utf-8";
            await context.Response.WriteAsync(failure.Body);
            return;
        }

        if (!mutation)
        {
            BeforeGraphQlQuery?.Invoke();
        }

        if (mutation && tokens.ContainsKey(Token(context)!) && TakeContentBudget(LoginOf(Token(context)!)) is { } wait)
        {
            context.Response.Headers["retry-after"] = wait.ToString(CultureInfo.InvariantCulture);
            await Reply(context, 403, SecondaryRateLimit);
            return;
        }

        if (!query.Contains("enablePullRequestAutoMerge", StringComparison.Ordinal))
        {
            var token = Token(context)!;
            if (!tokens.ContainsKey(token))
            {
                await Reply(context, 401, new { message = "Bad credentials", documentation_url = "https://docs.github.com/graphql" });
                return;
            }

            var tagged = ExecuteGraphQl(query, variables, token, operationName);
            Record(query, operationName, variables, tagged);
            var answer = FakeGraphQl.Untagged(tagged)!;
            await AfterHandlingAsync(context, failure);
            if (failure is { AfterHandling: true })
            {
                context.Response.StatusCode = failure.Status;
                context.Response.ContentType = "application/json; charset=utf-8";
                await context.Response.WriteAsync(failure.Body);
                return;
            }

            context.Response.ContentType = "application/json; charset=utf-8";
            await context.Response.WriteAsync(answer.ToJsonString());
            return;
        }

        var nodeId = variables?["id"]?.GetValue<string>();
        var method = variables?["method"]?.GetValue<string>()?.ToLowerInvariant() ?? "merge";
        object reply;
        lock (state)
        {
            var match = repos.Values.SelectMany(r => r.Pulls.Select(p => (Repo: r, Pull: p))).FirstOrDefault(x => x.Pull.NodeId == nodeId);
            if (match.Pull is null)
            {
                reply = Error($"Could not resolve to a node with the global id of '{nodeId}'", "NOT_FOUND");
            }
            else if (!match.Repo.AllowAutoMerge)
            {
                reply = Error("Auto merge is not allowed for this repository", "UNPROCESSABLE");
            }
            else if (!match.Repo.MergeMethods.Contains(method))
            {
                reply = Error($"Merge method {method} is not allowed on this repository", "UNPROCESSABLE");
            }
            else if (MergeableState(match.Repo, match.Pull) == "clean")
            {
                reply = Error("Pull request Pull request is in clean status", "UNPROCESSABLE");
            }
            else
            {
                match.Pull.AutoMerge = method;
                reply = new { data = new { enablePullRequestAutoMerge = new { pullRequest = new { number = match.Pull.Number } } } };
            }
        }

        // GraphQL answers in camelCase, unlike REST.
        var text = JsonSerializer.Serialize(reply);
        Record(query, operationName, variables, JsonNode.Parse(text)!.AsObject());
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.WriteAsync(text);

        static object Error(string message, string type) =>
            new { data = new { enablePullRequestAutoMerge = (object?)null }, errors = new[] { new { type, path = new[] { "enablePullRequestAutoMerge" }, message } } };
    }

    private (int, object, string?) Page(HttpContext context, IEnumerable<object> all)
    {
        var items = all.ToList();
        var perPage = Math.Clamp(int.TryParse(context.Request.Query["per_page"], CultureInfo.InvariantCulture, out var pp) ? pp : 30, 1, 100);
        var page = Math.Max(1, int.TryParse(context.Request.Query["page"], CultureInfo.InvariantCulture, out var p) ? p : 1);
        var last = Math.Max(1, (items.Count + perPage - 1) / perPage);
        string? link = null;
        if (page < last)
        {
            string Url(int n)
            {
                var q = context.Request.Query.Where(kv => kv.Key != "page").Select(kv => $"{kv.Key}={Uri.EscapeDataString(kv.Value.ToString())}").Append($"page={n}");
                return $"<{ServerUrl}{context.Request.Path}?{string.Join('&', q)}>";
            }

            link = $"{Url(page + 1)}; rel=\"next\", {Url(last)}; rel=\"last\"";
        }

        return (200, items.Skip((page - 1) * perPage).Take(perPage).ToList(), link);
    }

    private static (int, object, string?) Validation(object error) =>
        (422, new { message = "Validation Failed", errors = new[] { error }, documentation_url = "https://docs.github.com/rest" }, null);

    private static FakePull? Pull(ApiRepo repo, string number) =>
        int.TryParse(number, CultureInfo.InvariantCulture, out var n) ? repo.Pulls.FirstOrDefault(p => p.Number == n) : null;

    private static FakeDeployment? Deployment(ApiRepo repo, string id) =>
        long.TryParse(id, CultureInfo.InvariantCulture, out var n) ? repo.Deployments.FirstOrDefault(d => d.Id == n) : null;

    private static string? BranchSha(ApiRepo repo, string branch)
    {
        try
        {
            return repo.Git?.Head(branch);
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private static string HeadSha(ApiRepo repo, FakePull pr) => pr.State != "open" && pr.ClosedHeadSha is not null ? pr.ClosedHeadSha : BranchSha(repo, pr.Head) ?? string.Empty;

    private static IEnumerable<string> Strings(JsonNode? node) => node is JsonArray array ? array.Select(n => n!.GetValue<string>()) : [];

    private static string? Token(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        var space = header.IndexOf(' ', StringComparison.Ordinal);
        return space > 0 && header[..space].ToLowerInvariant() is "token" or "bearer" ? header[(space + 1)..].Trim() : null;
    }

    private static async Task<JsonNode?> ReadJson(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync();
        return text.Length == 0 ? null : JsonNode.Parse(text);
    }

    private static async Task Reply(HttpContext context, int status, object payload)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.WriteAsync(JsonSerializer.Serialize(payload, Json));
    }

    private object RepoJson(ApiRepo repo) => new
    {
        id = repo.Id,
        node_id = $"R_kgFake{repo.Id}",
        name = repo.FullName.Split('/')[1],
        full_name = repo.FullName,
        owner = new { login = repo.FullName.Split('/')[0], id = 1, type = "Organization" },
        @private = true,
        html_url = $"{ServerUrl}/{repo.FullName}",
        url = $"{ServerUrl}/api/v3/repos/{repo.FullName}",
        default_branch = repo.DefaultBranch,
        allow_auto_merge = repo.AllowAutoMerge,
        allow_squash_merge = repo.MergeMethods.Contains("squash"),
        allow_merge_commit = repo.MergeMethods.Contains("merge"),
        allow_rebase_merge = repo.MergeMethods.Contains("rebase"),
    };

    private object PullJson(ApiRepo repo, FakePull pr)
    {
        var owner = repo.FullName.Split('/')[0];
        var state = MergeableState(repo, pr);
        return new
        {
            id = 50_000 + pr.Number,
            node_id = pr.NodeId,
            number = pr.Number,
            state = pr.State,
            title = pr.Title,
            body = pr.Body,
            html_url = $"{ServerUrl}/{repo.FullName}/pull/{pr.Number}",
            url = $"{ServerUrl}/api/v3/repos/{repo.FullName}/pulls/{pr.Number}",
            head = new { @ref = pr.Head, sha = HeadSha(repo, pr), label = $"{owner}:{pr.Head}", repo = RepoJson(repo) },
            @base = new { @ref = pr.Base, sha = BranchSha(repo, pr.Base), label = $"{owner}:{pr.Base}", repo = RepoJson(repo) },
            user = new { login = pr.Author, id = 41898282, type = pr.Author.EndsWith("[bot]", StringComparison.Ordinal) ? "Bot" : "User" },
            merged = pr.Merged,
            merged_at = pr.MergedAt?.ToString("O", CultureInfo.InvariantCulture),
            closed_at = pr.ClosedAt?.ToString("O", CultureInfo.InvariantCulture),
            mergeable = state is null ? (bool?)null : state != "dirty",
            mergeable_state = state ?? "unknown",
            merge_commit_sha = pr.MergeCommitSha,
            labels = pr.Labels.Select(LabelJson).ToList(),
            requested_reviewers = pr.RequestedReviewers.Select(r => new { login = r }).ToList(),
            auto_merge = pr.AutoMerge is null ? null : new { merge_method = pr.AutoMerge },
            draft = false,
            created_at = pr.CreatedAt.ToString("O", CultureInfo.InvariantCulture),
            updated_at = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
        };
    }

    private static object LabelJson(string name) => new { id = name.GetHashCode(StringComparison.Ordinal) & 0x7fffffff, name, color = "ededed", @default = false };

    private object DeploymentJson(ApiRepo repo, FakeDeployment d) => new
    {
        id = d.Id,
        node_id = $"DE_kwFake{d.Id}",
        sha = d.Sha,
        @ref = d.Ref,
        task = d.Task,
        environment = d.Environment,
        original_environment = d.Environment,
        description = d.Description,
        payload = d.Payload,
        production_environment = d.ProductionEnvironment,
        transient_environment = false,
        creator = new { login = "github-actions[bot]", id = 41898282 },
        url = $"{ServerUrl}/api/v3/repos/{repo.FullName}/deployments/{d.Id}",
        statuses_url = $"{ServerUrl}/api/v3/repos/{repo.FullName}/deployments/{d.Id}/statuses",
        repository_url = $"{ServerUrl}/api/v3/repos/{repo.FullName}",
        created_at = d.CreatedAt.ToString("O", CultureInfo.InvariantCulture),
        updated_at = d.CreatedAt.ToString("O", CultureInfo.InvariantCulture),
    };

    private static object StatusJson(FakeDeploymentStatus s) => new
    {
        id = s.Id,
        state = s.State,
        description = s.Description,
        log_url = s.LogUrl,
        target_url = s.LogUrl,
        environment_url = s.EnvironmentUrl,
        created_at = s.CreatedAt.ToString("O", CultureInfo.InvariantCulture),
        creator = new { login = "github-actions[bot]", id = 41898282 },
    };
}
