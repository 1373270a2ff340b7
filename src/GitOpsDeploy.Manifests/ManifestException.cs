namespace GitOpsDeploy.Manifests;

/// <summary>
/// A folder cannot be analysed or rendered as asked: a path that escapes the repository, a missing
/// or malformed file, a kustomization kustomize itself would refuse. <see cref="Path"/> names the
/// file at fault when there is one ('/'-separated, relative to the repository root).
/// </summary>
public sealed class ManifestException : Exception
{
    public ManifestException()
    {
    }

    public ManifestException(string message)
        : base(message)
    {
    }

    public ManifestException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ManifestException(string? path, string message, Exception? innerException = null)
        : base(path is null ? message : $"{path}: {message}", innerException)
    {
        Path = path;
    }

    /// <summary>The file at fault, when there is one.</summary>
    public string? Path { get; }
}
