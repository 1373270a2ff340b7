namespace GitOpsDeploy.Calendar.Tests;

[Trait("Tier", "Unit")]
public sealed class MatchingTests
{
    private static readonly ArgoCdApplication App = new("test-app", "default", "https://kubernetes.default.svc", "clusterName");

    private static SyncWindow Window(string[]? apps = null, string[]? namespaces = null, string[]? clusters = null, bool and = false) =>
        SyncWindow.Create(SyncWindowKind.Deny, "0 0 * * *", "1h", applications: apps, namespaces: namespaces, clusters: clusters, useAndOperator: and);

    [Theory]
    [InlineData(new[] { "test-app" }, null, null, true)]
    [InlineData(new[] { "other" }, null, null, false)]
    [InlineData(null, new[] { "default" }, null, true)]
    [InlineData(null, null, new[] { "clusterName" }, true)]
    [InlineData(null, null, new[] { "https://kubernetes.default.svc" }, true)]
    [InlineData(null, null, new[] { "cluster1" }, false)]
    [InlineData(new[] { "other" }, new[] { "default" }, null, true)] // OR: the namespace is enough
    [InlineData(new[] { "test-*" }, null, new[] { "nope" }, true)]
    [InlineData(null, null, null, false)] // no selector: applies to nothing
    public void Or_any_selector_that_matches_applies_the_window(string[]? apps, string[]? namespaces, string[]? clusters, bool expected) =>
        Assert.Equal(expected, Window(apps, namespaces, clusters).Matches(App));

    [Theory]
    [InlineData(new[] { "test-app" }, new[] { "default" }, new[] { "clusterName" }, true)]
    [InlineData(new[] { "test-app" }, new[] { "other" }, null, false)]
    [InlineData(new[] { "other" }, new[] { "default" }, null, false)]
    [InlineData(new[] { "test-*" }, null, new[] { "clusterN*" }, true)]
    [InlineData(null, new[] { "default" }, new[] { "cluster1" }, false)]
    [InlineData(null, new[] { "default" }, null, true)]
    [InlineData(null, null, null, false)]
    public void And_every_selector_that_is_set_must_match(string[]? apps, string[]? namespaces, string[]? clusters, bool expected) =>
        Assert.Equal(expected, Window(apps, namespaces, clusters, and: true).Matches(App));

    [Fact]
    public void A_star_matches_even_an_empty_namespace_but_an_empty_destination_name_never_matches_a_cluster()
    {
        var bare = new ArgoCdApplication("app");
        Assert.True(Window(namespaces: ["*"]).Matches(bare));
        Assert.False(Window(namespaces: ["?*"]).Matches(bare));
        Assert.False(Window(clusters: ["*"]).Matches(bare));
    }

    [Theory]
    [InlineData("*-prod", "payments-prod", true)]
    [InlineData("*-prod", "payments-prod-eu", false)]
    [InlineData("prod-*", "prod-", true)]
    [InlineData("**", "a/b.c", true)]
    [InlineData("*", "https://kubernetes.default.svc", true)]
    [InlineData("https://*.example.com", "https://k8s.eu.example.com", true)]
    [InlineData("app-?", "app-1", true)]
    [InlineData("app-?", "app-12", false)]
    [InlineData("app-[0-9]", "app-7", true)]
    [InlineData("app-[!0-9]", "app-7", false)]
    [InlineData("app-[!0-9]", "app-x", true)]
    [InlineData("app-[abc]", "app-b", true)]
    [InlineData("app-[ab-c]", "app--", true)] // a list, not a range: '-' is one of its characters
    [InlineData("{api,web}-prod", "web-prod", true)]
    [InlineData("{api,web}-prod", "db-prod", false)]
    [InlineData("{api,w{e,i}b}-*", "wib-x", true)]
    [InlineData("{api,web", "web", true)] // an unclosed '{' is tolerated
    [InlineData("a\\*b", "a*b", true)]
    [InlineData("a\\*b", "axb", false)]
    [InlineData("a}b,c", "a}b,c", true)] // outside braces, '}' and ',' are text
    [InlineData("Prod", "prod", false)] // case-sensitive
    [InlineData("[a-z0-9]", "a", false)] // one range only: a syntax error, so no match
    [InlineData("[]", "", false)]
    [InlineData("[z-a]", "m", false)]
    [InlineData("app-[", "app-[", false)]
    public void Globs_match_like_gobwas_glob_without_separators(string pattern, string value, bool expected) =>
        Assert.Equal(expected, ArgoCdGlob.Match(pattern, value));

    [Theory]
    [InlineData("[a-z0-9]", "expected close range character")]
    [InlineData("[]", "could not parse range")]
    [InlineData("[z-a]", "hi character 'a' should be greater than lo 'z'")]
    [InlineData("x[", "unexpected end of input")]
    public void A_glob_that_does_not_compile_says_why(string pattern, string error)
    {
        Assert.False(ArgoCdGlob.TryCompile(pattern, out _, out var message));
        Assert.Equal(error, message);
    }
}
