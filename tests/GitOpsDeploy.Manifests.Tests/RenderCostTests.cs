using System.Diagnostics;
using System.Globalization;
using System.Text;
using GitOpsDeploy.Manifests.Diff;
using GitOpsDeploy.Manifests.Files;
using GitOpsDeploy.Manifests.Kustomize;
using GitOpsDeploy.Manifests.Render;
using Xunit.Abstractions;

namespace GitOpsDeploy.Manifests.Tests;

/// <summary>
/// What a render costs, printed (not asserted: the machine is shared): the static analysis, one
/// materialise-and-render, and a before/after pair with its diff, for a small overlay and a
/// 200-resource one. Run with --logger "console;verbosity=detailed" to see the numbers.
/// </summary>
[Trait("Tier", "Adapter")]
public sealed class RenderCostTests(ITestOutputHelper output)
{
    private const int Runs = 3;

    [SkippableFact]
    public async Task Rendering_cost_for_a_small_and_a_200_resource_overlay()
    {
        ExternalTools.RequireKubectl();
        var small = GoldenCase.Load("01-nested-bases-prefixes");
        var smallEdit = new Dictionary<string, byte[]?>
        {
            ["environments/production/kustomization.yaml"] = Encoding.UTF8.GetBytes(small.EditedKustomization(File.ReadAllText(Path.Combine(small.RepositoryPath, "environments/production/kustomization.yaml")))),
        };
        await Measure("small (2 resources, 3 kustomizations)", small.Files, "environments/production", smallEdit);

        var large = LargeOverlay.Create(200);
        var largeEdit = new Dictionary<string, byte[]?> { ["env/prod/kustomization.yaml"] = Encoding.UTF8.GetBytes(LargeOverlay.Kustomization("1.1.0")) };
        await Measure("200 resources", large, "env/prod", largeEdit);
    }

    private async Task Measure(string name, IManifestFiles files, string overlay, Dictionary<string, byte[]?> edits)
    {
        var renderer = new ManifestRenderer();
        var analysis = new List<double>();
        var single = new List<double>();
        var tool = new List<double>();
        var pair = new List<double>();
        var diff = new List<double>();
        for (var i = 0; i < Runs; i++)
        {
            var clock = Stopwatch.StartNew();
            new KustomizeAnalyzer(files).Analyze(overlay);
            analysis.Add(clock.Elapsed.TotalMilliseconds);

            clock.Restart();
            var one = await renderer.RenderKustomizeAsync(files, overlay);
            single.Add(clock.Elapsed.TotalMilliseconds);
            tool.Add(one.Elapsed.TotalMilliseconds);
            Assert.True(one.Succeeded, one.FailureMessage);

            clock.Restart();
            var both = await renderer.RenderKustomizeEditAsync(files, edits, overlay);
            pair.Add(clock.Elapsed.TotalMilliseconds);

            clock.Restart();
            ManifestDiff.Compare(both.Before.Output, both.After.Output).ToMarkdown(65_536);
            diff.Add(clock.Elapsed.TotalMilliseconds);
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name}: static analysis {Median(analysis):0.0} ms; one render {Median(single):0} ms (tool {Median(tool):0} ms); before+after in parallel {Median(pair):0} ms; diff+markdown {Median(diff):0.0} ms (medians of {Runs}, load {File.ReadAllText("/proc/loadavg").Split(' ')[0]})"));
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
}
