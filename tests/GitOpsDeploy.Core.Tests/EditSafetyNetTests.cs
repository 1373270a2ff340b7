using System.Text;
using GitOpsDeploy.Editing;
using GitOpsDeploy.Editing.Images;
using GitOpsDeploy.Editing.Overlay;
using GitOpsDeploy.Editing.Yaml;

namespace GitOpsDeploy.Core.Tests;

/// <summary>
/// The editors' safety nets, each fed the case it exists for: a sibling folder that shares a prefix, an edit
/// that changed more than intended, anchored nodes, a numeric tag whose text already matches, an oversized
/// file, list and document indexes that do not exist.
/// </summary>
[Trait("Tier", "Unit")]
public sealed class EditSafetyNetTests
{
    private static YamlText Yaml(string text) => YamlText.Parse("values.yaml", text);

    private static string Kustomize(string text, string images) =>
        KustomizationImageEditor.Apply(YamlText.Parse("kustomization.yaml", text), ImageSpec.ParseList(images)).Text;

    private static string Set(string text, string setting) =>
        YamlValueEditor.Apply(Yaml(text), [ValueSetting.Parse("values.yaml:" + setting)]).Text;

    private static string Helm(string text, string image, string path = "image") =>
        HelmImageEditor.Apply(Yaml(text), [(ImageSpec.Parse(image), new HelmImageKey("values.yaml", ValueSetting.ParsePath(path, path, "helm-image-keys")))]).Text;

    // RepoPath.IsInside: a folder's sibling that shares its name as a prefix is not inside it.
    [Theory]
    [InlineData("environments/prod", "environments/prod/values.yaml", true)]
    [InlineData("environments/prod", "environments/prod/sub/values.yaml", true)]
    [InlineData("environments/prod", "environments/prod-eu/values.yaml", false)]
    [InlineData("environments/prod", "environments/prodvalues.yaml", false)]
    [InlineData("environments/prod", "environments/prod", false)]
    [InlineData("", "anything/at/all.yaml", true)]
    public void A_path_is_inside_a_folder_only_below_its_slash(string directory, string path, bool inside) =>
        Assert.Equal(inside, RepoPath.IsInside(directory, path));

    [Fact]
    public void A_set_into_a_sibling_overlay_that_shares_the_prefix_is_refused()
    {
        var tree = new RepoPathTests.InMemoryTree(new Dictionary<string, string>
        {
            ["environments/prod/values.yaml"] = "replicas: 1\n",
            ["environments/prod-eu/values.yaml"] = "replicas: 1\n",
        });

        var error = Assert.Throws<DeployException>(() =>
            OverlayEditor.Plan(tree, "environments/prod", [], ValueSetting.ParseList("../prod-eu/values.yaml:replicas=9")));

        Assert.Contains("resolves to 'environments/prod-eu/values.yaml', outside the overlay 'environments/prod'", error.Message, StringComparison.Ordinal);
    }

