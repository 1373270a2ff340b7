using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Oidc;
using GitOpsDeploy.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;

namespace GitOpsDeploy.Tests.GitHub;

/// <summary>
/// The fake is as strict as GitHub where fan-in depends on it (refs over 255 bytes refused on every path,
/// createRef only at a commit), and the OIDC adapter proves and checks jobs against the fake's issuer.
/// </summary>
[Trait("Tier", "Adapter")]
public sealed class GitHubLimitsAndProofsTests : IAsyncLifetime
{
    private const string Token = "ghs_limitsTOKEN0123456789";
    private FakeGitHub github = null!;
    private FakeRepo repo = null!;
    private HttpClient http = null!;

    public async Task InitializeAsync()
    {
        github = await FakeGitHub.StartAsync();
        github.AddToken(Token, Permission.Write);
        repo = github.CreateRepo("acme/gitops", new Dictionary<string, string> { ["a.yaml"] = "a: 1\n" });
        http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        http.DefaultRequestHeaders.UserAgent.ParseAdd("tests");
    }

    public async Task DisposeAsync()
    {
        http.Dispose();
        await github.DisposeAsync();
    }

    /// <summary>git push over smart HTTP to the fake (the git CLI, as a person would); the server's answer, accepted or not.</summary>
    private string Push(string from, string refspec)
    {
        var url = github.ServerUrl.Replace("http://", $"http://x-access-token:{Token}@", StringComparison.Ordinal) + "/acme/gitops.git";
        var start = new System.Diagnostics.ProcessStartInfo("git", ["push", url, refspec]) { WorkingDirectory = from, RedirectStandardError = true, RedirectStandardOutput = true };
        start.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        start.Environment["HOME"] = Path.GetTempPath();
        using var process = System.Diagnostics.Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return output + error.Result;
    }

    private static string RefOf(int bytes) => "refs/gitops-deploy/" + new string('x', bytes - "refs/gitops-deploy/".Length);

