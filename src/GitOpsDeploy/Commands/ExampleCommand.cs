using System.Reflection;
using GitOpsDeploy.Git;
using GitOpsDeploy.Runtime;

namespace GitOpsDeploy.Commands;

/// <summary>
/// Deploys into the embedded example gitops repository (the seed's layout: base/, two overlays,
/// argocd/): copied into a temporary local repository, updated in push mode, then the new commit
/// is shown. No GitHub account and no network.
/// </summary>
public sealed class ExampleCommand(DeployCommand deploy, ConsoleSink console)
{
    public const string ExampleImage = "web=ghcr.io/acme/web:1.4.2";

    public async Task<int> RunAsync(bool keep, CancellationToken cancellationToken)
    {
        var root = Directory.CreateTempSubdirectory("gitops-deploy-example-").FullName;
        try
        {
            var remote = Path.Combine(root, "observability-gitops.git");
            LocalRepository.CreateBare(remote, ReadExample(), "Initial gitops layout");
            console.WriteLine($"Example gitops repository: {remote}");

            var inputs = new Dictionary<string, string>
            {
                ["gitops-repository"] = remote,
                ["environment"] = "staging",
                ["images"] = ExampleImage,
                ["set"] = "values.yaml:spec.replicas=2",
                ["mode"] = "push",
                ["source-repository"] = "acme/observability-platform",
                ["source-sha"] = "4f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39",
            };
            var exit = await deploy.RunAsync(inputs, cancellationToken);
            if (exit == 0 && deploy.LastResult?.CommitSha is { } sha)
            {
                console.WriteLine(string.Empty);
                console.WriteLine("The new commit on main:");
                console.WriteLine(LocalRepository.Show(remote, sha).TrimEnd('\n'));
            }

            return exit;
        }
        finally
        {
            if (keep)
            {
                console.WriteLine($"Kept {root}");
            }
            else
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

    /// <summary>The embedded example files, keyed by their path in the repository.</summary>
    public static Dictionary<string, byte[]> ReadExample()
    {
        var assembly = Assembly.GetExecutingAssembly();
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith("example/", StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            files[name["example/".Length..].Replace('\\', '/')] = buffer.ToArray();
        }

        return files;
    }
}
