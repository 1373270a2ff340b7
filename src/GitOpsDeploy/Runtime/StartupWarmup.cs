using System.Security.Cryptography;
using System.Text;
using GitOpsDeploy.Editing;
using GitOpsDeploy.Editing.Images;
using GitOpsDeploy.Editing.Overlay;

namespace GitOpsDeploy.Runtime;

/// <summary>
/// Start-up: a run waits for its first answer from GitHub with a core idle. Meanwhile this plans one image edit of a
/// tiny in-memory overlay, so the YAML parser, the editor and its re-parse check, and SHA-256 (OpenSSL) are loaded and
/// compiled before the real plan needs them (docs/benchmarks.md, start-up). It reads and writes nothing outside memory;
/// whatever it throws is dropped: it is only a head start, and the real plan reports its own errors.
/// </summary>
internal static class StartupWarmup
{
    private const string Overlay = "environments/warmup";

    public static Task Start() => Task.Run(Run);

    private static void Run()
    {
        try
        {
            _ = Plan();
        }
#pragma warning disable CA1031 // a head start only: nothing it throws may reach the run
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    /// <summary>The warm-up's work: one real image edit, planned and digested (a test checks it plans, so the head start is not an exception thrown early).</summary>
    internal static byte[] Plan()
    {
        var tree = new MemoryTree(new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [$"{Overlay}/kustomization.yaml"] = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../../base\nimages:\n  - name: web\n    newName: registry.example/web\n    newTag: \"1.0.0\" # pinned\n",
        });
        var edit = OverlayEditor.Plan(tree, Overlay, [ImageSpec.Parse("web=registry.example/web:1.0.1")], []);
        var content = edit.Files.Single().Content!;
        _ = SHA256.HashData(content);
        return content;
    }

    private sealed class MemoryTree(Dictionary<string, string> files) : IRepositoryTree
    {
        public TreeEntryKind KindOf(string path) =>
            files.ContainsKey(path) ? TreeEntryKind.File
            : files.Keys.Any(f => f.StartsWith(path + "/", StringComparison.Ordinal)) ? TreeEntryKind.Directory
            : TreeEntryKind.Missing;

        public string ReadSymlink(string path) => throw new FileNotFoundException(path);

        public byte[] ReadFile(string path) => Encoding.UTF8.GetBytes(files[path]);

        public IReadOnlyList<string> List(string directory) =>
            [.. files.Keys.Where(f => f.StartsWith(directory + "/", StringComparison.Ordinal)).Select(f => f[(directory.Length + 1)..].Split('/')[0]).Distinct(StringComparer.Ordinal)];
    }
}
