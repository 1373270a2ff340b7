using System.Reflection;
using GitOpsDeploy.Cli;
using GitOpsDeploy.Git;
using GitOpsDeploy.Runtime;

namespace GitOpsDeploy.Commands;

/// <summary>
/// Deploys into the embedded example gitops repository (the seed's layout: base/, two overlays,
/// argocd/): copied into a temporary local repository, updated in push mode, then the new commit
/// is shown. No GitHub account and no network. It changes the image and nothing else, and first prints
/// what it runs as a workflow step and as a command, so the example is also a template.
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
            console.WriteLine(string.Empty);

            var inputs = new Dictionary<string, string>
            {
                ["gitops-repository"] = remote,
                ["environment"] = "staging",
                ["images"] = ExampleImage,
                ["mode"] = "push",
                ["source-repository"] = "acme/observability-platform",
                ["source-sha"] = "4f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39",
                // The example runs offline, and its image is made up: no registry is asked for a digest.
                ["pin"] = "none",
            };
            Announce(inputs, keep);
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

    /// <summary>What the example is about to run, written the two ways a person would run it.</summary>
    private void Announce(IReadOnlyDictionary<string, string> inputs, bool keep)
    {
        console.WriteLine($"It deploys {inputs["images"]} to {inputs["environment"]}, changing only that image. As a workflow step:");
        console.WriteLine(string.Empty);
        foreach (var line in EquivalentInputs.WorkflowStep(inputs).Split('\n'))
        {
            console.WriteLine("  " + line);
        }

        console.WriteLine("  (In your own workflow gitops-repository is owner/name, with gitops-token: ${{ secrets.GITOPS_TOKEN }}.)");
        console.WriteLine(string.Empty);
        console.WriteLine(keep ? "As a command (the repository is kept, so you can run it again):" : "As a command (add --keep to keep the repository and run it yourself):");
        console.WriteLine(string.Empty);
        foreach (var line in EquivalentInputs.CommandLine(inputs).Split('\n'))
        {
            console.WriteLine("  " + line);
        }

        console.WriteLine(string.Empty);
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
