using System.Text.RegularExpressions;

namespace GitOpsDeploy.Changelog.Tests;

[Trait("Tier", "Unit")]
public sealed partial class SafeMarkdownTests
{
    private const string Z = "&#8203;";

    /// <summary>GitHub's cloud as the run would tell it (the host and its redirect host come from the server URL).</summary>
    internal static GitHubLinks Cloud => new("github.com", "redirect.github.com");

    /// <summary>An Enterprise Server: no redirect host.</summary>
    private static GitHubLinks Server => new("ghe.example.com", null);

    [Theory]
    [InlineData("@alice", "@" + Z + "alice")]
    [InlineData("cc @acme/platform-team", "cc @" + Z + "acme/platform-team")]
    [InlineData("@dependabot[bot]", "@" + Z + "dependabot\\[bot\\]")]
    [InlineData("ops@example.com", "ops@" + Z + "example.com")]
    [InlineData("@@x @ -@-", "@@" + Z + "x @ -@-")]
    [InlineData("Fixes #12", "Fixes #" + Z + "12")]
    [InlineData("acme/app#12 and acme/app#x", "acme/app#" + Z + "12 and acme/app#x")]
    [InlineData("GH-12, gh-7, (GH-3)", "GH-" + Z + "12, gh-" + Z + "7, (GH-" + Z + "3)")]
    [InlineData("ugh-5 GITHUB-1 GH-x", "ugh-5 GITHUB-1 GH-x")]
    [InlineData("#", "#")]
    public void Mentions_and_references_get_a_zero_width_space(string text, string expected) =>
        Assert.Equal(expected, SafeMarkdown.Text(text));

    [Theory]
    [InlineData("https://github.com/acme/app/issues/1", "<https://redirect.github.com/acme/app/issues/1>")]
    [InlineData("see https://github.com/acme/app/pull/2.", "see <https://redirect.github.com/acme/app/pull/2>.")]
    [InlineData("(https://github.com/acme/app/pull/2/files)", "(<https://redirect.github.com/acme/app/pull/2/files>)")]
    [InlineData("https://www.github.com/acme/app/discussions/3#c", "<https://redirect.github.com/acme/app/discussions/3#c>")]
    [InlineData("http://github.com/acme/app/issues/4", "<https://redirect.github.com/acme/app/issues/4>")]
    [InlineData("www.github.com/acme/app/issues/5", "<https://redirect.github.com/acme/app/issues/5>")]
    [InlineData("https://github.com/acme/app/commit/abc", "<https://github.com/acme/app/commit/abc>")]
    [InlineData("https://github.com/acme/app/issues", "<https://github.com/acme/app/issues>")]
    [InlineData("https://example.com/a_b*c?x=1&y=2", "<https://example.com/a_b*c?x=1&y=2>")]
    [InlineData("https://example.com/wiki/Foo_(bar)", "<https://example.com/wiki/Foo_(bar)>")]
    [InlineData("www.example.com/a_b", "www.example.com/a\\_b")]
    public void Links_that_would_backlink_go_through_the_redirect_host_and_others_stay_whole(string text, string expected) =>
        Assert.Equal(expected, SafeMarkdown.Text(text, github: Cloud));

    [Theory]
    [InlineData("https://ghe.example.com/acme/app/issues/1", "https" + Z + "://ghe.example.com/acme/app/issues/1")]
    [InlineData("www.ghe.example.com/acme/app/pull/2", "www" + Z + ".ghe.example.com/acme/app/pull/2")]
    [InlineData("https://ghe.example.com/acme/app/commit/abc", "<https://ghe.example.com/acme/app/commit/abc>")]
    [InlineData("https://github.com/acme/app/issues/1", "<https://github.com/acme/app/issues/1>")]
    public void On_a_server_without_a_redirect_host_its_issue_links_lose_their_link_and_other_hosts_are_not_its_concern(string text, string expected) =>
        Assert.Equal(expected, SafeMarkdown.Text(text, github: Server));

    [Theory]
    [InlineData("https://github.com/acme/app/issues/1", "https" + Z + "://github.com/acme/app/issues/1")]
    [InlineData("https://redirect.github.com/acme/app/issues/1", "https" + Z + "://redirect.github.com/acme/app/issues/1")]
    [InlineData("https://code.example/acme/app/pull/2/files", "https" + Z + "://code.example/acme/app/pull/2/files")]
    [InlineData("www.github.com/acme/app/discussions/3", "www" + Z + ".github.com/acme/app/discussions/3")]
    [InlineData("https://github.com/acme/app/commit/abc", "<https://github.com/acme/app/commit/abc>")]
    public void When_the_GitHub_is_unknown_every_issue_shaped_link_loses_its_link(string text, string expected) =>
        Assert.Equal(expected, SafeMarkdown.Text(text));

