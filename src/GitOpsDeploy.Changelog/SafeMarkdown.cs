using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace GitOpsDeploy.Changelog;

/// <summary>
/// Text from commits and pull requests made safe to put into GitHub Markdown (a pull-request body, a job
/// summary) or a plain-text field (a deployment description):
/// <list type="bullet">
/// <item>nobody is notified: <c>@name</c> becomes <c>@&amp;#8203;name</c>; the zero-width space breaks GitHub's
/// mention pattern (an <c>@</c> followed by a login character) in the rendered page and in the plain-text
/// e-mail replies parse, which is what Dependabot and Renovate write into their pull requests;</item>
/// <item>no cross-references (backlinks in another issue's timeline): <c>#123</c>, <c>owner/repo#123</c> and
/// <c>GH-123</c> get the same zero-width space before the number; links to issues, pull requests and
/// discussions on the run's GitHub go through its redirect host (GitHub's documented way to link without a
/// backlink; see <see cref="GitHubLinks"/>), and on a GitHub without one (Enterprise Server, another GitHub host
/// its answers name, or any host when which GitHub is unknown) lose their scheme's link instead;</item>
/// <item>no Markdown, HTML or math from the text: one line (line breaks and control characters become
/// spaces, bidirectional overrides are dropped), and every character Markdown gives a meaning inline is
/// backslash-escaped (<c>\ ` * _ [ ] &lt; &gt; | ~ &amp; $</c>), so no tag, link, image, emphasis,
/// table cell, entity or formula survives.</item>
/// </list>
/// A backslash does not stop GitHub's mention and reference filters (they run on the rendered text),
/// which is why those get the zero-width space instead.
/// </summary>
public static partial class SafeMarkdown
{
    /// <summary>U+200B, invisible in the rendered page.</summary>
    public const char ZeroWidthSpace = '\u200B';

    private const string ZeroWidthEntity = "&#8203;";
    private const string Ellipsis = "…";

    /// <summary>Characters backslash-escaped in inline Markdown text.</summary>
    private const string Special = "\\`*_[]<>|~&$";

    /// <summary>
    /// <paramref name="text"/> as one line of inline Markdown, at most <paramref name="maxLength"/>
    /// characters of the original (cut with "…", never inside a URL). <paramref name="enterpriseHosts"/>
    /// are other GitHub hosts whose issue links must not be followed; <paramref name="github"/> the run's GitHub
    /// (null: unknown, and an issue-shaped link on any host loses its link).
    /// </summary>
    public static string Text(string? text, int maxLength = int.MaxValue, IReadOnlyCollection<string>? enterpriseHosts = null, GitHubLinks? github = null)
    {
        var clean = Truncate(OneLine(text), maxLength);
        var output = new StringBuilder(clean.Length + 16);
        var urls = Urls().Matches(clean).Select(m => (m.Index, Length: UrlLength(m.Value))).ToList();
        var next = 0;
        for (var i = 0; i < clean.Length;)
        {
            if (next < urls.Count && urls[next].Index == i)
            {
                var (start, length) = urls[next++];
                AppendUrl(output, clean.Substring(start, length), enterpriseHosts, github);
                i = start + length;
                continue;
            }

            while (next < urls.Count && urls[next].Index < i)
            {
                next++;
            }

            i += AppendInert(output, clean, i);
        }

        return output.ToString();
    }

    /// <summary>
    /// <paramref name="text"/> for a plain-text field: one line, at most <paramref name="maxLength"/>
    /// characters, mentions and references broken with a raw zero-width space; no other escaping.
    /// </summary>
    public static string Plain(string? text, int maxLength = int.MaxValue)
    {
        var clean = OneLine(text);
        var output = new StringBuilder(clean.Length + 8);
        for (var i = 0; i < clean.Length; i++)
        {
            var c = clean[i];
            var following = i + 1 < clean.Length ? clean[i + 1] : '\0';
            output.Append(c);
            if ((c == '@' && char.IsAsciiLetterOrDigit(following)) || (c == '#' && char.IsAsciiDigit(following)))
            {
                output.Append(ZeroWidthSpace);
            }
            else if (IsGhReference(clean, i))
            {
                output.Append(clean, i + 1, 2).Append(ZeroWidthSpace);
                i += 2;
            }
        }

        // Cut after escaping so the zero-width spaces count against the field's limit.
        return Truncate(output.ToString(), maxLength);
    }

    /// <summary>The first 7 characters of a sha as a code span; anything that is not hex is escaped text instead.</summary>
    public static string ShortSha(string sha) =>
        sha.Length >= 4 && sha.All(char.IsAsciiHexDigit) ? $"`{sha[..Math.Min(7, sha.Length)].ToLowerInvariant()}`" : Text(sha, 12);

    /// <summary>
    /// A URL fit for a Markdown link destination: absolute http(s), no whitespace, controls or angle
    /// brackets; parentheses percent-encoded. Null when it is not one.
    /// </summary>
    public static string? LinkTarget(string? url)
    {
        if (url is null || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http")
            || url.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '<' or '>' or '"' or '`' or '\\'))
        {
            return null;
        }

