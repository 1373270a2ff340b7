using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Editing;

namespace GitOpsDeploy.Core.Tests;

/// <summary>Each refusal of the request parser in full (input name and words), and the readings that decide a run's shape: branch names, commit method, polling.</summary>
[Trait("Tier", "Unit")]
public sealed class RequestRefusalTests
{
    private static readonly ActionContext Context = new("https://git.example.com", "https://git.example.com/api/v3", "acme/web", "0123456789abcdef0123456789abcdef01234567", "7", true);

    private static DeployRequest Parse(params (string Name, string Value)[] extra) => Parse(Context, extra);

    private static DeployRequest Parse(ActionContext context, params (string Name, string Value)[] extra)
    {
        var inputs = new Dictionary<string, string> { ["gitops-repository"] = "acme/gitops", ["environment"] = "staging", ["images"] = "web:1" };
        foreach (var (name, value) in extra)
        {
            inputs[name] = value;
        }

        return RequestParser.Parse(inputs, context);
    }

    public static TheoryData<string, string, string> Refusals => new()
    {
        { "expected-plan", "sha256:abc", "input 'expected-plan': is not a plan output of this action (it starts with 'gitops-plan/v1.'); pass the plan job's output, e.g. ${{ needs.plan.outputs.plan }}" },
        { "registry-username", "me:you", "input 'registry-username': cannot contain ':' (HTTP Basic auth separates the user from the password with one)" },
        { "rollback-to", "HEAD~1", "input 'rollback-to': 'HEAD~1' is not a commit sha of the gitops repository" },
        { "promote-from", "staging", "input 'promote-from': 'staging' must be another environment's name" },
        { "promote-from", "a/b", "input 'promote-from': 'a/b' must be another environment's name" },
        { "pull-request-branch", "main", "input 'pull-request-branch': must differ from base-branch" },
        { "author-name", "Bot\u0007", "input 'author-email': author name and email may not contain control characters or angle brackets" },
        { "author-email", "bot@example.com\n", "input 'author-email': author name and email may not contain control characters or angle brackets" },
        { "author-email", "bot>@example.com", "input 'author-email': author name and email may not contain control characters or angle brackets" },
        { "images", "", "input 'images': nothing to deploy: give 'images' and/or 'set'" },
        { "environment", "staging\nstaging", "input 'environment': 'staging' is listed twice" },
        { "pull-request-body", "{{ nope }}", "input 'pull-request-body': unknown placeholder {{ nope }}; known: changes, compare-url, diff, environment, images, overlay-path, report, short-sha, source-repository, source-sha, source-url, table" },
        { "overlay-path", "clusters/{{ nope }}", "input 'overlay-path': unknown placeholder {{ nope }}; known: environment" },
        { "environment-url", "ftp://{{ environment }}.example.com", "input 'environment-url': 'ftp://staging.example.com' is not an http(s) URL" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Each_refusal_names_its_input_in_full(string input, string value, string message)
    {
        var extra = new List<(string, string)> { (input, value) };
        if (input == "pull-request-branch")
        {
            extra.Add(("base-branch", "main"));
        }

        if (input == "registry-username")
        {
            extra.Add(("registry-password", "secret"));
        }

        if (input == "author-email" && value.Contains('\n', StringComparison.Ordinal))
        {
            // Inputs are trimmed: a control character inside the value.
            extra[0] = (input, "bot\u0001@example.com");
        }

        Assert.Equal(message, Assert.Throws<DeployException>(() => Parse([.. extra])).Message);
    }

    [Fact]
    public void Rollback_and_promotion_exclude_each_other() =>
        Assert.Equal("input 'rollback': cannot be combined with promote-from",
            Assert.Throws<DeployException>(() => Parse(("environment", "production"), ("images", "web"), ("rollback", "true"), ("promote-from", "staging"))).Message);

    [Fact]
    public void A_rollback_to_a_commit_is_a_rollback()
    {
        var change = Parse(("images", "web"), ("rollback-to", "0123456789abcdef0123456789abcdef01234567")).Change;

        Assert.Equal((ChangeKind.Rollback, "0123456789abcdef0123456789abcdef01234567"), (change.Kind, change.RollbackTo));
    }

    [Fact]
    public void Verify_attestations_needs_a_source_repository_and_a_full_commit()
    {
        var local = new Dictionary<string, string> { ["gitops-repository"] = "./gitops", ["mode"] = "push", ["environment"] = "staging", ["images"] = "web:1", ["verify-attestations"] = "true" };
        Assert.Equal("input 'verify-attestations': needs source-repository (default GITHUB_REPOSITORY): the attestation must come from the repository that built the image",
            Assert.Throws<DeployException>(() => RequestParser.Parse(local, ActionContext.None)).Message);

        Assert.Equal("input 'verify-attestations': needs source-sha as a full 40-digit commit (default GITHUB_SHA): the attestation must name the commit being deployed",
            Assert.Throws<DeployException>(() => Parse(Context with { Sha = null }, ("verify-attestations", "true"))).Message);

        // A promotion verifies the digests it copies against the commits that built them, not against source-sha.
        Assert.True(Parse(Context with { Sha = null }, ("verify-attestations", "true"), ("environment", "production"), ("images", "web"), ("promote-from", "staging")).Supply.VerifyAttestations);
    }

    [Fact]
    public void Api_commits_need_a_github_repository()
    {
        Assert.Equal("input 'commit-method': 'api' commits through GitHub's API, which needs gitops-repository as owner/name on a GitHub host (and GITHUB_API_URL); use 'git' for https://git.example.com/acme/gitops.git",
            Assert.Throws<DeployException>(() => Parse(("gitops-repository", "https://git.example.com/acme/gitops.git"), ("mode", "push"), ("commit-method", "api"))).Message);
        Assert.Equal("input 'commit-method': 'api' commits through GitHub's API, which needs gitops-repository as owner/name on a GitHub host (and GITHUB_API_URL); use 'git' for acme/gitops",
            Assert.Throws<DeployException>(() => Parse(Context with { ApiUrl = null }, ("mode", "push"), ("commit-method", "api"))).Message);
    }

    [Theory]
    [InlineData("auto", true, true, CommitMethod.Api)]
    [InlineData("auto", false, true, CommitMethod.Git)]
    [InlineData("auto", true, false, CommitMethod.Git)]
    [InlineData("git", true, true, CommitMethod.Git)]
    [InlineData("api", true, true, CommitMethod.Api)]
    public void Auto_commits_through_the_api_only_with_a_token_and_an_api(string method, bool token, bool api, CommitMethod expected)
    {
        var extra = new List<(string, string)> { ("commit-method", method), ("mode", "push") };
        if (token)
        {
            extra.Add(("gitops-token", "ghs_x"));
        }

        Assert.Equal(expected, Parse(api ? Context : Context with { ApiUrl = null }, [.. extra]).Landing.CommitMethod);
    }

    [Theory]
    [InlineData("0", 1)]
    [InlineData("100", 5)]
    [InlineData("21600", 15)]
    public void Merge_polling_is_a_twentieth_of_the_wait_within_one_and_fifteen_seconds(string wait, int seconds)
    {
        var landing = Parse(("wait-for-merge", wait)).Landing;

        Assert.Equal((TimeSpan.FromSeconds(int.Parse(wait, System.Globalization.CultureInfo.InvariantCulture)), TimeSpan.FromSeconds(seconds)), (landing.WaitForMerge, landing.PollInterval));
    }

    [Fact]
    public void The_hold_label_defaults_to_hold_and_plan_only_runs_dry()
    {
        Assert.Equal("hold", Parse().Landing.HoldLabel);
        Assert.Equal("do-not-merge", Parse(("hold-label", "do-not-merge")).Landing.HoldLabel);
        Assert.True(Parse(("plan", "true")).Landing.DryRun);
        Assert.False(Parse().Landing.DryRun);
    }

    [Theory]
    [InlineData("auto-merge", DeployMode.AutoMerge)]
    [InlineData("push", DeployMode.Push)]
    [InlineData("pull-request", DeployMode.PullRequest)]
    [InlineData("merge", DeployMode.Merge)]
    public void Each_mode_is_read(string mode, DeployMode expected) =>
        Assert.Equal(expected, Parse(("mode", mode)).Landing.Mode);

    [Theory]
    [InlineData("a b")]
    [InlineData("a~b")]
    [InlineData("a^b")]
    [InlineData("a:b")]
    [InlineData("a?b")]
    [InlineData("a*b")]
    [InlineData("a[b")]
    [InlineData("a\\b")]
    [InlineData("a\u007fb")]
    [InlineData(".hidden/x")]
    [InlineData("x/y.lock")]
    [InlineData("x//y")]
    [InlineData("x.")]
    [InlineData("@")]
    [InlineData("HEAD")]
    [InlineData("a@{b")]
    public void Branch_names_follow_check_ref_format(string name) => Assert.False(RequestParser.IsValidBranch(name));

    [Theory]
    [InlineData("gitops-deploy/staging/web")]
    [InlineData("release/v1.2.3")]
    [InlineData("a")]
    public void Ordinary_branch_names_are_valid(string name) => Assert.True(RequestParser.IsValidBranch(name));

    [Fact]
    public void A_branch_name_of_exactly_the_byte_limit_is_kept_and_one_byte_more_is_refused()
    {
        Assert.True(RequestParser.IsValidBranch(new string('a', RequestParser.MaxBranchBytes)));
        Assert.False(RequestParser.IsValidBranch(new string('a', RequestParser.MaxBranchBytes + 1)));
    }

    [Theory]
    [InlineData("web", "gitops-deploy/staging/web")]
    [InlineData("ghcr.io/acme/web", "gitops-deploy/staging/ghcr.io/acme/web")]
    [InlineData("localhost:5000/web", "gitops-deploy/staging/localhost-5000/web")]
    public void The_default_branch_names_the_first_image(string image, string branch) =>
        Assert.Equal(branch, Parse(("images", image + ":1")).Landing.PullRequestBranch);

    [Fact]
    public void A_values_only_change_names_its_branch_values()
    {
        var request = Parse(("images", ""), ("set", "values.yaml:replicaCount=3"));

        Assert.Equal("gitops-deploy/staging/values", request.Landing.PullRequestBranch);
    }

    [Fact]
    public void Promotion_and_rollback_branches_say_what_they_are()
    {
        Assert.Equal("gitops-deploy/production/promote-from-staging", Parse(("environment", "production"), ("images", "web"), ("promote-from", "staging")).Landing.PullRequestBranch);
        Assert.Equal("gitops-deploy/staging/rollback", Parse(("images", "web"), ("rollback", "true")).Landing.PullRequestBranch);
    }

    [Theory]
    [InlineData(null, "production", "environments/staging")]
    [InlineData("clusters/production/web", "production", "clusters/staging/web")]
    [InlineData("clusters/prod/web", "production", "environments/staging")]
    [InlineData("clusters/{{ environment }}/web", "production", "clusters/staging/web")]
    public void A_promotion_reads_the_source_environments_overlay_in_the_same_place(string? overlay, string environment, string from)
    {
        var extra = new List<(string, string)> { ("environment", environment), ("images", "web"), ("promote-from", "staging") };
        if (overlay is not null)
        {
            extra.Add(("overlay-path", overlay));
        }

        Assert.Equal(from, Parse([.. extra]).Targets[0].PromoteFromOverlay);
    }
}
