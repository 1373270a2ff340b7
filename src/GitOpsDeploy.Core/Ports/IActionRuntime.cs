using GitOpsDeploy.Editing;
namespace GitOpsDeploy.Core.Ports;

/// <summary>
/// The runtime the program reports to: the GitHub Actions runner (workflow commands and file
/// commands) or a terminal. Nothing else reads the process environment or writes GITHUB_OUTPUT.
/// </summary>
public interface IActionRuntime
{
    /// <summary>Registers a secret: from now on it is masked in the log.</summary>
    void AddMask(string secret);

    /// <summary>Starts a collapsible log group; dispose to end it.</summary>
    IDisposable Group(string title);

    void SetOutput(string name, string value);

    /// <summary>Appends markdown to the job summary.</summary>
    void AppendSummary(string markdown);

    /// <summary>
    /// An error annotation, tied to a file and line when one is at fault. The message never carries the
    /// location itself: each runtime shows it once, its own way.
    /// </summary>
    void Error(string message, SourceLocation? location = null);

    /// <summary>A warning annotation; the location as for <see cref="Error"/>.</summary>
    void Warning(string message, SourceLocation? location = null);
}