    [Fact]
    public void Only_the_servers_links_move_to_its_redirect_host()
    {
        Assert.Equal("https://redirect.github.com/o/r/pull/1", SafeMarkdown.WithoutBacklink("https://github.com/o/r/pull/1", Cloud));
        Assert.Equal("https://redirect.github.com/o/r/pull/1", SafeMarkdown.WithoutBacklink("https://redirect.github.com/o/r/pull/1", Cloud));
        Assert.Null(SafeMarkdown.WithoutBacklink("https://ghe.example.com/o/r/pull/1", Cloud));
        Assert.Null(SafeMarkdown.WithoutBacklink("https://ghe.example.com/o/r/pull/1", Server));
        Assert.Null(SafeMarkdown.WithoutBacklink("https://github.com/o/r/pull/1", null));
        Assert.Null(SafeMarkdown.WithoutBacklink("not a url", Cloud));
    }

    [Fact]
    public void On_an_enterprise_host_an_issue_link_loses_its_scheme_and_other_links_stay()
    {
        var hosts = new[] { "ghe.example.com" };

        Assert.Equal("https" + Z + "://ghe.example.com/acme/app/issues/3", SafeMarkdown.Text("https://ghe.example.com/acme/app/issues/3", enterpriseHosts: hosts, github: Cloud));
        Assert.Equal("<https://ghe.example.com/acme/app/blob/main/a.md>", SafeMarkdown.Text("https://ghe.example.com/acme/app/blob/main/a.md", enterpriseHosts: hosts, github: Cloud));
        Assert.Equal("<https://redirect.github.com/o/r/pull/1>", SafeMarkdown.Text("https://github.com/o/r/pull/1", enterpriseHosts: hosts, github: Cloud));
    }

    [Theory]
    [InlineData("<script>alert(1)</script>", "\\<script\\>alert(1)\\</script\\>")]
    [InlineData("[x](javascript:alert(1))", "\\[x\\](javascript:alert(1))")]
    [InlineData("![p](https://t.example/p.png)", "!\\[p\\](<https://t.example/p.png>)")]
    [InlineData("**b** _e_ `c` ~~s~~", "\\*\\*b\\*\\* \\_e\\_ \\`c\\` \\~\\~s\\~\\~")]
    [InlineData("| a | b |", "\\| a \\| b \\|")]
    [InlineData("$x^2$ and $$y$$", "\\$x^2\\$ and \\$\\$y\\$\\$")]
    [InlineData("&lt; &#64;alice", "\\&lt; \\&#" + Z + "64;alice")]
    [InlineData("<!-- rest", "\\<!-- rest")]
    [InlineData("back\\", "back\\\\")]
    [InlineData("one\ntwo\r\nthree\tfour", "one two  three four")]
    [InlineData("a\u2028b\u2029c\u0085d", "a b c d")]
    [InlineData("\u202Eevil\u202C \u2066iso\u2069", "evil iso")]
    [InlineData("  padded  ", "padded")]
    public void Markdown_and_html_come_out_as_text(string text, string expected) =>
        Assert.Equal(expected, SafeMarkdown.Text(text));

    [Fact]
    public void Text_is_cut_with_an_ellipsis_never_inside_a_surrogate_pair_or_a_url()
    {
        Assert.Equal("abcd…", SafeMarkdown.Text("abcdefghij", 5));
        Assert.Equal("ab…", SafeMarkdown.Text("ab\U0001F600cd", 4));
        Assert.Equal("see…", SafeMarkdown.Text("see https://example.com/a/long/path", 20));
        Assert.Equal(string.Empty, SafeMarkdown.Text("abc", 0));
        Assert.Equal("abc", SafeMarkdown.Text("abc", 3));
    }

    [Fact]
    public void Plain_text_only_breaks_mentions_and_references()
    {
        const char z = SafeMarkdown.ZeroWidthSpace;

        Assert.Equal($"@{z}alice fixes #{z}1 and GH-{z}2 <b>*x*</b>", SafeMarkdown.Plain("@alice fixes #1 and GH-2 <b>*x*</b>"));
        Assert.Equal("one two", SafeMarkdown.Plain("one\ntwo"));
        Assert.True(SafeMarkdown.Plain(new string('@', 10) + "a" + new string('x', 300), 140).Length <= 140);
    }

    [Theory]
    [InlineData("0123456789abcdef0123456789abcdef01234567", "`0123456`")]
    [InlineData("ABCDEF0", "`abcdef0`")]
    [InlineData("not-a-sha`", "not-a-sha\\`")]
    public void Shas_are_code_spans_only_when_hex(string sha, string expected) =>
        Assert.Equal(expected, SafeMarkdown.ShortSha(sha));

