namespace GitOpsDeploy.Tests.Fakes;

/// <summary>A repository as the fake API knows it; <see cref="Git"/> is null for API-only repositories (the app repo).</summary>
public sealed class ApiRepo(long id, string fullName, FakeRepo? git)
{
    public long Id { get; } = id;

    public string FullName { get; } = fullName;

    public FakeRepo? Git { get; } = git;

    public string DefaultBranch { get; set; } = git?.DefaultBranch ?? "main";

    public bool AllowAutoMerge { get; set; }

    /// <summary>Artifact attestations stored for this repository (POST /attestations in GitHub): the subject digest and the Sigstore bundle JSON.</summary>
    public List<(string Digest, string Bundle)> Attestations { get; } = [];

    /// <summary>The merge methods the repository allows (settings: "Allow merge commits", "Allow squash merging", "Allow rebase merging").</summary>
    public HashSet<string> MergeMethods { get; } = ["merge", "squash", "rebase"];

    /// <summary>Branch protection requiring an approving review: merges answer 405, mergeable_state is "blocked".</summary>
    public bool RequireReviews { get; set; }

    /// <summary>Branch protection requiring the head to be up to date with the base ("behind" otherwise).</summary>
    public bool RequireUpToDate { get; set; }

    /// <summary>Branch protection "Require signed commits": unsigned pushes are declined (GH006), rebase merges refused.</summary>
    public bool RequireSignedCommits { get; private set; }

    /// <summary>Turns on "Require signed commits": a pre-receive hook declines any pushed commit GitHub did not sign.</summary>
    public void RequireSignatures()
    {
        RequireSignedCommits = true;
        Git!.InstallHook("pre-receive", """
            while read old new ref; do
              for commit in $(git rev-list "$new" --not --branches); do
                if ! grep -qx "$commit" "$GIT_DIR/fake-verified-commits" 2>/dev/null; then
                  echo "error: GH006: Protected branch update failed for $ref." >&2
                  echo "error: Commits must have verified signatures." >&2
                  exit 1
                fi
              done
            done
            """);
    }

    /// <summary>Branch protection "Require a pull request before merging" on the default branch: direct writes are refused.</summary>
    public bool RequirePullRequest { get; set; }

    public List<FakePull> Pulls { get; } = [];

    public List<FakeDeployment> Deployments { get; } = [];

    /// <summary>Commit times of an API-only repository (GET /commits/{sha}).</summary>
    public Dictionary<string, DateTimeOffset> CommitTimes { get; } = [];

    public int NextIssueNumber { get; set; } = 1;
}

public sealed class FakePull
{
    public required int Number { get; init; }

    public required string Head { get; init; }

    public required string Base { get; set; }

    public required string Title { get; set; }

    public string Body { get; set; } = string.Empty;

    public string State { get; set; } = "open";

    public bool Merged { get; set; }

    public DateTimeOffset? MergedAt { get; set; }

    public DateTimeOffset? ClosedAt { get; set; }

    public string? MergeCommitSha { get; set; }

    /// <summary>The head sha when the pull request was closed (GitHub keeps showing it).</summary>
    public string? ClosedHeadSha { get; set; }

    public List<string> Labels { get; } = [];

    public List<string> Comments { get; } = [];

    public List<string> RequestedReviewers { get; } = [];

    public List<string> RequestedTeams { get; } = [];

    /// <summary>The merge method auto-merge was enabled with, if it was.</summary>
    public string? AutoMerge { get; set; }

    public DateTimeOffset CreatedAt { get; init; } = DateTimeOffset.UtcNow;

    public string NodeId => $"PR_kwFake{Number}";

    /// <summary>Who opened it: the login of the creating token, or a person for <c>OpenPull</c>.</summary>
    public string Author { get; init; } = "octocat";
}

public sealed class FakeDeployment
{
    public required long Id { get; init; }

    public required string Sha { get; init; }

    public required string Ref { get; init; }

    public required string Environment { get; init; }

    public required string Task { get; init; }

    public string? Description { get; init; }

    public bool ProductionEnvironment { get; init; }

    public Dictionary<string, string> Payload { get; init; } = [];

    public List<FakeDeploymentStatus> Statuses { get; } = [];

    public DateTimeOffset CreatedAt { get; init; } = DateTimeOffset.UtcNow;

    public string? LastState => Statuses.Count == 0 ? null : Statuses[^1].State;
}

public sealed record FakeDeploymentStatus(long Id, string State, string? Description, string? LogUrl, string? EnvironmentUrl, DateTimeOffset CreatedAt);

/// <summary>A canned failure for the next matching request(s), e.g. two 502s in a row or a secondary rate limit.</summary>
public sealed class InjectedFailure
{
    public required string Method { get; init; }

    /// <summary>Matched against the path after /api/v3 (e.g. "/repos/acme/app/deployments").</summary>
    public required string PathSuffix { get; init; }

    public required int Status { get; init; }

    /// <summary>Only requests whose body contains this text match (e.g. "\"state\":\"failure\"").</summary>
    public string? BodyContains { get; init; }

    public string Body { get; init; } = "{\"message\":\"Server Error\"}";

    public Dictionary<string, string> Headers { get; init; } = [];

    public int Times { get; set; } = 1;

    /// <summary>Handle the request for real, then answer with this failure: the answer is lost, the change is made.</summary>
    public bool AfterHandling { get; init; }

    /// <summary>Wait this long before answering (a slow GitHub), then handle the request normally.</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>Handle the request for real, then wait this long before answering (the change is made while the client waits).</summary>
    public TimeSpan DelayAfterHandling { get; init; }

    /// <summary>Set once the request this failure matched was handled (with <see cref="AfterHandling"/> or <see cref="DelayAfterHandling"/>).</summary>
    public TaskCompletionSource Handled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
