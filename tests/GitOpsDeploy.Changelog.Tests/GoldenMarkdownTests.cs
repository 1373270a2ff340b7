using System.Text;

namespace GitOpsDeploy.Changelog.Tests;

/// <summary>
/// One folder per case under Golden/: <c>input.json</c> (see <see cref="GoldenCase"/>), <c>expected.md</c>
/// (the Markdown, byte for byte) and <c>expected-oneline.txt</c> (the deployment description).
/// A mismatch or a missing expectation writes <c>actual.md</c> / <c>actual-oneline.txt</c> beside the
/// case's copy in the test output folder (never into the source tree) and names it in the failure.
/// </summary>
[Trait("Tier", "Unit")]
public sealed class GoldenMarkdownTests
{
    private static readonly string Root = Path.Combine(AppContext.BaseDirectory, "Golden");

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var dir in Directory.GetDirectories(Root).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(dir));
        }

        return data;
    }

    [Fact]
    public void There_are_at_least_twenty_cases() => Assert.True(Cases().Count >= 20, $"only {Cases().Count} golden cases");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Markdown_matches_the_golden_file(string name)
    {
        var dir = Path.Combine(Root, name);
        var (options, _, comparisons) = GoldenCase.Load(File.ReadAllText(Path.Combine(dir, "input.json")));

        var actual = ChangelogMarkdown.Render(ChangeReport.Build(comparisons), options);

        Assert.True(actual.Length <= options.MaxChars, $"{name}: {actual.Length} characters over a budget of {options.MaxChars}");
        Compare(dir, name, "expected.md", "actual.md", actual);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_one_line_form_matches_the_golden_file(string name)
    {
        var dir = Path.Combine(Root, name);
        var (_, max, comparisons) = GoldenCase.Load(File.ReadAllText(Path.Combine(dir, "input.json")));

        var actual = ChangelogMarkdown.OneLine(ChangeReport.Build(comparisons), max);

        Assert.True(actual.Length <= max, $"{name}: {actual.Length} characters over {max}");
        Assert.DoesNotContain('\n', actual);
        Compare(dir, name, "expected-oneline.txt", "actual-oneline.txt", actual + "\n");
    }

    private static void Compare(string dir, string name, string expectedName, string actualName, string actual)
    {
        var expectedFile = Path.Combine(dir, expectedName);
        var actualFile = Path.Combine(dir, actualName);
        if (File.Exists(expectedFile) && File.ReadAllText(expectedFile, Encoding.UTF8) == actual)
        {
            File.Delete(actualFile);
            return;
        }

        File.WriteAllText(actualFile, actual, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        Assert.True(File.Exists(expectedFile), $"{name}: no {expectedName}; wrote the output to {actualFile} for review");
        Assert.Equal(File.ReadAllText(expectedFile, Encoding.UTF8), actual);
    }
}
