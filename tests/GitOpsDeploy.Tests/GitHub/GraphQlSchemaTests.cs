using System.Diagnostics;
using System.Text.Json.Nodes;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.GitHub.Api;
using GitOpsDeploy.GitHub.GraphQl;
using GitOpsDeploy.Tests.App;

namespace GitOpsDeploy.Tests.GitHub;

/// <summary>
/// Every GraphQL document the adapter sends is valid against GitHub's public schema (@octokit/graphql-schema,
/// checked by graphql-js), and so is every answer the fake gives to them: run through the schema, an answer
/// with a null where GitHub never sends one, a value of the wrong kind or a variable of the wrong type fails.
/// </summary>
[Trait("Tier", "Adapter")]
public sealed class GraphQlSchemaTests : ApiAdapterTest
{
    private static readonly string Folder = Path.Combine(ConventionTests.RepoRoot(), "tests", "graphql");

    [SkippableFact]
    public void Every_document_the_adapter_sends_is_valid_against_githubs_schema()
    {
        SkipUnlessInstalled();
        // The documents as the binary holds them (embedded resources), not the source files.
        var folder = Directory.CreateTempSubdirectory("graphql-documents").FullName;
        foreach (var name in GitHubGraphQl.DocumentNames)
        {
            File.WriteAllText(Path.Combine(folder, name + ".graphql"), GitHubGraphQl.Document(name));
        }

        var (exit, output) = Validate(folder);

        Assert.True(exit == 0, output);
        Assert.NotEmpty(GitHubGraphQl.DocumentNames);
        Assert.Equal(GitHubGraphQl.DocumentNames.Count(), output.Split('\n').Count(l => l.StartsWith("valid ", StringComparison.Ordinal)));
    }

    [SkippableFact]
    public async Task The_fakes_answers_to_every_document_are_valid_against_githubs_schema()
    {
        SkipUnlessInstalled();
        GitHub.RecordGraphQl = true;
        var api = Factory.Repository(GitHub.ServerUrl + "/api/v3", null, Token, "acme/gitops");
        var prs = Factory.PullRequests(GitHub.ServerUrl + "/api/v3", null, Token, "acme/gitops");

        // More history than the first read holds (History), more than a page of intents on the board (PendingPage).
        for (var i = 0; i < 25; i++)
        {
            Repo.Commit(new Dictionary<string, string> { ["n.txt"] = $"{i}\n" }, $"commit {i}");
        }

        // More than a page of intents on the board (PendingPage), one of them for this branch.
        for (var i = 0; i < 101; i++)
        {
            Repo.Git("update-ref", $"{ApiIntentBoard.IntentPrefix}{ApiIntentBoard.BranchFolder("other")}/{i:D13}-000000000000", Repo.Head());
        }

        using (var snapshot = await api.ReadAsync(null, new SnapshotHint(2, ["environments/staging"]) { Pending = true }, default))
        {
            await snapshot.ReadingAsync(() => snapshot.Tree.ReadFile("base/deployment.yaml"), default);
            await snapshot.ReadingAsync(() => snapshot.History(30), default);
            var intent = new DeployIntent("0123456789ab", "acme/app#1", DateTimeOffset.UtcNow, "acme/app", new string('a', 40), [new IntentTarget("staging", "environments/staging")])
            {
                GitOpsRepository = "acme/gitops", Branch = "main", Images = ["web:2"], Proof = "header.payload.signature",
            };
            var draft = await api.DraftAsync(snapshot, Change("images: [b]\n"), default);
            var written = await api.Board.WriteAsync("main", snapshot.HeadSha, new BoardWrite(draft, intent, []), default);
            Assert.IsType<PublishOutcome.Published>(written.Commit);
            var published = Assert.IsType<DeployIntent>(written.Published);
            // A fresh proof for the published intent (refresh), then the intent cleared.
            await api.Board.WriteAsync("main", snapshot.HeadSha, new BoardWrite(null, published with { Proof = "header.payload.fresh" }, []), default);
            await api.Board.WriteAsync("main", snapshot.HeadSha, new BoardWrite(null, null, [published]), default);
            await api.Board.ReadAsync("main", DateTimeOffset.UtcNow.AddHours(-1), default);
        }

        using (var stale = await api.ReadAsync("main", SnapshotHint.Tip, default))
        {
            Repo.Commit(new Dictionary<string, string> { ["x.txt"] = "x\n" }, "moves the head");
            // A compare-and-swap that loses: the answer carries STALE_DATA and a null payload.
            Assert.IsType<PublishOutcome.LostRace>(await api.PublishAsync(stale, await api.DraftAsync(stale, Change("images: [c]\n"), default), "main", PublishKind.Advance, default));
        }

        using (var tip = await api.ReadAsync("main", SnapshotHint.Tip, default))
        {
            var head = Assert.IsType<PublishOutcome.Published>(await api.PublishAsync(tip, await api.DraftAsync(tip, Change("images: [d]\n"), default), "gitops-deploy/schema", PublishKind.Replace, default));
            var pr = await prs.CreateAsync(new NewPullRequest("t", "b", "gitops-deploy/schema", "main"), default);
            await prs.EnableAutoMergeAsync(pr!, MergeMethod.Squash, default);
            Assert.True(await prs.IsVerifiedAsync(head.Sha, default));
        }

        Assert.NotEmpty(await prs.ViewerLoginAsync(default));

        // More than a page of deployments (DeploymentHistory), some of commits GitHub no longer has (a null commit).
        var app = GitHub.CreateApiRepo("acme/app");
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < 120; i++)
        {
            var sha = i.ToString("x40", System.Globalization.CultureInfo.InvariantCulture);
            if (i % 7 != 0)
            {
                app.CommitTimes[sha] = now.AddHours(-i - 1);
            }

            GitHub.SeedDeployment("acme/app", "staging", "deploy", sha, now.AddHours(-i), ("in_progress", null, now.AddHours(-i)), (i % 5 == 0 ? "failure" : "success", i % 5 == 0 ? "broke" : null, now.AddHours(-i).AddMinutes(3)));
        }

