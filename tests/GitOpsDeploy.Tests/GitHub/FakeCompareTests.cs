using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using GitOpsDeploy.Tests.Fakes;

namespace GitOpsDeploy.Tests.GitHub;

/// <summary>
/// The fake's compare and commit-pulls endpoints against GitHub's documented semantics, which the changelog
/// adapter relies on: 250 newest commits without paging parameters, pages from the oldest with them.
/// </summary>
[Trait("Tier", "Adapter")]
public sealed class FakeCompareTests : IAsyncLifetime
{
    private const string Token = "ghs_compareTOKEN0123456789";
    private FakeGitHub github = null!;
    private SourceClone clone = null!;
    private HttpClient http = null!;
    private string from = null!;
    private string to = null!;

    public async Task InitializeAsync()
    {
        github = await FakeGitHub.StartAsync();
        github.AddToken(Token, Permission.Read);
        clone = new SourceClone(github.CreateRepo("acme/app", new Dictionary<string, string> { ["a"] = "b\n" }));
        from = clone.Head;
        clone.CommitMany(260, "Step", "Dev", "42+dev@users.noreply.github.com");
        to = clone.Head;
        clone.Push();
        http = new HttpClient { BaseAddress = new Uri(github.ServerUrl + "/api/v3/") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("token", Token);
    }

    public async Task DisposeAsync()
    {
        http.Dispose();
        clone.Dispose();
        await github.DisposeAsync();
    }

    private async Task<(JsonObject Body, string? Link)> GetAsync(string query = "")
    {
        using var response = await http.GetAsync(new Uri($"repos/acme/app/compare/{from}...{to}{query}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var link = response.Headers.TryGetValues("Link", out var values) ? values.Single() : null;
        return (JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject(), link);
    }

    private static string[] Messages(JsonObject body) => [.. body["commits"]!.AsArray().Select(c => c!["commit"]!["message"]!.GetValue<string>())];

    [Fact]
    public async Task Without_paging_parameters_the_newest_250_come_in_chronological_order()
    {
        var (body, link) = await GetAsync();

        Assert.Equal("ahead", body["status"]!.GetValue<string>());
        Assert.Equal(260, body["ahead_by"]!.GetValue<int>());
        Assert.Equal(260, body["total_commits"]!.GetValue<int>());
        Assert.Equal(Enumerable.Range(11, 250).Select(i => $"Step {i}"), Messages(body));
        Assert.Equal(to, body["commits"]!.AsArray()[^1]!["sha"]!.GetValue<string>());
        Assert.Equal(from, body["merge_base_commit"]!["sha"]!.GetValue<string>());
        Assert.Equal(260, body["files"]!.AsArray().Count);
        Assert.Null(link);
    }

    [Fact]
    public async Task Pages_run_from_the_oldest_with_links_and_files_only_on_the_first()
    {
        var (first, firstLink) = await GetAsync("?per_page=100&page=1");
        var (last, lastLink) = await GetAsync("?per_page=100&page=3");
        var (defaults, _) = await GetAsync("?page=2");
        var (clamped, _) = await GetAsync("?per_page=500");

        Assert.Equal(Enumerable.Range(1, 100).Select(i => $"Step {i}"), Messages(first));
        Assert.Contains("page=2>; rel=\"next\"", firstLink, StringComparison.Ordinal);
        Assert.Contains("page=3>; rel=\"last\"", firstLink, StringComparison.Ordinal);
        Assert.NotEmpty(first["files"]!.AsArray());
        Assert.Equal(Enumerable.Range(201, 60).Select(i => $"Step {i}"), Messages(last));
        Assert.Contains("page=2>; rel=\"prev\"", lastLink, StringComparison.Ordinal);
        Assert.Contains("page=1>; rel=\"first\"", lastLink, StringComparison.Ordinal);
        Assert.Empty(last["files"]!.AsArray());
        Assert.Equal(Enumerable.Range(31, 30).Select(i => $"Step {i}"), Messages(defaults));
        Assert.Equal(100, Messages(clamped).Length);
    }

    [Fact]
    public async Task Commits_are_in_githubs_shape_with_the_account_of_a_noreply_email()
    {
        var (body, _) = await GetAsync("?per_page=1");
        var commit = body["commits"]!.AsArray()[0]!;

        Assert.Equal("dev", commit["author"]!["login"]!.GetValue<string>());
        Assert.Equal("Dev", commit["commit"]!["author"]!["name"]!.GetValue<string>());
        Assert.Equal(from, commit["parents"]!.AsArray()[0]!["sha"]!.GetValue<string>());
        Assert.Equal($"{github.ServerUrl}/acme/app/commit/{commit["sha"]!.GetValue<string>()}", commit["html_url"]!.GetValue<string>());
    }

    [Fact]
    public async Task Unknown_commits_are_refused_like_github_does()
    {
        using var compare = await http.GetAsync(new Uri($"repos/acme/app/compare/{new string('c', 40)}...{to}", UriKind.Relative));
        using var pulls = await http.GetAsync(new Uri($"repos/acme/app/commits/{new string('c', 40)}/pulls", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, compare.StatusCode);
        Assert.Contains("No commit found for SHA", await compare.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, pulls.StatusCode);
    }
}
