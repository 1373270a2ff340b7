namespace GitOpsDeploy.Manifests.Tests;

/// <summary>
/// The static analysis of each golden repository against its expected.txt. Set
/// UPDATE_GOLDEN=1 to rewrite the expected files (then review them: the differential tests check
/// the images against the real kustomize independently).
/// </summary>
[Trait("Tier", "Unit")]
public sealed class StaticAnalysisGoldenTests
{
    [Theory]
    [MemberData(nameof(GoldenCase.All), MemberType = typeof(GoldenCase))]
    public void The_static_analysis_says_what_the_golden_file_says(string name)
    {
        var golden = GoldenCase.Load(name);
        var actual = golden.Describe();
        var expectedPath = Path.Combine(golden.Directory, "expected.txt");
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1")
        {
            var source = Path.Combine(SourceRoot(), "Golden", name, "expected.txt");
            File.WriteAllText(source, actual);
            File.WriteAllText(expectedPath, actual);
        }

        Assert.True(File.Exists(expectedPath), $"{expectedPath} is missing; run with UPDATE_GOLDEN=1 and review it");
        Assert.Equal(File.ReadAllText(expectedPath), actual);
    }

    private static string SourceRoot([System.Runtime.CompilerServices.CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