    // The re-parse check: an edited text that means anything else than expected is never written.
    [Theory]
    [InlineData("image:\n  tag: \"2\"\nreplicas: 1\n", "image:\n  tag: \"2\"\nreplicas: 2\n")] // another value moved
    [InlineData("image:\n  tag: \"2\"\nreplicas: 1\n", "image:\n  tag: \"2\"\n")] // a key went away
    [InlineData("image:\n  tag: \"2\"\nreplicas: 1\n", "image:\n  tag: \"2\"\nreplicas: 1\nextra: 1\n")] // a key came
    [InlineData("image:\n  tag: \"2\"\nreplicas: 1\n", "image:\n  tag: 2\nreplicas: 1\n")] // same text, a number now
    [InlineData("list: [a, b]\n", "list: [a, c]\n")] // a list item moved
    [InlineData("list: [a, b]\n", "list: [a]\n")] // a list item went away
    [InlineData("list: [a, b]\n", "list: [a, b, c]\n")] // a list item came
    [InlineData("a: 1\n", "b: 1\n")] // same value under another key
    public void The_re_parse_check_refuses_an_edit_that_changed_more_than_intended(string intended, string edited)
    {
        var original = Yaml(intended);
        var expected = SemanticTree.From(original.Root);

        var error = Assert.Throws<InvalidOperationException>(() => KustomizationImageEditor.Verify(original, edited, expected));
        Assert.Contains("changed more than intended; nothing was written", error.Message, StringComparison.Ordinal);

        var several = Assert.Throws<InvalidOperationException>(() =>
            KustomizationImageEditor.VerifyDocuments(Yaml("x: 1\n---\n" + intended), "x: 1\n---\n" + edited, [SemanticTree.From(Yaml("x: 1\n").Root), expected]));
        Assert.Contains("changed more than intended", several.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_re_parse_check_passes_a_change_of_layout_only_and_refuses_a_lost_document()
    {
        var original = Yaml("image:\n  tag: \"2\"\nlist: [a, b]\n");
        var expected = SemanticTree.From(original.Root);

        KustomizationImageEditor.Verify(original, "# moved\nimage: {tag: '2'}\nlist:\n- a\n- b\n", expected);
        Assert.True(SemanticTree.SameMeaning(expected, SemanticTree.From(Yaml("list: [a, b]\nimage:\n  tag: '2'\n").Root)));

        var two = Yaml("a: 1\n---\nb: 2\n");
        var lost = Assert.Throws<InvalidOperationException>(() =>
            KustomizationImageEditor.VerifyDocuments(two, "a: 1\n", [.. two.Documents.Select(SemanticTree.From)]));
        Assert.Contains("changed more than intended", lost.Message, StringComparison.Ordinal);
        var broken = Assert.Throws<InvalidOperationException>(() => KustomizationImageEditor.Verify(original, "image: [\n", expected));
        Assert.Contains("produced invalid YAML", broken.Message, StringComparison.Ordinal);
    }

    // Anchors: an anchored node is shared by its aliases, so editing it would change them too.
    [Theory]
    [InlineData("images:\n- &web\n  name: web\n  newTag: \"1\"\n", "web:2")] // replace a field
    [InlineData("images:\n- &web\n  name: web\n  newTag: \"1\"\n", "web@" + Digest)] // remove newTag
    [InlineData("images:\n- &web\n  name: web\n  newTag: \"1\"\n  digest: " + Digest + "\n", "web:1")] // remove the digest only
    [InlineData("images:\n- &web\n  name: web\n", "web:2")] // insert a field
    [InlineData("images: &list\n- name: web\n  newTag: \"1\"\n", "api:2")] // append to the list
    public void The_kustomize_editor_refuses_anchored_entries_and_lists(string kustomization, string image)
    {
        var error = Assert.Throws<DeployException>(() => Kustomize(kustomization, image));

        Assert.Contains("cannot edit the anchored node &", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("image: &img\n  repository: ghcr.io/acme/web\n  tag: \"1\"\nother: *img\n", "web:2", "image", "&img")] // the image mapping
    [InlineData("image: &ref ghcr.io/acme/web:1\n", "web:2", "image", "&ref")] // an image reference string
    [InlineData("frontend: &fe\n  replicas: 1\n", "web:2", "frontend.image", "&fe")] // a parent a new key would go into
    [InlineData("root: &r\n  frontend:\n    replicas: 1\n", "web:2", "root.frontend.image", "&r")] // an anchored node above that parent
    public void The_helm_editor_refuses_anchored_images_and_parents(string values, string image, string path, string anchor)
    {
        var error = Assert.Throws<DeployException>(() => Helm(values, image, path));

        Assert.Contains($"cannot edit the anchored node {anchor}", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a: &x 1\nb: *x\n", "a=2", "cannot edit the anchored node &x")] // an anchored scalar
    [InlineData("a: &x\nb: *x\n", "a=2", "cannot edit the anchored node &x")] // an anchored empty value
    [InlineData("a: &x\n  k: 1\nb: *x\n", "a.k=2", "cannot edit the anchored node &x")] // inside an anchored mapping
    [InlineData("a: &x\n  k: 1\n", "a=2", "cannot edit the anchored node &x")] // an anchored mapping as the value
    [InlineData("a: &x [1, 2]\n", "a[0]=3", "cannot edit the anchored node &x")] // inside an anchored sequence
    [InlineData("a: &x\n  k: 1\nb: *x\n", "b.k=2", "cannot edit through the alias *x")] // through an alias
    public void Set_refuses_anchored_nodes_and_aliases(string values, string setting, string message)
    {
        var error = Assert.Throws<DeployException>(() => Set(values, setting));

        Assert.Equal(ErrorKind.InvalidFile, error.Kind);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Anchors_are_read_on_scalars_sequences_and_mappings()
    {
        var root = Assert.IsType<YamlMapping>(Yaml("s: &scalar 1\nq: &seq [1]\nm: &map {k: 1}\nplain: 1\n").Root);

        Assert.Equal("scalar", root.Find("s")!.Value.Value.Anchor);
        Assert.Equal("seq", root.Find("q")!.Value.Value.Anchor);
        Assert.Equal("map", root.Find("m")!.Value.Value.Anchor);
        Assert.Null(root.Find("plain")!.Value.Value.Anchor);
    }

    // kustomize reads newTag: 1.10 as the number 1.1: the same text must still be quoted.
    [Theory]
    [InlineData("1.10")]
    [InlineData("2")]
    [InlineData("true")]
    public void A_tag_that_reads_as_another_type_is_quoted_even_when_its_text_is_unchanged(string tag)
    {
        var edited = Kustomize($"images:\n- name: web\n  newTag: {tag}\n", "web:" + tag);

        Assert.Equal($"images:\n- name: web\n  newTag: \"{tag}\"\n", edited);
    }

    [Fact]
    public void A_tag_that_already_is_a_string_is_left_alone() =>
        Assert.Equal("images:\n- name: web\n  newTag: \"1.10\"\n", Kustomize("images:\n- name: web\n  newTag: \"1.10\"\n", "web:1.10"));

    [Fact]
    public void Files_over_one_mebibyte_are_refused_and_one_of_exactly_that_size_is_read()
    {
        static byte[] Of(int size) => Encoding.UTF8.GetBytes("a: 1\n#" + new string('x', size - 7) + "\n");

        Assert.Equal(YamlText.MaxBytes, Of(YamlText.MaxBytes).Length);
        Assert.IsType<YamlMapping>(YamlText.Load("values.yaml", Of(YamlText.MaxBytes)).Root);
        var error = Assert.Throws<DeployException>(() => YamlText.Load("values.yaml", Of(YamlText.MaxBytes + 1)));
        Assert.Equal(ErrorKind.InvalidFile, error.Kind);
        Assert.Contains("(1 MiB) are refused", error.Message, StringComparison.Ordinal);
        Assert.Equal(1024 * 1024, YamlText.MaxBytes);
    }

    // Indexes that do not exist name the input (or the file) instead of crashing.
    [Theory]
    [InlineData("list: [a, b]\n", "values.yaml:list[-1]=c", "input 'set':", "bad index")]
    [InlineData("list: [a, b]\n", "values.yaml:list[x]=c", "input 'set':", "bad index")]
    [InlineData("list: [a, b]\n", "values.yaml:list[2]=c", "values.yaml:1:", "'list[2]' is past the end of a list of 2")]
    [InlineData("list: []\n", "values.yaml:list[0]=c", "values.yaml:1:", "'list[0]' is past the end of a list of 0")]
    [InlineData("a: 1\n---\nb: 2\n", "values.yaml#9:a=2", "input 'set':", "holds 2 document(s); #9 is past the end")]
    [InlineData("a: 1\n---\nb: 2\n", "values.yaml#2:a=2", "input 'set':", "#2 is past the end")]
    [InlineData("a: 1\n---\nb: 2\n", "values.yaml#-1:a=2", "input 'set':", "no document of values.yaml is -1")]
    public void Bad_list_and_document_indexes_name_the_input(string values, string setting, string where, string message)
    {
        var error = Assert.Throws<DeployException>(() => YamlValueEditor.Apply(Yaml(values), [ValueSetting.Parse(setting)]));

        Assert.Contains(where, error.Describe(), StringComparison.Ordinal);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_last_document_by_index_is_still_found() =>
        Assert.Equal("a: 1\n---\nb: 3\n", YamlValueEditor.Apply(Yaml("a: 1\n---\nb: 2\n"), [ValueSetting.Parse("values.yaml#1:b=3")]).Text);

    private const string Digest = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
}
