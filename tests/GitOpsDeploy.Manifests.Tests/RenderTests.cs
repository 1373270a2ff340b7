using System.Diagnostics;
using System.Globalization;
using System.Text;
using GitOpsDeploy.Manifests.Diff;
using GitOpsDeploy.Manifests.Files;
using GitOpsDeploy.Manifests.Images;
using GitOpsDeploy.Manifests.Kustomize;
using GitOpsDeploy.Manifests.Render;
using Xunit.Abstractions;

namespace GitOpsDeploy.Manifests.Tests;

/// <summary>Rendering with the real kustomize: failures said in its words, timeouts, cancellation, a 200-resource overlay.</summary>
[Trait("Tier", "Adapter")]
public sealed class RenderTests(ITestOutputHelper output)
{
    [SkippableFact]
    public async Task A_change_kustomize_refuses_does_not_build_and_says_why_with_repository_paths()
    {
        ExternalTools.RequireKubectl();
        var files = new InMemoryManifestFiles()
            .Add("o/kustomization.yaml", "resources: [pod.yaml]\npatches:\n  - path: patch.yaml\n")
            .Add("o/pod.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: app\nspec:\n  containers: [{name: app, image: app}]\n")
            .Add("o/patch.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: missing\nspec:\n  containers: [{name: app, image: other}]\n");

        var result = await new ManifestRenderer().RenderKustomizeAsync(files, "o");

        Assert.False(result.Succeeded);
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("this change does not build: `kubectl kustomize o` failed (exit 1):\n", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("no resource matches strategic merge patch", result.FailureMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("gitops-render-", result.FailureMessage, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task What_the_static_analysis_already_refuses_is_said_without_running_the_tool()
    {
        ExternalTools.RequireKubectl();
        var files = new InMemoryManifestFiles().Add("o/kustomization.yaml", "resources: [../../x]\n");

        var result = await new ManifestRenderer().RenderKustomizeAsync(files, "o");

        Assert.False(result.Succeeded);
        Assert.Equal("this change does not build: `kubectl kustomize o` could not run:\no/kustomization.yaml: '../../x' (from 'o') points outside the repository: refused", result.FailureMessage);
    }

    [Fact]
    public async Task A_render_past_its_timeout_is_killed_and_reported()
    {
        var tool = SleepingTool();
        try
        {
            var renderer = new ManifestRenderer(new RenderOptions(TimeSpan.FromMilliseconds(500), new RenderTools(tool, null, tool)));
            var clock = Stopwatch.StartNew();

            var result = await renderer.RenderKustomizeAsync(new InMemoryManifestFiles().Add("o/kustomization.yaml", "{}\n"), "o");

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), clock.Elapsed.ToString());
            Assert.True(result.TimedOut);
            Assert.Contains("did not finish within the timeout", result.FailureMessage, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(tool);
        }
    }

    [Fact]
    public async Task A_cancelled_render_is_killed_and_throws()
    {
        var tool = SleepingTool();
        try
        {
            var renderer = new ManifestRenderer(new RenderOptions(TimeSpan.FromMinutes(5), new RenderTools(tool, null, tool)));
            using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
            var clock = Stopwatch.StartNew();

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => renderer.RenderKustomizeAsync(new InMemoryManifestFiles().Add("o/kustomization.yaml", "{}\n"), "o", cancel.Token));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), clock.Elapsed.ToString());
        }
        finally
        {
            File.Delete(tool);
        }
    }

    [SkippableFact]
    public async Task A_200_resource_overlay_renders_diffs_and_fits_the_budget_and_its_cost_is_measured()
    {
        ExternalTools.RequireKubectl();
        var files = LargeOverlay.Create(200);
        var edits = new Dictionary<string, byte[]?> { ["env/prod/kustomization.yaml"] = Encoding.UTF8.GetBytes(LargeOverlay.Kustomization("1.1.0")) };
        var renderer = new ManifestRenderer();

        var clock = Stopwatch.StartNew();
        var pair = await renderer.RenderKustomizeEditAsync(files, edits, "env/prod");
        var renderTime = clock.Elapsed;
        clock.Restart();
        var diff = ManifestDiff.Compare(pair.Before.Output, pair.After.Output);
        var markdown = diff.ToMarkdown(20_000);
        var diffTime = clock.Elapsed;

        Assert.True(pair.After.Succeeded, pair.After.FailureMessage);
        Assert.Equal(200, diff.Total);
        Assert.Equal(100, diff.Changed.Count());
        Assert.Equal(100, diff.WorkloadImageChanges().Count);
        Assert.True(markdown.Length <= 20_000, markdown.Length.ToString(CultureInfo.InvariantCulture));
        var shown = markdown.Split("\n#### ").Length - 1;
        Assert.InRange(shown, 1, 99);
        Assert.Contains($"_{100 - shown} more changed resources not shown", markdown, StringComparison.Ordinal);

        var impact = new KustomizeAnalyzer(files).PredictImageEdit("env/prod", "ghcr.io/acme/platform", new KustomizeImage("ghcr.io/acme/platform", NewTag: "1.1.0"));
        Assert.Equal(diff.WorkloadImageChanges().Select(c => c.ToString()).Order(StringComparer.Ordinal), impact.Changes.Select(c => c.ToString()).Order(StringComparer.Ordinal));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"200 resources: before+after render {renderTime.TotalMilliseconds:0} ms (each {pair.Before.Elapsed.TotalMilliseconds:0}/{pair.After.Elapsed.TotalMilliseconds:0} ms in kubectl), diff+markdown {diffTime.TotalMilliseconds:0} ms"));
    }

    /// <summary>A stand-in for kubectl that never finishes.</summary>
    private static string SleepingTool()
    {
        var path = Path.Combine(Path.GetTempPath(), $"sleeping-tool-{Guid.NewGuid():N}");
        File.WriteAllText(path, "#!/bin/sh\nsleep 60\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }
}

/// <summary>A kustomize binary is driven as <c>kustomize build DIR</c>.</summary>
[Trait("Tier", "Adapter")]
public sealed class KustomizeBinaryTests
{
    [SkippableFact]
    public async Task A_kustomize_binary_is_run_as_kustomize_build()
    {
        ExternalTools.RequireKubectl();
        var wrapper = Path.Combine(Path.GetTempPath(), $"kustomize-{Guid.NewGuid():N}");
        File.WriteAllText(wrapper, $"#!/bin/sh\n[ \"$1\" = build ] || exit 9\nexec {ExternalTools.Kubectl} kustomize \"$2\"\n");
        File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        try
        {
            var golden = GoldenCase.Load("02-components");
            var renderer = new ManifestRenderer(new RenderOptions(Tools: new RenderTools(ExternalTools.Kubectl, wrapper, null), PreferKustomizeBinary: true));

            var result = await renderer.RenderKustomizeAsync(golden.Files, golden.Overlay);

            Assert.True(result.Succeeded, result.FailureMessage);
            Assert.Equal("kustomize build overlays/staging", result.Command);
            Assert.Contains("image: ghcr.io/acme/api:1.1.0", result.Output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(wrapper);
        }
    }
}
