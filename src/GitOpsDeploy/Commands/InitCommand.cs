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
            var files = GitOpsScaffold.Generate(options);
            var root = Path.GetFullPath(verb.Directory);
            var existing = files.Keys.Where(f => File.Exists(Path.Combine(root, f))).ToList();
            if (existing.Count > 0 && !verb.Force)
            {
                throw DeployException.Input("dir", $"{root} already has {string.Join(", ", existing)}; nothing was written (use --force to overwrite)");
            }

            foreach (var (path, content) in files)
            {
                var target = Path.Combine(root, path);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.WriteAllText(target, content);
                console.WriteLine($"wrote {path}");
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
