using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Core.Tests.Doubles;
using GitOpsDeploy.Editing;

namespace GitOpsDeploy.Core.Tests;

[Trait("Tier", "Unit")]
public sealed class RequestParserTests
{
    private static ActionContext Context => new("https://git.example.com", "https://git.example.com/api/v3", "acme/app", "0123456789abcdef0123456789abcdef01234567", "7", true);

    private static Dictionary<string, string> Inputs(params (string, string)[] extra)
    {
        var inputs = new Dictionary<string, string>
        {
            ["gitops-repository"] = "acme/gitops",
            ["environment"] = "staging",
            ["images"] = "web:1",
        };
        foreach (var (k, v) in extra)
        {
            inputs[k] = v;
        }

        return inputs;
    }

    [Fact]
    public void Applies_defaults_from_the_run()
    {
        var request = RequestParser.Parse(Inputs(), Context);
        Assert.Equal("https://git.example.com/acme/gitops.git", request.GitOps.Url);
        Assert.Equal(RemoteKind.GitHub, request.GitOps.Kind);
        var target = Assert.Single(request.Targets);
        Assert.Equal("environments/staging", target.OverlayPath);
        Assert.Equal(DeployMode.PullRequest, request.Landing.Mode);
        Assert.Equal("gitops-deploy/staging/web", request.Landing.PullRequestBranch);
        Assert.Equal(Ports.MergeMethod.Squash, request.Landing.MergeMethod);
        Assert.True(request.Reporting.Deployment);
        Assert.False(target.Production);
        Assert.Equal("acme/app", request.Source.Repository);
        Assert.Equal(Context.Sha, request.Source.Sha);
        Assert.Equal(new Ports.CommitAuthor("github-actions[bot]", "github-actions[bot]@users.noreply.git.example.com"), request.Landing.Author);
        Assert.False(request.Landing.DryRun);
    }

    [Theory]
    [InlineData("https://github.com", "https://api.github.com", "41898282+github-actions[bot]@users.noreply.github.com")]
    [InlineData("https://acme.ghe.com", "https://api.acme.ghe.com", "github-actions[bot]@users.noreply.ghe.com")]
    [InlineData("https://git.example.com", "https://git.example.com/api/v3", "github-actions[bot]@users.noreply.git.example.com")]
    [InlineData(null, null, "github-actions[bot]@localhost")]
    public void The_default_author_is_the_actions_bot_at_the_runs_own_GitHub(string? server, string? api, string email)
    {
        // Without a GitHub (a local run) the gitops repository is a local path, pushed to directly.
        var inputs = server is null ? Inputs(("gitops-repository", "./gitops"), ("mode", "push")) : Inputs();
        var request = RequestParser.Parse(inputs, Context with { ServerUrl = server, ApiUrl = api });

        Assert.Equal(new Ports.CommitAuthor("github-actions[bot]", email), request.Landing.Author);
        Assert.False(request.Landing.Author.Chosen);
    }

    [Theory]
    [InlineData(null, "app-staging", "app-production")]
    [InlineData("{{ environment }}-web", "staging-web", "production-web")]
    public void The_sync_windows_and_the_argo_cd_wait_name_the_same_application(string? application, string staging, string production)
    {
        var inputs = Inputs(("environment", "staging\nproduction"), ("overlay-path", "environments/{{ environment }}"), ("argocd-server", "https://argocd.example.com"));
        if (application is not null)
        {
            inputs["argocd-application"] = application;
        }

        var request = RequestParser.Parse(inputs, Context);

        Assert.Equal([staging, production], request.Targets.Select(t => t.ArgoCd!.Application));
        Assert.Equal([staging, production], request.Targets.Select(t => request.Gates.Applications[t.Environment]));
    }

    [Theory]
    [InlineData("Release Bot", "release@acme.example", true)]
    [InlineData(null, "release@acme.example", true)]
    [InlineData("Release Bot", null, true)]
    [InlineData("github-actions[bot]", "github-actions[bot]@users.noreply.git.example.com", false)]
    public void An_author_is_chosen_only_when_the_inputs_differ_from_the_default(string? name, string? email, bool chosen)
    {
        var inputs = Inputs();
        if (name is not null)
        {
            inputs["author-name"] = name;
        }

        if (email is not null)
        {
            inputs["author-email"] = email;
        }

        Assert.Equal(chosen, RequestParser.Parse(inputs, Context).Landing.Author.Chosen);
    }

