using GitOpsDeploy.Editing.Images;
using GitOpsDeploy.Editing.Yaml;

namespace GitOpsDeploy.Tests.App;

/// <summary>
/// Edited overlays rendered by the real kustomize (kubectl's built-in): the image lines must be
/// exactly the tags we wrote, including the ones YAML would otherwise read as numbers or booleans.
/// Skipped, visibly, where kubectl is not installed.
/// </summary>
[Trait("Tier", "App")]
public sealed class KustomizeRenderTests
{
    private const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    [SkippableTheory]
    [InlineData("web:1.10", "ghcr.io/acme/web:1.10")]
    [InlineData("web:2024.01", "ghcr.io/acme/web:2024.01")]
    [InlineData("web:1e3", "ghcr.io/acme/web:1e3")]
    [InlineData("web:true", "ghcr.io/acme/web:true")]
    [InlineData("web:0755", "ghcr.io/acme/web:0755")]
    [InlineData("web:0x1F", "ghcr.io/acme/web:0x1F")]
    [InlineData("web@" + Digest, "ghcr.io/acme/web@" + Digest)]
    [InlineData("web=registry.example.com:5000/web:7", "registry.example.com:5000/web:7")]
    [InlineData("sidecar=ghcr.io/acme/sidecar:1.0", "ghcr.io/acme/sidecar:1.0")]
    public void Kustomize_renders_exactly_the_image_we_wrote(string spec, string expectedImage)
    {
        Skip.If(ExternalTool.Kubectl.Path is null, "kubectl is not installed: kustomize render check skipped");
        var dir = Directory.CreateTempSubdirectory("kustomize-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(dir, "base"));
            Directory.CreateDirectory(Path.Combine(dir, "overlay"));
            File.WriteAllText(Path.Combine(dir, "base/kustomization.yaml"), "resources:\n- deployment.yaml\n");
            File.WriteAllText(Path.Combine(dir, "base/deployment.yaml"), """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: web
                spec:
                  template:
                    spec:
                      containers:
                      - name: web
                        image: web
                      - name: sidecar
                        image: sidecar
                """);
            var overlay = "resources:\n- ../base\nimages:\n- name: web\n  newName: ghcr.io/acme/web\n  newTag: \"1.0\"\n";
            var file = YamlText.Parse("overlay/kustomization.yaml", overlay);
            var (edited, _) = KustomizationImageEditor.Apply(file, [ImageSpec.Parse(spec)]);
            File.WriteAllText(Path.Combine(dir, "overlay/kustomization.yaml"), edited);

            var rendered = ExternalTool.Kubectl.Run(dir, "kustomize", "overlay");
            var images = rendered.Split('\n').Select(l => l.Trim().TrimStart('-', ' ')).Where(l => l.StartsWith("image: ", StringComparison.Ordinal)).Select(l => l["image: ".Length..]).ToList();
            Assert.Contains(expectedImage, images);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