        Assert.Equal(120, (await Factory.Deployments(ApiUrl, null, Token, "acme/app").HistoryAsync("staging", now.AddDays(-30), 1000, default)).Count);
        var sent = GitHub.GraphQlExchanges.Select(e => e["operationName"]?.GetValue<string>()).ToHashSet();
        Assert.Equal(GitHubGraphQl.DocumentNames.Order(StringComparer.Ordinal), sent.OfType<string>().Order(StringComparer.Ordinal));

        var file = Path.Combine(Directory.CreateTempSubdirectory("graphql-answers").FullName, "answers.json");
        File.WriteAllText(file, new JsonArray([.. GitHub.GraphQlExchanges.Select(e => (JsonNode)e.DeepClone())]).ToJsonString());
        var (exit, output) = Validate("--answers", file);

        Assert.True(exit == 0, output);
        Assert.Equal(GitHub.GraphQlExchanges.Count, output.Split('\n').Count(l => l.StartsWith("valid ", StringComparison.Ordinal)));
    }

    [SkippableFact]
    public void The_schema_check_finds_an_answer_that_breaks_the_schema()
    {
        SkipUnlessInstalled();
        // The check must be able to fail: a commit oid GitHub never leaves null, and an Int sent as a string.
        var broken = new JsonArray(
            new JsonObject
            {
                ["query"] = GitHubGraphQl.Document("History"), ["operationName"] = "History",
                ["variables"] = new JsonObject { ["owner"] = "acme", ["name"] = "gitops", ["oid"] = new string('a', 40), ["first"] = 1 },
                ["answer"] = JsonNode.Parse("""{"data":{"repository":{"__fake_typename":"Repository","object":{"__fake_typename":"Commit","history":{"__fake_typename":"CommitHistoryConnection","nodes":[{"__fake_typename":"Commit","oid":null,"message":"m","committedDate":"2026-01-01T00:00:00Z"}],"pageInfo":{"__fake_typename":"PageInfo","hasNextPage":false,"endCursor":null}}}}}}"""),
            },
            new JsonObject
            {
                ["query"] = GitHubGraphQl.Document("History"), ["operationName"] = "History",
                ["variables"] = new JsonObject { ["owner"] = "acme", ["name"] = "gitops", ["oid"] = new string('a', 40), ["first"] = "one" },
                ["answer"] = JsonNode.Parse("""{"data":{"repository":null}}"""),
            });
        var file = Path.Combine(Directory.CreateTempSubdirectory("graphql-answers").FullName, "broken.json");
        File.WriteAllText(file, broken.ToJsonString());

        var (exit, output) = Validate("--answers", file);

        Assert.Equal(1, exit);
        Assert.Contains("INVALID answer 1 (History): repository.object.history.nodes.0.oid: Cannot return null for non-nullable field Commit.oid.", output, StringComparison.Ordinal);
        Assert.Contains("INVALID answer 2 (History)", output, StringComparison.Ordinal);
    }

    private static void SkipUnlessInstalled() =>
        Skip.If(!Directory.Exists(Path.Combine(Folder, "node_modules", "@octokit", "graphql-schema")) || Which("node") is null,
            "GitHub's GraphQL schema is not installed: run tests/graphql/install.sh (needs node and npm)");

    private static string? Which(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, tool)).FirstOrDefault(File.Exists);

    private static (int Exit, string Output) Validate(params string[] arguments)
    {
        var start = new ProcessStartInfo(Which("node")!) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])[Path.Combine(Folder, "validate.mjs"), "--deps", Folder, .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
