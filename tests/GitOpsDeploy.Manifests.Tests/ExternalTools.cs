using System.Diagnostics;
using GitOpsDeploy.Manifests.Render;

namespace GitOpsDeploy.Manifests.Tests;

/// <summary>The real tools the adapter tests run; each test skips, visibly, when its tool is missing.</summary>
internal static class ExternalTools
{
    public static RenderTools Found { get; } = RenderTools.Locate();

    public static string? Kubectl => Found.Kubectl;

    public static string? Helm => Found.Helm;

    public static string? Diff { get; } = RenderTools.FindOnPath("diff");

    public static void RequireKubectl() => Skip.If(Kubectl is null, "kubectl is not installed: kustomize render test skipped");

    public static void RequireHelm() => Skip.If(Helm is null, "helm is not installed (run tests/GitOpsDeploy.Manifests.Tests/install-helm.sh or set HELM_PATH): helm render test skipped");

    public static void RequireDiff() => Skip.If(Diff is null, "GNU diff is not installed: diff comparison skipped");

    /// <summary>Runs a tool; returns exit code, stdout and stderr.</summary>
    public static (int ExitCode, string Stdout, string Stderr) Run(string executable, string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo(executable) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr);
    }

    /// <summary>A copy of a folder in a new temporary folder (deleted by the caller).</summary>
    public static string CopyToTemp(string source)
    {
        var target = Directory.CreateTempSubdirectory("manifests-test-").FullName;
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }

        return target;
    }
}
