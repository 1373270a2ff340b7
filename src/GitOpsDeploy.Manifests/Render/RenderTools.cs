namespace GitOpsDeploy.Manifests.Render;

/// <summary>Where the renderers are: explicit paths, else <c>HELM_PATH</c> for helm, else the first match on <c>PATH</c>.</summary>
public sealed record RenderTools(string? Kubectl, string? Kustomize, string? Helm)
{
    /// <summary>The tools found on this machine.</summary>
    public static RenderTools Locate() =>
        new(FindOnPath("kubectl"), FindOnPath("kustomize"), FromEnvironment("HELM_PATH") ?? FindOnPath("helm"));

    /// <summary>True when a kustomize build can run (kubectl's built-in kustomize or a kustomize binary).</summary>
    public bool CanRenderKustomize => Kubectl is not null || Kustomize is not null;

    /// <summary>The first executable file named <paramref name="name"/> on <c>PATH</c>.</summary>
    public static string? FindOnPath(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (IsExecutable(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static string? FromEnvironment(string variable) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } path && IsExecutable(path) ? path : null;

    private static bool IsExecutable(string path) =>
        File.Exists(path) && (OperatingSystem.IsWindows() || (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0);
}