    [Theory]
    [InlineData("https://github.com/a/b/pull/1", "https://github.com/a/b/pull/1")]
    [InlineData("https://example.com/x_(y)", "https://example.com/x_%28y%29")]
    [InlineData("javascript:alert(1)", null)]
    [InlineData("https://example.com/a b", null)]
    [InlineData("https://example.com/<x>", null)]
    [InlineData("relative/path", null)]
    [InlineData(null, null)]
    public void Link_targets_are_absolute_http_urls_that_cannot_break_out_of_the_link(string? url, string? expected) =>
        Assert.Equal(expected, SafeMarkdown.LinkTarget(url));

    /// <summary>
    /// Random mixes of everything dangerous: the result is one line, no character Markdown would act on is
    /// left unescaped (outside the autolinks we write), no mention or reference can match, and every
    /// autolink that points at an issue, pull request or discussion goes through the redirect host.
    /// </summary>
    [Fact]
    public void No_mix_of_dangerous_pieces_survives()
    {
        string[] pieces =
        [
            "@", "alice", "#", "12", "GH-", "gh-", "/", "acme/app", "<", ">", "[", "]", "(", ")", "!", "`", "*", "_", "~", "|", "$", "&", "&#64;",
            "\\", "\n", "\r", "\t", "\u202E", "\u2066", " ", ".", ",", ":", "https://", "http://", "www.", "github.com/", "example.com/", "issues/",
            "pull/", "discussions/", "commit/", "<!--", "-->", "<script>", "javascript:", "\U0001F600", "é",
        ];
        var random = new Random(20240611);
        for (var n = 0; n < 5000; n++)
        {
            var text = string.Concat(Enumerable.Range(0, random.Next(1, 25)).Select(_ => pieces[random.Next(pieces.Length)]));

            var github = random.Next(2) == 0 ? Cloud : null;

            var safe = SafeMarkdown.Text(text, random.Next(2) == 0 ? int.MaxValue : random.Next(1, 60), github: github);

            AssertInert(text, safe, github);
        }
    }

    internal static void AssertInert(string input, string safe, GitHubLinks? github)
    {
        Assert.DoesNotContain('\n', safe);
        Assert.DoesNotContain('\r', safe);

        // Read it as Markdown would, left to right: escape pairs, our autolinks, and text; the text keeps
        // no character Markdown acts on and no backslash that escapes nothing.
        const string special = "`*_[]<>|~&$";
        var text = new System.Text.StringBuilder();
        for (var i = 0; i < safe.Length; i++)
        {
            if (safe[i] == '\\')
            {
                Assert.True(i + 1 < safe.Length && (special + "\\").Contains(safe[i + 1], StringComparison.Ordinal), $"stray backslash at {i} in «{safe}» from «{input}»");
                text.Append(safe[++i]);
                continue;
            }

            if (safe[i] == '<' && Autolink().Match(safe, i) is { Success: true } link && link.Index == i)
            {
                var url = link.Groups["url"].Value;
                var uri = new Uri(url);
                Assert.False(SafeMarkdown.CreatesBacklink(url) && github?.IsRedirect(uri.Host) != true, $"{link.Value} from «{input}»");
                text.Append(' ');
                i += link.Length - 1;
                continue;
            }

            if (safe.AsSpan(i).StartsWith(Z))
            {
                text.Append('\u200B');
                i += Z.Length - 1;
                continue;
            }

            Assert.False(special.Contains(safe[i], StringComparison.Ordinal), $"unescaped '{safe[i]}' at {i} in «{safe}» from «{input}»");
            text.Append(safe[i]);
        }

        var plain = text.ToString();
        Assert.DoesNotMatch(Mention(), plain);
        Assert.DoesNotMatch(Reference(), plain);

        // What is left as text and could still be autolinked never points at the server's issue, pull request or
        // discussion (at any host's when the server is unknown).
        foreach (Match url in TextUrl().Matches(plain))
        {
            var absolute = url.Value.StartsWith("www.", StringComparison.OrdinalIgnoreCase) ? "https://" + url.Value : url.Value;
            var server = Uri.TryCreate(absolute, UriKind.Absolute, out var uri) && (github is null || github.IsServer(uri.Host));
            Assert.False(server && SafeMarkdown.CreatesBacklink(absolute), $"{url.Value} left as text in «{safe}» from «{input}»");
        }
    }

    [GeneratedRegex(@"\G<(?<url>https?://[^<>\s]+)>")]
    private static partial Regex Autolink();

    [GeneratedRegex(@"(?:https?://|www\.)[^\s<>]+", RegexOptions.IgnoreCase)]
    private static partial Regex TextUrl();

    [GeneratedRegex(@"@[A-Za-z0-9]")]
    private static partial Regex Mention();

    [GeneratedRegex(@"(#|\b[Gg][Hh]-)[0-9]")]
    private static partial Regex Reference();
}
