using System.Globalization;
using System.Text.Json.Nodes;
using GitOpsDeploy.Editing;
using GitOpsDeploy.Tests.Fakes;

namespace GitOpsDeploy.Tests.GitHub;

/// <summary>
/// The deployments DORA metrics read, through GraphQL pages of 100 (GraphQlDeploymentHistory over the fake's
/// Repository.deployments): the whole window and nothing older, newest first, statuses in time order with a later
/// rollback kept, commit times from the same answer, and one request per 100 deployments.
/// </summary>
[Trait("Tier", "Adapter")]
public sealed class DeploymentHistoryTests : ApiAdapterTest
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    private ApiRepo App => GitHub.Api("acme/app");

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        GitHub.CreateApiRepo("acme/app");
        GitHub.RecordGraphQl = true;
    }

    private static string Sha(int i) => i.ToString("x40", CultureInfo.InvariantCulture);

    /// <summary>Deployment i made i hours before <see cref="Now"/>, its commit 10 minutes earlier, successful 2 minutes later.</summary>
    private void Seed(int count, string environment = "staging")
    {
        // Seeded newest first on purpose: the order must come from createdAt, not from the order they were made in.
        for (var i = 0; i < count; i++)
        {
            var at = Now.AddHours(-i);
            App.CommitTimes[Sha(i)] = at.AddMinutes(-10);
            GitHub.SeedDeployment("acme/app", environment, "deploy", Sha(i), at, ("in_progress", null, at), ("success", null, at.AddMinutes(2)));
        }
    }

    /// <summary>A GraphQL request as any client sends it.</summary>
    private async Task<JsonNode> PostAsync(string query, JsonObject? variables)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, GitHub.ServerUrl + "/api/graphql") { Content = new StringContent(new JsonObject { ["query"] = query, ["variables"] = variables }.ToJsonString()) };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("bearer", Token);
        using var response = await http.SendAsync(request);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    private int Pages => GitHub.GraphQlExchanges.Count(e => e["operationName"]?.GetValue<string>() == "DeploymentHistory");

    [Fact]
    public async Task Reads_the_whole_window_in_pages_of_100_newest_first_and_nothing_older()
    {
        Seed(250);

        var history = await Factory.Deployments(ApiUrl, null, Token, "acme/app").HistoryAsync("staging", Now.AddHours(-219.5), 1000, default);

        Assert.Equal(220, history.Count);
        Assert.Equal(Enumerable.Range(0, 220).Select(Sha), history.Select(d => d.Sha));
        Assert.Equal(3, Pages);
        Assert.Equal(Now.AddHours(-5).AddMinutes(-10), history[5].CommittedAt);
        Assert.Equal(["in_progress", "success"], history[5].Statuses.Select(s => s.State));
        Assert.Equal(Now.AddHours(-5).AddMinutes(2), history[5].FirstSuccess);
        Assert.DoesNotContain(GitHub.ApiRequests, r => r.Contains("/deployments", StringComparison.Ordinal) || r.Contains("/commits/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Stops_at_the_bound_and_asks_only_for_the_environment()
    {
        Seed(150);
        Seed(30, "production");

        var history = await Factory.Deployments(ApiUrl, null, Token, "acme/app").HistoryAsync("production", Now.AddDays(-30), 1000, default);
        var bounded = await Factory.Deployments(ApiUrl, null, Token, "acme/app").HistoryAsync("staging", Now.AddDays(-30), 120, default);

        Assert.Equal(30, history.Count);
        Assert.Equal(120, bounded.Count);
        Assert.Equal(1 + 2, Pages);
    }

    [Fact]
    public async Task A_later_rollback_and_a_lost_commit_come_through()
    {
        var at = Now.AddDays(-1);
        var rolledBack = GitHub.SeedDeployment("acme/app", "staging", "deploy", Sha(1), at, [.. Enumerable.Range(0, 100).Select(i => ("in_progress", (string?)$"step {i}", at.AddSeconds(i))), ("success", null, at.AddMinutes(5))]);
        rolledBack.Statuses.Add(new FakeDeploymentStatus(1, "inactive", "rolled back to web=ghcr.io/acme/web:1", null, null, Now.AddHours(-1)));

        var history = await Factory.Deployments(ApiUrl, null, Token, "acme/app").HistoryAsync("staging", Now.AddDays(-30), 1000, default);

        // 102 statuses: the first 100 in the page, the rollback as the latest status; no success among the first 100.
        var record = Assert.Single(history);
        Assert.Equal(Now.AddHours(-1), record.FailedAt);
        Assert.Null(record.FirstSuccess);
        Assert.Null(record.CommittedAt);
        Assert.Equal(record.Statuses.OrderBy(s => s.At), record.Statuses);
    }

    [Fact]
    public async Task A_token_that_cannot_see_the_repository_fails_in_our_words()
    {
        GitHub.AddToken("ghs_otherTOKEN0123456789", Permission.Read, "acme/gitops");

        var error = await Assert.ThrowsAsync<DeployException>(() => Factory.Deployments(ApiUrl, null, "ghs_otherTOKEN0123456789", "acme/app").HistoryAsync("staging", Now.AddDays(-30), 1000, default));

        Assert.Equal(ErrorKind.NotFound, error.Kind);
        Assert.Contains("token may not see acme/app", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_fake_orders_ascending_by_default_and_refuses_pages_over_100_like_github()
    {
        Seed(3);
        var query = "query($after: String) { repository(owner: \"acme\", name: \"app\") { deployments(first: 2, after: $after) { nodes { commitOid } pageInfo { hasNextPage endCursor } } } }";

        var first = await PostAsync(query, null);
        var cursor = first["data"]!["repository"]!["deployments"]!["pageInfo"]!["endCursor"]!.GetValue<string>();
        var second = await PostAsync(query, new JsonObject { ["after"] = cursor });
        var tooMany = await PostAsync("{ repository(owner: \"acme\", name: \"app\") { deployments(first: 101) { nodes { commitOid } } } }", null);

        Assert.Equal([Sha(2), Sha(1)], first["data"]!["repository"]!["deployments"]!["nodes"]!.AsArray().Select(n => n!["commitOid"]!.GetValue<string>()));
        Assert.Equal([Sha(0)], second["data"]!["repository"]!["deployments"]!["nodes"]!.AsArray().Select(n => n!["commitOid"]!.GetValue<string>()));
        Assert.False(second["data"]!["repository"]!["deployments"]!["pageInfo"]!["hasNextPage"]!.GetValue<bool>());
        Assert.Equal("EXCESSIVE_PAGINATION", tooMany["errors"]![0]!["type"]!.GetValue<string>());
    }
}
