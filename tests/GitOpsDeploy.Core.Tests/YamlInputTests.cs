using GitOpsDeploy.Editing;
using GitOpsDeploy.Editing.Yaml;

namespace GitOpsDeploy.Core.Tests;

/// <summary>
/// What the editors read before they edit: a <c>set</c> line (file, document selector, key path with escapes, list
/// indexes and item matches, the value) and a file's bytes (UTF-8 with or without a byte-order mark, nesting depth,
/// tags that decide a scalar's type, YAML errors in our words). Each refusal names the input or the file.
/// </summary>
[Trait("Tier", "Unit")]
public sealed class YamlInputTests
{
    [Theory]
    [InlineData("values.yaml:image.tag=1.4.2", "values.yaml", null, "image.tag", "1.4.2")]
    [InlineData("  values.yaml:image.tag=1.4.2  ", "values.yaml", null, "image.tag", "1.4.2")]
    [InlineData("values.yaml:a.b=x=y", "values.yaml", null, "a.b", "x=y")]
    [InlineData("values.yaml:a.b=", "values.yaml", null, "a.b", "")]
    [InlineData("app.yaml:spec.params[name=image.tag].value=3", "app.yaml", null, "spec.params[name=image.tag].value", "3")]
    [InlineData("values.yaml:weird]key=1", "values.yaml", null, "weird]key", "1")]
    [InlineData("values.yaml:a[0].b=1", "values.yaml", null, "a[0].b", "1")]
    [InlineData("values.yaml:a[0][12]=1", "values.yaml", null, "a[0][12]", "1")]
    [InlineData("values.yaml:metadata.annotations.example\\.com/team=web", "values.yaml", null, "metadata.annotations.example\\.com/team", "web")]
    [InlineData("values.yaml:a\\=1", "values.yaml", null, "a\\", "1")]
    [InlineData("all.yaml#Deployment/web:spec.replicas=3", "all.yaml", "Deployment/web", "spec.replicas", "3")]
    [InlineData("all.yaml#0:a=1", "all.yaml", "0", "a", "1")]
    public void A_set_line_names_its_file_document_path_and_value(string line, string file, string? document, string path, string value)
    {
        var setting = ValueSetting.Parse(line);

        Assert.Equal((file, document, path, value), (setting.File, setting.Document, setting.PathText, setting.Value));
    }

    [Fact]
    public void A_path_keeps_its_parts_apart_an_escaped_dot_inside_a_key_and_an_item_match_as_one_part()
    {
        Assert.Equal(["metadata", "annotations", "example.com/team"], ValueSetting.Parse("v.yaml:metadata.annotations.example\\.com/team=x").Path);
        Assert.Equal(["spec", "params", new ItemMatch("name", "image.tag"), "value"], ValueSetting.Parse("v.yaml:spec.params[name = image.tag].value=3").Path);
        Assert.Equal(["a", 0, "b"], ValueSetting.Parse("v.yaml:a.[0].b=1").Path);
    }