    [Theory]
    [InlineData("https://git.example.com/acme/gitops.git", RemoteKind.Url)]
    [InlineData("acme/gitops.git", RemoteKind.GitHub)]
    [InlineData("./gitops", RemoteKind.LocalPath)]
    [InlineData("/srv/git/gitops.git", RemoteKind.LocalPath)]
    public void Understands_each_kind_of_repository(string value, RemoteKind kind) =>
        Assert.Equal(kind, RequestParser.Parse(Inputs(("gitops-repository", value), ("mode", "push")), Context).GitOps.Kind);

    [Theory]
    [InlineData("environment", "a/b", "no path separators")]
    [InlineData("environment", "..", "no path separators")]
    [InlineData("base-branch", "feature..x", "not a valid branch name")]
    [InlineData("base-branch", "-rf", "not a valid branch name")]
    [InlineData("commit-message", "deploy {{ nope }}", "unknown placeholder {{ nope }}")]
    [InlineData("source-sha", "main", "not a commit sha")]
    [InlineData("gitops-repository", "ssh://git@example.com/a/b.git", "ssh scheme is not supported")]
    [InlineData("gitops-repository", "git@example.com:a/b.git", "SSH remotes are not supported")]
    [InlineData("merge-method", "fast-forward", "not one of: squash, merge, rebase")]
    [InlineData("wait-for-merge", "-1", "whole number")]
    [InlineData("pull-request-branch", "a..b", "not a valid branch name")]
    [InlineData("pull-request-title", "{{ nope }}", "unknown placeholder")]
    [InlineData("environment-url", "javascript:alert(1)", "not an http(s) URL")]
    [InlineData("source-repository", "just-a-name", "not owner/name")]
    [InlineData("production-environment", "maybe", "not one of: auto, true, false")]
    [InlineData("author-email", "a<b>@c", "angle brackets")]
    public void Names_the_input_at_fault(string input, string value, string message)
    {
        var error = Assert.Throws<DeployException>(() => RequestParser.Parse(Inputs((input, value)), Context));
        Assert.Contains($"input '{input}'", error.Message, StringComparison.Ordinal);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Pull_request_modes_need_a_github_repository() =>
        Assert.Contains("needs gitops-repository as owner/name on a GitHub host",
            Assert.Throws<DeployException>(() => RequestParser.Parse(Inputs(("gitops-repository", "https://git.example.com/x/y.git")), Context)).Message, StringComparison.Ordinal);

    [Theory]
    [InlineData("production", true)]
    [InlineData("prod-eu", true)]
    [InlineData("staging", false)]
    public void Production_is_inferred_from_the_name_unless_overridden(string environment, bool production)
    {
        Assert.Equal(production, RequestParser.Parse(Inputs(("environment", environment)), Context).Targets[0].Production);
        Assert.True(RequestParser.Parse(Inputs(("environment", environment), ("production-environment", "true")), Context).Targets[0].Production);
    }

    [Fact]
    public void Default_branch_names_are_safe_git_refs() =>
        Assert.Equal("gitops-deploy/staging/localhost-5000/web", RequestParser.Parse(Inputs(("images", "localhost:5000/web:1")), Context).Landing.PullRequestBranch);

    [Fact]
    public void Owner_name_without_a_server_url_is_explained()
    {
        var error = Assert.Throws<DeployException>(() => RequestParser.Parse(Inputs(), ActionContext.None));
        Assert.Contains("GITHUB_SERVER_URL is not set", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Nothing_to_deploy_is_an_error()
    {
        var inputs = Inputs();
        inputs.Remove("images");
        Assert.Contains("nothing to deploy", Assert.Throws<DeployException>(() => RequestParser.Parse(inputs, Context)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Whitespace_only_inputs_count_as_unset() =>
        Assert.Equal("environments/staging", RequestParser.Parse(Inputs(("overlay-path", "   ")), Context).Targets[0].OverlayPath);

    [Fact]
    public void Each_target_gets_its_own_overlay_application_and_environment_url()
    {
        var request = RequestParser.Parse(Inputs(("environment", "eu, us"), ("overlay-path", "clusters/{{ environment }}/web"), ("argocd-server", "https://argo.example.com"),
            ("argocd-application", "web-{{environment}}"), ("environment-url", "https://{{ environment }}.example.com")), Context);

        Assert.Equal(["clusters/eu/web", "clusters/us/web"], request.Targets.Select(t => t.OverlayPath));
        Assert.Equal(["web-eu", "web-us"], request.Targets.Select(t => t.ArgoCd!.Application));
        Assert.Equal(["https://eu.example.com", "https://us.example.com"], request.Targets.Select(t => t.EnvironmentUrl));
        Assert.Equal("gitops-deploy/eu+us/web", request.Landing.PullRequestBranch);
    }

    [Theory]
    [InlineData("argocd-application", "web")]
    [InlineData("overlay-path", "clusters/web")]
    public void With_several_environments_a_shared_value_without_the_placeholder_is_refused(string input, string value)
    {
        var error = Assert.Throws<DeployException>(() => RequestParser.Parse(Inputs(("environment", "eu, us"), ("argocd-server", "https://argo.example.com"), (input, value)), Context));
        Assert.Contains($"input '{input}': '{value}' would be the same for eu, us", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("staging, staging", "listed twice")]
    [InlineData("staging, a/b", "no path separators")]
    public void Environment_lists_are_checked_name_by_name(string environments, string message) =>
        Assert.Contains(message, Assert.Throws<DeployException>(() => RequestParser.Parse(Inputs(("environment", environments)), Context)).Message, StringComparison.Ordinal);

    [Fact]
    public void Every_pull_request_branch_fits_githubs_255_byte_ref_limit()
    {
        var environments = string.Join(',', Enumerable.Range(1, 20).Select(i => $"observability-platform-region-{i:D2}"));
        var request = TestRequests.Parse(("environment", environments), ("overlay-path", "clusters/{{ environment }}/web"), ("mode", "pull-request"),
            ("images", "observability-platform-service-with-a-long-name=ghcr.io/my-platform-organisation/observability-platform-service:1.2.3-rc.1"));

        var branch = request.Landing.PullRequestBranch;
        Assert.InRange(System.Text.Encoding.UTF8.GetByteCount("refs/heads/" + branch), 1, 255);
        Assert.StartsWith("gitops-deploy/observability-platform-region-01+", branch, StringComparison.Ordinal);
        Assert.True(RequestParser.IsValidBranch(branch));
        // Deterministic: the same targets and images always update the same pull request.
        Assert.Equal(branch, TestRequests.Parse(("environment", environments), ("overlay-path", "clusters/{{ environment }}/web"), ("mode", "pull-request"),
            ("images", "observability-platform-service-with-a-long-name=ghcr.io/my-platform-organisation/observability-platform-service:1.2.3-rc.2")).Landing.PullRequestBranch);

        var error = Assert.Throws<DeployException>(() => TestRequests.Parse(("mode", "pull-request"), ("pull-request-branch", new string('b', 245))));
        Assert.Contains("at most 244 bytes: GitHub refuses refs longer than 255 bytes", error.Message, StringComparison.Ordinal);
        Assert.True(RequestParser.IsValidBranch(new string('b', 244)));
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("true", true)]
    [InlineData("false", false)]
    [InlineData("FALSE", false)]
    public void Create_missing_keys_is_on_unless_turned_off(string? value, bool expected)
    {
        var request = RequestParser.Parse(value is null ? Inputs() : Inputs(("create-missing-keys", value)), Context);

        Assert.Equal(expected, request.Change.CreateMissingKeys);
        Assert.Equal(expected, request.RollbackOf(request.Targets).Change.CreateMissingKeys);
    }

    [Fact]
    public void Create_missing_keys_must_be_a_boolean()
    {
        var error = Assert.Throws<DeployException>(() => RequestParser.Parse(Inputs(("create-missing-keys", "no")), Context));

        Assert.Equal("input 'create-missing-keys': 'no' is not a boolean; use true or false", error.Message);
    }
}
