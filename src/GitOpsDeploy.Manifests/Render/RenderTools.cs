namespace GitOpsDeploy.Manifests.Render;

/// <summary>Where the renderers are: explicit paths, else <c>HELM_PATH</c> for helm, else the first match on <c>PATH</c>.</summary>
public sealed record RenderTools(string? Kubectl, string? Kustomize, string? Helm)
{
    /// <summary>No renderer: every render is reported as unavailable.</summary>
    public static RenderTools None { get; } = new(null, null, null);

    /// <summary>The tools found on this machine (this process's PATH and HELM_PATH).</summary>
    public static RenderTools Locate() =>
        new(FindOnPath("kubectl"), FindOnPath("kustomize"), FromEnvironment("HELM_PATH") ?? FindOnPath("helm"));

    /// <summary>
    /// The tools a run's environment names (its PATH and HELM_PATH), for a composition root that holds the
    /// environment as a value: the code that renders never reads the process environment itself.
    /// </summary>
    public static RenderTools Locate(IReadOnlyDictionary<string, string> environment)
    {
        var path = environment.GetValueOrDefault("PATH");
        var helm = environment.GetValueOrDefault("HELM_PATH") is { Length: > 0 } explicitHelm && IsExecutable(explicitHelm) ? explicitHelm : null;
        return new(FindOnPath("kubectl", path), FindOnPath("kustomize", path), helm ?? FindOnPath("helm", path));
    }

    /// <summary>True when a kustomize build can run (kubectl's built-in kustomize or a kustomize binary).</summary>
    public bool CanRenderKustomize => Kubectl is not null || Kustomize is not null;

    /// <summary>The first executable file named <paramref name="name"/> on <c>PATH</c>.</summary>
    public static string? FindOnPath(string name) => FindOnPath(name, Environment.GetEnvironmentVariable("PATH"));

    /// <summary>The first executable file named <paramref name="name"/> in the folders of <paramref name="path"/> (a PATH value).</summary>
    public static string? FindOnPath(string name, string? path)
    {
        foreach (var dir in (path ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
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
