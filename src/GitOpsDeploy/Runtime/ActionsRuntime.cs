using System.Text;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Editing;

namespace GitOpsDeploy.Runtime;

/// <summary>
/// The GitHub Actions runner: workflow commands on stdout, outputs and summary through the files
/// named by GITHUB_OUTPUT and GITHUB_STEP_SUMMARY (the runner's FileCommandManager reads them).
/// </summary>
public sealed class ActionsRuntime(IReadOnlyDictionary<string, string> environment, ConsoleSink console) : IActionRuntime
{
    private static readonly UTF8Encoding Utf8NoBom = new(false);

    public void AddMask(string secret)
    {
        console.Masker.Add(secret);
        foreach (var line in secret.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // Written raw: masking the mask command would defeat it.
            console.WriteRaw($"::add-mask::{EscapeData(line.TrimEnd('\r'))}");
        }
    }

    public IDisposable Group(string title)
    {
        console.WriteLine($"::group::{EscapeData(title)}");
        return new EndGroup(console);
    }

    public void SetOutput(string name, string value)
    {
        value = console.Masker.Mask(value);
        if (environment.TryGetValue("GITHUB_OUTPUT", out var path) && path.Length > 0)
        {
            // A random delimiter, as the runner's own toolkit does, so a value can never end the block early.
            var delimiter = "ghadelimiter_" + Guid.NewGuid().ToString("N");
            File.AppendAllText(path, $"{name}<<{delimiter}\n{value}\n{delimiter}\n", Utf8NoBom);
        }
    }

    public void AppendSummary(string markdown)
    {
        if (environment.TryGetValue("GITHUB_STEP_SUMMARY", out var path) && path.Length > 0)
        {
            File.AppendAllText(path, console.Masker.Mask(markdown) + "\n", Utf8NoBom);
        }
    }

    public void Error(string message, SourceLocation? location = null) => Annotate("error", message, location);

    public void Warning(string message, SourceLocation? location = null) => Annotate("warning", message, location);

    private void Annotate(string level, string message, SourceLocation? location)
    {
        var properties = location is null ? string.Empty
            : $" file={EscapeProperty(location.File)}" + (location.Line > 0 ? $",line={location.Line},col={location.Column}" : string.Empty);
        // The raw log shows only the data, so the location leads it once (the properties place the annotation).
        console.WriteLine($"::{level}{properties}::{EscapeData(location is null ? message : $"{location}: {message}")}");
    }

    /// <summary>Workflow-command data escaping: % first, then CR and LF (actions/runner ActionCommand).</summary>
    public static string EscapeData(string value) =>
        value.Replace("%", "%25", StringComparison.Ordinal).Replace("\r", "%0D", StringComparison.Ordinal).Replace("\n", "%0A", StringComparison.Ordinal);

    /// <summary>Property escaping adds ':' and ','.</summary>
    public static string EscapeProperty(string value) =>
        EscapeData(value).Replace(":", "%3A", StringComparison.Ordinal).Replace(",", "%2C", StringComparison.Ordinal);

    private sealed class EndGroup(ConsoleSink console) : IDisposable
    {
        public void Dispose() => console.WriteLine("::endgroup::");
    }
}