    private async Task<JsonNode> GraphQlAsync(string query, JsonObject variables)
    {
        using var response = await http.PostAsync(github.ServerUrl + "/api/graphql", new StringContent(new JsonObject { ["query"] = query, ["variables"] = variables }.ToJsonString(), Encoding.UTF8, "application/json"));
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    [Fact]
    public async Task A_ref_of_256_bytes_is_refused_on_every_path_and_one_of_255_is_not()
    {
        var head = repo.Head();
        var id = "R_" + github.Api("acme/gitops").Id;

        var rest = await http.PostAsync(github.ServerUrl + "/api/v3/repos/acme/gitops/git/refs", new StringContent(new JsonObject { ["ref"] = RefOf(256), ["sha"] = head }.ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.Equal(422, (int)rest.StatusCode);
        Assert.Contains(FakeGitHub.RefTooLong, await rest.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var created = await GraphQlAsync("mutation($i: CreateRefInput!) { createRef(input: $i) { ref { name } } }", new JsonObject { ["i"] = new JsonObject { ["repositoryId"] = id, ["name"] = RefOf(256), ["oid"] = head } });
        Assert.Equal(FakeGitHub.RefTooLong, created["errors"]![0]!["message"]!.GetValue<string>());

        var updated = await GraphQlAsync("mutation($i: UpdateRefsInput!) { updateRefs(input: $i) { clientMutationId } }",
            new JsonObject { ["i"] = new JsonObject { ["repositoryId"] = id, ["refUpdates"] = new JsonArray(new JsonObject { ["name"] = RefOf(256), ["afterOid"] = head }) } });
        Assert.Equal(FakeGitHub.RefTooLong, updated["errors"]![0]!["message"]!.GetValue<string>());

        var push = Push(repo.BarePath, $"{head}:refs/heads/{new string('b', 256 - "refs/heads/".Length)}");
        Assert.Contains("GH005: Sorry, refs longer than 255 bytes are not allowed.", push, StringComparison.Ordinal);

        var fits = await GraphQlAsync("mutation($i: CreateRefInput!) { createRef(input: $i) { ref { name } } }", new JsonObject { ["i"] = new JsonObject { ["repositoryId"] = id, ["name"] = RefOf(255), ["oid"] = head } });
        Assert.Null(fits["errors"]);
        Assert.Contains(RefOf(255), repo.Git("for-each-ref", "--format=%(refname)"), StringComparison.Ordinal);
        Assert.DoesNotContain(RefOf(256), repo.Git("for-each-ref", "--format=%(refname)"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateRef_points_only_at_a_commit_and_git_commits_makes_one_from_a_message()
    {
        var id = "R_" + github.Api("acme/gitops").Id;
        var blob = repo.Git("rev-parse", "main:a.yaml");
        var tree = repo.Git("rev-parse", "main^{tree}");

        var atBlob = await GraphQlAsync("mutation($i: CreateRefInput!) { createRef(input: $i) { ref { name } } }", new JsonObject { ["i"] = new JsonObject { ["repositoryId"] = id, ["name"] = "refs/x/blob", ["oid"] = blob } });
        Assert.Equal("NOT_FOUND", atBlob["errors"]![0]!["type"]!.GetValue<string>());

        var made = await http.PostAsync(github.ServerUrl + "/api/v3/repos/acme/gitops/git/commits", new StringContent(new JsonObject { ["message"] = "payload\n\n{\"a\":1}\n", ["tree"] = tree, ["parents"] = new JsonArray() }.ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.Equal(201, (int)made.StatusCode);
        var sha = JsonNode.Parse(await made.Content.ReadAsStringAsync())!["sha"]!.GetValue<string>();
        Assert.Equal("payload\n\n{\"a\":1}\n", repo.Git("cat-file", "commit", sha).Split("\n\n", 2)[1] + "\n");

        var missingTree = await http.PostAsync(github.ServerUrl + "/api/v3/repos/acme/gitops/git/commits", new StringContent(new JsonObject { ["message"] = "x", ["tree"] = new string('1', 40) }.ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.Equal(422, (int)missingTree.StatusCode);
    }

    [Fact]
    public async Task A_job_proves_itself_and_another_job_checks_the_proof_against_the_issuers_keys()
    {
        var job = new JobClaims("acme/app", new string('a', 40), 4242) { Environment = "production" };
        var variables = github.RegisterJob(job);
        using var proofs = new ActionsRunProofs(new OidcSettings(variables["ACTIONS_ID_TOKEN_REQUEST_URL"], variables["ACTIONS_ID_TOKEN_REQUEST_TOKEN"], GitHubHost.Of(github.ServerUrl, github.ServerUrl + "/api/v3")), NullLogger.Instance);
        Assert.Null(proofs.Unavailable);

        var proof = await proofs.ProveAsync("gitops-deploy:abc", default);
        var verified = Assert.IsType<ProofCheck.Verified>(await proofs.CheckAsync(proof.Token, "gitops-deploy:abc", default));

        Assert.Equal(("acme/app", "acme", new string('a', 40), 4242L, "production"), (verified.Claims.Repository, verified.Claims.RepositoryOwner, verified.Claims.Sha, verified.Claims.RunId, verified.Claims.Environment));
        Assert.InRange(proof.ExpiresAt, DateTimeOffset.UtcNow.AddMinutes(4), DateTimeOffset.UtcNow.AddMinutes(6));
        Assert.Contains("another audience", Assert.IsType<ProofCheck.Refused>(await proofs.CheckAsync(proof.Token, "gitops-deploy:abd", default)).Reason, StringComparison.Ordinal);
        Assert.Contains("does not verify against the keys", Assert.IsType<ProofCheck.Refused>(await proofs.CheckAsync(github.MintIdToken(job, "gitops-deploy:abc", key: RSA.Create(2048)), "gitops-deploy:abc", default)).Reason, StringComparison.Ordinal);
        Assert.Contains("expired", Assert.IsType<ProofCheck.Refused>(await proofs.CheckAsync(github.MintIdToken(job, "gitops-deploy:abc", TimeSpan.FromMinutes(1), DateTimeOffset.UtcNow.AddMinutes(-5)), "gitops-deploy:abc", default)).Reason, StringComparison.Ordinal);
        Assert.Contains("was issued by", Assert.IsType<ProofCheck.Refused>(await proofs.CheckAsync(github.MintIdToken(job, "gitops-deploy:abc", issuer: "https://token.actions.githubusercontent.com"), "gitops-deploy:abc", default)).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_job_without_id_token_or_without_a_known_GitHub_says_so()
    {
        var cloud = GitHubHost.Of("https://github.com", "https://api.github.com");
        using var none = new ActionsRunProofs(new OidcSettings(null, null, cloud), NullLogger.Instance);
        Assert.Contains("permissions: id-token: write", none.Unavailable, StringComparison.Ordinal);
        using var unknown = new ActionsRunProofs(new OidcSettings("https://runner.example/token", "t", GitHubHost.Of("https://github.com", null)), NullLogger.Instance);
        Assert.Contains("GITHUB_API_URL", unknown.Unavailable, StringComparison.Ordinal);
    }
}
