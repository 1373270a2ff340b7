using System.Text;
using GitOpsDeploy.Manifests.Diff;
using GitOpsDeploy.Manifests.Files;
using GitOpsDeploy.Manifests.Kustomize;
using GitOpsDeploy.Manifests.Render;

namespace GitOpsDeploy.Manifests.Tests;

/// <summary>
/// The static analysis checked against the real kustomize (kubectl's built-in) on every golden
/// repository: the containers and their images must be exactly what kustomize renders, before and
/// after the case's edit; the renderer's materialised copy must render the same as the repository
/// itself; and the per-resource diff must equal GNU diff of the real renders split by resource.
/// </summary>
[Trait("Tier", "Adapter")]
public sealed class DifferentialTests
{
    [SkippableTheory]
    [MemberData(nameof(GoldenCase.Renderable), MemberType = typeof(GoldenCase))]
    public async Task Static_containers_equal_what_kustomize_renders(string name)
    {
        ExternalTools.RequireKubectl();
        var golden = GoldenCase.Load(name);
        var real = ExternalTools.Run(ExternalTools.Kubectl!, golden.RepositoryPath, "kustomize", golden.Overlay);
        KustomizeAnalysis analysis;
        try
        {
            analysis = new KustomizeAnalyzer(golden.Files).Analyze(golden.Overlay);
        }
        catch (ManifestException e)
        {
            Assert.True(real.ExitCode != 0, $"the static analysis refused ({e.Message}) but kustomize built it");
            var refused = await new ManifestRenderer().RenderKustomizeAsync(golden.Files, golden.Overlay);
            Assert.False(refused.Succeeded);
            Assert.StartsWith("this change does not build", refused.FailureMessage, StringComparison.Ordinal);
            return;
        }

        Assert.True(real.ExitCode == 0, real.Stderr);
        Assert.Equal(Containers(real.Stdout), Describe(analysis.Containers));
        Assert.Equal(
            RenderedResource.Split(real.Stdout).SelectMany(r => r.Node is null ? [] : WorkloadKinds.Containers(r.Node)).Select(c => c.Image).OfType<string>().ToHashSet(),
            analysis.Images.ToHashSet());

        var rendered = await new ManifestRenderer().RenderKustomizeAsync(golden.Files, golden.Overlay);
        Assert.True(rendered.Succeeded, rendered.FailureMessage);
        Assert.Equal(real.Stdout, rendered.Output);
    }

    [SkippableTheory]
    [MemberData(nameof(GoldenCase.RenderableWithEdit), MemberType = typeof(GoldenCase))]
    public async Task The_predicted_edit_and_the_per_resource_diff_match_the_real_renders(string name)
    {
        ExternalTools.RequireKubectl();
        ExternalTools.RequireDiff();
        var golden = GoldenCase.Load(name);
        var copy = ExternalTools.CopyToTemp(golden.RepositoryPath);
        try
        {
            var kustomization = Path.Combine(copy, golden.Overlay, "kustomization.yaml");
            var edited = golden.EditedKustomization(File.ReadAllText(kustomization));
            File.WriteAllText(kustomization, edited);
            var before = ExternalTools.Run(ExternalTools.Kubectl!, golden.RepositoryPath, "kustomize", golden.Overlay);
            var after = ExternalTools.Run(ExternalTools.Kubectl!, copy, "kustomize", golden.Overlay);
            Assert.True(after.ExitCode == 0, after.Stderr);

            // The prediction: containers after the edit, and exactly the changes the renders show.
            var impact = new KustomizeAnalyzer(golden.Files).PredictImageEdit(golden.Overlay, golden.EditName!, golden.After);
            Assert.Equal(Containers(after.Stdout), Describe(new KustomizeAnalyzer(new DirectoryManifestFiles(copy)).Analyze(golden.Overlay).Containers));
            var diff = ManifestDiff.Compare(before.Stdout, after.Stdout);
            Assert.Equal(diff.WorkloadImageChanges().Select(c => c.ToString()).Order(StringComparer.Ordinal), impact.Changes.Select(c => c.ToString()).Order(StringComparer.Ordinal));

            // The renderer's before/after (materialised, edit applied through EditedManifestFiles) gives the same renders.
            var edits = new Dictionary<string, byte[]?> { [$"{golden.Overlay}/kustomization.yaml"] = Encoding.UTF8.GetBytes(edited) };
            var pair = await new ManifestRenderer().RenderKustomizeEditAsync(golden.Files, edits, golden.Overlay);
            Assert.Equal(before.Stdout, pair.Before.Output);
            Assert.Equal(after.Stdout, pair.After.Output);

            AssertDiffEqualsGnuDiff(before.Stdout, after.Stdout);
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    /// <summary>Each changed resource's diff is byte for byte what GNU diff -U3 says of the two resource texts.</summary>
    internal static void AssertDiffEqualsGnuDiff(string before, string after)
    {
        var diff = ManifestDiff.Compare(before, after);
        var oldResources = RenderedResource.Split(before).ToDictionary(r => r.Key);
        var newResources = RenderedResource.Split(after).ToDictionary(r => r.Key);
        var changedKeys = oldResources.Keys.Intersect(newResources.Keys).Where(k => oldResources[k].Text != newResources[k].Text).Order().ToList();
        Assert.Equal(changedKeys, diff.Changed.Select(c => c.Key).ToList());
        Assert.Equal(newResources.Keys.Except(oldResources.Keys).Order().ToList(), diff.Added.Select(c => c.Key).ToList());
        Assert.Equal(oldResources.Keys.Except(newResources.Keys).Order().ToList(), diff.Removed.Select(c => c.Key).ToList());
        var dir = Directory.CreateTempSubdirectory("gnu-diff-").FullName;
        try
        {
            foreach (var change in diff.Changed.Where(c => c.Key.Kind != "Secret"))
            {
                File.WriteAllText(Path.Combine(dir, "a"), change.Before!.Text);
                File.WriteAllText(Path.Combine(dir, "b"), change.After!.Text);
                var file = ManifestDiff.FileName(change.Key);
                var gnu = ExternalTools.Run(ExternalTools.Diff!, dir, "-U3", "--label", "a/" + file, "--label", "b/" + file, "a", "b");
                Assert.Equal(1, gnu.ExitCode);
                Assert.Equal(gnu.Stdout, change.Diff);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static List<string> Containers(string rendered) =>
        RenderedResource.Split(rendered)
            .Where(r => r.Node is not null)
            .SelectMany(r => WorkloadKinds.Containers(r.Node!).Select(c => $"{r.Key.Kind} {r.Key.Namespace}/{r.Key.Name} {(c.IsInit ? "init " : string.Empty)}{c.Name}={c.Image}"))
            .Order(StringComparer.Ordinal)
            .ToList();

    private static List<string> Describe(IReadOnlyList<WorkloadContainer> containers) =>
        containers.Select(c => $"{c.Workload.Kind} {c.Workload.Namespace}/{c.Workload.Name} {(c.IsInit ? "init " : string.Empty)}{c.Container}={c.Image}")
            .Order(StringComparer.Ordinal)
            .ToList();
}
