using GitOpsDeploy.Tests.Fakes;

namespace GitOpsDeploy.Tests.EndToEnd;

/// <summary>
/// Deployments that never lie under faults: an answer GitHub never sent (a 5xx after the change was made,
/// a cancellation while a request is in flight) is found out by asking GitHub what it holds; nothing is
/// created twice; a run refused before there is anything to deploy creates no deployment.
/// </summary>
[Trait("Tier", "EndToEnd")]
public sealed class FaultTests : GitOpsFixture
{
    private Dictionary<string, string> Push(params (string Name, string Value)[] overrides) =>
        Inputs([("token", SourceToken), ("commit-method", "api"), .. overrides]);

    private static List<string> States(FakeDeployment deployment) => deployment.Statuses.Select(s => s.State).ToList();

    [Fact]
    public async Task A_deployment_whose_creation_answer_is_lost_is_found_not_created_twice()
    {
        GitHub.Inject(new InjectedFailure { Method = "POST", PathSuffix = "/repos/acme/app/deployments", Status = 502, AfterHandling = true });

        var result = await Run(Push());

        Assert.True(result.ExitCode == 0, result.Stdout);
        var deployment = Assert.Single(App.Deployments);
        Assert.Equal(["in_progress", "success"], States(deployment));
        Assert.Equal(1, GitHub.ApiRequests.Count(r => r == "POST /repos/acme/app/deployments"));
        Assert.Equal(deployment.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), result.Output("deployment-id"));
    }

    [Fact]
    public async Task A_status_whose_answer_is_lost_is_not_posted_twice()
    {
        GitHub.Inject(new InjectedFailure { Method = "POST", PathSuffix = "/statuses", Status = 503, AfterHandling = true, BodyContains = "\"state\":\"success\"" });

        var result = await Run(Push());

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Equal(["in_progress", "success"], States(Assert.Single(App.Deployments)));
    }

    [Fact]
    public async Task A_pull_request_whose_creation_answer_is_lost_is_adopted_not_opened_twice()
    {
        GitHub.Inject(new InjectedFailure { Method = "POST", PathSuffix = "/repos/acme/gitops/pulls", Status = 502, AfterHandling = true });

        var result = await Run(Push(("mode", "pull-request")));

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Single(GitOpsApi.Pulls);
        Assert.Equal(1, GitHub.ApiRequests.Count(r => r == "POST /repos/acme/gitops/pulls"));
        Assert.Equal(GitOpsApi.Pulls[0].Number.ToString(System.Globalization.CultureInfo.InvariantCulture), result.Output("pull-request-number"));
    }

    [Fact]
    public async Task A_commit_whose_answer_is_lost_is_found_on_the_branch_not_made_twice()
    {
        var before = Repo.Head();
        GitHub.Inject(new InjectedFailure { Method = "POST", PathSuffix = "/graphql", Status = 502, AfterHandling = true, BodyContains = "createCommitOnBranch" });

        var result = await Run(Push());

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Equal("pushed", result.Output("operation"));
        Assert.Equal(Repo.Head(), result.Output("commit-sha"));
        Assert.Equal(before, Repo.Git("rev-parse", "main~1"));
        Assert.Equal("true", result.Output("verified"));
    }

    [Fact]
    public async Task A_commit_that_failed_before_taking_effect_is_planned_again()
    {
        var before = Repo.Head();
        GitHub.Inject(new InjectedFailure { Method = "POST", PathSuffix = "/graphql", Status = 502, BodyContains = "createCommitOnBranch" });

        var result = await Run(Push());

        Assert.True(result.ExitCode == 0, result.Stdout);
        Assert.Equal("pushed", result.Output("operation"));
        Assert.Equal(before, Repo.Git("rev-parse", "main~1"));
        Assert.Contains("does not hold it", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancelled_while_github_creates_the_deployment_the_deployment_still_ends_inactive()
    {
        var slow = new InjectedFailure { Method = "POST", PathSuffix = "/repos/acme/app/deployments", Status = 200, DelayAfterHandling = TimeSpan.FromSeconds(30) };
        GitHub.Inject(slow);
        using var cancel = new CancellationTokenSource();
        var run = Run(Push(), cancel.Token);
        await slow.Handled.Task.WaitAsync(TimeSpan.FromSeconds(30));

        cancel.Cancel();
        var result = await run;

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(["inactive"], States(Assert.Single(App.Deployments)));
    }

    [Fact]
    public async Task Cancelled_while_the_commit_is_made_the_run_says_the_change_is_deployed()
    {
        var slow = new InjectedFailure { Method = "POST", PathSuffix = "/graphql", Status = 200, DelayAfterHandling = TimeSpan.FromSeconds(30), BodyContains = "createCommitOnBranch" };
        GitHub.Inject(slow);
        var before = Repo.Head();
        using var cancel = new CancellationTokenSource();
        var run = Run(Push(), cancel.Token);
        await slow.Handled.Task.WaitAsync(TimeSpan.FromSeconds(30));

        cancel.Cancel();
        var result = await run;

        Assert.Equal(1, result.ExitCode);
        var landed = Repo.Head();
        Assert.NotEqual(before, landed);
        Assert.Contains($"the run was cancelled after {landed[..7]} reached the base branch of acme/gitops", result.Stdout, StringComparison.Ordinal);
        var deployment = Assert.Single(App.Deployments);
        Assert.Equal(["in_progress", "success"], States(deployment));
        Assert.StartsWith($"deployed in {landed[..7]}", deployment.Statuses[^1].Description, StringComparison.Ordinal);
        Assert.DoesNotContain("nothing was pushed", result.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a token GitHub refuses", "gitops-token", "ghs_refusedTOKEN0123456789")]
    [InlineData("an environment with no overlay", "environment", "stagging")]
    [InlineData("a policy refusal", "images", "web=ghcr.io/acme/web:latest")]
    public async Task A_run_refused_before_there_is_anything_to_deploy_creates_no_deployment(string what, string input, string value)
    {
        var inputs = Push((input, value));
        if (what == "a policy refusal")
        {
            inputs["environment"] = "production";
        }

        var result = await Run(inputs);

        Assert.True(result.ExitCode == 1, what);
        Assert.Empty(App.Deployments);
        Assert.Contains("No deployment was created on `acme/app`", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_pull_request_runs_at_once_leave_a_pull_request_that_describes_exactly_its_head()
    {
        // The first run's POST /pulls is slow: the second pushes its head meanwhile and adopts or opens the same pull request.
        GitHub.Inject(new InjectedFailure { Method = "POST", PathSuffix = "/repos/acme/gitops/pulls", Status = 0, Delay = TimeSpan.FromSeconds(2) });
        var first = Run(Push(("mode", "pull-request"), ("images", "web=ghcr.io/acme/web:8.0.0")));
        await Task.Delay(300);
        var second = Run(Push(("mode", "pull-request"), ("images", "web=ghcr.io/acme/web:8.1.0")));

        var results = await Task.WhenAll(first, second);

        Assert.All(results, r => Assert.True(r.ExitCode == 0, r.Stdout));
        var pr = Assert.Single(GitOpsApi.Pulls, p => p.State == "open");
        var headFile = Repo.ReadFile("environments/staging/kustomization.yaml", pr.Head);
        var version = headFile.Contains("newTag: \"8.1.0\"", StringComparison.Ordinal) ? "8.1.0" : "8.0.0";
        Assert.Contains($"newTag: \"{version}\"", headFile, StringComparison.Ordinal);
        Assert.Contains(version, pr.Title, StringComparison.Ordinal);
        Assert.Contains(version, pr.Body, StringComparison.Ordinal);
        Assert.DoesNotContain(version == "8.1.0" ? "8.0.0" : "8.1.0", pr.Title, StringComparison.Ordinal);
        // Each run says what its pull request carries: the one whose change is not in it was replaced, and its deployment says so.
        var replaced = App.Deployments.Where(d => d.LastState == "inactive").ToList();
        Assert.InRange(replaced.Count, 0, 1);
        Assert.Contains(App.Deployments, d => d.LastState == "queued");
    }
}
