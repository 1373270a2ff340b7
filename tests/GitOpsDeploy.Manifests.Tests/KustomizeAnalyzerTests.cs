using GitOpsDeploy.Manifests.Files;
using GitOpsDeploy.Manifests.Images;
using GitOpsDeploy.Manifests.Kustomize;

namespace GitOpsDeploy.Manifests.Tests;

/// <summary>What the static analysis refuses, as kustomize does, and the edges of an image edit.</summary>
[Trait("Tier", "Unit")]
public sealed class KustomizeAnalyzerTests
{
    private const string Pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: app\nspec:\n  containers:\n    - name: app\n      image: app:1.0\n";

    private static ManifestException Refused(InMemoryManifestFiles files, string overlay = "o") =>
        Assert.Throws<ManifestException>(() => new KustomizeAnalyzer(files).Analyze(overlay));

    [Fact]
    public void A_cycle_is_refused()
    {
        var e = Refused(new InMemoryManifestFiles().Add("o/kustomization.yaml", "resources: [../b]\n").Add("b/kustomization.yaml", "resources: [../o]\n"));

        Assert.Contains("cycle (o -> b -> o)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_resource_file_outside_the_kustomization_folder_is_refused_as_kustomize_s_load_restrictor_does()
    {
        var e = Refused(new InMemoryManifestFiles().Add("o/kustomization.yaml", "resources: [../shared/pod.yaml]\n").Add("shared/pod.yaml", Pod));

        Assert.Contains("outside the kustomization's folder", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_absolute_path_and_a_climb_above_the_root_are_refused()
    {
        Assert.Contains("absolute path", Refused(new InMemoryManifestFiles().Add("o/kustomization.yaml", "resources: [/etc/passwd]\n")).Message, StringComparison.Ordinal);
        Assert.Contains("points outside the repository", Refused(new InMemoryManifestFiles().Add("o/kustomization.yaml", "components: [../../x]\n")).Message, StringComparison.Ordinal);
        Assert.Contains("points outside the repository", Assert.Throws<ManifestException>(() => new KustomizeAnalyzer(new InMemoryManifestFiles()).Analyze("../x")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Kinds_listed_in_the_wrong_field_unknown_fields_and_duplicates_are_refused()
    {
        var component = "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n";
        Assert.Contains("list it under 'components'", Refused(new InMemoryManifestFiles().Add("o/kustomization.yaml", "resources: [../c]\n").Add("c/kustomization.yaml", component)).Message, StringComparison.Ordinal);
        Assert.Contains("not a kind: Component", Refused(new InMemoryManifestFiles().Add("o/kustomization.yaml", "components: [../c]\n").Add("c/kustomization.yaml", "resources: []\n")).Message, StringComparison.Ordinal);
        Assert.Contains("unknown field 'image'", Refused(new InMemoryManifestFiles().Add("o/kustomization.yaml", "image: [{name: a}]\n")).Message, StringComparison.Ordinal);
        Assert.Contains("defined twice", Refused(new InMemoryManifestFiles().Add("o/kustomization.yaml", "resources: [a.yaml, b.yaml]\n").Add("o/a.yaml", Pod).Add("o/b.yaml", Pod)).Message, StringComparison.Ordinal);
        Assert.Contains("several kustomization files", Refused(new InMemoryManifestFiles().Add("o/kustomization.yaml", "{}\n").Add("o/Kustomization", "{}\n")).Message, StringComparison.Ordinal);
        Assert.Contains("has no kustomization", Refused(new InMemoryManifestFiles().Add("o/values.yaml", "{}\n")).Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", Refused(new InMemoryManifestFiles().Add("o/kustomization.yaml", "resources: [missing.yaml]\n")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_yaml_names_the_file()
    {
        var e = Refused(new InMemoryManifestFiles().Add("o/kustomization.yaml", "resources: [pod.yaml]\n").Add("o/pod.yaml", "kind: Pod\n  bad: [\n"));

        Assert.Equal("o/pod.yaml", e.Path);
    }

    [Fact]
    public void A_list_kind_is_expanded_and_remote_components_are_noted()
    {
        var list = "apiVersion: v1\nkind: List\nitems:\n  - " + Pod.Replace("\n", "\n    ", StringComparison.Ordinal).TrimEnd() + "\n";
        var analysis = new KustomizeAnalyzer(new InMemoryManifestFiles()
            .Add("o/kustomization.yaml", "resources: [list.yaml]\ncomponents: [https://github.com/acme/c//x?ref=v1]\n")
            .Add("o/list.yaml", list)).Analyze("o");

        Assert.Equal("Pod app container app: app:1.0", Assert.Single(analysis.Containers).ToString());
        Assert.Equal(NoteKind.NotFollowed, Assert.Single(analysis.Notes).Kind);
    }

    [Fact]
    public void Removing_the_overlay_s_entry_restores_what_the_bases_set()
    {
        var files = new InMemoryManifestFiles()
            .Add("b/kustomization.yaml", "resources: [pod.yaml]\nimages: [{name: app, newTag: '1.1'}]\n").Add("b/pod.yaml", Pod)
            .Add("o/kustomization.yaml", "resources: [../b]\nimages: [{name: app, newTag: '2.0'}]\n");

        var impact = new KustomizeAnalyzer(files).PredictImageEdit("o", "app", after: null);

        Assert.True(impact.Matched);
        Assert.Equal(new KustomizeImage("app", NewTag: "2.0"), impact.Before);
        Assert.Equal("Pod app container app: app:2.0 -> app:1.1", Assert.Single(impact.Changes).ToString());
    }

    [Fact]
    public void An_entry_that_matches_but_changes_nothing_is_matched_with_no_changes()
    {
        var files = new InMemoryManifestFiles().Add("o/kustomization.yaml", "resources: [pod.yaml]\n").Add("o/pod.yaml", Pod);

        var impact = new KustomizeAnalyzer(files).PredictImageEdit("o", "app", new KustomizeImage("app", NewTag: "1.0"));

        Assert.True(impact.Matched);
        Assert.Empty(impact.Changes);
        Assert.Equal("image 'app' matches, but the rendered images stay the same", impact.Summary());
    }

    [Fact]
    public void The_suggestion_is_the_closest_name_by_edit_distance()
    {
        Assert.Equal("web", KustomizeAnalyzer.Closest("wbe", ["ghcr.io/acme/web", "web", "worker"]));
        Assert.Equal("ghcr.io/acme/web", KustomizeAnalyzer.Closest("acme/web", ["ghcr.io/acme/web", "nginx"]));
        Assert.Null(KustomizeAnalyzer.Closest("web", []));
        Assert.Equal(3, KustomizeAnalyzer.Distance("kitten", "sitting"));
    }
}

[Trait("Tier", "Unit")]
public sealed class ManifestFilesTests
{
    [Fact]
    public void Paths_are_normalised_and_never_climb_above_the_root()
    {
        Assert.Equal("a/c", ManifestPath.Join("a/b", "../c"));
        Assert.Equal("a/b/c", ManifestPath.Join("a", "./b//c/"));
        Assert.Equal(string.Empty, ManifestPath.Join("a", ".."));
        Assert.Throws<ManifestException>(() => ManifestPath.Join("a", "../.."));
        Assert.Throws<ManifestException>(() => ManifestPath.Join("a", "/etc"));
        Assert.Throws<ManifestException>(() => ManifestPath.Join("a", "C:\\x"));
    }

    [Fact]
    public void An_edit_replaces_adds_and_removes_files_over_the_original()
    {
        var original = new InMemoryManifestFiles().Add("o/a.yaml", "a").Add("o/b.yaml", "b");
        var edited = new EditedManifestFiles(original, new Dictionary<string, byte[]?>
        {
            ["o/a.yaml"] = "A"u8.ToArray(),
            ["o/b.yaml"] = null,
            ["o/new/c.yaml"] = "c"u8.ToArray(),
        });

        Assert.Equal("A"u8.ToArray(), edited.Read("o/a.yaml"));
        Assert.False(edited.IsFile("o/b.yaml"));
        Assert.True(edited.IsDirectory("o/new"));
        Assert.Equal(["a.yaml", "new"], edited.List("o"));
        Assert.Equal("a"u8.ToArray(), original.Read("o/a.yaml"));
    }

    [Fact]
    public void A_folder_on_disk_does_not_follow_a_symlink_out_of_the_root()
    {
        var root = Directory.CreateTempSubdirectory("manifest-files-").FullName;
        var outside = Directory.CreateTempSubdirectory("manifest-outside-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(outside, "secret.yaml"), "x");
            Directory.CreateDirectory(Path.Combine(root, "o"));
            File.WriteAllText(Path.Combine(root, "o", "real.yaml"), "r");
            File.CreateSymbolicLink(Path.Combine(root, "o", "inside.yaml"), "real.yaml");
            File.CreateSymbolicLink(Path.Combine(root, "o", "escape.yaml"), Path.Combine(outside, "secret.yaml"));
            Directory.CreateSymbolicLink(Path.Combine(root, "o", "dir"), outside);
            var files = new DirectoryManifestFiles(root);

            Assert.Equal("r"u8.ToArray(), files.Read("o/inside.yaml"));
            Assert.False(files.IsFile("o/escape.yaml"));
            Assert.False(files.IsDirectory("o/dir"));
            Assert.False(files.IsFile("o/dir/secret.yaml"));
            Assert.Throws<FileNotFoundException>(() => files.Read("o/escape.yaml"));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
            Directory.Delete(outside, recursive: true);
        }
    }

    [Theory]
    [InlineData("github.com/acme/gitops//base?ref=v1", true)]
    [InlineData("ghes.example.com/acme/gitops//base", true)]
    [InlineData("https://ghes.example.com/acme/gitops.git", true)]
    [InlineData("git@ghes.example.com:acme/gitops.git", true)]
    [InlineData("../base", false)]
    [InlineData("base/deployment.yaml", false)]
    [InlineData("config.d/web", false)]
    [InlineData("deployment.yaml", false)]
    public void A_reference_on_any_host_is_remote_and_a_local_path_is_not(string reference, bool remote) =>
        Assert.Equal(remote, KustomizeAnalyzer.IsRemote(reference));
}
