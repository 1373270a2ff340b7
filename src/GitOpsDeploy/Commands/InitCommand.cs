using GitOpsDeploy.Cli;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Scaffold;
using GitOpsDeploy.Editing;
using GitOpsDeploy.Runtime;

namespace GitOpsDeploy.Commands;

/// <summary>Writes the scaffolded gitops repository to disk, refusing to overwrite anything unless forced.</summary>
public sealed class InitCommand(IActionRuntime runtime, ConsoleSink console)
{
    public int Run(InitVerb verb)
    {
        try
        {
            var options = GitOpsScaffold.Validate(verb.App, verb.Image, verb.Environments, verb.RepoUrl, verb.Tag);
            var root = Path.GetFullPath(verb.Directory);
            // Every file with its full path: the gitops repository's, and the application repository's workflow when asked for.
            var files = GitOpsScaffold.Generate(options).Select(f => (Shown: f.Key, Full: Path.Combine(root, f.Key), f.Value)).ToList();
            if (verb.AppRepository is { } app)
            {
                var workflow = GitOpsScaffold.PromotionWorkflow(options, verb.Action ?? "acme/gitops-deploy@v1");
                var full = Path.Combine(Path.GetFullPath(app), GitOpsScaffold.PromotionWorkflowPath);
                files.Add((full, full, workflow));
            }

            var existing = files.Where(f => File.Exists(f.Full)).Select(f => f.Shown).ToList();
            if (existing.Count > 0 && !verb.Force)
            {
                throw DeployException.Input("dir", $"{root} already has {string.Join(", ", existing)}; nothing was written (use --force to overwrite)");
            }

            foreach (var (shown, full, content) in files)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(full)!);
                File.WriteAllText(full, content);
                console.WriteLine($"wrote {shown}");
            }

            console.WriteLine($"Scaffolded {options.App} for {string.Join(", ", options.Environments)} in {root}");
            return 0;
        }
        catch (DeployException e)
        {
            runtime.Error(e.Message, e.Location);
            return 1;
        }
    }
}