        return url.Replace("(", "%28", StringComparison.Ordinal).Replace(")", "%29", StringComparison.Ordinal);
    }

    /// <summary>Whether a link to <paramref name="url"/> puts a backlink into an issue's, pull request's or discussion's timeline on that host.</summary>
    public static bool CreatesBacklink(string url) =>
        Uri.TryCreate(url.StartsWith("www.", StringComparison.OrdinalIgnoreCase) ? "https://" + url : url, UriKind.Absolute, out var uri)
        && BacklinkPath().IsMatch(uri.AbsolutePath);

    /// <summary>
    /// A link to <paramref name="github"/>'s server moved to its redirect host (no backlink); the link itself when it
    /// already is on the redirect host; null for other hosts and a GitHub without a redirect host, whose links cannot avoid one.
    /// </summary>
    public static string? WithoutBacklink(string url, GitHubLinks? github)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || github is null)
        {
            return null;
        }

        if (github.IsRedirect(uri.Host))
        {
            return url;
        }

        return github.IsServer(uri.Host) && github.RedirectHost is { } redirect
            ? new UriBuilder(uri) { Host = redirect, Scheme = "https", Port = -1 }.Uri.AbsoluteUri
            : null;
    }

    /// <summary>Line breaks, tabs and other control characters become spaces; bidirectional embeddings, overrides and isolates go.</summary>
    internal static string OneLine(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        var output = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (c is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069')
            {
                continue;
            }

            var category = char.GetUnicodeCategory(c);
            output.Append(category is UnicodeCategory.Control or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator ? ' ' : c);
        }

        return output.ToString().Trim();
    }

    /// <summary>At most <paramref name="maxLength"/> UTF-16 units, "…" included; never half a surrogate pair or half a URL.</summary>
    internal static string Truncate(string text, int maxLength)
    {
        if (text.Length <= maxLength)
        {
            return text;
        }

        if (maxLength < 1)
        {
            return string.Empty;
        }

        var cut = maxLength - 1;
        if (cut > 0 && char.IsHighSurrogate(text[cut - 1]))
        {
            cut--;
        }

        foreach (Match url in Urls().Matches(text))
        {
            if (url.Index < cut && url.Index + url.Length > cut)
            {
                cut = url.Index;
                break;
            }
        }

        return text[..cut].TrimEnd() + Ellipsis;
    }

    private static void AppendUrl(StringBuilder output, string url, IReadOnlyCollection<string>? enterpriseHosts, GitHubLinks? github)
    {
        var absolute = url.StartsWith("www.", StringComparison.OrdinalIgnoreCase) ? "https://" + url : url;
        var host = Uri.TryCreate(absolute, UriKind.Absolute, out var uri) ? uri.Host : string.Empty;
        var backlink = CreatesBacklink(absolute);
        if (backlink && github?.IsServer(host) == true && WithoutBacklink(absolute, github) is { } redirected)
        {
            output.Append('<').Append(redirected).Append('>');
            return;
        }

        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        var gitHubHost = github is null || github.IsServer(host) || enterpriseHosts?.Contains(host, StringComparer.OrdinalIgnoreCase) == true;
        if (backlink && gitHubHost && github?.IsRedirect(host) != true)
        {
            // No redirect service there: break the scheme (or the www. of a bare link) so neither GFM nor GitHub's filters see a URL.
            var cut = scheme > 0 ? scheme : "www".Length;
            output.Append(url, 0, cut).Append(ZeroWidthEntity);
            AppendEscaped(output, url[cut..]);
            return;
        }

        if (scheme > 0 && LinkTarget(url) is not null)
        {
            // An autolink keeps the URL whole: no backslash inside it, clickable as it was.
            output.Append('<').Append(url).Append('>');
            return;
        }

        AppendEscaped(output, url);
    }

    private static void AppendEscaped(StringBuilder output, string text)
    {
        for (var i = 0; i < text.Length;)
        {
            i += AppendInert(output, text, i);
        }
    }

    /// <summary>Writes the character at <paramref name="i"/> (or a whole "GH-"), escaped or broken as needed; returns how many it took.</summary>
    private static int AppendInert(StringBuilder output, string text, int i)
    {
        var c = text[i];
        var following = i + 1 < text.Length ? text[i + 1] : '\0';
        if (c == '@' && char.IsAsciiLetterOrDigit(following))
        {
            output.Append('@').Append(ZeroWidthEntity);
        }
        else if (c == '#' && char.IsAsciiDigit(following))
        {
            output.Append('#').Append(ZeroWidthEntity);
        }
        else if (IsGhReference(text, i))
        {
            output.Append(text, i, 3).Append(ZeroWidthEntity);
            return 3;
        }
        else if (Special.Contains(c, StringComparison.Ordinal))
        {
            output.Append('\\').Append(c);
        }
        else
        {
            output.Append(c);
        }

        return 1;
    }

    /// <summary>GFM's end of an autolink: trailing punctuation is not part of it, nor a closing parenthesis without its opening one.</summary>
    private static int UrlLength(string url)
    {
        var end = url.Length;
        while (end > 0)
        {
            var last = url[end - 1];
            if (".,:;!?*_~'\"".Contains(last, StringComparison.Ordinal))
            {
                end--;
            }
            else if (last == ')' && url.AsSpan(0, end).Count('(') < url.AsSpan(0, end).Count(')'))
            {
                end--;
            }
            else
            {
                break;
            }
        }

        return end;
    }

    private static bool IsGhReference(string text, int i) =>
        i + 3 < text.Length
        && (text[i] is 'G' or 'g') && (text[i + 1] is 'H' or 'h') && text[i + 2] == '-'
        && char.IsAsciiDigit(text[i + 3])
        && (i == 0 || !char.IsLetterOrDigit(text[i - 1]));

    [GeneratedRegex(@"(?:https?://|(?<![A-Za-z0-9])www\.)[^\s<>""'`\\]+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Urls();

    [GeneratedRegex(@"^/[^/]+/[^/]+/(?:issues|pull|pulls|discussions)/\d+(?:/|$)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex BacklinkPath();
}
