using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Editing;

namespace GitOpsDeploy.Core.Tests;

/// <summary>Which placeholders each message input may name, and what a wrong one is told.</summary>
[Trait("Tier", "Unit")]
public sealed class MessageTemplateTests
{
    private static readonly ActionContext Context = new("https://git.example.com", "https://git.example.com/api/v3", "acme/web", "0123456789abcdef0123456789abcdef01234567", "7", true);

    private const string CommitOnes = "{{ environment }} {{ images }} {{ changes }} {{ source-repository }} {{ source-sha }} {{ short-sha }} {{ overlay-path }}";
    private const string PullRequestOnly = "{{ table }} {{ diff }} {{ source-url }} {{ compare-url }} {{ report }}";

    private static DeployRequest Parse(string input, string value) => RequestParser.Parse(
        new Dictionary<string, string> { ["gitops-repository"] = "acme/gitops", ["environment"] = "staging", ["images"] = "web:1", [input] = value }, Context);

    [Theory]
    [InlineData("commit-message", CommitOnes)]
    [InlineData("pull-request-title", CommitOnes + " " + PullRequestOnly)]
    [InlineData("pull-request-body", CommitOnes + " " + PullRequestOnly)]
    public void Every_documented_placeholder_is_accepted_where_it_applies(string input, string template) =>
        Assert.NotNull(Parse(input, template));

    [Theory]
    [InlineData("{{ table }}", "table")]
    [InlineData("{{ diff }}", "diff")]
    [InlineData("{{ source-url }}", "source-url")]
    [InlineData("{{ compare-url }}", "compare-url")]
    [InlineData("{{report}}", "report")]
    public void A_pull_request_placeholder_in_a_commit_message_is_refused_with_the_known_ones_in_order(string template, string name) =>
        Assert.Equal($"input 'commit-message': unknown placeholder {{{{ {name} }}}}; known: changes, environment, images, overlay-path, short-sha, source-repository, source-sha",
            Assert.Throws<DeployException>(() => Parse("commit-message", "deploy " + template)).Message);

    [Fact]
    public void Rendering_fills_each_placeholder_and_keeps_the_text_around_it() =>
        Assert.Equal("deploy web:1 to staging (web:1)!", MessageTemplate.Render("deploy {{images}} to {{ environment }} ({{  images }})!",
            new Dictionary<string, string> { ["images"] = "web:1", ["environment"] = "staging" }, "commit-message"));

    [Fact]
    public void Rendering_an_unknown_placeholder_names_the_input_and_the_values_it_has() =>
        Assert.Equal("input 'pull-request-title': unknown placeholder {{ nope }}; known: a, b",
            Assert.Throws<DeployException>(() => MessageTemplate.Render("x {{ nope }}", new Dictionary<string, string> { ["b"] = "2", ["a"] = "1" }, "pull-request-title")).Message);

    [Fact]
    public void Text_that_only_looks_like_a_placeholder_is_left_alone()
    {
        const string text = "{ environment } {{ }} {{ two words }} {{environment";
        MessageTemplate.Validate(text, ["environment"], "commit-message");
        Assert.Equal(text, MessageTemplate.Render(text, new Dictionary<string, string>(), "commit-message"));
    }
}
