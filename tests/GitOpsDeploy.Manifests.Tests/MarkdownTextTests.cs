using GitOpsDeploy.Manifests.Diff;

namespace GitOpsDeploy.Manifests.Tests;

[Trait("Tier", "Unit")]
public sealed class MarkdownTextTests
{
    [Theory]
    [InlineData("plain", "```")]
    [InlineData("a ``` b", "````")]
    [InlineData("````` and ```", "``````")]
    public void A_fence_is_longer_than_any_run_of_backticks_in_its_content(string content, string fence) =>
        Assert.Equal(fence, MarkdownText.FenceFor(content));

    [Fact]
    public void Fenced_content_ends_in_one_newline_before_its_fence() =>
        Assert.Equal("````text\na ``` b\n````", MarkdownText.Fenced("a ``` b\n\n", "text"));

    [Theory]
    [InlineData("abcdef", 6, "abcdef")]
    [InlineData("abcdef", 5, "abcd…")]
    [InlineData("abcdef", 1, "…")]
    [InlineData("abcdef", 0, "")]
    [InlineData("abcdef", -3, "")]
    [InlineData("ab\U0001F600cd", 4, "ab…")]
    [InlineData("ab\U0001F600cd", 5, "ab\U0001F600…")]
    public void A_cut_keeps_the_budget_ends_in_an_ellipsis_and_never_splits_a_character(string text, int budget, string expected)
    {
        var cut = MarkdownText.Cut(text, budget);

        Assert.Equal(expected, cut);
        Assert.True(cut.Length <= Math.Max(0, budget));
    }
}
