using System.Text;
using GitOpsDeploy.Editing;
using GitOpsDeploy.Editing.Images;
using GitOpsDeploy.Editing.Yaml;

namespace GitOpsDeploy.Core.Tests;

/// <summary>
/// One folder per case under Golden/: <c>input.yaml</c>, <c>args</c> (one image spec per line, or
/// <c>set KEY.PATH=VALUE</c> lines for a values file, <c>set #Kind/name:KEY.PATH=VALUE</c> to select a document;
/// <c>helm-image-keys NAME=KEY.PATH</c> lines make the image specs Helm images; <c>create-missing-keys false</c>
/// turns that input off) and either <c>expected.yaml</c> (compared byte for byte) or <c>expected-error.txt</c>
/// (text the error must contain, usually <c>file:line:column</c>). An <c>expected-warning.txt</c> holds text
/// a warning of the edit must contain; without it, the edit must warn of nothing.
/// On a mismatch the actual output is written as <c>actual.yaml</c> beside the copy of the case in the build output
/// (<c>bin/.../Golden/NAME/</c>, named in the failure) for review: never into the source tree.
/// </summary>
[Trait("Tier", "Unit")]
public sealed class GoldenEditTests
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
    public void There_are_at_least_thirty_cases() => Assert.True(Cases().Count >= 30, $"only {Cases().Count} golden cases");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Edit_matches_golden_file(string name)
    {
        var dir = Path.Combine(Root, name);
        var input = File.ReadAllBytes(Path.Combine(dir, "input.yaml"));
        var args = File.ReadAllLines(Path.Combine(dir, "args")).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        var expectedFile = Path.Combine(dir, "expected.yaml");
        var errorFile = Path.Combine(dir, "expected-error.txt");

        byte[]? actual = null;
        IReadOnlyList<EditWarning> warnings = [];
        DeployException? error = null;
        try
        {
            (actual, warnings) = Run("input.yaml", input, args);
        }
        catch (DeployException e)
        {
            error = e;
        }

        if (File.Exists(errorFile))
        {
            Assert.True(error is not null, $"{name}: expected an error, got output:\n{(actual is null ? "" : Encoding.UTF8.GetString(actual))}");
            var wanted = File.ReadAllText(errorFile).Trim();
            Assert.Contains(wanted, error!.Describe(), StringComparison.Ordinal);
            return;
        }

        if (!File.Exists(expectedFile))
        {
            var written = error is not null ? Path.Combine(dir, "actual-error.txt") : Path.Combine(dir, "actual.yaml");
            if (error is not null)
            {
                File.WriteAllText(written, error.Describe() + "\n");
            }
            else
            {
                File.WriteAllBytes(written, actual!);
            }

            Assert.Fail($"{name}: no expected.yaml or expected-error.txt; wrote the actual result to {written} for review");
        }

        Assert.True(error is null, $"{name}: unexpected error {error?.Describe()}");
        var warningFile = Path.Combine(dir, "expected-warning.txt");
        if (File.Exists(warningFile))
        {
            Assert.Contains(File.ReadAllText(warningFile).Trim(), Assert.Single(warnings).Describe(), StringComparison.Ordinal);
        }
        else
        {
            Assert.Empty(warnings);
        }

        var expected = File.ReadAllBytes(expectedFile);
        if (!expected.AsSpan().SequenceEqual(actual))
        {
            // Beside the copy of the case in the build output, never in the source tree (a mutation run would litter it).
            File.WriteAllBytes(Path.Combine(dir, "actual.yaml"), actual!);
            Assert.Equal(Encoding.UTF8.GetString(expected), Encoding.UTF8.GetString(actual!));
            Assert.Fail($"{name}: bytes differ (BOM or encoding)");
        }
    }

    internal static (byte[] Output, IReadOnlyList<EditWarning> Warnings) Run(string path, byte[] input, IReadOnlyList<string> args)
    {
        var file = YamlText.Load(path, input);
        var create = !args.Contains("create-missing-keys false");
        args = args.Where(a => !a.StartsWith("create-missing-keys ", StringComparison.Ordinal)).ToList();
        var sets = args.Where(a => a.StartsWith("set ", StringComparison.Ordinal)).Select(a => ValueSetting.Parse(a[4..].StartsWith('#') ? "input.yaml" + a[4..] : "input.yaml:" + a[4..])).ToList();
        if (sets.Count > 0)
        {
            return (YamlText.ToBytes(YamlValueEditor.Apply(file, sets, create).Text, file.HasBom), []);
        }

        const string helm = "helm-image-keys ";
        var keys = HelmImageKey.ParseList(string.Join('\n', args.Where(a => a.StartsWith(helm, StringComparison.Ordinal)).Select(a => a[helm.Length..])));
        var specs = ImageSpec.ParseList(string.Join('\n', args.Where(a => !a.StartsWith(helm, StringComparison.Ordinal))));
        if (keys.Count > 0)
        {
            var (text, _, warnings) = HelmImageEditor.Apply(file, specs.Select(s => (s, keys[s.Name])).ToList(), create);
            return (YamlText.ToBytes(text, file.HasBom), warnings);
        }

        return (YamlText.ToBytes(KustomizationImageEditor.Apply(file, specs).Text, file.HasBom), []);
    }
}
