namespace GitOpsDeploy.Manifests.Diff;

/// <summary>The two text rules every Markdown renderer of a budgeted report shares: fences that cannot close early, and cuts that end in "…" without splitting a character.</summary>
public static class MarkdownText
{
    /// <summary>A code fence longer than any run of backticks in <paramref name="content"/>, so the content cannot close it.</summary>
    public static string FenceFor(string content)
    {
        var fence = "```";
        while (content.Contains(fence, StringComparison.Ordinal))
        {
            fence += "`";
        }

        return fence;
    }

    /// <summary><paramref name="content"/> in a fenced block of <paramref name="language"/> that it cannot close.</summary>
    public static string Fenced(string content, string language)
    {
        var fence = FenceFor(content);
        return $"{fence}{language}\n{content.TrimEnd('\n')}\n{fence}";
    }

    /// <summary>At most <paramref name="budget"/> characters: the text itself, or its start and "…", never ending inside a surrogate pair.</summary>
    public static string Cut(string text, int budget)
    {
        if (budget <= 0)
        {
            return string.Empty;
        }

        if (text.Length <= budget)
        {
            return text;
        }

        var end = budget - 1;
        if (end > 0 && char.IsHighSurrogate(text[end - 1]))
        {
            end--;
        }

        return text[..end] + "…";
    }
}