    [Theory]
    [InlineData("values.yaml=1", "is not FILE:KEY.PATH=VALUE")]
    [InlineData(":a=1", "is not FILE:KEY.PATH=VALUE")]
    [InlineData("values.yaml:a", "is not FILE:KEY.PATH=VALUE")]
    [InlineData("values.yaml:a[x=1", "is not FILE:KEY.PATH=VALUE")]
    [InlineData("values.yaml:a=1\rb", "spans lines")]
    [InlineData("values.yaml:a=1\nb", "spans lines")]
    [InlineData("#0:a=1", "names no file or no document")]
    [InlineData("values.yaml#:a=1", "names no file or no document")]
    [InlineData("values.yaml:a..b=1", "has an empty key in its path")]
    [InlineData("values.yaml:.a=1", "has an empty key in its path")]
    [InlineData("values.yaml:a[x]=1", "has a bad index")]
    [InlineData("values.yaml:a[-1]=1", "has a bad index")]
    [InlineData("values.yaml:a[=b]=1", "has a bad index")]
    [InlineData("values.yaml:a[b=]=1", "has a bad index")]
    [InlineData("values.yaml:a[]=1", "has a bad index")]
    [InlineData("values.yaml:a=x\u0085y", "control character U+0085")]
    public void A_bad_set_line_is_refused_naming_the_input(string line, string problem)
    {
        var error = Assert.Throws<DeployException>(() => ValueSetting.Parse(line, "set"));

        Assert.Equal(ErrorKind.InvalidInput, error.Kind);
        Assert.StartsWith("input 'set': ", error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_list_of_set_lines_skips_blank_lines_and_names_the_input_it_came_from()
    {
        Assert.Equal(["a", "b"], ValueSetting.ParseList("v.yaml:a=1\n\n  \nv.yaml:b=2\n").Select(s => s.PathText));
        Assert.Empty(ValueSetting.ParseList(null));
        Assert.StartsWith("input 'helm-values': ", Assert.Throws<DeployException>(() => ValueSetting.ParseList("v.yaml:a", "helm-values")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_byte_order_mark_is_read_and_kept_apart_from_the_text()
    {
        var withBom = YamlText.Load("values.yaml", [0xEF, 0xBB, 0xBF, .. "a: 1\n"u8.ToArray()]);
        var without = YamlText.Load("values.yaml", "a: 1\n"u8.ToArray());
        var onlyBom = YamlText.Load("values.yaml", [0xEF, 0xBB, 0xBF]);

        Assert.Equal(("a: 1\n", true), (withBom.Text, withBom.HasBom));
        Assert.Equal(("a: 1\n", false), (without.Text, without.HasBom));
        Assert.Equal((string.Empty, true), (onlyBom.Text, onlyBom.HasBom));
        Assert.Null(onlyBom.Root);
        Assert.Equal([0xEF, 0xBB, 0xBF, .. "a: 2\n"u8.ToArray()], YamlText.ToBytes("a: 2\n", withBom.HasBom));
    }

    [Theory]
    [InlineData(new byte[] { 0x61, 0x3A, 0x20, 0xFF, 0x0A })]
    [InlineData(new byte[] { 0xEF, 0xBB })]
    [InlineData(new byte[] { 0x61, 0x3A, 0x20, 0xC3 })]
    public void A_file_that_is_not_UTF8_is_refused_naming_it(byte[] bytes)
    {
        var error = Assert.Throws<DeployException>(() => YamlText.Load("environments/prod/values.yaml", bytes));

        Assert.Equal(ErrorKind.InvalidFile, error.Kind);
        Assert.Contains("not valid UTF-8", error.Message, StringComparison.Ordinal);
        Assert.Equal("environments/prod/values.yaml", error.Location?.File);
    }

    [Fact]
    public void Nesting_is_read_to_its_limit_and_refused_one_level_deeper_naming_the_line()
    {
        static string Nested(int depth) => "a: " + new string('[', depth - 1) + new string(']', depth - 1) + "\n";

        Assert.NotNull(YamlText.Parse("values.yaml", Nested(YamlText.MaxDepth)).Root);
        var error = Assert.Throws<DeployException>(() => YamlText.Parse("values.yaml", Nested(YamlText.MaxDepth + 1)));
        Assert.Contains($"more than {YamlText.MaxDepth} levels deep", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, error.Location?.Line);
    }

    [Theory]
    [InlineData("a: 1\nb: [1, 2\nc: 3\n", 2)]
    [InlineData("a: 1\nb: {c: 1\nd: 2\n", 2)]
    [InlineData("a: 1\n  b: 2\n", 2)]
    [InlineData("a: 1\nb: \"open\n", 2)]
    [InlineData("a:\n- 1\n b: 2\n", 3)]
    public void Malformed_YAML_is_refused_in_our_words_at_its_line(string yaml, int line)
    {
        var error = Assert.Throws<DeployException>(() => YamlText.Parse("values.yaml", yaml));

        Assert.Equal(ErrorKind.InvalidFile, error.Kind);
        Assert.StartsWith("malformed YAML: ", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("(Line", error.Message, StringComparison.Ordinal);
        Assert.True(error.Message.Length > "malformed YAML: ".Length + 3, error.Message);
        Assert.Equal("values.yaml", error.Location?.File);
        Assert.InRange(error.Location!.Line, line, line + 1);
    }

    [Theory]
    [InlineData("a: !!str 5\n", ScalarKind.String)]
    [InlineData("a: !!int \"5\"\n", ScalarKind.Other)]
    [InlineData("a: 5\n", ScalarKind.Int)]
    [InlineData("a: \"5\"\n", ScalarKind.String)]
    [InlineData("a: !!float 5\n", ScalarKind.Other)]
    public void A_tag_decides_what_a_scalar_is(string yaml, ScalarKind kind)
    {
        var root = Assert.IsType<YamlMapping>(YamlText.Parse("values.yaml", yaml).Root);

        Assert.Equal(kind, Assert.IsType<YamlScalar>(Assert.Single(root.Pairs).Value).Kind);
    }

    [Fact]
    public void Tags_on_lists_and_mappings_are_kept()
    {
        var root = Assert.IsType<YamlMapping>(YamlText.Parse("values.yaml", "a: !!seq [1]\nb: !custom {c: 1}\nd: [1]\n").Root);

        Assert.EndsWith("seq", root.Pairs[0].Value.Tag, StringComparison.Ordinal);
        Assert.Equal("!custom", root.Pairs[1].Value.Tag);
        Assert.Null(root.Pairs[2].Value.Tag);
    }

    [Fact]
    public void Helm_image_keys_name_a_file_and_a_path_each_separated_by_commas_or_lines()
    {
        var keys = HelmImageKey.ParseList("web=frontend.image, worker=values-worker.yaml:image\napi = api.containers[name=api].image");

        Assert.Equal(("values.yaml", "frontend.image"), (keys["web"].File, keys["web"].PathText));
        Assert.Equal(("values-worker.yaml", "image"), (keys["worker"].File, keys["worker"].PathText));
        Assert.Equal(("values.yaml", "api.containers[name=api].image"), (keys["api"].File, keys["api"].PathText));
        Assert.Empty(HelmImageKey.ParseList(null));
    }

    [Theory]
    [InlineData("=frontend.image", "is not NAME=[FILE:]KEY.PATH")]
    [InlineData("web=", "is not NAME=[FILE:]KEY.PATH")]
    [InlineData("web", "is not NAME=[FILE:]KEY.PATH")]
    [InlineData("web=front\u0001end.image", "is not NAME=[FILE:]KEY.PATH")]
    [InlineData("web=a.image, web=b.image", "image 'web' is mapped twice")]
    [InlineData("web=a..image", "has an empty key in its path")]
    public void A_bad_helm_image_key_is_refused_naming_the_input(string text, string problem)
    {
        var error = Assert.Throws<DeployException>(() => HelmImageKey.ParseList(text));

        Assert.StartsWith("input 'helm-image-keys': ", error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ghcr.io/acme/web:1.2.0", "ghcr.io/acme/web", "1.2.0", null)]
    [InlineData("ghcr.io/acme/web", "ghcr.io/acme/web", null, null)]
    [InlineData("localhost:5000/web", "localhost:5000/web", null, null)]
    [InlineData("localhost:5000/web:1.2", "localhost:5000/web", "1.2", null)]
    [InlineData("web@sha256:0123", "web", null, "sha256:0123")]
    [InlineData("localhost:5000/web:1.2@sha256:0123", "localhost:5000/web", "1.2", "sha256:0123")]
    public void A_helm_image_written_as_one_reference_is_read_as_name_tag_and_digest(string reference, string name, string? tag, string? digest)
    {
        var file = YamlText.Parse("values.yaml", $"image: \"{reference}\"\n");

        var entry = HelmImageEditor.Read(file, HelmImageKey.Default, "web");

        Assert.Equal((name, tag, digest), (entry?.NewName, entry?.NewTag, entry?.Digest));
    }

    [Fact]
    public void A_helm_image_mapping_joins_registry_and_repository_and_reads_empty_fields_as_absent()
    {
        var full = HelmImageEditor.Read(YamlText.Parse("values.yaml", "image:\n  registry: ghcr.io\n  repository: acme/web\n  tag: \"1.10\"\n  digest: \"\"\n"), HelmImageKey.Default, "web");
        var bare = HelmImageEditor.Read(YamlText.Parse("values.yaml", "image:\n  repository: acme/web\n  tag: ~\n"), HelmImageKey.Default, "web");

        Assert.Equal(("ghcr.io/acme/web", "1.10", null), (full?.NewName, full?.NewTag, full?.Digest));
        Assert.Equal(("acme/web", null), (bare?.NewName, bare?.NewTag));
        Assert.Null(HelmImageEditor.Read(YamlText.Parse("values.yaml", "other: 1\n"), HelmImageKey.Default, "web"));
        Assert.Contains("neither an image mapping", Assert.Throws<DeployException>(() => HelmImageEditor.Read(YamlText.Parse("values.yaml", "image: [a]\n"), HelmImageKey.Default, "web")).Message, StringComparison.Ordinal);
        // An empty reference names no image to replace: refused rather than read as one with an empty name.
        Assert.Contains("neither an image mapping", Assert.Throws<DeployException>(() => HelmImageEditor.Read(YamlText.Parse("values.yaml", "image: \"\"\n"), HelmImageKey.Default, "web")).Message, StringComparison.Ordinal);
    }

    private static string Set(string values, string setting, bool create) =>
        YamlValueEditor.Apply(YamlText.Parse("values.yaml", values), [ValueSetting.Parse("values.yaml:" + setting)], create).Text;

    [Theory]
    [InlineData("a:\n  k: 1\n", "a.key=2", false, "a:\n  k: 1\n  key: 2\n")]
    [InlineData("a: {}\n", "a.key=2", false, "a:\n  key: 2\n")]
    [InlineData("{}\n", "key=1", false, "key: 1\n")]
    [InlineData("a:\n", "a.key=2", true, "a:\n  key: 2\n")]
    [InlineData("a:\n  k: 1\n", "a.b.c=2", true, "a:\n  k: 1\n  b:\n    c: 2\n")]
    [InlineData("a: ~ # none yet\n", "a.key=2", true, "a: # none yet\n  key: 2\n")]
    [InlineData("a:\n  k: 1\n", "a.n=2", false, "a:\n  k: 1\n  \"n\": 2\n")] // YAML 1.1 reads a plain n as false
    public void A_missing_key_is_added_where_the_rules_allow(string values, string setting, bool create, string expected)
    {
        Assert.Equal(expected, Set(values, setting, create));
    }

    [Theory]
    [InlineData("a:\n  k: 1\n", "a.b.c=2", false, "'a.b' does not exist (create-missing-keys is false: only a missing last key is added)")]
    [InlineData("a:\n", "a.n=2", false, "'a' has no value (create-missing-keys is false: no mapping is added there)")]
    [InlineData("", "a=1", false, "the file is empty (create-missing-keys is false")]
    [InlineData("a: [1]\n", "a.n=1", true, "'a.n' expects a mapping here")]
    [InlineData("a: 1\n", "a.n=1", true, "'a' is a single value, not a mapping")]
    [InlineData("a: {b: 1}\n", "a.n=1", true, "'a' is a flow mapping {...}, which is never extended")]
    [InlineData("a:\n  k: 1\n", "a.list[0]=1", true, "'a.list' does not exist, and lists are never created")]
    [InlineData("a: &x\n  k: 1\nb: *x\n", "a.n=2", true, "cannot edit the anchored node &x")]
    [InlineData("a: &x\nb: *x\n", "a.n=2", true, "cannot edit the anchored node &x")]
    [InlineData("a: &x\n  k: 1\nb: *x\n", "b.n=2", true, "cannot edit through the alias *x")]
    public void A_missing_key_is_refused_where_adding_it_would_guess_or_change_more(string values, string setting, bool create, string problem)
    {
        var error = Assert.Throws<DeployException>(() => Set(values, setting, create));

        Assert.Equal(ErrorKind.InvalidFile, error.Kind);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        Assert.Equal("values.yaml", error.Location?.File);
    }
}
